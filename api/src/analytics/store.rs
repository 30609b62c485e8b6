//! TikTok's analytics as we keep them (`analytics_records`), and the reads the ERP's screens make of
//! them: fast, and there while TikTok is unreachable.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;
use sea_orm::sea_query::OnConflict;
use serde::{Serialize, de::DeserializeOwned};

use entity::{analytics_record, shop};

use super::model::*;
use crate::catalog::money::{format_minor, minor};
use crate::error::{Error, Result};
use crate::promotions::model::Price;
use crate::shops::Region;

pub const SHOP_DAY: &str = "shop_day";
pub const PRODUCT: &str = "product";
pub const VIDEO: &str = "video";
pub const LIVE: &str = "live";

pub fn currency(shop: &shop::Model) -> String {
    Region::parse(&shop.region)
        .map(|r| r.info().currency)
        .unwrap_or("USD")
        .to_owned()
}

/// Keeps one record (replacing the one of the same kind and key).
pub async fn save<T: Serialize>(
    db: &impl ConnectionTrait,
    shop_id: &str,
    kind: &str,
    key: &str,
    body: &T,
    (from, to): (NaiveDate, NaiveDate),
    now: DateTime<Utc>,
) -> Result<()> {
    analytics_record::Entity::insert(analytics_record::ActiveModel {
        shop_id: Set(shop_id.to_owned()),
        kind: Set(kind.to_owned()),
        key: Set(key.to_owned()),
        body: Set(serde_json::to_string(body).map_err(Error::internal)?),
        window_from: Set(from),
        window_to: Set(to),
        fetched_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            analytics_record::Column::ShopId,
            analytics_record::Column::Kind,
            analytics_record::Column::Key,
        ])
        .update_columns([
            analytics_record::Column::Body,
            analytics_record::Column::WindowFrom,
            analytics_record::Column::WindowTo,
            analytics_record::Column::FetchedAt,
        ])
        .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// Drops the records of a kind read before `fetched` (what a new read of the window no longer lists).
pub async fn drop_older(
    db: &impl ConnectionTrait,
    shop_id: &str,
    kind: &str,
    fetched: DateTime<Utc>,
) -> Result<()> {
    analytics_record::Entity::delete_many()
        .filter(analytics_record::Column::ShopId.eq(shop_id))
        .filter(analytics_record::Column::Kind.eq(kind))
        .filter(analytics_record::Column::FetchedAt.lt(fetched))
        .exec(db)
        .await?;
    Ok(())
}

async fn records(
    db: &impl ConnectionTrait,
    shop_id: &str,
    kind: &str,
) -> Result<Vec<analytics_record::Model>> {
    Ok(analytics_record::Entity::find()
        .filter(analytics_record::Column::ShopId.eq(shop_id))
        .filter(analytics_record::Column::Kind.eq(kind))
        .all(db)
        .await?)
}

fn read<T: DeserializeOwned>(r: &analytics_record::Model) -> Result<T> {
    serde_json::from_str(&r.body).map_err(|e| {
        Error::internal(anyhow::anyhow!(
            "analytics record {} {}: {e}",
            r.kind,
            r.key
        ))
    })
}

/// The shop's days in `[from, to)`, one per day, or their sum as one item (`whole`).
pub async fn shop(
    db: &impl ConnectionTrait,
    shop: &shop::Model,
    (from, to): (NaiveDate, NaiveDate),
    whole: bool,
) -> Result<Report<ShopDay>> {
    let currency = currency(shop);
    let kept = records(db, &shop.id, SHOP_DAY).await?;
    let fetched_at = kept.iter().map(|r| r.fetched_at).max();
    let mut days: Vec<ShopDay> = kept
        .iter()
        .map(read::<ShopDay>)
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .filter(|d| d.date >= from && d.date < to)
        .collect();
    days.sort_by_key(|d| d.date);
    if whole {
        let sum = |f: fn(&ShopDay) -> i64| days.iter().map(f).sum::<i64>();
        let gmv: i64 = days.iter().map(|d| minor(&d.gmv.amount).unwrap_or(0)).sum();
        let total = ShopDay {
            date: from,
            gmv: Price {
                amount: format_minor(gmv, &currency),
                currency: currency.clone(),
            },
            orders: sum(|d| d.orders),
            units: sum(|d| d.units),
            // Buyers of different days may be the same people: TikTok's own whole-window figure is
            // not kept, so the days' sum is an upper bound.
            buyers: sum(|d| d.buyers),
            refunds: None,
            product_impressions: Some(sum(|d| d.product_impressions.unwrap_or(0))),
            product_clicks: Some(sum(|d| d.product_clicks.unwrap_or(0))),
        };
        days = vec![total];
    }
    Ok(Report {
        from,
        to,
        currency,
        fetched_at,
        items: days,
    })
}

/// Every kept record of a kind, in the window of the last read; `key` narrows to one (404 when
/// TikTok reported none for it).
pub async fn listed<T: DeserializeOwned>(
    db: &impl ConnectionTrait,
    shop: &shop::Model,
    kind: &str,
    key: Option<&str>,
    what: &str,
) -> Result<Report<T>> {
    let kept: Vec<analytics_record::Model> = records(db, &shop.id, kind)
        .await?
        .into_iter()
        .filter(|r| key.is_none_or(|k| r.key == k))
        .collect();
    if key.is_some() && kept.is_empty() {
        return Err(Error::not_found(what));
    }
    let (from, to) = kept
        .first()
        .map(|r| (r.window_from, r.window_to))
        .unwrap_or_default();
    Ok(Report {
        from,
        to,
        currency: currency(shop),
        fetched_at: kept.iter().map(|r| r.fetched_at).max(),
        items: kept.iter().map(read).collect::<Result<_>>()?,
    })
}

/// The figures of one video, when TikTok reported them.
pub async fn video(
    db: &impl ConnectionTrait,
    shop_id: &str,
    video_id: &str,
) -> Result<Option<VideoFigures>> {
    let row = analytics_record::Entity::find_by_id((
        shop_id.to_owned(),
        VIDEO.to_owned(),
        video_id.to_owned(),
    ))
    .one(db)
    .await?;
    row.as_ref().map(read).transpose()
}
