//! `…/shops/{id}/orders`: the ERP's view of the shop's TikTok orders as sync stored them. Orders are
//! addressed by TikTok's order id.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use entity::{order_status_history, tiktok_order, tiktok_order_line, tiktok_order_package};

use crate::error::{ErrorEnvelope, Result};
use crate::pagination::{Cursor, Page, PageQuery};
use crate::routes::schema::responses::{ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::state::AppState;
use crate::sync::views::{self, ORDER_STATUSES, OrderFilter};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// One of TikTok's statuses: UNPAID, ON_HOLD, AWAITING_SHIPMENT, PARTIALLY_SHIPPING,
    /// AWAITING_COLLECTION, IN_TRANSIT, DELIVERED, COMPLETED, CANCELLED.
    #[param(schema_with = crate::routes::schema::rules::order_status)]
    pub status: Option<String>,
    /// Created at or after (RFC 3339).
    pub created_from: Option<DateTime<Utc>>,
    /// Created before (RFC 3339).
    pub created_to: Option<DateTime<Utc>>,
    /// Updated at or after (RFC 3339).
    pub updated_from: Option<DateTime<Utc>>,
    /// Updated before (RFC 3339).
    pub updated_to: Option<DateTime<Utc>>,
    /// Orders with a line of this SKU: TikTok's SKU id or the seller's SKU code.
    pub sku: Option<String>,
    /// Orders of this buyer: TikTok's buyer user id or the buyer's email (any case).
    pub buyer: Option<String>,
}

/// Money as TikTok states it: decimal strings in `currency`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"currency": "USD", "sub_total": "39.98", "shipping_fee": "5.00", "seller_discount": "2.00", "platform_discount": "0.00", "tax": "3.20", "total_amount": "46.18"}))]
pub struct PaymentOut {
    pub currency: String,
    pub sub_total: String,
    pub shipping_fee: String,
    pub seller_discount: String,
    pub platform_discount: String,
    pub tax: String,
    pub total_amount: String,
}

/// An order as last synced.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "576461413038785752", "status": "AWAITING_SHIPMENT",
    "create_time": "2026-11-24T20:00:00Z", "update_time": "2026-11-24T21:00:00Z", "paid_time": "2026-11-24T20:01:00Z",
    "buyer_user_id": "7021436810468230477", "buyer_email": "buyer@example.com", "buyer_message": null,
    "shipping_type": "TIKTOK", "shipping_provider": null, "tracking_number": null, "warehouse_id": "7068517275539719942",
    "is_cod": false, "cod_amount_due": null, "cancel_reason": null,
    "payment": {"currency": "USD", "sub_total": "39.98", "shipping_fee": "5.00", "seller_discount": "2.00", "platform_discount": "0.00", "tax": "3.20", "total_amount": "46.18"},
    "recipient": {"name": "Jane Doe", "full_address": "1 Main St, Austin, TX 78701", "postal_code": "78701", "region_code": "US"},
    "units": 2, "synced_at": "2026-11-24T21:00:05Z"
}))]
pub struct OrderOut {
    /// TikTok's order id.
    pub id: String,
    pub status: String,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub paid_time: Option<DateTime<Utc>>,
    pub buyer_user_id: String,
    pub buyer_email: Option<String>,
    pub buyer_message: Option<String>,
    /// TIKTOK or SELLER.
    pub shipping_type: Option<String>,
    pub shipping_provider: Option<String>,
    pub tracking_number: Option<String>,
    pub warehouse_id: Option<String>,
    pub is_cod: bool,
    /// What the buyer pays the carrier on delivery (the order's total) when it is a COD order.
    pub cod_amount_due: Option<String>,
    pub cancel_reason: Option<String>,
    pub payment: PaymentOut,
    /// TikTok's recipient address (empty while TikTok hides it: UNPAID and ON_HOLD).
    #[schema(value_type = Object)]
    pub recipient: serde_json::Value,
    /// Line items; each is one unit.
    pub units: u64,
    pub synced_at: DateTime<Utc>,
}

