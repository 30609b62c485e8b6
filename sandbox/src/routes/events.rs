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
    HttpResponse::Ok().json(json!({ "subscriptions": out }))
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
