//! Orders (`tiktok-api.md`, orders): the search sorted by `update_time`, and the detail of a few
//! orders at once, and their wire types (ids strings, amounts decimal strings, times unix seconds).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ApiResponse, ShopLine};

/// Search (`POST`, paged with `page_token`, 100 to a page).
pub const SEARCH_PATH: &str = "/order/202309/orders/search";
/// Detail (`GET`, `ids` comma-joined).
pub const DETAIL_PATH: &str = "/order/202507/orders";
/// Orders one detail call takes.
pub const MAX_DETAIL_IDS: usize = 50;

/// The detail's query for up to [`MAX_DETAIL_IDS`] ids.
pub fn detail_query(ids: &[String]) -> Vec<(String, String)> {
    vec![("ids".to_owned(), ids.join(","))]
}

#[derive(Debug, Deserialize)]
pub struct SearchPage {
    /// Each order as TikTok wrote it, read into [`WireOrder`] one by one, so an order we cannot read
    /// fails alone (and the page is not built as a tree of values first).
    #[serde(default)]
    pub orders: Vec<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    pub next_page_token: Option<String>,
    #[serde(default)]
    pub total_count: Option<u64>,
}

/// The detail's answer: each order read on its own, so one TikTok cannot express in our rows fails
/// alone.
#[derive(Debug, Deserialize)]
pub struct DetailData {
    #[serde(default)]
    pub orders: Vec<Value>,
}

#[derive(Debug, Deserialize)]
pub struct WireOrder {
    pub id: String,
    pub status: String,
    pub create_time: i64,
    pub update_time: i64,
    #[serde(default)]
    pub paid_time: Option<i64>,
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub buyer_email: Option<String>,
    #[serde(default)]
    pub buyer_message: Option<String>,
    #[serde(default)]
    pub shipping_type: Option<String>,
    #[serde(default)]
    pub shipping_provider: Option<String>,
    #[serde(default)]
    pub tracking_number: Option<String>,
    #[serde(default)]
    pub warehouse_id: Option<String>,
    #[serde(default)]
    pub is_cod: bool,
    #[serde(default)]
    pub cancel_reason: Option<String>,
    #[serde(default)]
    pub packages: Vec<WirePackageRef>,
    pub payment: WirePayment,
    #[serde(default)]
    pub recipient_address: Option<Value>,
    #[serde(default)]
    pub line_items: Vec<WireLine>,
}

#[derive(Debug, Deserialize)]
pub struct WirePackageRef {
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub struct WirePayment {
    pub currency: String,
    pub total_amount: String,
    #[serde(default)]
    pub sub_total: Option<String>,
    #[serde(default)]
    pub shipping_fee: Option<String>,
    #[serde(default)]
    pub seller_discount: Option<String>,
    #[serde(default)]
    pub platform_discount: Option<String>,
    #[serde(default)]
    pub tax: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct WireLine {
    pub id: String,
    pub sku_id: String,
    pub product_id: String,
    #[serde(default)]
    pub product_name: String,
    #[serde(default)]
    pub sku_name: String,
    #[serde(default)]
    pub seller_sku: String,
    pub sale_price: String,
    #[serde(default)]
    pub original_price: Option<String>,
    pub currency: String,
    #[serde(default)]
    pub display_status: String,
    #[serde(default)]
    pub package_id: Option<String>,
    #[serde(default)]
    pub package_status: Option<String>,
    #[serde(default)]
    pub tracking_number: Option<String>,
}

// The operations, one per TikTok call, over a shop's line.

/// The search's filters (TikTok ANDs those given).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchFilter {
    /// Orders updated at or after this time (unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time_ge: Option<i64>,
}

/// One page of the search (`query`: page size, order and token).
pub async fn search<L: ShopLine>(
    line: &mut L,
    query: Vec<(String, String)>,
    filter: &SearchFilter,
) -> Result<ApiResponse<SearchPage>, L::Error> {
    // Plain numbers: serializing cannot fail.
    let body = serde_json::to_value(filter).unwrap_or_default();
    line.call(Method::POST, SEARCH_PATH, query, Some(body))
        .await
}

/// Of an order we cannot read, what the sync still needs: its id (for the log) and its time (the
/// high-water mark moves past it).
#[derive(Debug, Default, Deserialize)]
pub struct OrderStamp {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub update_time: Option<i64>,
}

/// The detail of up to [`MAX_DETAIL_IDS`] orders.
pub async fn detail<L: ShopLine>(
    line: &mut L,
    ids: &[String],
) -> Result<ApiResponse<DetailData>, L::Error> {
    line.call(Method::GET, DETAIL_PATH, detail_query(ids), None)
        .await
}
