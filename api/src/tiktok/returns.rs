//! Returns and cancellations (`tiktok-api-areas.md`, after-sales).

/// Search returns (`POST`, paged).
pub const RETURNS_SEARCH_PATH: &str = "/return_refund/202602/returns/search";
/// Search cancellations (`POST`, paged).
pub const CANCELLATIONS_SEARCH_PATH: &str = "/return_refund/202602/cancellations/search";
/// The seller cancels an order (`POST`).
pub const CANCEL_ORDER_PATH: &str = "/return_refund/202602/cancellations";
