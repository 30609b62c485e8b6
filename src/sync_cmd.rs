//! `ocean-tiktok sync`: an operator's sync of one shop, on the same durable queue as the API's
//! `POST …/shops/{id}/sync`. Each resource's job is queued through the same service (so a resource
//! that already has an active job answers with it), then claimed with a lease and worked here like a
//! worker does; a job that another server process holds is followed until it ends. Ctrl-C hands a job
//! we hold back to the queue.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use api::clock::SystemClock;
use api::config::Settings;
use api::state::AppState;
use api::sync::jobs::{self, Progress};
use api::sync::{Mode, Resource};
use entity::{shop, sync_job};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tokio_util::sync::CancellationToken;

/// How often a job's row is read for its progress.
const POLL: Duration = Duration::from_millis(200);

/// `--resources` values: one resource name.
pub fn parse_resource(raw: &str) -> Result<Resource, String> {
    Resource::parse(raw.trim()).ok_or_else(|| {
        let valid: Vec<&str> = Resource::ALL.iter().map(|r| r.as_str()).collect();
        format!("unknown resource `{raw}`; valid: {}", valid.join(", "))
    })
}

pub struct SyncArgs {
    pub shop: String,
    pub resources: Vec<Resource>,
    pub full: bool,
}

/// How one job ended for this command.
enum Outcome {
    /// The job reached a final state (succeeded, failed or cancelled).
    Finished(sync_job::Model),
    /// An attempt failed and the job waits for its back-off; a running server retries it.
    Waiting(sync_job::Model),
    /// Ctrl-C: a job we held was handed back (`true`), or we stopped following another's (`false`).
    Interrupted(sync_job::Model, bool),
}

pub async fn run(args: SyncArgs) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    // Logs go to stderr (stdout carries the progress and the summary); warnings by default.
    let filter = std::env::var("OCEAN_LOG").unwrap_or_else(|_| "warn".into());
    api::telemetry::init_with_writer(&filter, std::io::stderr)?;
    let db = api::db::connect(&settings.database_url).await?;
    let pending = Migrator::get_pending_migrations_read_only(&db)
        .await
        .context("the migration table cannot be read; run `ocean-tiktok migrate up` first")?
        .len();
    if pending > 0 {
        bail!("{pending} migrations are pending; run `ocean-tiktok migrate up` first");
    }
    let state = AppState::without_server(settings, db, Arc::new(SystemClock))?;
    let shop = find_shop(&state, &args.shop).await?;
    let mut resources = if args.resources.is_empty() {
        jobs::enabled_resources(&shop)
    } else {
        args.resources
    };
    let mut seen = Vec::new();
    resources.retain(|r| {
        let new = !seen.contains(r);
        seen.push(*r);
        new
    });
    if resources.is_empty() {
        bail!(
            "every syncable area is disabled for shop {}; an admin can enable them (PUT …/features)",
            shop.id
        );
    }
    let mode = if args.full {
        Mode::Full
    } else {
        Mode::Incremental
    };
    let queued = jobs::request_sync(&state.db, state.clock.now(), &shop, &resources, mode)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;

    let stop = CancellationToken::new();
    spawn_signal_watch(stop.clone());
    let display = Display::new();
    let started = Instant::now();
    let outcomes = futures_util::future::join_all(
        queued
            .iter()
            .map(|job| drive(&state, job.clone(), &display, &stop)),
    )
    .await;
    display.clear();

    let mut failures = Vec::new();
    for outcome in outcomes {
        let outcome = outcome?;
        let (job, problem) = match &outcome {
            Outcome::Finished(j) if j.state == jobs::SUCCEEDED => (j, None),
            Outcome::Finished(j) => (
                j,
                Some(format!(
                    "{} sync {}: {}",
                    j.resource,
                    j.state,
                    j.error.as_deref().unwrap_or("no reason recorded")
                )),
            ),
            Outcome::Waiting(j) => (
                j,
                Some(format!(
                    "{} sync attempt {} failed: {}; it is queued again for {} (a running server retries it, or run this command again then)",
                    j.resource,
                    j.attempts,
                    j.error.as_deref().unwrap_or("no reason recorded"),
                    j.run_after.format("%Y-%m-%d %H:%M:%S UTC")
                )),
            ),
            Outcome::Interrupted(j, released) => (
                j,
                Some(if *released {
                    format!(
                        "interrupted: the {} job was handed back to the queue; a running server or the next `ocean-tiktok sync` resumes it",
                        j.resource
                    )
                } else {
                    format!(
                        "interrupted: stopped following the {} job; the process that holds it goes on",
                        j.resource
                    )
                }),
            ),
        };
        println!("{}", summary(job, started.elapsed()));
        failures.extend(problem);
    }
    match failures.len() {
        0 => Ok(()),
        _ => bail!("{}", failures.join("; ")),
    }
}

/// Any tenant's shop (the operator has the machine); a deleted one is unknown.
async fn find_shop(state: &AppState, id: &str) -> anyhow::Result<shop::Model> {
    let unknown = || {
        anyhow::anyhow!("no shop {id}; `GET /api/integrations/tiktok/shops` lists a tenant's shops")
    };
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(unknown());
    }
    shop::Entity::find_by_id(id.to_owned())
        .filter(shop::Column::DeletedAt.is_null())
        .one(&state.db)
        .await?
        .ok_or_else(unknown)
}

