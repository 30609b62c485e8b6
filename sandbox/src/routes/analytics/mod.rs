//! Analytics: shop performance (202509, 202609), product and video performance lists (202509, 202605)
//! here, and the LIVE paths in `lives` (session list 202509/202609, overview 202609, a session's
//! products 202512). Every figure is derived from the world's orders and products, deterministically:
//! the same world and the same dates give the same answer. Traffic figures (views, impressions) that
//! the world does not model are a fixed function of the seed and the ids, scaled by the sales they go
//! with, so they are plausible and stable.
//!
//! An order counts on the day it was created (UTC) once it is paid and not cancelled. Each order is
//! attributed to one channel: LIVE when it was created during one of the shop's LIVE sessions
//! (`world::lives`: recorded or synthetic), else VIDEO or PRODUCT_CARD by a fixed function of its id.

mod lives;

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::Method;
use actix_web::web;
use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use super::returns::{Order as SortOrder, paginate, sort_order};
use crate::protocol::{ApiError, ApiResult, Category, Ctx, Scope, op};
use crate::world::{Id, Order, OrderStatus, ProductStatus, Region, World, format_amount};

const DAY: i64 = 86_400;
/// The longest window one call may ask for.
const MAX_WINDOW_DAYS: i64 = 365;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Category::Analytics as C;
    use Scope::Shop as S;
    for path in [
        "/analytics/202509/shop/performance",
        "/analytics/202609/shop/performance",
    ] {
        op(cfg, Method::GET, path, C, S, shop_performance);
    }
    lives::configure(cfg);
    for path in [
        "/analytics/202509/shop_products/performance",
        "/analytics/202605/shop_products/performance",
    ] {
        op(cfg, Method::GET, path, C, S, products_performance);
    }
    for path in [
        "/analytics/202509/shop_videos/performance",
        "/analytics/202605/shop_videos/performance",
    ] {
        op(cfg, Method::GET, path, C, S, videos_performance);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Channel {
    Live,
    Video,
    ProductCard,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Channel::Live => "LIVE",
            Channel::Video => "VIDEO",
            Channel::ProductCard => "PRODUCT_CARD",
        }
    }
}

/// A fixed draw in [0, 1) for (seed, id, salt).
pub(super) fn draw(seed: u64, id: u64, salt: u64) -> f64 {
    let mut z =
        seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// LIVE when the order was created during a LIVE session of its shop; else VIDEO for a fixed quarter
/// of orders (by id), PRODUCT_CARD for the rest.
pub(super) fn channel(w: &World, o: &Order) -> Channel {
    if w.live_at(o.shop_id, o.create_time).is_some() {
        return Channel::Live;
    }
    match draw(w.seed, o.id, 1) {
        d if (0.15..0.40).contains(&d) => Channel::Video,
        _ => Channel::ProductCard,
    }
}

pub(super) fn counts(o: &Order) -> bool {
    o.paid_time.is_some() && !matches!(o.status, OrderStatus::Cancelled | OrderStatus::Unpaid)
}

/// Local or USD amounts: (minor units in the region's currency) → (amount string, currency).
#[derive(Clone, Copy)]
pub(super) struct Money {
    region: Region,
    usd: bool,
}

impl Money {
    pub(super) fn fmt(self, minor: i64) -> Value {
        if !self.usd || self.region.currency() == "USD" {
            return json!({"amount": format_amount(minor, self.region), "currency": self.region.currency()});
        }
        // Fixed reference rates: USD cents per major unit of the local currency.
        let cents_per_major = match self.region {
            Region::Us => 100.0,
            Region::Uk => 127.0,
            Region::Sg => 74.0,
            Region::My => 21.0,
            Region::Th => 2.8,
            Region::Ph => 1.7,
            Region::Id => 0.0064,
            Region::Vn => 0.0039,
        };
        let major = minor as f64 / self.region.minor_per_major() as f64;
        let cents = (major * cents_per_major).round() as i64;
        json!({"amount": format_amount(cents, Region::Us), "currency": "USD"})
    }
}

/// The window and options every analytics call shares.
pub(super) struct Window {
    pub(super) start: NaiveDate,
    pub(super) end: NaiveDate,
    pub(super) start_ts: i64,
    pub(super) end_ts: i64,
    pub(super) money: Money,
    pub(super) latest: NaiveDate,
}

fn parse_date(ctx: &Ctx, name: &str) -> Result<NaiveDate, ApiError> {
    let raw = ctx
        .query(name)
        .ok_or_else(|| ApiError::invalid(format!("{name} is required (YYYY-MM-DD).")))?;
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(format!("Invalid {name} {raw:?}: use YYYY-MM-DD.")))
}

