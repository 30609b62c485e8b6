//! Products: the list `GET /analytics/202605/shop_products/performance` (and 202509) and one
//! product's detail `GET /analytics/202509/shop_products/{product_id}/performance`.
//!
//! A product's `gmv` is the sum of `sale_price` of its line items in the shop's paid orders created
//! in the window, `items_sold` their number, `orders` the orders they are in, `sku_orders` the
//! distinct (order, SKU) pairs. The channel objects split the same lines exactly: seller LIVE + seller
//! VIDEO + seller product card + affiliate total = total.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::{
    Money, Sold, avg, daily, day_start, draw, list_answer, list_page, rate, share, sold,
    sort_field_or, spans, window, ymd,
};
use crate::protocol::{ApiError, ApiResult, Ctx, codes};
use crate::routes::returns::{Order as SortOrder, paginate, sort_order};
use crate::world::attribution::Channel;
use crate::world::{Id, Order, ProductStatus, ReturnType, World, parse_id};

/// Sales of one product (or of one slice of them).
#[derive(Default, Clone)]
struct Part {
    gmv: i64,
    orders: BTreeSet<Id>,
    sku_orders: BTreeSet<(Id, Id)>,
    items: i64,
    customers: BTreeSet<Id>,
}

impl Part {
    fn add(&mut self, o: &Order, sku: Id, price: i64) {
        self.gmv += price;
        self.orders.insert(o.id);
        self.sku_orders.insert((o.id, sku));
        self.items += 1;
        self.customers.insert(o.user_id);
    }

    fn attributed(&self, money: Money) -> Value {
        json!({
            "attributed_gmv": money.fmt(self.gmv),
            "attributed_orders": self.orders.len(),
            "attributed_sku_orders": self.sku_orders.len(),
            "attributed_sold_items": self.items,
        })
    }
}

#[derive(Default, Clone)]
struct ProductTally {
    total: Part,
    tax: i64,
    shipping: i64,
    original: i64,
    refunds: i64,
    refunded_items: i64,
    refund_customers: BTreeSet<Id>,
    seller: [Part; 3],
    affiliate: [Part; 3],
    shop_tab: Part,
}

fn slot(c: Channel) -> usize {
    match c {
        Channel::Live => 0,
        Channel::Video => 1,
        Channel::ProductCard => 2,
    }
}