fn spawn_signal_watch(stop: CancellationToken) {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let Ok(mut term) = signal(SignalKind::terminate()) else {
                let _ = tokio::signal::ctrl_c().await;
                stop.cancel();
                return;
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        stop.cancel();
    });
}

async fn reload(state: &AppState, id: &str) -> anyhow::Result<sync_job::Model> {
    sync_job::Entity::find_by_id(id.to_owned())
        .one(&state.db)
        .await?
        .with_context(|| format!("sync job {id} disappeared"))
}

fn is_final(job: &sync_job::Model) -> bool {
    [jobs::SUCCEEDED, jobs::FAILED, jobs::CANCELLED].contains(&job.state.as_str())
}

/// Works the job when it can be claimed, follows it while another process holds it, and returns
/// once it has ended (or waits for a retry, or Ctrl-C).
async fn drive(
    state: &AppState,
    job: sync_job::Model,
    display: &Display,
    stop: &CancellationToken,
) -> anyhow::Result<Outcome> {
    let view = display.add(&job.resource);
    let mut current = job;
    loop {
        current = reload(state, &current.id).await?;
        view.show(&current, "");
        if is_final(&current) {
            return Ok(Outcome::Finished(current));
        }
        if stop.is_cancelled() {
            return Ok(Outcome::Interrupted(current, false));
        }
        if let Some(claimed) =
            jobs::claim_job(state.worker(), &current.id, &state.instance_id).await?
        {
            let mut work = Box::pin(jobs::process(state.worker(), claimed.clone()));
            let mut tick = tokio::time::interval(POLL);
            let interrupted = loop {
                tokio::select! {
                    _ = &mut work => break false,
                    _ = tick.tick() => view.show(&reload(state, &claimed.id).await?, ""),
                    _ = stop.cancelled() => break true,
                }
            };
            if interrupted {
                // Dropping the work first rolls back its open page (and frees SQLite's write lock);
                // then the job is queued again at once, the attempt not counted.
                drop(work);
                jobs::release(state.store(), &claimed).await?;
                return Ok(Outcome::Interrupted(
                    reload(state, &claimed.id).await?,
                    true,
                ));
            }
            let done = reload(state, &claimed.id).await?;
            if done.state == jobs::QUEUED {
                return Ok(Outcome::Waiting(done));
            }
            continue;
        }
        if current.state == jobs::QUEUED && current.run_after > state.clock.now() {
            return Ok(Outcome::Waiting(current));
        }
        // Another process holds the lease: follow its progress.
        view.show(&current, "held by another process");
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = stop.cancelled() => {}
        }
    }
}

fn summary(job: &sync_job::Model, elapsed: Duration) -> String {
    let p = Progress::from_column(&job.progress);
    let total = p.total.map(|t| format!(" of {t}")).unwrap_or_default();
    format!(
        "{}: {} · {} items{total} in {} pages · {} skipped · {:.1} s (job {})",
        job.resource,
        job.state,
        p.items,
        p.pages,
        p.skipped,
        elapsed.as_secs_f64(),
        job.id
    )
}

/// Progress bars on a terminal; a line per page otherwise, so CI logs stay readable.
struct Display {
    bars: Option<MultiProgress>,
}

impl Display {
    fn new() -> Self {
        // A terminal that cannot draw (no TERM, say) gets the lines too.
        let bars = std::io::stdout()
            .is_terminal()
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stdout()))
            .filter(|m| !m.is_hidden());
        Self { bars }
    }

    fn add(&self, resource: &str) -> JobView {
        let bar = self.bars.as_ref().map(|m| {
            let bar = m.add(ProgressBar::no_length());
            bar.set_style(spinner_style());
            bar.set_prefix(resource.to_owned());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        JobView {
            bar,
            last_line: std::sync::Mutex::new(String::new()),
        }
    }

    fn clear(&self) {
        if let Some(m) = &self.bars {
            let _ = m.clear();
        }
    }
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{prefix:>11} {spinner} {pos} items · {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{prefix:>11} [{bar:32}] {pos}/{len} items · {msg} · {elapsed} · eta {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ")
}

struct JobView {
    bar: Option<ProgressBar>,
    last_line: std::sync::Mutex<String>,
}

impl JobView {
    fn show(&self, job: &sync_job::Model, note: &str) {
        let p = Progress::from_column(&job.progress);
        let note = if note.is_empty() {
            job.state.clone()
        } else {
            format!("{} ({note})", job.state)
        };
        match &self.bar {
            Some(bar) => {
                if let Some(total) = p.total
                    && bar.length() != Some(total)
                {
                    bar.set_style(bar_style());
                    bar.set_length(total);
                }
                bar.set_position(p.items);
                bar.set_message(format!("page {} · {note}", p.pages));
                if is_final(job) {
                    bar.finish();
                }
            }
            None => {
                // A line whenever the page or the state changes.
                let line = format!(
                    "{}: page {} · {} items{} · {note}",
                    job.resource,
                    p.pages,
                    p.items,
                    p.total.map(|t| format!(" of {t}")).unwrap_or_default()
                );
                let mut last = self.last_line.lock().unwrap_or_else(|e| e.into_inner());
                if *last != line {
                    println!("{line}");
                    *last = line;
                }
            }
        }
    }
}
