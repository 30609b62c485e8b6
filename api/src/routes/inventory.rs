//! `…/shops/{id}/inventory` and `…/warehouses`: the stock side of what sync and webhooks stored,
//! with low-stock flags and their thresholds.

use actix_web::{get, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ErrorEnvelope, Result};
use crate::inventory::{self, InventoryFilter, InventoryItem};
use crate::pagination::{Page, PageQuery};
use crate::routes::json::ApiJson;
use crate::routes::schema::responses::{NeedsAdmin, NeedsOperator, ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::state::AppState;
use crate::sync::views;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InventoryQuery {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `true`: only SKUs at or below their low-stock threshold.
    pub low_stock: Option<bool>,
    /// Only this seller SKU code.
    pub seller_sku: Option<String>,
    /// Only the SKUs of this TikTok product.
    pub product_id: Option<String>,
}

/// Stock of a SKU in one warehouse: TikTok's figures beside the ERP's count.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"warehouse_id": "7068517275539719942", "quantity": 3, "committed": 2, "on_hand": 7, "updated_at": "2026-11-24T21:00:05Z"}))]
pub struct WarehouseStockOut {
    pub warehouse_id: String,
    /// TikTok's available quantity: what buyers can still order.
    pub quantity: i64,
    /// TikTok's committed quantity: units held by placed orders (unpaid included) not yet shipped;
    /// `null` until an inventory sync or a stock push read it.
    pub committed: Option<i64>,
    /// The ERP's count on the shelf (`null` when the ERP does not count this SKU here). TikTok is
    /// told `on_hand − committed − safety_buffer`.
    pub on_hand: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

/// A SKU's stock with its low-stock flag.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "sku_id": "1729382476852921560", "seller_sku": "TEE-M", "product_id": "1729382476852855000",
    "product_title": "Ocean tee", "stock": [{"warehouse_id": "7068517275539719942", "quantity": 3, "committed": 2, "on_hand": 5, "updated_at": "2026-11-24T21:00:05Z"}],
    "total": 3, "low_stock_threshold": 5, "threshold_source": "shop", "low_stock": true
}))]
pub struct InventoryItemOut {
    /// TikTok's SKU id.
    pub sku_id: String,
    pub seller_sku: String,
    pub product_id: String,
    pub product_title: String,
    /// Per warehouse, as TikTok last reported it, with the ERP's count.
    pub stock: Vec<WarehouseStockOut>,
    /// Available units across the warehouses.
    pub total: i64,
    pub low_stock_threshold: i64,
    /// `sku` when the SKU has its own threshold, else `shop`.
    pub threshold_source: String,
    /// `total` is at or below `low_stock_threshold`.
    pub low_stock: bool,
}

impl From<InventoryItem> for InventoryItemOut {
    fn from(i: InventoryItem) -> Self {
        let on_hand = |w: &str| {
            i.counts
                .iter()
                .find(|c| c.warehouse_id == w)
                .map(|c| c.on_hand)
        };
        Self {
            sku_id: i.sku.id,
            seller_sku: i.sku.seller_sku,
            product_id: i.sku.product_id,
            product_title: i.product_title,
            stock: i
                .stock
                .into_iter()
                .map(|s| WarehouseStockOut {
                    on_hand: on_hand(&s.warehouse_id),
                    warehouse_id: s.warehouse_id,
                    quantity: s.quantity,
                    committed: s.committed,
                    updated_at: s.updated_at,
                })
                .collect(),
            total: i.total,
            low_stock_threshold: i.threshold,
            threshold_source: i.threshold_source.as_str().to_owned(),
            low_stock: i.low_stock,
        }
    }
}

/// The shop's inventory settings.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"low_stock_threshold": 5, "safety_buffer": 2, "restock_returns": "on_receipt"}))]
pub struct InventorySettings {
    /// Units: a SKU with this many or fewer across its warehouses is low (default 5).
    pub low_stock_threshold: i64,
    /// Units held back from what TikTok is told it can sell, per SKU and warehouse (default 0).
    pub safety_buffer: i64,
    pub restock_returns: RestockReturns,
}

/// `on_receipt` (the default): when TikTok confirms a returned package received, its units go back
/// on the ERP's count of the order's warehouse and TikTok is told; `never`: the ERP counts them
/// itself.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RestockReturns {
    OnReceipt,
    Never,
}

impl From<inventory::Restock> for RestockReturns {
    fn from(r: inventory::Restock) -> Self {
        match r {
            inventory::Restock::OnReceipt => RestockReturns::OnReceipt,
            inventory::Restock::Never => RestockReturns::Never,
        }
    }
}

impl From<RestockReturns> for inventory::Restock {
    fn from(r: RestockReturns) -> Self {
        match r {
            RestockReturns::OnReceipt => inventory::Restock::OnReceipt,
            RestockReturns::Never => inventory::Restock::Never,
        }
    }
}

