//! Sync through TikTok misbehaving: 5xx answers, 429s and truncated bodies on a share of the calls. The
//! client retries what it can, the queue retries the rest with back-off, and the end state equals the
//! sandbox's with nothing doubled.

use api::sync::jobs;
use entity::sync_job;
use sea_orm::EntityTrait;
use serde_json::json;

use crate::sandbox_env::*;
use crate::sync_env::{
    advance_both, assert_orders_match, assert_products_match, connected_with, drain, drive_by_hand,
    run_to_the_end, sync,
};

#[tokio::test]
async fn a_full_sync_through_5xx_429_and_truncated_answers_ends_equal_to_the_sandbox() {
    let env = connected_with(|c| {
        c.orders = 120;
        c.products = 20;
    })
    .await;
    drive_by_hand(&env);
    env.control(
        "/_sandbox/faults",
        json!({"error_5xx": 0.15, "rate_429": 0.15, "malformed_rate": 0.1, "seed": 11}),
    )
    .await;
    sync(
        &env,
        json!({"resources": ["orders", "products"], "mode": "full"}),
    )
    .await;
    let jobs = run_to_the_end(&env).await;
    assert!(jobs.iter().all(|j| j.state == jobs::SUCCEEDED), "{jobs:?}");
    let statuses: Vec<u16> = env.requests().iter().map(|r| r.1).collect();
    assert!(statuses.contains(&429), "the faults happened: {statuses:?}");
    assert!(statuses.iter().any(|s| *s >= 500), "{statuses:?}");

    env.control(
        "/_sandbox/faults",
        json!({"error_5xx": 0.0, "rate_429": 0.0, "malformed_rate": 0.0}),
    )
    .await;
    assert_orders_match(&env).await;
    assert_products_match(&env).await;
}
