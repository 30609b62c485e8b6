//! The `ocean-tiktok` binary: settings refused with a clear message, tokens, migrations, and the
//! operator's `sync` (worked here, followed when another process holds it, refused with a reason,
//! released on Ctrl-C).

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use api::sync::jobs;
use entity::{sync_job, tiktok_order, tiktok_product};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::helpers::*;
use crate::sandbox_env::*;

fn cli() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ocean-tiktok"));
    // A clean environment, so the developer's own settings cannot leak into the test.
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd.current_dir(std::env::temp_dir());
    cmd
}

#[test]
fn serve_refuses_to_start_without_a_master_key_and_says_how_to_make_one() {
    let out = cli()
        .arg("serve")
        .env("OCEAN_JWT_SECRET", "x".repeat(40))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("OCEAN_MASTER_KEY") && err.contains("openssl rand -base64 32"),
        "{err}"
    );

    let out = cli()
        .arg("serve")
        .env("OCEAN_JWT_SECRET", "x".repeat(40))
        .env("OCEAN_MASTER_KEY", "dG9vLXNob3J0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("32 are needed"));
}

#[test]
fn token_mints_a_jwt_the_service_accepts() {
    let secret = "y".repeat(40);
    let out = cli()
        .args([
            "token", "--tenant", "acme", "--role", "operator", "--sub", "ops", "--ttl", "2h",
        ])
        .env("OCEAN_JWT_SECRET", &secret)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap();
    let keys = api::auth::JwtKeys::new(&api::config::JwtSettings {
        secret: secrecy::SecretSlice::from(secret.into_bytes()),
        issuer: None,
        audience: None,
    });
    let claims = keys.verify(token.trim()).unwrap();
    assert_eq!(
        (claims.tenant.as_str(), claims.role),
        ("acme", api::auth::Role::Operator)
    );
    assert!(claims.exp - chrono::Utc::now().timestamp() > 7000);

    let out = cli()
        .args([
            "token",
            "--tenant",
            "acme",
            "--role",
            "superuser",
            "--sub",
            "x",
        ])
        .env("OCEAN_JWT_SECRET", "y".repeat(40))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("admin, operator or viewer"));
}

