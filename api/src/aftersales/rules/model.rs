//! A rule as the ERP writes it: a name, a priority (lower first), dry run or not, the conditions
//! (`when`, all of which must hold) and the action (`then`). Checked whole before it is stored, each
//! fault a 400 that names its field.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalog::money::minor;
use crate::error::{Error, Result};

/// The kinds of request a rule can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// A refund without the item coming back (TikTok's REFUND).
    RefundOnly,
    ReturnAndRefund,
    Replacement,
    /// A buyer's request to cancel an order.
    Cancellation,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::RefundOnly => "refund_only",
            RequestKind::ReturnAndRefund => "return_and_refund",
            RequestKind::Replacement => "replacement",
            RequestKind::Cancellation => "cancellation",
        }
    }

    /// The kind of a stored return (`return_type`), or of a cancellation (`None`).
    pub fn of(return_type: Option<&str>) -> Option<Self> {
        match return_type {
            None => Some(RequestKind::Cancellation),
            Some("REFUND") => Some(RequestKind::RefundOnly),
            Some("RETURN_AND_REFUND") => Some(RequestKind::ReturnAndRefund),
            Some("REPLACEMENT") => Some(RequestKind::Replacement),
            Some(_) => None,
        }
    }
}

/// An amount in a currency, as decimal strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    #[schema(pattern = r"^[0-9]{1,9}(\.[0-9]{1,4})?$")]
    pub amount: String,
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: String,
}

/// The conditions: every one given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct When {
    /// The request is one of these kinds (any when empty).
    pub kinds: Vec<RequestKind>,
    /// The refund asked is at most this, in the shop's currency.
    pub max_refund: Option<Money>,
    /// The buyer's reason is one of these (TikTok's reason code or its text; any when empty).
    pub reasons: Vec<String>,
    /// Asked within this many hours of the order's delivery.
    #[schema(minimum = 1, maximum = 8760)]
    pub within_hours_of_delivery: Option<u32>,
    /// Asked within this many hours of the order being placed.
    #[schema(minimum = 1, maximum = 8760)]
    pub within_hours_of_order: Option<u32>,
    /// The buyer's approved requests of the last 90 days (this shop's) are at most this many.
    #[schema(maximum = 1000)]
    pub max_buyer_requests_90d: Option<u32>,
    /// Every SKU of the request is one of these TikTok SKU ids (any when empty).
    pub skus: Vec<String>,
    /// No SKU of the request is one of these.
    pub exclude_skus: Vec<String>,
    /// Every product of the request is in one of these TikTok categories (any when empty).
    pub categories: Vec<String>,
    /// No product of the request is in one of these categories.
    pub exclude_categories: Vec<String>,
}

/// What a matching rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Approve,
    /// Reject with `reason`, the name of one of TikTok's reject reasons for such requests.
    Reject,
    /// Leave it for a person (no later rule is tried).
    Manual,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Manual => "manual",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Then {
    pub action: Action,
    /// With `reject`: the reject reason's name (`…/returns/{id}/reject-reasons` lists them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A rule as the ERP sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Small refunds", "priority": 10, "dry_run": false, "when": {"kinds": ["refund_only"], "max_refund": {"amount": "15.00", "currency": "USD"}, "within_hours_of_delivery": 72, "max_buyer_requests_90d": 2}, "then": {"action": "approve"}}))]
pub struct RuleIn {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: String,
    /// Lower first; 0 to 1,000,000.
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub priority: i32,
    /// Record what the rule would decide without sending it.
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default)]
    pub when: When,
    pub then: Then,
}

/// The stored part of a rule besides its name, priority and dry run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Definition {
    pub when: When,
    pub then: Then,
}

const MAX_LIST: usize = 500;

