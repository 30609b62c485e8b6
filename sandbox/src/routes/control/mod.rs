//! The control plane under `/_sandbox/` (never a real path; no signature): what exists, fault rates,
//! token expiry and revocation, the clock, creating and moving orders and products, recording LIVE
//! sessions, creators, affiliate books, videos and sample applications, the request log, reset, extra
//! apps, and the shipping documents' PDFs.
//!
//! `configure` registers every path; the handlers live by concern: `settings` (faults, clock, request
//! log, reset, apps, token expiry and revocation), `orders` (create, read, advance, patch), `products`
//! (create, read, patch), `lives` (LIVE sessions the host streamed), `affiliate` (creators, a shop's
//! affiliate books and videos, sample applications) and `documents` (label PDFs). The
//! helpers they share are here.

mod affiliate;
mod documents;
mod lives;
mod orders;
mod products;
mod settings;

pub use documents::pdf;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::state::SandboxState;
use crate::world::json::shop_json;
use crate::world::{Id, parse_id};
use documents::document;
use lives::{list_lives, record_live};
use orders::{advance_order, create_orders, get_order, patch_order};
use products::{create_product, get_product, patch_product};
use settings::{
    add_app, expire_token, get_clock, get_faults, list_apps, move_clock, requests, reset, revoke,
    set_faults,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/_sandbox", web::get().to(overview))
        .route("/_sandbox/", web::get().to(overview))
        .route("/_sandbox/faults", web::get().to(get_faults))
        .route("/_sandbox/faults", web::post().to(set_faults))
        .route("/_sandbox/clock", web::get().to(get_clock))
        .route("/_sandbox/clock", web::post().to(move_clock))
        .route("/_sandbox/requests", web::get().to(requests))
        .route("/_sandbox/reset", web::post().to(reset))
        .route("/_sandbox/apps", web::get().to(list_apps))
        .route("/_sandbox/apps", web::post().to(add_app))
        .route(
            "/_sandbox/shops/{shop_id}/expire-token",
            web::post().to(expire_token),
        )
        .route("/_sandbox/shops/{shop_id}/revoke", web::post().to(revoke))
        .route(
            "/_sandbox/shops/{shop_id}/orders",
            web::post().to(create_orders),
        )
        .route(
            "/_sandbox/shops/{shop_id}/products",
            web::post().to(create_product),
        )
        .route(
            "/_sandbox/shops/{shop_id}/lives",
            web::post().to(record_live),
        )
        .route("/_sandbox/shops/{shop_id}/lives", web::get().to(list_lives))
        .route("/_sandbox/creators", web::get().to(affiliate::creators))
        .route(
            "/_sandbox/shops/{shop_id}/affiliate",
            web::get().to(affiliate::books),
        )
        .route(
            "/_sandbox/shops/{shop_id}/videos",
            web::get().to(affiliate::videos),
        )
        .route(
            "/_sandbox/shops/{shop_id}/sample_applications",
            web::post().to(affiliate::apply),
        )
        .route("/_sandbox/orders/{order_id}", web::get().to(get_order))
        .route("/_sandbox/orders/{order_id}", web::patch().to(patch_order))
        .route(
            "/_sandbox/orders/{order_id}/advance",
            web::post().to(advance_order),
        )
        .route(
            "/_sandbox/products/{product_id}",
            web::get().to(get_product),
        )
        .route(
            "/_sandbox/products/{product_id}",
            web::patch().to(patch_product),
        )
        .route("/_sandbox/documents/{file}", web::get().to(document));
}

fn bad(status: u16, message: impl Into<String>) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default())
        .json(json!({"error": message.into()}))
}

fn ok(v: Value) -> HttpResponse {
    HttpResponse::Ok().json(v)
}

/// Parses an optional JSON body (empty = `{}`).
fn body<T: for<'de> Deserialize<'de> + Default>(raw: &[u8]) -> Result<T, HttpResponse> {
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(T::default());
    }
    serde_json::from_slice(raw).map_err(|e| bad(400, format!("Invalid JSON body: {e}")))
}

fn path_id(req: &HttpRequest, name: &str) -> Result<Id, HttpResponse> {
    let raw = req.match_info().get(name).unwrap_or("");
    parse_id(raw).ok_or_else(|| bad(400, format!("Invalid {name}: {raw:?}")))
}

/// `GET /_sandbox/`: sellers with their shops (ids and ciphers), apps, the clock, sizes.
async fn overview(state: web::Data<SandboxState>) -> HttpResponse {
    let apps: Vec<Value> = state
        .apps()
        .into_iter()
        .map(|a| json!({"app_key": a.app_key, "service_id": a.service_id, "redirect_url": a.redirect_url}))
        .collect();
    let world = state.with_world(|w| {
        let sellers: Vec<Value> = w
            .sellers
            .values()
            .map(|s| {
                json!({
                    "id": s.id.to_string(),
                    "name": s.name,
                    "base_region": s.base_region.code(),
                    "shops": s.shop_ids.iter().filter_map(|id| w.shops.get(id)).map(|sh| {
                        let mut v = shop_json(sh);
                        v["warehouse_ids"] = json!(sh.warehouse_ids.iter().map(|x| x.to_string()).collect::<Vec<_>>());
                        v["orders"] = json!(w.orders_by_create.range((sh.id, i64::MIN, 0)..=(sh.id, i64::MAX, Id::MAX)).count());
                        v["products"] = json!(w.products_by_create.range((sh.id, i64::MIN, 0)..=(sh.id, i64::MAX, Id::MAX)).count());
                        v
                    }).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({"sellers": sellers, "orders": w.orders.len(), "products": w.products.len(), "packages": w.packages.len(), "returns": w.returns.len(), "cancellations": w.cancellations.len()})
    });
    let (authorizations, tokens) = {
        let a = state.auth();
        (a.authorizations.len(), a.access_tokens.len())
    };
    ok(json!({
        "seed": state.config().seed,
        "now": state.now(),
        "clock_offset_seconds": state.clock().offset(),
        "apps": apps,
        "world": world,
        "authorizations": authorizations,
        "access_tokens": tokens,
        "paths": {
            "authorize": "/open/authorize",
            "token_get": "/api/v2/token/get",
            "token_refresh": "/api/v2/token/refresh",
        },
    }))
}