#[tokio::test]
async fn migrate_up_status_and_down() {
    let db = TestDb::new().await;
    let run = |args: &[&str]| {
        let out = cli()
            .arg("migrate")
            .args(args)
            .env("DATABASE_URL", &db.url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(run(&["status"]).contains("pending"));
    run(&["up"]);
    assert!(run(&["status"]).contains("applied  m20261124_000001_create_shops"));
    run(&["down"]);
    let status = run(&["status"]);
    // `down` reverts the newest migration only.
    let migrations: Vec<&str> = status.lines().filter(|l| l.contains(" m2026")).collect();
    let (newest, older) = migrations.split_last().expect("migrations are listed");
    assert!(newest.starts_with("pending"), "{status}");
    assert!(older.len() >= 2, "{status}");
    assert!(older.iter().all(|l| l.starts_with("applied")), "{status}");
    let rest = older.len().to_string();
    run(&["down", "--steps", &rest]);
    assert!(run(&["status"]).contains("pending  m20261124_000001_create_shops"));
}

/// `ocean-tiktok sync` with the app's own settings (database, master key, TikTok hosts).
fn sync_cli(env: &SandboxEnv, args: &[&str]) -> Command {
    let mut cmd = cli();
    cmd.arg("sync").args(args).envs(&env.app.env);
    cmd
}

/// Runs the command off the runtime (the sandbox and the app serve on it meanwhile).
async fn output(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A connected shop whose app runs no background workers: the command is the only worker.
async fn connected_quiet(config: impl FnOnce(&mut tiktok_sandbox::SandboxConfig)) -> SandboxEnv {
    let env = sandbox_env_with(config, |_| {}).await;
    env.connect().await;
    env.app.workers.cancel();
    env
}

async fn orders_of(env: &SandboxEnv) -> u64 {
    tiktok_order::Entity::find()
        .filter(tiktok_order::Column::ShopId.eq(&env.shop_id))
        .count(&env.app.state.db)
        .await
        .unwrap()
}

async fn jobs_of(env: &SandboxEnv) -> Vec<sync_job::Model> {
    sync_job::Entity::find()
        .filter(sync_job::Column::ShopId.eq(&env.shop_id))
        .all(&env.app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn sync_works_the_jobs_and_prints_a_line_per_page_and_a_summary() {
    let env = connected_quiet(|c| c.orders = 120).await;
    assert_eq!(orders_of(&env).await, 0);
    let out = output(sync_cli(
        &env,
        &[
            "--shop",
            &env.shop_id,
            "--resources",
            "orders,products",
            "--full",
        ],
    ))
    .await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    // Not a terminal: no bar, a line per page (100 orders a page) and the summary.
    assert!(!stdout.contains('\r'), "{stdout}");
    assert!(
        stdout.contains("orders: page 2 · 120 items of 120 · "),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("orders: succeeded · 120 items of 120 in 2 pages · 0 skipped")),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("products: succeeded · 10 items")),
        "{stdout}"
    );
    assert_eq!(orders_of(&env).await, 120);
    let products = tiktok_product::Entity::find()
        .filter(tiktok_product::Column::ShopId.eq(&env.shop_id))
        .count(&env.app.state.db)
        .await
        .unwrap();
    assert_eq!(products, 10);
    let jobs = jobs_of(&env).await;
    assert_eq!(jobs.len(), 2);
    for j in &jobs {
        assert_eq!(
            (
                j.state.as_str(),
                j.mode.as_str(),
                j.attempts,
                j.lease_owner.as_deref()
            ),
            (jobs::SUCCEEDED, "full", 1, None),
            "{j:?}"
        );
    }

    // Without --resources: every resource of the enabled areas (orders, products, warehouses,
    // inventory), incremental.
    let out = output(sync_cli(&env, &["--shop", &env.shop_id])).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    for r in ["orders", "products", "warehouses", "inventory"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&format!("{r}: succeeded · "))),
            "{stdout}"
        );
    }
    assert_eq!(jobs_of(&env).await.len(), 6);
    assert_eq!(orders_of(&env).await, 120, "no duplicates");
}

