//! Orders & fulfillment from the ERP: ship a package (one or a batch), its shipping options, the
//! label PDF, the tracking timeline, the seller's shipping info update, and the seller's cancel.
//!
//! Every write checks what it can before calling TikTok (a bad provider is refused here, with the
//! valid ones), is audited, and is followed by a refetch of the order(s) saved through the sync's
//! upsert, so local state follows at once and the next sync or webhook agrees.
//!
//! Shipping is never done twice and never reported failed when it happened: a ship whose answer was
//! lost (a timeout after TikTok applied it) or that TikTok refuses as "already shipped" is settled by
//! reading the package back: shipped as asked is a success.

use std::collections::HashMap;

use crate::error::Kind;
use serde_json::{Value, json};

use entity::shop;

use crate::audit::{self, Entry};
use crate::auth::AuthUser;
use crate::deps::{Store, TikTokAccess};
use crate::error::{Error, Result};
use crate::ids::TikTokId;
use crate::shops::session::ShopSession;
use crate::tiktok::wire::id_text as text;

/// Packages per batch ship (TikTok's own limit per call).
pub const MAX_BATCH: usize = 50;

mod changes;
mod reads;
mod ship;

pub use changes::{cancel, update_shipping_info};
pub use reads::{Label, label, shipping_options, tracking};
pub use ship::{ShipResult, ship, ship_batch};

/// How the package leaves the warehouse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handover {
    /// TikTok's carrier collects it, optionally in a slot (unix seconds, start < end).
    Pickup { slot: Option<(i64, i64)> },
    /// The seller drops it at the carrier.
    DropOff,
    /// The seller ships it with its own carrier (seller-shipped orders).
    SelfShipment {
        tracking_number: String,
        shipping_provider_id: String,
    },
}

impl Handover {
    fn method(&self) -> &'static str {
        match self {
            Handover::Pickup { .. } => "PICKUP",
            Handover::DropOff => "DROP_OFF",
            Handover::SelfShipment { .. } => "SELF_SHIPMENT",
        }
    }

    /// TikTok's ship body (without the package id).
    /// The handover as TikTok's ship call takes it.
    fn wire(&self) -> crate::tiktok::fulfillment::Ship {
        use crate::tiktok::fulfillment::{PickupSlot, SelfShipment, Ship};
        match self {
            Handover::Pickup { slot } => Ship {
                handover_method: Some("PICKUP"),
                pickup_slot: slot.map(|(start_time, end_time)| PickupSlot {
                    start_time,
                    end_time,
                }),
                ..Ship::default()
            },
            Handover::DropOff => Ship {
                handover_method: Some("DROP_OFF"),
                ..Ship::default()
            },
            Handover::SelfShipment {
                tracking_number,
                shipping_provider_id,
            } => Ship {
                self_shipment: Some(SelfShipment {
                    tracking_number: tracking_number.clone(),
                    shipping_provider_id: shipping_provider_id.clone(),
                }),
                ..Ship::default()
            },
        }
    }

    /// Whether TikTok's package shows this handover done.
    fn done_in(&self, package: &Value) -> bool {
        match self {
            Handover::SelfShipment {
                tracking_number,
                shipping_provider_id,
            } => {
                text(&package["tracking_number"]).as_deref() == Some(tracking_number)
                    && text(&package["shipping_provider_id"]).as_deref()
                        == Some(shipping_provider_id)
            }
            other => text(&package["handover_method"]).as_deref() == Some(other.method()),
        }
    }
}

/// One ship: the order, its package (may be left out when the order has one) and the handover.
#[derive(Debug, Clone)]
pub struct ShipRequest {
    pub order_id: String,
    pub package_id: Option<String>,
    pub handover: Handover,
}

/// A shipped package, as TikTok has it after the ship.
#[derive(Debug, Clone)]
pub struct Shipped {
    pub order_id: String,
    pub package_id: String,
    pub package_status: String,
    pub handover_method: String,
    pub tracking_number: Option<String>,
    pub shipping_provider_id: Option<String>,
    pub shipping_provider_name: Option<String>,
    /// The order's status as saved locally after the ship.
    pub order_status: Option<String>,
    /// TikTok's answer was lost or said "already shipped", and the package was found shipped as asked.
    pub already_shipped: bool,
    pub tiktok_request_id: Option<String>,
}

/// A shipping provider.
#[derive(Debug, Clone)]
pub struct Provider {
    pub id: String,
    pub name: String,
}

/// What the ERP needs to choose how to ship an order.
#[derive(Debug, Clone)]
pub struct ShippingOptions {
    pub order_id: String,
    pub order_status: String,
    /// TIKTOK (handover) or SELLER (self-shipment).
    pub shipping_type: String,
    pub warehouse_id: Option<String>,
    pub delivery_option_id: Option<String>,
    pub delivery_option_name: Option<String>,
    pub packages: Vec<Value>,
    pub shipping_providers: Vec<Provider>,
}

