//! The logistics area's routes: the carriers a shop can ship with (`…/logistics/shipping-providers`),
//! a warehouse with its delivery options (`…/warehouses/{warehouse_id}`), and what cash-on-delivery
//! orders are due (`…/logistics/cod-summary`). Labels, shipping and tracking of one order stay with
//! the orders.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{Error, ErrorEnvelope, Result};
use crate::ids::TikTokId;
use crate::logistics::{self, Carrier, DeliveryOption};
use crate::pagination::Page;
use crate::routes::schema::responses::{ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::state::AppState;

/// A carrier a delivery option of a warehouse offers.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "6617675021119438849", "name": "USPS", "warehouse_id": "7068517275539719942", "delivery_option_id": "7091146663229654785", "delivery_option_name": "Standard shipping"}))]
pub struct CarrierOut {
    pub id: String,
    pub name: String,
    pub warehouse_id: String,
    pub delivery_option_id: String,
    pub delivery_option_name: String,
}

impl From<Carrier> for CarrierOut {
    fn from(c: Carrier) -> Self {
        Self {
            id: c.id,
            name: c.name,
            warehouse_id: c.warehouse_id,
            delivery_option_id: c.delivery_option_id,
            delivery_option_name: c.delivery_option_name,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CarrierQuery {
    /// Only this warehouse's carriers (every sales warehouse's when left out).
    #[param(pattern = "^[0-9]{1,32}$")]
    pub warehouse_id: Option<String>,
}

/// One of a warehouse's delivery options.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryOptionOut {
    pub id: String,
    pub name: String,
    /// STANDARD, EXPRESS, ECONOMY, SEND_BY_SELLER, …
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub description: Option<String>,
}

impl From<DeliveryOption> for DeliveryOptionOut {
    fn from(d: DeliveryOption) -> Self {
        Self {
            id: d.id,
            name: d.name,
            kind: d.kind,
            description: d.description,
        }
    }
}

/// A warehouse with its delivery options.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "7068517275539719942", "name": "Main warehouse", "type": "SALES_WAREHOUSE", "is_default": true, "delivery_options": [{"id": "7091146663229654785", "name": "Standard shipping", "type": "STANDARD", "description": "Delivered in 3 to 5 days"}]}))]
pub struct WarehouseDetailOut {
    pub id: String,
    pub name: String,
    /// SALES_WAREHOUSE or RETURN_WAREHOUSE.
    #[serde(rename = "type")]
    pub kind: String,
    pub is_default: bool,
    pub delivery_options: Vec<DeliveryOptionOut>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CodQuery {
    /// Orders placed at or after (RFC 3339).
    #[param(required = true)]
    pub from: Option<DateTime<Utc>>,
    /// Orders placed before (RFC 3339).
    #[param(required = true)]
    pub to: Option<DateTime<Utc>>,
}

/// COD orders of one status.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodStatusOut {
    pub status: String,
    pub count: u64,
    /// What they are due, in the shop's currency.
    pub amount: String,
}

/// What the shop's cash-on-delivery orders placed in the period are due.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"currency": "IDR", "statuses": [{"status": "IN_TRANSIT", "count": 3, "amount": "450000"}, {"status": "DELIVERED", "count": 7, "amount": "1210000"}], "total": {"status": "ALL", "count": 10, "amount": "1660000"}}))]
pub struct CodSummaryOut {
    pub currency: String,
    pub statuses: Vec<CodStatusOut>,
    pub total: CodStatusOut,
}

/// The carriers the shop can ship with, per warehouse and delivery option (read from TikTok, kept
/// 6 hours).
#[utoipa::path(
    tag = "logistics",
    params(("id" = String, Path, description = "Our shop id"), CarrierQuery),
    responses(
        (status = 200, description = "The carriers (one page: `next_cursor` is null)", body = Page<CarrierOut>),
        (status = 400, description = "A warehouse id that is not a TikTok id", body = ErrorEnvelope),
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, or no such warehouse synced", body = ErrorEnvelope),
        (status = 409, description = "The logistics area is disabled (`feature_disabled`), or the shop is not connected", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/logistics/shipping-providers")]
pub async fn shipping_providers(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Logistics>,
    query: web::Query<CarrierQuery>,
) -> Result<web::Json<Page<CarrierOut>>> {
    let warehouse = query
        .warehouse_id
        .as_deref()
        .map(|w| TikTokId::field("warehouse_id", w).map(TikTokId::into_string))
        .transpose()?;
    let carriers = logistics::carriers(state.access(), &scope.shop, warehouse.as_deref()).await?;
    Ok(web::Json(Page {
        items: carriers.into_iter().map(CarrierOut::from).collect(),
        next_cursor: None,
    }))
}

/// A warehouse of the shop with its delivery options (read from TikTok, kept 6 hours).
#[utoipa::path(
    tag = "logistics",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("warehouse_id" = String, Path, description = "TikTok's warehouse id"),
    ),
    responses(
        (status = 200, description = "The warehouse", body = WarehouseDetailOut),
        (status = 400, description = "A warehouse id that is not a TikTok id", body = ErrorEnvelope),
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, or no such warehouse synced", body = ErrorEnvelope),
        (status = 409, description = "The logistics area is disabled (`feature_disabled`), or the shop is not connected", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/warehouses/{warehouse_id}")]
pub async fn get_warehouse(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Logistics>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<WarehouseDetailOut>> {
    let warehouse_id = TikTokId::field("warehouse_id", &path.1)?.into_string();
    let (row, options) = logistics::warehouse(state.access(), &scope.shop, &warehouse_id).await?;
    Ok(web::Json(WarehouseDetailOut {
        id: row.id,
        name: row.name,
        kind: row.kind,
        is_default: row.is_default,
        delivery_options: options.into_iter().map(DeliveryOptionOut::from).collect(),
    }))
}

/// What the shop's cash-on-delivery orders placed in a period are due, by status. Only in the
/// regions that have COD (ID, TH, VN, PH, MY).
#[utoipa::path(
    tag = "logistics",
    params(("id" = String, Path, description = "Our shop id"), CodQuery),
    responses(
        (status = 200, description = "The summary", body = CodSummaryOut),
        (status = 400, description = "A missing or bad `from`/`to`, or `from` not before `to`", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The logistics area is disabled (`feature_disabled`), or the shop's region has no cash on delivery (`cod_unavailable`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/logistics/cod-summary")]
pub async fn cod_summary(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Logistics>,
    query: web::Query<CodQuery>,
) -> Result<web::Json<CodSummaryOut>> {
    // Checked after the shop (another tenant's shop is a 404 whatever the query).
    let period = |field: &str, at: Option<DateTime<Utc>>| {
        at.ok_or_else(|| Error::invalid_field(field, "give the period: `from` and `to` (RFC 3339)"))
    };
    let (from, to) = (period("from", query.from)?, period("to", query.to)?);
    let summary = logistics::cod_summary(&state.db, &scope.shop, from, to).await?;
    let out = |l: logistics::CodLine| CodStatusOut {
        status: l.status,
        count: l.count,
        amount: l.amount,
    };
    Ok(web::Json(CodSummaryOut {
        total: out(summary.total),
        statuses: summary.statuses.into_iter().map(out).collect(),
        currency: summary.currency,
    }))
}
