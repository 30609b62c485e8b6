//! `…/shops/{id}/products`: the ERP's view of the shop's TikTok products as sync stored them, with
//! SKUs and stock per warehouse. Products are addressed by TikTok's product id.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ErrorEnvelope, Result};
use crate::pagination::{Page, PageQuery};
use crate::routes::schema::responses::{ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::state::AppState;
use crate::sync::views::{self, PRODUCT_STATUSES, ProductDetail};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductQuery {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// One of DRAFT, PENDING, FAILED, ACTIVATE, SELLER_DEACTIVATED, PLATFORM_DEACTIVATED, FREEZE, DELETED.
    pub status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"warehouse_id": "7068517275539719942", "quantity": 120, "updated_at": "2026-11-24T21:00:05Z"}))]
pub struct StockOut {
    pub warehouse_id: String,
    pub quantity: i64,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "1729382476852921560", "seller_sku": "TEE-BLU-M", "currency": "USD", "sale_price": "19.99", "tax_exclusive_price": "19.99", "stock": [{"warehouse_id": "7068517275539719942", "quantity": 120, "updated_at": "2026-11-24T21:00:05Z"}]}))]
pub struct SkuOut {
    /// TikTok's SKU id.
    pub id: String,
    pub seller_sku: String,
    pub currency: String,
    pub sale_price: String,
    pub tax_exclusive_price: Option<String>,
    /// Stock per warehouse.
    pub stock: Vec<StockOut>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "1729382476852855000", "title": "Ocean tee", "status": "ACTIVATE",
    "create_time": "2026-11-01T10:00:00Z", "update_time": "2026-11-24T21:00:00Z", "synced_at": "2026-11-24T21:00:05Z",
    "audit_status": "APPROVED", "audit_failed_reasons": null, "category_id": "600001",
    "skus": [{"id": "1729382476852921560", "seller_sku": "TEE-BLU-M", "currency": "USD", "sale_price": "19.99", "tax_exclusive_price": "19.99", "stock": [{"warehouse_id": "7068517275539719942", "quantity": 120, "updated_at": "2026-11-24T21:00:05Z"}]}]
}))]
pub struct ProductOut {
    /// TikTok's product id.
    pub id: String,
    pub title: String,
    pub status: String,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub synced_at: DateTime<Utc>,
    /// TikTok's audit of the product: AUDITING (status PENDING), REJECTED (status FAILED), APPROVED, NONE.
    pub audit_status: Option<String>,
    /// Why the audit failed, while status is FAILED: `[{position, reasons[], suggestions[]}]`.
    #[schema(value_type = Option<Vec<Object>>)]
    pub audit_failed_reasons: Option<serde_json::Value>,
    /// The leaf category, once the product was read one by one (after a write or a webhook).
    pub category_id: Option<String>,
    pub skus: Vec<SkuOut>,
}

impl From<ProductDetail> for ProductOut {
    fn from(d: ProductDetail) -> Self {
        let p = d.product;
        Self {
            id: p.id,
            title: p.title,
            status: p.status,
            create_time: p.create_time,
            update_time: p.update_time,
            synced_at: p.synced_at,
            audit_status: p.audit_status,
            audit_failed_reasons: p
                .audit_failed_reasons
                .and_then(|r| serde_json::from_str(&r).ok()),
            category_id: p.category_id,
            skus: d
                .skus
                .into_iter()
                .map(|(s, stock)| SkuOut {
                    id: s.id,
                    seller_sku: s.seller_sku,
                    currency: s.currency,
                    sale_price: s.sale_price,
                    tax_exclusive_price: s.tax_exclusive_price,
                    stock: stock
                        .into_iter()
                        .map(|x| StockOut {
                            warehouse_id: x.warehouse_id,
                            quantity: x.quantity,
                            updated_at: x.updated_at,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// The shop's products with SKUs and stock, most recently updated first.
#[utoipa::path(
    tag = "products",
    params(("id" = String, Path, description = "Our shop id"), ProductQuery),
    responses(
        (status = 200, description = "A page of products", body = Page<ProductOut>),
        (status = 400, description = "A bad status, limit or cursor", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The products area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/products")]
pub async fn list_products(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Products>,
    query: web::Query<ProductQuery>,
) -> Result<web::Json<Page<ProductOut>>> {
    let ShopScope { shop, .. } = scope;
    let q = query.into_inner();
    let status = views::parse_status("status", q.status.as_deref(), &PRODUCT_STATUSES)?;
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let (rows, next) = views::list_products(
        &state.db,
        &shop.id,
        status.as_deref(),
        page.limit()?,
        page.cursor()?,
    )
    .await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(ProductOut::from).collect(),
        next_cursor: next.map(|c| c.encode()),
    }))
}

/// One product with its SKUs and stock per warehouse.
#[utoipa::path(
    tag = "products",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("product_id" = String, Path, description = "TikTok's product id"),
    ),
    responses(
        (status = 200, description = "The product", body = ProductOut),
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, or no such product synced", body = ErrorEnvelope),
        (status = 409, description = "The products area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/products/{product_id}")]
pub async fn get_product(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Products>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<ProductOut>> {
    let ShopScope { shop, .. } = scope;
    let (_, product_id) = path.into_inner();
    let d = views::product_detail(&state.db, &shop.id, &product_id).await?;
    Ok(web::Json(d.into()))
}
