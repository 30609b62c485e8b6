//! Sync benchmark: the operator's `ocean-tiktok sync` against the sandbox, each in its own process, so
//! the sync's peak memory is its own. Prints figures; asserts nothing; every run is bounded in time.
//!
//!   cargo bench --bench sync_full                      # SQLite
//!   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench sync_full
//!
//! a. A full sync of 100,000 orders with the sandbox's rate limit off (and ours): orders/s and the
//!    peak resident memory (VmHWM) of the syncing process, on SQLite and on PostgreSQL.
//!    Beside it, in the same run against the same sandbox, `reference_sync.py` (the script a seller
//!    would write instead; `BENCH_REFERENCE` names it, default `../shared/bench/reference_sync.py`):
//!    wall time, CPU seconds of each process (the sync, the sandbox, PostgreSQL's), and the
//!    sandbox's busy time over the sync's wall time (near 1: the emulator is the bound).
//! b. At TikTok's real bound (`BENCH_PACED_LIMIT`, default 3000 calls/min/shop/category = 50/s, the
//!    sandbox's and ours) on the last database: orders/s end to end, calls per minute TikTok saw, and
//!    its 429s (at most `BENCH_PACED_SECS`, default 150).
//!
//! c. A full product sync of `BENCH_PRODUCTS` (10,000; 0: none) products on the last database:
//!    products/s and TikTok calls per product.
//!
//! `BENCH_WRAP` runs each sync under a tool, e.g. `BENCH_WRAP="strace -f -c -o /tmp/calls.txt"` (system
//! calls per kind) or `BENCH_WRAP="perf record -g -o /tmp/sync.perf --"`.
//!
//! `BENCH_SYNC_ORDERS`, `BENCH_ROUNDS` and `BENCH_PACED_SECS` (0: no b) shrink it for a quick look. Figures go in
//! docs/benchmarks.md.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

struct Run {
    elapsed: Duration,
    items: u64,
    peak_mib: f64,
    cpu_secs: f64,
    summary: String,
    interrupted: bool,
}

