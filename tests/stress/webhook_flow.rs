//! Webhook processing that keeps flowing: a backlog of order notifications is worked by `serve`
//! on the real clock, with the production rate limit (600 calls a minute per shop and category)
//! and retry timing, while TikTok fails about 15 % of calls (5xx, 429, cut and malformed answers,
//! timeouts). Every event ends processed and the orders equal the sandbox's; the figure printed is
//! the rate of TikTok's order calls (first tries and retries alike) as a share of the shop's limit.

use std::time::{Duration, Instant};

use entity::webhook_event;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::process::{Serve, serve_env};
use crate::sandbox_env::*;
use crate::sync_env::{assert_orders_match, connected_with};
use crate::webhook_env::{deliver, order_status_events, sign};

const EVENTS: usize = 200;
/// The shop's limit for one API category: 600 a minute (TikTok's, and our default).
const LIMIT_PER_SECOND: f64 = 10.0;

/// The shop's order calls TikTok has answered (or failed) so far.
fn order_calls(env: &SandboxEnv) -> usize {
    env.requests()
        .iter()
        .filter(|(path, _, _)| path.starts_with("/order/"))
        .count()
}

async fn unfinished(env: &SandboxEnv) -> u64 {
    webhook_event::Entity::find()
        .filter(webhook_event::Column::State.ne("processed"))
        .count(&env.app.state.db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_backlog_under_faults_keeps_tiktok_calls_near_the_shop_rate_limit() {
    let env = connected_with(|c| {
        c.orders = EVENTS;
        c.products = 5;
    })
    .await;
    // The test app only receives; a `serve` process does the work.
    env.app.workers.cancel();

    // One status notification for each order, none of them known locally yet: each is a refetch.
    for (_, body) in order_status_events(&env, "74", 1).await {
        let signature = sign(APP_KEY, APP_SECRET_TT, &body);
        let (status, text) = deliver(&env, &body, Some(signature)).await;
        assert_eq!(status, 200, "{text}");
    }

    // About 15 % of calls fail; a slow one outlasts the 1 s timeout.
    env.control(
        "/_sandbox/faults",
        json!({"error_5xx": 0.05, "rate_429": 0.03, "drop_rate": 0.03, "malformed_rate": 0.02,
               "slow_rate": 0.02, "slow_ms": 1500, "seed": 23}),
    )
    .await;
    let process_env = serve_env(
        &env.app.env,
        &[
            ("TIKTOK_TIMEOUT_SECS", "1"),
            ("TIKTOK_RETRY_BASE_MS", "1000"),
        ],
    );
    let before = order_calls(&env);
    let serve = Serve::start(&process_env, None).await;
    let started = Instant::now();
    let mut first_call = None;
    loop {
        if first_call.is_none() && order_calls(&env) > before {
            first_call = Some(Instant::now());
        }
        if unfinished(&env).await == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "{} events unfinished",
            unfinished(&env).await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let window = first_call.unwrap().elapsed();
    drop(serve);
    let calls = order_calls(&env) - before;
    assert_orders_match(&env).await;
    let rate = calls as f64 / window.as_secs_f64();
    figures!(
        "webhook flow: {EVENTS} events under ~15 % faults: {calls} order calls (first tries and retries) \
         in {:.1} s: {rate:.1} calls/s, {:.2} of the shop's limit of {LIMIT_PER_SECOND} calls/s; all \
         processed, orders equal to the sandbox's",
        window.as_secs_f64(),
        rate / LIMIT_PER_SECOND,
    );
}
