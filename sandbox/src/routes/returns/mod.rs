//! Returns and cancellations, as the seller sees them: search (202309 and 202602), approve and reject
//! (202309, and reject at 202606 too), with the real state rules. The state changes here are also what
//! the living shop uses for buyers' requests, so every change emits its webhook event in one place.
//!
//! `configure` registers every path; `paging` holds the search paging the other areas share,
//! `transitions` the state changes (shared with the living shop), `render` the JSON shapes and
//! `handlers` the seller's endpoints.

mod handlers;
mod paging;
mod render;
mod transitions;

pub(crate) use paging::{Order, paginate, sort_order};
pub use render::{cancellation_json, return_json};
pub use transitions::{open_cancellation, open_return, set_cancel_status, set_return_status};

use actix_web::http::Method;
use actix_web::web;

use crate::protocol::{Category, Scope, op};
use handlers::{
    approve_cancellation, approve_return, reject_cancellation, reject_return, search_cancellations,
    search_returns,
};

/// The return or cancellation is not in a state that allows this decision.
pub const STATUS_NOT_ALLOWED: i64 = 25001004;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Category::Returns as C;
    use Scope::Shop as S;
    for path in [
        "/return_refund/202309/returns/search",
        "/return_refund/202602/returns/search",
    ] {
        op(cfg, Method::POST, path, C, S, search_returns);
    }
    op(
        cfg,
        Method::POST,
        "/return_refund/202309/returns/{return_id}/approve",
        C,
        S,
        approve_return,
    );
    for path in [
        "/return_refund/202309/returns/{return_id}/reject",
        "/return_refund/202606/returns/{return_id}/reject",
    ] {
        op(cfg, Method::POST, path, C, S, reject_return);
    }
    for path in [
        "/return_refund/202309/cancellations/search",
        "/return_refund/202602/cancellations/search",
    ] {
        op(cfg, Method::POST, path, C, S, search_cancellations);
    }
    op(
        cfg,
        Method::POST,
        "/return_refund/202309/cancellations/{cancel_id}/approve",
        C,
        S,
        approve_cancellation,
    );
    op(
        cfg,
        Method::POST,
        "/return_refund/202309/cancellations/{cancel_id}/reject",
        C,
        S,
        reject_cancellation,
    );
}
