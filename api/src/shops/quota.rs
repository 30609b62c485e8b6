//! The API budget shared through the database, so it holds across every server process: each call
//! takes one unit of its key's current clock-minute (shop + API category, and the app); a full minute
//! waits for the next one. The in-process limiter (governor, in `tiktok/`) smooths calls before this.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use sea_orm::prelude::*;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

use entity::quota_window;

use crate::clock::Clock;
use crate::tiktok::{QuotaGate, QuotaKey};

pub struct DbQuotaGate {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    per_shop_category_per_minute: u32,
    per_app_per_minute: u32,
}

impl DbQuotaGate {
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>, per_shop: u32, per_app: u32) -> Self {
        Self {
            db,
            clock,
            per_shop_category_per_minute: per_shop,
            per_app_per_minute: per_app,
        }
    }

    /// Takes one unit of `key`'s current minute, waiting for the next minute while it is full.
    async fn take(&self, key: &str, limit: u32) {
        if limit == 0 {
            return;
        }
        loop {
            let now = self.clock.now();
            let window = window_start(now);
            match claim(&self.db, key, window, limit).await {
                Ok(true) => return,
                Ok(false) => {
                    metrics::counter!("tiktok_quota_waits_total").increment(1);
                    let next = DateTime::from_timestamp(window + 60, 0).unwrap_or(now);
                    self.clock.sleep_until(next).await;
                }
                Err(e) => {
                    // The budget is a guard, not a gate to fail on: the in-process limiter still holds.
                    tracing::warn!(error = %e, "quota window unavailable; relying on the in-process limiter");
                    return;
                }
            }
        }
    }
}

pub fn window_start(now: DateTime<Utc>) -> i64 {
    now.timestamp() - now.timestamp().rem_euclid(60)
}

pub fn shop_key(shop: &str, category: &str) -> String {
    format!("shop:{shop}:{category}")
}

pub fn app_key(app: &str) -> String {
    format!("app:{app}")
}

/// One statement both databases run atomically: insert the window's first unit, or add one while
/// below the limit. No row changed means the minute is full.
async fn claim(db: &DatabaseConnection, key: &str, window: i64, limit: u32) -> Result<bool, DbErr> {
    let limit = i32::try_from(limit).unwrap_or(i32::MAX);
    let row = quota_window::ActiveModel {
        key: Set(key.to_owned()),
        window_start: Set(window),
        used: Set(1),
        quota_limit: Set(limit),
    };
    let on_conflict =
        OnConflict::columns([quota_window::Column::Key, quota_window::Column::WindowStart])
            .value(
                quota_window::Column::Used,
                Expr::col((quota_window::Entity, quota_window::Column::Used)).add(1),
            )
            .action_and_where(
                Expr::col((quota_window::Entity, quota_window::Column::Used)).lt(limit),
            )
            .to_owned();
    let changed = quota_window::Entity::insert(row)
        .on_conflict(on_conflict)
        .exec_without_returning(db)
        .await?;
    Ok(changed == 1)
}

impl QuotaGate for DbQuotaGate {
    fn acquire<'a>(&'a self, key: &'a QuotaKey) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Some(shop) = &key.shop_key {
                self.take(
                    &shop_key(shop, key.category.as_str()),
                    self.per_shop_category_per_minute,
                )
                .await;
            }
            self.take(&app_key(&key.app_key), self.per_app_per_minute)
                .await;
        })
    }
}

/// A shop's use of its budget in the current minute, per API category.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuotaUse {
    /// TikTok's API category, e.g. `product`, `order`.
    pub category: String,
    pub used: i32,
    pub limit: i32,
    pub window_start: DateTime<Utc>,
}

pub async fn shop_usage(
    db: &DatabaseConnection,
    shop: &str,
    now: DateTime<Utc>,
) -> Result<Vec<QuotaUse>, DbErr> {
    let window = window_start(now);
    let prefix = format!("shop:{shop}:");
    let rows = quota_window::Entity::find()
        .filter(quota_window::Column::Key.starts_with(&prefix))
        .filter(quota_window::Column::WindowStart.eq(window))
        .order_by_asc(quota_window::Column::Key)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| QuotaUse {
            category: r.key[prefix.len()..].to_owned(),
            used: r.used,
            limit: r.quota_limit,
            window_start: DateTime::from_timestamp(r.window_start, 0).unwrap_or(now),
        })
        .collect())
}

/// Publishes this minute's budget use of every key (all processes' calls) as gauges, for `/metrics`.
pub async fn publish_metrics(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), DbErr> {
    let rows = quota_window::Entity::find()
        .filter(quota_window::Column::WindowStart.eq(window_start(now)))
        .all(db)
        .await?;
    for r in rows {
        metrics::gauge!("tiktok_quota_used", "key" => r.key.clone()).set(f64::from(r.used));
        metrics::gauge!("tiktok_quota_limit", "key" => r.key).set(f64::from(r.quota_limit));
    }
    Ok(())
}

/// Drops windows older than an hour (called by the refresher's pass).
pub async fn prune(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(quota_window::Entity::delete_many()
        .filter(quota_window::Column::WindowStart.lt(window_start(now) - 3600))
        .exec(db)
        .await?
        .rows_affected)
}
