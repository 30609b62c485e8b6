//! Affiliate orders: `POST /affiliate_seller/202410/orders/search`. One row per SKU of an order that a
//! creator brought for a product in collaboration (`world::attribution`), with the commission at the
//! rate in force when the order was created. Paging counts SKU rows and happens before grouping by
//! order, as TikTok does: a page can hold fewer orders than `page_size`, and one order's SKUs can span
//! pages.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::{money, page};
use crate::protocol::{ApiError, ApiResult, Ctx};
use crate::routes::returns::{Order as SortOrder, paginate};
use crate::world::attribution::{Attributor, Source};
use crate::world::{Id, Order, OrderStatus, Region, World, format_amount};

/// The longest window (3 months), and the default one (the last 3 months).
const MAX_WINDOW: i64 = 92 * 86_400;

#[derive(Deserialize, Default)]
#[serde(default)]
struct SearchOrders {
    create_time_ge: Option<i64>,
    create_time_lt: Option<i64>,
    /// Accepted and ignored: the sandbox has no partner programs.
    #[allow(dead_code)]
    program_id: Option<Value>,
}

/// A localized display amount: the currency's symbol and the amount ("$12.50", "Rp150000").
pub(crate) fn display(minor: i64, region: Region) -> String {
    let symbol = match region {
        Region::Us => "$",
        Region::Uk => "£",
        Region::Id => "Rp",
        Region::Sg => "S$",
        Region::My => "RM",
        Region::Th => "฿",
        Region::Vn => "₫",
        Region::Ph => "₱",
    };
    format!("{symbol}{}", format_amount(minor, region))
}

/// `value × rate`, rate in hundredths of a percent, rounded half up to the minor unit.
pub(crate) fn commission(value: i64, rate: i64) -> i64 {
    (value * rate + 5_000) / 10_000
}

/// The settlement of an order's SKU: AWAITING PAYMENT before payment, INELIGIBLE when the order was
/// cancelled or every unit of the SKU came back, SETTLED once the order is completed, To-SETTLE in
/// between.
pub(crate) fn settlement(o: &Order, fully_returned: bool) -> &'static str {
    match o.status {
        OrderStatus::Cancelled => "INELIGIBLE",
        _ if fully_returned => "INELIGIBLE",
        OrderStatus::Unpaid => "AWAITING PAYMENT",
        OrderStatus::Completed => "SETTLED",
        _ => "To-SETTLE",
    }
}

/// One SKU row of an affiliate order: (units, paid value, value returned, first line id, unit price).
#[derive(Default)]
struct SkuLines {
    product_id: Id,
    units: i64,
    value: i64,
    returned: i64,
    returned_units: i64,
    first_line: Id,
    price: i64,
}

/// The affiliate SKU rows of one order, as (first line id, row).
pub(crate) fn order_rows(w: &World, o: &Order, sources: &[Source]) -> Vec<(Id, Value)> {
    let region = w.region_of(o.shop_id);
    let mut by_sku: BTreeMap<Id, (SkuLines, &Source)> = BTreeMap::new();
    for (l, s) in o.line_items.iter().zip(sources) {
        if s.commission.is_none() {
            continue;
        }
        let (e, _) = by_sku.entry(l.sku_id).or_insert_with(|| {
            (
                SkuLines {
                    product_id: l.product_id,
                    first_line: l.id,
                    price: l.sale_price,
                    ..SkuLines::default()
                },
                s,
            )
        });
        e.units += 1;
        e.value += l.sale_price;
        if l.is_cancelled && o.status != OrderStatus::Cancelled {
            e.returned += l.sale_price;
            e.returned_units += 1;
        }
    }
    by_sku
        .into_iter()
        .filter_map(|(sku, (e, s))| {
            let c = s.commission?;
            let fully = e.returned_units == e.units;
            let status = settlement(o, fully);
            let ineligible = status == "INELIGIBLE";
            let estimated_base = if ineligible { 0 } else { e.value };
            let actual_base = if status == "SETTLED" {
                e.value - e.returned
            } else {
                0
            };
            let ads_rate = c
                .target_collaboration_id
                .and_then(|t| {
                    w.affiliate
                        .get(&o.shop_id)?
                        .targets
                        .iter()
                        .find(|x| x.id == t)
                })
                .and_then(|t| {
                    t.products
                        .iter()
                        .filter(|p| p.product_id == e.product_id)
                        .find_map(|p| p.rate_at(o.create_time))
                })
                .and_then(|(_, ads)| ads)
                .unwrap_or(0);
            let row = json!({
                "sku_id": sku.to_string(),
                "product_id": e.product_id.to_string(),
                "quantity": e.units,
                "price": money(e.price, region),
                "settlement_status": status,
                "fully_return": if fully { "Yes" } else { "No" },
                "creator_username": s.creator_username,
                "content_type": s.content_type(),
                "content_id": s.content_id.map(|id| id.to_string()),
                "open_collaboration_id": c.open_collaboration_id.map(|id| id.to_string()),
                "target_collaboration_id": c.target_collaboration_id.map(|id| id.to_string()),
                "commission_model": "Fixed commission",
                "commission_tier_setting": "-",
                "commission_rate": c.rate.to_string(),
                "partner_commission_rate": "0",
                "shop_ads_commission_rate": ads_rate.to_string(),
                "estimated_commission_base": display(estimated_base, region),
                "actual_commission_base": display(actual_base, region),
                "estimated_paid_commission": money(commission(estimated_base, c.rate), region),
                "actual_paid_commission": money(commission(actual_base, c.rate), region),
                "estimated_paid_partner_commission": money(0, region),
                "actual_paid_partner_commission": money(0, region),
                "estimated_paid_shop_ads_commission": money(0, region),
                "actual_paid_shop_ads_commission": money(0, region),
                "estimated_cofunded_creator_bonus_amount": money(0, region),
                "actual_cofunded_creator_bonus_amount": money(0, region),
                "is_carousel": false,
            });
            Some((e.first_line, row))
        })
        .collect()
}

