//! Sync benchmark: the operator's `ocean-tiktok sync` against the sandbox, each in its own process, so
//! the sync's peak memory is its own. Prints figures; asserts nothing; every run is bounded in time.
//!
//!   cargo bench --bench sync_full                      # SQLite
//!   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench sync_full
//!
//! a. A full sync of 100,000 orders with the sandbox's rate limit off (and ours): orders/s and the
//!    peak resident memory (VmHWM) of the syncing process, on SQLite and on PostgreSQL.
//! b. At the guide's limits (ours 600/min/shop/category, the sandbox's 600): a long sync for 150 s,
//!    then Ctrl-C; calls per minute TikTok saw, as a fraction of the limit, and its 429s.
//!
//! `BENCH_SYNC_ORDERS` and `BENCH_PACED_SECS` shrink it for a quick look. Figures go in
//! docs/benchmarks.md.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use api::clock::SystemClock;
use api::config::Settings;
use api::shops::connect::{self, CallbackInput};
use api::shops::service::{self, NewShop};
use api::shops::{Features, Region, SyncInterval};
use api::state::AppState;
use base64::Engine;
use secrecy::SecretString;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_ocean-tiktok");
const APP_KEY: &str = "bench_sync_app";
const APP_SECRET: &str = "bench-sync-app-secret-0001";
const SEARCH: &str = "/order/202309/orders/search";
/// A full sync that has not ended by then is interrupted and its rate so far reported.
const FULL_CAP: Duration = Duration::from_secs(600);

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `ocean-tiktok sandbox` in its own process.
struct Sandbox {
    child: Child,
    base: String,
}

