//! Liveness, readiness, metrics and the OpenAPI document: no authentication.

use actix_web::{HttpResponse, get, web};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{Error, ErrorEnvelope, Result};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok", "version": "0.1.0"}))]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ready", "database": "ok", "pending_migrations": 0}))]
pub struct Readiness {
    pub status: &'static str,
    pub database: &'static str,
    pub pending_migrations: usize,
}

/// Where the API begins: what it is and where its documentation is.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"name": "Ocean ERP × TikTok Shop", "version": "0.1.0", "docs": "/api/docs/",
    "openapi": "/api/openapi.json", "health": "/api/health"}))]
pub struct ApiIndex {
    pub name: &'static str,
    pub version: &'static str,
    /// The API documentation (Swagger UI, served from the binary).
    pub docs: &'static str,
    /// The OpenAPI 3.1 document.
    pub openapi: &'static str,
    pub health: &'static str,
}

/// The API's entry: links to its documentation, its OpenAPI document and its health.
#[utoipa::path(
    tag = "operations",
    security(()),
    responses((status = 200, description = "Where things are", body = ApiIndex))
)]
#[get("/api")]
pub async fn index() -> web::Json<ApiIndex> {
    web::Json(ApiIndex {
        name: "Ocean ERP × TikTok Shop",
        version: env!("CARGO_PKG_VERSION"),
        docs: "/api/docs/",
        openapi: "/api/openapi.json",
        health: "/api/health",
    })
}

/// The documentation page is `/api/docs/`: this address (the one people type) leads there.
#[utoipa::path(
    tag = "operations",
    security(()),
    responses((status = 308, description = "To the documentation page",
        headers(("location" = String, description = "/api/docs/"))))
)]
#[get("/api/docs")]
pub async fn docs_page() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, "/api/docs/"))
        .finish()
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Up", body = Health)))]
#[get("/api/health")]
pub async fn health() -> web::Json<Health> {
    web::Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// The database answers and every migration is applied.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "The database is unreachable or migrations are pending", body = ErrorEnvelope),
    )
)]
#[get("/api/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<web::Json<Readiness>> {
    use migration::MigratorTrait;
    state.db.execute_unprepared("SELECT 1").await.map_err(|_| {
        Error::unavailable(
            "the database does not answer; check DATABASE_URL and that the server runs",
        )
    })?;
    let pending = migration::Migrator::get_pending_migrations_read_only(&state.db)
        .await
        .map_err(|_| {
            Error::unavailable("the migration table cannot be read; run `ocean-tiktok migrate up`")
        })?
        .len();
    if pending > 0 {
        return Err(Error::unavailable(format!(
            "{pending} migrations are pending; run `ocean-tiktok migrate up`"
        )));
    }
    Ok(web::Json(Readiness {
        status: "ready",
        database: "ok",
        pending_migrations: 0,
    }))
}

/// Prometheus metrics: requests by route and status, latency histogram, TikTok calls and this
/// minute's API budget use per shop and category (`tiktok_quota_used{key}`).
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain; version=0.0.4",
        body = String, example = "http_requests_total{method=\"GET\",route=\"/api/health\",status=\"200\"} 1"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    if let Err(e) = crate::shops::quota::publish_metrics(&state.db, state.clock.now()).await {
        tracing::warn!(error = %e, "quota figures unavailable for /metrics");
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object,
        example = json!({"openapi": "3.1.0", "info": {"title": "Ocean ERP × TikTok Shop"}})))
)]
#[get("/api/openapi.json")]
pub async fn openapi_json(published: web::Data<super::published::Published>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(published.openapi_json.clone())
}
