//! Videos: the list `GET /analytics/202605/shop_videos/performance` (and 202509) and one video's
//! detail `GET /analytics/202509/shop_videos/{video_id}/performance`, over the shop's video calendar
//! (`world::videos`).
//!
//! A video's `gmv` (= `attributed_gmv`) is the sum of `sale_price` of the line items
//! `world::attribution` gives it, in the shop's paid orders created in the window; `items_sold` their
//! number, `sku_orders` their distinct (order, SKU) pairs; the videos' GMVs add up to shop
//! performance's `video_gmv`. Views fall day by day after posting (a fixed function of the seed and
//! the video), plus 150 per unit sold that day; the other traffic follows from views.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::{
    Money, Sold, daily, day_start, draw, list_answer, list_page, rate, sold, sort_field_or, spans,
    window, ymd,
};
use crate::protocol::{ApiError, ApiResult, Ctx};
use crate::routes::returns::{Order as SortOrder, paginate, sort_order};
use crate::world::attribution::{Channel, VIDEO_REACH};
use crate::world::videos::Video;
use crate::world::{Id, World};

/// Assumed: the video named is not one of the shop's (or not posted yet).
pub const VIDEO_NOT_FOUND: i64 = 35001002;
const DAY: i64 = 86_400;
/// Views stop this many days after posting.
const VIEW_DAYS: i64 = 45;

#[derive(Default, Clone)]
struct Sales {
    gmv: i64,
    items: i64,
    sku_orders: BTreeSet<(Id, Id)>,
    customers: BTreeSet<Id>,
}

#[derive(Default)]
struct VideoTally {
    total: Sales,
    /// day number → units sold that day.
    units_by_day: BTreeMap<i64, i64>,
    by_product: BTreeMap<Id, Sales>,
}

