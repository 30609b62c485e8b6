//! Sync against the sandbox: after a sync the local orders, products, stock and warehouses equal the
//! sandbox's; incremental syncs pick up changes; failures retry with back-off, then stay failed and
//! can be retried; disabled areas are skipped; and the API's 4xx paths. Jobs that outlive their
//! worker: `sync_recovery.rs`.

use api::auth::Role;
use api::sync::jobs;
use entity::{order_status_history, sku_stock, stock_history, sync_job, tiktok_order};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tiktok_sandbox::world::ProductStatus;

use crate::helpers::*;
use crate::sandbox_env::*;

pub(crate) use crate::sync_env::*;

async fn connected() -> SandboxEnv {
    connected_with(|_| {}).await
}

async fn stock_history_rows(env: &SandboxEnv) -> u64 {
    stock_history::Entity::find()
        .filter(stock_history::Column::ShopId.eq(&env.shop_id))
        .count(&env.app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_full_sync_by_the_background_workers_makes_local_data_equal_the_sandbox() {
    let env = connected_with(|c| {
        c.orders = 130;
        c.products = 25;
    })
    .await;
    let accepted = sync(
        &env,
        json!({"resources": ["orders", "products", "warehouses"], "mode": "full"}),
    )
    .await;
    let ids: Vec<String> = accepted["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(accepted["job_id"], ids[0].as_str());
    // The app's own workers run them.
    for id in &ids {
        let mut done = Value::Null;
        for _ in 0..1000 {
            done = job(&env, id).await;
            if done["state"] != "queued" && done["state"] != "running" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(done["state"], "succeeded", "{done}");
        assert_eq!(done["attempts"], 1);
        assert!(done["finished_at"].is_string());
        assert!(done["progress"]["pages"].as_u64().unwrap() >= 1);
    }
    let orders = job(&env, &ids[0]).await;
    assert_eq!(orders["progress"]["items"], 130);
    assert_eq!(orders["progress"]["total"], 130);
    assert_eq!(
        orders["progress"]["pages"], 2,
        "pages of 100, TikTok's largest"
    );
    assert_orders_match(&env).await;
    assert_products_match(&env).await;
    assert_warehouses_match(&env).await;

    // Every stock level seen for the first time is a history row; a second full sync that changes
    // nothing adds none and doubles nothing.
    let db = &env.app.state.db;
    let levels = sku_stock::Entity::find()
        .filter(sku_stock::Column::ShopId.eq(&env.shop_id))
        .count(db)
        .await
        .unwrap();
    assert_eq!(stock_history_rows(&env).await, levels);
    let history = order_status_history::Entity::find()
        .filter(order_status_history::Column::ShopId.eq(&env.shop_id))
        .count(db)
        .await
        .unwrap();
    assert_eq!(history, 130, "one first-sighting row per order");
    drive_by_hand(&env);
    sync(
        &env,
        json!({"resources": ["orders", "products", "warehouses"], "mode": "full"}),
    )
    .await;
    drain(&env).await;
    assert_orders_match(&env).await;
    assert_products_match(&env).await;
    assert_eq!(stock_history_rows(&env).await, levels);
    assert_eq!(
        order_status_history::Entity::find()
            .filter(order_status_history::Column::ShopId.eq(&env.shop_id))
            .count(db)
            .await
            .unwrap(),
        history
    );

    // The job list: newest first, paged.
    let viewer = env.app.token("acme", Role::Viewer);
    let (status, page) = env
        .app
        .get(&env.shop_path("/sync/jobs?limit=4"), &viewer)
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 4);
    let cursor = page["next_cursor"].as_str().unwrap();
    let (status, rest) = env
        .app
        .get(
            &env.shop_path(&format!("/sync/jobs?limit=4&cursor={cursor}")),
            &viewer,
        )
        .await;
    assert_eq!(status, 200, "{rest}");
    assert_eq!(rest["items"].as_array().unwrap().len(), 2);
    assert!(rest["next_cursor"].is_null());
}

#[tokio::test]
async fn an_incremental_sync_picks_up_an_order_changed_in_the_sandbox() {
    let env = connected().await;
    drive_by_hand(&env);
    sync(&env, json!({"resources": ["orders"]})).await;
    drain(&env).await;
    assert_orders_match(&env).await;
    let shop = sandbox_shop(&env).await;
    // An order that can still move on.
    let (order_id, before) = env.sandbox.state().with_world(|w| {
        w.orders
            .values()
            .find(|o| o.shop_id == shop && o.status.next().is_some())
            .map(|o| (o.id.to_string(), o.status.as_str().to_owned()))
            .unwrap()
    });
    env.control(&format!("/_sandbox/orders/{order_id}/advance"), json!({}))
        .await;
    let after = env.sandbox.state().with_world(|w| {
        w.orders[&order_id.parse::<u64>().unwrap()]
            .status
            .as_str()
            .to_owned()
    });
    assert_ne!(before, after);
    let accepted = sync(
        &env,
        json!({"resources": ["orders"], "mode": "incremental"}),
    )
    .await;
    drain(&env).await;
    let done = job(&env, accepted["job_id"].as_str().unwrap()).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["mode"], "incremental");
    // The overlap window re-reads a little; never everything.
    assert!(done["progress"]["items"].as_u64().unwrap() < 20, "{done}");
    assert_orders_match(&env).await;
    let history = order_status_history::Entity::find()
        .filter(order_status_history::Column::ShopId.eq(&env.shop_id))
        .filter(order_status_history::Column::OrderId.eq(&order_id))
        .all(&env.app.state.db)
        .await
        .unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    let change = history
        .iter()
        .find(|h| h.from_status.is_some())
        .expect("the change is recorded");
    assert_eq!(change.from_status.as_deref(), Some(before.as_str()));
    assert_eq!(change.to_status, after);
}

#[tokio::test]
async fn failures_retry_with_backoff_then_stay_failed_and_can_be_retried() {
    let env = connected().await;
    drive_by_hand(&env);
    env.control("/_sandbox/faults", json!({"error_5xx": 1.0}))
        .await;
    let accepted = sync(&env, json!({"resources": ["warehouses"]})).await;
    let id = accepted["job_id"].as_str().unwrap().to_owned();
    assert!(jobs::run_once(env.app.state.worker()).await);
    let first = job(&env, &id).await;
    assert_eq!(first["state"], "queued", "{first}");
    assert_eq!(first["attempts"], 1);
    assert!(
        first["error"]
            .as_str()
            .unwrap()
            .contains("tiktok_unavailable"),
        "{first}"
    );
    // Not before its back-off is over.
    assert!(!jobs::run_once(env.app.state.worker()).await);
    for attempt in 2..=jobs::MAX_ATTEMPTS {
        // The back-off doubles; the clock also moved while the client backed off between its own
        // retries, so wait for the job's own run_after.
        let queued = job(&env, &id).await;
        let run_after: chrono::DateTime<chrono::Utc> =
            queued["run_after"].as_str().unwrap().parse().unwrap();
        let wait = run_after - env.app.state.clock.now();
        assert!(
            wait > jobs::backoff(attempt - 1) - chrono::Duration::seconds(5),
            "{queued}"
        );
        advance_both(&env, wait + chrono::Duration::seconds(1)).await;
        assert!(
            jobs::run_once(env.app.state.worker()).await,
            "attempt {attempt}"
        );
    }
    let failed = job(&env, &id).await;
    assert_eq!(failed["state"], "failed", "{failed}");
    assert_eq!(failed["attempts"], jobs::MAX_ATTEMPTS);
    assert!(failed["finished_at"].is_string());
    env.control("/_sandbox/faults", json!({"error_5xx": 0.0}))
        .await;
    // A viewer cannot retry; an operator can.
    let path = env.shop_path(&format!("/sync/jobs/{id}/retry"));
    let (status, body) = env
        .app
        .post(&path, &env.app.token("acme", Role::Viewer), json!({}))
        .await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body) = env.app.post(&path, &operator(&env), json!({})).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["state"], "queued");
    drain(&env).await;
    assert_eq!(job(&env, &id).await["state"], "succeeded");
    assert_warehouses_match(&env).await;
    // Only a failed job can be retried.
    let (status, body) = env.app.post(&path, &operator(&env), json!({})).await;
    assert_error(status, &body, 409, "job_not_failed");
}

