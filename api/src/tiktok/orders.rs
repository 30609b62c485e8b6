//! Orders (`tiktok-api.md`, orders): the search sorted by `update_time`, and the detail of a few
//! orders at once.

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
