//! `…/shops/{id}/returns` and `…/shops/{id}/cancellations`: the ERP's view of the shop's after-sales
//! requests as sync and webhooks stored them, in the returns area. Addressed by TikTok's ids.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use entity::{tiktok_cancellation, tiktok_order, tiktok_return};

use crate::error::{ErrorEnvelope, Result};
use crate::ids::TikTokId;
use crate::pagination::{Cursor, Page, PageQuery};
use crate::routes::schema::responses::{ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::state::AppState;
use crate::sync::returns::{Line, lines_of};
use crate::sync::views::{self, AfterSaleFilter, CANCELLATION_STATUSES, RETURN_STATUSES};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReturnQuery {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// One of TikTok's return statuses: RETURN_OR_REFUND_REQUEST_PENDING,
    /// REFUND_OR_RETURN_REQUEST_REJECT (or RETURN_OR_REFUND_REQUEST_REJECT), AWAITING_BUYER_SHIP,
    /// BUYER_SHIPPED_ITEM, REJECT_RECEIVE_PACKAGE, RETURN_OR_REFUND_REQUEST_SUCCESS,
    /// RETURN_OR_REFUND_REQUEST_CANCEL, RETURN_OR_REFUND_REQUEST_COMPLETE.
    #[param(schema_with = crate::routes::schema::rules::return_status)]
    pub status: Option<String>,
    /// Only the returns of this TikTok order.
    #[param(pattern = "^[0-9]{1,32}$")]
    pub order_id: Option<String>,
    /// Created at or after (RFC 3339).
    pub created_from: Option<DateTime<Utc>>,
    /// Created before (RFC 3339).
    pub created_to: Option<DateTime<Utc>>,
    /// Updated at or after (RFC 3339).
    pub updated_from: Option<DateTime<Utc>>,
    /// Updated before (RFC 3339).
    pub updated_to: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CancellationQuery {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// One of TikTok's cancellation statuses: CANCELLATION_REQUEST_PENDING,
    /// CANCELLATION_REQUEST_SUCCESS, CANCELLATION_REQUEST_CANCEL, CANCELLATION_REQUEST_COMPLETE,
    /// CANCELLATION_REQUEST_REJECT.
    #[param(schema_with = crate::routes::schema::rules::cancellation_status)]
    pub status: Option<String>,
    /// Only the cancellations of this TikTok order.
    #[param(pattern = "^[0-9]{1,32}$")]
    pub order_id: Option<String>,
    /// Created at or after (RFC 3339).
    pub created_from: Option<DateTime<Utc>>,
    /// Created before (RFC 3339).
    pub created_to: Option<DateTime<Utc>>,
    /// Updated at or after (RFC 3339).
    pub updated_from: Option<DateTime<Utc>>,
    /// Updated before (RFC 3339).
    pub updated_to: Option<DateTime<Utc>>,
}

fn filter(
    statuses: &[&str],
    status: Option<String>,
    order_id: Option<String>,
    created: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    updated: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
) -> Result<AfterSaleFilter> {
    views::check_range("created_from", created.0, created.1)?;
    views::check_range("updated_from", updated.0, updated.1)?;
    Ok(AfterSaleFilter {
        status: views::parse_status("status", status.as_deref(), statuses)?,
        order_id: order_id
            .as_deref()
            .map(|id| TikTokId::field("order_id", id).map(TikTokId::into_string))
            .transpose()?,
        created_from: created.0,
        created_to: created.1,
        updated_from: updated.0,
        updated_to: updated.1,
    })
}

/// The refund TikTok states: decimal strings in `currency` (the parts TikTok leaves out are null).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"currency": "USD", "refund_total": "19.99", "refund_subtotal": "19.99", "refund_shipping_fee": "0.00", "refund_tax": "0.00"}))]
pub struct RefundOut {
    pub currency: String,
    pub refund_total: String,
    pub refund_subtotal: Option<String>,
    pub refund_shipping_fee: Option<String>,
    pub refund_tax: Option<String>,
}

fn refund_out(
    currency: Option<String>,
    total: Option<String>,
    subtotal: Option<String>,
    shipping_fee: Option<String>,
    tax: Option<String>,
) -> Option<RefundOut> {
    Some(RefundOut {
        currency: currency?,
        refund_total: total?,
        refund_subtotal: subtotal,
        refund_shipping_fee: shipping_fee,
        refund_tax: tax,
    })
}

/// A unit of the order that the return or cancellation covers.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "403531850450294011101", "order_line_item_id": "577086512123755123", "sku_id": "1729382476852921560", "seller_sku": "TEE-BLU-M", "product_name": "Ocean tee", "sku_name": "Blue, M", "currency": "USD", "refund_total": "19.99"}))]
pub struct AfterSaleLineOut {
    /// TikTok's id of the return's (or cancellation's) own line.
    pub id: String,
    /// The order's line item (one unit).
    pub order_line_item_id: String,
    pub sku_id: String,
    pub seller_sku: String,
    pub product_name: String,
    pub sku_name: String,
    pub currency: Option<String>,
    pub refund_total: Option<String>,
}

impl From<Line> for AfterSaleLineOut {
    fn from(l: Line) -> Self {
        Self {
            id: l.id,
            order_line_item_id: l.order_line_item_id,
            sku_id: l.sku_id,
            seller_sku: l.seller_sku,
            product_name: l.product_name,
            sku_name: l.sku_name,
            currency: l.currency,
            refund_total: l.refund_total,
        }
    }
}

/// The order a return or cancellation belongs to, as last synced.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "576461413038785752", "status": "DELIVERED", "update_time": "2026-11-23T10:00:00Z", "total_amount": "26.59", "currency": "USD"}))]
pub struct OrderBriefOut {
    pub id: String,
    pub status: String,
    pub update_time: DateTime<Utc>,
    pub total_amount: String,
    pub currency: String,
}

impl From<tiktok_order::Model> for OrderBriefOut {
    fn from(o: tiktok_order::Model) -> Self {
        Self {
            id: o.id,
            status: o.status,
            update_time: o.update_time,
            total_amount: o.total_amount,
            currency: o.currency,
        }
    }
}

/// A return (or refund-only request, or replacement) as last synced.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "4035318504502940111", "order_id": "576461413038785752", "return_type": "RETURN_AND_REFUND",
    "status": "AWAITING_BUYER_SHIP", "role": "BUYER", "reason": "wrong_size", "reason_text": "Wrong size",
    "refund": {"currency": "USD", "refund_total": "19.99", "refund_subtotal": "19.99", "refund_shipping_fee": "0.00", "refund_tax": "0.00"},
    "line_items": [{"id": "403531850450294011101", "order_line_item_id": "577086512123755123", "sku_id": "1729382476852921560", "seller_sku": "TEE-BLU-M", "product_name": "Ocean tee", "sku_name": "Blue, M", "currency": "USD", "refund_total": "19.99"}],
    "awaiting_decision": null, "return_shipment": null,
    "create_time": "2026-11-24T08:00:00Z", "update_time": "2026-11-24T09:30:00Z", "synced_at": "2026-11-24T09:30:05Z"
}))]
pub struct ReturnOut {
    /// TikTok's return id.
    pub id: String,
    pub order_id: String,
    /// REFUND (refund only), RETURN_AND_REFUND or REPLACEMENT.
    pub return_type: String,
    pub status: String,
    /// Who asked: BUYER, SELLER or SYSTEM.
    pub role: Option<String>,
    /// TikTok's reason code and its text.
    pub reason: Option<String>,
    pub reason_text: Option<String>,
    /// Null when TikTok states no refund (a replacement).
    pub refund: Option<RefundOut>,
    /// The units returned.
    pub line_items: Vec<AfterSaleLineOut>,
    /// The decision TikTok awaits from the seller, and by when; null when it awaits none.
    pub awaiting_decision: Option<AwaitingOut>,
    /// The item's way back, once the buyer shipped it; null before (and for a refund only).
    pub return_shipment: Option<ReturnShipmentOut>,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub synced_at: DateTime<Utc>,
}

