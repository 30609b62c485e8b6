//! The sandbox's own settings: fault rates, the clock, the request log, reset, extra apps, and a shop's
//! tokens expired or revoked.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{bad, body, ok, path_id};
use crate::state::{App, SandboxState};
use crate::world::Id;

pub(super) async fn get_faults(state: web::Data<SandboxState>) -> HttpResponse {
    ok(json!(state.faults()))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FaultsIn {
    error_5xx: Option<f64>,
    rate_429: Option<f64>,
    slow_ms: Option<u64>,
    slow_rate: Option<f64>,
    drop_rate: Option<f64>,
    malformed_rate: Option<f64>,
    /// Reseeds the fault randomness, for repeatable runs.
    seed: Option<u64>,
}

/// `POST /_sandbox/faults`: sets the rates given (others keep their value); all zero = no faults.
pub(super) async fn set_faults(raw: web::Bytes, state: web::Data<SandboxState>) -> HttpResponse {
    let f: FaultsIn = match body(&raw) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut cur = state.faults();
    for (v, slot) in [
        (f.error_5xx, &mut cur.error_5xx),
        (f.rate_429, &mut cur.rate_429),
        (f.slow_rate, &mut cur.slow_rate),
        (f.drop_rate, &mut cur.drop_rate),
        (f.malformed_rate, &mut cur.malformed_rate),
    ] {
        if let Some(v) = v {
            if !(0.0..=1.0).contains(&v) {
                return bad(400, "Rates are probabilities between 0 and 1.");
            }
            *slot = v;
        }
    }
    if let Some(ms) = f.slow_ms {
        if ms > 60_000 {
            return bad(400, "slow_ms is at most 60000.");
        }
        cur.slow_ms = ms;
    }
    state.set_faults(cur.clone(), f.seed);
    ok(json!(cur))
}

pub(super) async fn get_clock(state: web::Data<SandboxState>) -> HttpResponse {
    ok(json!({"now": state.now(), "offset_seconds": state.clock().offset()}))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ClockIn {
    advance_seconds: Option<i64>,
}

/// `POST /_sandbox/clock {advance_seconds}`: moves the sandbox clock (time-driven changes follow).
pub(super) async fn move_clock(raw: web::Bytes, state: web::Data<SandboxState>) -> HttpResponse {
    let c: ClockIn = match body(&raw) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(secs) = c.advance_seconds else {
        return bad(400, "advance_seconds is required.");
    };
    state.advance_clock(secs);
    ok(json!({"now": state.now(), "offset_seconds": state.clock().offset()}))
}

/// `GET /_sandbox/requests?since=<seq>&limit=<n>&path=<substring>`: the request log, oldest first.
pub(super) async fn requests(req: HttpRequest, state: web::Data<SandboxState>) -> HttpResponse {
    let q = crate::protocol::parse_query(req.query_string());
    let get = |k: &str| q.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
    let since: u64 = get("since").and_then(|s| s.parse().ok()).unwrap_or(0);
    let limit: usize = get("limit")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000)
        .min(50_000);
    let path = get("path");
    let all = state.requests();
    let items: Vec<_> = all
        .into_iter()
        .filter(|r| r.seq > since && path.as_ref().is_none_or(|p| r.path.contains(p.as_str())))
        .collect();
    let skip = items.len().saturating_sub(limit);
    ok(json!({"requests": &items[skip..]}))
}

pub(super) async fn reset(state: web::Data<SandboxState>) -> HttpResponse {
    state.reset();
    ok(json!({"reset": true, "now": state.now()}))
}

pub(super) async fn list_apps(state: web::Data<SandboxState>) -> HttpResponse {
    let apps: Vec<Value> = state
        .apps()
        .into_iter()
        .map(|a| json!({"app_key": a.app_key, "service_id": a.service_id, "redirect_url": a.redirect_url}))
        .collect();
    ok(json!({"apps": apps}))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AppIn {
    app_key: String,
    app_secret: String,
    service_id: Option<String>,
    redirect_url: String,
}

/// `POST /_sandbox/apps {app_key, app_secret, service_id, redirect_url}`: registers another app.
pub(super) async fn add_app(raw: web::Bytes, state: web::Data<SandboxState>) -> HttpResponse {
    let a: AppIn = match body(&raw) {
        Ok(a) => a,
        Err(r) => return r,
    };
    if a.app_key.is_empty() || a.app_secret.is_empty() {
        return bad(400, "app_key and app_secret are required.");
    }
    if url::Url::parse(&a.redirect_url).is_err() {
        return bad(400, "redirect_url must be an absolute URL.");
    }
    let service_id = a.service_id.unwrap_or_else(|| format!("svc_{}", a.app_key));
    state.register_app(App {
        app_key: a.app_key.clone(),
        app_secret: a.app_secret,
        service_id: service_id.clone(),
        redirect_url: a.redirect_url.clone(),
    });
    ok(json!({"app_key": a.app_key, "service_id": service_id, "redirect_url": a.redirect_url}))
}

fn shop_exists(state: &SandboxState, shop: Id) -> bool {
    state.with_world(|w| w.shops.contains_key(&shop))
}

/// `POST /_sandbox/shops/{shop_id}/expire-token`: every access token covering the shop expires now.
pub(super) async fn expire_token(req: HttpRequest, state: web::Data<SandboxState>) -> HttpResponse {
    let shop = match path_id(&req, "shop_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !shop_exists(&state, shop) {
        return bad(404, "No such shop.");
    }
    ok(json!({"expired": state.expire_shop_tokens(shop)}))
}

/// `POST /_sandbox/shops/{shop_id}/revoke`: the seller deauthorizes every app for the shop
/// (SELLER_DEAUTHORIZATION is pushed).
pub(super) async fn revoke(req: HttpRequest, state: web::Data<SandboxState>) -> HttpResponse {
    let shop = match path_id(&req, "shop_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !shop_exists(&state, shop) {
        return bad(404, "No such shop.");
    }
    ok(json!({"revoked_for_apps": state.revoke_shop(shop)}))
}
