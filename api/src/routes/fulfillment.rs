//! Shipping orders from the ERP: `…/orders/{order_id}/ship`, `…/orders/ship` (a batch) and
//! `…/orders/{order_id}/shipping-options`. Writes need the operator role and take an
//! `Idempotency-Key` header; the logic lives in [`crate::fulfillment`]. The other order actions
//! (label, tracking, shipping info, cancel) are in [`super::order_actions`].

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{Error, ErrorEnvelope, Result};
use crate::fulfillment::{self, Handover, MAX_BATCH, ShipRequest, Shipped};
use crate::ids::TikTokId;
use crate::routes::batch::{self, batch_answer};
use crate::routes::idempotency;
use crate::routes::json::{RawJson, parse_json};
use crate::routes::schema::responses::{NeedsOperator, ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::state::AppState;

/// A pickup slot (RFC 3339), start before end.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"start_time": "2026-11-25T09:00:00Z", "end_time": "2026-11-25T12:00:00Z"}))]
pub struct PickupSlotIn {
    pub start_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
}

/// The seller's own carrier: its tracking number and a provider of the order's delivery option.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"tracking_number": "1Z999AA10123456784", "shipping_provider_id": "6617675021119438849"}))]
pub struct SelfShipmentIn {
    /// 1 to 64 visible ASCII characters, no spaces.
    #[schema(pattern = "^[!-~]{1,64}$")]
    pub tracking_number: String,
    /// One of `GET …/orders/{order_id}/shipping-options` `shipping_providers`.
    #[schema(pattern = "^[0-9]{1,32}$")]
    pub shipping_provider_id: String,
}

/// How to ship: `handover_method` for orders TikTok's carrier takes (TIKTOK shipping type), or
/// `self_shipment` for seller-shipped orders (exactly one of them).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"handover_method": "PICKUP", "pickup_slot": {"start_time": "2026-11-25T09:00:00Z", "end_time": "2026-11-25T12:00:00Z"}}))]
pub struct ShipIn {
    /// The package to ship; may be left out when the order has one package.
    #[schema(pattern = "^[0-9]{1,32}$")]
    pub package_id: Option<String>,
    /// PICKUP or DROP_OFF.
    #[schema(schema_with = crate::routes::schema::rules::handover_method)]
    pub handover_method: Option<String>,
    /// Only with PICKUP.
    pub pickup_slot: Option<PickupSlotIn>,
    pub self_shipment: Option<SelfShipmentIn>,
}

/// One package of a batch ship.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"order_id": "576461413038785752", "handover_method": "DROP_OFF"}))]
pub struct BatchShipItemIn {
    #[schema(pattern = "^[0-9]{1,32}$")]
    pub order_id: String,
    #[schema(pattern = "^[0-9]{1,32}$")]
    pub package_id: Option<String>,
    #[schema(schema_with = crate::routes::schema::rules::handover_method)]
    pub handover_method: Option<String>,
    pub pickup_slot: Option<PickupSlotIn>,
    pub self_shipment: Option<SelfShipmentIn>,
}

/// Up to 50 packages, each shipped (or refused) on its own.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [
    {"order_id": "576461413038785752", "handover_method": "DROP_OFF"},
    {"order_id": "576461413038785753", "self_shipment": {"tracking_number": "1Z999AA10123456784", "shipping_provider_id": "6617675021119438849"}}
]}))]
pub struct BatchShipIn {
    #[schema(min_items = 1, max_items = 50)]
    pub items: Vec<BatchShipItemIn>,
}

/// A shipped package as TikTok has it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "order_id": "576461413038785752", "package_id": "1152921504606846976", "package_status": "FULFILLING",
    "handover_method": "PICKUP", "tracking_number": "TT000123456789", "shipping_provider_id": "6617675021119438849",
    "shipping_provider_name": "USPS", "order_status": "AWAITING_COLLECTION", "already_shipped": false,
    "tiktok_request_id": "20261124210005000102030405060708"
}))]
pub struct ShippedOut {
    pub order_id: String,
    pub package_id: String,
    /// TikTok's package status (FULFILLING once shipped).
    pub package_status: String,
    /// PICKUP, DROP_OFF or SELF_SHIPMENT.
    pub handover_method: String,
    pub tracking_number: Option<String>,
    pub shipping_provider_id: Option<String>,
    pub shipping_provider_name: Option<String>,
    /// The order's status, as saved here right after the ship.
    pub order_status: Option<String>,
    /// True when TikTok's answer was lost or said "already shipped" and the package was found
    /// shipped exactly as asked (an earlier attempt did it): success, not shipped twice.
    pub already_shipped: bool,
    pub tiktok_request_id: Option<String>,
}

