//! LIVE analytics: the session list (`GET /analytics/202609/shop_lives/performance`, and 202509), the
//! overview (`GET /analytics/202609/shop_lives/overview_performance`) and one session's products
//! (`GET /analytics/202512/shop/{live_id}/products_performance`).
//!
//! Sessions are the world's (`world::lives`): recorded through the control plane, or the synthetic
//! evening LIVEs. A session's sales are the orders created inside its [start, end): `live_gmv` and
//! `live_attributed_gmv` are the sum of `payment.sub_total` of those that were paid (even if
//! cancelled later, as shop performance counts GMV), items sold their units, so a client can reconcile
//! them with its orders. The list shows a session once it has ended (TikTok reports after the fact). Traffic and
//! interaction figures are a fixed function of the seed and the session id, scaled by its sales.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::Method;
use actix_web::web;
use chrono::Duration;
use serde_json::{Value, json};

use super::{
    Money, Window, counts, date_of, day_start, draw, list_page, rate, sort_field_or, window,
    window_between,
};
use crate::protocol::{ApiError, ApiResult, Category, Ctx, Scope, op};
use crate::routes::returns::{Order as SortOrder, paginate, sort_order};
use crate::world::{Id, LiveWindow, World};

/// Assumed: the LIVE named by `live_id` is not one of the shop's, or has not ended yet.
pub const LIVE_NOT_FOUND: i64 = 35001001;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    use Category::Analytics as C;
    use Scope::Shop as S;
    for path in [
        "/analytics/202509/shop_lives/performance",
        "/analytics/202609/shop_lives/performance",
    ] {
        op(cfg, Method::GET, path, C, S, list);
    }
    op(
        cfg,
        Method::GET,
        "/analytics/202609/shop_lives/overview_performance",
        C,
        S,
        overview,
    );
    op(
        cfg,
        Method::GET,
        "/analytics/202512/shop/{live_id}/products_performance",
        C,
        S,
        products,
    );
}

/// One product's sales in a session.
#[derive(Default, Clone)]
struct ProductSales {
    gmv: i64,
    items: i64,
    customers: BTreeSet<Id>,
    /// (order, SKU) pairs created, and paid.
    created_sku_orders: BTreeSet<(Id, Id)>,
    sku_orders: BTreeSet<(Id, Id)>,
    main_orders: BTreeSet<Id>,
}

/// A session's sales, from the orders created during it.
#[derive(Default)]
struct Sales {
    gmv: i64,
    orders: i64,
    created_orders: i64,
    created_sku_orders: i64,
    sku_orders: i64,
    items: i64,
    customers: BTreeSet<Id>,
    by_product: BTreeMap<Id, ProductSales>,
}

fn sales_of(w: &World, s: &LiveWindow) -> Sales {
    let mut t = Sales::default();
    for (_, _, id) in w
        .orders_by_create
        .range((s.shop_id, s.start, 0)..(s.shop_id, s.end, 0))
    {
        let Some(o) = w.orders.get(id) else {
            continue;
        };
        let paid = counts(o);
        let skus: BTreeSet<Id> = o.line_items.iter().map(|l| l.sku_id).collect();
        t.created_orders += 1;
        t.created_sku_orders += skus.len() as i64;
        if paid {
            t.gmv += o.payment.sub_total;
            t.orders += 1;
            t.sku_orders += skus.len() as i64;
            t.items += o.line_items.len() as i64;
            t.customers.insert(o.user_id);
        }
        for l in &o.line_items {
            let p = t.by_product.entry(l.product_id).or_default();
            p.created_sku_orders.insert((o.id, l.sku_id));
            if paid {
                p.gmv += l.sale_price;
                p.items += 1;
                p.customers.insert(o.user_id);
                p.sku_orders.insert((o.id, l.sku_id));
                p.main_orders.insert(o.id);
            }
        }
    }
    t
}

/// Plausible, stable traffic for a session.
struct Traffic {
    viewers: i64,
    views: i64,
    impressions: i64,
    product_impressions: i64,
    product_clicks: i64,
    avg_viewing_duration: i64,
    likes: i64,
    comments: i64,
    shares: i64,
    new_followers: i64,
}

fn traffic_of(w: &World, id: Id, t: &Sales) -> Traffic {
    let viewers = 150 + (draw(w.seed, id, 9) * 3_000.0) as i64 + t.orders * 40;
    let views = viewers * 2 + (draw(w.seed, id, 10) * 500.0) as i64;
    let impressions = views * 3;
    let product_impressions = views;
    let product_clicks = product_impressions / 12 + t.items * 2;
    Traffic {
        viewers,
        views,
        impressions,
        product_impressions,
        product_clicks,
        avg_viewing_duration: 45 + (draw(w.seed, id, 11) * 120.0) as i64,
        likes: views * 2,
        comments: views / 15,
        shares: views / 60,
        new_followers: viewers / 30,
    }
}

