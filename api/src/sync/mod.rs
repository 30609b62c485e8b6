//! Sync: the durable job queue ([`jobs`]), the scheduler of automatic syncs ([`scheduler`]) and one
//! syncer per resource ([`orders`], [`products`], [`warehouses`], [`returns`] for returns and
//! cancellations), each with its TikTok wire types and their conversion to our rows. Syncers page with `page_token`, upsert by (shop, TikTok id), and move
//! the resource's high-water mark ([`cursor`]) only after the rows before it are committed.

pub mod affiliate;
pub mod analytics;
pub mod cursor;
pub mod inventory;
pub mod job;
pub mod jobs;
pub mod orders;
pub mod products;
pub mod promotions;
pub mod requests;
pub mod returns;
pub mod scheduler;
pub mod tracking;
pub mod views;
pub mod warehouses;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::shops::Feature;

/// How far back an incremental sync reaches before the high-water mark, so that a change TikTok
/// stamped slightly out of order (or a clock difference) is not missed. Upserts make the overlap free.
pub const OVERLAP_SECS: i64 = 5 * 60;

/// What a job syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Orders,
    Products,
    Warehouses,
    Inventory,
    Returns,
    Cancellations,
    /// Orders on their way, read again (the logistics area).
    Tracking,
    /// Promotion activities with their products, and coupons (the promotions area).
    Promotions,
    /// Affiliate orders with their creators and commissions (the affiliate area).
    AffiliateOrders,
    /// TikTok's figures for the shop, its products, videos and LIVEs (the analytics area).
    Analytics,
}

impl Resource {
    pub const ALL: [Resource; 10] = [
        Resource::Orders,
        Resource::Products,
        Resource::Warehouses,
        Resource::Inventory,
        Resource::Returns,
        Resource::Cancellations,
        Resource::Tracking,
        Resource::Promotions,
        Resource::AffiliateOrders,
        Resource::Analytics,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Orders => "orders",
            Resource::Products => "products",
            Resource::Warehouses => "warehouses",
            Resource::Inventory => "inventory",
            Resource::Returns => "returns",
            Resource::Cancellations => "cancellations",
            Resource::Tracking => "tracking",
            Resource::Promotions => "promotions",
            Resource::AffiliateOrders => "affiliate_orders",
            Resource::Analytics => "analytics",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    /// The feature toggle that governs this resource. Warehouses are where stock lives, so they go
    /// with inventory (on by default), not with the optional logistics area.
    pub fn feature(self) -> Feature {
        match self {
            Resource::Orders => Feature::Orders,
            Resource::Products => Feature::Products,
            Resource::Warehouses | Resource::Inventory => Feature::Inventory,
            // A cancellation is an after-sales request like a return: one area for both.
            Resource::Returns | Resource::Cancellations => Feature::Returns,
            Resource::Tracking => Feature::Logistics,
            Resource::Promotions => Feature::Promotions,
            Resource::AffiliateOrders => Feature::Affiliate,
            Resource::Analytics => Feature::Analytics,
        }
    }
}

/// Incremental reads what changed since the high-water mark (minus the overlap); full re-reads all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Incremental,
    Full,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Incremental => "incremental",
            Mode::Full => "full",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "incremental" => Some(Mode::Incremental),
            "full" => Some(Mode::Full),
            _ => None,
        }
    }
}

/// What an upsert did with a record TikTok sent. The record's `update_time` decides: a record older
/// than the one stored is never written (a late webhook refetch or an overlapping sync page cannot
/// put an older state over a newer one); one as new or newer is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// Not seen before.
    New,
    /// Newer than what was stored.
    Changed,
    /// Same `update_time` as stored: written again, but nothing new.
    Same,
    /// Older than what was stored: not written.
    Stale,
}

impl Saved {
    pub fn compare(stored: Option<DateTime<Utc>>, incoming: DateTime<Utc>) -> Self {
        match stored {
            None => Saved::New,
            Some(s) if incoming > s => Saved::Changed,
            Some(s) if incoming == s => Saved::Same,
            Some(_) => Saved::Stale,
        }
    }

    /// Whether this record told us something we did not have.
    pub fn is_news(self) -> bool {
        matches!(self, Saved::New | Saved::Changed)
    }
}

/// TikTok's unix seconds as a time; out-of-range values are a bad record.
pub fn unix_time(secs: i64) -> anyhow::Result<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| anyhow::anyhow!("time {secs} is out of range"))
}

/// Empty strings TikTok sends for "none" become `None`.
pub fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

/// Begins a transaction that writes. On SQLite it takes the write lock at `BEGIN` (IMMEDIATE), so
/// two workers' transactions queue on the busy timeout instead of failing with "database is locked"
/// when one would upgrade its read snapshot; PostgreSQL ignores the mode.
pub async fn begin_write(
    db: &sea_orm::DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    use sea_orm::TransactionTrait;
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}