pub(super) fn day_start(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or(0)
}

pub(super) fn window(ctx: &Ctx, shop: Id) -> Result<Window, ApiError> {
    let start = parse_date(ctx, "start_date_ge")?;
    let end = parse_date(ctx, "end_date_lt")?;
    window_between(ctx, shop, start, end)
}

/// The UTC day of `ts`.
pub(super) fn date_of(ts: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

/// The window [start, end) with the call's currency.
pub(super) fn window_between(
    ctx: &Ctx,
    shop: Id,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Window, ApiError> {
    if end <= start {
        return Err(ApiError::invalid(
            "end_date_lt must be after start_date_ge.",
        ));
    }
    if (end - start).num_days() > MAX_WINDOW_DAYS {
        return Err(ApiError::invalid(format!(
            "The date range can span at most {MAX_WINDOW_DAYS} days."
        )));
    }
    let today = date_of(ctx.now);
    if start > today {
        return Err(ApiError::invalid(
            "start_date_ge must not be in the future.",
        ));
    }
    let usd = match ctx.query("currency") {
        None | Some("") | Some("LOCAL") => false,
        Some("USD") => true,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "Invalid currency {other:?}: use USD or LOCAL."
            )));
        }
    };
    let region = ctx.with_world(|w| w.region_of(shop));
    Ok(Window {
        start,
        end,
        start_ts: day_start(start),
        end_ts: day_start(end),
        money: Money { region, usd },
        latest: today - Duration::days(1),
    })
}

/// Orders of the shop created in [from, to) that count as sales.
pub(super) fn sales<'a>(
    w: &'a World,
    shop: Id,
    from: i64,
    to: i64,
) -> impl Iterator<Item = &'a Order> + 'a {
    w.orders_by_create
        .range((shop, from, 0)..(shop, to, 0))
        .filter_map(|(_, _, id)| w.orders.get(id))
        .filter(|o| counts(o))
}

pub(super) fn list_page(ctx: &Ctx) -> Result<(usize, Option<String>), ApiError> {
    let size = match ctx.query("page_size") {
        None | Some("") => 10,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n @ 1..=100) => n,
            _ => {
                return Err(ApiError::invalid(format!(
                    "page_size must be between 1 and 100, got {raw:?}."
                )));
            }
        },
    };
    Ok((size, ctx.query("page_token").map(str::to_string)))
}

fn sort_field<'a>(ctx: &'a Ctx, allowed: &[&str]) -> Result<&'a str, ApiError> {
    sort_field_or(ctx, allowed, "gmv")
}

/// `sort_field` among `allowed` (`default` when absent).
pub(super) fn sort_field_or<'a>(
    ctx: &'a Ctx,
    allowed: &[&str],
    default: &'a str,
) -> Result<&'a str, ApiError> {
    match ctx.query("sort_field") {
        None | Some("") => Ok(default),
        Some(f) if allowed.contains(&f) => Ok(f),
        Some(f) => Err(ApiError::invalid(format!(
            "Invalid sort_field {f:?}: use one of {}.",
            allowed.join(", ")
        ))),
    }
}