impl OrderOut {
    fn new(o: tiktok_order::Model, units: u64) -> Self {
        Self {
            cod_amount_due: o.is_cod.then(|| o.total_amount.clone()),
            payment: PaymentOut {
                currency: o.currency,
                sub_total: o.sub_total,
                shipping_fee: o.shipping_fee,
                seller_discount: o.seller_discount,
                platform_discount: o.platform_discount,
                tax: o.tax,
                total_amount: o.total_amount,
            },
            recipient: serde_json::from_str(&o.recipient).unwrap_or(serde_json::Value::Null),
            id: o.id,
            status: o.status,
            create_time: o.create_time,
            update_time: o.update_time,
            paid_time: o.paid_time,
            buyer_user_id: o.user_id,
            buyer_email: o.buyer_email,
            buyer_message: o.buyer_message,
            shipping_type: o.shipping_type,
            shipping_provider: o.shipping_provider,
            tracking_number: o.tracking_number,
            warehouse_id: o.warehouse_id,
            is_cod: o.is_cod,
            cancel_reason: o.cancel_reason,
            units,
            synced_at: o.synced_at,
        }
    }
}

/// One unit of an order.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "577086512123755123", "sku_id": "1729382476852921560", "product_id": "1729382476852855000", "product_name": "Ocean tee", "sku_name": "Blue, M", "seller_sku": "TEE-BLU-M", "sale_price": "19.99", "original_price": "21.99", "currency": "USD", "display_status": "AWAITING_SHIPMENT", "package_id": null, "package_status": null, "tracking_number": null}))]
pub struct LineOut {
    pub id: String,
    pub sku_id: String,
    pub product_id: String,
    pub product_name: String,
    pub sku_name: String,
    pub seller_sku: String,
    pub sale_price: String,
    pub original_price: String,
    pub currency: String,
    pub display_status: String,
    pub package_id: Option<String>,
    pub package_status: Option<String>,
    pub tracking_number: Option<String>,
}

impl From<tiktok_order_line::Model> for LineOut {
    fn from(l: tiktok_order_line::Model) -> Self {
        Self {
            id: l.id,
            sku_id: l.sku_id,
            product_id: l.product_id,
            product_name: l.product_name,
            sku_name: l.sku_name,
            seller_sku: l.seller_sku,
            sale_price: l.sale_price,
            original_price: l.original_price,
            currency: l.currency,
            display_status: l.display_status,
            package_id: l.package_id,
            package_status: l.package_status,
            tracking_number: l.tracking_number,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "1152921504606846976", "status": "TO_FULFILL", "tracking_number": null}))]
pub struct PackageOut {
    pub id: String,
    pub status: Option<String>,
    pub tracking_number: Option<String>,
}

impl From<tiktok_order_package::Model> for PackageOut {
    fn from(p: tiktok_order_package::Model) -> Self {
        Self {
            id: p.id,
            status: p.status,
            tracking_number: p.tracking_number,
        }
    }
}

/// A status change as sync observed it (`from` is null the first time the order was seen).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"from": "ON_HOLD", "to": "AWAITING_SHIPMENT", "changed_at": "2026-11-24T21:00:00Z", "recorded_at": "2026-11-24T21:00:05Z"}))]
pub struct StatusChangeOut {
    pub from: Option<String>,
    pub to: String,
    /// TikTok's update_time of the order in that status.
    pub changed_at: DateTime<Utc>,
    /// When sync saw it.
    pub recorded_at: DateTime<Utc>,
}

impl From<order_status_history::Model> for StatusChangeOut {
    fn from(h: order_status_history::Model) -> Self {
        Self {
            from: h.from_status,
            to: h.to_status,
            changed_at: h.changed_at,
            recorded_at: h.recorded_at,
        }
    }
}

/// An order with its lines, packages and status history.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "order": {"id": "576461413038785752", "status": "AWAITING_SHIPMENT",
        "create_time": "2026-11-24T20:00:00Z", "update_time": "2026-11-24T21:00:00Z", "paid_time": "2026-11-24T20:01:00Z",
        "buyer_user_id": "7021436810468230477", "buyer_email": "buyer@example.com", "buyer_message": null,
        "shipping_type": "TIKTOK", "shipping_provider": null, "tracking_number": null, "warehouse_id": "7068517275539719942",
        "is_cod": false, "cod_amount_due": null, "cancel_reason": null,
        "payment": {"currency": "USD", "sub_total": "19.99", "shipping_fee": "5.00", "seller_discount": "0.00", "platform_discount": "0.00", "tax": "1.60", "total_amount": "26.59"},
        "recipient": {}, "units": 1, "synced_at": "2026-11-24T21:00:05Z"},
    "lines": [{"id": "577086512123755123", "sku_id": "1729382476852921560", "product_id": "1729382476852855000", "product_name": "Ocean tee", "sku_name": "Blue, M", "seller_sku": "TEE-BLU-M", "sale_price": "19.99", "original_price": "19.99", "currency": "USD", "display_status": "AWAITING_SHIPMENT", "package_id": null, "package_status": null, "tracking_number": null}],
    "packages": [],
    "status_history": [{"from": null, "to": "AWAITING_SHIPMENT", "changed_at": "2026-11-24T21:00:00Z", "recorded_at": "2026-11-24T21:00:05Z"}]
}))]
pub struct OrderDetailOut {
    pub order: OrderOut,
    pub lines: Vec<LineOut>,
    pub packages: Vec<PackageOut>,
    /// Oldest first.
    pub status_history: Vec<StatusChangeOut>,
}

