//! Webhook subscriptions (`GET/PUT/DELETE /event/202309/webhooks`) and the control endpoints that show
//! and drive webhook delivery (`/_sandbox/webhooks/*`).

use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::protocol::{ApiError, ApiResult, Category, Ctx, Scope, op};
use crate::state::SandboxState;
use crate::webhooks::{self, DeliverySettings, subscriptions};

pub fn configure(cfg: &mut web::ServiceConfig) {
    const PATH: &str = "/event/202309/webhooks";
    op(cfg, Method::GET, PATH, Category::Events, Scope::Shop, list);
    op(cfg, Method::PUT, PATH, Category::Events, Scope::Shop, put);
    op(
        cfg,
        Method::DELETE,
        PATH,
        Category::Events,
        Scope::Shop,
        delete,
    );
    cfg.route("/_sandbox/webhooks/deliveries", web::get().to(deliveries))
        .route(
            "/_sandbox/webhooks/subscriptions",
            web::get().to(all_subscriptions),
        )
        .route(
            "/_sandbox/webhooks/partner_center",
            web::get().to(partner_center_list),
        )
        .route(
            "/_sandbox/webhooks/partner_center",
            web::put().to(partner_center_put),
        )
        .route(
            "/_sandbox/webhooks/partner_center",
            web::delete().to(partner_center_delete),
        )
        .route("/_sandbox/webhooks/flush", web::post().to(flush))
        .route("/_sandbox/webhooks/settings", web::get().to(get_settings))
        .route("/_sandbox/webhooks/settings", web::post().to(set_settings));
}

fn list(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let hub = webhooks::hub(ctx.state);
    let webhooks: Vec<Value> = hub
        .subscriptions
        .list(&ctx.app.app_key, &shop.to_string())
        .into_iter()
        .map(|s| {
            json!({
                "event_type": s.event_type.name(),
                "address": s.address,
                "create_time": s.create_time,
            })
        })
        .collect();
    Ok(json!({ "webhooks": webhooks }))
}

#[derive(Deserialize)]
struct PutBody {
    address: Option<String>,
    event_type: Option<String>,
}

fn refuse(e: subscriptions::SubscriptionError) -> ApiError {
    ApiError::invalid(e.to_string())
}

fn put(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let body: PutBody = ctx.json()?;
    let event_type = body
        .event_type
        .ok_or_else(|| ApiError::invalid("event_type is required."))?;
    let address = body
        .address
        .ok_or_else(|| ApiError::invalid("address is required."))?;
    let event_type = subscriptions::parse_event_type(&event_type).map_err(refuse)?;
    let address = subscriptions::parse_address(&address).map_err(refuse)?;
    webhooks::hub(ctx.state).subscriptions.put(
        &ctx.app.app_key,
        &shop.to_string(),
        event_type,
        address,
        ctx.now,
    );
    Ok(json!({}))
}

#[derive(Deserialize)]
struct DeleteBody {
    event_type: Option<String>,
}