impl From<Shipped> for ShippedOut {
    fn from(s: Shipped) -> Self {
        Self {
            order_id: s.order_id,
            package_id: s.package_id,
            package_status: s.package_status,
            handover_method: s.handover_method,
            tracking_number: s.tracking_number,
            shipping_provider_id: s.shipping_provider_id,
            shipping_provider_name: s.shipping_provider_name,
            order_status: s.order_status,
            already_shipped: s.already_shipped,
            tiktok_request_id: s.tiktok_request_id,
        }
    }
}

/// Which package of a batch ship an item is.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShipItemKey {
    pub order_id: String,
    /// The package shipped, or the one asked for (an order's only package when none was named).
    pub package_id: Option<String>,
}

batch_answer!(
    /// Every item's result, in the order sent (the batch answer's one shape, see the README).
    #[schema(example = json!({"succeeded": 1, "failed": 1, "results": [
        {"index": 0, "order_id": "576461413038785752", "package_id": "1152921504606846976", "ok": true, "outcome_unknown": false, "error": null,
         "result": {"order_id": "576461413038785752", "package_id": "1152921504606846976", "package_status": "FULFILLING", "handover_method": "DROP_OFF", "tracking_number": "TT000123456789", "shipping_provider_id": "6617675021119438849", "shipping_provider_name": "USPS", "order_status": "AWAITING_COLLECTION", "already_shipped": false, "tiktok_request_id": "20261124210005000102030405060708"}},
        {"index": 1, "order_id": "576461413038785753", "package_id": "1152921504606846977", "ok": false, "outcome_unknown": false, "result": null,
         "error": {"code": "order_cancelled", "message": "package 1152921504606846977 is cancelled: there is nothing to ship", "details": []}}
    ]}))]
    BatchShipOut,
    BatchShipItem,
    ShipItemKey,
    ShippedOut
);

/// A shipping provider.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderOut {
    pub id: String,
    pub name: String,
}

/// What the ERP needs to choose how to ship an order, from TikTok now.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "order_id": "576461413038785752", "order_status": "AWAITING_SHIPMENT", "shipping_type": "SELLER",
    "warehouse_id": "7068517275539719942", "delivery_option_id": "7091146663229392682", "delivery_option_name": "Standard",
    "packages": [{"id": "1152921504606846976", "package_status": "PROCESSING", "handover_method": "", "tracking_number": ""}],
    "shipping_providers": [{"id": "6617675021119438849", "name": "USPS"}]
}))]
pub struct ShippingOptionsOut {
    pub order_id: String,
    pub order_status: String,
    /// TIKTOK: ship with `handover_method`; SELLER: ship with `self_shipment`.
    pub shipping_type: String,
    pub warehouse_id: Option<String>,
    pub delivery_option_id: Option<String>,
    pub delivery_option_name: Option<String>,
    /// TikTok's packages of the order (id, package_status, handover_method, tracking_number, …).
    #[schema(value_type = Vec<Object>)]
    pub packages: Vec<serde_json::Value>,
    /// The providers the order's delivery option allows (for `self_shipment.shipping_provider_id`).
    pub shipping_providers: Vec<ProviderOut>,
}

const MAX_TRACKING_LEN: usize = 64;

pub(crate) fn tracking_number(field: &str, t: &str) -> Result<String> {
    let t = t.trim();
    if t.is_empty() || t.len() > MAX_TRACKING_LEN || !t.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid_field(
            field,
            format!(
                "give the carrier's tracking number: 1 to {MAX_TRACKING_LEN} visible characters, no spaces"
            ),
        ));
    }
    Ok(t.to_owned())
}

pub(crate) fn provider_id(field: &str, p: &str) -> Result<String> {
    if !TikTokId::is_valid(p) {
        return Err(Error::invalid_field(
            field,
            "give a shipping provider id from GET …/orders/{order_id}/shipping-options",
        ));
    }
    Ok(p.to_owned())
}