pub(super) fn rate(num: f64, den: f64) -> String {
    if den <= 0.0 {
        "0.0000".into()
    } else {
        format!("{:.4}", num / den)
    }
}

// ---------------------------------------------------------------------------------------------------
// Shop performance.

#[derive(Default)]
struct Tally {
    gmv: i64,
    by_channel: BTreeMap<Channel, i64>,
    orders: i64,
    units: i64,
    sku_orders: i64,
    buyers: BTreeSet<Id>,
}

fn tally<'a>(w: &World, orders: impl Iterator<Item = &'a Order>) -> Tally {
    let mut t = Tally::default();
    for o in orders {
        let gmv = o.payment.sub_total;
        t.gmv += gmv;
        *t.by_channel.entry(channel(w, o)).or_default() += gmv;
        t.orders += 1;
        t.units += o.line_items.len() as i64;
        t.sku_orders += o
            .line_items
            .iter()
            .map(|l| l.sku_id)
            .collect::<BTreeSet<_>>()
            .len() as i64;
        t.buyers.insert(o.user_id);
    }
    t
}

fn interval_json(w: &World, shop: Id, win: &Window, from: NaiveDate, to: NaiveDate) -> Value {
    let (a, b) = (day_start(from), day_start(to));
    let t = tally(w, sales(w, shop, a, b));
    let refunds: i64 = w
        .returns
        .values()
        .filter(|r| r.shop_id == shop && r.update_time >= a && r.update_time < b)
        .filter(|r| {
            matches!(
                r.status,
                crate::world::ReturnStatus::RequestSuccess
                    | crate::world::ReturnStatus::RequestComplete
            )
        })
        .map(|r| r.refund_total)
        .sum();
    let cancels = w
        .orders_by_update
        .range((shop, a, 0)..(shop, b, 0))
        .filter_map(|(_, _, id)| w.orders.get(id))
        .filter(|o| o.status == OrderStatus::Cancelled)
        .count() as i64
        + w.returns
            .values()
            .filter(|r| r.shop_id == shop && r.create_time >= a && r.create_time < b)
            .count() as i64;
    let days = (to - from).num_days().max(1);
    // Traffic: about 25 page views per order, with a steady floor of browsing.
    let noise = draw(w.seed, shop ^ a as u64, 7);
    let page_views = t.orders * 25 + days * (40 + (noise * 60.0) as i64);
    let impressions = page_views * 8 + (noise * 500.0) as i64;
    let visitors = page_views * 6 / 10;
    let split = |total: i64| -> Vec<Value> {
        [Channel::Live, Channel::Video, Channel::ProductCard]
            .iter()
            .map(|c| {
                let share = t.by_channel.get(c).copied().unwrap_or(0) as f64 / t.gmv.max(1) as f64;
                let share = if t.gmv == 0 {
                    match c {
                        Channel::Live => 0.15,
                        Channel::Video => 0.25,
                        Channel::ProductCard => 0.6,
                    }
                } else {
                    share
                };
                json!({"type": c.as_str(), "amount": (total as f64 * share).round() as i64})
            })
            .collect()
    };
    let gmv_breakdowns: Vec<Value> = [Channel::Live, Channel::Video, Channel::ProductCard]
        .iter()
        .map(|c| {
            let mut m = win.money.fmt(t.by_channel.get(c).copied().unwrap_or(0));
            m["type"] = json!(c.as_str());
            m
        })
        .collect();
    json!({
        "start_date": from.format("%Y-%m-%d").to_string(),
        "end_date": to.format("%Y-%m-%d").to_string(),
        "gmv": win.money.fmt(t.gmv),
        "gmv_breakdowns": gmv_breakdowns,
        "orders": t.orders,
        "sku_orders": t.sku_orders,
        "units_sold": t.units,
        "buyers": t.buyers.len(),
        "buyer_breakdowns": split(t.buyers.len() as i64),
        "avg_order_value": win.money.fmt(if t.orders > 0 { t.gmv / t.orders } else { 0 }),
        "product_impressions": impressions,
        "product_impression_breakdowns": split(impressions),
        "product_page_views": page_views,
        "product_page_view_breakdowns": split(page_views),
        "avg_product_page_visitors": visitors / days,
        "avg_product_page_visitor_breakdowns": split(visitors / days),
        "refunds": win.money.fmt(refunds),
        "cancellations_and_returns": cancels,
    })
}

