//! The `analytics` resource (the analytics area): TikTok's figures for a rolling window of the last
//! [`WINDOW_DAYS`] days, read again each run (TikTok corrects late orders and refunds): the shop by
//! day, then each product, video and LIVE over the window. What the window no longer lists is
//! dropped; the ERP reads the rest from `analytics_records`.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::job::{JobCtx, JobError};
use crate::analytics::model::*;
use crate::analytics::store::{self, LIVE, PRODUCT, SHOP_DAY, VIDEO};
use crate::promotions::model::Price;
use crate::tiktok::analytics as wire;
use crate::tiktok::promotions::Money;

/// How many days back each run reads.
pub const WINDOW_DAYS: i64 = 30;

fn price(m: Option<Money>, currency: &str) -> Price {
    m.map_or_else(
        || Price {
            amount: "0".into(),
            currency: currency.to_owned(),
        },
        |m| Price {
            amount: m.amount,
            currency: if m.currency.is_empty() {
                currency.to_owned()
            } else {
                m.currency
            },
        },
    )
}

fn at(secs: Option<i64>) -> Option<DateTime<Utc>> {
    secs.and_then(|s| DateTime::from_timestamp(s, 0))
}

pub async fn sync(ctx: &mut JobCtx<'_>) -> Result<(), JobError> {
    let access = ctx.access;
    let shop_id = ctx.shop_id().to_owned();
    let currency = store::currency(&ctx.session.shop);
    let today = access.clock.now().date_naive();
    let days: (NaiveDate, NaiveDate) = (
        today - Duration::days(WINDOW_DAYS),
        today + Duration::days(1),
    );
    let started = access.clock.now();

    let shop = wire::shop_days(&mut ctx.session.line(access), days)
        .await?
        .data;
    for interval in shop.performance.intervals {
        let Ok(date) = interval.start_date.parse::<NaiveDate>() else {
            ctx.progress.skipped += 1;
            continue;
        };
        let sales = interval.sales;
        let day = ShopDay {
            date,
            gmv: price(sales.as_ref().and_then(|s| s.gmv.clone()), &currency),
            orders: sales.as_ref().and_then(|s| s.orders_count).unwrap_or(0),
            units: sales.as_ref().and_then(|s| s.items_sold).unwrap_or(0),
            buyers: sales.as_ref().and_then(|s| s.customers_count).unwrap_or(0),
            refunds: sales
                .and_then(|s| s.refunds)
                .map(|m| price(Some(m), &currency)),
            product_impressions: interval
                .traffic
                .as_ref()
                .and_then(|t| t.product_impressions),
            product_clicks: interval.traffic.as_ref().and_then(|t| t.product_clicks),
        };
        store::save(
            access.db,
            &shop_id,
            SHOP_DAY,
            &date.to_string(),
            &day,
            days,
            started,
        )
        .await?;
        ctx.progress.items += 1;
    }
    ctx.progress.pages += 1;
    ctx.checkpoint().await?;

    let mut token = String::new();
    loop {
        let page = wire::products(&mut ctx.session.line(access), days, &token)
            .await?
            .data;
        for p in page.products {
            let t = p.total_performance;
            let figures = ProductFigures {
                gmv: price(t.as_ref().and_then(|t| t.gmv.clone()), &currency),
                orders: t.as_ref().and_then(|t| t.orders).unwrap_or(0),
                units: t.as_ref().and_then(|t| t.items_sold).unwrap_or(0),
                product_impressions: t.as_ref().and_then(|t| t.product_impressions),
                product_clicks: t.as_ref().and_then(|t| t.product_clicks),
                product_id: p.id,
            };
            store::save(
                access.db,
                &shop_id,
                PRODUCT,
                &figures.product_id,
                &figures,
                days,
                started,
            )
            .await?;
            ctx.progress.items += 1;
        }
        ctx.progress.pages += 1;
        ctx.checkpoint().await?;
        match page.next_page_token.filter(|t| !t.is_empty()) {
            Some(next) => token = next,
            None => break,
        }
    }
    store::drop_older(access.db, &shop_id, PRODUCT, started).await?;

    let mut token = String::new();
    loop {
        let page = wire::videos(&mut ctx.session.line(access), days, &token)
            .await?
            .data;
        for v in page.videos {
            let figures = VideoFigures {
                title: v.title,
                username: v.username,
                posted_at: v.video_post_time,
                product_ids: v.products.into_iter().map(|p| p.id).collect(),
                views: v.views,
                gmv: price(v.gmv, &currency),
                orders: v.sku_orders.unwrap_or(0),
                units: v.items_sold.unwrap_or(0),
                video_id: v.id,
            };
            store::save(
                access.db,
                &shop_id,
                VIDEO,
                &figures.video_id,
                &figures,
                days,
                started,
            )
            .await?;
            ctx.progress.items += 1;
        }
        ctx.progress.pages += 1;
        ctx.checkpoint().await?;
        match page.next_page_token.filter(|t| !t.is_empty()) {
            Some(next) => token = next,
            None => break,
        }
    }
    store::drop_older(access.db, &shop_id, VIDEO, started).await?;

    for account in wire::AccountType::ALL {
        let mut token = String::new();
        loop {
            let page = wire::lives(&mut ctx.session.line(access), account, days, &token)
                .await?
                .data;
            for live in page.live_stream_sessions {
                let sales = live.sales_performance;
                let traffic = live.traffic;
                let figures = LiveFigures {
                    title: live.title,
                    start: at(live.start_time),
                    end: at(live.end_time),
                    gmv: sales
                        .as_ref()
                        .and_then(|s| s.live_gmv.clone())
                        .map(|m| price(Some(m), &currency)),
                    orders: sales.as_ref().and_then(|s| s.live_attributed_orders),
                    units: sales.as_ref().and_then(|s| s.live_attributed_items_sold),
                    customers: sales.as_ref().and_then(|s| s.attributed_customers),
                    views: traffic.as_ref().and_then(|t| t.views),
                    viewers: traffic.as_ref().and_then(|t| t.viewers),
                    live_id: live.id,
                };
                store::save(
                    access.db,
                    &shop_id,
                    LIVE,
                    &figures.live_id,
                    &figures,
                    days,
                    started,
                )
                .await?;
                ctx.progress.items += 1;
            }
            ctx.progress.pages += 1;
            ctx.checkpoint().await?;
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(next) => token = next,
                None => break,
            }
        }
    }
    store::drop_older(access.db, &shop_id, LIVE, started).await?;
    Ok(())
}
