//! Returns and cancellations (`tiktok-api-areas.md`, after-sales): paths and answers.

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{ApiResponse, ShopLine};

/// Search returns (`POST`, paged).
pub const RETURNS_SEARCH_PATH: &str = "/return_refund/202602/returns/search";
/// Search cancellations (`POST`, paged).
pub const CANCELLATIONS_SEARCH_PATH: &str = "/return_refund/202602/cancellations/search";
/// The seller cancels an order (`POST`).
pub const CANCEL_ORDER_PATH: &str = "/return_refund/202602/cancellations";

/// What a seller's cancel answers: the cancellation TikTok opened.
#[derive(Debug, Deserialize)]
pub struct CancelOrderData {
    #[serde(default)]
    pub cancel_id: Option<String>,
    #[serde(default)]
    pub cancel_status: Option<String>,
}

// The operations, one per TikTok call, over a shop's line.

/// A page of a returns or cancellations search: the list sits under its own key
/// (`return_orders`, `cancellations`), each record as TikTok sends it.
#[derive(Debug, Deserialize)]
pub struct SearchPage {
    #[serde(default)]
    pub next_page_token: Option<String>,
    #[serde(default)]
    pub total_count: Option<u64>,
    #[serde(flatten)]
    pub rest: serde_json::Map<String, serde_json::Value>,
}

impl SearchPage {
    /// The records under `list_key` (none when TikTok sent none).
    pub fn records(&mut self, list_key: &str) -> Vec<serde_json::Value> {
        match self.rest.remove(list_key) {
            Some(serde_json::Value::Array(list)) => list,
            _ => Vec::new(),
        }
    }
}

/// The search's filters (TikTok ANDs those given).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchFilter {
    /// Requests updated at or after this time (unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time_ge: Option<i64>,
    /// These returns only (a returns search).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub return_ids: Vec<String>,
    /// These cancellations only (a cancellations search).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cancel_ids: Vec<String>,
}

/// One page of the returns (`path`: [`RETURNS_SEARCH_PATH`]) or cancellations search.
pub async fn search<L: ShopLine>(
    line: &mut L,
    path: &str,
    query: Vec<(String, String)>,
    filter: &SearchFilter,
) -> Result<ApiResponse<SearchPage>, L::Error> {
    // Plain numbers and ids: serializing cannot fail.
    let body = serde_json::to_value(filter).unwrap_or_default();
    line.call(Method::POST, path, query, Some(body)).await
}

/// The seller cancels an order, or some of its lines.
pub async fn cancel_order<L: ShopLine>(
    line: &mut L,
    request: &CancelOrder<'_>,
) -> Result<ApiResponse<CancelOrderData>, L::Error> {
    // Plain ids and text: serializing cannot fail.
    let body = serde_json::to_value(request).unwrap_or_default();
    line.call(Method::POST, CANCEL_ORDER_PATH, vec![], Some(body))
        .await
}

/// The seller's cancel: the whole order, or the line items named.
#[derive(Debug, Serialize)]
pub struct CancelOrder<'a> {
    pub order_id: &'a str,
    pub cancel_reason: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub order_line_item_ids: &'a [String],
}