/// GMV per thousand (views or impressions), as money.
fn per_mille(money: Money, gmv: i64, base: i64) -> Value {
    money.fmt(if base > 0 { gmv * 1000 / base } else { 0 })
}

fn session_json(w: &World, s: &LiveWindow, money: Money) -> (Sales, Value) {
    let t = sales_of(w, s);
    let tr = traffic_of(w, s.id, &t);
    let hours = ((s.end - s.start) as f64 / 3_600.0).max(1.0 / 60.0);
    let products_sold = t.by_product.values().filter(|p| p.items > 0).count() as i64;
    let v = json!({
        "id": s.id.to_string(),
        "title": s.title,
        "start_time": s.start.to_string(),
        "end_time": s.end.to_string(),
        "creator": {"username": s.username},
        "sales_performance": {
            "live_gmv": money.fmt(t.gmv),
            "live_attributed_gmv": money.fmt(t.gmv),
            "live_indirect_gmv": money.fmt(0),
            "live_attributed_orders": t.orders,
            "live_attributed_sku_orders": t.sku_orders,
            "live_attributed_items_sold": t.items,
            "attributed_customers": t.customers.len(),
            "created_sku_orders": t.created_sku_orders,
            "products_sold": products_sold,
            "aov": money.fmt(if t.orders > 0 { t.gmv / t.orders } else { 0 }),
            "avg_price": money.fmt(if t.items > 0 { t.gmv / t.items } else { 0 }),
            "payment_rate": rate(t.orders as f64, t.created_orders as f64),
            "gmv_with_tiktok_coupons": money.fmt(t.gmv),
            "live_auction_attributed_gmv": money.fmt(0),
            "live_auction_attributed_items_sold": 0,
            "live_auction_attributed_sku_orders": 0,
        },
        "traffic": {
            "views": tr.views,
            "viewers": tr.viewers,
            "impressions": tr.impressions,
            "acu": tr.viewers / 12,
            "pcu": tr.viewers / 4,
            "avg_viewing_duration": tr.avg_viewing_duration,
            "product_impressions": tr.product_impressions,
            "product_clicks": tr.product_clicks,
            "products_added": t.by_product.len().max(3),
            "ctr": rate(tr.product_clicks as f64, tr.product_impressions as f64),
            "live_ctr": rate(tr.viewers as f64, tr.impressions as f64),
            "ctor": rate(t.sku_orders as f64, tr.product_clicks as f64),
            "tap_through_rate": rate(tr.viewers as f64, tr.impressions as f64),
            "over_1m_views": tr.views > 1_000_000,
            "gmv_per_hour": money.fmt((t.gmv as f64 / hours).round() as i64),
            "show_gpm": per_mille(money, t.gmv, tr.impressions),
            "watch_gpm": per_mille(money, t.gmv, tr.views),
        },
        "interaction_performance": {
            "likes": tr.likes,
            "comments": tr.comments,
            "shares": tr.shares,
            "new_followers": tr.new_followers,
            "like_rate": rate(tr.likes as f64, tr.views as f64),
            "comment_rate": rate(tr.comments as f64, tr.views as f64),
            "share_rate": rate(tr.shares as f64, tr.views as f64),
            "follow_rate": rate(tr.new_followers as f64, tr.viewers as f64),
        },
    });
    (t, v)
}

const LIST_SORTS: [&str; 6] = [
    "attributed_customers",
    "live_attributed_gmv",
    "live_attributed_items_sold",
    "live_attributed_sku_orders",
    "products_added",
    "products_sold",
];