/// The decision TikTok awaits from the seller on a request.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"action": "SELLER_RESPOND_REFUND", "decide_by": "2026-11-26T08:00:00Z"}))]
pub struct AwaitingOut {
    /// TikTok's pending seller action: SELLER_RESPOND_REFUND, SELLER_RESPOND_RETURN,
    /// SELLER_RESPOND_REPLACEMENT, SELLER_RESPOND_RECEIVE_PACKAGE, SELLER_RESPOND_BUYER_CANCEL.
    pub action: String,
    /// The deadline: past it, TikTok decides for the seller.
    pub decide_by: Option<DateTime<Utc>>,
}

fn awaiting(action: Option<String>, decide_by: Option<DateTime<Utc>>) -> Option<AwaitingOut> {
    action.map(|action| AwaitingOut { action, decide_by })
}

/// A return's shipment back to the seller.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"tracking_number": "RT4035318504", "provider_name": "USPS"}))]
pub struct ReturnShipmentOut {
    pub tracking_number: String,
    pub provider_name: Option<String>,
}

impl From<tiktok_return::Model> for ReturnOut {
    fn from(r: tiktok_return::Model) -> Self {
        Self {
            refund: refund_out(
                r.currency,
                r.refund_total,
                r.refund_subtotal,
                r.refund_shipping_fee,
                r.refund_tax,
            ),
            line_items: lines_of(&r.line_items)
                .into_iter()
                .map(AfterSaleLineOut::from)
                .collect(),
            awaiting_decision: awaiting(r.next_action, r.decide_by),
            return_shipment: r
                .return_tracking_number
                .map(|tracking_number| ReturnShipmentOut {
                    tracking_number,
                    provider_name: r.return_provider_name,
                }),
            id: r.id,
            order_id: r.order_id,
            return_type: r.return_type,
            status: r.status,
            role: r.role,
            reason: r.reason,
            reason_text: r.reason_text,
            create_time: r.create_time,
            update_time: r.update_time,
            synced_at: r.synced_at,
        }
    }
}

