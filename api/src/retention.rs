//! Retention: finished records older than their period (settings `OCEAN_RETENTION_*`) are deleted
//! by a background pass once an hour, in small batches so no pass holds a long lock. Idempotency
//! keys, done webhook events, spent or expired OAuth states, finished sync jobs and old stock
//! history go; anything still in use (a key whose request runs, an event waiting to be processed, a
//! queued or running job) stays whatever its age; the audit log is kept (it is the audit).

use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::{Condition, ExprTrait, Query, SimpleExpr};
use sea_orm::{QuerySelect, QueryTrait};

use entity::{idempotency_key, oauth_state, stock_history, sync_job, webhook_event};

use crate::config::Retention;

/// Rows deleted per statement.
const BATCH: u64 = 1_000;

/// What one pass deleted, per table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pruned {
    pub idempotency_keys: u64,
    pub webhook_events: u64,
    pub oauth_states: u64,
    pub sync_jobs: u64,
    pub stock_history: u64,
}

fn before(now: DateTime<Utc>, period: StdDuration) -> DateTime<Utc> {
    now - chrono::Duration::from_std(period).unwrap_or(chrono::Duration::MAX)
}

/// One pass over every table.
pub async fn prune(
    db: &DatabaseConnection,
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<Pruned, DbErr> {
    let keys_before = before(now, retention.idempotency_keys);
    // Idempotency keys: answered, or their request died (no live lease).
    let idempotency_keys = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(keys_before))
        .filter(
            Condition::any()
                .add(idempotency_key::Column::Status.is_not_null())
                .add(idempotency_key::Column::LeaseUntil.is_null())
                .add(idempotency_key::Column::LeaseUntil.lt(now)),
        )
        .exec(db)
        .await?
        .rows_affected;

    let events_before = before(now, retention.webhook_events);
    let webhook_events = in_batches(db, |db| async move {
        use crate::webhooks::process::{
            STATE_DEAD, STATE_PROCESSED, STATE_SKIPPED, STATE_UNHANDLED,
        };
        let due = webhook_event::Entity::find()
            .select_only()
            .column(webhook_event::Column::Id)
            .filter(webhook_event::Column::ReceivedAt.lt(events_before))
            .filter(webhook_event::Column::State.is_in([
                STATE_PROCESSED,
                STATE_SKIPPED,
                STATE_UNHANDLED,
                STATE_DEAD,
            ]))
            .limit(BATCH)
            .into_query();
        delete_ids(db, webhook_event::Entity, webhook_event::Column::Id, due).await
    })
    .await?;

    let states_before = before(now, retention.oauth_states);
    let oauth_states = oauth_state::Entity::delete_many()
        .filter(
            Condition::any()
                .add(oauth_state::Column::UsedAt.lt(states_before))
                .add(oauth_state::Column::ExpiresAt.lt(states_before)),
        )
        .exec(db)
        .await?
        .rows_affected;

    let jobs_before = before(now, retention.sync_jobs);
    let sync_jobs = sync_job::Entity::delete_many()
        .filter(sync_job::Column::FinishedAt.lt(jobs_before))
        .filter(sync_job::Column::State.is_in([
            crate::sync::jobs::SUCCEEDED,
            crate::sync::jobs::FAILED,
            crate::sync::jobs::CANCELLED,
        ]))
        .exec(db)
        .await?
        .rows_affected;

    let history_before = before(now, retention.stock_history);
    let stock_history = in_batches(db, |db| async move {
        let due = stock_history::Entity::find()
            .select_only()
            .column(stock_history::Column::Id)
            .filter(stock_history::Column::At.lt(history_before))
            .limit(BATCH)
            .into_query();
        delete_ids(db, stock_history::Entity, stock_history::Column::Id, due).await
    })
    .await?;

    let pruned = Pruned {
        idempotency_keys,
        webhook_events,
        oauth_states,
        sync_jobs,
        stock_history,
    };
    for (table, n) in [
        ("idempotency_keys", pruned.idempotency_keys),
        ("webhook_events", pruned.webhook_events),
        ("oauth_states", pruned.oauth_states),
        ("sync_jobs", pruned.sync_jobs),
        ("stock_history", pruned.stock_history),
    ] {
        metrics::counter!("ocean_pruned_rows_total", "table" => table).increment(n);
    }
    Ok(pruned)
}

/// Runs `batch` until it deletes fewer than a full batch; answers the rows deleted.
async fn in_batches<'a, F, Fut>(db: &'a DatabaseConnection, batch: F) -> Result<u64, DbErr>
where
    F: Fn(&'a DatabaseConnection) -> Fut,
    Fut: std::future::Future<Output = Result<u64, DbErr>>,
{
    let mut total = 0;
    loop {
        let n = batch(db).await?;
        total += n;
        if n < BATCH {
            return Ok(total);
        }
    }
}

async fn delete_ids<E: EntityTrait>(
    db: &DatabaseConnection,
    _entity: E,
    id: E::Column,
    ids: sea_orm::sea_query::SelectStatement,
) -> Result<u64, DbErr> {
    let condition: SimpleExpr = Expr::col(id).in_subquery(ids);
    let statement = Query::delete()
        .from_table(E::default())
        .and_where(condition)
        .to_owned();
    Ok(db.execute(&statement).await?.rows_affected())
}
