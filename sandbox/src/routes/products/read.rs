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
        let range = w
            .products_by_update
            .range((shop, uge, 0)..=(shop, ule, Id::MAX))
            .rev();
        let mut total = 0usize;
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
            total += 1;
            if let Some((cu, cid, _)) = cursor
                && (u, id) >= (cu, cid)
            {
                continue;
            }
            if page.len() < page_size && served_before + page.len() < SEARCH_CAP {
                page.push(product_summary_json(p, region));
                last = Some((u, id));
            } else {
                more = true;
            }
        }
        let served = served_before + page.len();
        let next = match last {
            Some((u, id)) if more && served < SEARCH_CAP => page_token_n(u, id, served),
            _ => String::new(),
        };
        Ok(json!({"products": page, "next_page_token": next, "total_count": total}))
    })
}

/// A page token that also counts what was served so far (for the 10,000 cap).
fn page_token_n(sort: i64, id: Id, served: usize) -> String {
    format!(
        "{}{}",
        page_token(sort, id),
        hex::encode(format!(":{served}"))
    )
}

fn parse_page_token_n(t: &str) -> Result<(i64, Id, usize), ApiError> {
    let bad = || ApiError::invalid("Invalid page_token.");
    let raw = String::from_utf8(hex::decode(t).map_err(|_| bad())?).map_err(|_| bad())?;
    let mut parts = raw.split(':');
    let (a, b, c) = (parts.next(), parts.next(), parts.next());
    match (a, b, c) {
        (Some(a), Some(b), Some(c)) => {
            let (sort, id) = parse_page_token(&hex::encode(format!("{a}:{b}")))?;
            Ok((sort, id, c.parse().map_err(|_| bad())?))
        }
        _ => Err(bad()),
    }
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
