//! Paging shared by the search endpoints of this crate part: sort order, pages after a page token (for
//! the searches that sort a list they built; returns and cancellations seek an index, see `search`),
//! id lists, and the sort field of the return and cancellation searches.

use crate::protocol::{ApiError, Ctx, page_token, parse_page_token};
use crate::world::{Id, parse_id};

/// Sort order of a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    Asc,
    Desc,
}

/// Reads `sort_order` (`ASC`/`DESC`, default `default`).
pub(crate) fn sort_order(ctx: &Ctx, default: Order) -> Result<Order, ApiError> {
    match ctx.query("sort_order") {
        None | Some("") => Ok(default),
        Some("ASC") => Ok(Order::Asc),
        Some("DESC") => Ok(Order::Desc),
        Some(other) => Err(ApiError::invalid(format!(
            "Invalid sort_order {other:?}: use ASC or DESC."
        ))),
    }
}

/// One page of `rows` (sort value, id, item) after the optional `page_token`:
/// (items, next_page_token, total_count). Ties on the sort value are broken by id. Only the rows
/// past the token are sorted; callers may pass cheap items (a reference) and render the page only.
pub(crate) fn paginate<T>(
    rows: Vec<(i64, Id, T)>,
    order: Order,
    page_size: usize,
    token: Option<&str>,
) -> Result<(Vec<T>, String, usize), ApiError> {
    let total = rows.len();
    let after = match token {
        Some(t) if !t.is_empty() => Some(parse_page_token(t)?),
        _ => None,
    };
    let mut rows: Vec<(i64, Id, T)> = match after {
        None => rows,
        Some(key) => rows
            .into_iter()
            .filter(|(v, id, _)| match order {
                Order::Asc => (*v, *id) > key,
                Order::Desc => (*v, *id) < key,
            })
            .collect(),
    };
    rows.sort_by_key(|(v, id, _)| (*v, *id));
    if order == Order::Desc {
        rows.reverse();
    }
    let end = page_size.min(rows.len());
    let next = if end < rows.len() && end > 0 {
        let (v, id, _) = &rows[end - 1];
        page_token(*v, *id)
    } else {
        String::new()
    };
    rows.truncate(end);
    let items = rows.into_iter().map(|(_, _, item)| item).collect();
    Ok((items, next, total))
}

/// Parses a list of ids from a search body (strings of digits).
pub(crate) fn parse_ids(field: &str, raw: &[String]) -> Result<Vec<Id>, ApiError> {
    raw.iter()
        .map(|s| {
            parse_id(s).ok_or_else(|| ApiError::invalid(format!("Invalid id in {field}: {s:?}.")))
        })
        .collect()
}

pub(super) fn sort_field(ctx: &Ctx) -> Result<bool, ApiError> {
    // true = update_time
    match ctx.query("sort_field") {
        None | Some("") | Some("create_time") => Ok(false),
        Some("update_time") => Ok(true),
        Some(other) => Err(ApiError::invalid(format!(
            "Invalid sort_field {other:?}: use create_time or update_time."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn rows(n: u64) -> Vec<(i64, Id, Value)> {
        (1..=n).map(|i| ((i / 2) as i64, i, json!(i))).collect()
    }

    #[test]
    fn paging_visits_every_row_once_in_both_orders() {
        for order in [Order::Asc, Order::Desc] {
            let mut seen = Vec::new();
            let mut token = String::new();
            loop {
                let (items, next, total) = paginate(rows(23), order, 5, Some(&token)).unwrap();
                assert_eq!(total, 23);
                seen.extend(items.into_iter().map(|v| v.as_u64().unwrap()));
                if next.is_empty() {
                    break;
                }
                token = next;
            }
            let mut sorted = seen.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), 23, "{order:?}: {seen:?}");
        }
        assert!(paginate(rows(3), Order::Asc, 5, Some("nothex")).is_err());
    }
}
