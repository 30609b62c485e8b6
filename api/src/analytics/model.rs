//! The shapes of the analytics answers: a window, the shop's currency, when TikTok's figures were
//! fetched, and the items (a day, a product, a video, a LIVE, or a group of our own orders).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::promotions::model::Price;

/// A report over the days `[from, to)`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report<T> {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub currency: String,
    /// When TikTok's figures were read (for our own orders: now). Null before the first analytics sync.
    pub fetched_at: Option<DateTime<Utc>>,
    pub items: Vec<T>,
}

/// The shop's figures for a day (or the whole window when `granularity=all`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"date": "2026-12-01", "gmv": {"amount": "1520.40", "currency": "USD"}, "orders": 61, "units": 75, "buyers": 58, "product_impressions": 18200, "product_clicks": 930}))]
pub struct ShopDay {
    pub date: NaiveDate,
    pub gmv: Price,
    pub orders: i64,
    pub units: i64,
    pub buyers: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunds: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_impressions: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_clicks: Option<i64>,
}

/// A product's figures over the synced window.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"product_id": "1729592969712207000", "gmv": {"amount": "310.00", "currency": "USD"}, "orders": 12, "units": 14, "product_impressions": 4100, "product_clicks": 220}))]
pub struct ProductFigures {
    pub product_id: String,
    pub gmv: Price,
    pub orders: i64,
    pub units: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_impressions: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_clicks: Option<i64>,
}

/// A video's figures over the synced window.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"video_id": "7390000000000000001", "title": "Unboxing the serum", "username": "glowwithmia", "product_ids": ["1729592969712207000"], "views": 48210, "gmv": {"amount": "210.50", "currency": "USD"}, "orders": 9, "units": 11}))]
pub struct VideoFigures {
    pub video_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posted_at: Option<String>,
    pub product_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub views: Option<i64>,
    pub gmv: Price,
    pub orders: i64,
    pub units: i64,
}

/// A LIVE's figures.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"live_id": "7500000000000000001", "title": "Friday live", "start": "2026-12-11T19:00:00Z", "end": "2026-12-11T20:00:00Z", "gmv": {"amount": "880.00", "currency": "USD"}, "orders": 40, "units": 52, "customers": 38, "views": 12000, "viewers": 5100}))]
pub struct LiveFigures {
    pub live_id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gmv: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orders: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customers: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub views: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub viewers: Option<i64>,
}

/// A group of our own orders: by day, by status, or by SKU.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"date": "2026-12-01", "orders": 61, "units": 75, "gmv": {"amount": "1520.40", "currency": "USD"}, "buyers": 58, "cancellations": 3, "returns": 1, "cod_share": 0.0}))]
pub struct OrderGroup {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku_id: Option<String>,
    pub orders: i64,
    pub units: i64,
    /// The products' value after the seller's discounts (TikTok's GMV: shipping and tax left out).
    pub gmv: Price,
    pub buyers: i64,
    /// Orders of the group that were cancelled.
    pub cancellations: i64,
    /// Orders of the group with a return or refund request.
    pub returns: i64,
    /// The share of the group's orders paid on delivery (0 to 1).
    pub cod_share: f64,
}
