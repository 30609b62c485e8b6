//! The durable job queue. A job is one resource of one shop; workers claim it with a lease
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a conditional UPDATE on SQLite), extend the lease at every
//! saved page, and finish it. A job whose lease ran out (its worker died) is claimable again and
//! resumes: syncers restart from the high-water mark or the job's checkpoint, and upserts make any
//! repeated page harmless. Failures retry with exponential back-off, then stay `failed` with the error.
//!
//! Why not a job-queue crate: the ones that fit (apalis, underway, graphile-worker ports) each want their
//! own SQL layer and schema and cover only one of our two databases; the queue is one table and a
//! few statements on top of sea-orm.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::{Condition, Expr, LockBehavior, LockType};
use sea_orm::{ActiveValue::Set, DatabaseBackend, QueryOrder, QuerySelect, TransactionTrait};

use entity::{shop, sync_job};

pub use super::job::{CANCELLED, FAILED, JobCtx, JobError, Progress, QUEUED, RUNNING, SUCCEEDED};
use super::{Mode, Resource};
// The API's side of the queue lives in `requests.rs`; its old paths stay.
pub use super::requests::{
    enabled_resources, ensure_can_sync, get_for_shop, list_for_shop, request_sync, retry,
};
use crate::deps::{Store, Worker};
use crate::shops::Features;
use crate::shops::session::ShopSession;

/// Attempts before a job stays failed.
pub const MAX_ATTEMPTS: i32 = 5;
/// How soon a run the database's lock held off runs again.
const CONTENDED_RETRY_SECS: i64 = 2;

/// First back-off after a failure; doubled with each attempt.
pub const BACKOFF_BASE_SECS: i64 = 30;
/// Sync workers per process.
pub const WORKERS: usize = 2;
pub const POLL: StdDuration = StdDuration::from_millis(500);

pub(super) fn active() -> Condition {
    Condition::any()
        .add(sync_job::Column::State.eq(QUEUED))
        .add(sync_job::Column::State.eq(RUNNING))
}

/// Queues a job, or returns the shop's queued or running job for the resource (`false`).
pub async fn enqueue(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    shop: &shop::Model,
    resource: Resource,
    mode: Mode,
) -> Result<(sync_job::Model, bool), DbErr> {
    let find_active = || {
        sync_job::Entity::find()
            .filter(sync_job::Column::ShopId.eq(&shop.id))
            .filter(sync_job::Column::Resource.eq(resource.as_str()))
            .filter(active())
            .one(db)
    };
    if let Some(existing) = find_active().await? {
        return Ok((existing, false));
    }
    let progress = match mode {
        Mode::Full => resume_point(db, now, shop, resource).await?,
        Mode::Incremental => Progress::default(),
    };
    let job = sync_job::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        tenant_id: Set(shop.tenant_id.clone()),
        shop_id: Set(shop.id.clone()),
        resource: Set(resource.as_str().to_owned()),
        mode: Set(mode.as_str().to_owned()),
        state: Set(QUEUED.to_owned()),
        progress: Set(progress.to_column()),
        attempts: Set(0),
        failures: Set(0),
        max_attempts: Set(MAX_ATTEMPTS),
        error: Set(None),
        run_after: Set(now),
        lease_owner: Set(None),
        lease_until: Set(None),
        created_at: Set(now),
        started_at: Set(None),
        finished_at: Set(None),
        updated_at: Set(now),
    };
    match job.insert(db).await {
        Ok(job) => {
            tracing::info!(job = %job.id, shop = %shop.id, resource = resource.as_str(), mode = mode.as_str(), "sync job queued");
            Ok((job, true))
        }
        // Another request or process queued one between our read and insert: the unique index
        // on active jobs refused ours, so answer with theirs.
        Err(e) => match find_active().await? {
            Some(existing) => Ok((existing, false)),
            None => Err(e),
        },
    }
}

/// A full sync that replaces one that failed in the last day starts at its checkpoint: what that
/// one saved stays saved, so a shop whose full sync keeps failing part-way still gets through it.
async fn resume_point(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    shop: &shop::Model,
    resource: Resource,
) -> Result<Progress, DbErr> {
    let failed = sync_job::Entity::find()
        .filter(sync_job::Column::ShopId.eq(&shop.id))
        .filter(sync_job::Column::Resource.eq(resource.as_str()))
        .filter(sync_job::Column::Mode.eq(Mode::Full.as_str()))
        .filter(sync_job::Column::State.eq(FAILED))
        .filter(sync_job::Column::FinishedAt.gt(now - Duration::days(1)))
        .order_by_desc(sync_job::Column::FinishedAt)
        .one(db)
        .await?;
    Ok(match failed.map(|j| Progress::from_column(&j.progress)) {
        Some(p) if p.resume_from.is_some() => Progress { total: None, ..p },
        _ => Progress::default(),
    })
}

