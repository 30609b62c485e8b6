//! Returns and cancellations (`tiktok-api-areas.md`, after-sales): paths and answers.

use serde::Deserialize;

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
