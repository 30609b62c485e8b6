//! `…/shops/{id}/sync`: ask for a sync (operator), follow its jobs (viewer), retry a failed one.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use entity::sync_job;

use crate::error::{Error, ErrorEnvelope, Result};
use crate::pagination::{Page, PageQuery};
use crate::routes::json::ApiJson;
use crate::routes::schema::responses::{NeedsOperator, ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::state::AppState;
use crate::sync::jobs::{self, Progress};
use crate::sync::{Mode, Resource};

/// What to sync.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"resources": ["orders", "products"], "mode": "incremental"}))]
pub struct SyncIn {
    /// orders, products, warehouses, inventory, returns, cancellations, tracking; left out: every
    /// resource whose area is
    /// enabled.
    pub resources: Option<Vec<Resource>>,
    /// incremental (default): what changed since the last sync; full: everything again.
    pub mode: Option<Mode>,
}

/// A job's progress: pages and items read so far, and TikTok's total when it gives one.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"pages": 3, "items": 150, "total": 420, "skipped": 0, "changed": 12}))]
pub struct ProgressOut {
    pub pages: u64,
    pub items: u64,
    pub total: Option<u64>,
    /// Records TikTok sent that could not be read (logged and skipped).
    pub skipped: u64,
    /// Of `items`, those new or newer than what we had (0 when webhooks had already brought them).
    pub changed: u64,
}

/// Job states: `queued` · `running` · `succeeded` · `failed` · `cancelled`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "3f1c2b7e-8a4d-4c2e-9b1a-5d6e7f8a9b0c",
    "shop_id": "0b9f6a5e-3c1d-4f8e-9a2b-7c6d5e4f3a21",
    "resource": "orders",
    "mode": "incremental",
    "state": "running",
    "progress": {"pages": 3, "items": 150, "total": 420, "skipped": 0, "changed": 12},
    "attempts": 1,
    "failures": 0,
    "max_attempts": 5,
    "error": null,
    "run_after": "2026-11-24T21:00:00Z",
    "created_at": "2026-11-24T21:00:00Z",
    "started_at": "2026-11-24T21:00:01Z",
    "finished_at": null,
    "updated_at": "2026-11-24T21:00:09Z"
}))]
pub struct JobOut {
    pub id: String,
    pub shop_id: String,
    pub resource: String,
    pub mode: String,
    pub state: String,
    pub progress: ProgressOut,
    /// Runs started, including one cut short when its server process died or stopped.
    pub attempts: i32,
    /// Runs whose work failed; the job stays `failed` once these reach `max_attempts`.
    pub failures: i32,
    pub max_attempts: i32,
    /// The last failure's cause (kept while a retry is queued).
    pub error: Option<String>,
    /// A queued job does not start before this (back-off after a failure).
    pub run_after: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl From<sync_job::Model> for JobOut {
    fn from(j: sync_job::Model) -> Self {
        let p = Progress::from_column(&j.progress);
        Self {
            progress: ProgressOut {
                pages: p.pages,
                items: p.items,
                total: p.total,
                skipped: p.skipped,
                changed: p.changed,
            },
            id: j.id,
            shop_id: j.shop_id,
            resource: j.resource,
            mode: j.mode,
            state: j.state,
            attempts: j.attempts,
            failures: j.failures,
            max_attempts: j.max_attempts,
            error: j.error,
            run_after: j.run_after,
            created_at: j.created_at,
            started_at: j.started_at,
            finished_at: j.finished_at,
            updated_at: j.updated_at,
        }
    }
}

/// The queued jobs, one per resource; `job_id` is the first one's.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "job_id": "3f1c2b7e-8a4d-4c2e-9b1a-5d6e7f8a9b0c",
    "jobs": [{
        "id": "3f1c2b7e-8a4d-4c2e-9b1a-5d6e7f8a9b0c",
        "shop_id": "0b9f6a5e-3c1d-4f8e-9a2b-7c6d5e4f3a21",
        "resource": "orders", "mode": "incremental", "state": "queued",
        "progress": {"pages": 0, "items": 0, "total": null, "skipped": 0, "changed": 0},
        "attempts": 0, "failures": 0, "max_attempts": 5, "error": null,
        "run_after": "2026-11-24T21:00:00Z", "created_at": "2026-11-24T21:00:00Z",
        "started_at": null, "finished_at": null, "updated_at": "2026-11-24T21:00:00Z"
    }]
}))]
pub struct SyncAccepted {
    pub job_id: String,
    /// A resource that already had a queued or running job answers with that job.
    pub jobs: Vec<JobOut>,
}

