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
