//! A session's board: each line's units sold in its window (from our orders, which TikTok's
//! webhooks keep current) against its limit and the stock behind it; once the session ended, its
//! results, with TikTok's figures for the LIVE that ran in its time when the analytics area is on.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::QuerySelect;
use sea_orm::prelude::*;

use entity::{shop, tiktok_order, tiktok_order_line};

use super::model::*;
use super::plan;
use crate::catalog::money::{format_minor, minor};
use crate::deps::TikTokAccess;
use crate::error::Result;
use crate::promotions::model::Price;
use crate::shops::session::ShopSession;
use crate::shops::{Feature, Features, Region};
use crate::tiktok::analytics::{self as wire, AccountType};

/// The orders placed in `[from, to)` that still count (not cancelled), by id.
async fn orders_in(
    db: &impl ConnectionTrait,
    shop_id: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<BTreeMap<String, DateTime<Utc>>> {
    let rows: Vec<(String, DateTime<Utc>)> = tiktok_order::Entity::find()
        .select_only()
        .column(tiktok_order::Column::Id)
        .column(tiktok_order::Column::CreateTime)
        .filter(tiktok_order::Column::ShopId.eq(shop_id))
        .filter(tiktok_order::Column::CreateTime.gte(from))
        .filter(tiktok_order::Column::CreateTime.lt(to))
        .filter(tiktok_order::Column::Status.ne("CANCELLED"))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Each unit of the session's SKUs in those orders: (order id, SKU, price in ten-thousandths).
async fn units_of(
    db: &impl ConnectionTrait,
    shop_id: &str,
    orders: &BTreeMap<String, DateTime<Utc>>,
    skus: &[String],
) -> Result<Vec<(String, String, i64)>> {
    let ids: Vec<&String> = orders.keys().collect();
    let mut units = Vec::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String, String)> = tiktok_order_line::Entity::find()
            .select_only()
            .column(tiktok_order_line::Column::OrderId)
            .column(tiktok_order_line::Column::SkuId)
            .column(tiktok_order_line::Column::SalePrice)
            .filter(tiktok_order_line::Column::ShopId.eq(shop_id))
            .filter(tiktok_order_line::Column::OrderId.is_in(chunk.iter().map(|s| s.as_str())))
            .filter(tiktok_order_line::Column::SkuId.is_in(skus.iter().map(String::as_str)))
            .into_tuple()
            .all(db)
            .await?;
        units.extend(
            rows.into_iter()
                .map(|(o, s, p)| (o, s, minor(&p).unwrap_or(0))),
        );
    }
    Ok(units)
}

pub async fn board(access: TikTokAccess<'_>, shop: &shop::Model, id: &str) -> Result<Board> {
    let now = access.clock.now();
    let row = plan::row(access.db, &shop.id, id).await?;
    let state = plan::state(&row, now);
    let lines = plan::lines_of(&row);
    let (start, end) = (row.scheduled_start, plan::ends_at(&row));
    let currency = Region::parse(&shop.region)
        .map(|r| r.info().currency)
        .unwrap_or("USD")
        .to_owned();
    let orders = orders_in(access.db, &shop.id, (start, end)).await?;
    let skus: Vec<String> = lines.iter().map(|l| l.sku_id.clone()).collect();
    let units = units_of(access.db, &shop.id, &orders, &skus).await?;
    let mut out = Vec::with_capacity(lines.len());
    // The orders with a unit counted on some line (in that line's window).
    let mut counted: HashSet<&String> = HashSet::new();
    for l in &lines {
        let (from, to) = l.flash_sale.map_or((start, end), |f| (f.start, f.end()));
        let mine: Vec<&(String, String, i64)> = units
            .iter()
            .filter(|(o, s, _)| {
                *s == l.sku_id && orders.get(o).is_some_and(|t| *t >= from && *t < to)
            })
            .collect();
        let sold = mine.len() as i64;
        counted.extend(mine.iter().map(|(o, _, _)| o));
        let (erp_available, tiktok_available) =
            plan::available(access.db, &shop.id, &l.sku_id, &l.warehouse_id).await?;
        let left = (l.stock_limit - sold).max(0);
        out.push(BoardLine {
            product_id: l.product_id.clone(),
            sku_id: l.sku_id.clone(),
            special_price: l.special_price.clone(),
            window_start: from,
            window_end: to,
            sold,
            orders: mine.iter().map(|(o, _, _)| o).collect::<HashSet<_>>().len() as i64,
            gmv: format_minor(mine.iter().map(|(_, _, p)| p).sum(), &currency),
            stock_limit: l.stock_limit,
            left,
            erp_available,
            tiktok_available,
            sold_out: left == 0 || erp_available == 0,
            runs_out_first: false,
        });
    }
    // The line with the least left, as a share of its limit, runs out first.
    let share = |b: &BoardLine| b.left.min(b.erp_available) as f64 / b.stock_limit.max(1) as f64;
    if let Some(first) = out.iter_mut().min_by(|a, b| share(a).total_cmp(&share(b))) {
        first.runs_out_first = true;
    }
    let results = if state == State::Ended {
        Some(results(access, shop, &row, &currency, &out, counted.len() as i64).await?)
    } else {
        None
    };
    Ok(Board {
        session_id: row.id,
        state,
        currency,
        as_of: now,
        lines: out,
        results,
    })
}