fn claimable(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(sync_job::Column::State.eq(QUEUED))
                .add(sync_job::Column::RunAfter.lte(now)),
        )
        .add(
            Condition::all()
                .add(sync_job::Column::State.eq(RUNNING))
                .add(sync_job::Column::LeaseUntil.lt(now)),
        )
}

/// Takes one candidate if it is still claimable and unchanged (attempts act as its version).
async fn take(
    db: &impl ConnectionTrait,
    candidate: &sync_job::Model,
    owner: &str,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Option<sync_job::Model>, DbErr> {
    let res = sync_job::Entity::update_many()
        .col_expr(sync_job::Column::State, Expr::value(RUNNING))
        .col_expr(
            sync_job::Column::LeaseOwner,
            Expr::value(Some(owner.to_owned())),
        )
        .col_expr(sync_job::Column::LeaseUntil, Expr::value(Some(now + lease)))
        .col_expr(
            sync_job::Column::Attempts,
            Expr::value(candidate.attempts + 1),
        )
        .col_expr(
            sync_job::Column::StartedAt,
            Expr::value(Some(candidate.started_at.unwrap_or(now))),
        )
        .col_expr(sync_job::Column::UpdatedAt, Expr::value(now))
        .filter(sync_job::Column::Id.eq(&candidate.id))
        .filter(sync_job::Column::Attempts.eq(candidate.attempts))
        .filter(claimable(now))
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Ok(None);
    }
    sync_job::Entity::find_by_id(candidate.id.clone())
        .one(db)
        .await
}

/// Claims the next runnable job for `owner`: a queued one whose back-off is over, or a running one
/// whose lease ran out (its worker died).
pub async fn claim_as(worker: Worker<'_>, owner: &str) -> Result<Option<sync_job::Model>, DbErr> {
    let Store { db, clock } = worker.store();
    let now = clock.now();
    let query = || {
        sync_job::Entity::find()
            .filter(claimable(now))
            .order_by_asc(sync_job::Column::RunAfter)
            .order_by_asc(sync_job::Column::CreatedAt)
    };
    if db.get_database_backend() == DatabaseBackend::Postgres {
        let txn = db.begin().await?;
        let candidate = query()
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .one(&txn)
            .await?;
        let taken = match candidate {
            Some(c) => take(&txn, &c, owner, now, worker.lease_span()).await?,
            None => None,
        };
        txn.commit().await?;
        Ok(taken)
    } else {
        // SQLite has one writer; a conditional UPDATE decides races, and a loser tries the next.
        for c in query().limit(4).all(db).await? {
            if let Some(job) = take(db, &c, owner, now, worker.lease_span()).await? {
                return Ok(Some(job));
            }
        }
        Ok(None)
    }
}

/// Claims one given job for `owner` if it is claimable now: the operator's `sync` command works the
/// job it asked for rather than the queue's next one. `None` when another worker holds it or its
/// back-off is not over.
pub async fn claim_job(
    worker: Worker<'_>,
    job_id: &str,
    owner: &str,
) -> Result<Option<sync_job::Model>, DbErr> {
    let Store { db, clock } = worker.store();
    let now = clock.now();
    let candidate = sync_job::Entity::find_by_id(job_id.to_owned())
        .filter(claimable(now))
        .one(db)
        .await?;
    match candidate {
        // One conditional UPDATE decides a race with a worker on either database.
        Some(c) => take(db, &c, owner, now, worker.lease_span()).await,
        None => Ok(None),
    }
}