fn tallies(w: &World, sales: &[Sold<'_>]) -> BTreeMap<Id, ProductTally> {
    let mut out: BTreeMap<Id, ProductTally> = BTreeMap::new();
    for s in sales {
        let o = s.order;
        for (l, src) in o.line_items.iter().zip(&s.sources) {
            let t = out.entry(l.product_id).or_default();
            t.total.add(o, l.sku_id, l.sale_price);
            t.tax += share(o.payment.tax, l.sale_price, o.payment.sub_total);
            t.shipping += share(o.payment.shipping_fee, l.sale_price, o.payment.sub_total);
            t.original += l.original_price;
            if l.is_cancelled {
                t.refunds += l.sale_price;
                t.refunded_items += 1;
                t.refund_customers.insert(o.user_id);
            }
            let part = if src.by_creator {
                &mut t.affiliate
            } else {
                &mut t.seller
            };
            part[slot(src.channel)].add(o, l.sku_id, l.sale_price);
            // The seller's product cards opened from the shop tab (as shop performance splits them).
            if !src.by_creator
                && src.channel == Channel::ProductCard
                && draw(w.seed, o.id, 41) < 0.45
            {
                t.shop_tab.add(o, l.sku_id, l.sale_price);
            }
        }
    }
    out
}

/// Stable traffic for a product over `days` days with `items` sold: (impressions, clicks, add to cart).
fn traffic(w: &World, product: Id, days: i64, items: i64) -> (i64, i64, i64) {
    let impressions = items * 120 + days * (10 + (draw(w.seed, product, 3) * 40.0) as i64);
    let clicks = impressions / 9 + items * 4;
    (impressions, clicks, clicks / 5 + items)
}

fn product_json(w: &World, pid: Id, t: &ProductTally, money: Money, days: i64) -> Value {
    let (impressions, clicks, carts) = traffic(w, pid, days, t.total.items);
    let total = &t.total;
    let mut affiliate_total = Part::default();
    for p in &t.affiliate {
        affiliate_total.gmv += p.gmv;
        affiliate_total.items += p.items;
        affiliate_total.orders.extend(p.orders.iter().copied());
        affiliate_total
            .sku_orders
            .extend(p.sku_orders.iter().copied());
    }
    json!({
        "id": pid.to_string(),
        "total_performance": {
            "gmv": money.fmt(total.gmv),
            "orders": total.orders.len(),
            "sku_orders": total.sku_orders.len(),
            "items_sold": total.items,
            "estimated_customers": total.customers.len(),
            "aov": money.fmt(avg(total.gmv, total.orders.len() as i64)),
            "product_impressions": impressions,
            "product_clicks": clicks,
            "ctr": rate(clicks as f64, impressions as f64),
            "add_cart_count": carts,
            "add_cart_rate": rate(carts as f64, clicks as f64),
            "click_order_rate": rate(total.orders.len() as f64, clicks as f64),
            "unique_product_impressions": impressions * 7 / 10,
            "unique_product_clicks": clicks * 8 / 10,
            "gmv_incl_tax": money.fmt(total.gmv + t.tax),
            "tax": money.fmt(t.tax),
            "gross_merchandise_value": money.fmt(t.original),
            "shipping_fees": money.fmt(t.shipping),
            "refunds": money.fmt(t.refunds),
            "refunded_items": t.refunded_items,
            "refund_customers": t.refund_customers.len(),
        },
        "seller_live_performance": t.seller[0].attributed(money),
        "seller_video_performance": t.seller[1].attributed(money),
        "seller_product_card_performance": t.seller[2].attributed(money),
        "affiliate_total_performance": affiliate_total.attributed(money),
        "affiliate_live_performance": t.affiliate[0].attributed(money),
        "affiliate_video_performance": t.affiliate[1].attributed(money),
        "shop_tab_performance": t.shop_tab.attributed(money),
    })
}

/// Whether `cat` is `wanted` or under it.
fn in_category(w: &World, mut cat: Id, wanted: &[Id]) -> bool {
    for _ in 0..10 {
        if wanted.contains(&cat) {
            return true;
        }
        match w.categories.get(&cat) {
            Some(c) if c.parent_id != 0 => cat = c.parent_id,
            _ => return false,
        }
    }
    false
}

/// `GET /analytics/202605/shop_products/performance` (and 202509): every product of the shop that is
/// not deleted, with its figures for the window (zero when it sold nothing); `sort_field` gmv
/// (default) | items_sold | orders, `sort_order`, `category_filter[]` (a category or any under it),
/// `product_status_filter` ALL | LIVE (active) | INACTIVE, `page_size` 1–100 (default 10),
/// `page_token`, `currency`.
pub(super) fn list(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let win = window(ctx, shop)?;
    let (page_size, token) = list_page(ctx)?;
    let field = sort_field_or(ctx, &["gmv", "items_sold", "orders"], "gmv")?.to_string();
    let order = sort_order(ctx, SortOrder::Desc)?;
    let status_filter = match ctx.query("product_status_filter") {
        None | Some("") | Some("ALL") => None,
        Some("LIVE") => Some(true),
        Some("INACTIVE") => Some(false),
        Some(s) => {
            return Err(ApiError::invalid(format!(
                "product_status_filter: invalid value {s:?}; use ALL, LIVE or INACTIVE."
            )));
        }
    };
    let categories: Vec<Id> = ctx
        .query_list("category_filter")
        .iter()
        .map(|c| {
            parse_id(c)
                .ok_or_else(|| ApiError::invalid(format!("category_filter: invalid id {c:?}.")))
        })
        .collect::<Result<_, _>>()?;
    let rows = ctx.with_world(|w| {
        let (_, sales) = sold(w, shop, win.start_ts, win.end_ts);
        let tallies = tallies(w, &sales);
        let days = (win.end - win.start).num_days().max(1);
        let empty = ProductTally::default();
        w.products_by_create
            .range((shop, i64::MIN, 0)..=(shop, i64::MAX, Id::MAX))
            .filter_map(|(_, _, id)| w.products.get(id))
            .filter(|p| p.status != ProductStatus::Deleted)
            .filter(|p| {
                status_filter.is_none_or(|live| (p.status == ProductStatus::Activate) == live)
            })
            .filter(|p| categories.is_empty() || in_category(w, p.category_id, &categories))
            .map(|p| {
                let t = tallies.get(&p.id).unwrap_or(&empty);
                let key = match field.as_str() {
                    "orders" => t.total.orders.len() as i64,
                    "items_sold" => t.total.items,
                    _ => t.total.gmv,
                };
                (key, p.id, product_json(w, p.id, t, win.money, days))
            })
            .collect::<Vec<_>>()
    });
    let (items, next, total) = paginate(rows, order, page_size, token.as_deref())?;
    Ok(list_answer("products", items, next, total, win.latest))
}

/// Fixed ratings of a product: 1–5 stars counts and fractions.
fn ratings(w: &World, pid: Id) -> Value {
    let weights = [1.0, 1.5, 4.0, 12.0, 30.0];
    let n = 20 + (draw(w.seed, pid, 70) * 200.0) as i64;
    let mut counts: Vec<i64> = weights
        .iter()
        .enumerate()
        .map(|(i, wt)| ((wt * (0.5 + draw(w.seed, pid, 71 + i as u64))) * n as f64 / 48.5) as i64)
        .collect();
    counts[4] += 1;
    let sum: i64 = counts.iter().sum();
    Value::Array(
        counts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                json!({
                    "stars": format!("{}_STAR", i + 1),
                    "count": c,
                    "percentage": rate(*c as f64, sum as f64),
                })
            })
            .collect(),
    )
}

