//! Connect & Authorize: `POST …/connect`, TikTok's redirect to `GET /api/integrations/tiktok/callback`,
//! `POST …/disconnect` and `GET …/status`.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ErrorEnvelope, Result};
use crate::routes::schema::responses::{NeedsAdmin, ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::routes::shops::ShopOut;
use crate::shops::connect::{self, CallbackInput};
use crate::shops::quota::QuotaUse;
use crate::shops::{Region, ShopStatus};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "authorize_url": "https://services.us.tiktokshop.com/open/authorize?service_id=7100000000000000001&state=Zm9v",
    "state_expires_at": "2026-11-24T21:10:00Z"
}))]
pub struct ConnectOut {
    /// Send the seller's browser here: TikTok's consent page.
    pub authorize_url: String,
    /// The link works once, until then (10 minutes).
    pub state_expires_at: DateTime<Utc>,
}

/// Start authorizing the shop on TikTok.
#[utoipa::path(
    tag = "connection",
    params(("id" = String, Path, description = "Our shop id")),
    responses(
        (status = 200, description = "Where to send the seller", body = ConnectOut),
        Unauthorized,
        NeedsAdmin,
        ShopNotFound,
        (status = 409, description = "The shop has no app secret", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/connect")]
pub async fn connect_shop(
    state: web::Data<AppState>,
    scope: ShopScope<Admin, AnyArea>,
) -> Result<web::Json<ConnectOut>> {
    let ShopScope { user, shop, .. } = scope;
    let start = connect::start(
        &state.db,
        &state.settings.tiktok.authorize_url,
        state.clock.now(),
        &user.tenant,
        &user.sub,
        &shop.id,
    )
    .await?;
    Ok(web::Json(ConnectOut {
        authorize_url: start.authorize_url.to_string(),
        state_expires_at: start.state_expires_at,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    /// TikTok's authorization code (`null` when the seller refused).
    pub code: Option<String>,
    /// The state we sent the seller away with.
    pub state: Option<String>,
    /// `auth_denied` when the seller refused.
    pub error: Option<String>,
}

/// TikTok sends the seller's browser here after the consent page.
///
/// Always answers 302 to `OCEAN_UI_URL` with `tiktok_connect=success&shop_id=…&shops=N` or
/// `tiktok_connect=error&reason=…&message=…` (plus `tiktok_code` and `tiktok_request_id` when TikTok
/// refused). Reasons: `state_missing`, `state_unknown`, `state_used`, `state_expired`,
/// `state_superseded` (a newer Connect of the shop replaced the link), `shop_gone`,
/// `auth_denied`, `code_missing`, `tiktok_refused_code`, `tiktok_refused_shops`, `shop_not_authorized`,
/// `shop_connected_elsewhere` (another tenant holds this TikTok shop), `shop_exists` (this tenant has
/// it configured as another shop).
#[utoipa::path(
    tag = "connection",
    params(CallbackQuery),
    responses(
        (status = 302, description = "Back to the ERP UI with the outcome in the query",
            headers(("location" = String, description = "e.g. https://erp.example.com/integrations?tiktok_connect=success&shop_id=…&shops=1"))),
        (status = 429, description = "This address has too many callbacks in flight (`too_many_requests`); the connection is closed", body = ErrorEnvelope),
    )
)]
#[get("/api/integrations/tiktok/callback")]
pub async fn callback(
    state: web::Data<AppState>,
    query: web::Query<CallbackQuery>,
) -> HttpResponse {
    let query = query.into_inner();
    let outcome = connect::complete(
        &state.db,
        &state.vault,
        &state.tiktok,
        state.clock.now(),
        CallbackInput {
            code: query.code,
            state: query.state,
            error: query.error,
        },
    )
    .await;
    // A connection may set or move a shop's TikTok shop id: who signs for which shop changed.
    state.signers.forget_all();
    if let Ok(ok) = &outcome {
        crate::workers::register_webhooks_in_background(
            state.clone().into_inner(),
            ok.connected_shops.clone(),
        );
    }
    let target = back_to_the_erp(state.settings.ui_url.clone(), &outcome);
    HttpResponse::Found()
        .insert_header(("location", target.to_string()))
        .finish()
}

/// Where the seller's browser goes after TikTok's consent: the ERP's page, told what happened in
/// its query (`tiktok_connect=success|error`, the shop, and on failure the reason and TikTok's
/// code and request id).
fn back_to_the_erp(
    mut target: url::Url,
    outcome: &Result<connect::CallbackSuccess, connect::CallbackFailure>,
) -> url::Url {
    {
        let mut q = target.query_pairs_mut();
        match outcome {
            Ok(ok) => {
                q.append_pair("tiktok_connect", "success")
                    .append_pair("shop_id", &ok.shop_id)
                    .append_pair("shops", &ok.connected_shops.len().to_string());
            }
            Err(f) => {
                tracing::warn!(reason = f.reason, message = %f.message, "authorization failed");
                q.append_pair("tiktok_connect", "error")
                    .append_pair("reason", f.reason)
                    .append_pair("message", &f.message);
                if let Some(id) = &f.shop_id {
                    q.append_pair("shop_id", id);
                }
                if let Some(c) = f.tiktok_code {
                    q.append_pair("tiktok_code", &c.to_string());
                }
                if let Some(r) = &f.tiktok_request_id {
                    q.append_pair("tiktok_request_id", r);
                }
            }
        }
    }
    target
}

/// Disconnect the shop: its tokens are erased, its history kept.
#[utoipa::path(
    tag = "connection",
    params(("id" = String, Path, description = "Our shop id")),
    responses(
        (status = 200, description = "The shop, now disconnected", body = ShopOut),
        Unauthorized,
        NeedsAdmin,
        ShopNotFound,
    ),
    security(("bearer" = ["admin"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/disconnect")]
pub async fn disconnect_shop(
    state: web::Data<AppState>,
    scope: ShopScope<Admin, AnyArea>,
) -> Result<web::Json<ShopOut>> {
    let ShopScope { user, shop, .. } = scope;
    let shop = connect::disconnect(&state.db, state.clock.now(), &user.tenant, &shop.id).await?;
    state.signers.forget_all();
    Ok(web::Json(shop.into()))
}

/// A shop's connection as the admin sees it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "shop_id": "0b9f6a5e-3c1d-4f8e-9a2b-7c6d5e4f3a21",
    "status": "connected",
    "status_reason": null,
    "region": "US",
    "tiktok_shop_id": "7494049642642441621",
    "tiktok_shop_name": "Ocean Outfitters US",
    "seller_type": "LOCAL",
    "seller_name": "Ocean Outfitters",
    "seller_base_region": "US",
    "connected_at": "2026-11-24T21:00:00Z",
    "access_token_expires_at": "2026-12-01T21:00:00Z",
    "refresh_token_expires_at": "2027-02-22T21:00:00Z",
    "last_token_refresh_at": null,
    "granted_scopes": ["seller.order.info", "seller.product.basic"],
    "warnings": [],
    "quota": [{"category": "product", "used": 12, "limit": 600, "window_start": "2026-11-24T21:05:00Z"}],
    "last_webhook_at": "2026-11-24T21:04:58Z",
    "webhook_lag_seconds": 1
}))]
pub struct ConnectionStatusOut {
    pub shop_id: String,
    pub status: ShopStatus,
    /// Why the shop is in this status, e.g. why it must be authorized again.
    pub status_reason: Option<String>,
    pub region: Region,
    pub tiktok_shop_id: Option<String>,
    pub tiktok_shop_name: Option<String>,
    pub seller_type: Option<String>,
    pub seller_name: Option<String>,
    pub seller_base_region: Option<String>,
    pub connected_at: Option<DateTime<Utc>>,
    pub access_token_expires_at: Option<DateTime<Utc>>,
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
    pub last_token_refresh_at: Option<DateTime<Utc>>,
    pub granted_scopes: Vec<String>,
    /// Things an admin should act on soon, e.g. the authorization expiring within 7 days.
    pub warnings: Vec<String>,
    /// This minute's use of the per-shop API budget, by category.
    pub quota: Vec<QuotaUse>,
    /// When the last webhook for the shop arrived.
    pub last_webhook_at: Option<DateTime<Utc>>,
    /// How late it arrived: received time minus the event's own timestamp, in seconds.
    pub webhook_lag_seconds: Option<i64>,
}

/// Connection state, token expiries, granted scopes, warnings and quota use.
#[utoipa::path(
    tag = "connection",
    params(("id" = String, Path, description = "Our shop id")),
    responses(
        (status = 200, description = "The shop's connection", body = ConnectionStatusOut),
        Unauthorized,
        ShopNotFound,
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/status")]
pub async fn shop_status(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, AnyArea>,
) -> Result<web::Json<ConnectionStatusOut>> {
    let ShopScope { shop, .. } = scope;
    let crate::shops::status::Connection {
        grant,
        warnings,
        quota,
        last_event,
    } = crate::shops::status::read(&state.db, &shop, state.clock.now()).await?;
    Ok(web::Json(ConnectionStatusOut {
        status: ShopStatus::from_column(&shop.status),
        status_reason: shop.status_reason.clone(),
        region: Region::parse(&shop.region).unwrap_or(Region::US),
        tiktok_shop_id: shop.shop_id.clone(),
        tiktok_shop_name: shop.tiktok_shop_name.clone(),
        seller_type: shop.seller_type.clone(),
        seller_name: grant.as_ref().map(|g| g.seller_name.clone()),
        seller_base_region: grant.as_ref().map(|g| g.seller_base_region.clone()),
        connected_at: shop.connected_at,
        access_token_expires_at: grant.as_ref().and_then(|g| g.access_token_expires_at),
        refresh_token_expires_at: grant.as_ref().and_then(|g| g.refresh_token_expires_at),
        last_token_refresh_at: grant.as_ref().and_then(|g| g.last_refresh_at),
        granted_scopes: grant
            .as_ref()
            .and_then(|g| serde_json::from_str(&g.granted_scopes).ok())
            .unwrap_or_default(),
        warnings,
        quota,
        last_webhook_at: last_event.as_ref().map(|e| e.received_at),
        webhook_lag_seconds: last_event
            .as_ref()
            .map(|e| e.received_at.timestamp() - e.event_time),
        shop_id: shop.id,
    }))
}