/// Sync the shop now.
///
/// Queues one job per resource; a resource that already has a queued or running job answers with
/// that job instead of queueing another.
#[utoipa::path(
    tag = "sync",
    params(("id" = String, Path, description = "Our shop id")),
    request_body = SyncIn,
    responses(
        (status = 202, description = "The jobs, queued (or already active)", body = SyncAccepted),
        (status = 400, description = "An unknown resource or mode", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "The shop is not connected (`shop_not_connected`) or an area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/sync")]
pub async fn request_sync(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, AnyArea>,
    body: ApiJson<SyncIn>,
) -> Result<HttpResponse> {
    let ShopScope { shop, .. } = scope;
    let body = body.0;
    let resources = body.resources(&shop)?;
    let jobs = jobs::request_sync(
        &state.db,
        state.clock.now(),
        &shop,
        &resources,
        body.mode.unwrap_or(Mode::Incremental),
    )
    .await?;
    let jobs: Vec<JobOut> = jobs.into_iter().map(JobOut::from).collect();
    let Some(first) = jobs.first() else {
        return Err(Error::conflict(
            "feature_disabled",
            "every syncable area is disabled for this shop; an admin can enable them (PUT …/features)",
        ));
    };
    Ok(HttpResponse::Accepted().json(SyncAccepted {
        job_id: first.id.clone(),
        jobs,
    }))
}

impl SyncIn {
    /// The resources asked for, each once, in the order named; none named: the shop's enabled ones.
    fn resources(&self, shop: &entity::shop::Model) -> Result<Vec<Resource>> {
        let mut resources = match &self.resources {
            Some(list) if list.is_empty() => {
                return Err(Error::invalid_field(
                    "resources",
                    "must name at least one of orders, products, warehouses, inventory, returns, cancellations, tracking (or be left out)",
                ));
            }
            Some(list) => list.clone(),
            None => jobs::enabled_resources(shop),
        };
        let mut seen = Vec::new();
        resources.retain(|r| {
            let new = !seen.contains(r);
            seen.push(*r);
            new
        });
        Ok(resources)
    }
}

/// The shop's sync jobs, newest first.
#[utoipa::path(
    tag = "sync",
    params(("id" = String, Path, description = "Our shop id"), PageQuery),
    responses(
        (status = 200, description = "A page of jobs", body = Page<JobOut>),
        (status = 400, description = "A bad limit or cursor", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/sync/jobs")]
pub async fn list_jobs(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, AnyArea>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<JobOut>>> {
    let ShopScope { shop, .. } = scope;
    let (rows, next) =
        jobs::list_for_shop(&state.db, &shop.id, query.limit()?, query.cursor()?).await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(JobOut::from).collect(),
        next_cursor: next.map(|c| c.encode()),
    }))
}

/// One sync job with its progress and error.
#[utoipa::path(
    tag = "sync",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("job_id" = String, Path, description = "The job's id"),
    ),
    responses(
        (status = 200, description = "The job", body = JobOut),
        Unauthorized,
        (status = 404, description = "No such shop or job for this tenant", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/sync/jobs/{job_id}")]
pub async fn get_job(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, AnyArea>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<JobOut>> {
    let ShopScope { shop, .. } = scope;
    let (_, job_id) = path.into_inner();
    let job = jobs::get_for_shop(&state.db, &shop.id, &job_id).await?;
    Ok(web::Json(job.into()))
}

/// Queue a failed job again, with fresh attempts.
#[utoipa::path(
    tag = "sync",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("job_id" = String, Path, description = "The failed job's id"),
    ),
    responses(
        (status = 202, description = "The job, queued again", body = JobOut),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop or job for this tenant", body = ErrorEnvelope),
        (status = 409, description = "The job has not failed (`job_not_failed`), another sync of the resource is active (`sync_in_progress`), the shop is not connected or the area is disabled", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/sync/jobs/{job_id}/retry")]
pub async fn retry_job(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, AnyArea>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    let ShopScope { shop, .. } = scope;
    let (_, job_id) = path.into_inner();
    let job = jobs::retry(&state.db, state.clock.now(), &shop, &job_id).await?;
    Ok(HttpResponse::Accepted().json(JobOut::from(job)))
}
