//! Automatic sync: every connected shop with an interval gets an incremental job per enabled resource
//! once the interval has passed since that resource's last job. Several processes may run the
//! scheduler: `enqueue` returns the active job instead of adding a second one.

use std::time::Duration as StdDuration;

use chrono::Duration;
use sea_orm::QueryOrder;
use sea_orm::prelude::*;

use entity::{shop, sync_job};

use super::jobs::enqueue;
use super::{Mode, Resource};
use crate::deps::Store;
use crate::shops::{Features, ShopStatus};

pub const TICK: StdDuration = StdDuration::from_secs(30);

/// Queues the incremental jobs that are due; returns how many it queued.
pub async fn schedule_due(store: Store<'_>) -> Result<usize, DbErr> {
    let now = store.clock.now();
    let shops = shop::Entity::find()
        .filter(shop::Column::DeletedAt.is_null())
        .filter(shop::Column::Status.eq(ShopStatus::Connected.as_str()))
        .filter(shop::Column::SyncIntervalMinutes.is_not_null())
        .all(store.db)
        .await?;
    let mut queued = 0;
    for shop in shops {
        let Some(minutes) = shop.sync_interval_minutes.filter(|m| *m > 0) else {
            continue;
        };
        let features = Features::from_json(&shop.features);
        for resource in Resource::ALL {
            if !features.is_enabled(resource.feature()) {
                continue;
            }
            let last = sync_job::Entity::find()
                .filter(sync_job::Column::ShopId.eq(&shop.id))
                .filter(sync_job::Column::Resource.eq(resource.as_str()))
                .order_by_desc(sync_job::Column::CreatedAt)
                .one(store.db)
                .await?;
            let due = last.is_none_or(|j| j.created_at + Duration::minutes(minutes.into()) <= now);
            if due
                && enqueue(store.db, now, &shop, resource, Mode::Incremental)
                    .await?
                    .1
            {
                queued += 1;
            }
        }
    }
    Ok(queued)
}