fn shop_performance(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let win = window(ctx, shop)?;
    let daily = match ctx.query("granularity") {
        None | Some("") | Some("ALL") => false,
        Some("1D") => true,
        Some(g) => {
            return Err(ApiError::invalid(format!(
                "Invalid granularity {g:?}: use ALL or 1D."
            )));
        }
    };
    let comparison = match ctx.query("with_comparison") {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(v) => return Err(ApiError::invalid(format!("Invalid with_comparison {v:?}."))),
    };
    ctx.with_world(|w| {
        let spans = |from: NaiveDate, to: NaiveDate| -> Vec<(NaiveDate, NaiveDate)> {
            if daily {
                from.iter_days()
                    .take_while(|d| *d < to)
                    .map(|d| (d, d + Duration::days(1)))
                    .collect()
            } else {
                vec![(from, to)]
            }
        };
        let intervals: Vec<Value> = spans(win.start, win.end)
            .into_iter()
            .map(|(a, b)| interval_json(w, shop, &win, a, b))
            .collect();
        let mut performance = json!({"intervals": intervals});
        if comparison {
            let len = win.end - win.start;
            let (ca, cb) = (win.start - len, win.start);
            let cmp: Vec<Value> = spans(ca, cb)
                .into_iter()
                .map(|(a, b)| interval_json(w, shop, &win, a, b))
                .collect();
            performance["comparison_intervals"] = Value::Array(cmp);
        }
        Ok(json!({
            "performance": performance,
            "latest_available_date": win.latest.format("%Y-%m-%d").to_string(),
        }))
    })
}

// ---------------------------------------------------------------------------------------------------
// Products.

#[derive(Default, Clone)]
struct ProductTally {
    gmv: i64,
    orders: BTreeSet<Id>,
    units: i64,
    by_channel: BTreeMap<Channel, i64>,
}

fn product_tallies(w: &World, shop: Id, win: &Window) -> BTreeMap<Id, ProductTally> {
    let mut out: BTreeMap<Id, ProductTally> = BTreeMap::new();
    for o in sales(w, shop, win.start_ts, win.end_ts) {
        let ch = channel(w, o);
        for l in &o.line_items {
            let t = out.entry(l.product_id).or_default();
            t.gmv += l.sale_price;
            t.orders.insert(o.id);
            t.units += 1;
            *t.by_channel.entry(ch).or_default() += l.sale_price;
        }
    }
    out
}

