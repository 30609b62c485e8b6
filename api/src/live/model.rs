//! The shapes of a live-shopping session: what the ERP plans (the host, the time, the line-up with
//! special prices, stock limits and flash-sale windows), its state, and its board.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalog::input::PriceIn;
use crate::promotions::model::Price;

/// The longest session (TikTok's activities carry it; a LIVE rarely runs longer).
pub const MAX_MINUTES: i64 = 720;
/// The shortest session and flash sale: TikTok's shortest activity.
pub const MIN_MINUTES: i64 = 10;
/// The most lines a session carries (TikTok's products call takes 300 SKUs).
pub const MAX_LINES: usize = 100;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Friday live", "host": "@oceanoutfitters", "scheduled_start": "2026-12-11T19:00:00Z", "duration_minutes": 60, "lines": [{"product_id": "1729592969712207000", "sku_id": "1729592969712207100", "special_price": {"amount": "8.99", "currency": "USD"}, "stock_limit": 100, "flash_sale": {"start": "2026-12-11T19:15:00Z", "duration_seconds": 600}}]}))]
pub struct LiveSessionIn {
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    /// A creator's handle (`@name`) or `shop` (the shop's own account).
    #[schema(pattern = "^(shop|@[A-Za-z0-9._]{2,24})$")]
    pub host: String,
    /// In the future.
    pub scheduled_start: DateTime<Utc>,
    #[schema(minimum = 10, maximum = 720)]
    pub duration_minutes: i64,
    #[schema(min_items = 1, max_items = 100)]
    pub lines: Vec<LineIn>,
}

/// A change of a planned session (not yet applied): each field given replaces the planned one.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"duration_minutes": 90}))]
pub struct LiveSessionPatch {
    #[schema(min_length = 1, max_length = 100)]
    pub title: Option<String>,
    #[schema(pattern = "^(shop|@[A-Za-z0-9._]{2,24})$")]
    pub host: Option<String>,
    pub scheduled_start: Option<DateTime<Utc>>,
    #[schema(minimum = 10, maximum = 720)]
    pub duration_minutes: Option<i64>,
    #[schema(min_items = 1, max_items = 100)]
    pub lines: Option<Vec<LineIn>>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineIn {
    pub product_id: String,
    pub sku_id: String,
    /// Below the SKU's price, in the shop's currency.
    pub special_price: PriceIn,
    /// Units the session sells at the special price; at most what the warehouse has available.
    #[schema(minimum = 1, maximum = 100000)]
    pub stock_limit: i64,
    /// The warehouse whose stock backs the line (the shop's default sales warehouse when left out).
    #[schema(pattern = "^[0-9]{1,32}$")]
    pub warehouse_id: Option<String>,
    /// A flash sale inside the session: the line sells at its special price only then.
    pub flash_sale: Option<FlashSaleIn>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlashSaleIn {
    /// Inside the session.
    pub start: DateTime<Utc>,
    /// At least 600 (TikTok's shortest activity), ending inside the session.
    #[schema(minimum = 600)]
    pub duration_seconds: i64,
}

/// A line as planned (and answered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Line {
    pub product_id: String,
    pub sku_id: String,
    pub special_price: Price,
    pub stock_limit: i64,
    pub warehouse_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flash_sale: Option<FlashSale>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FlashSale {
    pub start: DateTime<Utc>,
    pub duration_seconds: i64,
}

impl FlashSale {
    pub fn end(&self) -> DateTime<Utc> {
        self.start + Duration::seconds(self.duration_seconds)
    }
}

/// An activity made for a session, with the lines it carries (their indexes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Made {
    pub activity_id: String,
    /// FIXED_PRICE (the lines without a flash sale, the whole session) or FLASHSALE (one window).
    pub activity_type: String,
    pub title: String,
    pub lines: Vec<usize>,
}

/// Where a session is: planned in the ERP, scheduled at TikTok (its activities made), live, ended,
/// or cancelled; the clock moves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Planned,
    Scheduled,
    Live,
    Ended,
    Cancelled,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Planned => "planned",
            State::Scheduled => "scheduled",
            State::Live => "live",
            State::Ended => "ended",
            State::Cancelled => "cancelled",
        }
    }
}

