//! Shop performance: `GET /analytics/202609/shop/performance` (and 202509) →
//! `performance{intervals[{start_date, end_date, sales{…}, traffic{…}, breakdowns{…}}]}` (with
//! `with_comparison=true`, also `comparison_intervals` for the window just before) and
//! `latest_available_date`.
//!
//! Sales are the sums over the shop's paid orders created in the interval (see the module above):
//! `gmv` = Σ line `sale_price`, `orders_count`, `items_sold` (line items), `sku_orders_count`
//! (distinct order × SKU), `customers_count` (distinct buyers). The channel split is exact: `live_gmv`
//! + `video_gmv` + `product_card_attributed_gmv` = `gmv`, each split into the seller's and creators'.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::{Window, avg, daily, day_start, draw, rate, sold, spans, window, ymd};
use crate::protocol::{ApiError, ApiResult, Ctx};
use crate::world::attribution::Channel;
use crate::world::{Id, OrderStatus, ReturnStatus, World};

const DAY: i64 = 86_400;

/// Where a seller product-card sale came from: the shop tab, search, or elsewhere (by the order).
fn shop_tab_split(seed: u64, order: Id) -> usize {
    match draw(seed, order, 41) {
        d if d < 0.45 => 0,
        d if d < 0.8 => 1,
        _ => 2,
    }
}

#[derive(Default)]
struct Tally {
    gmv: i64,
    tax: i64,
    shipping: i64,
    orders: i64,
    items: i64,
    sku_orders: i64,
    buyers: BTreeSet<Id>,
    /// [seller, creator] × LIVE, VIDEO, PRODUCT_CARD.
    by: [[i64; 3]; 2],
    /// Seller product cards: shop tab, search, others.
    tab: [i64; 3],
}

fn tally(w: &World, shop: Id, from: i64, to: i64) -> Tally {
    let mut t = Tally::default();
    let (_, sales) = sold(w, shop, from, to);
    for s in &sales {
        let o = s.order;
        t.gmv += o.payment.sub_total;
        t.tax += o.payment.tax;
        t.shipping += o.payment.shipping_fee;
        t.orders += 1;
        t.items += o.line_items.len() as i64;
        t.sku_orders += o
            .line_items
            .iter()
            .map(|l| l.sku_id)
            .collect::<BTreeSet<_>>()
            .len() as i64;
        t.buyers.insert(o.user_id);
        for (l, src) in o.line_items.iter().zip(&s.sources) {
            let ch = match src.channel {
                Channel::Live => 0,
                Channel::Video => 1,
                Channel::ProductCard => 2,
            };
            t.by[usize::from(src.by_creator)][ch] += l.sale_price;
            if ch == 2 && !src.by_creator {
                t.tab[shop_tab_split(w.seed, o.id)] += l.sale_price;
            }
        }
    }
    t
}

/// Value of paid units cancelled in [from, to) plus what returns asked in it; refunds paid in it.
fn after_sales(w: &World, shop: Id, from: i64, to: i64) -> (i64, i64) {
    let cancelled: i64 = w
        .orders_by_update
        .range((shop, from, 0)..(shop, i64::MAX, 0))
        .filter_map(|(_, _, id)| w.orders.get(id))
        .filter(|o| o.status == OrderStatus::Cancelled && o.paid_time.is_some())
        .filter(|o| o.cancel_time.is_some_and(|c| c >= from && c < to))
        .map(|o| o.payment.sub_total)
        .sum();
    let (mut asked, mut refunded) = (0, 0);
    for r in w.returns.values().filter(|r| r.shop_id == shop) {
        if r.create_time >= from && r.create_time < to {
            asked += r.refund_total;
        }
        if matches!(
            r.status,
            ReturnStatus::RequestSuccess | ReturnStatus::RequestComplete
        ) && r.update_time >= from
            && r.update_time < to
        {
            refunded += r.refund_total;
        }
    }
    (cancelled + asked, refunded)
}

/// One day's traffic: (impressions, unique impressions, clicks (page views), visitors).
fn day_traffic(w: &World, shop: Id, day_start: i64, orders: i64) -> (i64, i64, i64, i64) {
    let noise = draw(w.seed, shop ^ day_start as u64, 7);
    let page_views = orders * 25 + 40 + (noise * 60.0) as i64;
    let impressions = page_views * 8 + (noise * 500.0) as i64;
    (
        impressions,
        impressions * 7 / 10,
        page_views,
        page_views * 6 / 10,
    )
}