#[tokio::test]
async fn asking_again_returns_the_active_job() {
    let env = connected().await;
    drive_by_hand(&env);
    let first = sync(&env, json!({"resources": ["orders"]})).await;
    let again = sync(
        &env,
        json!({"resources": ["orders", "orders"], "mode": "full"}),
    )
    .await;
    assert_eq!(first["job_id"], again["job_id"]);
    assert_eq!(again["jobs"].as_array().unwrap().len(), 1);
    drain(&env).await;
    let next = sync(&env, json!({"resources": ["orders"]})).await;
    assert_ne!(first["job_id"], next["job_id"]);
}

#[tokio::test]
async fn a_disabled_area_is_refused_skipped_by_the_scheduler_and_cancelled_in_the_queue() {
    let env = connected().await;
    drive_by_hand(&env);
    let admin = env.app.admin();
    // Queued while enabled, then the area is turned off: the job is cancelled, not run.
    let queued = sync(&env, json!({"resources": ["orders"]})).await;
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/features"),
            &admin,
            json!({"features": {"orders": false}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    drain(&env).await;
    let cancelled = job(&env, queued["job_id"].as_str().unwrap()).await;
    assert_eq!(cancelled["state"], "cancelled", "{cancelled}");
    assert!(cancelled["error"].as_str().unwrap().contains("orders"));
    assert_eq!(
        tiktok_order::Entity::find()
            .filter(tiktok_order::Column::ShopId.eq(&env.shop_id))
            .count(&env.app.state.db)
            .await
            .unwrap(),
        0
    );
    let (status, body) = env
        .app
        .post(
            &env.shop_path("/sync"),
            &operator(&env),
            json!({"resources": ["orders"]}),
        )
        .await;
    assert_error(status, &body, 409, "feature_disabled");
    // Without a list: every enabled area, and only those.
    let all = sync(&env, json!({})).await;
    let mut resources: Vec<&str> = all["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["resource"].as_str().unwrap())
        .collect();
    resources.sort();
    assert_eq!(resources, ["inventory", "products", "warehouses"]);
}

#[tokio::test]
async fn the_scheduler_queues_incremental_syncs_per_the_shops_interval() {
    let env = connected().await;
    drive_by_hand(&env);
    let state = &env.app.state;
    let jobs_of_shop = || async {
        sync_job::Entity::find()
            .filter(sync_job::Column::ShopId.eq(&env.shop_id))
            .count(&env.app.state.db)
            .await
            .unwrap()
    };
    // The authorization covers more than one shop: each is connected, each is scheduled.
    let shops = entity::shop::Entity::find()
        .filter(entity::shop::Column::Status.eq("connected"))
        .count(&state.db)
        .await
        .unwrap() as usize;
    // Connected, 15 minutes by default, three areas on: four resources (orders, products,
    // warehouses, inventory), four jobs per shop, once.
    assert_eq!(
        api::sync::scheduler::schedule_due(state.store())
            .await
            .unwrap(),
        4 * shops
    );
    assert_eq!(jobs_of_shop().await, 4);
    assert_eq!(
        api::sync::scheduler::schedule_due(state.store())
            .await
            .unwrap(),
        0
    );
    drain(&env).await;
    assert_orders_match(&env).await;
    assert_eq!(
        api::sync::scheduler::schedule_due(state.store())
            .await
            .unwrap(),
        0
    );
    advance_both(&env, chrono::Duration::minutes(15)).await;
    assert_eq!(
        api::sync::scheduler::schedule_due(state.store())
            .await
            .unwrap(),
        4 * shops
    );
    assert_eq!(jobs_of_shop().await, 8);
    drain(&env).await;
    // An area turned off and manual sync: nothing more.
    let admin = env.app.admin();
    let (status, _) = env
        .app
        .put(
            &env.shop_path("/features"),
            &admin,
            json!({"features": {"products": false}}),
        )
        .await;
    assert_eq!(status, 200);
    advance_both(&env, chrono::Duration::minutes(15)).await;
    assert_eq!(
        api::sync::scheduler::schedule_due(state.store())
            .await
            .unwrap(),
        4 * shops - 1
    );
    assert_eq!(jobs_of_shop().await, 11);
    drain(&env).await;
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/sync-settings"),
            &admin,
            json!({"sync_interval": "manual"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    advance_both(&env, chrono::Duration::hours(2)).await;
    api::sync::scheduler::schedule_due(state.store())
        .await
        .unwrap();
    assert_eq!(jobs_of_shop().await, 11);
}

#[tokio::test]
async fn sync_requests_are_checked() {
    let env = sandbox_env().await;
    let op = operator(&env);
    let path = env.shop_path("/sync");
    // Not connected yet.
    let (status, body) = env
        .app
        .post(&path, &op, json!({"resources": ["orders"]}))
        .await;
    assert_error(status, &body, 409, "shop_not_connected");
    env.connect().await;
    for (bad, field) in [
        (json!({"resources": ["teleports"]}), "resources"),
        (json!({"resources": "orders"}), "resources"),
        (json!({"resources": []}), "resources"),
        (
            json!({"resources": ["orders"], "mode": "sometimes"}),
            "mode",
        ),
        (json!({"resources": ["orders"], "extra": 1}), "extra"),
    ] {
        let (status, body) = env.app.post(&path, &op, bad.clone()).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(field),
            "{bad}: {body}"
        );
    }
    // Roles: a viewer reads but cannot ask; no token is a 401.
    let viewer = env.app.token("acme", Role::Viewer);
    let (status, body) = env
        .app
        .post(&path, &viewer, json!({"resources": ["orders"]}))
        .await;
    assert_error(status, &body, 403, "forbidden");
    let (status, _) = env
        .app
        .post(&path, "", json!({"resources": ["orders"]}))
        .await;
    assert_eq!(status, 401);
    // Another tenant's shop and job do not exist for it.
    let accepted = sync(&env, json!({"resources": ["warehouses"]})).await;
    let job_id = accepted["job_id"].as_str().unwrap();
    let other = env.app.token("globex", Role::Admin);
    let (status, body) = env
        .app
        .post(&path, &other, json!({"resources": ["orders"]}))
        .await;
    assert_error(status, &body, 404, "not_found");
    for p in [
        env.shop_path("/sync/jobs"),
        env.shop_path(&format!("/sync/jobs/{job_id}")),
    ] {
        let (status, body) = env.app.get(&p, &other).await;
        assert_error(status, &body, 404, "not_found");
    }
    for p in [
        env.shop_path("/sync/jobs/not-a-job"),
        env.shop_path(&format!("/sync/jobs/{}", uuid::Uuid::new_v4())),
    ] {
        let (status, body) = env.app.get(&p, &viewer).await;
        assert_error(status, &body, 404, "not_found");
    }
    let (status, body) = env
        .app
        .get(&env.shop_path("/sync/jobs?limit=0"), &viewer)
        .await;
    assert_error(status, &body, 400, "invalid_field");
    let (status, body) = env
        .app
        .get(&env.shop_path("/sync/jobs?cursor=garbage"), &viewer)
        .await;
    assert_error(status, &body, 400, "invalid_field");
    let (status, body) = env.app.get(&env.shop_path("/sync/jobs"), &viewer).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"][0]["id"], job_id);
}

#[tokio::test]
async fn incremental_syncs_keep_up_with_a_living_shop() {
    let env = connected_with(|c| {
        c.orders = 40;
        c.products = 10;
    })
    .await;
    drive_by_hand(&env);
    sync(
        &env,
        json!({"resources": ["orders", "products"], "mode": "full"}),
    )
    .await;
    drain(&env).await;
    let first_history = stock_history_rows(&env).await;
    for _ in 0..3 {
        // Twenty minutes of the shop's life: new orders, payments, holds released, shipments,
        // cancellations, stock moving; both clocks move together.
        env.control(
            "/_sandbox/living/tick",
            json!({"minutes": 20, "orders_per_minute": 2.0}),
        )
        .await;
        env.app.clock.advance(chrono::Duration::minutes(20));
        sync(&env, json!({"resources": ["orders", "products"]})).await;
        drain(&env).await;
        assert_orders_match(&env).await;
        assert_products_match(&env).await;
    }
    // Changes while a sync runs: the shop keeps moving during the walk; once it stops, one more
    // incremental sync makes us equal again.
    sync(&env, json!({"resources": ["orders", "products"]})).await;
    let state = env.app.state.clone();
    let running = tokio::spawn(async move { while jobs::run_once(state.worker()).await {} });
    env.control(
        "/_sandbox/living/tick",
        json!({"minutes": 5, "orders_per_minute": 3.0, "advance_clock": false}),
    )
    .await;
    running.await.unwrap();
    drain(&env).await;
    sync(&env, json!({"resources": ["orders", "products"]})).await;
    drain(&env).await;
    assert_orders_match(&env).await;
    assert_products_match(&env).await;
    // Stock moved with the orders: each change is a history row with its before and after.
    let changes = stock_history::Entity::find()
        .filter(stock_history::Column::ShopId.eq(&env.shop_id))
        .filter(stock_history::Column::Before.is_not_null())
        .all(&env.app.state.db)
        .await
        .unwrap();
    assert!(stock_history_rows(&env).await > first_history);
    assert!(!changes.is_empty());
    assert!(
        changes
            .iter()
            .all(|c| c.before != Some(c.after) && c.source == "sync")
    );
}

#[tokio::test]
async fn two_server_processes_share_the_queue_and_run_each_job_once() {
    let env = connected_with(|c| {
        c.orders = 150;
        c.products = 15;
    })
    .await;
    // A second instance of the service on the same database, with its own workers, as a second
    // process would be.
    let mut second_env = env.app.env.clone();
    second_env.insert("OCEAN_BIND".into(), "127.0.0.1:0".into());
    let settings = api::config::Settings::from_map(&second_env).unwrap();
    let second = api::app::Application::build_with_clock(
        settings,
        std::sync::Arc::new(env.app.clock.clone()),
    )
    .await
    .unwrap();
    let second_state = second.state();
    let (server, second_workers) = second.into_parts();
    tokio::spawn(server);
    // Many claimers at once on one job: exactly one wins.
    sync(&env, json!({"resources": ["warehouses"]})).await;
    let mut claims = Vec::new();
    for i in 0..8 {
        let state = if i % 2 == 0 {
            env.app.state.clone()
        } else {
            second_state.clone()
        };
        claims.push(tokio::spawn(async move {
            jobs::claim_as(state.worker(), &format!("claimer-{i}")).await
        }));
    }
    let mut won = Vec::new();
    for c in claims {
        if let Some(job) = c.await.unwrap().unwrap() {
            won.push(job);
        }
    }
    // The instances' own background workers race the claimers too: whoever it is, one claim wins.
    assert!(won.len() <= 1, "{won:?}");
    match won.pop() {
        Some(job) => jobs::process(env.app.state.worker(), job).await,
        None => {
            let queued = sync_job::Entity::find()
                .filter(sync_job::Column::State.eq(jobs::QUEUED))
                .count(&env.app.state.db)
                .await
                .unwrap();
            assert_eq!(queued, 0, "a background worker claimed it");
        }
    }

    // Both instances' background workers drain a full sync of everything between them.
    let accepted = sync(
        &env,
        json!({"resources": ["orders", "products", "warehouses"], "mode": "full"}),
    )
    .await;
    for j in accepted["jobs"].as_array().unwrap() {
        let id = j["id"].as_str().unwrap();
        let mut done = Value::Null;
        for _ in 0..1000 {
            done = job(&env, id).await;
            if done["state"] != "queued" && done["state"] != "running" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(done["state"], "succeeded", "{done}");
        assert_eq!(done["attempts"], 1, "ran once: {done}");
    }
    second_workers.cancel();
    assert_orders_match(&env).await;
    assert_products_match(&env).await;
    assert_warehouses_match(&env).await;
}

#[tokio::test]
async fn a_skus_stock_history_shows_each_change_newest_first() {
    let env = connected_with(|c| {
        c.orders = 10;
        c.products = 6;
    })
    .await;
    drive_by_hand(&env);
    sync(&env, json!({"resources": ["products"], "mode": "full"})).await;
    drain(&env).await;
    let shop = sandbox_shop(&env).await;
    // Move one SKU's stock through the sandbox's control plane (a platform-side change that moves
    // the product's update_time, as TikTok's does), a minute later, then sync again.
    let (product, sku, warehouse, before) = env.sandbox.state().with_world(|w| {
        let p = w
            .products
            .values()
            .find(|p| p.shop_id == shop && p.status != ProductStatus::Deleted && !p.skus.is_empty())
            .unwrap();
        let s = &p.skus[0];
        (
            p.id,
            s.id,
            s.inventory[0].warehouse_id,
            s.inventory[0].quantity,
        )
    });
    advance_both(&env, chrono::Duration::minutes(1)).await;
    let res = reqwest::Client::new()
        .patch(format!("{}/_sandbox/products/{product}", env.sandbox.base_url()))
        .json(&json!({"stock": [{"sku_id": sku.to_string(), "warehouse_id": warehouse.to_string(), "quantity": before + 5}]}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    sync(&env, json!({"resources": ["products"]})).await;
    drain(&env).await;
    let viewer = env.app.token("acme", Role::Viewer);
    let (status, page) = env
        .app
        .get(
            &env.shop_path(&format!("/inventory/{sku}/history")),
            &viewer,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    let change = items
        .iter()
        .find(|c| c["warehouse_id"] == warehouse.to_string().as_str() && !c["before"].is_null())
        .unwrap_or_else(|| panic!("{page}"));
    assert_eq!(change["before"], before);
    assert_eq!(change["after"], before + 5);
    assert_eq!(change["source"], "sync");
    assert_eq!(items[0], *change, "newest first");
    let (status, body) = env
        .app
        .get(&env.shop_path("/inventory/999/history"), &viewer)
        .await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = env
        .app
        .get(
            &env.shop_path(&format!("/inventory/{sku}/history")),
            &env.app.token("globex", Role::Viewer),
        )
        .await;
    assert_error(status, &body, 404, "not_found");
}
