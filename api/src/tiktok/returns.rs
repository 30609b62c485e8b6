//! Returns and cancellations (`tiktok-api-areas.md`, after-sales): paths and answers.

use reqwest::Method;
use serde::Deserialize;

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

/// One page of the returns (`path`: [`RETURNS_SEARCH_PATH`]) or cancellations search.
pub async fn search<L: ShopLine>(
    line: &mut L,
    path: &str,
    query: Vec<(String, String)>,
    body: serde_json::Value,
) -> Result<ApiResponse<SearchPage>, L::Error> {
    line.call(Method::POST, path, query, Some(body)).await
}

/// The seller cancels an order, or some of its lines (`body`: order id, reason, line ids).
pub async fn cancel_order<L: ShopLine>(
    line: &mut L,
    body: serde_json::Value,
) -> Result<ApiResponse<CancelOrderData>, L::Error> {
    line.call(Method::POST, CANCEL_ORDER_PATH, vec![], Some(body))
        .await
}