/// `ocean-tiktok sync --resources <resource> --full` until it ends, or Ctrl-C after `cap`. With
/// `BENCH_WRAP` (a command line, e.g. `strace -f -c -o /tmp/calls.txt`) the sync runs under it.
fn run_sync(env: &HashMap<String, String>, shop: &str, resource: &str, cap: Duration) -> Run {
    let wrap = std::env::var("BENCH_WRAP").unwrap_or_default();
    let mut words = wrap.split_whitespace().chain(std::iter::once(BIN));
    let mut command = Command::new(words.next().unwrap());
    command.args(words);
    command
        .args(["sync", "--shop", shop, "--resources", resource, "--full"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env);
    watch(command, cap, |summary| {
        // The last `<resource>: <state> · <n> items · …` line is the summary.
        summary
            .split(" · ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    })
}

/// Runs a program to its end (Ctrl-C after `cap`), following its peak memory and CPU time (of its
/// whole process tree: under strace, the sync is strace's child) from /proc; `items` reads the count
/// of records from its last line of output.
fn watch(mut command: Command, cap: Duration, items: impl Fn(&str) -> Option<u64>) -> Run {
    reaped_children_cpu_secs();
    let started = Instant::now();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
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
        for p in std::iter::once(pid).chain(children(pid)) {
            if let Some(m) = vm_hwm_mib(p) {
                peak = peak.max(m);
            }
        }
        cpu = cpu.max(tree_cpu_secs(pid));
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if !interrupted && started.elapsed() >= cap {
            let _ = Command::new("kill")
                .args(["-INT", &pid.to_string()])
                .status();
            interrupted = true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed();
    let out = child.wait_with_output().unwrap();
    // A reaped child's CPU is in its parent's cutime/cstime: the OS's own total, with the children.
    cpu = cpu.max(reaped_children_cpu_secs());
    let summary = reader.join().unwrap();
    if !out.status.success() && !interrupted {
        eprintln!("failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Run {
        elapsed,
        items: items(&summary).unwrap_or(0),
        peak_mib: peak,
        cpu_secs: cpu,
        summary,
        interrupted,
    }
}

/// `reference_sync.py` (the script a seller would write instead: one row per order, pages of 100,
/// one transaction a page) against the same sandbox, into a SQLite file of its own.
fn run_reference(sandbox: &Sandbox, db: &std::path::Path, cap: Duration) -> Option<Run> {
    let script = std::env::var("BENCH_REFERENCE").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/bench/reference_sync.py"
        )
        .to_owned()
    });
    if !std::path::Path::new(&script).exists() {
        println!("  (reference_sync.py not found at {script}; set BENCH_REFERENCE)");
        return None;
    }
    let mut command = Command::new("python3");
    command.args([
        script.as_str(),
        sandbox.base.as_str(),
        APP_KEY,
        APP_SECRET,
        db.to_str().unwrap(),
    ]);
    Some(watch(command, cap, |summary| {
        // `reference: N orders in S s = R orders/s`
        summary
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
    }))
}

/// One row of the full-sync table.
fn full_row(label: &str, run: &Run, sandbox_cpu: f64, postgres_cpu: Option<f64>, load: &str) {
    let secs = run.elapsed.as_secs_f64();
    println!(
        "| {label} | {}{} | {secs:.1} | {:.0} | {:.1} | {:.0} | {:.1} | {:.2} | {} | {:.1} MiB | {load} |",
        run.items,
        if run.interrupted {
            " (cut at the cap)"
        } else {
            ""
        },
        run.items as f64 / secs,
        run.cpu_secs,
        run.items as f64 / run.cpu_secs.max(0.01),
        sandbox_cpu,
        sandbox_cpu / secs,
        postgres_cpu.map_or("–".to_owned(), |c| format!("{c:.1}")),
        run.peak_mib,
    );
}

/// a. Ours and the reference script back to back against one sandbox, `BENCH_ROUNDS` rounds (2).
async fn full_sync(dbs: &[DbKind], orders: u64, dir: &std::path::Path) {
    let sandbox = Sandbox::start(orders, 0);
    let sandbox_mib = sandbox.vm_hwm_mib();
    let rounds = env_number("BENCH_ROUNDS", 2);
    println!("\na. full sync of {orders} orders, rate limits off, {rounds} rounds");
    println!(
        "| program · database | orders | seconds | orders/s | its CPU s | orders per CPU s | sandbox CPU s | sandbox busy ÷ wall | PostgreSQL CPU s | peak memory (VmHWM) | load before |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    let mut summaries = Vec::new();
    for round in 1..=rounds {
        for db in dbs {
            let db = db.fresh(&format!("full{round}")).await;
            let env = settings_env(&db.url, &sandbox, 0);
            let shop = connected_shop(&env).await;
            let load = uptime();
            let (sandbox_cpu, pg_cpu) = (sandbox.cpu_secs(), postgres_cpu_secs());
            let run = run_sync(&env, &shop, "orders", FULL_CAP);
            let pg = db.pg.is_some().then(|| postgres_cpu_secs() - pg_cpu);
            let label = format!("ocean-tiktok sync · {}", db.label);
            full_row(&label, &run, sandbox.cpu_secs() - sandbox_cpu, pg, &load);
            summaries.push(run.summary);
            db.drop_it().await;
        }
        let file = dir.join(format!("reference-{round}.db"));
        let load = uptime();
        let sandbox_cpu = sandbox.cpu_secs();
        if let Some(run) = run_reference(&sandbox, &file, FULL_CAP) {
            let label = "reference_sync.py · SQLite (WAL)";
            full_row(label, &run, sandbox.cpu_secs() - sandbox_cpu, None, &load);
        }
        let _ = std::fs::remove_file(file);
    }
    for s in summaries {
        println!("  sync's last line: {s}");
    }
    println!("(the sandbox process, not counted above: {sandbox_mib:.0} MiB at start)");
}

/// b. At a rate limit (calls per minute per shop per category), the sandbox's and ours alike.
async fn paced_sync(db: BenchDb, orders: u64, secs: u64, limit: u32) {
    let sandbox = Sandbox::start(orders, limit);
    let env = settings_env(&db.url, &sandbox, limit);
    let shop = connected_shop(&env).await;
    let since = sandbox.last_seq().await;
    let load = uptime();
    let run = run_sync(&env, &shop, "orders", Duration::from_secs(secs));
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
        "\nb. at a limit of {limit} calls/min/shop/category (ours and the sandbox's), at most {secs} s, {}",
        db.label
    );
    println!(
        "| calls | 429s | orders | seconds | orders/s | calls/min | of the limit | whole clock-minutes | load before |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
    println!(
        "| {} | {refused} | {} | {:.1} | {:.0} | {per_minute:.0} | {:.3} | {whole:?} | {load} |",
        answered,
        run.items,
        run.elapsed.as_secs_f64(),
        run.items as f64 / run.elapsed.as_secs_f64(),
        per_minute / f64::from(limit),
    );
    println!("  last line: {}", run.summary);
    db.drop_it().await;
}

/// c. A full product sync of `BENCH_PRODUCTS` (10,000) products (1–4 SKUs each, as the sandbox
/// makes them), rate limits off: products/s and TikTok calls per product (every call in the
/// sandbox's log during the run).
async fn product_sync(db: BenchDb, products: u64) {
    let sandbox = Sandbox::launch(1, 0, &["--products", &products.to_string()]);
    let env = settings_env(&db.url, &sandbox, 0);
    let shop = connected_shop(&env).await;
    let overview: serde_json::Value = reqwest::get(format!("{}/_sandbox", sandbox.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let since = sandbox.last_seq().await;
    let load = uptime();
    let run = run_sync(&env, &shop, "products", FULL_CAP);
    let log: serde_json::Value = reqwest::get(format!(
        "{}/_sandbox/requests?since={since}&limit=50000",
        sandbox.base
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let calls = log["requests"].as_array().map_or(0, Vec::len);
    let mut paths: std::collections::BTreeMap<String, u64> = Default::default();
    for r in log["requests"].as_array().into_iter().flatten() {
        *paths
            .entry(r["path"].as_str().unwrap_or("?").to_owned())
            .or_default() += 1;
    }
    let shops = &overview["world"]["sellers"][0]["shops"][0];
    println!("\nc. full product sync, rate limits off, {}", db.label);
    println!(
        "| products in the shop | synced | seconds | products/s | calls | calls per product | sync CPU s | peak memory | load before |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    println!(
        "| {} | {} | {:.1} | {:.0} | {calls} | {:.3} | {:.1} | {:.1} MiB | {load} |",
        shops["products"],
        run.items,
        run.elapsed.as_secs_f64(),
        run.items as f64 / run.elapsed.as_secs_f64(),
        calls as f64 / run.items.max(1) as f64,
        run.cpu_secs,
        run.peak_mib,
    );
    println!("  calls by path: {paths:?}");
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
        let mut dbs = vec![DbKind::Sqlite(dir.clone())];
        if let Ok(admin) = std::env::var("BENCH_DATABASE_URL") {
            dbs.push(DbKind::Postgres(admin));
        }
        full_sync(&dbs, orders, &dir).await;
        let products = env_number("BENCH_PRODUCTS", 10_000);
        if products > 0 {
            let db = dbs.last().unwrap().fresh("products").await;
            product_sync(db, products).await;
        }
        if paced_secs > 0 {
            let paced = dbs.last().unwrap().fresh("paced").await;
            let limit = env_number("BENCH_PACED_LIMIT", 3000) as u32;
            paced_sync(paced, orders, paced_secs, limit).await;
        }
        let _ = std::fs::remove_dir_all(dir);
    });
}
