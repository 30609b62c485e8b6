//! `POST /api/webhooks/tiktok` (TikTok's deliveries; the signature is the proof) and the shop's
//! webhook views: stored events, replay, TikTok's subscriptions and registering ours.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use entity::webhook_event;

use crate::error::{Error, ErrorEnvelope, Result};
use crate::pagination::{Page, PageQuery};
use crate::routes::json::RawJson;
use crate::routes::schema::responses::{NeedsAdmin, NeedsOperator, ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::shops::session::ShopSession;
use crate::state::AppState;
use crate::webhooks::subscriptions::{self, Subscription};
use crate::webhooks::{EventType, events, process, receive};

/// TikTok's webhook body as the receiver reads it (the schema of the document; the handler takes
/// the raw bytes, which the signature covers). `type` and `shop_id` are required; `shop_id` and the
/// notification id come as decimal strings or numbers.
#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(example = json!({
    "type": 1, "tts_notification_id": "7327112393057371910", "shop_id": "7494049642642441621",
    "timestamp": 1644412885, "data": {"order_id": "576684019603311365", "order_status": "AWAITING_SHIPMENT", "update_time": 1644412885}
}))]
pub struct WebhookIn {
    /// TikTok's event type code (1 ORDER_STATUS_CHANGE, 2 REVERSE_STATUS_UPDATE, 5 PRODUCT_STATUS_CHANGE, …).
    #[schema(rename = "type")]
    pub event_type: i64,
    /// TikTok's shop id.
    #[schema(value_type = String)]
    pub shop_id: String,
    /// TikTok's id of this notification: a repeat with the same id is stored once (absent: the
    /// body's hash stands in).
    #[schema(value_type = Option<String>)]
    pub tts_notification_id: Option<String>,
    /// Unix seconds when TikTok sent it.
    pub timestamp: Option<i64>,
    /// The event's own fields.
    #[schema(value_type = Option<Object>)]
    pub data: Option<serde_json::Value>,
}

/// TikTok delivers a webhook here.
///
/// The `Authorization` header must be TikTok's signature: lowercase hex of HMAC-SHA256 keyed by the
/// app secret over the app key followed by the raw body. The event is stored (once per
/// `tts_notification_id`) and committed before the empty 200 answer; processing happens afterwards.
#[utoipa::path(
    tag = "webhooks",
    request_body(content = WebhookIn, description = "TikTok's webhook body"),
    params(("Authorization" = String, Header, description = "TikTok's signature (hex HMAC-SHA256)")),
    responses(
        (status = 200, description = "Stored (or a repeat of a stored delivery); empty body"),
        (status = 400, description = "Not JSON, or not a TikTok webhook", body = ErrorEnvelope),
        (status = 401, description = "Missing or wrong signature, or a shop_id no configured shop has (the same answer, so the receiver does not reveal which shops exist)", body = ErrorEnvelope),
        (status = 408, description = "The body did not arrive in time (`request_timeout`: a few seconds of silence, or too long in all)", body = ErrorEnvelope),
        (status = 413, description = "The body is over 1 MiB", body = ErrorEnvelope),
        (status = 429, description = "This address has too many deliveries in flight (`too_many_requests`); the connection is closed, retry after the `Retry-After` seconds", body = ErrorEnvelope),
        (status = 503, description = "Not stored (too many deliveries waiting, shutting down, or a storage failure); TikTok retries", body = ErrorEnvelope),
    )
)]
#[post("/api/webhooks/tiktok")]
pub async fn receive_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let signature = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    receive::receive(state.intake(), signature, &body.0).await?;
    Ok(HttpResponse::Ok().finish())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventFilter {
    /// TikTok's event name (e.g. ORDER_STATUS_CHANGE) or type code (e.g. 1).
    #[serde(rename = "type")]
    #[param(schema_with = crate::routes::schema::rules::event_type)]
    pub event_type: Option<String>,
    /// received · processed · skipped · unhandled · dead
    #[param(schema_with = crate::routes::schema::rules::event_state)]
    pub state: Option<String>,
}

/// A stored webhook event.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "5c1d0e7e-4d0b-4d7a-8f0e-1f2a3b4c5d6e", "notification_id": "7327112393057371910", "type": 6,
    "event": "SELLER_DEAUTHORIZATION", "state": "processed", "attempts": 1, "last_error": null,
    "event_time": "2026-11-24T21:00:00Z", "received_at": "2026-11-24T21:00:01Z", "processed_at": "2026-11-24T21:00:02Z",
    "payload": {"type": 6, "shop_id": "7494049642642441621", "timestamp": 1795900800, "data": {"message": "…"}}
}))]
pub struct EventOut {
    pub id: String,
    pub notification_id: String,
    #[serde(rename = "type")]
    pub event_type: i32,
    pub event: String,
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub event_time: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
    /// The body TikTok sent.
    pub payload: serde_json::Value,
}