/// The handover a request asks for; a wrong shape is a 400 naming the field (prefixed for a batch).
fn handover(
    p: &str,
    method: Option<&str>,
    slot: Option<&PickupSlotIn>,
    own: Option<&SelfShipmentIn>,
) -> Result<Handover> {
    let f = |name: &str| format!("{p}{name}");
    match (method, own) {
        (Some(_), Some(_)) | (None, None) => Err(Error::invalid_field(
            &f("handover_method"),
            "give exactly one of handover_method (PICKUP or DROP_OFF, TikTok's carrier) and self_shipment (the seller's carrier)",
        )),
        (None, Some(s)) => {
            if slot.is_some() {
                return Err(Error::invalid_field(
                    &f("pickup_slot"),
                    "only with handover_method PICKUP",
                ));
            }
            Ok(Handover::SelfShipment {
                tracking_number: tracking_number(
                    &f("self_shipment.tracking_number"),
                    &s.tracking_number,
                )?,
                shipping_provider_id: provider_id(
                    &f("self_shipment.shipping_provider_id"),
                    &s.shipping_provider_id,
                )?,
            })
        }
        (Some("PICKUP"), None) => {
            let slot = match slot {
                None => None,
                Some(s) if s.start_time < s.end_time => {
                    Some((s.start_time.timestamp(), s.end_time.timestamp()))
                }
                Some(_) => {
                    return Err(Error::invalid_field(
                        &f("pickup_slot"),
                        "start_time must be before end_time",
                    ));
                }
            };
            Ok(Handover::Pickup { slot })
        }
        (Some("DROP_OFF"), None) => {
            if slot.is_some() {
                return Err(Error::invalid_field(
                    &f("pickup_slot"),
                    "only with handover_method PICKUP",
                ));
            }
            Ok(Handover::DropOff)
        }
        (Some(other), None) => Err(Error::invalid_field(
            &f("handover_method"),
            format!("{other:?} is not PICKUP or DROP_OFF"),
        )),
    }
}

pub(crate) fn package_id(field: &str, p: Option<&String>) -> Result<Option<String>> {
    match p {
        Some(p) if !TikTokId::is_valid(p) => {
            Err(Error::invalid_field(field, "not a TikTok package id"))
        }
        other => Ok(other.cloned()),
    }
}

pub(crate) fn to_json<T: Serialize>(v: T) -> Result<idempotency::Reply> {
    idempotency::Reply::ok(&v)
}