fn delete(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let body: DeleteBody = ctx.json()?;
    let event_type = body
        .event_type
        .ok_or_else(|| ApiError::invalid("event_type is required."))?;
    let event_type = subscriptions::parse_event_type(&event_type).map_err(refuse)?;
    webhooks::hub(ctx.state)
        .subscriptions
        .delete(&ctx.app.app_key, &shop.to_string(), event_type)
        .map_err(refuse)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
struct SinceQuery {
    #[serde(default)]
    since: u64,
}

/// `GET /_sandbox/webhooks/deliveries?since=SEQ`: every delivery attempt after `since`, oldest first.
async fn deliveries(state: web::Data<SandboxState>, q: web::Query<SinceQuery>) -> HttpResponse {
    let hub = webhooks::hub(&state);
    HttpResponse::Ok().json(json!({
        "deliveries": hub.dispatcher.deliveries(q.since),
        "pending": hub.dispatcher.pending(),
    }))
}

/// `GET /_sandbox/webhooks/subscriptions`: every app's subscriptions.
async fn all_subscriptions(state: web::Data<SandboxState>) -> HttpResponse {
    let hub = webhooks::hub(&state);
    let shops: Vec<String> = state.with_world(|w| w.shops.keys().map(|s| s.to_string()).collect());
    let apps: Vec<String> = state.apps().into_iter().map(|a| a.app_key).collect();
    let mut out = Vec::new();
    for app in &apps {
        for shop in &shops {
            for s in hub.subscriptions.list(app, shop) {
                out.push(json!({
                    "app_key": s.app_key,
                    "shop_id": s.shop_id,
                    "event_type": s.event_type.name(),
                    "address": s.address,
                    "create_time": s.create_time,
                }));
            }
        }
    }
    for s in hub.subscriptions.app_wide() {
        out.push(json!({
            "app_key": s.app_key,
            "shop_id": s.shop_id,
            "event_type": s.event_type.name(),
            "address": s.address,
            "create_time": s.create_time,
        }));
    }
    HttpResponse::Ok().json(json!({ "subscriptions": out }))
}

fn app_wide_json(s: &subscriptions::Subscription) -> Value {
    json!({
        "app_key": s.app_key,
        "event_type": s.event_type.name(),
        "type": s.event_type.code(),
        "address": s.address,
        "create_time": s.create_time,
    })
}

/// `GET /_sandbox/webhooks/partner_center`: the app-wide webhook settings.
async fn partner_center_list(state: web::Data<SandboxState>) -> HttpResponse {
    let list: Vec<Value> = webhooks::hub(&state)
        .subscriptions
        .app_wide()
        .iter()
        .map(app_wide_json)
        .collect();
    HttpResponse::Ok().json(json!({ "webhooks": list }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartnerCenterBody {
    /// Default: the sandbox's configured app.
    app_key: Option<String>,
    /// A type code (39, 63, or any other) or its name.
    event_type: Value,
    address: Option<String>,
}

/// Reads a Partner Center body: (app key, event type, address).
fn partner_center_body(
    state: &SandboxState,
    body: &[u8],
) -> Result<(String, webhooks::EventType, Option<String>), HttpResponse> {
    let bad = |m: String| HttpResponse::BadRequest().json(json!({ "error": m }));
    let b: PartnerCenterBody = serde_json::from_slice(body)
        .map_err(|e| bad(format!("expected {{app_key?, event_type, address}}: {e}")))?;
    let app_key = b.app_key.unwrap_or_else(|| state.config().app_key.clone());
    if state.app(&app_key).is_none() {
        return Err(bad(format!("app_key: unknown app {app_key:?}")));
    }
    let raw = match &b.event_type {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => {
            return Err(bad(format!(
                "event_type: expected a name or a code, got {other}"
            )));
        }
    };
    let event_type = webhooks::EventType::from_any(&raw)
        .ok_or_else(|| bad(format!("event_type: unknown type {raw:?}")))?;
    let address = match b.address {
        Some(a) => {
            Some(subscriptions::parse_address(&a).map_err(|e| bad(format!("address: {e}")))?)
        }
        None => None,
    };
    Ok((app_key, event_type, address))
}

/// `PUT /_sandbox/webhooks/partner_center {app_key?, event_type, address}`: sets an app-wide webhook
/// address for one type, as Partner Center does: every shop the app is authorized for. The only way
/// to receive the types that have no topic name in `PUT /event/202309/webhooks` (39, 63).
async fn partner_center_put(state: web::Data<SandboxState>, body: web::Bytes) -> HttpResponse {
    let (app_key, event_type, address) = match partner_center_body(&state, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(address) = address else {
        return HttpResponse::BadRequest().json(json!({ "error": "address is required" }));
    };
    let hub = webhooks::hub(&state);
    hub.subscriptions.put(
        &app_key,
        subscriptions::APP_WIDE,
        event_type,
        address,
        state.now(),
    );
    let set = hub
        .subscriptions
        .app_wide()
        .into_iter()
        .find(|s| s.app_key == app_key && s.event_type == event_type);
    HttpResponse::Ok().json(set.as_ref().map(app_wide_json).unwrap_or(Value::Null))
}

/// `DELETE /_sandbox/webhooks/partner_center {app_key?, event_type}`.
async fn partner_center_delete(state: web::Data<SandboxState>, body: web::Bytes) -> HttpResponse {
    let (app_key, event_type, _) = match partner_center_body(&state, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    match webhooks::hub(&state)
        .subscriptions
        .delete(&app_key, subscriptions::APP_WIDE, event_type)
    {
        Ok(_) => HttpResponse::Ok().json(json!({})),
        Err(e) => HttpResponse::NotFound().json(json!({ "error": e.to_string() })),
    }
}

/// `POST /_sandbox/webhooks/flush`: pushes queued events, held-back deliveries and every pending
/// retry now, and answers when they are done.
async fn flush(state: web::Data<SandboxState>) -> HttpResponse {
    let report = webhooks::flush(&state).await;
    HttpResponse::Ok().json(json!({
        "flushed": report,
        "pending": webhooks::hub(&state).dispatcher.pending(),
    }))
}

fn settings_json(s: DeliverySettings) -> Value {
    json!({
        "retry_scale": s.retry_scale,
        "duplicate_rate": s.duplicate_rate,
        "reorder_rate": s.reorder_rate,
    })
}

async fn get_settings(state: web::Data<SandboxState>) -> HttpResponse {
    HttpResponse::Ok().json(settings_json(webhooks::hub(&state).dispatcher.settings()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsBody {
    retry_scale: Option<f64>,
    duplicate_rate: Option<f64>,
    reorder_rate: Option<f64>,
}

/// `POST /_sandbox/webhooks/settings {retry_scale?, duplicate_rate?, reorder_rate?}`.
async fn set_settings(state: web::Data<SandboxState>, body: web::Bytes) -> HttpResponse {
    let parsed: Result<SettingsBody, _> = serde_json::from_slice(&body);
    let Ok(b) = parsed else {
        return HttpResponse::BadRequest().json(json!({
            "error": "expected {retry_scale?, duplicate_rate?, reorder_rate?} with numbers"
        }));
    };
    let rate_ok = |r: Option<f64>| r.is_none_or(|r| (0.0..=1.0).contains(&r));
    if !rate_ok(b.duplicate_rate)
        || !rate_ok(b.reorder_rate)
        || b.retry_scale.is_some_and(|s| !(s.is_finite() && s >= 0.0))
    {
        return HttpResponse::BadRequest().json(json!({
            "error": "rates must be within 0..=1 and retry_scale a finite number >= 0"
        }));
    }
    let hub = webhooks::hub(&state);
    let mut s = hub.dispatcher.settings();
    if let Some(v) = b.retry_scale {
        s.retry_scale = v;
    }
    if let Some(v) = b.duplicate_rate {
        s.duplicate_rate = v;
    }
    if let Some(v) = b.reorder_rate {
        s.reorder_rate = v;
    }
    hub.dispatcher.set_settings(s);
    HttpResponse::Ok().json(settings_json(s))
}
