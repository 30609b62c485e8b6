//! Analytics (tiktok-api-areas.md §5): the shared window, money and paging here; shop performance
//! (202509, 202609) in `shop`, the product list (202509, 202605) and one product's detail (202509) in
//! `products`, the video list (202509, 202605) and one video's detail (202509) in `videos`, the LIVE
//! paths in `lives` (session list 202509/202609, overview 202609, a session's products 202512).
//!
//! Every sales figure is a sum over the shop's **paid orders** (`paid_time` set, even if cancelled or
//! returned later) **created** in the interval, by UTC day: GMV is the sum of their line items'
//! `sale_price` (= `payment.sub_total`), items sold their line items (one unit each), orders their
//! number. Where each
//! unit came from (LIVE, VIDEO, PRODUCT_CARD; the seller's or a creator's) is `world::attribution`'s,
//! which affiliate orders read too. Traffic figures (views, impressions) that the world does not model
//! are a fixed function of the seed, the ids and the day, scaled by the sales they go with.

mod lives;
mod products;
mod shop;
mod videos;

use actix_web::http::Method;
use actix_web::web;
use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use crate::protocol::{ApiError, Category, Ctx, Scope, op};
pub(super) use crate::world::attribution::draw;
use crate::world::attribution::{Attributor, Source};
use crate::world::{Id, Order, Region, World, format_amount};

/// The longest window one call may ask for.
const MAX_WINDOW_DAYS: i64 = 365;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Category::Analytics as C;
    use Scope::Shop as S;
    for path in [
        "/analytics/202509/shop/performance",
        "/analytics/202609/shop/performance",
    ] {
        op(cfg, Method::GET, path, C, S, shop::performance);
    }
    lives::configure(cfg);
    for path in [
        "/analytics/202509/shop_products/performance",
        "/analytics/202605/shop_products/performance",
    ] {
        op(cfg, Method::GET, path, C, S, products::list);
    }
    op(
        cfg,
        Method::GET,
        "/analytics/202509/shop_products/{product_id}/performance",
        C,
        S,
        products::detail,
    );
    for path in [
        "/analytics/202509/shop_videos/performance",
        "/analytics/202605/shop_videos/performance",
    ] {
        op(cfg, Method::GET, path, C, S, videos::list);
    }
    op(
        cfg,
        Method::GET,
        "/analytics/202509/shop_videos/{video_id}/performance",
        C,
        S,
        videos::detail,
    );
}

/// An order counts as a sale once it is paid (`paid_time` set), and stays counted if it is cancelled
/// or returned later: GMV is gross, as TikTok reports it; cancellations and refunds are their own
/// figures.
pub(super) fn counts(o: &Order) -> bool {
    o.paid_time.is_some()
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
        latest: today,
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

/// `granularity`: ALL (one interval, the default) or 1D (one a day).
pub(super) fn daily(ctx: &Ctx) -> Result<bool, ApiError> {
    match ctx.query("granularity") {
        None | Some("") | Some("ALL") => Ok(false),
        Some("1D") => Ok(true),
        Some(g) => Err(ApiError::invalid(format!(
            "granularity: invalid value {g:?}; use ALL or 1D."
        ))),
    }
}

/// The intervals of [from, to): one, or one per day.
pub(super) fn spans(from: NaiveDate, to: NaiveDate, daily: bool) -> Vec<(NaiveDate, NaiveDate)> {
    if daily {
        from.iter_days()
            .take_while(|d| *d < to)
            .map(|d| (d, d + Duration::days(1)))
            .collect()
    } else {
        vec![(from, to)]
    }
}

pub(super) fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A sale and where each of its units came from.
pub(super) struct Sold<'a> {
    pub(super) order: &'a Order,
    pub(super) sources: Vec<Source>,
}

/// The shop's sales created in [from, to) with their sources, and the attributor that made them (it
/// knows the videos).
pub(super) fn sold(w: &World, shop: Id, from: i64, to: i64) -> (Attributor<'_>, Vec<Sold<'_>>) {
    let att = Attributor::new(w, shop, from, to);
    let list = sales(w, shop, from, to)
        .map(|o| Sold {
            order: o,
            sources: att.order(o),
        })
        .collect();
    (att, list)
}

/// `part` of `whole_value`, in proportion `share / whole` (for an order's tax or shipping per line).
pub(super) fn share(whole_value: i64, share: i64, whole: i64) -> i64 {
    if whole <= 0 {
        0
    } else {
        whole_value * share / whole
    }
}

/// An average (`total / count`) rounded half up, 0 for no count.
pub(super) fn avg(total: i64, count: i64) -> i64 {
    if count <= 0 {
        0
    } else {
        (total * 2 + count) / (count * 2)
    }
}

/// The page's rows and the shared list fields: `{<key>: items (left out when empty), total_count,
/// next_page_token, latest_available_date}`.
pub(super) fn list_answer(
    key: &str,
    items: Vec<Value>,
    next: String,
    total: usize,
    latest: NaiveDate,
) -> Value {
    let mut out = json!({
        "next_page_token": next,
        "total_count": total,
        "latest_available_date": ymd(latest),
    });
    if !items.is_empty() {
        out[key] = Value::Array(items);
    }
    out
}
