//! TikTok's wire shapes of returns and cancellations and their reading into one [`Record`]: ids are
//! strings, amounts decimal strings (checked, never floats), times unix seconds. An unreadable record
//! is an error for that record only.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Kind;
use crate::sync::orders::amount;
use crate::sync::{non_empty, unix_time};

#[derive(Debug, Deserialize)]
struct WireReturn {
    return_id: String,
    order_id: String,
    return_type: String,
    return_status: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    return_reason: Option<String>,
    #[serde(default)]
    return_reason_text: Option<String>,
    #[serde(default)]
    refund_amount: Option<WireRefund>,
    #[serde(default)]
    return_line_items: Vec<WireLine>,
    #[serde(default)]
    return_tracking_number: Option<String>,
    #[serde(default)]
    return_provider_name: Option<String>,
    create_time: i64,
    update_time: i64,
}

#[derive(Debug, Deserialize)]
struct WireCancellation {
    cancel_id: String,
    order_id: String,
    #[serde(default)]
    cancel_type: Option<String>,
    cancel_status: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    cancel_reason: Option<String>,
    #[serde(default)]
    cancel_reason_text: Option<String>,
    #[serde(default)]
    refund_amount: Option<WireRefund>,
    #[serde(default)]
    cancel_line_items: Vec<WireLine>,
    create_time: i64,
    update_time: i64,
}

#[derive(Debug, Deserialize)]
struct WireRefund {
    currency: String,
    refund_total: String,
    #[serde(default)]
    refund_subtotal: Option<String>,
    #[serde(default)]
    refund_shipping_fee: Option<String>,
    #[serde(default)]
    refund_tax: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireLine {
    #[serde(default)]
    return_line_item_id: Option<String>,
    #[serde(default)]
    cancel_line_item_id: Option<String>,
    #[serde(default)]
    order_line_item_id: String,
    #[serde(default)]
    sku_id: String,
    #[serde(default)]
    seller_sku: String,
    #[serde(default)]
    product_name: String,
    #[serde(default)]
    sku_name: String,
    #[serde(default)]
    refund_amount: Option<WireRefund>,
}

/// A refund as TikTok states it: decimal strings in `currency`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub currency: String,
    pub total: String,
    pub subtotal: Option<String>,
    pub shipping_fee: Option<String>,
    pub tax: Option<String>,
}

/// One line a return or cancellation covers, as stored in its `line_items` JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
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

/// What TikTok awaits from the seller, and by when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub action: String,
    pub decide_by: Option<DateTime<Utc>>,
}

/// A return's shipment back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipment {
    pub tracking_number: String,
    pub provider_name: Option<String>,
}

/// A return or a cancellation as our row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub kind: Kind,
    pub shop_id: String,
    pub id: String,
    pub order_id: String,
    /// REFUND, RETURN_AND_REFUND, REPLACEMENT; CANCEL or BUYER_CANCEL.
    pub kind_type: String,
    pub status: String,
    pub role: Option<String>,
    pub reason: Option<String>,
    pub reason_text: Option<String>,
    pub refund: Option<Refund>,
    pub lines: Vec<Line>,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub synced_at: DateTime<Utc>,
    pub pending: Option<Pending>,
    /// Returns only: the item's way back, once the buyer shipped it.
    pub shipment: Option<Shipment>,
}

fn refund(field: &str, r: Option<WireRefund>) -> anyhow::Result<Option<Refund>> {
    let Some(r) = r else { return Ok(None) };
    if r.currency.is_empty() {
        anyhow::bail!("{field}: a refund amount without a currency");
    }
    let opt = |name: &str, v: Option<String>| -> anyhow::Result<Option<String>> {
        non_empty(v)
            .map(|s| amount(&format!("{field}.{name}"), Some(s)))
            .transpose()
    };
    Ok(Some(Refund {
        total: amount(&format!("{field}.refund_total"), Some(r.refund_total))?,
        subtotal: opt("refund_subtotal", r.refund_subtotal)?,
        shipping_fee: opt("refund_shipping_fee", r.refund_shipping_fee)?,
        tax: opt("refund_tax", r.refund_tax)?,
        currency: r.currency,
    }))
}

fn required(field: &str, s: String) -> anyhow::Result<String> {
    if s.is_empty() {
        anyhow::bail!("{field} is empty");
    }
    Ok(s)
}

