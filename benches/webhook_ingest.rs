//! Webhook ingest benchmark: signed TikTok deliveries against the real service on loopback, compared in
//! the same run with the same server's `/api/health` (the framework's ceiling). Prints figures; asserts
//! nothing. Every load loop is bounded in time and count. The load generator runs in this process but
//! on a runtime of its own, as a separate client would.
//!
//!   cargo bench --bench webhook_ingest                      # SQLite
//!   BENCH_DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable" cargo bench --bench webhook_ingest
//!   BENCH_NO_PROCESSOR=1 cargo bench --bench webhook_ingest  # the receiver alone, no processing
//!   BENCH_CLIENTS=128 cargo bench --bench webhook_ingest     # closed-loop clients (default 32)
//!
//! Figures are kept in docs/benchmarks.md.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use api::app::Application;
use api::config::Settings;
use api::shops::service::{self, NewShop};
use api::shops::{Features, Region, SyncInterval};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sea_orm::{EntityTrait, PaginatorTrait};
use secrecy::SecretString;
use sha2::Sha256;

const APP_KEY: &str = "bench_app_key";
const APP_SECRET: &str = "bench-app-secret-0001";
const TIKTOK_SHOP: &str = "7494049642642441621";
/// Closed-loop clients; `BENCH_CLIENTS` changes it.
fn concurrency() -> usize {
    std::env::var("BENCH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32)
}
const PHASE: Duration = Duration::from_secs(5);
const MAX_REQUESTS: u64 = 200_000;
const WARM_UP_EACH: u64 = 16;

struct Figures {
    /// The machine's busy CPU during the phase (load generator included).
    cpu_busy: String,
    /// CPU time per answered request, by who spent it.
    cpu_per_request: CpuByGroup,
    requests: u64,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx].as_secs_f64() * 1000.0
}

fn figures(mut latencies: Vec<Duration>, elapsed: Duration) -> Figures {
    latencies.sort();
    Figures {
        cpu_busy: String::new(),
        cpu_per_request: CpuByGroup::default(),
        requests: latencies.len() as u64,
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: percentile(&latencies, 0.50),
        p99_ms: percentile(&latencies, 0.99),
    }
}

fn signed_event(n: u64) -> (Vec<u8>, String) {
    let body = format!(
        r#"{{"type":1,"tts_notification_id":"bench-{n}-{}","shop_id":"{TIKTOK_SHOP}","timestamp":{},"data":{{"order_id":"{n}","order_status":"AWAITING_SHIPMENT","update_time":{}}}}}"#,
        std::process::id(),
        chrono::Utc::now().timestamp(),
        chrono::Utc::now().timestamp()
    )
    .into_bytes();
    let mut mac = Hmac::<Sha256>::new_from_slice(APP_SECRET.as_bytes()).unwrap();
    mac.update(APP_KEY.as_bytes());
    mac.update(&body);
    (body, hex::encode(mac.finalize().into_bytes()))
}

async fn send(client: &reqwest::Client, base: &str, webhook: bool, n: u64) -> Option<Duration> {
    let started = Instant::now();
    let res = if webhook {
        let (body, sig) = signed_event(n);
        client
            .post(format!("{base}/api/webhooks/tiktok"))
            .header("content-type", "application/json")
            .header("authorization", sig)
            .body(body)
            .send()
            .await
    } else {
        client.get(format!("{base}/api/health")).send().await
    };
    match res {
        Ok(r) if r.status().is_success() => Some(started.elapsed()),
        _ => None,
    }
}

