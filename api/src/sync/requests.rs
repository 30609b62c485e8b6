//! The API's side of the sync queue, tenant-scoped through the shop the handler loaded with
//! `find_for_tenant`: whether a shop can sync a resource, queueing syncs, the job views, and a
//! failed job queued again.

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::Expr;

use entity::{shop, sync_job};

use super::jobs::{FAILED, QUEUED, active, enqueue};
use super::{Mode, Resource};
use crate::error::{Error, Result};
use crate::pagination::{Cursor, Direction, keyset_page};
use crate::shops::{Features, ShopStatus};

/// Checks that a shop can sync `resource` now: connected, and the area enabled.
pub fn ensure_can_sync(shop: &shop::Model, resource: Resource) -> Result<()> {
    if ShopStatus::from_column(&shop.status) != ShopStatus::Connected {
        return Err(Error::conflict(
            "shop_not_connected",
            "the shop is not connected to TikTok; an admin must connect it first (POST …/connect)",
        ));
    }
    if !Features::from_json(&shop.features).is_enabled(resource.feature()) {
        return Err(Error::conflict(
            "feature_disabled",
            format!(
                "the {} area is disabled for this shop; an admin can enable it (PUT …/features)",
                resource.feature().as_str()
            ),
        ));
    }
    Ok(())
}

/// What a sync that names no resources covers: every resource whose area is enabled for the shop.
pub fn enabled_resources(shop: &shop::Model) -> Vec<Resource> {
    let features = Features::from_json(&shop.features);
    Resource::ALL
        .into_iter()
        .filter(|r| features.is_enabled(r.feature()))
        .collect()
}

/// Queues one job per resource (or returns the active one); all are checked before any is queued.
pub async fn request_sync(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    shop: &shop::Model,
    resources: &[Resource],
    mode: Mode,
) -> Result<Vec<sync_job::Model>> {
    for r in resources {
        ensure_can_sync(shop, *r)?;
    }
    let mut jobs = Vec::new();
    for r in resources {
        jobs.push(enqueue(db, now, shop, *r, mode).await?.0);
    }
    Ok(jobs)
}

/// A shop's jobs, newest first.
pub async fn list_for_shop(
    db: &DatabaseConnection,
    shop_id: &str,
    limit: u64,
    after: Option<Cursor>,
) -> Result<(Vec<sync_job::Model>, Option<Cursor>)> {
    let query = sync_job::Entity::find().filter(sync_job::Column::ShopId.eq(shop_id));
    Ok(keyset_page(
        db,
        query,
        (sync_job::Column::CreatedAt, sync_job::Column::Id),
        Direction::NewestFirst,
        limit,
        after,
        |r| Cursor {
            at: r.created_at,
            id: r.id.clone(),
        },
    )
    .await?)
}

/// One job of the shop; another shop's job is "not found".
pub async fn get_for_shop(
    db: &DatabaseConnection,
    shop_id: &str,
    job_id: &str,
) -> Result<sync_job::Model> {
    if uuid::Uuid::parse_str(job_id).is_err() {
        return Err(Error::not_found("sync job"));
    }
    sync_job::Entity::find_by_id(job_id.to_owned())
        .filter(sync_job::Column::ShopId.eq(shop_id))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("sync job"))
}

/// Queues a failed job again with fresh attempts (a new job when another one is active meanwhile
/// would break "one at a time", so that case answers the active one's conflict).
pub async fn retry(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    shop: &shop::Model,
    job_id: &str,
) -> Result<sync_job::Model> {
    let job = get_for_shop(db, &shop.id, job_id).await?;
    if job.state != FAILED {
        return Err(Error::conflict(
            "job_not_failed",
            format!("the job is {}; only a failed job can be retried", job.state),
        ));
    }
    if let Some(r) = Resource::parse(&job.resource) {
        ensure_can_sync(shop, r)?;
    }
    let res = sync_job::Entity::update_many()
        .col_expr(sync_job::Column::State, Expr::value(QUEUED))
        .col_expr(sync_job::Column::Attempts, Expr::value(0))
        .col_expr(sync_job::Column::Failures, Expr::value(0))
        .col_expr(sync_job::Column::RunAfter, Expr::value(now))
        .col_expr(
            sync_job::Column::FinishedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(sync_job::Column::UpdatedAt, Expr::value(now))
        .filter(sync_job::Column::Id.eq(&job.id))
        .filter(sync_job::Column::State.eq(FAILED))
        .exec(db)
        .await;
    match res {
        Ok(r) if r.rows_affected == 1 => get_for_shop(db, &shop.id, job_id).await,
        Ok(_) => Err(Error::conflict(
            "job_not_failed",
            "the job changed meanwhile; read it again",
        )),
        // The partial unique index: another job for the resource is queued or running.
        Err(e) => {
            let other = sync_job::Entity::find()
                .filter(sync_job::Column::ShopId.eq(&shop.id))
                .filter(sync_job::Column::Resource.eq(&job.resource))
                .filter(active())
                .one(db)
                .await?;
            if other.is_none() {
                return Err(e.into());
            }
            Err(Error::conflict(
                "sync_in_progress",
                format!(
                    "another {} sync of this shop is queued or running; follow that one",
                    job.resource
                ),
            ))
        }
    }
}