/// A session as answered.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0b6f7a52-2f0e-4bb1-9a53-3f8e7c1d2a10", "title": "Friday live", "host": "@oceanoutfitters", "scheduled_start": "2026-12-11T19:00:00Z", "duration_minutes": 60, "ends_at": "2026-12-11T20:00:00Z", "state": "scheduled", "lines": [{"product_id": "1729592969712207000", "sku_id": "1729592969712207100", "special_price": {"amount": "8.99", "currency": "USD"}, "stock_limit": 100, "warehouse_id": "7068517275539719942", "flash_sale": {"start": "2026-12-11T19:15:00Z", "duration_seconds": 600}}], "activity_ids": ["7321456789012345678"], "activities": [{"activity_id": "7321456789012345678", "activity_type": "FLASHSALE", "title": "Friday live F1·0b6f7a", "lines": [0]}], "applied_at": "2026-12-10T09:00:00Z", "created_by": "erp-user-1", "created_at": "2026-12-09T09:00:00Z", "updated_at": "2026-12-10T09:00:00Z"}))]
pub struct LiveSession {
    pub id: String,
    pub title: String,
    pub host: String,
    pub scheduled_start: DateTime<Utc>,
    pub duration_minutes: i64,
    pub ends_at: DateTime<Utc>,
    pub state: State,
    pub lines: Vec<Line>,
    /// TikTok's activity ids made for it.
    pub activity_ids: Vec<String>,
    pub activities: Vec<Made>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One line of the board.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardLine {
    pub product_id: String,
    pub sku_id: String,
    pub special_price: Price,
    /// The line's window: its flash sale, or the session.
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    /// Units in our orders of the window (not cancelled), kept current by TikTok's webhooks.
    pub sold: i64,
    pub orders: i64,
    /// The value of those units, in the shop's currency.
    pub gmv: String,
    pub stock_limit: i64,
    /// `stock_limit − sold`, never below 0.
    pub left: i64,
    /// What the ERP has available in the line's warehouse (`on_hand − committed − safety buffer`; TikTok's
    /// figure where the ERP keeps no count).
    pub erp_available: i64,
    /// What TikTok lets buyers order now in that warehouse, as last synced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tiktok_available: Option<i64>,
    /// Nothing left to sell at the special price (the limit reached or the stock gone).
    pub sold_out: bool,
    /// The line that runs out first at its pace so far (the least left of its limit and stock).
    pub runs_out_first: bool,
}

/// TikTok's figures for the LIVE that ran in the session's time (the analytics area).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TikTokLive {
    pub live_id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gmv: Option<Price>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orders: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items_sold: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customers: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub views: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub viewers: Option<i64>,
}

/// A session's results once it ended: from our orders, and TikTok's LIVE figures when it has them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Results {
    pub currency: String,
    /// The value of the session's units sold (every line, in its window).
    pub gmv: String,
    pub orders: i64,
    pub units: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tiktok_live: Option<TikTokLive>,
    /// Why `tiktok_live` is absent: the analytics area is off, TikTok reports no LIVE in the
    /// session's time (yet), or TikTok could not be reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tiktok_live_note: Option<String>,
}

/// The session's board: each line's sales against its limit and stock, and the results once ended.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"session_id": "0b6f7a52-2f0e-4bb1-9a53-3f8e7c1d2a10", "state": "live", "currency": "USD", "as_of": "2026-12-11T19:20:00Z", "lines": [{"product_id": "1729592969712207000", "sku_id": "1729592969712207100", "special_price": {"amount": "8.99", "currency": "USD"}, "window_start": "2026-12-11T19:15:00Z", "window_end": "2026-12-11T19:25:00Z", "sold": 37, "orders": 30, "gmv": "332.63", "stock_limit": 100, "left": 63, "erp_available": 112, "tiktok_available": 110, "sold_out": false, "runs_out_first": true}]}))]
pub struct Board {
    pub session_id: String,
    pub state: State,
    pub currency: String,
    pub as_of: DateTime<Utc>,
    pub lines: Vec<BoardLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<Results>,
}
