//! All routes. API routes are registered with [`crate::protocol::op`], one module per API area (a file,
//! or a directory whose `mod.rs` registers the paths and whose files hold the handlers); the
//! token host's paths and the consent page are in `oauth`; the control plane (`/_sandbox/*`) is in
//! `control`.
//!
//! To add an area: write `routes/<area>.rs` with `pub fn configure(cfg: &mut web::ServiceConfig)`
//! calling `op(...)` for each path, declare it below and add one `.configure(<area>::configure)` line
//! to [`configure`].

pub mod affiliate;
pub mod analytics;
pub mod authorization;
pub mod cancellations;
pub mod control;
pub mod events;
pub mod fulfillment;
pub mod logistics;
pub mod oauth;
pub mod orders;
pub mod products;
pub mod promotions;
pub mod returns;
pub mod seek;

use actix_web::web;

/// Registers every route on the app. Unmatched requests get the real service's
/// invalid path / method / version answers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(oauth::configure)
        .configure(control::configure)
        .configure(authorization::configure)
        .configure(products::configure)
        .configure(orders::configure)
        .configure(fulfillment::configure)
        .configure(logistics::configure)
        .configure(cancellations::configure)
        .configure(returns::configure)
        .configure(promotions::configure)
        .configure(analytics::configure)
        .configure(affiliate::configure)
        .configure(events::configure)
        .configure(crate::living::configure);
    cfg.default_service(web::to(crate::protocol::unmatched));
}