impl RuleIn {
    /// The rule, trimmed and checked against the shop's currency; a fault names its field.
    pub fn checked(mut self, currency: &str) -> Result<Self> {
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() || self.name.chars().count() > 100 {
            return Err(Error::invalid_field("name", "1 to 100 characters"));
        }
        if !(0..=1_000_000).contains(&self.priority) {
            return Err(Error::invalid_field(
                "priority",
                "0 to 1,000,000 (lower first)",
            ));
        }
        let w = &self.when;
        if let Some(m) = &w.max_refund {
            if m.currency != currency {
                return Err(Error::invalid_field(
                    "when.max_refund.currency",
                    format!("this shop's refunds are in {currency}"),
                ));
            }
            if minor(&m.amount).is_none() {
                return Err(Error::invalid_field(
                    "when.max_refund.amount",
                    "a decimal string with at most 4 decimals, e.g. \"15.00\"",
                ));
            }
        }
        for (field, hours) in [
            ("when.within_hours_of_delivery", w.within_hours_of_delivery),
            ("when.within_hours_of_order", w.within_hours_of_order),
        ] {
            if hours.is_some_and(|h| !(1..=8760).contains(&h)) {
                return Err(Error::invalid_field(field, "1 to 8,760 hours"));
            }
        }
        if w.max_buyer_requests_90d.is_some_and(|n| n > 1000) {
            return Err(Error::invalid_field(
                "when.max_buyer_requests_90d",
                "0 to 1,000",
            ));
        }
        for (field, list, digits) in [
            ("when.reasons", &w.reasons, false),
            ("when.skus", &w.skus, true),
            ("when.exclude_skus", &w.exclude_skus, true),
            ("when.categories", &w.categories, true),
            ("when.exclude_categories", &w.exclude_categories, true),
        ] {
            if list.len() > MAX_LIST {
                return Err(Error::invalid_field(field, "at most 500 entries"));
            }
            if let Some(bad) = list.iter().find(|v| {
                v.trim().is_empty()
                    || v.chars().count() > 200
                    || (digits && !crate::ids::TikTokId::is_valid(v))
            }) {
                let want = if digits {
                    "TikTok ids (digits)"
                } else {
                    "1 to 200 characters each"
                };
                return Err(Error::invalid_field(field, format!("{bad:?}: {want}")));
            }
        }
        match (self.then.action, self.then.reason.as_deref()) {
            (Action::Reject, None) => {
                return Err(Error::invalid_field(
                    "then.reason",
                    "a rejection names one of TikTok's reject reasons (…/reject-reasons lists them)",
                ));
            }
            (Action::Reject, Some(r)) if r.trim().is_empty() || r.chars().count() > 200 => {
                return Err(Error::invalid_field("then.reason", "1 to 200 characters"));
            }
            (Action::Approve | Action::Manual, Some(_)) => {
                return Err(Error::invalid_field(
                    "then.reason",
                    "only a rejection takes a reason",
                ));
            }
            _ => {}
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(when: serde_json::Value, then: serde_json::Value) -> serde_json::Value {
        serde_json::json!({"name": "r", "priority": 1, "when": when, "then": then})
    }

    #[test]
    fn a_rule_is_checked_whole_and_each_fault_names_its_field() {
        let ok: RuleIn = serde_json::from_value(rule(
            serde_json::json!({"kinds": ["refund_only"], "max_refund": {"amount": "15.00", "currency": "USD"}}),
            serde_json::json!({"action": "approve"}),
        ))
        .unwrap();
        assert!(ok.clone().checked("USD").is_ok());
        let field = |r: RuleIn, currency: &str| {
            r.checked(currency).unwrap_err().details[0]["field"].clone()
        };
        assert_eq!(field(ok, "GBP"), "when.max_refund.currency");
        for (when, then, bad) in [
            (
                serde_json::json!({"max_refund": {"amount": "1.00001", "currency": "USD"}}),
                serde_json::json!({"action": "approve"}),
                "when.max_refund.amount",
            ),
            (
                serde_json::json!({"within_hours_of_delivery": 0}),
                serde_json::json!({"action": "approve"}),
                "when.within_hours_of_delivery",
            ),
            (
                serde_json::json!({"exclude_skus": ["abc"]}),
                serde_json::json!({"action": "approve"}),
                "when.exclude_skus",
            ),
            (
                serde_json::json!({}),
                serde_json::json!({"action": "reject"}),
                "then.reason",
            ),
            (
                serde_json::json!({}),
                serde_json::json!({"action": "manual", "reason": "x"}),
                "then.reason",
            ),
        ] {
            let r: RuleIn = serde_json::from_value(rule(when, then)).unwrap();
            assert_eq!(field(r, "USD"), bad);
        }
    }
}