/// One interval of a product's detail.
fn detail_interval(
    w: &World,
    pid: Id,
    money: Money,
    from: NaiveDate,
    to: NaiveDate,
    sales: &[Sold<'_>],
) -> Value {
    let (a, b) = (day_start(from), day_start(to));
    let days = (to - from).num_days().max(1);
    let mut total = Part::default();
    let mut by = [Part::default(), Part::default(), Part::default()];
    let (mut canceled, mut refunded_lines) = (0, BTreeSet::new());
    for s in sales
        .iter()
        .filter(|s| s.order.create_time >= a && s.order.create_time < b)
    {
        for (l, src) in s.order.line_items.iter().zip(&s.sources) {
            if l.product_id != pid {
                continue;
            }
            total.add(s.order, l.sku_id, l.sale_price);
            by[slot(src.channel)].add(s.order, l.sku_id, l.sale_price);
            if l.is_cancelled {
                refunded_lines.insert(l.id);
                canceled += 1;
            }
        }
    }
    // Returns of those units, by kind (a unit cancelled without a return is a cancellation).
    let (mut returned, mut refunded, mut replacements) = (0, 0, 0);
    let with_returns = if refunded_lines.is_empty() {
        None
    } else {
        Some(&w.returns)
    };
    for r in with_returns
        .into_iter()
        .flat_map(|r| r.values())
        .filter(|r| r.line_item_ids.iter().any(|l| refunded_lines.contains(l)))
    {
        let n = r
            .line_item_ids
            .iter()
            .filter(|l| refunded_lines.contains(l))
            .count() as i64;
        canceled -= n;
        match r.return_type {
            ReturnType::ReturnAndRefund => returned += n,
            ReturnType::Refund => refunded += n,
            ReturnType::Replacement => replacements += n,
        }
    }
    let kinds = [Channel::Video, Channel::Live, Channel::ProductCard];
    let sales_breakdown: Vec<Value> = kinds
        .iter()
        .map(|c| {
            let p = &by[slot(*c)];
            json!({
                "content_type": c.as_str(),
                "sales": {
                    "gmv": money.fmt(p.gmv),
                    "items_sold": p.items,
                    "avg_customers": (p.customers.len() as f64 / days as f64 * 100.0).round() / 100.0,
                },
            })
        })
        .collect();
    let traffic_breakdown: Vec<Value> = kinds
        .iter()
        .map(|c| {
            let p = &by[slot(*c)];
            let (impressions, clicks, _) = traffic(w, pid ^ slot(*c) as u64, days, p.items);
            json!({
                "content_type": c.as_str(),
                "traffic": {
                    "impressions": impressions,
                    "page_views": clicks,
                    "avg_unique_page_views": avg(clicks * 8 / 10, days),
                    "ctr": rate(clicks as f64, impressions as f64),
                    "avg_conversion_rate": rate(p.orders.len() as f64, clicks as f64),
                },
            })
        })
        .collect();
    json!({
        "start_date": ymd(from),
        "end_date": ymd(to),
        "sales": {
            "gmv": money.fmt(total.gmv),
            "orders": total.orders.len(),
            "items_sold": total.items,
            "breakdowns": sales_breakdown,
        },
        "traffic": {"breakdowns": traffic_breakdown},
        "cancel_and_refunds": {
            "returned": returned,
            "canceled": canceled.max(0),
            "refunded": refunded,
            "replacements": replacements,
        },
    })
}

/// `GET /analytics/202509/shop_products/{product_id}/performance`: `start_date_ge`, `end_date_lt`,
/// `granularity`, `currency` → `performance{intervals[…], ratings[…], top_contents[…],
/// top_creators[…]}` and `latest_available_date`. A product that is not the shop's is 12052048.
pub(super) fn detail(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let pid = ctx.path_id("product_id")?;
    let win = window(ctx, shop)?;
    let daily = daily(ctx)?;
    ctx.with_world(|w| {
        if w.products.get(&pid).is_none_or(|p| p.shop_id != shop) {
            return Err(ApiError::business(
                codes::PRODUCT_NOT_FOUND,
                format!("product_id: product {pid} does not exist in this shop."),
            ));
        }
        let (_, sales) = sold(w, shop, win.start_ts, win.end_ts);
        let intervals: Vec<Value> = spans(win.start, win.end, daily)
            .into_iter()
            .map(|(a, b)| detail_interval(w, pid, win.money, a, b, &sales))
            .collect();
        // Top contents (videos, LIVEs) and creators over the whole window, by GMV.
        let mut contents: BTreeMap<(Channel, Id), (i64, i64)> = BTreeMap::new();
        let mut creators: BTreeMap<usize, (i64, i64)> = BTreeMap::new();
        for s in &sales {
            for (l, src) in s.order.line_items.iter().zip(&s.sources) {
                if l.product_id != pid {
                    continue;
                }
                if let Some(id) = src.content_id {
                    let e = contents.entry((src.channel, id)).or_default();
                    e.0 += l.sale_price;
                    e.1 += 1;
                }
                if let Some(c) = src.creator {
                    let e = creators.entry(c).or_default();
                    e.0 += l.sale_price;
                    e.1 += 1;
                }
            }
        }
        let mut top_contents = Vec::new();
        for kind in [Channel::Video, Channel::Live] {
            let mut list: Vec<(Id, i64, i64)> = contents
                .iter()
                .filter(|((c, _), _)| *c == kind)
                .map(|((_, id), (gmv, items))| (*id, *gmv, *items))
                .collect();
            list.sort_by_key(|(id, gmv, _)| (std::cmp::Reverse(*gmv), *id));
            list.truncate(100);
            if !list.is_empty() {
                top_contents.push(json!({
                    "type": kind.as_str(),
                    "contents": list.iter().map(|(id, gmv, items)| json!({
                        "content_id": id.to_string(),
                        "items_sold": items,
                        "gmv": win.money.fmt(*gmv),
                    })).collect::<Vec<_>>(),
                }));
            }
        }
        let mut top: Vec<(usize, (i64, i64))> = creators.into_iter().collect();
        top.sort_by_key(|(c, (gmv, _))| (std::cmp::Reverse(*gmv), *c));
        top.truncate(100);
        let top_creators: Vec<Value> = top
            .iter()
            .map(|(c, (gmv, items))| {
                json!({
                    "creator_open_id": w.creators[*c].open_id,
                    "creator_name": w.creators[*c].username,
                    "gmv": win.money.fmt(*gmv),
                    "items_sold": items,
                })
            })
            .collect();
        let mut performance = json!({"intervals": intervals, "ratings": ratings(w, pid)});
        if !top_contents.is_empty() {
            performance["top_contents"] = Value::Array(top_contents);
        }
        if !top_creators.is_empty() {
            performance["top_creators"] = Value::Array(top_creators);
        }
        Ok(json!({"performance": performance, "latest_available_date": ymd(win.latest)}))
    })
}
