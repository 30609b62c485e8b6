//! Chaos: TikTok fails about a fifth of the calls (5xx, 429, timeouts, cut connections and answers
//! that are not JSON) through full and incremental syncs of orders, products, returns and
//! cancellations, and through a webhook storm with duplicated and reordered deliveries. The client
//! retries what it can, the queue and the event processor retry the rest with back-off, and the end
//! state equals the sandbox's: nothing lost, nothing doubled.

use api::clock::Clock;
use api::sync::returns::Kind;
use api::webhooks::process;
use entity::webhook_event;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use tiktok_sandbox::routes::returns as sb_returns;
use tiktok_sandbox::world::ReturnType;

use crate::returns_env::assert_match;
use crate::sandbox_env::*;
use crate::sync_env::{
    advance_both, assert_orders_match, assert_products_match, catch_up, drive_by_hand,
    run_to_the_end, sandbox_shop, sync,
};

/// About a fifth of calls fail; the slow ones outlast our 1 s timeout.
fn faults(seed: u64) -> serde_json::Value {
    json!({"error_5xx": 0.07, "rate_429": 0.05, "drop_rate": 0.04, "malformed_rate": 0.04,
           "slow_rate": 0.02, "slow_ms": 1500, "seed": seed})
}

async fn received_events(env: &SandboxEnv) -> u64 {
    webhook_event::Entity::find()
        .filter(webhook_event::Column::State.eq("received"))
        .count(&env.app.state.db)
        .await
        .unwrap()
}

