//! Builds the actix application over the shared state (`state.rs`) and starts the background work;
//! `main` and the tests both use it.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use tokio_util::sync::CancellationToken;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::error::Error;
use crate::routes::published::Published;
use crate::state::AppState;
use crate::webhooks::writer::EventWriter;

/// Worker threads for the runtime under `serve`: half the cores, at least one. HTTP requests run on
/// actix's own workers (one per core), so this runtime carries only the background work: the webhook
/// writer, the processor, sync jobs, token refreshes. With a thread per core on top of actix's, each
/// hand-off between the writer and its database connection waited for a core more often: webhook
/// ingest rose by about 15% on SQLite with one thread instead of two on 2 cores (docs/benchmarks.md).
pub fn background_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    (cores / 2).max(1)
}

/// The API as published, built from the registered routes once.
fn published() -> anyhow::Result<Published> {
    let openapi = crate::openapi::build();
    Ok(Published {
        route_methods: crate::routes::unmatched::route_methods(&openapi),
        openapi_json: openapi
            .to_pretty_json()
            .context("rendering the OpenAPI document")?,
    })
}

/// Registers the whole service on an actix `ServiceConfig`; the server and in-process tests share it.
pub fn configure(
    state: web::Data<AppState>,
    published: web::Data<Published>,
) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::from(state.jwt.clone()))
            .app_data(state)
            .app_data(published)
            .app_data(web::QueryConfig::default().error_handler(|err, _| {
                Error::bad_request(
                    "invalid_query",
                    format!("the query string is invalid: {err}"),
                )
                .into()
            }))
            .app_data(web::PathConfig::default().error_handler(|err, _| {
                Error::bad_request("invalid_path", format!("the path is invalid: {err}")).into()
            }))
            .service(
                SwaggerUi::new("/api/docs/{_:.*}")
                    .config(SwaggerConfig::new(["/api/openapi.json"])),
            )
            .default_service(web::to(crate::routes::unmatched::unmatched));
        // Routes last: the docs page and every API route; utoipa-actix-web keeps them documented.
        let mut routes = utoipa_actix_web::service_config::ServiceConfig::new(cfg);
        crate::routes::configure(&mut routes);
    }
}

/// A bound, not yet running server (port 0 in tests).
pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    state: web::Data<AppState>,
    workers: CancellationToken,
    writer_stop: CancellationToken,
    /// Background tasks that hand work back when they stop (sync workers, webhook processor).
    handed_back: Vec<tokio::task::JoinHandle<()>>,
}

/// How long a stop waits for the background work to hand back what it holds.
const HAND_BACK: std::time::Duration = std::time::Duration::from_secs(15);

/// Waits for SIGTERM (a service manager's stop) or SIGINT (Ctrl-C); answers which came.
async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = tokio::signal::ctrl_c() => "SIGINT",
            },
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the service");
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// Raises the open-file limit and answers how many connections each HTTP worker may hold.
fn open_files() -> usize {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    match crate::server_limits::raise_nofile() {
        Ok((before, after)) => {
            let per_worker = crate::server_limits::connections_per_worker(after, workers);
            tracing::info!(
                before,
                after,
                per_worker,
                "open-file limit; connections per HTTP worker"
            );
            per_worker
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not read or raise the open-file limit");
            crate::server_limits::connections_per_worker(1024, workers)
        }
    }
}

impl Application {
    /// Connects to the database, applies migrations and binds `settings.bind`.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let connections_per_worker = open_files();
        let db = crate::db::connect(&settings.database_url).await?;
        crate::db::migrate_up(&db).await?;
        let listener = TcpListener::bind(settings.bind).with_context(|| {
            format!(
                "binding {} (OCEAN_BIND); is another process using it?",
                settings.bind
            )
        })?;
        let port = listener.local_addr()?.port();
        let workers = CancellationToken::new();
        // The webhook writer serves the receiver, not the background work: it stops after the server
        // (and its in-flight requests), and stopping the workers leaves deliveries stored.
        let writer_stop = CancellationToken::new();
        let writer_db = crate::db::connect_webhook_writer(&settings.database_url, &db).await?;
        let dedicated = !crate::db::in_memory(&settings.database_url);
        let writer = EventWriter::spawn(writer_db, dedicated, writer_stop.clone());
        let state = web::Data::new(AppState::new(settings, db, clock, writer)?);
        crate::shops::service::backfill_fingerprints(&state.db, &state.vault).await?;
        let server_state = state.clone();
        let published = web::Data::new(published()?);
        let client_limits = web::Data::new(Arc::new(crate::server_limits::ClientLimits::default()));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(client_limits.clone())
                .wrap(from_fn(crate::server_limits::limit_unauthenticated))
                .wrap(from_fn(crate::telemetry::observe_request))
                .configure(configure(server_state.clone(), published.clone()))
        })
        .max_connections(connections_per_worker)
        .client_request_timeout(std::time::Duration::from_secs(5))
        .listen(listener)?
        .shutdown_timeout(30)
        // The stop is ours (`run_until_stopped`): the HTTP workers must outlive the background
        // work's hand-back, see there.
        .disable_signals()
        .run();
        let shared = || state.clone().into_inner();
        crate::workers::spawn_refresher(shared(), workers.child_token());
        // The work a stop must hand back: the sync workers and the webhook processor.
        let mut handed_back = crate::workers::spawn_sync_workers(shared(), workers.child_token());
        crate::workers::spawn_scheduler(shared(), workers.child_token());
        handed_back.push(crate::workers::spawn_webhook_processor(
            shared(),
            workers.child_token(),
        ));
        crate::workers::spawn_pruner(shared(), workers.child_token());
        Ok(Self {
            port,
            server,
            state,
            workers,
            writer_stop,
            handed_back,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until SIGINT/SIGTERM, then stops taking work and finishes what is in flight: the
    /// sync workers hand their jobs back and the webhook processor its unreached events (so a
    /// restart resumes them at once), then the server answers its open requests and stops, then
    /// the writer stops.
    ///
    /// The hand-back comes first because each HTTP worker thread has a runtime of its own, and a
    /// PostgreSQL connection the pool opened while serving a request is driven by that runtime: once
    /// the server stops, such a connection fails ("Tokio context is being shutdown") under the
    /// background work that borrows it, and its claims would wait for their lease. Meanwhile the
    /// server keeps storing TikTok's deliveries for the next process.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let server = self.server;
        tokio::pin!(server);
        tokio::select! {
            result = &mut server => {
                self.workers.cancel();
                self.writer_stop.cancel();
                return result;
            }
            signal = stop_signal() => tracing::info!(signal, "stopping: handing back the work held"),
        }
        self.workers.cancel();
        let handed_back = futures_util::future::join_all(self.handed_back);
        if tokio::time::timeout(HAND_BACK, handed_back).await.is_err() {
            tracing::warn!("background work did not stop in time; its leases will run out");
        }
        tracing::info!("stopping: answering the open requests");
        // The server future runs the stop it is asked for: both are polled together.
        let ((), result) = tokio::join!(handle.stop(true), server);
        self.writer_stop.cancel();
        result
    }

    /// The server future and the handle that stops the background workers (tests stop them on drop).
    pub fn into_parts(self) -> (actix_web::dev::Server, CancellationToken) {
        (self.server, self.workers)
    }
}
