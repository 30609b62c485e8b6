//! The job a syncer works in: its row's states, its lease, its progress, why a run stops short, and
//! the context a syncer is handed ([`JobCtx`]: the shop's session, the job, its progress and the
//! checkpoint that saves both). The queue (`jobs.rs`) claims and finishes jobs; the syncers only see
//! this.

use chrono::Duration;
use sea_orm::prelude::*;
use sea_orm::sea_query::Expr;
use serde::{Deserialize, Serialize};

use entity::sync_job;

use super::Mode;
use crate::deps::TikTokAccess;
use crate::error::Error;
use crate::shops::session::ShopSession;

pub const QUEUED: &str = "queued";
pub const RUNNING: &str = "running";
pub const SUCCEEDED: &str = "succeeded";
pub const FAILED: &str = "failed";
pub const CANCELLED: &str = "cancelled";

/// A job's progress, stored as JSON on its row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    #[serde(default)]
    pub pages: u64,
    #[serde(default)]
    pub items: u64,
    /// TikTok's `total_count` when it gives one.
    #[serde(default)]
    pub total: Option<u64>,
    /// Records that could not be read and were skipped (see the log).
    #[serde(default)]
    pub skipped: u64,
    /// Of `items`, the records that were new or newer than what we had; an incremental sync after
    /// the webhooks were processed finds none.
    #[serde(default)]
    pub changed: u64,
    /// Where a resumed full sync starts again (TikTok `update_time`, unix seconds).
    #[serde(default)]
    pub resume_from: Option<i64>,
}

impl Progress {
    /// Counts one record read and saved.
    pub fn count(&mut self, saved: super::Saved) {
        self.items += 1;
        if saved.is_news() {
            self.changed += 1;
        }
    }

    pub fn from_column(raw: &str) -> Self {
        serde_json::from_str(raw).unwrap_or_default()
    }

    pub fn to_column(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }
}

/// Why a run stopped short.
#[derive(Debug)]
pub enum JobError {
    /// Worth another attempt (TikTok unavailable, rate limited, a database hiccup).
    Retry(String),
    /// No attempt can succeed (the shop must be authorized again, TikTok refused the request).
    Fatal(String),
    /// Nothing to do any more (the shop or its area is gone or disabled).
    Cancelled(String),
    /// Another worker owns the job now (our lease ran out); stop without touching it.
    LeaseLost,
    /// The database kept the write lock from us past its busy timeout (SQLite, e.g. while a process
    /// just started recovers a dead one's log): run again shortly, not a failure of the work.
    Contended(String),
}

impl From<DbErr> for JobError {
    fn from(e: DbErr) -> Self {
        if crate::db::is_lock_contention(&e) {
            JobError::Contended(format!("database: {e}"))
        } else {
            JobError::Retry(format!("database: {e}"))
        }
    }
}

impl From<Error> for JobError {
    fn from(e: Error) -> Self {
        let text = format!("{}: {}", e.code, e.message);
        match e.code {
            "reauthorization_required"
            | "shop_not_connected"
            | "tiktok_scope_missing"
            | "tiktok_refused"
            | "tiktok_signature_rejected" => JobError::Fatal(text),
            _ => JobError::Retry(text),
        }
    }
}

impl From<crate::shops::session::CallError> for JobError {
    fn from(e: crate::shops::session::CallError) -> Self {
        Error::from(e).into()
    }
}

/// What a syncer works with: the shop's TikTok session, the job and its progress.
pub struct JobCtx<'a> {
    pub access: TikTokAccess<'a>,
    /// How long a claim holds without renewal (`OCEAN_WORK_LEASE`, 30 s by default): the worker
    /// renews it every third of it while the job runs, and every saved page extends it, so a dead
    /// worker's job is taken over within this.
    pub lease: Duration,
    pub job: sync_job::Model,
    pub mode: Mode,
    pub session: ShopSession,
    pub progress: Progress,
}

impl JobCtx<'_> {
    pub fn shop_id(&self) -> &str {
        &self.job.shop_id
    }

    /// Saves the progress and extends the lease; fails when another worker took the job over.
    pub async fn checkpoint(&mut self) -> Result<(), JobError> {
        let now = self.access.clock.now();
        checkpoint(self.access.db, &self.job, self.lease, &self.progress, now).await
    }
}

/// [`JobCtx::checkpoint`] on a connection of the caller's choosing: a syncer saves a page's rows and
/// the progress that counts them in one transaction (one commit a page, and a progress that never
/// runs ahead of the rows). Fails when another worker took the job over, which rolls the page back.
pub async fn checkpoint(
    db: &impl ConnectionTrait,
    job: &sync_job::Model,
    lease: Duration,
    progress: &Progress,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), JobError> {
    let res = sync_job::Entity::update_many()
        .col_expr(
            sync_job::Column::Progress,
            Expr::value(progress.to_column()),
        )
        .col_expr(sync_job::Column::LeaseUntil, Expr::value(Some(now + lease)))
        .col_expr(sync_job::Column::UpdatedAt, Expr::value(now))
        .filter(sync_job::Column::Id.eq(&job.id))
        .filter(sync_job::Column::State.eq(RUNNING))
        .filter(sync_job::Column::LeaseOwner.eq(job.lease_owner.clone()))
        .exec(db)
        .await?;
    if res.rows_affected == 1 {
        Ok(())
    } else {
        Err(JobError::LeaseLost)
    }
}