/// Every affiliate SKU row of the shop's orders created in [from, to): (create time, first line id,
/// order id, row).
pub(crate) fn rows_between(w: &World, shop: Id, from: i64, to: i64) -> Vec<(i64, Id, Id, Value)> {
    let att = Attributor::new(w, shop, from, to);
    let mut out = Vec::new();
    for (_, created, oid) in w.orders_by_create.range((shop, from, 0)..(shop, to, 0)) {
        let Some(o) = w.orders.get(oid) else { continue };
        let sources = att.order(o);
        if sources.iter().all(|s| s.commission.is_none()) {
            continue;
        }
        for (line, row) in order_rows(w, o, &sources) {
            out.push((*created, line, o.id, row));
        }
    }
    out
}

/// When the shop's history starts: its first order or product.
fn shop_start(w: &World, shop: Id) -> i64 {
    let first = |s: &std::collections::BTreeSet<(Id, i64, Id)>| {
        s.range((shop, i64::MIN, 0)..=(shop, i64::MAX, Id::MAX))
            .next()
            .map(|(_, t, _)| *t)
    };
    [first(&w.orders_by_create), first(&w.products_by_create)]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(0)
}

/// `POST /affiliate_seller/202410/orders/search` (`page_size` 1–50 required, `page_token` in the
/// query; `create_time_ge`, `create_time_lt` in the body: at most 3 months; none = the last 3 months;
/// only one = the other is now (inclusive) or the shop's start).
pub(super) fn search(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let (page_size, token) = page(ctx, 50)?;
    let b: SearchOrders = ctx.json()?;
    let now = ctx.now;
    let (from, to) = ctx.with_world(|w| match (b.create_time_ge, b.create_time_lt) {
        (None, None) => (now + 1 - MAX_WINDOW, now + 1),
        (Some(ge), None) => (ge, now + 1),
        (None, Some(lt)) => (shop_start(w, shop), lt),
        (Some(ge), Some(lt)) => (ge, lt),
    });
    if to <= from {
        return Err(ApiError::invalid(
            "create_time_lt must be after create_time_ge.",
        ));
    }
    if to - from > MAX_WINDOW {
        return Err(ApiError::invalid(
            "create_time_ge, create_time_lt: the window can span at most 3 months (92 days).",
        ));
    }
    let rows: Vec<(i64, Id, Value)> = ctx.with_world(|w| {
        rows_between(w, shop, from, to)
            .into_iter()
            .map(|(created, line, order, row)| {
                let o = &w.orders[&order];
                let head = json!({
                    "id": order.to_string(),
                    "create_time": created,
                    "delivery_time": o.delivery_time,
                });
                (created, line, json!({"order": head, "sku": row}))
            })
            .collect()
    });
    let (items, next, total) = paginate(rows, SortOrder::Desc, page_size, token.as_deref())?;
    // Group the page's SKU rows by order, keeping their order.
    let mut orders: Vec<Value> = Vec::new();
    for item in items {
        let id = &item["order"]["id"];
        match orders.last_mut() {
            Some(last) if &last["id"] == id => {
                if let Some(skus) = last["skus"].as_array_mut() {
                    skus.push(item["sku"].clone());
                }
            }
            _ => {
                let mut o = item["order"].clone();
                o["skus"] = json!([item["sku"].clone()]);
                orders.push(o);
            }
        }
    }
    let mut out = json!({"next_page_token": next, "total_count": total});
    if !orders.is_empty() {
        out["orders"] = Value::Array(orders);
    }
    Ok(out)
}