/// Reads one record of a search page; an unreadable record is an error for that record only.
pub fn convert(
    kind: Kind,
    shop_id: &str,
    raw: Value,
    now: DateTime<Utc>,
) -> anyhow::Result<Record> {
    struct Common {
        id: String,
        order_id: String,
        kind_type: String,
        status: String,
        role: Option<String>,
        reason: Option<String>,
        reason_text: Option<String>,
        refund: Option<WireRefund>,
        lines: Vec<WireLine>,
        create_time: i64,
        update_time: i64,
    }
    let pending = crate::tiktok::returns::next_actions(&raw)
        .into_iter()
        .next()
        .map(|a| -> anyhow::Result<Pending> {
            Ok(Pending {
                action: a.action,
                decide_by: a.deadline.map(unix_time).transpose()?,
            })
        })
        .transpose()?;
    let mut shipment = None;
    let c = match kind {
        Kind::Return => {
            let r: WireReturn = serde_json::from_value(raw)?;
            shipment = non_empty(r.return_tracking_number).map(|tracking_number| Shipment {
                tracking_number,
                provider_name: non_empty(r.return_provider_name),
            });
            Common {
                id: r.return_id,
                order_id: r.order_id,
                kind_type: r.return_type,
                status: r.return_status,
                role: r.role,
                reason: r.return_reason,
                reason_text: r.return_reason_text,
                refund: r.refund_amount,
                lines: r.return_line_items,
                create_time: r.create_time,
                update_time: r.update_time,
            }
        }
        Kind::Cancellation => {
            let r: WireCancellation = serde_json::from_value(raw)?;
            Common {
                id: r.cancel_id,
                order_id: r.order_id,
                kind_type: non_empty(r.cancel_type).unwrap_or_else(|| "CANCEL".into()),
                status: r.cancel_status,
                role: r.role,
                reason: r.cancel_reason,
                reason_text: r.cancel_reason_text,
                refund: r.refund_amount,
                lines: r.cancel_line_items,
                create_time: r.create_time,
                update_time: r.update_time,
            }
        }
    };
    let id = required(kind.id_key(), c.id)?;
    let mut lines = Vec::with_capacity(c.lines.len());
    for l in c.lines {
        let line_id = non_empty(l.return_line_item_id.or(l.cancel_line_item_id))
            .ok_or_else(|| anyhow::anyhow!("{} {id}: a line item without an id", kind.noun()))?;
        let r = refund("line refund_amount", l.refund_amount)?;
        lines.push(Line {
            id: line_id,
            order_line_item_id: l.order_line_item_id,
            sku_id: l.sku_id,
            seller_sku: l.seller_sku,
            product_name: l.product_name,
            sku_name: l.sku_name,
            currency: r.as_ref().map(|r| r.currency.clone()),
            refund_total: r.map(|r| r.total),
        });
    }
    Ok(Record {
        kind,
        shop_id: shop_id.to_owned(),
        order_id: required("order_id", c.order_id)?,
        kind_type: required("type", c.kind_type)?,
        status: required("status", c.status)?,
        role: non_empty(c.role),
        reason: non_empty(c.reason),
        reason_text: non_empty(c.reason_text),
        refund: refund("refund_amount", c.refund)?,
        lines,
        create_time: unix_time(c.create_time)?,
        update_time: unix_time(c.update_time)?,
        synced_at: now,
        pending,
        shipment,
        id,
    })
}

