//! Analytics (`tiktok-api-areas.md` §5): the shop's LIVE sessions with their figures (what a
//! live-shopping session's results show beside our own orders).

use reqwest::Method;
use serde::Deserialize;

use super::promotions::Money;
use super::wire::{de_id, de_opt_i64};
use super::{ApiResponse, ShopLine};

/// The shop's LIVE sessions with their performance (`GET`).
pub const LIVES_PATH: &str = "/analytics/202609/shop_lives/performance";

/// Whose LIVEs (the list takes one at a time): the shop's official or marketing accounts, or
/// creators'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountType {
    Official,
    Marketing,
    Affiliate,
}

impl AccountType {
    pub const ALL: [AccountType; 3] = [
        AccountType::Official,
        AccountType::Marketing,
        AccountType::Affiliate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::Official => "OFFICIAL_ACCOUNTS",
            AccountType::Marketing => "MARKETING_ACCOUNTS",
            AccountType::Affiliate => "AFFILIATE_ACCOUNTS",
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct LivePage {
    #[serde(default)]
    pub live_stream_sessions: Vec<Live>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

/// One LIVE with the figures a session's results show.
#[derive(Debug, Deserialize)]
pub struct Live {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    #[serde(default)]
    pub title: String,
    /// Unix seconds (TikTok sends them as strings).
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub start_time: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub end_time: Option<i64>,
    #[serde(default)]
    pub sales_performance: Option<LiveSales>,
    #[serde(default)]
    pub traffic: Option<LiveTraffic>,
}

#[derive(Debug, Deserialize)]
pub struct LiveSales {
    #[serde(default)]
    pub live_gmv: Option<Money>,
    #[serde(default)]
    pub live_attributed_gmv: Option<Money>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub live_attributed_orders: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub live_attributed_items_sold: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub attributed_customers: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct LiveTraffic {
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub views: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub viewers: Option<i64>,
}

/// The LIVEs that ran from `from` (a date, inclusive) to `to` (exclusive), one page.
pub async fn lives<L: ShopLine>(
    line: &mut L,
    account: AccountType,
    (from, to): (chrono::NaiveDate, chrono::NaiveDate),
    page_token: &str,
) -> Result<ApiResponse<LivePage>, L::Error> {
    let mut query = vec![
        (
            "start_date_ge".to_owned(),
            from.format("%Y-%m-%d").to_string(),
        ),
        ("end_date_lt".to_owned(), to.format("%Y-%m-%d").to_string()),
        ("account_type".to_owned(), account.as_str().to_owned()),
        ("page_size".to_owned(), "100".to_owned()),
    ];
    if !page_token.is_empty() {
        query.push(("page_token".to_owned(), page_token.to_owned()));
    }
    line.call(Method::GET, LIVES_PATH, query, None).await
}

/// The shop's performance by interval (`GET`).
pub const SHOP_PATH: &str = "/analytics/202609/shop/performance";
/// Each product's performance over the window (`GET`).
pub const PRODUCTS_PATH: &str = "/analytics/202605/shop_products/performance";
/// Each video's performance over the window (`GET`).
pub const VIDEOS_PATH: &str = "/analytics/202605/shop_videos/performance";

/// The common window of an analytics read: `[from, to)` in days.
fn window((from, to): (chrono::NaiveDate, chrono::NaiveDate)) -> Vec<(String, String)> {
    vec![
        (
            "start_date_ge".to_owned(),
            from.format("%Y-%m-%d").to_string(),
        ),
        ("end_date_lt".to_owned(), to.format("%Y-%m-%d").to_string()),
        ("currency".to_owned(), "LOCAL".to_owned()),
    ]
}

#[derive(Debug, Deserialize)]
pub struct ShopPerformance {
    pub performance: ShopIntervals,
    #[serde(default)]
    pub latest_available_date: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ShopIntervals {
    #[serde(default)]
    pub intervals: Vec<ShopInterval>,
}

#[derive(Debug, Deserialize)]
pub struct ShopInterval {
    /// A date (`2026-12-01`), inclusive.
    pub start_date: String,
    /// Exclusive.
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub sales: Option<ShopSales>,
    #[serde(default)]
    pub traffic: Option<ShopTraffic>,
}

#[derive(Debug, Deserialize)]
pub struct ShopSales {
    #[serde(default)]
    pub gmv: Option<Money>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub orders_count: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub customers_count: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub items_sold: Option<i64>,
    #[serde(default)]
    pub refunds: Option<Money>,
}

#[derive(Debug, Deserialize)]
pub struct ShopTraffic {
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub product_impressions: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub product_clicks: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct ProductPage {
    #[serde(default)]
    pub products: Vec<ProductPerformance>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ProductPerformance {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    #[serde(default)]
    pub total_performance: Option<ProductTotals>,
}

#[derive(Debug, Deserialize)]
pub struct ProductTotals {
    #[serde(default)]
    pub gmv: Option<Money>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub orders: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub items_sold: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub product_impressions: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub product_clicks: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct VideoPage {
    #[serde(default)]
    pub videos: Vec<VideoPerformance>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct VideoPerformance {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    /// Unix seconds or a date-time text, as TikTok sends it.
    #[serde(default, deserialize_with = "super::wire::de_opt_text")]
    pub video_post_time: Option<String>,
    #[serde(default)]
    pub products: Vec<VideoProduct>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub views: Option<i64>,
    #[serde(default)]
    pub gmv: Option<Money>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub items_sold: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub sku_orders: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct VideoProduct {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
}

fn paged(mut query: Vec<(String, String)>, token: &str) -> Vec<(String, String)> {
    query.push(("page_size".to_owned(), "100".to_owned()));
    if !token.is_empty() {
        query.push(("page_token".to_owned(), token.to_owned()));
    }
    query
}

/// The shop's performance per day of `[from, to)`.
pub async fn shop_days<L: ShopLine>(
    line: &mut L,
    days: (chrono::NaiveDate, chrono::NaiveDate),
) -> Result<ApiResponse<ShopPerformance>, L::Error> {
    let mut query = window(days);
    query.push(("granularity".to_owned(), "1D".to_owned()));
    line.call(Method::GET, SHOP_PATH, query, None).await
}

pub async fn products<L: ShopLine>(
    line: &mut L,
    days: (chrono::NaiveDate, chrono::NaiveDate),
    token: &str,
) -> Result<ApiResponse<ProductPage>, L::Error> {
    line.call(Method::GET, PRODUCTS_PATH, paged(window(days), token), None)
        .await
}

pub async fn videos<L: ShopLine>(
    line: &mut L,
    days: (chrono::NaiveDate, chrono::NaiveDate),
    token: &str,
) -> Result<ApiResponse<VideoPage>, L::Error> {
    let mut query = paged(window(days), token);
    query.push(("account_type".to_owned(), "ALL".to_owned()));
    line.call(Method::GET, VIDEOS_PATH, query, None).await
}