/// Ship a package of an order: hand it to TikTok's carrier (PICKUP in an optional slot, or
/// DROP_OFF), or, for a seller-shipped order, give the tracking number and a provider of the
/// order's delivery option. A retry never ships twice: if the package already shipped as asked
/// (e.g. the first answer was lost), the answer is a success with `already_shipped: true`.
#[utoipa::path(
    tag = "fulfillment",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("order_id" = String, Path, description = "TikTok's order id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409; after a 5xx the same key runs it again (settled against TikTok, never done twice)"),
    ),
    request_body = ShipIn,
    responses(
        (status = 200, description = "Shipped (or found shipped as asked)", body = ShippedOut),
        (status = 400, description = "A bad handover, package or provider (the message names the field; a wrong provider lists the valid ones); nothing sent to ship", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such order at TikTok", body = ErrorEnvelope),
        (status = 409, description = "Already shipped another way (`already_shipped`), cancelled (`order_cancelled`), no package yet (`no_package`), area disabled (`feature_disabled`), shop not connected, or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused the ship (`tiktok_refused`, e.g. the order is not yet AWAITING_SHIPMENT); TikTok's code, message and request_id in `details`", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable; `tiktok_outcome_unknown` when its answer was lost: send the same request again", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/orders/{order_id}/ship")]
pub async fn ship_order(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Orders>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let ShopScope { user, shop, .. } = scope;
    let (_, order_id) = path.into_inner();
    let input: ShipIn = parse_json(&body.0)?;
    let ship = ShipRequest {
        package_id: package_id("package_id", input.package_id.as_ref())?,
        handover: handover(
            "",
            input.handover_method.as_deref(),
            input.pickup_slot.as_ref(),
            input.self_shipment.as_ref(),
        )?,
        order_id,
    };
    let audit = serde_json::to_value(&input).map_err(Error::internal)?;
    idempotency::run_rerunnable(
        &state.db,
        &user.tenant,
        &req,
        &body.0,
        state.clock.now(),
        || async {
            to_json(ShippedOut::from(
                fulfillment::ship(state.access(), &user, &shop, &ship, audit).await?,
            ))
        },
    )
    .await
}

/// Ship up to 50 packages in one go (one TikTok call); each is checked, shipped or refused on its
/// own, and the answer lists every result in the order sent.
#[utoipa::path(
    tag = "fulfillment",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409; after a 5xx, or an answer with an item whose outcome is `tiktok_outcome_unknown`, the same key runs the batch again (settled against TikTok: what shipped is reported `already_shipped`, never shipped twice)"),
    ),
    request_body = BatchShipIn,
    responses(
        (status = 200, description = "Every item's result (some may have failed)", body = BatchShipOut),
        (status = 400, description = "Not 1 to 50 items, or an item of the wrong shape (named as items[i].field); nothing shipped", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "Area disabled, shop not connected, or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable before anything was shipped", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/orders/ship")]
pub async fn ship_batch(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Orders>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let ShopScope { user, shop, .. } = scope;
    let (ships, audits) = parse_json::<BatchShipIn>(&body.0)?.ships()?;
    // A batch ship whose answer is not kept under its `Idempotency-Key`, so that the same batch with
    // the same key runs again: TikTok unreachable (any 5xx), or an item whose ship TikTok may or may
    // not have done (its answer lost). Running again is safe: a package that did ship is settled as
    // `already_shipped`.
    idempotency::run_freeing(
        &state.db,
        &user.tenant,
        &req,
        &body.0,
        state.clock.now(),
        |e| e.kind.is_server_side(),
        || async {
            let outcomes =
                fulfillment::ship_batch(state.access(), &user, &shop, &ships, &audits).await?;
            BatchShipOut::reply(shipped(&ships, outcomes))
        },
    )
    .await
}

impl BatchShipIn {
    /// The ships the batch asks for, each checked (a bad item is a 400 that names it), and each item
    /// as the audit log keeps it.
    fn ships(&self) -> Result<(Vec<ShipRequest>, Vec<serde_json::Value>)> {
        if self.items.is_empty() || self.items.len() > MAX_BATCH {
            return Err(Error::invalid_field(
                "items",
                format!("send 1 to {MAX_BATCH} packages (got {})", self.items.len()),
            ));
        }
        let mut ships = Vec::with_capacity(self.items.len());
        let mut audits = Vec::with_capacity(self.items.len());
        for (i, item) in self.items.iter().enumerate() {
            let p = format!("items[{i}].");
            if !TikTokId::is_valid(&item.order_id) {
                return Err(Error::invalid_field(
                    &format!("{p}order_id"),
                    "not a TikTok order id",
                ));
            }
            ships.push(ShipRequest {
                order_id: item.order_id.clone(),
                package_id: package_id(&format!("{p}package_id"), item.package_id.as_ref())?,
                handover: handover(
                    &p,
                    item.handover_method.as_deref(),
                    item.pickup_slot.as_ref(),
                    item.self_shipment.as_ref(),
                )?,
            });
            audits.push(serde_json::to_value(item).map_err(Error::internal)?);
        }
        Ok((ships, audits))
    }
}

/// A batch ship's results, keyed by order and package (the package shipped, else the one asked
/// for); an item whose answer TikTok lost is unknown.
fn shipped(
    ships: &[ShipRequest],
    outcomes: Vec<Result<Shipped>>,
) -> batch::Batch<ShipItemKey, Shipped> {
    let done = ships
        .iter()
        .zip(outcomes)
        .map(|(s, r)| {
            let key = ShipItemKey {
                order_id: s.order_id.clone(),
                package_id: r
                    .as_ref()
                    .ok()
                    .map(|x| x.package_id.clone())
                    .or_else(|| s.package_id.clone()),
            };
            (key, r)
        })
        .collect();
    batch::Batch::of(done, |e| e.code == idempotency::OUTCOME_UNKNOWN)
}

/// An order's packages and the shipping providers its delivery option allows, from TikTok now:
/// what the ERP needs to choose how to ship it.
#[utoipa::path(
    tag = "fulfillment",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("order_id" = String, Path, description = "TikTok's order id"),
    ),
    responses(
        (status = 200, description = "The order's shipping options", body = ShippingOptionsOut),
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, or no such order at TikTok", body = ErrorEnvelope),
        (status = 409, description = "Area disabled or shop not connected", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/orders/{order_id}/shipping-options")]
pub async fn shipping_options(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Orders>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<ShippingOptionsOut>> {
    let ShopScope { shop, .. } = scope;
    let (_, order_id) = path.into_inner();
    let o = fulfillment::shipping_options(state.access(), &shop, &order_id).await?;
    Ok(web::Json(ShippingOptionsOut {
        order_id: o.order_id,
        order_status: o.order_status,
        shipping_type: o.shipping_type,
        warehouse_id: o.warehouse_id,
        delivery_option_id: o.delivery_option_id,
        delivery_option_name: o.delivery_option_name,
        packages: o.packages,
        shipping_providers: o
            .shipping_providers
            .into_iter()
            .map(|p| ProviderOut {
                id: p.id,
                name: p.name,
            })
            .collect(),
    }))
}