/// One event of the carrier's timeline.
#[derive(Debug, Clone)]
pub struct TrackingEvent {
    pub description: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The order after a write that is not a ship.
#[derive(Debug, Clone)]
pub struct OrderAfter {
    pub order_id: String,
    pub order_status: Option<String>,
    pub tiktok_request_id: Option<String>,
    /// Extra facts TikTok answered (the cancellation's id and status).
    pub tiktok: Value,
}

/// An id as TikTok writes them (a string or a number), or none when empty.
/// Fetches orders from TikTok (≤ 50 ids) and saves each through the sync's upsert, which never lets
/// an older copy overwrite a newer one. Returns TikTok's orders.
async fn fetch_orders(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    ids: &[String],
) -> Result<Vec<Value>> {
    crate::sync::orders::refresh(access, session, ids).await
}

/// One order from TikTok (saved locally); 404 when TikTok does not know it.
async fn fetch_order(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    order_id: &str,
) -> Result<Value> {
    if !TikTokId::is_valid(order_id) {
        return Err(Error::not_found("order"));
    }
    fetch_orders(access, session, &[order_id.to_owned()])
        .await?
        .into_iter()
        .find(|o| text(&o["id"]).as_deref() == Some(order_id))
        .ok_or_else(|| Error::not_found("order"))
}

/// Refetches orders after a write; a failure only delays local state (the next webhook or sync
/// brings it), so it is logged, not reported as the write's failure.
async fn follow(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    ids: &[String],
) -> HashMap<String, String> {
    let mut statuses = HashMap::new();
    for chunk in ids.chunks(50) {
        match fetch_orders(access, session, chunk).await {
            Ok(orders) => {
                for o in orders {
                    if let (Some(id), Some(s)) = (text(&o["id"]), text(&o["status"])) {
                        statuses.insert(id, s);
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "refetching orders after a write failed; sync will catch up")
            }
        }
    }
    statuses
}

fn package_ids(order: &Value) -> Vec<String> {
    order["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| text(&p["id"]))
        .collect()
}

/// The package a ship names, checked against the order.
fn pick_package(order: &Value, asked: Option<&str>, field: &str) -> Result<String> {
    let ids = package_ids(order);
    match asked {
        Some(p) if ids.iter().any(|i| i == p) => Ok(p.to_owned()),
        Some(p) => Err(Error::invalid_field(
            field,
            format!(
                "{p} is not a package of this order; its packages: {}",
                if ids.is_empty() {
                    "none yet".to_owned()
                } else {
                    ids.join(", ")
                }
            ),
        )),
        None if ids.len() == 1 => Ok(ids[0].clone()),
        None if ids.is_empty() => Err(Error::conflict(
            "no_package",
            format!(
                "the order is {} and has no package to ship yet",
                text(&order["status"]).unwrap_or_default()
            ),
        )),
        None => Err(Error::invalid_field(
            field,
            format!(
                "the order has {} packages ({}); name the one to ship",
                ids.len(),
                ids.join(", ")
            ),
        )),
    }
}

/// The providers of a delivery option, from TikTok.
async fn providers(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    delivery_option_id: &str,
) -> Result<Vec<Provider>> {
    let answer =
        crate::tiktok::logistics::shipping_providers(&mut session.line(access), delivery_option_id)
            .await?;
    Ok(answer
        .data
        .shipping_providers
        .into_iter()
        .filter_map(|p| {
            Some(Provider {
                id: p.id?,
                name: p.name.unwrap_or_default(),
            })
        })
        .collect())
}

/// Refuses a provider that is not one of the order's delivery option, listing the valid ones.
fn check_provider(field: &str, provider: &str, option: &str, valid: &[Provider]) -> Result<()> {
    if valid.iter().any(|p| p.id == provider) {
        return Ok(());
    }
    let list: Vec<String> = valid
        .iter()
        .map(|p| format!("{} ({})", p.id, p.name))
        .collect();
    Err(Error::invalid_field(
        field,
        format!(
            "{provider} is not a shipping provider of the order's delivery option {option}; use one of: {}",
            if list.is_empty() { "none offered".to_owned() } else { list.join(", ") }
        ),
    )
    .with_detail(json!({
        "valid_shipping_providers": valid.iter().map(|p| json!({"id": p.id, "name": p.name})).collect::<Vec<_>>()
    })))
}

fn clone_error(e: &Error) -> Error {
    let mut c = Error::new(e.kind, e.code, e.message.clone());
    c.details = e.details.clone();
    c
}

#[allow(clippy::too_many_arguments)]
async fn record<T>(
    store: Store<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    action: &'static str,
    order_id: &str,
    package_id: Option<&str>,
    request: Value,
    outcome: &Result<T>,
) -> Result<()>
where
    T: HasRequestId,
{
    audit::record(
        store.db,
        user,
        Entry {
            shop_id: &shop.id,
            action,
            target: match package_id {
                Some(p) => format!("order {order_id} / package {p}"),
                None => format!("order {order_id}"),
            },
            request,
            tiktok_request_id: match outcome {
                Ok(v) => v.request_id(),
                Err(e) => e.tiktok_request_id(),
            },
            error: outcome.as_ref().err().map(ToString::to_string),
        },
        store.clock.now(),
    )
    .await?;
    Ok(())
}

trait HasRequestId {
    fn request_id(&self) -> Option<String>;
}

impl HasRequestId for Shipped {
    fn request_id(&self) -> Option<String> {
        self.tiktok_request_id.clone()
    }
}

impl HasRequestId for OrderAfter {
    fn request_id(&self) -> Option<String> {
        self.tiktok_request_id.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_is_named_or_the_only_one() {
        let one = json!({"status": "AWAITING_SHIPMENT", "packages": [{"id": "11"}]});
        assert_eq!(pick_package(&one, None, "package_id").unwrap(), "11");
        assert_eq!(
            pick_package(&one, Some("12"), "package_id")
                .unwrap_err()
                .kind,
            crate::error::Kind::Invalid
        );
        let two = json!({"packages": [{"id": "11"}, {"id": "12"}]});
        assert_eq!(
            pick_package(&two, None, "package_id").unwrap_err().kind,
            crate::error::Kind::Invalid
        );
        assert_eq!(pick_package(&two, Some("12"), "package_id").unwrap(), "12");
        assert_eq!(
            pick_package(&json!({"packages": []}), None, "package_id")
                .unwrap_err()
                .kind,
            crate::error::Kind::Conflict
        );
    }
}
