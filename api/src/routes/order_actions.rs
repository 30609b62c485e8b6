//! The order actions besides shipping: the label PDF (`…/orders/{order_id}/label`), the tracking
//! timeline (`…/tracking`), the seller's shipping info update (`…/shipping-info`) and cancel
//! (`…/cancel`). Writes need the operator role and take an `Idempotency-Key` header.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{Error, ErrorEnvelope, Result};
use crate::fulfillment::{self, OrderAfter};
use crate::ids::TikTokId;
use crate::routes::fulfillment::{package_id, provider_id, to_json, tracking_number};
use crate::routes::idempotency;
use crate::routes::json::{RawJson, parse_json};
use crate::routes::schema::responses::{NeedsOperator, Unauthorized};
use crate::routes::scope::*;
use crate::state::AppState;

/// One carrier event.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackingEventOut {
    pub description: String,
    pub at: DateTime<Utc>,
}

/// The order's tracking timeline, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"order_id": "576461413038785752", "events": [
    {"description": "The carrier has picked up the package.", "at": "2026-11-25T10:02:00Z"},
    {"description": "The seller has packed the order and arranged shipment.", "at": "2026-11-24T21:00:05Z"}
]}))]
pub struct TrackingOut {
    pub order_id: String,
    pub events: Vec<TrackingEventOut>,
}

/// A seller-shipped order's new tracking number and provider.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"tracking_number": "1Z999AA10123456785", "shipping_provider_id": "6617675021119438849"}))]
pub struct ShippingInfoIn {
    /// 1 to 64 visible ASCII characters, no spaces.
    #[schema(pattern = "^[!-~]{1,64}$")]
    pub tracking_number: String,
    #[schema(pattern = "^[0-9]{1,32}$")]
    pub shipping_provider_id: String,
}

/// Why the seller cancels, and optionally which units (all of them when left out).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Out of stock"}))]
pub struct CancelIn {
    /// 1 to 500 characters.
    #[schema(
        max_length = 500,
        pattern = r"[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub reason: String,
    #[serde(default)]
    #[schema(schema_with = crate::routes::schema::rules::line_item_ids)]
    pub line_item_ids: Vec<String>,
}

/// The order after the write.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"order_id": "576461413038785752", "order_status": "CANCELLED", "cancel_id": "4035318504086442131", "cancel_status": "CANCELLATION_REQUEST_COMPLETE", "tiktok_request_id": "20261124210005000102030405060708"}))]
pub struct OrderWriteOut {
    pub order_id: String,
    /// The order's status, as saved here right after the write.
    pub order_status: Option<String>,
    /// Cancel only: TikTok's cancellation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_status: Option<String>,
    /// Cancel only: true when the seller had already cancelled it (a retry, a lost answer): success,
    /// not a second cancel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub already_cancelled: Option<bool>,
    pub tiktok_request_id: Option<String>,
}

impl From<OrderAfter> for OrderWriteOut {
    fn from(o: OrderAfter) -> Self {
        let field = |k: &str| o.tiktok[k].as_str().map(str::to_owned);
        Self {
            cancel_id: field("cancel_id"),
            cancel_status: field("cancel_status"),
            already_cancelled: o.tiktok["already_cancelled"].as_bool(),
            order_id: o.order_id,
            order_status: o.order_status,
            tiktok_request_id: o.tiktok_request_id,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LabelQuery {
    /// The package; may be left out when the order has one.
    #[param(pattern = "^[0-9]{1,32}$")]
    pub package_id: Option<String>,
    /// A6 (default) or A5.
    #[param(schema_with = crate::routes::schema::rules::label_size)]
    pub size: Option<String>,
}

/// A PDF document.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Pdf(#[allow(dead_code)] Vec<u8>);

/// The shipping label of a shipped package, as a PDF (fetched from TikTok and served here; the ERP
/// never goes to TikTok). Operator role: the label carries the buyer's address.
#[utoipa::path(
    tag = "fulfillment",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("order_id" = String, Path, description = "TikTok's order id"),
        LabelQuery,
    ),
    responses(
        (status = 200, description = "The label", content_type = "application/pdf", body = Pdf),
        (status = 400, description = "A bad package or size", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such order at TikTok", body = ErrorEnvelope),
        (status = 409, description = "Area disabled or shop not connected", body = ErrorEnvelope),
        (status = 422, description = "TikTok has no label yet (ship the package first) or none (cancelled); TikTok's message in `details`", body = ErrorEnvelope),
        (status = 502, description = "TikTok or its document host unavailable (`label_unavailable`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/orders/{order_id}/label")]
pub async fn label(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Orders>,
    path: web::Path<(String, String)>,
    query: web::Query<LabelQuery>,
) -> Result<HttpResponse> {
    let ShopScope { shop, .. } = scope;
    let (_, order_id) = path.into_inner();
    let size = query.size.as_deref().unwrap_or("A6");
    if !matches!(size, "A6" | "A5") {
        return Err(Error::invalid_field("size", "use A6 or A5"));
    }
    let package = package_id("package_id", query.package_id.as_ref())?;
    let l = fulfillment::label(state.access(), &shop, &order_id, package.as_deref(), size).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "content-disposition",
            format!("inline; filename=\"label-{}.pdf\"", l.package_id),
        ))
        .body(l.pdf))
}