#[tokio::test]
async fn sync_follows_a_job_that_another_process_holds_until_it_ends() {
    let env = connected_quiet(|_| {}).await;
    let (status, body) = env
        .app
        .post(
            &env.shop_path("/sync"),
            &env.app.token("acme", api::auth::Role::Operator),
            json!({"resources": ["orders"], "mode": "full"}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    // Another server process claims it first.
    let held = jobs::claim_as(env.app.state.worker(), "another-process")
        .await
        .unwrap()
        .expect("the job is claimable");

    let mut cmd = sync_cli(&env, &["--shop", &env.shop_id, "--resources", "orders"]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    // Asking while the job is active follows that job rather than queueing another.
    let following = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let mut seen = Vec::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            let done = line.contains("held by another process");
            seen.push(line);
            if done {
                break;
            }
        }
        (lines, seen)
    });
    let (lines, seen) = following.await.unwrap();
    assert!(
        seen.last()
            .is_some_and(|l| l.contains("running (held by another process)")),
        "{seen:?}"
    );
    // The other process works the job to its end; the command sees it and reports it.
    jobs::process(env.app.state.worker(), held.clone()).await;
    let (rest, out) = tokio::task::spawn_blocking(move || {
        let rest: Vec<String> = lines.map(Result::unwrap).collect();
        (rest, child.wait_with_output().unwrap())
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{rest:?}{}", text(&out.stderr));
    assert!(
        rest.iter()
            .any(|l| l.starts_with("orders: succeeded · 20 items")
                && l.ends_with(&format!("(job {})", held.id))),
        "{rest:?}"
    );
    assert_eq!(jobs_of(&env).await.len(), 1, "no second job was queued");
    assert_eq!(orders_of(&env).await, 20);
}

#[tokio::test]
async fn sync_refuses_with_a_one_line_reason_and_changes_nothing() {
    let env = sandbox_env().await;
    let fails = |out: &Output, expected: &str| {
        assert!(!out.status.success(), "{}", text(&out.stdout));
        let err = text(&out.stderr);
        assert!(err.contains(expected), "{expected:?} in {err}");
    };
    let other = uuid::Uuid::new_v4().to_string();
    for shop in [other.as_str(), "not-a-uuid"] {
        let out = output(sync_cli(&env, &["--shop", shop])).await;
        fails(&out, &format!("no shop {shop}"));
    }
    let out = output(sync_cli(
        &env,
        &["--shop", &env.shop_id, "--resources", "orders,bogus"],
    ))
    .await;
    fails(
        &out,
        "unknown resource `bogus`; valid: orders, products, warehouses",
    );
    // Configured, not connected yet.
    let out = output(sync_cli(&env, &["--shop", &env.shop_id])).await;
    fails(
        &out,
        "shop_not_connected: the shop is not connected to TikTok",
    );
    let last = text(&out.stderr)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    assert!(last.starts_with("error: shop_not_connected"), "{last}");

    env.connect().await;
    env.app.workers.cancel();
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/features"),
            &env.token,
            json!({"features": {"orders": false}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let out = output(sync_cli(
        &env,
        &["--shop", &env.shop_id, "--resources", "products,orders"],
    ))
    .await;
    fails(&out, "feature_disabled: the orders area is disabled");
    assert!(jobs_of(&env).await.is_empty(), "nothing was queued");

    // TikTok refuses: the seller revoked the authorization (its webhook is not processed here).
    let tiktok_shop = env.tiktok_shop_id().await;
    env.control(&format!("/_sandbox/shops/{tiktok_shop}/revoke"), json!({}))
        .await;
    let out = output(sync_cli(
        &env,
        &["--shop", &env.shop_id, "--resources", "products"],
    ))
    .await;
    fails(&out, "products sync failed: ");
    assert!(
        text(&out.stdout)
            .lines()
            .any(|l| l.starts_with("products: failed · 0 items")),
        "{}",
        text(&out.stdout)
    );
    let jobs = jobs_of(&env).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].state, jobs::FAILED);
}

#[tokio::test]
async fn ctrl_c_hands_the_job_back_to_the_queue() {
    let env = connected_quiet(|c| c.orders = 200).await;
    // Every TikTok answer takes 3 s, so the command is inside its first page when interrupted.
    env.control(
        "/_sandbox/faults",
        json!({"slow_ms": 3000, "slow_rate": 1.0}),
    )
    .await;
    let mut cmd = sync_cli(
        &env,
        &["--shop", &env.shop_id, "--resources", "orders", "--full"],
    );
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    let mut running = None;
    for _ in 0..2000 {
        running = jobs_of(&env)
            .await
            .into_iter()
            .find(|j| j.state == jobs::RUNNING);
        if running.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let running = running.expect("the command claims its job");
    assert_eq!(running.attempts, 1);
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("interrupted: the orders job was handed back to the queue"),
        "{err}"
    );
    let job = jobs_of(&env).await.pop().unwrap();
    assert_eq!(
        (job.state.as_str(), job.attempts, job.lease_owner.as_deref()),
        (jobs::QUEUED, 0, None),
        "released, the attempt not counted"
    );
    assert_eq!(orders_of(&env).await, 0, "the open page was rolled back");

    // The next command resumes it: the same job, now without faults.
    env.control("/_sandbox/faults", json!({"slow_ms": 0, "slow_rate": 0.0}))
        .await;
    let out = output(sync_cli(
        &env,
        &["--shop", &env.shop_id, "--resources", "orders"],
    ))
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(&format!(
            "orders: succeeded · 200 items of 200 in 2 pages · 0 skipped"
        )),
        "{}",
        text(&out.stdout)
    );
    let jobs = jobs_of(&env).await;
    assert_eq!((jobs.len(), jobs[0].id.as_str()), (1, job.id.as_str()));
    assert_eq!(orders_of(&env).await, 200);
}
