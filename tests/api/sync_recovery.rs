//! Sync jobs that outlive their worker: a job whose worker died is resumed by another within its
//! lease without duplicates, a crash loop never fails a job and each life resumes from its
//! checkpoint, and a full sync that replaces a failed one starts where it got to.

use api::sync::jobs;
use entity::{order_status_history, tiktok_order, tiktok_order_line};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::sandbox_env::*;
use crate::sync::{
    advance_both, assert_orders_match, connected_with, drain, drive_by_hand, job, sandbox_shop,
    sync,
};

#[tokio::test]
async fn a_job_whose_worker_died_is_resumed_by_another_without_duplicates() {
    let env = connected_with(|c| c.orders = 400).await;
    drive_by_hand(&env);
    let accepted = sync(&env, json!({"resources": ["orders"], "mode": "full"})).await;
    let job_id = accepted["job_id"].as_str().unwrap().to_owned();
    let state = env.app.state.clone();
    let claimed = jobs::claim_as(state.worker(), "a-worker-that-dies")
        .await
        .unwrap()
        .expect("the job is claimable");
    assert_eq!(claimed.id, job_id);
    // The worker runs until some pages are saved, then dies (its task is dropped mid-way).
    let worker = {
        let state = state.clone();
        tokio::spawn(async move { jobs::process(state.worker(), claimed).await })
    };
    let db = &env.app.state.db;
    let count = || async {
        tiktok_order::Entity::find()
            .filter(tiktok_order::Column::ShopId.eq(&env.shop_id))
            .count(db)
            .await
            .unwrap()
    };
    for _ in 0..5000 {
        if count().await > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    worker.abort();
    let _ = worker.await;
    let partial = count().await;
    assert!(partial > 0 && partial < 400, "died mid-way: {partial}");
    let dead = job(&env, &job_id).await;
    assert_eq!(dead["state"], "running");
    // Nobody else may take it while its lease holds.
    assert!(!jobs::run_once(state.worker()).await);
    // The lease runs out: another worker resumes it.
    advance_both(
        &env,
        env.app.state.worker().lease_span() + chrono::Duration::seconds(1),
    )
    .await;
    assert!(jobs::run_once(state.worker()).await);
    let done = job(&env, &job_id).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["attempts"], 2);
    assert_eq!(
        done["failures"], 0,
        "a worker dying is not a failure of the work"
    );
    assert!(
        done["progress"]["items"].as_u64() <= done["progress"]["total"].as_u64(),
        "done and total of the same run: {done}"
    );
    assert_orders_match(&env).await;
    assert_eq!(count().await, 400);
    let lines = tiktok_order_line::Entity::find()
        .filter(tiktok_order_line::Column::ShopId.eq(&env.shop_id))
        .count(db)
        .await
        .unwrap();
    let shop = sandbox_shop(&env).await;
    let expected_lines: usize = env.sandbox.state().with_world(|w| {
        w.orders
            .values()
            .filter(|o| o.shop_id == shop)
            .map(|o| o.line_items.len())
            .sum()
    });
    assert_eq!(lines, expected_lines as u64);
    assert_eq!(
        order_status_history::Entity::find()
            .filter(order_status_history::Column::ShopId.eq(&env.shop_id))
            .count(db)
            .await
            .unwrap(),
        400,
        "no order recorded twice"
    );
}