impl Sandbox {
    fn start(orders: u64, rate_limit: u32) -> Sandbox {
        let port = free_port();
        let started = Instant::now();
        let mut child = Command::new(BIN)
            .args(["sandbox", "--port", &port.to_string(), "--products", "1"])
            .args(["--orders", &orders.to_string()])
            .args(["--rate-limit", &rate_limit.to_string()])
            .args(["--app-key", APP_KEY, "--app-secret", APP_SECRET])
            .args(["--redirect-url", "http://127.0.0.1:9/callback"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the sandbox starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = lines.next().and_then(Result::ok).unwrap_or_default();
        assert!(ready.contains("ready"), "sandbox: {ready}");
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        println!(
            "sandbox: {orders} orders per shop, rate limit {rate_limit}/min, up in {:.1?}",
            started.elapsed()
        );
        Sandbox {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    fn vm_hwm_mib(&self) -> f64 {
        vm_hwm_mib(self.child.id()).unwrap_or(0.0)
    }

    fn cpu_secs(&self) -> f64 {
        cpu_secs(self.child.id()).unwrap_or(0.0)
    }

    /// The API calls on `path` the sandbox logged since `since`: (seq, sandbox time, HTTP status).
    async fn calls(&self, path: &str, since: u64) -> Vec<(u64, i64, u64)> {
        let log: Value = reqwest::get(format!(
            "{}/_sandbox/requests?since={since}&limit=50000&path={path}",
            self.base
        ))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        log["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["path"] == path)
            .map(|r| {
                (
                    r["seq"].as_u64().unwrap(),
                    r["time"].as_i64().unwrap(),
                    r["http_status"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    async fn last_seq(&self) -> u64 {
        let log: Value = reqwest::get(format!("{}/_sandbox/requests?limit=1", self.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        log["requests"][0]["seq"].as_u64().unwrap_or(0)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Peak resident set of a process, from /proc (Linux).
fn vm_hwm_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// CPU time (user + system) a process has used so far, from /proc (Linux; 100 ticks a second).
fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn settings_env(database_url: &str, sandbox: &Sandbox, limit: u32) -> HashMap<String, String> {
    HashMap::from([
        ("DATABASE_URL".to_owned(), database_url.to_owned()),
        (
            "OCEAN_MASTER_KEY".to_owned(),
            base64::engine::general_purpose::STANDARD.encode([7u8; 32]),
        ),
        (
            "OCEAN_JWT_SECRET".to_owned(),
            "bench-jwt-secret-bench-jwt-secret-0000".to_owned(),
        ),
        ("TIKTOK_API_BASE".to_owned(), sandbox.base.clone()),
        ("TIKTOK_AUTH_BASE".to_owned(), sandbox.base.clone()),
        (
            "TIKTOK_AUTHORIZE_URL".to_owned(),
            format!("{}/open/authorize", sandbox.base),
        ),
        ("TIKTOK_RATE_LIMIT_SHOP".to_owned(), limit.to_string()),
        ("OCEAN_LOG".to_owned(), "error".to_owned()),
    ])
}

/// Configures a shop with the sandbox's app and connects it as the seller's browser would; returns
/// our shop id.
async fn connected_shop(env: &HashMap<String, String>) -> String {
    let settings = Settings::from_map(env).unwrap();
    let db = api::db::connect(&settings.database_url).await.unwrap();
    api::db::migrate_up(&db).await.unwrap();
    let authorize_url = settings.tiktok.authorize_url.clone();
    let state = AppState::without_server(settings, db, Arc::new(SystemClock)).unwrap();
    let now = chrono::Utc::now();
    let shop = service::create(
        &state.db,
        &state.vault,
        now,
        "bench",
        NewShop {
            name: "bench".into(),
            app_key: APP_KEY.into(),
            app_secret: SecretString::from(APP_SECRET),
            service_id: None,
            shop_id: None,
            region: Region::US,
            features: Features::default(),
            sync_interval: SyncInterval::Manual,
        },
    )
    .await
    .unwrap();
    let start = connect::start(&state.db, &authorize_url, now, "bench", "bench", &shop.id)
        .await
        .unwrap();
    let csrf = start
        .authorize_url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let consent = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(authorize_url.as_str())
        .form(&[
            ("app_key", APP_KEY),
            ("state", csrf.as_str()),
            ("action", "authorize"),
        ])
        .send()
        .await
        .unwrap();
    let callback = url::Url::parse(consent.headers()["location"].to_str().unwrap()).unwrap();
    let param = |name: &str| {
        callback
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    connect::complete(
        &state.db,
        &state.vault,
        &state.tiktok,
        chrono::Utc::now(),
        CallbackInput {
            code: param("code"),
            state: param("state"),
            error: None,
        },
    )
    .await
    .unwrap_or_else(|f| panic!("connect failed: {}", f.message));
    state.db.close().await.unwrap();
    shop.id
}

struct Run {
    elapsed: Duration,
    items: u64,
    peak_mib: f64,
    cpu_secs: f64,
    summary: String,
    interrupted: bool,
}

/// `ocean-tiktok sync --resources orders --full` until it ends, or Ctrl-C after `cap`.
fn run_sync(env: &HashMap<String, String>, shop: &str, cap: Duration) -> Run {
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .args(["sync", "--shop", shop, "--resources", "orders", "--full"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        // A line per page; the last `orders: <state> · …` line is the summary.
        let mut last = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            last = line;
        }
        last
    });
    let mut peak = 0.0f64;
    let mut cpu = 0.0f64;
    let mut interrupted = false;
    loop {
        if let Some(m) = vm_hwm_mib(pid) {
            peak = peak.max(m);
        }
        if let Some(c) = cpu_secs(pid) {
            cpu = cpu.max(c);
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if !interrupted && started.elapsed() >= cap {
            let _ = Command::new("kill")
                .args(["-INT", &pid.to_string()])
                .status();
            interrupted = true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let elapsed = started.elapsed();
    let out = child.wait_with_output().unwrap();
    let summary = reader.join().unwrap();
    if !out.status.success() && !interrupted {
        eprintln!("sync failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let items = summary
        .split(" · ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Run {
        elapsed,
        items,
        peak_mib: peak,
        cpu_secs: cpu,
        summary,
        interrupted,
    }
}

/// A fresh database per run: a SQLite file, or a PostgreSQL database made (and dropped) on the admin URL.
struct BenchDb {
    label: &'static str,
    url: String,
    pg: Option<(String, String)>,
}

impl BenchDb {
    async fn sqlite(dir: &std::path::Path, name: &str) -> BenchDb {
        BenchDb {
            label: "SQLite (WAL)",
            url: format!("sqlite://{}?mode=rwc", dir.join(name).display()),
            pg: None,
        }
    }

    async fn postgres(admin: &str) -> BenchDb {
        let name = format!("ocean_bench_sync_{}", std::process::id());
        let db = sea_orm::Database::connect(admin).await.unwrap();
        use sea_orm::ConnectionTrait;
        db.execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        db.close().await.unwrap();
        let mut url = url::Url::parse(admin).unwrap();
        url.set_path(&format!("/{name}"));
        BenchDb {
            label: "PostgreSQL",
            url: url.to_string(),
            pg: Some((admin.to_owned(), name)),
        }
    }

    async fn drop_it(self) {
        if let Some((admin, name)) = self.pg {
            use sea_orm::ConnectionTrait;
            let db = sea_orm::Database::connect(&admin).await.unwrap();
            db.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .unwrap();
            db.close().await.unwrap();
        }
    }
}

fn uptime() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

async fn full_sync(dbs: Vec<BenchDb>, orders: u64) {
    let sandbox = Sandbox::start(orders, 0);
    let sandbox_mib = sandbox.vm_hwm_mib();
    println!("\na. full sync of {orders} orders, rate limits off");
    println!(
        "| database | orders | seconds | orders/s | sync CPU s | orders per sync CPU s | sandbox CPU s | peak memory of the sync (VmHWM) | load before |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for db in dbs {
        let env = settings_env(&db.url, &sandbox, 0);
        let shop = connected_shop(&env).await;
        let load = uptime();
        let sandbox_cpu = sandbox.cpu_secs();
        let run = run_sync(&env, &shop, FULL_CAP);
        println!(
            "| {} | {}{} | {:.1} | {:.0} | {:.1} | {:.0} | {:.1} | {:.1} MiB | {load} |",
            db.label,
            run.items,
            if run.interrupted {
                " (cut at the cap)"
            } else {
                ""
            },
            run.elapsed.as_secs_f64(),
            run.items as f64 / run.elapsed.as_secs_f64(),
            run.cpu_secs,
            run.items as f64 / run.cpu_secs.max(0.01),
            sandbox.cpu_secs() - sandbox_cpu,
            run.peak_mib,
        );
        println!("  last line: {}", run.summary);
        db.drop_it().await;
    }
    println!("(the sandbox process, not counted above: {sandbox_mib:.0} MiB)");
}

async fn paced_sync(db: BenchDb, orders: u64, secs: u64) {
    let sandbox = Sandbox::start(orders, 600);
    // Our default limit (600/min/shop/category), as `serve` runs with it.
    let mut env = settings_env(&db.url, &sandbox, 600);
    env.remove("TIKTOK_RATE_LIMIT_SHOP");
    let shop = connected_shop(&env).await;
    let since = sandbox.last_seq().await;
    let load = uptime();
    let run = run_sync(&env, &shop, Duration::from_secs(secs));
    let calls = sandbox.calls(SEARCH, since).await;
    let refused = calls.iter().filter(|c| c.2 == 429).count();
    let answered = calls.len() - refused;
    let per_minute = calls.len() as f64 / run.elapsed.as_secs_f64() * 60.0;
    // Whole sandbox-clock minutes (how the sandbox counts), first and last partial ones left out.
    let mut by_minute: std::collections::BTreeMap<i64, u64> = Default::default();
    for c in &calls {
        *by_minute.entry(c.1.div_euclid(60)).or_default() += 1;
    }
    let whole: Vec<u64> = by_minute
        .values()
        .copied()
        .skip(1)
        .take(by_minute.len().saturating_sub(2))
        .collect();
    println!(
        "\nb. at the guide's limits (ours 600/min/shop/category, sandbox 600), {secs} s, {}",
        db.label
    );
    println!(
        "| calls | 429s | orders | seconds | calls/min | of the limit | whole clock-minutes | load before |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
    println!(
        "| {} | {refused} | {} | {:.1} | {per_minute:.0} | {:.3} | {whole:?} | {load} |",
        answered,
        run.items,
        run.elapsed.as_secs_f64(),
        per_minute / 600.0,
    );
    println!("  last line: {}", run.summary);
    db.drop_it().await;
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let orders = env_number("BENCH_SYNC_ORDERS", 100_000);
        let paced_secs = env_number("BENCH_PACED_SECS", 150);
        let dir = std::env::temp_dir().join(format!("ocean-bench-sync-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        println!("load (1/5/15 min) at start: {}", uptime());
        let mut dbs = vec![BenchDb::sqlite(&dir, "full.db").await];
        if let Ok(admin) = std::env::var("BENCH_DATABASE_URL") {
            dbs.push(BenchDb::postgres(&admin).await);
        }
        full_sync(dbs, orders).await;
        paced_sync(BenchDb::sqlite(&dir, "paced.db").await, orders, paced_secs).await;
        let _ = std::fs::remove_dir_all(dir);
    });
}
