//! Product search (202309 and 202502, newest update first, at most 10,000 results) and product detail.

use serde_json::{Value, json};

use super::{SEARCH_CAP, not_found, opt_i64, str_list};
use crate::protocol::{ApiError, ApiResult, Ctx, page_token, parse_page_token};
use crate::world::json::{product_json, product_summary_json};
use crate::world::{Id, Product, ProductStatus};

/// `POST /product/{202309|202502}/products/search`: newest update first, paged with `page_token`,
/// at most 10,000 results.
pub(super) fn search(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let page_size = ctx.page_size(1, 100)?;
    let cursor = match ctx.query("page_token").filter(|t| !t.is_empty()) {
        Some(t) => Some(parse_page_token_n(t)?),
        None => None,
    };
    let body = ctx.json_value()?;
    let status = match body.get("status").and_then(Value::as_str) {
        None | Some("ALL") => None,
        Some(s) => Some(
            ProductStatus::parse(s)
                .ok_or_else(|| ApiError::invalid(format!("Unknown product status {s:?}.")))?,
        ),
    };
    let skus = str_list(&body, "seller_skus")?;
    let cge = opt_i64(&body, "create_time_ge")?;
    let cle = opt_i64(&body, "create_time_le")?;
    let uge = opt_i64(&body, "update_time_ge")?.unwrap_or(i64::MIN);
    let ule = opt_i64(&body, "update_time_le")?.unwrap_or(i64::MAX);
    ctx.with_world(|w| {
        let region = w.region_of(shop);
        let matches = |p: &Product| {
            let status_ok = match status {
                Some(s) => p.status == s,
                None => p.status != ProductStatus::Deleted,
            };
            status_ok
                && cge.is_none_or(|t| p.create_time >= t)
                && cle.is_none_or(|t| p.create_time <= t)
                && (skus.is_empty() || p.skus.iter().any(|s| skus.contains(&s.seller_sku)))
        };
        let (lo, hi) = ((shop, uge, 0), (shop, ule, Id::MAX));
        // Counted on the first page, then carried in the token.
        let total = match cursor.and_then(|c| c.3) {
            Some(total) => total,
            None if lo > hi => 0,
            // Only the shop narrows it: the shop's count of products not DELETED (O(1)).
            None if status.is_none()
                && cge.is_none()
                && cle.is_none()
                && skus.is_empty()
                && uge == i64::MIN
                && ule == i64::MAX =>
            {
                w.shop_counts(shop).products
            }
            None => w
                .products_by_update
                .range(lo..=hi)
                .filter(|&&(_, _, id)| w.products.get(&id).is_some_and(matches))
                .count(),
        };
        // Seek to the token's place: strictly before (update_time, id) of the last product served.
        let range: Box<dyn Iterator<Item = &(Id, i64, Id)>> = match cursor {
            _ if lo > hi => Box::new(std::iter::empty()),
            None => Box::new(w.products_by_update.range(lo..=hi).rev()),
            Some((cu, cid, _, _)) if (shop, cu, cid) > hi => {
                Box::new(w.products_by_update.range(lo..=hi).rev())
            }
            Some((cu, cid, _, _)) if (shop, cu, cid) <= lo => Box::new(std::iter::empty()),
            Some((cu, cid, _, _)) => {
                Box::new(w.products_by_update.range(lo..(shop, cu, cid)).rev())
            }
        };
        let mut page = Vec::new();
        let mut last = None;
        let served_before = cursor.map(|c| c.2).unwrap_or(0);
        let mut more = false;
        for &(_, u, id) in range {
            let Some(p) = w.products.get(&id) else {
                continue;
            };
            if !matches(p) {
                continue;
            }
            if page.len() < page_size && served_before + page.len() < SEARCH_CAP {
                page.push(product_summary_json(p, region));
                last = Some((u, id));
            } else {
                more = true;
                break;
            }
        }
        let served = served_before + page.len();
        let next = match last {
            Some((u, id)) if more && served < SEARCH_CAP => page_token_n(u, id, served, total),
            _ => String::new(),
        };
        Ok(json!({"products": page, "next_page_token": next, "total_count": total}))
    })
}

/// A page token that also counts what was served so far (for the 10,000 cap) and carries the
/// `total_count` counted on the first page: hex of `update_time:id:served:total`.
fn page_token_n(sort: i64, id: Id, served: usize, total: usize) -> String {
    format!(
        "{}{}",
        page_token(sort, id),
        hex::encode(format!(":{served}:{total}"))
    )
}

type ProductCursor = (i64, Id, usize, Option<usize>);

fn parse_page_token_n(t: &str) -> Result<ProductCursor, ApiError> {
    let bad = || ApiError::invalid("Invalid page_token.");
    let raw = String::from_utf8(hex::decode(t).map_err(|_| bad())?).map_err(|_| bad())?;
    let parts: Vec<&str> = raw.split(':').collect();
    if parts.len() != 3 && parts.len() != 4 {
        return Err(bad());
    }
    let (sort, id) = parse_page_token(&hex::encode(format!("{}:{}", parts[0], parts[1])))?;
    let served = parts[2].parse().map_err(|_| bad())?;
    let total = match parts.get(3) {
        Some(t) => Some(t.parse().map_err(|_| bad())?),
        None => None,
    };
    Ok((sort, id, served, total))
}

pub(super) fn get(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("product_id")?;
    ctx.with_world(|w| {
        let p = w
            .products
            .get(&id)
            .filter(|p| p.shop_id == shop)
            .ok_or_else(|| not_found(id))?;
        Ok(product_json(w, p))
    })
}