/// Orders of the shop saved here.
async fn orders_saved(env: &SandboxEnv) -> u64 {
    tiktok_order::Entity::find()
        .filter(tiktok_order::Column::ShopId.eq(&env.shop_id))
        .count(&env.app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_crash_loop_never_fails_a_job_and_each_life_resumes_from_its_checkpoint() {
    let env = connected_with(|c| c.orders = 2000).await;
    drive_by_hand(&env);
    let accepted = sync(&env, json!({"resources": ["orders"], "mode": "full"})).await;
    let job_id = accepted["job_id"].as_str().unwrap().to_owned();
    let state = env.app.state.clone();
    let count = || orders_saved(&env);
    let searches = || env.count_requests("/order/202309/orders/search");
    // More lives than the job has attempts: each dies after saving a little more.
    for life in 0..(jobs::MAX_ATTEMPTS + 2) {
        let claimed = jobs::claim_as(state.worker(), &format!("worker-{life}"))
            .await
            .unwrap()
            .expect("the dead worker's job is claimable once its lease ran out");
        assert_eq!(claimed.id, job_id);
        let before = count().await;
        let worker = {
            let state = state.clone();
            tokio::spawn(async move { jobs::process(state.worker(), claimed).await })
        };
        for _ in 0..5000 {
            if count().await > before {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        worker.abort();
        let _ = worker.await;
        advance_both(
            &env,
            env.app.state.worker().lease_span() + chrono::Duration::seconds(1),
        )
        .await;
    }
    let died = job(&env, &job_id).await;
    assert_eq!(died["state"], "running", "{died}");
    assert_eq!(died["failures"], 0, "{died}");
    let searched_while_dying = searches();
    assert!(jobs::run_once(state.worker()).await);
    let done = job(&env, &job_id).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["failures"], 0);
    assert_eq!(count().await, 2000);
    assert_orders_match(&env).await;
    // The last life started from the checkpoint: it read what was left, not all 20 pages again.
    let last_life = searches() - searched_while_dying;
    assert!(last_life < 20, "the last life read {last_life} pages");
    assert!(
        done["progress"]["items"].as_u64() <= done["progress"]["total"].as_u64(),
        "{done}"
    );
}

#[tokio::test]
async fn a_full_sync_that_replaces_a_failed_one_starts_at_its_checkpoint() {
    let env = connected_with(|c| c.orders = 1000).await;
    drive_by_hand(&env);
    let accepted = sync(&env, json!({"resources": ["orders"], "mode": "full"})).await;
    let first_id = accepted["job_id"].as_str().unwrap().to_owned();
    let state = env.app.state.clone();
    let count = || orders_saved(&env);
    // The job saves some pages, then TikTok fails every call until the job gives up.
    let worker = {
        let state = state.clone();
        tokio::spawn(async move { jobs::run_once(state.worker()).await })
    };
    for _ in 0..5000 {
        if count().await > 100 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    env.control("/_sandbox/faults", json!({"error_5xx": 1.0}))
        .await;
    worker.await.unwrap();
    for _ in 0..jobs::MAX_ATTEMPTS {
        if job(&env, &first_id).await["state"] == "failed" {
            break;
        }
        advance_both(&env, chrono::Duration::hours(1)).await;
        jobs::run_once(state.worker()).await;
    }
    let failed = job(&env, &first_id).await;
    assert_eq!(failed["state"], "failed", "{failed}");
    let saved = count().await;
    assert!(saved > 100 && saved < 1000, "{saved}");

    // The replacement starts where the failed one got to.
    env.control("/_sandbox/faults", json!({"error_5xx": 0.0}))
        .await;
    let searches_before = env.count_requests("/order/202309/orders/search");
    let again = sync(&env, json!({"resources": ["orders"], "mode": "full"})).await;
    let second_id = again["job_id"].as_str().unwrap().to_owned();
    assert_ne!(second_id, first_id);
    assert!(
        again["jobs"][0]["progress"]["items"].as_u64().unwrap() > 0,
        "it counts on from the failed one: {again}"
    );
    drain(&env).await;
    let done = job(&env, &second_id).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(count().await, 1000);
    assert_orders_match(&env).await;
    let read = env.count_requests("/order/202309/orders/search") - searches_before;
    assert!(read < 10, "read {read} pages, not all 10 again");
    assert!(
        done["progress"]["items"].as_u64() <= done["progress"]["total"].as_u64(),
        "{done}"
    );
}
