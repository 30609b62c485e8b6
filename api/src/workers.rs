//! The process's background work, wired: each `spawn_*` keeps the shared state alive for as long as
//! its loop runs, and on each turn lends the service it drives only the narrow dependencies that
//! service takes ([`Store`](crate::deps::Store), [`TikTokAccess`](crate::deps::TikTokAccess),
//! [`Worker`](crate::deps::Worker)). `app.rs` starts them; a cancelled token stops them.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::state::AppState;
use crate::sync::{jobs, scheduler};
use crate::webhooks::{process, subscriptions};

/// The token refresher: looks once a minute until cancelled (and prunes old budget windows).
pub fn spawn_refresher(state: Arc<AppState>, stop: CancellationToken) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(e) = crate::shops::tokens::refresh_expiring(state.access()).await {
                        tracing::warn!(error = %e, "token refresher pass failed");
                    }
                    // Old budget windows are of no use; the same pass sweeps them.
                    if let Err(e) = crate::shops::quota::prune(&state.db, state.clock.now()).await {
                        tracing::warn!(error = %e, "pruning old quota windows failed");
                    }
                }
                _ = stop.cancelled() => break,
            }
        }
    });
}

/// The sync workers: each polls for a job, runs it, and on shutdown hands back what it holds. The
/// handles end once the workers have handed back their jobs.
pub fn spawn_sync_workers(state: Arc<AppState>, stop: CancellationToken) -> Vec<JoinHandle<()>> {
    (0..jobs::WORKERS)
        .map(|_| {
            let (state, stop) = (state.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.is_cancelled() {
                    let worker = state.worker();
                    let claimed = match jobs::claim_as(worker, &state.instance_id).await {
                        Ok(job) => job,
                        Err(e) => {
                            tracing::warn!(error = %e, "claiming a sync job failed");
                            None
                        }
                    };
                    let Some(job) = claimed else {
                        tokio::select! {
                            _ = tokio::time::sleep(jobs::POLL) => {}
                            _ = stop.cancelled() => {}
                        }
                        continue;
                    };
                    tokio::select! {
                        _ = jobs::process(worker, job.clone()) => {}
                        _ = stop.cancelled() => {
                            if let Err(e) = jobs::release(state.store(), &job).await {
                                tracing::warn!(job = %job.id, error = %e, "releasing a sync job failed; its lease will expire");
                            }
                        }
                    }
                }
            })
        })
        .collect()
}

/// The sync scheduler: queues the due incremental jobs every tick, and publishes the low-stock
/// metric.
pub fn spawn_scheduler(state: Arc<AppState>, stop: CancellationToken) {
    tokio::spawn(async move {
        // The first pass one tick after start, not at once: a restart does not rush every shop.
        let tick_every = scheduler::TICK;
        let mut tick =
            tokio::time::interval_at(tokio::time::Instant::now() + tick_every, tick_every);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(e) = scheduler::schedule_due(state.store()).await {
                        tracing::warn!(error = %e, "sync scheduler pass failed");
                    }
                    if let Err(e) = crate::inventory::publish_low_stock(&state.db).await {
                        tracing::warn!(error = %e, "low-stock metric pass failed");
                    }
                }
                _ = stop.cancelled() => break,
            }
        }
    });
}

/// The webhook processor: drains due events every second until cancelled.
pub fn spawn_webhook_processor(state: Arc<AppState>, stop: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    // Drains what is due, but stops between batches when asked to: under a steady
                    // flow of deliveries the due events never run out.
                    while !stop.is_cancelled() {
                        let Ok(n) = process::process_due_until(state.worker(), 100, &stop).await else { break };
                        if n == 0 { break; }
                        // Deliveries first: TikTok gives each 3 s. While the receiver is storing,
                        // the processor leaves the database (SQLite's one write lock) and the
                        // cores to it between batches; a backlog goes at full speed once it is quiet.
                        if state.webhook_writer.receiving() {
                            tokio::time::sleep(process::INGEST_FIRST_PAUSE).await;
                        }
                    }
                }
                _ = stop.cancelled() => break,
            }
        }
    })
}

/// The retention pruner: a pass a minute after start, then every hour, until cancelled.
pub fn spawn_pruner(state: Arc<AppState>, stop: CancellationToken) {
    tokio::spawn(async move {
        let start = tokio::time::Instant::now() + Duration::from_secs(60);
        let mut tick = tokio::time::interval_at(start, Duration::from_secs(3600));
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    match crate::retention::prune(&state.db, &state.settings.retention, state.clock.now()).await {
                        Ok(p) => tracing::info!(?p, "retention pass"),
                        Err(e) => tracing::warn!(error = %e, "retention pass failed"),
                    }
                    if let Err(e) = crate::db::refresh_statistics(&state.db).await {
                        tracing::warn!(error = %e, "refreshing the planner's statistics failed");
                    }
                }
                () = stop.cancelled() => break,
            }
        }
    });
}

/// Registers our webhooks for newly connected shops without holding up the seller's browser; a
/// failure is logged, and `POST …/webhooks/register` retries it.
pub fn register_webhooks_in_background(state: Arc<AppState>, shop_ids: Vec<String>) {
    tokio::spawn(async move {
        for id in shop_ids {
            let registered =
                subscriptions::register_shop(state.access(), &state.settings.public_url, &id).await;
            if let Err(e) = registered {
                tracing::warn!(shop = %id, error = %e, "webhook registration failed; retry with POST …/webhooks/register");
            }
        }
    });
}