/// The shop's orders, newest created first.
#[utoipa::path(
    tag = "orders",
    params(("id" = String, Path, description = "Our shop id"), OrderQuery),
    responses(
        (status = 200, description = "A page of orders", body = Page<OrderOut>),
        (status = 400, description = "A bad filter, limit or cursor", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The orders area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/orders")]
pub async fn list_orders(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Orders>,
    query: web::Query<OrderQuery>,
) -> Result<web::Json<Page<OrderOut>>> {
    let ShopScope { shop, .. } = scope;
    let q = query.into_inner();
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let filter = OrderFilter {
        status: views::parse_status("status", q.status.as_deref(), &ORDER_STATUSES)?,
        created_from: q.created_from,
        created_to: q.created_to,
        updated_from: q.updated_from,
        updated_to: q.updated_to,
        sku: views::non_blank("sku", q.sku)?,
        buyer: views::non_blank("buyer", q.buyer)?,
    };
    views::check_range("created_from", filter.created_from, filter.created_to)?;
    views::check_range("updated_from", filter.updated_from, filter.updated_to)?;
    let (rows, next) =
        views::list_orders(&state.db, &shop.id, &filter, page.limit()?, page.cursor()?).await?;
    Ok(web::Json(Page {
        items: rows
            .into_iter()
            .map(|(o, units)| OrderOut::new(o, units))
            .collect(),
        next_cursor: next.map(|c: Cursor| c.encode()),
    }))
}

/// How many orders are in one status.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusCountOut {
    pub status: String,
    pub count: u64,
}

/// The shop's synced orders counted per status (the ERP's tabs), and in all.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"total": 1250, "statuses": [{"status": "AWAITING_SHIPMENT", "count": 42}, {"status": "COMPLETED", "count": 1180}, {"status": "CANCELLED", "count": 28}]}))]
pub struct OrderCountsOut {
    pub total: u64,
    pub statuses: Vec<StatusCountOut>,
}

/// The shop's synced orders counted per status (the order screen's tabs), from the counts the
/// order sync keeps as it writes (the same cost at any number of orders).
#[utoipa::path(
    tag = "orders",
    params(("id" = String, Path, description = "Our shop id")),
    responses(
        (status = 200, description = "The counts (statuses with no order left out)", body = OrderCountsOut),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The orders area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/orders/counts")]
pub async fn order_counts(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Orders>,
) -> Result<web::Json<OrderCountsOut>> {
    let counts = views::order_counts(&state.db, &scope.shop.id).await?;
    Ok(web::Json(OrderCountsOut {
        total: counts.iter().map(|(_, n)| n).sum(),
        statuses: counts
            .into_iter()
            .map(|(status, count)| StatusCountOut { status, count })
            .collect(),
    }))
}

/// One order with its lines, packages and status history.
#[utoipa::path(
    tag = "orders",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("order_id" = String, Path, description = "TikTok's order id"),
    ),
    responses(
        (status = 200, description = "The order", body = OrderDetailOut),
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, or no such order synced", body = ErrorEnvelope),
        (status = 409, description = "The orders area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/orders/{order_id}")]
pub async fn get_order(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Orders>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<OrderDetailOut>> {
    let ShopScope { shop, .. } = scope;
    let (_, order_id) = path.into_inner();
    let d = views::order_detail(&state.db, &shop.id, &order_id).await?;
    let units = d.lines.len() as u64;
    Ok(web::Json(OrderDetailOut {
        order: OrderOut::new(d.order, units),
        lines: d.lines.into_iter().map(LineOut::from).collect(),
        packages: d.packages.into_iter().map(PackageOut::from).collect(),
        status_history: d.history.into_iter().map(StatusChangeOut::from).collect(),
    }))
}