async fn results(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    row: &entity::live_session::Model,
    currency: &str,
    lines: &[BoardLine],
    orders: i64,
) -> Result<Results> {
    let gmv: i64 = lines.iter().map(|l| minor(&l.gmv).unwrap_or(0)).sum();
    let (tiktok_live, tiktok_live_note) = if !Features::from_json(&shop.features)
        .is_enabled(Feature::Analytics)
    {
        (
            None,
            Some("turn the analytics area on to see TikTok's figures for the LIVE".to_owned()),
        )
    } else {
        match tiktok_live(access, shop, row).await {
                Ok(Some(live)) => (Some(live), None),
                Ok(None) => (None, Some("TikTok reports no LIVE in the session's time (yet): its figures come some time after a LIVE ends".to_owned())),
                Err(e) => (None, Some(format!("TikTok could not be asked: {}", e.message))),
            }
    };
    Ok(Results {
        currency: currency.to_owned(),
        gmv: format_minor(gmv, currency),
        // An order may hold several of the session's lines: counted once.
        orders,
        units: lines.iter().map(|l| l.sold).sum(),
        tiktok_live,
        tiktok_live_note,
    })
}

/// TikTok's LIVE that overlaps the session most, with its figures.
async fn tiktok_live(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    row: &entity::live_session::Model,
) -> Result<Option<TikTokLive>> {
    let (start, end) = (row.scheduled_start, plan::ends_at(row));
    let days = (start.date_naive(), (end + Duration::days(1)).date_naive());
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let mut best: Option<(i64, wire::Live)> = None;
    // A handle may be the shop's own account or a creator's: every kind of account is asked.
    for account in AccountType::ALL {
        let mut token = String::new();
        loop {
            let page = wire::lives(&mut session.line(access), account, days, &token)
                .await?
                .data;
            for live in page.live_stream_sessions {
                let (Some(s), Some(e)) = (live.start_time, live.end_time) else {
                    continue;
                };
                let overlap = e.min(end.timestamp()) - s.max(start.timestamp());
                if overlap > 0 && best.as_ref().is_none_or(|(o, _)| overlap > *o) {
                    best = Some((overlap, live));
                }
            }
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(next) => token = next,
                None => break,
            }
        }
    }
    Ok(best.map(|(_, live)| {
        let sales = live.sales_performance;
        let traffic = live.traffic;
        TikTokLive {
            live_id: live.id,
            title: live.title,
            gmv: sales
                .as_ref()
                .and_then(|s| s.live_gmv.as_ref())
                .map(|m| Price {
                    amount: m.amount.clone(),
                    currency: m.currency.clone(),
                }),
            orders: sales.as_ref().and_then(|s| s.live_attributed_orders),
            items_sold: sales.as_ref().and_then(|s| s.live_attributed_items_sold),
            customers: sales.as_ref().and_then(|s| s.attributed_customers),
            views: traffic.as_ref().and_then(|t| t.views),
            viewers: traffic.as_ref().and_then(|t| t.viewers),
        }
    }))
}
