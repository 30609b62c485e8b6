//! What the sync benchmarks share: the sandbox and the programs in processes of their own, their
//! CPU time and peak memory from /proc, fresh databases, and connected shops.
#![allow(dead_code)]

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

pub const BIN: &str = env!("CARGO_BIN_EXE_ocean-tiktok");
pub const APP_KEY: &str = "bench_sync_app";
pub const APP_SECRET: &str = "bench-sync-app-secret-0001";
pub const SEARCH: &str = "/order/202309/orders/search";
/// A full sync that has not ended by then is interrupted and its rate so far reported.
pub const FULL_CAP: Duration = Duration::from_secs(600);

pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `ocean-tiktok sandbox` in its own process.
pub struct Sandbox {
    pub child: Child,
    pub base: String,
}

impl Sandbox {
    pub fn start(orders: u64, rate_limit: u32) -> Sandbox {
        Sandbox::launch(orders, rate_limit, &["--products", "1"])
    }

    /// The sandbox with more of its options (`--products`, `--extra-shops`).
    pub fn launch(orders: u64, rate_limit: u32, more: &[&str]) -> Sandbox {
        let port = free_port();
        let started = Instant::now();
        let mut child = Command::new(BIN)
            .args(["sandbox", "--port", &port.to_string()])
            .args(more)
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

    pub fn vm_hwm_mib(&self) -> f64 {
        vm_hwm_mib(self.child.id()).unwrap_or(0.0)
    }

    pub fn cpu_secs(&self) -> f64 {
        cpu_secs(self.child.id()).unwrap_or(0.0)
    }

    /// The API calls on `path` the sandbox logged since `since`: (seq, sandbox time, HTTP status,
    /// TikTok shop id).
    pub async fn calls(&self, path: &str, since: u64) -> Vec<(u64, i64, u64, Option<String>)> {
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
                    r["shop_id"].as_str().map(str::to_owned),
                )
            })
            .collect()
    }

    pub async fn last_seq(&self) -> u64 {
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

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Peak resident set of a process, from /proc (Linux).
pub fn vm_hwm_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// CPU time (user + system) a process has used so far, from /proc (Linux; 100 ticks a second).
pub fn cpu_secs(pid: u32) -> Option<f64> {
    stat_secs(&pid.to_string(), 11)
}

/// Two adjacent tick counters of `/proc/<pid>/stat` in seconds (100 ticks a second), counted from
/// the first field after the parenthesised command name: 11 is utime + stime, 13 the reaped
/// children's cutime + cstime.
fn stat_secs(pid: &str, first: usize) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks =
        fields.get(first)?.parse::<f64>().ok()? + fields.get(first + 1)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

pub fn settings_env(database_url: &str, sandbox: &Sandbox, limit: u32) -> HashMap<String, String> {
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
pub async fn connected_shop(env: &HashMap<String, String>) -> String {
    connect_shops(env, &[None]).await.remove(0)
}

/// Configures and connects one of our shops per pick: the first seller's shops (`None`), or one
/// TikTok shop of a seller (`Some((seller_id, shop_id))`, from `GET /_sandbox`); answers our shop ids.
pub async fn connect_shops(
    env: &HashMap<String, String>,
    picks: &[Option<(String, String)>],
) -> Vec<String> {
    let settings = Settings::from_map(env).unwrap();
    let db = api::db::connect(&settings.database_url).await.unwrap();
    api::db::migrate_up(&db).await.unwrap();
    let authorize_url = settings.tiktok.authorize_url.clone();
    let state = AppState::without_server(settings, db, Arc::new(SystemClock)).unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut ids = Vec::with_capacity(picks.len());
    for (n, pick) in picks.iter().enumerate() {
        let now = chrono::Utc::now();
        let shop = service::create(
            &state.db,
            &state.vault,
            now,
            "bench",
            NewShop {
                name: format!("bench {n}"),
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
        let mut form = vec![
            ("app_key", APP_KEY.to_owned()),
            ("state", csrf),
            ("action", "authorize".to_owned()),
        ];
        if let Some((seller, tiktok_shop)) = pick {
            form.push(("seller_id", seller.clone()));
            form.push(("shop_id", tiktok_shop.clone()));
        }
        let consent = browser
            .post(authorize_url.as_str())
            .form(&form)
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
        ids.push(shop.id);
    }
    state.db.close().await.unwrap();
    ids
}

/// The direct children of a process (Linux 3.5+ lists them in /proc).
pub fn children(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// CPU of a process and its living children.
pub fn tree_cpu_secs(pid: u32) -> f64 {
    cpu_secs(pid).unwrap_or(0.0) + children(pid).into_iter().map(tree_cpu_secs).sum::<f64>()
}

/// The CPU of this bench's reaped children so far, from the OS (getrusage(RUSAGE_CHILDREN) as
/// /proc/self/stat's cutime + cstime), as a difference around each run.
pub fn reaped_children_cpu_secs() -> f64 {
    static LAST: std::sync::Mutex<f64> = std::sync::Mutex::new(0.0);
    let total = stat_secs("self", 13).unwrap_or(0.0);
    let mut last = LAST.lock().unwrap();
    let run = total - *last;
    *last = total;
    run
}

/// CPU seconds of every `postgres` process on this machine, with the time of the backends that have
/// exited (the postmaster reaped them: its children's counters hold their time).
pub fn postgres_cpu_secs() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .map(|pid| cpu_secs(pid).unwrap_or(0.0) + stat_secs(&pid.to_string(), 13).unwrap_or(0.0))
        .sum()
}

/// A fresh database per run: a SQLite file, or a PostgreSQL database made (and dropped) on the admin URL.
pub struct BenchDb {
    pub label: &'static str,
    pub url: String,
    pub pg: Option<(String, String)>,
}

/// Where a run's fresh database is made.
pub enum DbKind {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl DbKind {
    /// A new, empty database for one run.
    pub async fn fresh(&self, tag: &str) -> BenchDb {
        match self {
            DbKind::Sqlite(dir) => BenchDb {
                label: "SQLite (WAL)",
                url: format!(
                    "sqlite://{}?mode=rwc",
                    dir.join(format!("{tag}.db")).display()
                ),
                pg: None,
            },
            DbKind::Postgres(admin) => {
                let name = format!("ocean_bench_{tag}_{}", std::process::id());
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
                    pg: Some((admin.clone(), name)),
                }
            }
        }
    }
}

impl BenchDb {
    pub async fn drop_it(self) {
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

pub fn uptime() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
