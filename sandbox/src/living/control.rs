//! The living shop's control endpoints: `POST /_sandbox/living/tick` (simulate minutes now) and
//! `GET /_sandbox/living` (the pace and what is being followed).

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::{LivingExt, MAX_TICK_MINUTES, simulate};
use crate::state::SandboxState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/_sandbox/living/tick", web::post().to(tick_endpoint))
        .route("/_sandbox/living", web::get().to(status_endpoint));
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TickBody {
    minutes: Option<u32>,
    /// Overrides the configured pace for this call (orders per minute per shop).
    orders_per_minute: Option<f64>,
    /// Move the sandbox clock a minute per step (default true).
    advance_clock: Option<bool>,
}

/// `POST /_sandbox/living/tick {minutes, orders_per_minute?, advance_clock?}`.
async fn tick_endpoint(state: web::Data<SandboxState>, body: web::Bytes) -> HttpResponse {
    let body = if body.iter().all(|b| b.is_ascii_whitespace()) {
        web::Bytes::from_static(b"{}")
    } else {
        body
    };
    let parsed: TickBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return HttpResponse::BadRequest().json(json!({
                "error": format!("expected {{minutes, orders_per_minute?, advance_clock?}}: {e}")
            }));
        }
    };
    let minutes = parsed.minutes.unwrap_or(1);
    if minutes == 0 || minutes > MAX_TICK_MINUTES {
        return HttpResponse::BadRequest().json(json!({
            "error": format!("minutes must be between 1 and {MAX_TICK_MINUTES}")
        }));
    }
    let rate = parsed
        .orders_per_minute
        .unwrap_or(f64::from(state.config().orders_per_minute));
    if !(rate.is_finite() && (0.0..=10_000.0).contains(&rate)) {
        return HttpResponse::BadRequest().json(json!({
            "error": "orders_per_minute must be a number between 0 and 10000"
        }));
    }
    let advance = parsed.advance_clock.unwrap_or(true);
    let state = state.into_inner();
    let state: Arc<SandboxState> = state;
    let report = web::block(move || simulate(&state, minutes, rate, advance)).await;
    match report {
        Ok(report) => HttpResponse::Ok().json(report),
        Err(_) => HttpResponse::InternalServerError().json(json!({"error": "the step failed"})),
    }
}

/// `GET /_sandbox/living`: the pace and how many orders and returns are being followed.
async fn status_endpoint(state: web::Data<SandboxState>) -> HttpResponse {
    let ext = state.extension::<LivingExt>();
    let guard = ext.inner.lock().unwrap_or_else(|e| e.into_inner());
    let (orders, returns, last_step) = guard
        .as_ref()
        .map(|l| (l.due_of.len(), l.return_due_of.len(), Some(l.last_step)))
        .unwrap_or((0, 0, None));
    HttpResponse::Ok().json(json!({
        "orders_per_minute": state.config().orders_per_minute,
        "followed_orders": orders,
        "followed_returns": returns,
        "last_step": last_step,
        "now": state.now(),
    }))
}