/// Finishes a job we own; a job we no longer own is left alone. `failed`: the run's work failed.
async fn finish(
    store: Store<'_>,
    job: &sync_job::Model,
    new_state: &str,
    error: Option<String>,
    run_after: Option<DateTime<Utc>>,
    failed: bool,
) -> Result<(), DbErr> {
    let now = store.clock.now();
    let mut update = sync_job::Entity::update_many()
        .col_expr(
            sync_job::Column::Failures,
            Expr::value(job.failures + i32::from(failed)),
        )
        .col_expr(sync_job::Column::State, Expr::value(new_state))
        .col_expr(sync_job::Column::Error, Expr::value(error))
        .col_expr(
            sync_job::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            sync_job::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(sync_job::Column::UpdatedAt, Expr::value(now));
    if let Some(at) = run_after {
        update = update.col_expr(sync_job::Column::RunAfter, Expr::value(at));
    } else {
        update = update.col_expr(sync_job::Column::FinishedAt, Expr::value(Some(now)));
    }
    update
        .filter(sync_job::Column::Id.eq(&job.id))
        .filter(sync_job::Column::State.eq(RUNNING))
        .filter(sync_job::Column::LeaseOwner.eq(job.lease_owner.clone()))
        .exec(store.db)
        .await?;
    Ok(())
}

/// The back-off before attempt `attempts + 1`.
pub fn backoff(attempts: i32) -> Duration {
    Duration::seconds(BACKOFF_BASE_SECS << (attempts.clamp(1, 16) - 1))
}

async fn execute(worker: Worker<'_>, job: &sync_job::Model) -> Result<(), JobError> {
    let access = worker.access;
    let resource = Resource::parse(&job.resource)
        .ok_or_else(|| JobError::Fatal(format!("unknown resource {:?}", job.resource)))?;
    let mode = Mode::parse(&job.mode)
        .ok_or_else(|| JobError::Fatal(format!("unknown mode {:?}", job.mode)))?;
    let shop = shop::Entity::find_by_id(job.shop_id.clone())
        .filter(shop::Column::DeletedAt.is_null())
        .one(access.db)
        .await?
        .ok_or_else(|| JobError::Cancelled("the shop was deleted".into()))?;
    if !Features::from_json(&shop.features).is_enabled(resource.feature()) {
        return Err(JobError::Cancelled(format!(
            "the {} area is disabled for this shop",
            resource.feature().as_str()
        )));
    }
    let session = ShopSession::open(access, shop).await?;
    let mut ctx = JobCtx {
        access,
        lease: worker.lease_span(),
        progress: Progress::from_column(&job.progress),
        job: job.clone(),
        mode,
        session,
    };
    // Each syncer's future is boxed: they are large, and a job's future is polled deep (a worker's
    // loop, the lease's heartbeat), on a thread's stack when not spawned (the CLI, the tests).
    match resource {
        Resource::Orders => Box::pin(super::orders::sync(&mut ctx)).await,
        Resource::Products => Box::pin(super::products::sync(&mut ctx)).await,
        Resource::Warehouses => Box::pin(super::warehouses::sync(&mut ctx)).await,
        Resource::Inventory => Box::pin(super::inventory::sync(&mut ctx)).await,
        Resource::Tracking => Box::pin(super::tracking::sync(&mut ctx)).await,
        Resource::Promotions => Box::pin(super::promotions::sync(&mut ctx)).await,
        Resource::AffiliateOrders => Box::pin(super::affiliate::sync(&mut ctx)).await,
        Resource::Analytics => Box::pin(super::analytics::sync(&mut ctx)).await,
        Resource::Returns | Resource::Cancellations => {
            let kind = if resource == Resource::Returns {
                super::returns::Kind::Return
            } else {
                super::returns::Kind::Cancellation
            };
            Box::pin(super::returns::sync(&mut ctx, kind)).await?;
            // The shop's rules decide what now awaits the seller.
            Box::pin(crate::aftersales::rules::run_pending(
                ctx.access,
                &ctx.session.shop,
            ))
            .await?;
            Ok(())
        }
    }
}

/// Runs a claimed job to its end and records the outcome.
#[tracing::instrument(skip_all, fields(job = %job.id, shop = %job.shop_id, resource = %job.resource, attempt = job.attempts))]
pub async fn process(worker: Worker<'_>, job: sync_job::Model) {
    let store = worker.store();
    // A dead worker's job is taken over when its lease runs out: the lease is renewed while this
    // worker lives. Only failures of the work count toward giving up, so a crash loop resumes the
    // job from its checkpoint each time instead of failing it.
    let every = worker.lease / 3;
    let outcome =
        crate::heartbeat::renewing(execute(worker, &job), every, || renew_lease(worker, &job))
            .await;
    let recorded = match outcome {
        Ok(()) => {
            tracing::info!("sync job succeeded");
            finish(store, &job, SUCCEEDED, None, None, false).await
        }
        Err(JobError::LeaseLost) => {
            tracing::warn!("sync job lease lost; another worker has it");
            Ok(())
        }
        Err(JobError::Cancelled(why)) => {
            tracing::info!(reason = %why, "sync job cancelled");
            finish(store, &job, CANCELLED, Some(why), None, false).await
        }
        Err(JobError::Fatal(why)) => {
            tracing::warn!(error = %why, "sync job failed");
            finish(store, &job, FAILED, Some(why), None, true).await
        }
        Err(JobError::Contended(why)) => {
            // Run again soon from the checkpoint; the failures toward giving up are not counted.
            let at = store.clock.now() + Duration::seconds(CONTENDED_RETRY_SECS);
            tracing::warn!(error = %why, retry_at = %at, "sync job found the database locked; will run again");
            finish(store, &job, QUEUED, Some(why), Some(at), false).await
        }
        Err(JobError::Retry(why)) if job.failures + 1 >= job.max_attempts => {
            tracing::warn!(error = %why, "sync job failed; no attempts left");
            finish(store, &job, FAILED, Some(why), None, true).await
        }
        Err(JobError::Retry(why)) => {
            let at = store.clock.now() + backoff(job.failures + 1);
            tracing::warn!(error = %why, retry_at = %at, "sync job failed; will retry");
            finish(store, &job, QUEUED, Some(why), Some(at), true).await
        }
    };
    if let Err(e) = recorded {
        // The lease runs out and another worker takes the job again.
        tracing::error!(error = %e, "recording a sync job's outcome failed");
    }
}

/// Extends the lease of a job this worker runs.
async fn renew_lease(worker: Worker<'_>, job: &sync_job::Model) {
    let Store { db, clock } = worker.store();
    let now = clock.now();
    let lease = worker.lease_span();
    let renewed = sync_job::Entity::update_many()
        .col_expr(sync_job::Column::LeaseUntil, Expr::value(Some(now + lease)))
        .filter(sync_job::Column::Id.eq(&job.id))
        .filter(sync_job::Column::State.eq(RUNNING))
        .filter(sync_job::Column::LeaseOwner.eq(job.lease_owner.clone()))
        .exec(db)
        .await;
    if let Err(e) = renewed {
        tracing::warn!(job = %job.id, error = %e, "could not renew a sync job's lease");
    }
}

/// Hands a job back untouched (shutdown): queued again at once, the attempt not counted.
pub async fn release(store: Store<'_>, job: &sync_job::Model) -> Result<(), DbErr> {
    let now = store.clock.now();
    sync_job::Entity::update_many()
        .col_expr(sync_job::Column::State, Expr::value(QUEUED))
        .col_expr(
            sync_job::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            sync_job::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(sync_job::Column::Attempts, Expr::value(job.attempts - 1))
        .col_expr(sync_job::Column::RunAfter, Expr::value(now))
        .col_expr(sync_job::Column::UpdatedAt, Expr::value(now))
        .filter(sync_job::Column::Id.eq(&job.id))
        .filter(sync_job::Column::State.eq(RUNNING))
        .filter(sync_job::Column::LeaseOwner.eq(job.lease_owner.clone()))
        .exec(store.db)
        .await?;
    Ok(())
}

/// Claims and runs one job; `false` when none was runnable. Tests drive the queue with it.
pub async fn run_once(worker: Worker<'_>) -> bool {
    match claim_as(worker, worker.access.instance_id).await {
        Ok(Some(job)) => {
            process(worker, job).await;
            true
        }
        Ok(None) => false,
        Err(e) => {
            tracing::warn!(error = %e, "claiming a sync job failed");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn backoff_doubles_from_the_base() {
        assert_eq!(backoff(1), Duration::seconds(BACKOFF_BASE_SECS));
        assert_eq!(backoff(2), Duration::seconds(2 * BACKOFF_BASE_SECS));
        assert_eq!(backoff(4), Duration::seconds(8 * BACKOFF_BASE_SECS));
        assert_eq!(backoff(0), backoff(1));
    }

    #[test]
    fn progress_survives_its_column_and_garbage_reads_as_empty() {
        let p = Progress {
            pages: 3,
            items: 150,
            total: Some(420),
            skipped: 1,
            changed: 12,
            resume_from: Some(1_764_000_000),
        };
        assert_eq!(Progress::from_column(&p.to_column()), p);
        assert_eq!(Progress::from_column("not json"), Progress::default());
    }

    #[test]
    fn refusals_that_no_retry_can_fix_are_fatal() {
        let e = Error::conflict("reauthorization_required", "x");
        assert!(matches!(JobError::from(e), JobError::Fatal(_)));
        let e = Error::unavailable("x");
        assert!(matches!(JobError::from(e), JobError::Retry(_)));
        let e = DbErr::Custom("database is locked".into());
        assert!(matches!(JobError::from(e), JobError::Contended(_)));
        let e = DbErr::Custom("no such table: sync_jobs".into());
        assert!(matches!(JobError::from(e), JobError::Retry(_)));
    }
}
