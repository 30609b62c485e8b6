//! `…/shops/{id}/inventory`: the stock side of what sync (and later webhooks and ERP pushes) stored.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::error::{ApiResult, ErrorEnvelope};
use crate::pagination::{Page, PageQuery};
use crate::shops::Feature;
use crate::shops::service::find_for_tenant;
use crate::sync::views;

/// One change of a SKU's stock in a warehouse (`before` is null when the level was first seen).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"warehouse_id": "7068517275539719942", "before": 120, "after": 118, "source": "sync", "at": "2026-11-24T21:00:05Z"}))]
pub struct StockChangeOut {
    pub warehouse_id: String,
    pub before: Option<i64>,
    pub after: i64,
    /// sync · webhook · erp
    pub source: String,
    pub at: DateTime<Utc>,
}

/// A SKU's stock history, newest first.
#[utoipa::path(
    tag = "inventory",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("sku_id" = String, Path, description = "TikTok's SKU id"),
        PageQuery,
    ),
    responses(
        (status = 200, description = "A page of stock changes", body = Page<StockChangeOut>),
        (status = 400, description = "A bad limit or cursor", body = ErrorEnvelope),
        (status = 401, description = "No or invalid bearer token", body = ErrorEnvelope),
        (status = 404, description = "No such shop for this tenant, or no such SKU synced", body = ErrorEnvelope),
        (status = 409, description = "The inventory area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
#[get("/api/integrations/tiktok/shops/{id}/inventory/{sku_id}/history")]
pub async fn stock_history(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<StockChangeOut>>> {
    user.require(Role::Viewer)?;
    let (id, sku_id) = path.into_inner();
    let shop = find_for_tenant(&state.db, &user.tenant, &id).await?;
    views::ensure_enabled(&shop, Feature::Inventory)?;
    let (rows, next) = views::stock_history(
        &state.db,
        &shop.id,
        &sku_id,
        query.limit()?,
        query.cursor()?,
    )
    .await?;
    Ok(web::Json(Page {
        items: rows
            .into_iter()
            .map(|h| StockChangeOut {
                warehouse_id: h.warehouse_id,
                before: h.before,
                after: h.after,
                source: h.source,
                at: h.at,
            })
            .collect(),
        next_cursor: next.map(|c| c.encode()),
    }))
}