fn products_performance(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let win = window(ctx, shop)?;
    let (page_size, token) = list_page(ctx)?;
    let field = sort_field(
        ctx,
        &[
            "gmv",
            "orders",
            "order_count",
            "units_sold",
            "unit_sold_count",
            "click_through_rate",
        ],
    )?
    .to_string();
    let order = sort_order(ctx, SortOrder::Desc)?;
    let status_filter = match ctx.query("product_status_filter") {
        None | Some("") | Some("ALL") => None,
        Some("LIVE") | Some("ACTIVATE") => Some(true),
        Some("INACTIVE") => Some(false),
        Some(s) => {
            return Err(ApiError::invalid(format!(
                "Invalid product_status_filter {s:?}."
            )));
        }
    };
    let categories: Vec<Id> = ctx
        .query_list("category_filter")
        .iter()
        .map(|c| {
            crate::world::parse_id(c)
                .ok_or_else(|| ApiError::invalid(format!("Invalid category id {c:?}.")))
        })
        .collect::<Result<_, _>>()?;
    let rows = ctx.with_world(|w| {
        let tallies = product_tallies(w, shop, &win);
        let days = (win.end - win.start).num_days().max(1);
        w.products_by_create
            .range((shop, i64::MIN, 0)..=(shop, i64::MAX, Id::MAX))
            .filter_map(|(_, _, id)| w.products.get(id))
            .filter(|p| p.status != ProductStatus::Deleted)
            .filter(|p| {
                status_filter.is_none_or(|live| (p.status == ProductStatus::Activate) == live)
            })
            .filter(|p| categories.is_empty() || categories.contains(&p.category_id))
            .map(|p| {
                let t = tallies.get(&p.id).cloned().unwrap_or_default();
                let impressions =
                    t.units * 120 + days * (10 + (draw(w.seed, p.id, 3) * 40.0) as i64);
                let page_views = impressions / 9 + t.units * 4;
                let ctr = rate(page_views as f64, impressions as f64);
                let breakdown: Vec<Value> = [Channel::Live, Channel::Video, Channel::ProductCard]
                    .iter()
                    .map(|c| {
                        let mut m = win.money.fmt(t.by_channel.get(c).copied().unwrap_or(0));
                        m["type"] = json!(c.as_str());
                        m
                    })
                    .collect();
                let key = match field.as_str() {
                    "orders" | "order_count" => t.orders.len() as i64,
                    "units_sold" | "unit_sold_count" => t.units,
                    "click_through_rate" => (page_views * 1_000_000) / impressions.max(1),
                    _ => t.gmv,
                };
                let item = json!({
                    "id": p.id.to_string(),
                    "title": p.title,
                    "gmv": win.money.fmt(t.gmv),
                    "gmv_breakdowns": breakdown,
                    "orders": t.orders.len(),
                    "units_sold": t.units,
                    "impressions": impressions,
                    "page_views": page_views,
                    "click_through_rate": ctr,
                });
                (key, p.id, item)
            })
            .collect::<Vec<_>>()
    });
    let (items, next, total) = paginate(rows, order, page_size, token.as_deref())?;
    Ok(json!({
        "products": items,
        "next_page_token": next,
        "total_count": total,
        "latest_available_date": win.latest.format("%Y-%m-%d").to_string(),
    }))
}

// ---------------------------------------------------------------------------------------------------
// Videos: a fixed catalogue of shoppable videos per shop (the world has none), each showing up to three
// of the shop's products; a VIDEO-channel order line counts for the first video, posted before the
// order, that shows its product.

const VIDEO_TITLES: &[&str] = &[
    "Unboxing our bestsellers",
    "3 ways to style it",
    "Behind the scenes at the warehouse",
    "Customer favourites this week",
    "How it is made",
    "Honest review: one month later",
    "Packing orders with us",
    "New arrivals try-on",
];
const CREATORS: &[&str] = &[
    "oceanoutfitters",
    "style.with.mia",
    "daily.deals.dan",
    "gadgetgrace",
    "homewithhana",
];

struct Video {
    id: Id,
    title: String,
    username: &'static str,
    post_time: i64,
    products: Vec<Id>,
}

