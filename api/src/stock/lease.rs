//! One pusher per SKU across every server process: a row in `stock_push_leases` held by one push at
//! a time. TikTok's stock update names every warehouse of a SKU, so the lease covers the SKU. The
//! holder renews it every few seconds while it works ([`PushLease::hold_while`]), so a live push never
//! loses it, even in a slow TikTok call, and the lease of a holder that died runs out within
//! [`LENGTH`] seconds.

use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, QueryFilter};

use entity::stock_push_lease;

use crate::deps::Store;
use crate::error::{Error, Result};

/// How long a push waits for another process's push of the same SKU before giving up.
const WAIT_FOR_OTHER: StdDuration = StdDuration::from_secs(60);
/// Seconds a lease lasts without renewal.
pub const LENGTH: i64 = 20;
/// How often a holder renews its lease.
const RENEW_EVERY: StdDuration = StdDuration::from_secs(5);

pub struct PushLease {
    shop_id: String,
    sku_id: String,
    holder: String,
    length: Duration,
}

impl PushLease {
    /// Runs `work` while renewing the lease every few seconds.
    pub async fn hold_while<T>(
        &self,
        store: Store<'_>,
        work: impl std::future::Future<Output = T>,
    ) -> T {
        crate::heartbeat::renewing(work, RENEW_EVERY, || async {
            if let Err(e) = self.renew(store).await {
                // The work checks its hold itself before each update; this only logs.
                tracing::warn!(sku = %self.sku_id, error = %e.message, "could not renew a stock push lease");
            }
        })
        .await
    }

    /// Waits until this process holds the SKU's lease.
    pub async fn acquire(
        store: Store<'_>,
        instance_id: &str,
        shop_id: &str,
        sku_id: &str,
    ) -> Result<Self> {
        let lease = Self {
            shop_id: shop_id.to_owned(),
            sku_id: sku_id.to_owned(),
            holder: format!("{instance_id}:{}", uuid::Uuid::new_v4()),
            length: Duration::seconds(LENGTH),
        };
        let since = Instant::now();
        loop {
            if lease.try_take(store).await? {
                return Ok(lease);
            }
            if since.elapsed() > WAIT_FOR_OTHER {
                return Err(Error::unavailable(
                    "another server is pushing this SKU's stock and has not finished; send the count again shortly",
                ));
            }
            // Another push of this SKU is talking to TikTok: look again shortly.
            tokio::time::sleep(StdDuration::from_millis(25)).await;
        }
    }

    async fn try_take(&self, store: Store<'_>) -> Result<bool, DbErr> {
        let now = store.clock.now();
        let until = now + self.length;
        let inserted = stock_push_lease::Entity::insert(stock_push_lease::ActiveModel {
            shop_id: Set(self.shop_id.clone()),
            sku_id: Set(self.sku_id.clone()),
            holder: Set(self.holder.clone()),
            lease_until: Set(until),
        })
        .on_conflict(
            OnConflict::columns([
                stock_push_lease::Column::ShopId,
                stock_push_lease::Column::SkuId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(store.db)
        .await?;
        if inserted == 1 {
            return Ok(true);
        }
        // Taken over only once the last holder's lease ran out (it died or hung).
        let taken = self
            .update(until)
            .filter(stock_push_lease::Column::LeaseUntil.lt(now))
            .exec(store.db)
            .await?;
        Ok(taken.rows_affected == 1)
    }

    fn update(&self, until: DateTime<Utc>) -> sea_orm::UpdateMany<stock_push_lease::Entity> {
        stock_push_lease::Entity::update_many()
            .col_expr(
                stock_push_lease::Column::Holder,
                Expr::value(self.holder.clone()),
            )
            .col_expr(stock_push_lease::Column::LeaseUntil, Expr::value(until))
            .filter(stock_push_lease::Column::ShopId.eq(&self.shop_id))
            .filter(stock_push_lease::Column::SkuId.eq(&self.sku_id))
    }

    /// Extends the lease before the next calls; an error when it was lost (it ran out and another
    /// process took it), so the push stops instead of crossing the other one.
    pub async fn renew(&self, store: Store<'_>) -> Result<()> {
        let renewed = self
            .update(store.clock.now() + self.length)
            .filter(stock_push_lease::Column::Holder.eq(&self.holder))
            .exec(store.db)
            .await?;
        if renewed.rows_affected == 1 {
            Ok(())
        } else {
            Err(Error::unavailable(
                "this push lost its hold on the SKU to another server; send the count again",
            ))
        }
    }

    /// Lets the next pusher in at once.
    pub async fn release(self, db: &DatabaseConnection) {
        let released = stock_push_lease::Entity::delete_many()
            .filter(stock_push_lease::Column::ShopId.eq(&self.shop_id))
            .filter(stock_push_lease::Column::SkuId.eq(&self.sku_id))
            .filter(stock_push_lease::Column::Holder.eq(&self.holder))
            .exec(db)
            .await;
        if let Err(e) = released {
            // The lease runs out on its own; the next push waits for that.
            tracing::warn!(sku = %self.sku_id, error = %e, "could not release a stock push lease");
        }
    }
}