/// A cancellation request of an order as last synced.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "4035318504502940222", "order_id": "576461413038785752", "cancel_type": "CANCEL",
    "status": "CANCELLATION_REQUEST_PENDING", "role": "BUYER", "reason": "changed_mind", "reason_text": "Changed mind",
    "refund": {"currency": "USD", "refund_total": "26.59", "refund_subtotal": "21.59", "refund_shipping_fee": "5.00", "refund_tax": "0.00"},
    "line_items": [{"id": "403531850450294022201", "order_line_item_id": "577086512123755123", "sku_id": "1729382476852921560", "seller_sku": "TEE-BLU-M", "product_name": "Ocean tee", "sku_name": "Blue, M", "currency": "USD", "refund_total": "19.99"}],
    "awaiting_decision": {"action": "SELLER_RESPOND_BUYER_CANCEL", "decide_by": "2026-11-26T08:00:00Z"},
    "create_time": "2026-11-24T08:00:00Z", "update_time": "2026-11-24T08:00:00Z", "synced_at": "2026-11-24T08:00:05Z"
}))]
pub struct CancellationOut {
    /// TikTok's cancel id.
    pub id: String,
    pub order_id: String,
    /// CANCEL or BUYER_CANCEL.
    pub cancel_type: String,
    pub status: String,
    /// Who asked: BUYER, SELLER or SYSTEM.
    pub role: Option<String>,
    /// TikTok's reason code and its text.
    pub reason: Option<String>,
    pub reason_text: Option<String>,
    pub refund: Option<RefundOut>,
    /// The units cancelled.
    pub line_items: Vec<AfterSaleLineOut>,
    /// The decision TikTok awaits from the seller, and by when; null when it awaits none.
    pub awaiting_decision: Option<AwaitingOut>,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub synced_at: DateTime<Utc>,
}

impl From<tiktok_cancellation::Model> for CancellationOut {
    fn from(c: tiktok_cancellation::Model) -> Self {
        Self {
            refund: refund_out(
                c.currency,
                c.refund_total,
                c.refund_subtotal,
                c.refund_shipping_fee,
                c.refund_tax,
            ),
            line_items: lines_of(&c.line_items)
                .into_iter()
                .map(AfterSaleLineOut::from)
                .collect(),
            awaiting_decision: awaiting(c.next_action, c.decide_by),
            id: c.id,
            order_id: c.order_id,
            cancel_type: c.cancel_type,
            status: c.status,
            role: c.role,
            reason: c.reason,
            reason_text: c.reason_text,
            create_time: c.create_time,
            update_time: c.update_time,
            synced_at: c.synced_at,
        }
    }
}

/// A return with its order (null while the order is not synced).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "return": {"id": "4035318504502940111", "order_id": "576461413038785752", "return_type": "REFUND",
        "status": "RETURN_OR_REFUND_REQUEST_PENDING", "role": "BUYER", "reason": "damaged", "reason_text": "Damaged",
        "refund": {"currency": "USD", "refund_total": "19.99", "refund_subtotal": "19.99", "refund_shipping_fee": "0.00", "refund_tax": "0.00"},
        "line_items": [], "awaiting_decision": {"action": "SELLER_RESPOND_REFUND", "decide_by": "2026-11-26T08:00:00Z"}, "return_shipment": null,
        "create_time": "2026-11-24T08:00:00Z", "update_time": "2026-11-24T08:00:00Z", "synced_at": "2026-11-24T08:00:05Z"},
    "order": {"id": "576461413038785752", "status": "DELIVERED", "update_time": "2026-11-23T10:00:00Z", "total_amount": "26.59", "currency": "USD"}
}))]
pub struct ReturnDetailOut {
    #[serde(rename = "return")]
    pub record: ReturnOut,
    pub order: Option<OrderBriefOut>,
}

