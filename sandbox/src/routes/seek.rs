//! Search paging by seeking a time index: a page token carries the last sort value and id served
//! (and the query's `total_count`, counted on the first page), and the next page starts right after
//! that key in the world's `(shop, time, id)` index, so a page costs O(page size + log n) whatever
//! the shop's size. Shared by the order, return and cancellation searches.

use std::collections::BTreeSet;

use crate::protocol::{ApiError, page_token, parse_page_token};
use crate::world::Id;

/// Where a page starts: after (sort value, id) of the previous page's last item, with the
/// `total_count` counted on the first page (absent in a token of the older two-part form).
pub type SearchCursor = (i64, Id, Option<usize>);

/// An entry of a time index: (shop, time, id).
pub type Key = (Id, i64, Id);

/// Reads a page token: hex of `sort:id` or `sort:id:total`.
pub fn parse_search_token(t: &str) -> Result<SearchCursor, ApiError> {
    let bad = || ApiError::invalid("Invalid page_token.");
    let raw = String::from_utf8(hex::decode(t).map_err(|_| bad())?).map_err(|_| bad())?;
    match raw.rsplit_once(':') {
        Some((head, total)) if head.contains(':') => {
            let (sort, id) = parse_page_token(&hex::encode(head))?;
            Ok((sort, id, Some(total.parse().map_err(|_| bad())?)))
        }
        _ => parse_page_token(t).map(|(sort, id)| (sort, id, None)),
    }
}

/// The token of a page that ended at (sort, id), for a query of `total` items: hex of
/// `sort:id:total`.
pub fn search_token(sort: i64, id: Id, total: usize) -> String {
    format!(
        "{}{}",
        page_token(sort, id),
        hex::encode(format!(":{total}"))
    )
}

/// The entries of `index` in `lo..hi` strictly after `cursor` in the walk's direction.
pub fn seek<'a>(
    index: &'a BTreeSet<Key>,
    lo: Key,
    hi: Key,
    cursor: Option<Key>,
    desc: bool,
) -> Box<dyn Iterator<Item = &'a Key> + 'a> {
    use std::ops::Bound::{Excluded, Included};
    if lo >= hi {
        return Box::new(std::iter::empty());
    }
    match (cursor, desc) {
        (None, false) => Box::new(index.range(lo..hi)),
        (None, true) => Box::new(index.range(lo..hi).rev()),
        (Some(c), false) if c < lo => Box::new(index.range(lo..hi)),
        (Some(c), false) if c >= hi => Box::new(std::iter::empty()),
        (Some(c), false) => Box::new(index.range((Excluded(c), Excluded(hi)))),
        (Some(c), true) if c >= hi => Box::new(index.range(lo..hi).rev()),
        (Some(c), true) if c <= lo => Box::new(std::iter::empty()),
        (Some(c), true) => Box::new(index.range((Included(lo), Excluded(c))).rev()),
    }
}