fn videos_of(w: &World, shop: Id, now: i64) -> Vec<Video> {
    let products: Vec<Id> = w
        .products_by_create
        .range((shop, i64::MIN, 0)..=(shop, i64::MAX, Id::MAX))
        .map(|(_, _, id)| *id)
        .filter(|id| {
            w.products
                .get(id)
                .is_some_and(|p| p.status != ProductStatus::Deleted)
        })
        .collect();
    if products.is_empty() {
        return Vec::new();
    }
    // One video every five days over the last 120 days.
    (0..24u64)
        .map(|i| {
            let id = 7_400_000_000_000_000_000u64 + (shop % 1_000_000_000) * 1_000 + i;
            let post_time = now - (i as i64) * 5 * DAY - (draw(w.seed, id, 4) * DAY as f64) as i64;
            let first = (draw(w.seed, id, 5) * products.len() as f64) as usize;
            let linked: Vec<Id> = (0..3.min(products.len()))
                .map(|k| products[(first + k * 7) % products.len()])
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            Video {
                id,
                title: VIDEO_TITLES[i as usize % VIDEO_TITLES.len()].to_string(),
                username: CREATORS
                    [(draw(w.seed, id, 6) * CREATORS.len() as f64) as usize % CREATORS.len()],
                post_time,
                products: linked,
            }
        })
        .collect()
}

/// (gmv, distinct (order, SKU) pairs, units) of one video.
type VideoTally = (i64, BTreeSet<(Id, Id)>, i64);

fn videos_performance(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let win = window(ctx, shop)?;
    let (page_size, token) = list_page(ctx)?;
    let field = sort_field(
        ctx,
        &[
            "gmv",
            "sku_orders",
            "units_sold",
            "views",
            "click_through_rate",
        ],
    )?
    .to_string();
    let order = sort_order(ctx, SortOrder::Desc)?;
    match ctx.query("account_type") {
        None | Some("") | Some("ALL") | Some("LINKED_ACCOUNTS") | Some("AFFILIATES") => {}
        Some(a) => return Err(ApiError::invalid(format!("Invalid account_type {a:?}."))),
    }
    let now = ctx.now;
    let rows = ctx.with_world(|w| {
        let videos = videos_of(w, shop, now);
        let mut gmv: BTreeMap<Id, VideoTally> = BTreeMap::new();
        for o in sales(w, shop, win.start_ts, win.end_ts) {
            if channel(w, o) != Channel::Video {
                continue;
            }
            for l in &o.line_items {
                let v = videos
                    .iter()
                    .filter(|v| v.post_time <= o.create_time && v.products.contains(&l.product_id))
                    .min_by_key(|v| v.id);
                if let Some(v) = v {
                    let e = gmv.entry(v.id).or_default();
                    e.0 += l.sale_price;
                    e.1.insert((o.id, l.sku_id));
                    e.2 += 1;
                }
            }
        }
        videos
            .iter()
            .filter(|v| v.post_time < win.end_ts)
            .map(|v| {
                let (g, sku_orders, units) = gmv.get(&v.id).cloned().unwrap_or_default();
                let views = 800 + (draw(w.seed, v.id, 8) * 20_000.0) as i64 + units * 300;
                let clicks = views / 25 + units * 3;
                let key = match field.as_str() {
                    "sku_orders" => sku_orders.len() as i64,
                    "units_sold" => units,
                    "views" => views,
                    "click_through_rate" => clicks * 1_000_000 / views.max(1),
                    _ => g,
                };
                let products: Vec<Value> = v
                    .products
                    .iter()
                    .filter_map(|p| w.products.get(p))
                    .map(|p| json!({"id": p.id.to_string(), "name": p.title}))
                    .collect();
                let posted = chrono::DateTime::from_timestamp(v.post_time, 0)
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_default();
                let item = json!({
                    "id": v.id.to_string(),
                    "title": v.title,
                    "username": v.username,
                    "video_post_time": posted,
                    "gmv": win.money.fmt(g),
                    "sku_orders": sku_orders.len(),
                    "units_sold": units,
                    "views": views,
                    "click_through_rate": rate(clicks as f64, views as f64),
                    "products": products,
                });
                (key, v.id, item)
            })
            .collect::<Vec<_>>()
    });
    let (items, next, total) = paginate(rows, order, page_size, token.as_deref())?;
    Ok(json!({
        "videos": items,
        "next_page_token": next,
        "total_count": total,
        "latest_available_date": win.latest.format("%Y-%m-%d").to_string(),
    }))
}
