//! Open collaborations: create (or change the rate of) one, search the shop's own, remove one (NORMAL
//! → TERMINATING until the next 00:00, then gone), and the marketplace product search.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{check_rate, image, page, price_json, price_range, refusal};
use crate::protocol::{ApiError, ApiResult, Ctx, json_id};
use crate::routes::returns::{Order as SortOrder, paginate, sort_order};
use crate::world::{
    Id, OpenCollaboration, OrderStatus, World, format_amount, parse_amount, parse_id,
};

#[derive(Deserialize, Default)]
#[serde(default)]
struct CreateOpen {
    product_id: Option<Value>,
    commission_rate: Option<Value>,
}

/// `POST /affiliate_seller/202412/open_collaborations` `{product_id, commission_rate}` →
/// `open_collaboration{id, product_id, effective_time}`. A product already in a NORMAL open
/// collaboration gets the new rate from now (same collaboration); a TERMINATING one is refused.
pub(super) fn create(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let b: CreateOpen = ctx.json()?;
    let pid = b
        .product_id
        .as_ref()
        .ok_or_else(|| ApiError::invalid("product_id is required."))?;
    let pid =
        json_id(pid).ok_or_else(|| ApiError::invalid(format!("product_id: invalid id {pid}.")))?;
    let rate = check_rate(b.commission_rate.as_ref(), "commission_rate")?;
    let now = ctx.now;
    let (id, effective) = ctx
        .with_world(|w| w.set_open_rate(shop, pid, rate, now))
        .map_err(refusal)?;
    Ok(json!({"open_collaboration": {
        "id": id.to_string(),
        "product_id": pid.to_string(),
        "effective_time": effective,
    }}))
}

