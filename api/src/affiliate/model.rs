//! The shapes of the affiliate area: a product's open collaboration (its commission as a percentage,
//! whether samples are offered), target collaborations with chosen creators, sample requests, and
//! the commission reports of the synced affiliate orders.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::promotions::model::Price;

/// A product's open collaboration as set from the ERP.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"commission_rate": 12.5, "samples": true}))]
pub struct OpenCollaborationIn {
    /// A percentage, 1 to 80, at most 2 decimals (TikTok keeps hundredths of a percent).
    #[schema(minimum = 1, maximum = 80)]
    pub commission_rate: f64,
    /// Whether creators may ask for a free sample.
    #[serde(default)]
    pub samples: bool,
    /// How many free samples TikTok may grant (with `samples`; 10 when left out).
    #[schema(minimum = 1, maximum = 10000)]
    pub sample_quota: Option<i64>,
}

/// A product in open collaboration.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"product_id": "1729592969712207000", "collaboration_id": "7400000000000000001", "title": "Hydrating serum", "status": "NORMAL", "commission_rate": 12.5, "samples": true, "showcase_creators": 4, "content_creators": 2}))]
pub struct OpenCollaboration {
    pub product_id: String,
    pub collaboration_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// NORMAL, or TERMINATING until the removal takes effect.
    pub status: String,
    /// A percentage.
    pub commission_rate: f64,
    /// Whether a sample rule is active for it (known on a single product's read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samples: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub showcase_creators: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_creators: Option<i64>,
}

/// The answer of a withdrawal: TikTok ends it at the next midnight of the shop.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Withdrawn {
    pub product_id: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
}

/// A product of a target collaboration with its commission.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetProductIn {
    #[schema(pattern = "^[0-9]{1,32}$")]
    pub product_id: String,
    /// A percentage, 1 to 80.
    #[schema(minimum = 1, maximum = 80)]
    pub commission_rate: f64,
}

/// The seller's contact shown to the creators (an email at least).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactIn {
    #[schema(min_length = 3, max_length = 200)]
    pub email: String,
    #[serde(default)]
    #[schema(max_length = 40)]
    pub phone: Option<String>,
}

/// A target collaboration: chosen creators invited to sell chosen products at a commission.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Winter glow", "end_time": "2027-01-31T00:00:00Z", "products": [{"product_id": "1729592969712207000", "commission_rate": 15}], "creators": ["creator-open-id-1"], "contact": {"email": "partners@ocean.example"}, "free_samples": true, "message": "We love your skincare videos"}))]
pub struct TargetIn {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// In the future.
    pub end_time: DateTime<Utc>,
    #[schema(min_items = 1, max_items = 100)]
    pub products: Vec<TargetProductIn>,
    /// The creators' open ids (at most 50).
    #[schema(min_items = 1, max_items = 50)]
    pub creators: Vec<String>,
    pub contact: ContactIn,
    #[serde(default)]
    pub free_samples: bool,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub message: Option<String>,
}

/// A change of a target collaboration: each field given replaces the current one.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"products": [{"product_id": "1729592969712207000", "commission_rate": 18}]}))]
pub struct TargetPatch {
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    pub end_time: Option<DateTime<Utc>>,
    #[schema(min_items = 1, max_items = 100)]
    pub products: Option<Vec<TargetProductIn>>,
    #[schema(min_items = 1, max_items = 50)]
    pub creators: Option<Vec<String>>,
    pub contact: Option<ContactIn>,
    pub free_samples: Option<bool>,
    #[schema(max_length = 500)]
    pub message: Option<String>,
}

/// A creator of a target collaboration.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetCreatorOut {
    pub open_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// A product of a target collaboration as TikTok has it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetProductOut {
    pub product_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commission_rate: Option<f64>,
    /// NORMAL, DELETING, DELETED.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// What TikTok could not apply: a creator who already sells the product in another target
/// collaboration, ids it does not know, and (for a change) the parts that failed.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct TargetReport {
    pub conflicts: Vec<TargetConflict>,
    pub invalid_creators: Vec<String>,
    pub invalid_products: Vec<String>,
    /// TikTok's `update_failed`, as it gives it (a change only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_failed: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetConflict {
    pub creator: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
}

/// A target collaboration.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "7410000000000000001", "name": "Winter glow", "end_time": "2027-01-31T00:00:00Z", "products": [{"product_id": "1729592969712207000", "commission_rate": 15.0, "status": "NORMAL"}], "creators": [{"open_id": "creator-open-id-1", "username": "glowwithmia", "status": "PENDING"}], "contact": {"email": "partners@ocean.example"}, "free_samples": true, "report": {"conflicts": [], "invalid_creators": [], "invalid_products": []}}))]
pub struct Target {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    pub products: Vec<TargetProductOut>,
    pub creators: Vec<TargetCreatorOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactIn>,
    pub free_samples: bool,
    /// STANDARD or TOP_CREATOR_PROGRAM (only STANDARD ones change).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// After a create or a change: what TikTok could not apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<TargetReport>,
}

/// A target collaboration as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetSummaryOut {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub products: Option<i64>,
}

/// A creator's request for a free sample.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "7420000000000000001", "status": "PENDING", "approvable": true, "creator": "glowwithmia", "followers": 18200, "product_id": "1729592969712207000", "sku_id": "1729592969712207100", "commission_rate": 12.0}))]
pub struct Sample {
    pub id: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approvable: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followers: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku_id: Option<String>,
    /// A percentage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commission_rate: Option<f64>,
}

/// Why a sample request is refused (TikTok's reasons).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RejectReason {
    NotMatch,
    Offline,
    OutOfStock,
    Other,
}

impl RejectReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::NotMatch => "NOT_MATCH",
            RejectReason::Offline => "OFFLINE",
            RejectReason::OutOfStock => "OUT_OF_STOCK",
            RejectReason::Other => "OTHER",
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "OUT_OF_STOCK"}))]
pub struct SampleRejectIn {
    pub reason: RejectReason,
}

/// One SKU of an affiliate order, as synced.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"order_id": "576461413038785752", "sku_id": "1729592969712207100", "product_id": "1729592969712207000", "creator": "glowwithmia", "content_type": "VIDEO", "quantity": 1, "price": {"amount": "24.99", "currency": "USD"}, "commission_rate": 12.0, "commission": {"amount": "3.00", "currency": "USD"}, "settlement_status": "To-SETTLE", "created_at": "2026-12-01T10:00:00Z"}))]
pub struct AffiliateOrderOut {
    pub order_id: String,
    pub sku_id: String,
    pub product_id: String,
    pub creator: String,
    pub content_type: String,
    pub quantity: i64,
    pub price: Price,
    /// A percentage.
    pub commission_rate: f64,
    pub commission: Price,
    /// As TikTok spells it: Unknown, AWAITING PAYMENT, To-SETTLE, SETTLED, INELIGIBLE.
    pub settlement_status: String,
    pub created_at: DateTime<Utc>,
}

/// A line of the commission report.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"key": "glowwithmia", "orders": 12, "units": 15, "gmv": {"amount": "374.85", "currency": "USD"}, "commission": {"amount": "44.98", "currency": "USD"}}))]
pub struct CommissionLine {
    /// The creator's username, the product id or the day, by `group_by`.
    pub key: String,
    pub orders: i64,
    pub units: i64,
    /// What the units sold for.
    pub gmv: Price,
    pub commission: Price,
}

/// The commission report over a period, with its totals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommissionReport {
    pub currency: String,
    pub group_by: String,
    pub items: Vec<CommissionLine>,
    pub total: CommissionLine,
}