fn interval_json(w: &World, shop: Id, win: &Window, from: NaiveDate, to: NaiveDate) -> Value {
    let (a, b) = (day_start(from), day_start(to));
    let t = tally(w, shop, a, b);
    let (cancels, refunds) = after_sales(w, shop, a, b);
    let days = (to - from).num_days().max(1);
    // Traffic day by day, so that an interval is the sum of its days.
    let (mut imp, mut uimp, mut clicks, mut visitors) = (0, 0, 0, 0);
    for d in 0..days {
        let start = a + d * DAY;
        let orders = super::sales(w, shop, start, start + DAY).count() as i64;
        let (i, u, c, v) = day_traffic(w, shop, start, orders);
        imp += i;
        uimp += u;
        clicks += c;
        visitors += v;
    }
    let m = |minor: i64| win.money.fmt(minor);
    let [seller, creator] = t.by;
    let (live, video, card) = (
        seller[0] + creator[0],
        seller[1] + creator[1],
        seller[2] + creator[2],
    );
    let content = |channel: &str, kind: &str, gmv: i64| json!({"channel": channel, "content_type": kind, "gmv": m(gmv), "indirect_gmv": m(0)});
    json!({
        "start_date": ymd(from),
        "end_date": ymd(to),
        "sales": {
            "gmv": m(t.gmv),
            "gmv_with_tax": m(t.gmv + t.tax),
            "gmv_with_tiktok_co_funding": m(t.gmv),
            "orders_count": t.orders,
            "customers_count": t.buyers.len(),
            "items_sold": t.items,
            "sku_orders_count": t.sku_orders,
            "avg_order_value": m(avg(t.gmv, t.orders)),
            "avg_sku_order_value": m(avg(t.gmv, t.sku_orders)),
            "cancellations_and_returns": m(cancels),
            "refunds": m(refunds),
            "shipping_fees": m(t.shipping),
            "tax": m(t.tax),
            "live_gmv": m(live),
            "live_attributed_gmv": m(live),
            "live_indirect_gmv": m(0),
            "video_gmv": m(video),
            "video_attributed_gmv": m(video),
            "video_indirect_gmv": m(0),
            "product_card_attributed_gmv": m(card),
            "creator_live_gmv": m(creator[0]),
            "seller_live_gmv": m(seller[0]),
            "creator_video_gmv": m(creator[1]),
            "seller_video_gmv": m(seller[1]),
        },
        "traffic": {
            "product_impressions": imp,
            "unique_product_impressions": uimp,
            "product_clicks": clicks,
            "unique_clicks": visitors,
            "avg_page_views": avg(clicks, days),
            "avg_visitors": avg(visitors, days),
            "avg_conversation_rate": rate(t.buyers.len() as f64, visitors as f64),
        },
        "breakdowns": {
            "content_breakdown": [
                content("SELLER", "LIVE", seller[0]),
                content("CREATOR", "LIVE", creator[0]),
                content("SELLER", "VIDEO", seller[1]),
                content("CREATOR", "VIDEO", creator[1]),
            ],
            "seller_product_card_gmv": m(seller[2]),
            "affiliate_product_card_attributed_gmv": m(creator[2]),
            "shop_tab_and_search": {
                "shop_tab_attributed": m(t.tab[0]),
                "search_attributed": m(t.tab[1]),
                "others": m(t.tab[2]),
            },
        },
    })
}

/// `GET /analytics/202609/shop/performance` (and 202509): `start_date_ge`, `end_date_lt` (required),
/// `granularity` ALL|1D, `currency` LOCAL|USD, `with_comparison`.
pub(super) fn performance(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let win = window(ctx, shop)?;
    let daily = daily(ctx)?;
    let comparison = match ctx.query("with_comparison") {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(v) => {
            return Err(ApiError::invalid(format!(
                "with_comparison must be true or false, got {v:?}."
            )));
        }
    };
    ctx.with_world(|w| {
        let intervals: Vec<Value> = spans(win.start, win.end, daily)
            .into_iter()
            .map(|(a, b)| interval_json(w, shop, &win, a, b))
            .collect();
        let mut performance = json!({"intervals": intervals});
        if comparison {
            let len = win.end - win.start;
            let cmp: Vec<Value> = spans(win.start - len, win.start, daily)
                .into_iter()
                .map(|(a, b)| interval_json(w, shop, &win, a, b))
                .collect();
            performance["comparison_intervals"] = Value::Array(cmp);
        }
        Ok(json!({
            "performance": performance,
            "latest_available_date": ymd(win.latest),
        }))
    })
}