/// The order's tracking timeline from TikTok, newest first.
#[utoipa::path(
    tag = "fulfillment",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("order_id" = String, Path, description = "TikTok's order id"),
    ),
    responses(
        (status = 200, description = "The carrier's events so far", body = TrackingOut),
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, or no such order", body = ErrorEnvelope),
        (status = 409, description = "Area disabled or shop not connected", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/orders/{order_id}/tracking")]
pub async fn order_tracking(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Orders>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<TrackingOut>> {
    let ShopScope { shop, .. } = scope;
    let (_, order_id) = path.into_inner();
    let events = fulfillment::tracking(state.access(), &shop, &order_id).await?;
    Ok(web::Json(TrackingOut {
        order_id,
        events: events
            .into_iter()
            .map(|e| TrackingEventOut {
                description: e.description,
                at: e.at,
            })
            .collect(),
    }))
}

/// Change a seller-shipped order's tracking number and provider (after shipping, before delivery);
/// the provider must be one of the order's delivery option.
#[utoipa::path(
    tag = "fulfillment",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("order_id" = String, Path, description = "TikTok's order id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409; after a 5xx the same key runs it again (settled against TikTok, never done twice)"),
    ),
    request_body = ShippingInfoIn,
    responses(
        (status = 200, description = "Updated", body = OrderWriteOut),
        (status = 400, description = "A bad tracking number or provider (a wrong provider lists the valid ones); nothing changed", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such order at TikTok", body = ErrorEnvelope),
        (status = 409, description = "Not a seller-shipped order (`not_seller_shipped`), area disabled, shop not connected, or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused (e.g. not shipped yet, or delivered); TikTok's message in `details`", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/orders/{order_id}/shipping-info")]
pub async fn update_shipping_info(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Orders>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let ShopScope { user, shop, .. } = scope;
    let (_, order_id) = path.into_inner();
    let input: ShippingInfoIn = parse_json(&body.0)?;
    let number = tracking_number("tracking_number", &input.tracking_number)?;
    let provider = provider_id("shipping_provider_id", &input.shipping_provider_id)?;
    let audit = serde_json::json!({"tracking_number": number, "shipping_provider_id": provider});
    idempotency::run_rerunnable(
        &state.db,
        &user.tenant,
        &req,
        &body.0,
        state.clock.now(),
        || async {
            let after = fulfillment::update_shipping_info(
                state.access(),
                &user,
                &shop,
                &order_id,
                &number,
                &provider,
                audit,
            )
            .await?;
            to_json(OrderWriteOut::from(after))
        },
    )
    .await
}

/// The seller cancels an order (or some of its units) with a reason. TikTok refuses once the order
/// has shipped or if someone else cancelled it: a 409 `cancel_refused` with TikTok's message. Already
/// cancelled by the seller (a retry, a lost answer) is a success with `already_cancelled: true`.
/// (No separate confirm / ready-to-ship step: shipping a package is TikTok's ready-to-ship.)
#[utoipa::path(
    tag = "fulfillment",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("order_id" = String, Path, description = "TikTok's order id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409; after a 5xx the same key runs it again (settled against TikTok, never done twice)"),
    ),
    request_body = CancelIn,
    responses(
        (status = 200, description = "Cancelled (or found cancelled by the seller)", body = OrderWriteOut),
        (status = 400, description = "No reason, or a line item not of this order; nothing changed", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such order at TikTok", body = ErrorEnvelope),
        (status = 409, description = "TikTok refused: the order's status forbids it (`cancel_refused`, TikTok's code, message and request_id in `details`); area disabled; shop not connected; or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable; `tiktok_outcome_unknown` when its answer was lost: send the same request again", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/orders/{order_id}/cancel")]
pub async fn cancel_order(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Orders>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let ShopScope { user, shop, .. } = scope;
    let (_, order_id) = path.into_inner();
    let input: CancelIn = parse_json(&body.0)?;
    let reason = input.checked_reason()?;
    let audit = serde_json::json!({"reason": reason, "line_item_ids": input.line_item_ids});
    idempotency::run_rerunnable(
        &state.db,
        &user.tenant,
        &req,
        &body.0,
        state.clock.now(),
        || async {
            let after = fulfillment::cancel(
                state.access(),
                &user,
                &shop,
                &order_id,
                &reason,
                &input.line_item_ids,
                audit,
            )
            .await?;
            to_json(OrderWriteOut::from(after))
        },
    )
    .await
}

impl CancelIn {
    /// The reason, trimmed, once the request is checked (a reason of 1 to 500 characters, TikTok
    /// line item ids); a bad field is a 400 that names it.
    fn checked_reason(&self) -> Result<String> {
        let reason = self.reason.trim().to_owned();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(Error::invalid_field(
                "reason",
                "say why, in 1 to 500 characters",
            ));
        }
        for (i, l) in self.line_item_ids.iter().enumerate() {
            if !TikTokId::is_valid(l) {
                return Err(Error::invalid_field(
                    &format!("line_item_ids[{i}]"),
                    "not a TikTok line item id",
                ));
            }
        }
        Ok(reason)
    }
}