impl From<inventory::Settings> for InventorySettings {
    fn from(s: inventory::Settings) -> Self {
        Self {
            low_stock_threshold: s.low_stock_threshold,
            safety_buffer: s.safety_buffer,
            restock_returns: s.restock_returns.into(),
        }
    }
}

/// Settings to change; those left out keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"low_stock_threshold": 5, "safety_buffer": 2, "restock_returns": "never"}))]
pub struct InventorySettingsIn {
    /// 0 to 1,000,000 units.
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub low_stock_threshold: Option<i64>,
    /// 0 to 1,000,000 units.
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub safety_buffer: Option<i64>,
    /// `on_receipt` or `never`; null keeps it.
    pub restock_returns: Option<RestockReturns>,
}

/// A SKU's own threshold; `null` removes it, so the shop's applies again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"low_stock_threshold": 20}))]
pub struct SkuThresholdIn {
    /// Units, 0 to 1,000,000, or null.
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub low_stock_threshold: Option<i64>,
}

/// A TikTok warehouse of the shop.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "7068517275539719942", "name": "Austin main", "effect_status": "ENABLED",
    "type": "SALES_WAREHOUSE", "is_default": true,
    "address": {"region_code": "US", "city": "Austin", "postal_code": "78701"}, "synced_at": "2026-11-24T21:00:05Z"
}))]
pub struct WarehouseOut {
    pub id: String,
    pub name: String,
    pub effect_status: String,
    /// SALES_WAREHOUSE or RETURN_WAREHOUSE.
    #[serde(rename = "type")]
    pub kind: String,
    pub is_default: bool,
    /// TikTok's address object.
    #[schema(value_type = Object)]
    pub address: serde_json::Value,
    pub synced_at: DateTime<Utc>,
}