/// `GET /analytics/202609/shop_lives/performance` (and 202509): the shop's LIVE sessions that started
/// in the window and have ended, for one `account_type` (required).
fn list(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let account = match ctx.query("account_type") {
        None | Some("") => {
            return Err(ApiError::invalid(
                "account_type is required: OFFICIAL_ACCOUNTS, MARKETING_ACCOUNTS or AFFILIATE_ACCOUNTS.",
            ));
        }
        Some(a @ ("OFFICIAL_ACCOUNTS" | "MARKETING_ACCOUNTS" | "AFFILIATE_ACCOUNTS")) => {
            a.to_string()
        }
        Some(a) => {
            return Err(ApiError::invalid(format!(
                "account_type: invalid value {a:?}; use OFFICIAL_ACCOUNTS, MARKETING_ACCOUNTS or AFFILIATE_ACCOUNTS."
            )));
        }
    };
    let win = window(ctx, shop)?;
    let (page_size, token) = list_page(ctx)?;
    let field = sort_field_or(ctx, &LIST_SORTS, "live_attributed_gmv")?.to_string();
    let order = sort_order(ctx, SortOrder::Desc)?;
    let now = ctx.now;
    let rows = ctx.with_world(|w| {
        w.lives_starting(shop, win.start_ts, win.end_ts)
            .into_iter()
            .filter(|s| s.end <= now && s.account_type == account)
            .map(|s| {
                let (t, item) = session_json(w, &s, win.money);
                let key = match field.as_str() {
                    "attributed_customers" => t.customers.len() as i64,
                    "live_attributed_items_sold" => t.items,
                    "live_attributed_sku_orders" => t.sku_orders,
                    "products_added" => t.by_product.len().max(3) as i64,
                    "products_sold" => t.by_product.values().filter(|p| p.items > 0).count() as i64,
                    _ => t.gmv,
                };
                (key, s.id, item)
            })
            .collect::<Vec<_>>()
    });
    let (items, next, total) = paginate(rows, order, page_size, token.as_deref())?;
    let mut out = json!({"total_count": total, "next_page_token": next, "updated_at": now});
    if !items.is_empty() {
        out["live_stream_sessions"] = Value::Array(items);
    }
    Ok(out)
}

fn flag(ctx: &Ctx, name: &str) -> Result<bool, ApiError> {
    match ctx.query(name) {
        None | Some("") | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(v) => Err(ApiError::invalid(format!(
            "{name} must be true or false, got {v:?}."
        ))),
    }
}

/// `GET /analytics/202609/shop_lives/overview_performance`: the LIVE figures of the sessions that
/// started in each interval (`today=true`: today so far, no dates needed), for `account_type` ALL
/// (default), LINKED_ACCOUNTS (official and marketing) or AFFILIATE_ACCOUNTS.
fn overview(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let today = flag(ctx, "today")?;
    let daily = match ctx.query("granularity") {
        None | Some("") | Some("ALL") => false,
        Some("1D") => true,
        Some(g) => {
            return Err(ApiError::invalid(format!(
                "granularity: invalid value {g:?}; use ALL or 1D."
            )));
        }
    };
    let linked = match ctx.query("account_type") {
        None | Some("") | Some("ALL") => None,
        Some("LINKED_ACCOUNTS") => Some(true),
        Some("AFFILIATE_ACCOUNTS") => Some(false),
        Some(a) => {
            return Err(ApiError::invalid(format!(
                "account_type: invalid value {a:?}; use ALL, LINKED_ACCOUNTS or AFFILIATE_ACCOUNTS."
            )));
        }
    };
    let win: Window = if today {
        let d = date_of(ctx.now);
        window_between(ctx, shop, d, d + Duration::days(1))?
    } else {
        window(ctx, shop)?
    };
    let now = ctx.now;
    let intervals = ctx.with_world(|w| {
        let spans: Vec<_> = if daily {
            win.start
                .iter_days()
                .take_while(|d| *d < win.end)
                .map(|d| (d, d + Duration::days(1)))
                .collect()
        } else {
            vec![(win.start, win.end)]
        };
        spans
            .into_iter()
            .map(|(a, b)| {
                let sessions: Vec<LiveWindow> = w
                    .lives_starting(shop, day_start(a), day_start(b))
                    .into_iter()
                    .filter(|s| s.start <= now)
                    .filter(|s| {
                        linked.is_none_or(|l| (s.account_type != "AFFILIATE_ACCOUNTS") == l)
                    })
                    .collect();
                let (mut gmv, mut items, mut sku_orders, mut clicks) = (0, 0, 0, 0);
                let (mut views, mut impressions, mut viewers, mut watch) = (0, 0, 0, 0);
                for s in &sessions {
                    let t = sales_of(w, s);
                    let tr = traffic_of(w, s.id, &t);
                    gmv += t.gmv;
                    items += t.items;
                    sku_orders += t.sku_orders;
                    clicks += tr.product_clicks;
                    views += tr.views;
                    viewers += tr.viewers;
                    impressions += tr.impressions;
                    watch += tr.avg_viewing_duration * tr.views;
                }
                json!({
                    "start_date": a.format("%Y-%m-%d").to_string(),
                    "end_date": b.format("%Y-%m-%d").to_string(),
                    "live_gmv": win.money.fmt(gmv),
                    "live_attributed_gmv": win.money.fmt(gmv),
                    "live_indirect_gmv": win.money.fmt(0),
                    "live_attributed_items_sold": items,
                    "live_attributed_sku_orders": sku_orders,
                    "live_auction_attributed_gmv": win.money.fmt(0),
                    "live_auction_attributed_items_sold": 0,
                    "live_auction_attributed_sku_orders": 0,
                    "avg_live_auction_price": win.money.fmt(0),
                    "show_gpm": per_mille(win.money, gmv, impressions),
                    "views": views,
                    "avg_viewing_duration": if views > 0 { watch / views } else { 0 },
                    "live_ctr": rate(viewers as f64, impressions as f64),
                    "ctor_sku_order": rate(sku_orders as f64, clicks as f64),
                })
            })
            .collect::<Vec<_>>()
    });
    Ok(json!({"intervals": intervals, "updated_at": now}))
}