/// What each video sold in `sales` (only the units attributed to a video).
fn tallies(sales: &[Sold<'_>], from: i64, to: i64) -> BTreeMap<Id, VideoTally> {
    let mut out: BTreeMap<Id, VideoTally> = BTreeMap::new();
    for s in sales
        .iter()
        .filter(|s| s.order.create_time >= from && s.order.create_time < to)
    {
        let o = s.order;
        for (l, src) in o.line_items.iter().zip(&s.sources) {
            let (Channel::Video, Some(v)) = (src.channel, src.content_id) else {
                continue;
            };
            let t = out.entry(v).or_default();
            for part in [&mut t.total, t.by_product.entry(l.product_id).or_default()] {
                part.gmv += l.sale_price;
                part.items += 1;
                part.sku_orders.insert((o.id, l.sku_id));
                part.customers.insert(o.user_id);
            }
            *t.units_by_day
                .entry(o.create_time.div_euclid(DAY))
                .or_default() += 1;
        }
    }
    out
}

/// Views of a video on day `day` (unix day number), before the sales-driven part.
fn organic_views(w: &World, v: &Video, day: i64) -> i64 {
    let age = day - v.day();
    if !(0..=VIEW_DAYS).contains(&age) {
        return 0;
    }
    let base = 500.0 + draw(w.seed, v.id, 8) * 20_000.0;
    (base * 0.6f64.powi(age as i32)).round() as i64
}

/// Views over the days [from, to) (day numbers), up to today.
fn views(w: &World, v: &Video, t: Option<&VideoTally>, from: i64, to: i64, today: i64) -> i64 {
    let last = to.min(today + 1).min(v.day() + VIEW_DAYS + 1);
    let organic: i64 = (from.max(v.day())..last)
        .map(|d| organic_views(w, v, d))
        .sum();
    let sold: i64 = t
        .map(|t| t.units_by_day.range(from..to).map(|(_, n)| n).sum())
        .unwrap_or(0);
    organic + 150 * sold
}

struct Traffic {
    views: i64,
    impressions: i64,
    clicks: i64,
}

fn traffic(views: i64, items: i64) -> Traffic {
    let impressions = views * 6 / 10;
    Traffic {
        views,
        impressions,
        clicks: impressions / 20 + items * 3,
    }
}

/// GMV per thousand views, as money.
fn gpm(money: Money, gmv: i64, views: i64) -> Value {
    money.fmt(if views > 0 { gmv * 1000 / views } else { 0 })
}

fn creator_json(w: &World, shop: Id, v: &Video) -> Value {
    match v.creator {
        Some(c) => {
            let c = &w.creators[c];
            json!({
                "creator_id": c.user_id.to_string(),
                "open_id": c.open_id,
                "user_name": c.username,
                "nick_name": c.nickname,
                "author_type": "AFFILIATE",
                "creator_country": c.region,
            })
        }
        None => {
            let s = w.shops.get(&shop);
            let seller = s.and_then(|s| w.sellers.get(&s.seller_id));
            json!({
                "creator_id": (6_800_000_000_000_000_000 + shop % 1_000_000_000_000).to_string(),
                "open_id": seller.map(|x| x.open_id.clone()),
                "user_name": w.video_username(v),
                "nick_name": s.map(|s| s.name.clone()),
                "author_type": "OFFICIAL",
                "creator_country": s.map(|s| s.region.code()),
            })
        }
    }
}

fn products_json(w: &World, v: &Video) -> Vec<Value> {
    v.products
        .iter()
        .map(|p| json!({"id": p.to_string(), "name": w.products.get(p).map(|x| x.title.clone())}))
        .collect()
}

const LIST_SORTS: [&str; 8] = [
    "avg_customers",
    "click_through_rate",
    "gmv",
    "gpm",
    "items_sold",
    "post_time",
    "sku_orders",
    "views",
];

/// `GET /analytics/202605/shop_videos/performance` (and 202509): the shop's videos that could sell in
/// the window (posted from 60 days before it to its end, and by now), with their figures in it;
/// `account_type` ALL (default) | OFFICIAL_ACCOUNTS (the shop's own) | MARKETING_ACCOUNTS (none) |
/// AFFILIATE_ACCOUNTS (creators'); `sort_field` one of the sheet's (default gmv), `sort_order`,
/// `page_size` 1–100 (default 10), `page_token`, `currency`.
pub(super) fn list(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let win = window(ctx, shop)?;
    let (page_size, token) = list_page(ctx)?;
    let field = sort_field_or(ctx, &LIST_SORTS, "gmv")?.to_string();
    let order = sort_order(ctx, SortOrder::Desc)?;
    let account = match ctx.query("account_type") {
        None | Some("") | Some("ALL") => "ALL",
        Some(a @ ("OFFICIAL_ACCOUNTS" | "MARKETING_ACCOUNTS" | "AFFILIATE_ACCOUNTS")) => a,
        Some(a) => {
            return Err(ApiError::invalid(format!(
                "account_type: invalid value {a:?}; use ALL, OFFICIAL_ACCOUNTS, MARKETING_ACCOUNTS or AFFILIATE_ACCOUNTS."
            )));
        }
    }
    .to_string();
    let now = ctx.now;
    let money = win.money;
    let rows = ctx.with_world(|w| {
        let (_, sales) = sold(w, shop, win.start_ts, win.end_ts);
        let tallies = tallies(&sales, win.start_ts, win.end_ts);
        let days = (win.end - win.start).num_days().max(1);
        let (first_day, end_day, today) = (
            win.start_ts.div_euclid(DAY),
            win.end_ts.div_euclid(DAY),
            now.div_euclid(DAY),
        );
        w.videos_posted(shop, win.start_ts - VIDEO_REACH, win.end_ts.min(now + 1))
            .into_iter()
            .filter(|v| match account.as_str() {
                "OFFICIAL_ACCOUNTS" => v.creator.is_none(),
                "AFFILIATE_ACCOUNTS" => v.creator.is_some(),
                "MARKETING_ACCOUNTS" => false,
                _ => true,
            })
            .map(|v| {
                let t = tallies.get(&v.id);
                let s = t.map(|t| t.total.clone()).unwrap_or_default();
                let tr = traffic(views(w, &v, t, first_day, end_day, today), s.items);
                let avg_customers =
                    (s.customers.len() as f64 / days as f64 * 100.0).round() / 100.0;
                let key = match field.as_str() {
                    "avg_customers" => s.customers.len() as i64,
                    "click_through_rate" => tr.clicks * 1_000_000 / tr.impressions.max(1),
                    "gpm" => {
                        if tr.views > 0 {
                            s.gmv * 1000 / tr.views
                        } else {
                            0
                        }
                    }
                    "items_sold" => s.items,
                    "post_time" => v.post_time,
                    "sku_orders" => s.sku_orders.len() as i64,
                    "views" => tr.views,
                    _ => s.gmv,
                };
                let item = json!({
                    "id": v.id.to_string(),
                    "title": v.title,
                    "username": w.video_username(&v),
                    "video_post_time": v.post_time,
                    "duration": v.duration,
                    "hash_tags": v.hash_tags,
                    "creator": creator_json(w, shop, &v),
                    "products": products_json(w, &v),
                    "views": tr.views,
                    "likes": tr.views / 12,
                    "comments": tr.views / 90,
                    "shares": tr.views / 150,
                    "new_followers": tr.views / 400,
                    "gmv": money.fmt(s.gmv),
                    "attributed_gmv": money.fmt(s.gmv),
                    "indirect_gmv": money.fmt(0),
                    "gpm": gpm(money, s.gmv, tr.views),
                    "items_sold": s.items,
                    "sku_orders": s.sku_orders.len(),
                    "avg_customers": avg_customers,
                    "product_impressions": tr.impressions,
                    "product_clicks": tr.clicks,
                    "click_through_rate": rate(tr.clicks as f64, tr.impressions as f64),
                    "ctor": rate(s.sku_orders.len() as f64, tr.clicks as f64),
                    "video_finish_rate": rate(10.0 + draw(w.seed, v.id, 9) * 50.0, 100.0),
                    "v_to_l_clicks": 0,
                    "v_to_l_rate": rate(0.0, 1.0),
                    "advertisable": draw(w.seed, v.id, 10) < 0.5,
                });
                (key, v.id, item)
            })
            .collect::<Vec<_>>()
    });
    let (items, next, total) = paginate(rows, order, page_size, token.as_deref())?;
    Ok(list_answer("videos", items, next, total, win.latest))
}

/// The sales block of a video (or one of its products, whose share of the views is `view_base`).
fn sales_json(money: Money, s: &Sales, views: i64, view_base: i64) -> Value {
    let tr = traffic(view_base, s.items);
    json!({
        "gmv": money.fmt(s.gmv),
        "gpm": gpm(money, s.gmv, views),
        "customers": s.customers.len(),
        "items_sold": s.items,
        "ctr": rate(tr.clicks as f64, tr.impressions as f64),
        "product_impressions": tr.impressions,
        "product_clicks": tr.clicks,
    })
}

fn detail_interval(
    w: &World,
    v: &Video,
    money: Money,
    sales: &[Sold<'_>],
    span: (NaiveDate, NaiveDate),
    today: i64,
) -> Value {
    let (from, to) = span;
    let (a, b) = (day_start(from), day_start(to));
    let tallies = tallies(sales, a, b);
    let t = tallies.get(&v.id);
    let views = views(w, v, t, a.div_euclid(DAY), b.div_euclid(DAY), today);
    let empty = Sales::default();
    let total = t.map(|t| &t.total).unwrap_or(&empty);
    let n = v.products.len().max(1) as i64;
    let breakdowns: Vec<Value> = v
        .products
        .iter()
        .map(|p| {
            let s = t.and_then(|t| t.by_product.get(p)).unwrap_or(&empty);
            let mut row = sales_json(money, s, views, views / n);
            row["product_id"] = json!(p.to_string());
            row
        })
        .collect();
    json!({
        "start_date": ymd(from),
        "end_date": ymd(to),
        "sales": {
            "overall": sales_json(money, total, views, views),
            "breakdowns": breakdowns,
        },
        "traffic": {
            "views": views,
            "likes": views / 12,
            "comments": views / 90,
            "shares": views / 150,
            "new_followers": views / 400,
        },
    })
}

/// Fixed audience of a video: viewers and new followers by gender, age and country.
fn viewer_profile(w: &World, v: &Video, country: &str) -> Value {
    let profile = |kind: &str, salt: u64| {
        let female = 0.35 + draw(w.seed, v.id, salt) * 0.4;
        let ages: Vec<Value> = ["18-24", "25-34", "35-44", "45-54", "55+"]
            .iter()
            .zip([0.3, 0.34, 0.18, 0.11, 0.07])
            .map(|(age, p)| json!({"age": age, "percentage": rate(p, 1.0)}))
            .collect();
        json!({
            "type": kind,
            "gender_distribution": [
                {"gender": "FEMALE", "percentage": rate(female, 1.0)},
                {"gender": "MALE", "percentage": rate(1.0 - female, 1.0)},
            ],
            "age_distribution": ages,
            "country_distribution": [
                {"country_code": country, "percentage": rate(0.92, 1.0)},
                {"country_code": "CA", "percentage": rate(0.08, 1.0)},
            ],
        })
    };
    json!([profile("VIEWERS", 11), profile("NEW_FOLLOWER", 12)])
}

/// `GET /analytics/202509/shop_videos/{video_id}/performance`: `start_date_ge`, `end_date_lt`,
/// `granularity`, `currency` → `performance{intervals[…], viewer_profile[…]}` and
/// `latest_available_date`. A video that is not the shop's (or not posted yet) is 35001002 (assumed).
pub(super) fn detail(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("video_id")?;
    let win = window(ctx, shop)?;
    let daily = daily(ctx)?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let v = w.video_by_id(shop, id, now).ok_or_else(|| {
            ApiError::business(
                VIDEO_NOT_FOUND,
                format!("video_id: {id} is not a video of this shop."),
            )
        })?;
        let (_, sales) = sold(w, shop, win.start_ts, win.end_ts);
        let today = now.div_euclid(DAY);
        let intervals: Vec<Value> = spans(win.start, win.end, daily)
            .into_iter()
            .map(|span| detail_interval(w, &v, win.money, &sales, span, today))
            .collect();
        let country = w.region_of(shop).code();
        Ok(json!({
            "performance": {"intervals": intervals, "viewer_profile": viewer_profile(w, &v, country)},
            "latest_available_date": ymd(win.latest),
        }))
    })
}