/// As fast as `concurrency()` clients can go, for `PHASE`.
async fn closed_loop(
    client: reqwest::Client,
    base: String,
    webhook: bool,
    counter: Arc<AtomicU64>,
) -> Figures {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency() {
        let client = client.clone();
        let base = base.clone();
        let counter = counter.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while started.elapsed() < PHASE {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                if n >= MAX_REQUESTS * 4 {
                    break;
                }
                if let Some(l) = send(&client, &base, webhook, n).await {
                    latencies.push(l);
                }
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    figures(all, started.elapsed())
}

/// A steady `rate` per second for `PHASE` (open loop: sends do not wait for answers).
async fn open_loop(
    client: reqwest::Client,
    base: String,
    rate: u64,
    counter: Arc<AtomicU64>,
) -> Figures {
    let started = Instant::now();
    let total = (rate * PHASE.as_secs()).min(MAX_REQUESTS);
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    let mut tasks = Vec::with_capacity(total as usize);
    for _ in 0..total {
        tick.tick().await;
        let client = client.clone();
        let base = base.clone();
        let n = counter.fetch_add(1, Ordering::Relaxed);
        tasks.push(tokio::spawn(
            async move { send(&client, &base, true, n).await },
        ));
    }
    let mut all = Vec::new();
    for t in tasks {
        if let Some(l) = t.await.unwrap() {
            all.push(l);
        }
    }
    figures(all, started.elapsed())
}

/// The whole machine's CPU time so far (Linux `/proc/stat`, in clock ticks): busy and all.
#[derive(Clone, Copy)]
struct CpuTimes {
    busy: u64,
    total: u64,
}

impl CpuTimes {
    fn read() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let ticks: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|t| t.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal ...: idle and iowait are the idle time.
        let idle = ticks.get(3)? + ticks.get(4).unwrap_or(&0);
        let total: u64 = ticks.iter().take(8).sum();
        Some(Self {
            busy: total - idle,
            total,
        })
    }

    /// The share of the machine's CPU that was busy since `before`, as a percentage.
    fn busy_since(before: Option<Self>) -> String {
        match (before, Self::read()) {
            (Some(b), Some(a)) if a.total > b.total => format!(
                "{:.0}%",
                (a.busy - b.busy) as f64 * 100.0 / (a.total - b.total) as f64
            ),
            _ => "—".to_owned(),
        }
    }
}

/// Who spends the CPU, by thread (this process) or process (PostgreSQL's backends).
const GROUPS: [&str; 6] = [
    "load generator",
    "HTTP workers",
    "background runtime",
    "SQLite threads",
    "PostgreSQL",
    "other",
];

/// Linux counts `/proc` CPU times in USER_HZ ticks, 100 a second on x86 and ARM.
const USER_HZ: f64 = 100.0;

/// CPU time by group (`GROUPS`), in clock ticks while counting, then in µs per request.
#[derive(Clone, Copy, Default)]
struct CpuByGroup([f64; GROUPS.len()]);

impl CpuByGroup {
    /// This process's threads by name (the load runtime's are `bench-load`; actix names its
    /// workers; the server's runtime keeps tokio's default; sqlx names SQLite's threads), and every
    /// `postgres` process on the machine (the bench's backends, and PostgreSQL's own writers).
    fn read() -> Self {
        let mut ticks = Self::default();
        let tasks = std::fs::read_dir("/proc/self/task").into_iter().flatten();
        for task in tasks.flatten() {
            if let Some((name, t)) = Self::stat(&task.path().join("stat")) {
                let group = match name.as_str() {
                    n if n.starts_with("bench-load") => 0,
                    n if n.starts_with("actix-server") => 1,
                    n if n.starts_with("tokio-rt-worker") => 2,
                    n if n.starts_with("sqlx-sqlite") => 3,
                    _ => 5,
                };
                ticks.0[group] += t;
            }
        }
        let processes = std::fs::read_dir("/proc").into_iter().flatten();
        for process in processes.flatten() {
            if let Some(("postgres", t)) = Self::stat(&process.path().join("stat"))
                .as_ref()
                .map(|(n, t)| (n.as_str(), *t))
            {
                ticks.0[4] += t;
            }
        }
        ticks
    }

    /// A task's name and its user + system CPU time (clock ticks) from `/proc/…/stat`.
    fn stat(path: &std::path::Path) -> Option<(String, f64)> {
        let stat = std::fs::read_to_string(path).ok()?;
        let (head, rest) = stat.rsplit_once(')')?;
        let name = head.split_once('(')?.1.to_owned();
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // Fields 14 and 15 of stat(5) (utime, stime); `rest` starts at field 3.
        let used: f64 =
            fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
        Some((name, used))
    }

    /// µs of CPU per request since `before`, for `requests` answered requests.
    fn per_request(&self, before: &Self, requests: u64) -> Self {
        let mut out = Self::default();
        for (i, value) in out.0.iter_mut().enumerate() {
            *value = (self.0[i] - before.0[i]) * 1e6 / USER_HZ / requests.max(1) as f64;
        }
        out
    }

    fn total(&self) -> f64 {
        self.0.iter().sum()
    }

    /// `load generator 12 · HTTP workers 9 · …` (groups that spent nothing left out).
    fn describe(&self) -> String {
        GROUPS
            .iter()
            .zip(self.0)
            .filter(|(_, us)| *us >= 0.5)
            .map(|(name, us)| format!("{name} {us:.0}"))
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// Runs one phase on the load runtime and notes the CPU spent meanwhile.
async fn phase(
    load: &tokio::runtime::Handle,
    run: impl std::future::Future<Output = Figures> + Send + 'static,
) -> Figures {
    let cpu = CpuTimes::read();
    let by_group = CpuByGroup::read();
    let mut figures = load.spawn(run).await.unwrap();
    figures.cpu_busy = CpuTimes::busy_since(cpu);
    figures.cpu_per_request = CpuByGroup::read().per_request(&by_group, figures.requests);
    figures
}

/// The writer's commits so far, from the service's metrics.
struct Commits {
    commits: f64,
    rows: f64,
    seconds: f64,
}

impl Commits {
    fn read(state: &api::state::AppState) -> Self {
        let metrics = state.metrics.render();
        let value = |name: &str| {
            metrics
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        Self {
            commits: value("webhook_write_batch_rows_count"),
            rows: value("webhook_write_batch_rows_sum"),
            seconds: value("webhook_write_batch_seconds_sum"),
        }
    }

    fn since(&self, before: &Self) -> Self {
        Self {
            commits: self.commits - before.commits,
            rows: self.rows - before.rows,
            seconds: self.seconds - before.seconds,
        }
    }
}

/// The load generator runs on its own runtime (`load`), so its tasks never queue in front of the
/// server's background tasks (the webhook writer, the processor) on the app's runtime.
async fn run(label: &str, database_url: &str, load: &tokio::runtime::Handle) {
    let env = HashMap::from([
        ("DATABASE_URL".to_owned(), database_url.to_owned()),
        ("OCEAN_BIND".to_owned(), "127.0.0.1:0".to_owned()),
        (
            "OCEAN_MASTER_KEY".to_owned(),
            base64::engine::general_purpose::STANDARD.encode([7u8; 32]),
        ),
        (
            "OCEAN_JWT_SECRET".to_owned(),
            "bench-jwt-secret-bench-jwt-secret-0000".to_owned(),
        ),
        ("OCEAN_LOG".to_owned(), "warn".to_owned()),
    ]);
    let app = Application::build(Settings::from_map(&env).unwrap())
        .await
        .unwrap();
    let state = app.state();
    let base = format!("http://127.0.0.1:{}", app.port());
    service::create(
        &state.db,
        &state.vault,
        chrono::Utc::now(),
        "bench",
        NewShop {
            name: "bench".into(),
            app_key: APP_KEY.into(),
            app_secret: SecretString::from(APP_SECRET),
            service_id: None,
            shop_id: Some(TIKTOK_SHOP.into()),
            region: Region::US,
            features: Features::default(),
            sync_interval: SyncInterval::Manual,
        },
    )
    .await
    .unwrap();
    let (server, workers) = app.into_parts();
    // The receiver alone: the background workers (the processor among them) stopped from the start.
    if std::env::var("BENCH_NO_PROCESSOR").is_ok() {
        workers.cancel();
    }
    let handle = server.handle();
    tokio::spawn(server);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency())
        .build()
        .unwrap();
    let counter = Arc::new(AtomicU64::new(0));

    // Warm-up, not counted: the pools open their connections and prepare their statements. It runs
    // on the load runtime because the client's connections live where they were opened: hyper
    // spawns each connection's task on the runtime that made it.
    let warm_up = (0..concurrency() as u64).map(|c| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            for i in 0..WARM_UP_EACH {
                send(&client, &base, true, u64::MAX - c * WARM_UP_EACH - i).await;
            }
        }
    });
    load.spawn(futures_util::future::join_all(warm_up))
        .await
        .unwrap();
    // Steady 1,000/s first, on a fresh database where the processor keeps up (the issue's
    // target); again after the burst, while the processor works off the burst's backlog.
    let steady = phase(
        load,
        open_loop(client.clone(), base.clone(), 1_000, counter.clone()),
    )
    .await;
    let ceiling = phase(
        load,
        closed_loop(client.clone(), base.clone(), false, counter.clone()),
    )
    .await;
    let before = Commits::read(&state);
    let ingest = phase(
        load,
        closed_loop(client.clone(), base.clone(), true, counter.clone()),
    )
    .await;
    let burst = Commits::read(&state).since(&before);
    let after_burst = phase(
        load,
        open_loop(client.clone(), base.clone(), 1_000, counter.clone()),
    )
    .await;
    println!("\n{label}");
    println!("| load | requests | per second | p50 ms | p99 ms | CPU busy |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let clients = concurrency();
    for (name, f) in [
        ("signed webhooks, steady 1,000/s", &steady),
        (
            &format!("/api/health, {clients} clients (ceiling)"),
            &ceiling,
        ),
        (&format!("signed webhooks, {clients} clients"), &ingest),
        (
            "signed webhooks, steady 1,000/s after the burst",
            &after_burst,
        ),
    ] {
        println!(
            "| {name} | {} | {:.0} | {:.2} | {:.2} | {} |",
            f.requests, f.per_second, f.p50_ms, f.p99_ms, f.cpu_busy
        );
    }
    println!(
        "during the {clients}-client burst: {} commits, {:.1} rows per commit, {:.0} µs per INSERT",
        burst.commits,
        burst.rows / burst.commits,
        burst.seconds / burst.commits * 1e6
    );
    println!(
        "ingest / ceiling = {:.2}",
        ingest.per_second / ceiling.per_second
    );
    println!(
        "CPU µs per answered request (user + system, all threads and PostgreSQL's processes):"
    );
    for (name, f) in [("ceiling", &ceiling), ("webhooks", &ingest)] {
        println!(
            "  {name}: {:.0} ({})",
            f.cpu_per_request.total(),
            f.cpu_per_request.describe()
        );
    }
    // With the cores fully used, a phase's rate is (cores × 1 s) / (CPU per request), so the ratio
    // can reach at most the ceiling's CPU per request over the webhook's, whatever the waits.
    println!(
        "CPU-bound limit of ingest / ceiling = {:.2} (ceiling's CPU per request / webhook's)",
        ceiling.cpu_per_request.total() / ingest.cpu_per_request.total()
    );
    // Every 200 (the warm-up's too) must be a stored row: each delivery has its own id.
    let stored = entity::webhook_event::Entity::find()
        .count(&state.db)
        .await
        .unwrap();
    println!(
        "stored {stored} of {} accepted deliveries",
        steady.requests
            + ingest.requests
            + after_burst.requests
            + concurrency() as u64 * WARM_UP_EACH
    );
    handle.stop(true).await;
    // Stop the processor too: left running, it would go on working off this run's backlog during
    // the next database's run and take its CPU.
    workers.cancel();
}

fn main() {
    // The server's runtime as `ocean-tiktok serve` builds it.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(api::app::background_threads())
        .enable_all()
        .build()
        .unwrap();
    let load_rt = tokio::runtime::Builder::new_multi_thread()
        .thread_name("bench-load")
        .enable_all()
        .build()
        .unwrap();
    let load = load_rt.handle().clone();
    rt.block_on(async {
        let dir = std::env::temp_dir().join(format!("ocean-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let sqlite = format!("sqlite://{}?mode=rwc", dir.join("bench.db").display());
        run("SQLite (WAL)", &sqlite, &load).await;
        if let Ok(admin) = std::env::var("BENCH_DATABASE_URL") {
            let name = format!("ocean_bench_{}", std::process::id());
            let db = sea_orm::Database::connect(&admin).await.unwrap();
            use sea_orm::ConnectionTrait;
            db.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            let mut url = url::Url::parse(&admin).unwrap();
            url.set_path(&format!("/{name}"));
            run("PostgreSQL", url.as_str(), &load).await;
            db.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .unwrap();
        }
        let _ = std::fs::remove_dir_all(dir);
    });
}