/// Keeps the sandbox's clock with ours while our client's back-offs and rate limiter move ours
/// (TikTok refuses a request stamped more than 30 s ahead of its clock), until `stop`.
fn follow_our_clock(env: &SandboxEnv, stop: tokio_util::sync::CancellationToken) {
    let sandbox = env.sandbox.state();
    let ours = env.app.clock.clone();
    tokio::spawn(async move {
        while !stop.is_cancelled() {
            let ahead = ours.now().timestamp() - sandbox.now();
            if ahead > 0 {
                sandbox.advance_clock(ahead);
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    });
}

/// Processes events until none waits, moving both clocks over each retry's back-off.
async fn process_all(env: &SandboxEnv) {
    for _ in 0..200 {
        catch_up(env).await;
        while process::process_due(env.app.state.worker(), 100)
            .await
            .unwrap()
            > 0
        {}
        if received_events(env).await == 0 {
            return;
        }
        advance_both(env, chrono::Duration::seconds(10)).await;
    }
    panic!("webhook events still waiting after 200 rounds");
}

/// Delivered orders get refund requests and a few awaiting ones a buyer's cancellation.
async fn after_sales_requests(env: &SandboxEnv, count: usize) {
    let shop = sandbox_shop(env).await;
    let state = env.sandbox.state();
    let now = state.now();
    let placed = env
        .control(
            &format!("/_sandbox/shops/{shop}/orders"),
            json!({"count": count, "status": "DELIVERED"}),
        )
        .await;
    let ids: Vec<u64> = placed["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().parse().unwrap())
        .collect();
    state.with_world(|w| {
        for id in &ids {
            sb_returns::open_return(w, *id, ReturnType::Refund, "Damaged", now);
        }
    });
    let placed = env
        .control(
            &format!("/_sandbox/shops/{shop}/orders"),
            json!({"count": count / 2, "status": "AWAITING_SHIPMENT"}),
        )
        .await;
    state.with_world(|w| {
        for o in placed["orders"].as_array().unwrap() {
            let id = o["id"].as_str().unwrap().parse().unwrap();
            sb_returns::open_cancellation(
                w,
                id,
                "BUYER",
                "Changed mind",
                tiktok_sandbox::world::CancelStatus::RequestPending,
                now,
            );
        }
    });
}

async fn assert_all_match(env: &SandboxEnv) {
    assert_orders_match(env).await;
    assert_products_match(env).await;
    assert_match(env, Kind::Return).await;
    assert_match(env, Kind::Cancellation).await;
}

fn fault_share(env: &SandboxEnv, from: usize) -> (usize, usize) {
    let log = env.requests();
    let calls = &log[from.min(log.len())..];
    let failed = calls
        .iter()
        .filter(|(_, status, code)| *status != 200 || *code != 0);
    (calls.len(), failed.count())
}

#[tokio::test]
async fn syncs_and_a_webhook_storm_through_tiktoks_faults_end_equal_to_the_sandbox() {
    let env = sandbox_env_with(
        |c| {
            c.orders = 600;
            c.products = 20;
            c.webhook_duplicate_rate = 0.1;
            c.webhook_reorder_rate = 0.1;
        },
        |e| {
            e.insert("TIKTOK_TIMEOUT_SECS".into(), "1".into());
        },
    )
    .await;
    env.connect().await;
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/features"),
            &env.app.admin(),
            json!({"features": {"returns": true}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    drive_by_hand(&env);
    let following = tokio_util::sync::CancellationToken::new();
    let _stop_following = following.clone().drop_guard();
    follow_our_clock(&env, following);
    after_sales_requests(&env, 30).await;
    let all = json!(["orders", "products", "returns", "cancellations"]);

    // A full sync of everything through the faults.
    let start = env.requests().len();
    env.control("/_sandbox/faults", faults(11)).await;
    sync(&env, json!({"resources": all, "mode": "full"})).await;
    let jobs = run_to_the_end(&env).await;
    assert!(jobs.iter().all(|j| j.state == "succeeded"), "{jobs:?}");
    let (full_calls, full_failed) = fault_share(&env, start);
    assert_all_match(&env).await;

    // The shop lives on (orders placed, paid, shipped, cancelled; new after-sales requests), then
    // incremental syncs through the same faults.
    let start = env.requests().len();
    for _ in 0..2 {
        env.control(
            "/_sandbox/living/tick",
            json!({"minutes": 20, "orders_per_minute": 2.0}),
        )
        .await;
        env.app.clock.advance(chrono::Duration::minutes(20));
        after_sales_requests(&env, 6).await;
        sync(&env, json!({"resources": all})).await;
        let jobs = run_to_the_end(&env).await;
        assert!(jobs.iter().all(|j| j.state == "succeeded"), "{jobs:?}");
        assert_all_match(&env).await;
    }
    let (incr_calls, incr_failed) = fault_share(&env, start);

    // A webhook storm: TikTok pushes every change of another hour of the shop's life (10 %
    // delivered twice, 10 % out of order), and each event's refetch meets the faults.
    let start = env.requests().len();
    let before = crate::webhook_env::stored(&env).await;
    env.control(
        "/_sandbox/living/tick",
        json!({"minutes": 60, "orders_per_minute": 3.0}),
    )
    .await;
    env.app.clock.advance(chrono::Duration::minutes(60));
    env.control("/_sandbox/webhooks/flush", json!({})).await;
    let events = crate::webhook_env::stored(&env).await - before;
    assert!(events > 50, "the storm delivered {events} events");
    process_all(&env).await;
    let (storm_calls, storm_failed) = fault_share(&env, start);
    assert_orders_match(&env).await;
    let dead = webhook_event::Entity::find()
        .filter(webhook_event::Column::State.eq("dead"))
        .count(&env.app.state.db)
        .await
        .unwrap();
    assert_eq!(dead, 0, "no event gave up");

    let pct = |f: usize, c: usize| 100.0 * f as f64 / c.max(1) as f64;
    figures!(
        "chaos: 22 % of calls faulted (5xx 7, 429 5, cut 4, not JSON 4, timeout 2); 5xx and 429 seen: \
         full sync {full_calls} calls ({:.0} %), incremental {incr_calls} calls ({:.0} %), \
         webhook storm of {events} events {storm_calls} calls ({:.0} %); all equal to the sandbox, 0 lost, 0 doubled, 0 dead",
        pct(full_failed, full_calls),
        pct(incr_failed, incr_calls),
        pct(storm_failed, storm_calls),
    );
    // The log shows the 5xx and 429 answers (12 % injected); cut connections, bad JSON and
    // timeouts (10 % more) look like answers sent.
    assert!(
        pct(storm_failed, storm_calls) >= 8.0,
        "the faults happened: {storm_failed} of {storm_calls}"
    );
}