/// The shop's SKUs with their stock and low-stock flags, by SKU id.
#[utoipa::path(
    tag = "inventory",
    params(("id" = String, Path, description = "Our shop id"), InventoryQuery),
    responses(
        (status = 200, description = "A page of SKUs", body = Page<InventoryItemOut>),
        (status = 400, description = "A bad filter, limit or cursor", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The inventory area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/inventory")]
pub async fn list_inventory(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Inventory>,
    query: web::Query<InventoryQuery>,
) -> Result<web::Json<Page<InventoryItemOut>>> {
    let ShopScope { shop, .. } = scope;
    let q = query.into_inner();
    let filter = InventoryFilter {
        low_stock: q.low_stock.unwrap_or(false),
        seller_sku: views::non_blank("seller_sku", q.seller_sku)?,
        product_id: views::non_blank("product_id", q.product_id)?,
    };
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let (items, next) =
        inventory::list(&state.db, &shop.id, &filter, page.limit()?, page.cursor()?).await?;
    Ok(web::Json(Page {
        items: items.into_iter().map(InventoryItemOut::from).collect(),
        next_cursor: next.map(|c| c.encode()),
    }))
}

/// The shop's inventory settings.
#[utoipa::path(
    tag = "inventory",
    params(("id" = String, Path, description = "Our shop id")),
    responses(
        (status = 200, description = "The settings", body = InventorySettings),
        Unauthorized,
        ShopNotFound,
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/inventory-settings")]
pub async fn get_inventory_settings(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, AnyArea>,
) -> Result<web::Json<InventorySettings>> {
    let ShopScope { shop, .. } = scope;
    let settings = inventory::settings(&state.db, &shop.id).await?;
    Ok(web::Json(settings.into()))
}

/// Set the shop's low-stock threshold (SKUs with their own keep theirs) and safety buffer.
#[utoipa::path(
    tag = "inventory",
    params(("id" = String, Path, description = "Our shop id")),
    request_body = InventorySettingsIn,
    responses(
        (status = 200, description = "The new settings", body = InventorySettings),
        (status = 400, description = "Out of range or not a number", body = ErrorEnvelope),
        Unauthorized,
        NeedsAdmin,
        ShopNotFound,
    ),
    security(("bearer" = ["admin"]))
)]
#[put("/api/integrations/tiktok/shops/{id}/inventory-settings")]
pub async fn put_inventory_settings(
    state: web::Data<AppState>,
    scope: ShopScope<Admin, AnyArea>,
    body: ApiJson<InventorySettingsIn>,
) -> Result<web::Json<InventorySettings>> {
    let ShopScope { shop, .. } = scope;
    let edit = inventory::SettingsEdit {
        low_stock_threshold: body.0.low_stock_threshold,
        safety_buffer: body.0.safety_buffer,
        restock_returns: body.0.restock_returns.map(Into::into),
    };
    let settings = inventory::set_settings(&state.db, &shop.id, edit, state.clock.now()).await?;
    Ok(web::Json(settings.into()))
}

/// Set or remove a SKU's own low-stock threshold.
#[utoipa::path(
    tag = "inventory",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("sku_id" = String, Path, description = "TikTok's SKU id"),
    ),
    request_body = SkuThresholdIn,
    responses(
        (status = 200, description = "The SKU with its threshold and flag", body = InventoryItemOut),
        (status = 400, description = "Out of range or not a number", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such SKU synced", body = ErrorEnvelope),
        (status = 409, description = "The inventory area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[put("/api/integrations/tiktok/shops/{id}/inventory/{sku_id}/low-stock-threshold")]
pub async fn put_sku_threshold(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Inventory>,
    path: web::Path<(String, String)>,
    body: ApiJson<SkuThresholdIn>,
) -> Result<web::Json<InventoryItemOut>> {
    let ShopScope { shop, .. } = scope;
    let (_, sku_id) = path.into_inner();
    let item = inventory::set_sku_threshold(
        &state.db,
        &shop.id,
        &sku_id,
        body.0.low_stock_threshold,
        state.clock.now(),
    )
    .await?;
    Ok(web::Json(item.into()))
}

/// The shop's TikTok warehouses (default first, then by name); a shop has a handful, so one page.
#[utoipa::path(
    tag = "inventory",
    params(("id" = String, Path, description = "Our shop id")),
    responses(
        (status = 200, description = "The warehouses; `next_cursor` is always null", body = Page<WarehouseOut>),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The inventory area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/warehouses")]
pub async fn list_warehouses(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Inventory>,
) -> Result<web::Json<Page<WarehouseOut>>> {
    let ShopScope { shop, .. } = scope;
    let rows = views::list_warehouses(&state.db, &shop.id).await?;
    Ok(web::Json(Page {
        items: rows
            .into_iter()
            .map(|w| WarehouseOut {
                address: serde_json::from_str(&w.address).unwrap_or(serde_json::Value::Null),
                id: w.id,
                name: w.name,
                effect_status: w.effect_status,
                kind: w.kind,
                is_default: w.is_default,
                synced_at: w.synced_at,
            })
            .collect(),
        next_cursor: None,
    }))
}

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
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, or no such SKU synced", body = ErrorEnvelope),
        (status = 409, description = "The inventory area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/inventory/{sku_id}/history")]
pub async fn stock_history(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Inventory>,
    path: web::Path<(String, String)>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<StockChangeOut>>> {
    let ShopScope { shop, .. } = scope;
    let (_, sku_id) = path.into_inner();
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

/// A drift the inventory sync found: TikTok's available differed from what the ERP's count says
/// it should be, and the push that followed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c2-7d1e-7c3a-9f1b-2a4c6e8d0f12", "sku_id": "1729382476852921560", "warehouse_id": "7068517275539719942",
    "on_hand": 40, "committed": 3, "safety_buffer": 2, "expected": 35, "tiktok_available": 38,
    "detected_at": "2026-12-07T09:00:05Z", "corrected_at": "2026-12-07T09:00:06Z", "error": null
}))]
pub struct DriftOut {
    pub id: String,
    pub sku_id: String,
    pub warehouse_id: String,
    /// The ERP's count when the drift was found.
    pub on_hand: i64,
    /// TikTok's committed units then.
    pub committed: i64,
    pub safety_buffer: i64,
    /// What TikTok should have had available: on_hand − committed − safety_buffer (0 to 999,999).
    pub expected: i64,
    /// What TikTok had available.
    pub tiktok_available: i64,
    pub detected_at: DateTime<Utc>,
    /// When a push set TikTok right; null when the push failed (see `error`).
    pub corrected_at: Option<DateTime<Utc>>,
    /// Why the correction failed (the error's code and message).
    pub error: Option<String>,
}

impl From<entity::inventory_drift::Model> for DriftOut {
    fn from(d: entity::inventory_drift::Model) -> Self {
        Self {
            id: d.id,
            sku_id: d.sku_id,
            warehouse_id: d.warehouse_id,
            on_hand: d.on_hand,
            committed: d.committed,
            safety_buffer: d.safety_buffer,
            expected: d.expected,
            tiktok_available: d.tiktok_available,
            detected_at: d.detected_at,
            corrected_at: d.corrected_at,
            error: d.error,
        }
    }
}

/// Drifts between TikTok's available stock and the ERP's count that the inventory sync found and
/// corrected, newest first.
#[utoipa::path(
    tag = "inventory",
    params(("id" = String, Path, description = "Our shop id"), PageQuery),
    responses(
        (status = 200, description = "A page of drifts", body = Page<DriftOut>),
        (status = 400, description = "A bad limit or cursor", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The inventory area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/inventory/drift")]
pub async fn list_drift(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Inventory>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<DriftOut>>> {
    let ShopScope { shop, .. } = scope;
    let (rows, next) =
        crate::sync::inventory::list_drift(&state.db, &shop.id, query.limit()?, query.cursor()?)
            .await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(DriftOut::from).collect(),
        next_cursor: next.map(|c| c.encode()),
    }))
}