/// The stored `line_items` JSON back as lines (an unreadable column reads as none).
pub fn lines_of(column: &str) -> Vec<Line> {
    serde_json::from_str(column).unwrap_or_default()
}
#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn a_return() -> Value {
        json!({
            "return_id": "4035318504502940111", "order_id": "576461413038785752",
            "return_type": "RETURN_AND_REFUND", "return_status": "AWAITING_BUYER_SHIP", "role": "BUYER",
            "return_reason": "wrong_size", "return_reason_text": "Wrong size", "arbitration_status": "",
            "create_time": 1_764_000_000, "update_time": 1_764_000_600,
            "refund_amount": {"currency": "USD", "refund_total": "19.99", "refund_subtotal": "19.99",
                "refund_shipping_fee": "0.00", "refund_tax": "0.00", "buyer_service_fee": "0.00"},
            "return_line_items": [{"return_line_item_id": "1", "order_line_item_id": "577086512123755123",
                "sku_id": "11", "seller_sku": "TEE-M", "product_name": "Tee", "sku_name": "M",
                "refund_amount": {"currency": "USD", "refund_total": "19.99"}}]
        })
    }

    fn a_cancellation() -> Value {
        json!({
            "cancel_id": "4035318504502940222", "order_id": "576461413038785752", "cancel_type": "CANCEL",
            "cancel_status": "CANCELLATION_REQUEST_PENDING", "role": "BUYER", "cancel_reason": "",
            "create_time": 1_764_000_000, "update_time": 1_764_000_000,
            "refund_amount": {"currency": "USD", "refund_total": "46.18"},
            "cancel_line_items": [{"cancel_line_item_id": "2", "order_line_item_id": "577086512123755124"}]
        })
    }

    #[test]
    fn a_return_and_a_cancellation_become_records_with_amounts_as_given() {
        let r = convert(Kind::Return, "shop", a_return(), Utc::now()).unwrap();
        assert_eq!(r.id, "4035318504502940111");
        assert_eq!(r.kind_type, "RETURN_AND_REFUND");
        assert_eq!(r.refund.as_ref().unwrap().total, "19.99");
        assert_eq!(r.refund.as_ref().unwrap().tax.as_deref(), Some("0.00"));
        assert_eq!(r.lines.len(), 1);
        assert_eq!(r.lines[0].refund_total.as_deref(), Some("19.99"));
        assert_eq!(r.update_time.timestamp(), 1_764_000_600);
        let c = convert(Kind::Cancellation, "shop", a_cancellation(), Utc::now()).unwrap();
        assert_eq!(c.status, "CANCELLATION_REQUEST_PENDING");
        assert_eq!(c.reason, None, "empty strings are none");
        assert_eq!(c.refund.as_ref().unwrap().subtotal, None);
        assert_eq!(c.lines[0].id, "2");
        assert_eq!(c.lines[0].refund_total, None);
        let mut no_refund = a_return();
        no_refund.as_object_mut().unwrap().remove("refund_amount");
        assert_eq!(
            convert(Kind::Return, "shop", no_refund, Utc::now())
                .unwrap()
                .refund,
            None
        );
        // The stored JSON reads back as the same lines.
        let stored = serde_json::to_string(&r.lines).unwrap();
        assert_eq!(lines_of(&stored), r.lines);
        assert!(lines_of("garbage").is_empty());
    }

    #[test]
    fn a_bad_record_is_an_error_for_that_record_only() {
        for (kind, record, path, value) in [
            (Kind::Return, a_return(), "/return_id", json!("")),
            (Kind::Return, a_return(), "/return_id", json!(null)),
            (Kind::Return, a_return(), "/order_id", json!("")),
            (Kind::Return, a_return(), "/return_status", json!(7)),
            (
                Kind::Return,
                a_return(),
                "/refund_amount/refund_total",
                json!(19.99),
            ),
            (
                Kind::Return,
                a_return(),
                "/refund_amount/refund_total",
                json!("19,99"),
            ),
            (
                Kind::Return,
                a_return(),
                "/refund_amount/currency",
                json!(""),
            ),
            (
                Kind::Return,
                a_return(),
                "/refund_amount/refund_tax",
                json!("1e3"),
            ),
            (
                Kind::Return,
                a_return(),
                "/return_line_items/0/return_line_item_id",
                json!(""),
            ),
            (
                Kind::Return,
                a_return(),
                "/return_line_items/0/refund_amount/refund_total",
                json!("x"),
            ),
            (Kind::Return, a_return(), "/update_time", json!("yesterday")),
            (Kind::Return, a_return(), "/create_time", json!(i64::MAX)),
            (
                Kind::Cancellation,
                a_cancellation(),
                "/cancel_id",
                json!(""),
            ),
            (
                Kind::Cancellation,
                a_cancellation(),
                "/cancel_status",
                json!(""),
            ),
            (
                Kind::Cancellation,
                a_cancellation(),
                "/cancel_line_items/0/cancel_line_item_id",
                json!(null),
            ),
        ] {
            let mut bad = record;
            *bad.pointer_mut(path).unwrap() = value.clone();
            assert!(
                convert(kind, "shop", bad, Utc::now()).is_err(),
                "{kind:?} {path} = {value}"
            );
        }
        // A return's shape is not a cancellation.
        assert!(convert(Kind::Cancellation, "shop", a_return(), Utc::now()).is_err());
    }
}