/// `DELETE /affiliate_seller/202409/open_collaborations/products/{product_id}` →
/// `{terminated_effective_time}` (the next 00:00 UTC); NORMAL only.
pub(super) fn remove(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let pid = ctx.path_id("product_id")?;
    let now = ctx.now;
    let end = ctx
        .with_world(|w| w.remove_open(shop, pid, now))
        .map_err(refusal)?;
    Ok(json!({"terminated_effective_time": end}))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SearchOpen {
    keyword_type: Option<String>,
    keyword: Option<String>,
    top_level_category_id: Option<String>,
}

fn root_category(w: &World, mut cat: Id) -> Id {
    for _ in 0..10 {
        match w.categories.get(&cat) {
            Some(c) if c.parent_id != 0 => cat = c.parent_id,
            _ => break,
        }
    }
    cat
}

/// Creators with the product in their showcase, and those who made content with it: stable, small
/// numbers from the collaboration id.
fn creator_counts(c: &OpenCollaboration) -> (i64, i64) {
    ((c.id % 40) as i64, (c.id % 13) as i64)
}

/// `POST /affiliate_seller/202412/open_collaborations/search`: the shop's open collaborations that
/// have not vanished (NORMAL, TERMINATING), newest first by default (`sort_field` create_time |
/// commission_rate, assumed).
pub(super) fn search(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let (page_size, token) = page(ctx, 50)?;
    let by_rate = match ctx.query("sort_field") {
        None | Some("") | Some("create_time") => false,
        Some("commission_rate") => true,
        Some(f) => {
            return Err(ApiError::invalid(format!(
                "sort_field: invalid value {f:?}; use create_time or commission_rate."
            )));
        }
    };
    let order = sort_order(ctx, SortOrder::Desc)?;
    let b: SearchOpen = ctx.json()?;
    let by_id = match b.keyword_type.as_deref() {
        None | Some("") | Some("PRODUCT_NAME") => false,
        Some("PRODUCT_ID") => true,
        Some(k) => {
            return Err(ApiError::invalid(format!(
                "keyword_type: invalid value {k:?}; use PRODUCT_ID or PRODUCT_NAME."
            )));
        }
    };
    let keyword = b.keyword.unwrap_or_default();
    if by_id && !keyword.is_empty() && parse_id(&keyword).is_none() {
        return Err(ApiError::invalid(format!(
            "keyword: invalid product id {keyword:?}."
        )));
    }
    let top = b
        .top_level_category_id
        .filter(|c| !c.is_empty())
        .map(|c| {
            parse_id(&c).ok_or_else(|| {
                ApiError::invalid(format!("top_level_category_id: invalid id {c:?}."))
            })
        })
        .transpose()?;
    let now = ctx.now;
    let rows = ctx.with_world(|w| {
        let region = w.region_of(shop);
        let Some(book) = w.affiliate.get(&shop) else {
            return Vec::new();
        };
        book.open
            .iter()
            .filter_map(|c| c.status(now).map(|s| (c, s)))
            .filter_map(|(c, s)| w.products.get(&c.product_id).map(|p| (c, s, p)))
            .filter(|(_, _, p)| {
                keyword.is_empty()
                    || if by_id {
                        p.id.to_string() == keyword
                    } else {
                        p.title.to_lowercase().contains(&keyword.to_lowercase())
                    }
            })
            .filter(|(_, _, p)| top.is_none_or(|t| root_category(w, p.category_id) == t))
            .map(|(c, status, p)| {
                let (rate, since) = c.current(now);
                let (showcase, content) = creator_counts(c);
                let item = json!({
                    "id": c.id.to_string(),
                    "status": status,
                    "current_commission": {
                        "rate": rate,
                        "start_time": since,
                        "end_time": c.terminated_effective_time,
                    },
                    "showcase_creator_count": showcase,
                    "content_creator_count": content,
                    "product": {
                        "id": p.id.to_string(),
                        "title": p.title,
                        "main_image_url": image(p.id),
                        "status": p.status.as_str(),
                        "inventory": p.skus.iter().map(|s| s.total_stock()).sum::<i64>(),
                        "original_price": price_json(w, p.id, region),
                    },
                });
                let key = if by_rate { rate } else { c.create_time };
                (key, c.id, item)
            })
            .collect::<Vec<_>>()
    });
    let (items, next, total) = paginate(rows, order, page_size, token.as_deref())?;
    let mut out = json!({"next_page_token": next, "total_count": total});
    if !items.is_empty() {
        out["open_collaborations"] = Value::Array(items);
    }
    Ok(out)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RateRange {
    rate_ge: Option<i64>,
    rate_lt: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PriceRange {
    amount_ge: Option<String>,
    amount_lt: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SearchProducts {
    title_keywords: Vec<String>,
    sales_price_range: Option<PriceRange>,
    category: Option<Value>,
    commission_rate_range: Option<RateRange>,
}

/// Units of each product sold in the shop's paid, not cancelled orders.
fn units_sold(w: &World, shop: Id) -> std::collections::HashMap<Id, i64> {
    let mut out = std::collections::HashMap::new();
    for (_, _, id) in w
        .orders_by_create
        .range((shop, i64::MIN, 0)..=(shop, i64::MAX, Id::MAX))
    {
        let Some(o) = w.orders.get(id) else { continue };
        if o.paid_time.is_none() || o.status == OrderStatus::Cancelled {
            continue;
        }
        for l in &o.line_items {
            *out.entry(l.product_id).or_insert(0) += 1;
        }
    }
    out
}

/// `POST /affiliate_seller/202405/open_collaborations/products/search`: the shop's products in open
/// collaboration as creators find them in the marketplace.
pub(super) fn search_products(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let (page_size, token) = page(ctx, 20)?;
    let field = match ctx.query("sort_field") {
        None | Some("") | Some("commission_rate") => "commission_rate",
        Some(f @ ("product_sales_price" | "commission" | "units_sold")) => f,
        Some(f) => {
            return Err(ApiError::invalid(format!(
                "sort_field: invalid value {f:?}; use commission, commission_rate, product_sales_price or units_sold."
            )));
        }
    }
    .to_string();
    let order = sort_order(ctx, SortOrder::Desc)?;
    let b: SearchProducts = ctx.json()?;
    if b.title_keywords.len() > 20 || b.title_keywords.iter().any(|k| k.chars().count() > 255) {
        return Err(ApiError::invalid(
            "title_keywords: at most 20 keywords of at most 255 characters.",
        ));
    }
    let region = ctx.with_world(|w| w.region_of(shop));
    let parse = |s: &Option<String>| {
        s.as_deref()
            .map(|v| {
                parse_amount(v, region).ok_or_else(|| {
                    ApiError::invalid(format!("sales_price_range: invalid amount {v:?}."))
                })
            })
            .transpose()
    };
    let (price_ge, price_lt) = match &b.sales_price_range {
        Some(r) => (parse(&r.amount_ge)?, parse(&r.amount_lt)?),
        None => (None, None),
    };
    let (rate_ge, rate_lt) = b
        .commission_rate_range
        .as_ref()
        .map(|r| (r.rate_ge, r.rate_lt))
        .unwrap_or((None, None));
    let category = match &b.category {
        None => None,
        Some(c) => Some(
            c.get("id")
                .and_then(json_id)
                .ok_or_else(|| ApiError::invalid("category.id must be a category id."))?,
        ),
    };
    let now = ctx.now;
    let keywords: Vec<String> = b.title_keywords.iter().map(|k| k.to_lowercase()).collect();
    let rows = ctx.with_world(|w| {
        let shop_name = w.shops.get(&shop).map(|s| s.name.clone()).unwrap_or_default();
        let sold = units_sold(w, shop);
        let Some(book) = w.affiliate.get(&shop) else {
            return Vec::new();
        };
        book.open
            .iter()
            .filter(|c| c.status(now).is_some())
            .filter_map(|c| w.products.get(&c.product_id).map(|p| (c, p)))
            .filter(|(_, p)| keywords.iter().all(|k| p.title.to_lowercase().contains(k)))
            .filter(|(_, p)| category.is_none_or(|cat| p.category_id == cat))
            .filter(|(c, _)| {
                let r = c.current(now).0;
                rate_ge.is_none_or(|g| r >= g) && rate_lt.is_none_or(|l| r < l)
            })
            .filter(|(_, p)| {
                let (lo, _) = price_range(w, p.id);
                price_ge.is_none_or(|g| lo >= g) && price_lt.is_none_or(|l| lo < l)
            })
            .map(|(c, p)| {
                let rate = c.current(now).0;
                let (lo, hi) = price_range(w, p.id);
                let units = sold.get(&p.id).copied().unwrap_or(0);
                let cut = |price: i64| (price * rate + 5_000) / 10_000;
                let mut chain = Vec::new();
                let mut cat = p.category_id;
                for _ in 0..10 {
                    let Some(cg) = w.categories.get(&cat) else { break };
                    chain.push(json!({
                        "id": cg.id.to_string(),
                        "local_name": cg.local_name,
                        "is_leaf": cg.is_leaf,
                        "parent_id": cg.parent_id.to_string(),
                    }));
                    if cg.parent_id == 0 {
                        break;
                    }
                    cat = cg.parent_id;
                }
                chain.reverse();
                chain.truncate(3);
                let key = match field.as_str() {
                    "product_sales_price" => lo,
                    "commission" => cut(lo),
                    "units_sold" => units,
                    _ => rate,
                };
                let item = json!({
                    "id": p.id.to_string(),
                    "title": p.title,
                    "shop": {"name": shop_name},
                    "has_inventory": p.skus.iter().any(|s| s.total_stock() > 0),
                    "units_sold": units,
                    "sale_region": region.code(),
                    "main_image_url": image(p.id),
                    "detail_link": format!("https://shop.tiktok.com/view/product/{}", p.id),
                    "original_price": price_json(w, p.id, region),
                    "sales_price": price_json(w, p.id, region),
                    "category_chains": chain,
                    "commission": {
                        "rate": rate,
                        "currency": region.currency(),
                        "amount": format!("{} - {}", format_amount(cut(lo), region), format_amount(cut(hi), region)),
                    },
                });
                (key, p.id, item)
            })
            .collect::<Vec<_>>()
    });
    let (items, next, total) = paginate(rows, order, page_size, token.as_deref())?;
    let mut out = json!({"next_page_token": next, "total_count": total});
    if !items.is_empty() {
        out["products"] = Value::Array(items);
    }
    Ok(out)
}