const PRODUCT_SORTS: [&str; 8] = [
    "created_sku_orders",
    "customers",
    "gmv",
    "items_sold",
    "main_orders",
    "product_clicks",
    "product_impressions",
    "sku_orders",
];

/// `GET /analytics/202512/shop/{live_id}/products_performance`: what one ended session sold, by
/// product.
fn products(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let live_id = ctx.path_id("live_id")?;
    let (page_size, token) = list_page(ctx)?;
    let field = sort_field_or(ctx, &PRODUCT_SORTS, "gmv")?.to_string();
    let order = sort_order(ctx, SortOrder::Desc)?;
    let now = ctx.now;
    let today = date_of(now);
    let win = window_between(ctx, shop, today, today + Duration::days(1))?;
    let money = win.money;
    let rows = ctx.with_world(|w| {
        let s = w
            .live_by_id(shop, live_id)
            .filter(|s| s.end <= now)
            .ok_or_else(|| {
                ApiError::business(
                    LIVE_NOT_FOUND,
                    format!("live_id: {live_id} is not an ended LIVE of this shop."),
                )
            })?;
        let t = sales_of(w, &s);
        let rows: Vec<(i64, Id, Value)> = t
            .by_product
            .iter()
            .map(|(pid, p)| {
                let impressions = 200 + (draw(w.seed, s.id ^ pid, 12) * 2_000.0) as i64 + p.items * 50;
                let clicks = impressions / 10 + p.items * 3;
                let name = w
                    .products
                    .get(pid)
                    .map(|x| x.title.clone())
                    .unwrap_or_default();
                let key = match field.as_str() {
                    "created_sku_orders" => p.created_sku_orders.len() as i64,
                    "customers" => p.customers.len() as i64,
                    "items_sold" => p.items,
                    "main_orders" => p.main_orders.len() as i64,
                    "product_clicks" => clicks,
                    "product_impressions" => impressions,
                    "sku_orders" => p.sku_orders.len() as i64,
                    _ => p.gmv,
                };
                let views = traffic_of(w, s.id, &t).views;
                let watch_gpm = if views > 0 { p.gmv * 1000 / views } else { 0 };
                let item = json!({
                    "id": pid.to_string(),
                    "name": name,
                    "sales": {
                        "direct_gmv": money.fmt(p.gmv),
                        "items_sold": p.items,
                        "customers": p.customers.len(),
                        "created_sku_orders": p.created_sku_orders.len(),
                        "sku_orders": p.sku_orders.len(),
                        "main_orders": p.main_orders.len(),
                        "avg_price": money.fmt(if p.items > 0 { p.gmv / p.items } else { 0 }),
                        "payment_rate": rate(p.sku_orders.len() as f64, p.created_sku_orders.len() as f64),
                    },
                    "traffic": {
                        "product_impressions": impressions,
                        "produt_clicks": clicks,
                        "ctr": rate(clicks as f64, impressions as f64),
                        "add_to_cart_count": clicks / 4,
                        "click_to_order_rate": {
                            "sku_order_ctor": rate(p.sku_orders.len() as f64, clicks as f64),
                            "main_order_ctor": rate(p.main_orders.len() as f64, clicks as f64),
                        },
                        "gpm": {"watch_gpm": money.fmt(watch_gpm)["amount"].clone()},
                    },
                });
                (key, *pid, item)
            })
            .collect();
        Ok::<_, ApiError>(rows)
    })?;
    let (items, next, total) = paginate(rows, order, page_size, token.as_deref())?;
    let mut out = json!({"total_count": total, "next_page_token": next});
    if !items.is_empty() {
        out["products"] = Value::Array(items);
    }
    Ok(out)
}