impl From<webhook_event::Model> for EventOut {
    fn from(e: webhook_event::Model) -> Self {
        Self {
            payload: serde_json::from_str(&e.payload)
                .unwrap_or(serde_json::Value::String(e.payload.clone())),
            event_time: DateTime::from_timestamp(e.event_time, 0),
            id: e.id,
            notification_id: e.notification_id,
            event_type: e.event_type,
            event: e.event_name,
            state: e.state,
            attempts: e.attempts,
            last_error: e.last_error,
            received_at: e.received_at,
            processed_at: e.processed_at,
        }
    }
}

pub(crate) use crate::webhooks::events::STATES;

/// A `type` filter: TikTok's code or its name (any case).
fn event_type(raw: &str) -> Result<EventType> {
    raw.parse::<i64>()
        .ok()
        .and_then(EventType::from_code)
        .or_else(|| {
            EventType::ALL
                .into_iter()
                .find(|t| t.name().eq_ignore_ascii_case(raw))
        })
        .ok_or_else(|| {
            Error::invalid_field("type", format!("`{raw}` is not a TikTok webhook type"))
        })
}

/// A `state` filter: one of [`STATES`].
fn event_state(raw: &str) -> Result<&str> {
    if STATES.contains(&raw) {
        Ok(raw)
    } else {
        Err(Error::invalid_field(
            "state",
            format!("use one of {}", STATES.join(", ")),
        ))
    }
}

/// The shop's stored webhook events, newest first.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = String, Path, description = "Our shop id"), EventFilter, PageQuery),
    responses(
        (status = 200, description = "A page of events", body = Page<EventOut>),
        (status = 400, description = "An unknown type or state, or a bad limit or cursor", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/webhooks/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, AnyArea>,
    filter: web::Query<EventFilter>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<EventOut>>> {
    let ShopScope { shop, .. } = scope;
    let filter = events::Filter {
        kind: filter.event_type.as_deref().map(event_type).transpose()?,
        state: filter.state.as_deref().map(event_state).transpose()?,
    };
    let (rows, next) =
        events::page(&state.db, &shop.id, filter, page.limit()?, page.cursor()?).await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(EventOut::from).collect(),
        next_cursor: next.map(|c| c.encode()),
    }))
}

/// Queue a stored event to be processed again (a dead or unhandled one, or any after a fix).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = String, Path, description = "Our shop id"), ("event_id" = String, Path, description = "The stored event's id")),
    responses(
        (status = 200, description = "The event, queued again", body = EventOut),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop or event for this tenant", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/webhooks/events/{event_id}/replay")]
pub async fn replay_event(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, AnyArea>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<EventOut>> {
    let ShopScope { shop, .. } = scope;
    let (_, event_id) = path.into_inner();
    let event = webhook_event::Entity::find_by_id(event_id)
        .filter(webhook_event::Column::ShopId.eq(shop.id))
        .one(&state.db)
        .await?
        .ok_or_else(|| Error::not_found("webhook event"))?;
    let event = process::replay(&state.db, state.clock.now(), event).await?;
    Ok(web::Json(event.into()))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"address": "https://ocean.example.com/api/webhooks/tiktok", "subscriptions": [{"event_type": "ORDER_STATUS_CHANGE", "address": "https://ocean.example.com/api/webhooks/tiktok"}]}))]
pub struct SubscriptionsOut {
    /// The address we want TikTok to deliver to.
    pub address: String,
    /// What TikTok has for the shop now.
    pub subscriptions: Vec<Subscription>,
}

/// TikTok's webhook subscriptions for the shop (read live from TikTok).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = String, Path, description = "Our shop id")),
    responses(
        (status = 200, description = "TikTok's subscriptions", body = SubscriptionsOut),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The shop is not connected", body = ErrorEnvelope),
        (status = 502, description = "TikTok did not answer; details carry its code and request_id", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/webhooks")]
pub async fn list_subscriptions(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, AnyArea>,
) -> Result<web::Json<SubscriptionsOut>> {
    let ShopScope { shop, .. } = scope;
    let mut session = ShopSession::open(state.access(), shop).await?;
    Ok(web::Json(SubscriptionsOut {
        address: subscriptions::our_address(&state.settings.public_url),
        subscriptions: subscriptions::list(state.access(), &mut session).await?,
    }))
}

/// Subscribe our URL for the events of the shop's enabled areas.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = String, Path, description = "Our shop id")),
    responses(
        (status = 200, description = "TikTok's subscriptions after registering", body = SubscriptionsOut),
        Unauthorized,
        NeedsAdmin,
        ShopNotFound,
        (status = 409, description = "The shop is not connected", body = ErrorEnvelope),
        (status = 502, description = "TikTok did not answer; details carry its code and request_id", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/webhooks/register")]
pub async fn register_subscriptions(
    state: web::Data<AppState>,
    scope: ShopScope<Admin, AnyArea>,
) -> Result<web::Json<SubscriptionsOut>> {
    let ShopScope { shop, .. } = scope;
    let mut session = ShopSession::open(state.access(), shop).await?;
    Ok(web::Json(SubscriptionsOut {
        address: subscriptions::our_address(&state.settings.public_url),
        subscriptions: subscriptions::register(
            state.access(),
            &state.settings.public_url,
            &mut session,
        )
        .await?,
    }))
}