/// A cancellation with its order (null while the order is not synced).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "cancellation": {"id": "4035318504502940222", "order_id": "576461413038785752", "cancel_type": "CANCEL",
        "status": "CANCELLATION_REQUEST_COMPLETE", "role": "BUYER", "reason": "changed_mind", "reason_text": "Changed mind",
        "refund": {"currency": "USD", "refund_total": "26.59", "refund_subtotal": "21.59", "refund_shipping_fee": "5.00", "refund_tax": "0.00"},
        "line_items": [], "awaiting_decision": null,
        "create_time": "2026-11-24T08:00:00Z", "update_time": "2026-11-24T08:10:00Z", "synced_at": "2026-11-24T08:10:05Z"},
    "order": {"id": "576461413038785752", "status": "CANCELLED", "update_time": "2026-11-24T08:10:00Z", "total_amount": "26.59", "currency": "USD"}
}))]
pub struct CancellationDetailOut {
    pub cancellation: CancellationOut,
    pub order: Option<OrderBriefOut>,
}

/// The shop's returns, newest created first.
#[utoipa::path(
    tag = "returns",
    params(("id" = String, Path, description = "Our shop id"), ReturnQuery),
    responses(
        (status = 200, description = "A page of returns", body = Page<ReturnOut>),
        (status = 400, description = "A bad filter, limit or cursor", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The returns area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/returns")]
pub async fn list_returns(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Returns>,
    query: web::Query<ReturnQuery>,
) -> Result<web::Json<Page<ReturnOut>>> {
    let ShopScope { shop, .. } = scope;
    let q = query.into_inner();
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let filter = filter(
        &RETURN_STATUSES,
        q.status,
        q.order_id,
        (q.created_from, q.created_to),
        (q.updated_from, q.updated_to),
    )?;
    let (rows, next) =
        views::list_returns(&state.db, &shop.id, &filter, page.limit()?, page.cursor()?).await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(ReturnOut::from).collect(),
        next_cursor: next.map(|c: Cursor| c.encode()),
    }))
}

/// One return with its order.
#[utoipa::path(
    tag = "returns",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("return_id" = String, Path, description = "TikTok's return id"),
    ),
    responses(
        (status = 200, description = "The return", body = ReturnDetailOut),
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, or no such return synced", body = ErrorEnvelope),
        (status = 409, description = "The returns area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/returns/{return_id}")]
pub async fn get_return(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Returns>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<ReturnDetailOut>> {
    let ShopScope { shop, .. } = scope;
    let (_, return_id) = path.into_inner();
    let (record, order) = views::return_detail(&state.db, &shop.id, &return_id).await?;
    Ok(web::Json(ReturnDetailOut {
        record: record.into(),
        order: order.map(OrderBriefOut::from),
    }))
}

/// The shop's cancellation requests, newest created first.
#[utoipa::path(
    tag = "returns",
    params(("id" = String, Path, description = "Our shop id"), CancellationQuery),
    responses(
        (status = 200, description = "A page of cancellations", body = Page<CancellationOut>),
        (status = 400, description = "A bad filter, limit or cursor", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The returns area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/cancellations")]
pub async fn list_cancellations(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Returns>,
    query: web::Query<CancellationQuery>,
) -> Result<web::Json<Page<CancellationOut>>> {
    let ShopScope { shop, .. } = scope;
    let q = query.into_inner();
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let filter = filter(
        &CANCELLATION_STATUSES,
        q.status,
        q.order_id,
        (q.created_from, q.created_to),
        (q.updated_from, q.updated_to),
    )?;
    let (rows, next) =
        views::list_cancellations(&state.db, &shop.id, &filter, page.limit()?, page.cursor()?)
            .await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(CancellationOut::from).collect(),
        next_cursor: next.map(|c: Cursor| c.encode()),
    }))
}

/// One cancellation with its order.
#[utoipa::path(
    tag = "returns",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("cancel_id" = String, Path, description = "TikTok's cancel id"),
    ),
    responses(
        (status = 200, description = "The cancellation", body = CancellationDetailOut),
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, or no such cancellation synced", body = ErrorEnvelope),
        (status = 409, description = "The returns area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/cancellations/{cancel_id}")]
pub async fn get_cancellation(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Returns>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<CancellationDetailOut>> {
    let ShopScope { shop, .. } = scope;
    let (_, cancel_id) = path.into_inner();
    let (record, order) = views::cancellation_detail(&state.db, &shop.id, &cancel_id).await?;
    Ok(web::Json(CancellationDetailOut {
        cancellation: record.into(),
        order: order.map(OrderBriefOut::from),
    }))
}
