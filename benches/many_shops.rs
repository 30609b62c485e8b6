//! Many shops: `BENCH_SHOPS` (200) connected shops of `BENCH_SHOP_ORDERS` (2,000) orders each, a full
//! order sync queued for every one at once and run by one `ocean-tiktok serve` process (its sync
//! workers), against one sandbox whose limit per shop and API category is `BENCH_LIMIT` calls a minute
//! (600, the guide's; ours the same). Prints the total orders/s, each shop's calls in any 60 s as read
//! from the sandbox's request log (against the limit), the 429s, the slowest shop's run time over the
//! fastest's, and the server's peak memory and CPU. Asserts nothing.
//!
//!   cargo bench --bench many_shops
//!   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench many_shops

mod common;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use api::sync::{Mode, Resource};
use common::*;
use entity::{shop, sync_job};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

/// The run is cut here if the jobs have not all ended.
const CAP: Duration = Duration::from_secs(1200);

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let shops = env_number("BENCH_SHOPS", 200);
        let orders = env_number("BENCH_SHOP_ORDERS", 2_000);
        let limit = env_number("BENCH_LIMIT", 600) as u32;
        println!("load (1/5/15 min) at start: {}", uptime());
        let sandbox = Sandbox::launch(
            orders,
            limit,
            &["--products", "1", "--extra-shops", &shops.to_string()],
        );
        let overview: Value = reqwest::get(format!("{}/_sandbox", sandbox.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let picks: Vec<Option<(String, String)>> = overview["world"]["sellers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["name"].as_str().unwrap().starts_with("Bench Seller"))
            .map(|s| {
                Some((
                    s["id"].as_str().unwrap().to_owned(),
                    s["shops"][0]["id"].as_str().unwrap().to_owned(),
                ))
            })
            .collect();
        let dir = std::env::temp_dir().join(format!("ocean-bench-shops-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let kind = match std::env::var("BENCH_DATABASE_URL") {
            Ok(admin) => DbKind::Postgres(admin),
            Err(_) => DbKind::Sqlite(dir.clone()),
        };
        let db = kind.fresh("shops").await;
        let mut env = settings_env(&db.url, &sandbox, limit);
        env.insert("OCEAN_BIND".into(), format!("127.0.0.1:{}", free_port()));
        let connecting = Instant::now();
        let ours = connect_shops(&env, &picks).await;
        println!(
            "{} shops connected in {:.1?}; {} orders each",
            ours.len(),
            connecting.elapsed(),
            orders
        );

        // Every shop's full sync queued at once, then one server runs them.
        let conn = api::db::connect(&db.url).await.unwrap();
        let now = chrono::Utc::now();
        for id in &ours {
            let shop = shop::Entity::find_by_id(id.clone())
                .one(&conn)
                .await
                .unwrap()
                .unwrap();
            api::sync::jobs::enqueue(&conn, now, &shop, Resource::Orders, Mode::Full)
                .await
                .unwrap();
        }
        let since = sandbox.last_seq().await;
        let sandbox_cpu = sandbox.cpu_secs();
        let started = Instant::now();
        let mut server = Command::new(BIN)
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(&env)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = server.id();
        let (mut peak, mut cpu) = (0.0f64, 0.0f64);
        let jobs = loop {
            peak = peak.max(vm_hwm_mib(pid).unwrap_or(0.0));
            cpu = cpu.max(cpu_secs(pid).unwrap_or(0.0));
            let jobs = sync_job::Entity::find()
                .filter(sync_job::Column::Resource.eq("orders"))
                .all(&conn)
                .await
                .unwrap();
            let ended = jobs
                .iter()
                .filter(|j| j.state == "succeeded" || j.state == "failed")
                .count();
            if ended == jobs.len() || started.elapsed() > CAP {
                break jobs;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let wall = started.elapsed();
        let sandbox_cpu = sandbox.cpu_secs() - sandbox_cpu;
        let _ = Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status();
        let _ = server.wait();
        conn.close().await.unwrap();

        let synced: u64 = jobs
            .iter()
            .map(|j| api::sync::job::Progress::from_column(&j.progress).items)
            .sum();
        let failed = jobs.iter().filter(|j| j.state != "succeeded").count();
        let runs: Vec<f64> = jobs
            .iter()
            .filter_map(|j| Some((j.finished_at? - j.started_at?).as_seconds_f64()))
            .collect();
        let done_after: Vec<f64> = jobs
            .iter()
            .filter_map(|j| Some((j.finished_at? - now).as_seconds_f64()))
            .collect();
        let max = |v: &[f64]| v.iter().copied().fold(0.0f64, f64::max);
        let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);

        // Each shop's calls in any 60 s of the sandbox's clock (its log is to the second).
        let calls = sandbox.calls(SEARCH, since).await;
        let mut per_shop: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
        for (_, time, _, shop) in &calls {
            if let Some(shop) = shop {
                per_shop.entry(shop.as_str()).or_default().push(*time);
            }
        }
        let busiest_minute = per_shop
            .values()
            .map(|times| {
                times
                    .iter()
                    .map(|&t| times.iter().filter(|&&u| u >= t && u < t + 60).count())
                    .max()
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0);
        let refused = calls.iter().filter(|c| c.2 == 429).count();

        println!(
            "\n| database | shops | orders | seconds | orders/s | failed jobs | a job's run, fastest / slowest (s) | slowest ÷ fastest | last shop done after (s) | busiest shop's calls in 60 s / limit | 429s | server peak memory | server CPU s | sandbox CPU s |"
        );
        println!(
            "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |"
        );
        println!(
            "| {} | {} | {synced} | {:.1} | {:.0} | {failed} | {:.2} / {:.2} | {:.1} | {:.1} | {busiest_minute} / {limit} | {refused} | {peak:.0} MiB | {cpu:.1} | {sandbox_cpu:.1} |",
            db.label,
            ours.len(),
            wall.as_secs_f64(),
            synced as f64 / wall.as_secs_f64(),
            min(&runs),
            max(&runs),
            max(&runs) / min(&runs).max(0.001),
            max(&done_after),
        );
        db.drop_it().await;
        let _ = std::fs::remove_dir_all(dir);
    });
}
