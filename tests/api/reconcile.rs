//! Webhooks are the fast path and polling the safety net: a living shop's pushes (repeated and out of
//! order) make local orders equal the sandbox's, after which an incremental sync finds nothing new; a
//! change whose webhook never came is caught by the next incremental sync; product events refetch the
//! product; and an older copy of a record never overwrites a newer one.

use api::sync::{Saved, begin_write, orders, products};
use entity::{order_status_history, tiktok_order, tiktok_product};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};
use serde_json::{Value, json};

use crate::sandbox_env::*;
use crate::sync::{assert_orders_match, connected_with, drain, drive_by_hand, job, sync};
use crate::webhooks::{settle, stored};

/// Runs one sync of `resources` to the end and answers its jobs' progress.
async fn synced(env: &SandboxEnv, resources: Value, mode: &str) -> Vec<Value> {
    let queued = sync(env, json!({"resources": resources, "mode": mode})).await;
    drain(env).await;
    let mut progress = Vec::new();
    for j in queued["jobs"].as_array().unwrap() {
        let done = job(env, j["id"].as_str().unwrap()).await;
        assert_eq!(done["state"], "succeeded", "{done}");
        progress.push(done["progress"].clone());
    }
    progress
}

/// Pushes what the sandbox has queued (and held back) to us, then processes what we stored.
async fn deliver_and_process(env: &SandboxEnv) {
    env.control("/_sandbox/webhooks/flush", json!({})).await;
    settle(env).await;
}

#[tokio::test]
async fn a_living_shops_webhooks_bring_its_orders_here_and_the_next_sync_finds_nothing_new() {
    let env = connected_with(|c| {
        c.orders = 20;
        c.products = 8;
    })
    .await;
    drive_by_hand(&env);
    synced(&env, json!(["orders", "products"]), "full").await;
    // TikTok repeats deliveries and sends them out of order.
    env.control(
        "/_sandbox/webhooks/settings",
        json!({"duplicate_rate": 0.2, "reorder_rate": 0.3}),
    )
    .await;
    let before = stored(&env).await;
    for _ in 0..3 {
        env.control(
            "/_sandbox/living/tick",
            json!({"minutes": 20, "orders_per_minute": 1.0}),
        )
        .await;
        env.app.clock.advance(chrono::Duration::minutes(20));
        deliver_and_process(&env).await;
    }
    assert!(
        stored(&env).await > before + 20,
        "the living shop pushed its changes"
    );
    let (_, dead) = env
        .app
        .get(&env.shop_path("/webhooks/events?state=dead"), &env.token)
        .await;
    assert_eq!(dead["items"], json!([]), "no event failed");
    assert_orders_match(&env).await;

    let progress = synced(&env, json!(["orders"]), "incremental").await;
    assert!(
        progress[0]["items"].as_u64().unwrap() > 0,
        "the overlap window re-reads recent orders: {progress:?}"
    );
    assert_eq!(
        progress[0]["changed"], 0,
        "the webhooks had brought everything: {progress:?}"
    );
    assert_orders_match(&env).await;
}

#[tokio::test]
async fn a_change_whose_webhook_never_came_is_caught_by_the_next_incremental_sync() {
    let env = connected_with(|c| c.orders = 15).await;
    drive_by_hand(&env);
    synced(&env, json!(["orders"]), "full").await;
    // TikTok stops telling us about orders (as after it gave up retrying a delivery).
    let mut session = env.session().await;
    for event_type in [
        "ORDER_STATUS_CHANGE",
        "PACKAGE_UPDATE",
        "RECIPIENT_ADDRESS_UPDATE",
    ] {
        session
            .call::<Value>(
                env.app.state.access(),
                reqwest::Method::DELETE,
                "/event/202309/webhooks",
                vec![],
                Some(json!({"event_type": event_type})),
            )
            .await
            .unwrap();
    }
    let shop = crate::sync::sandbox_shop(&env).await;
    let order_id = env.sandbox.state().with_world(|w| {
        w.orders
            .values()
            .find(|o| o.shop_id == shop && o.status.as_str() == "AWAITING_SHIPMENT")
            .map(|o| o.id.to_string())
            .expect("an order awaiting shipment")
    });
    env.control(&format!("/_sandbox/orders/{order_id}/advance"), json!({}))
        .await;
    let events_before = stored(&env).await;
    deliver_and_process(&env).await;
    assert_eq!(stored(&env).await, events_before, "no webhook came");
    let local = tiktok_order::Entity::find()
        .filter(tiktok_order::Column::ShopId.eq(&env.shop_id))
        .filter(tiktok_order::Column::Id.eq(&order_id))
        .one(&env.app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(local.status, "AWAITING_SHIPMENT", "we do not know yet");

    let progress = synced(&env, json!(["orders"]), "incremental").await;
    assert_eq!(progress[0]["changed"], 1, "{progress:?}");
    assert_orders_match(&env).await;
}

#[tokio::test]
async fn product_events_refetch_the_product_with_its_stock() {
    let env = connected_with(|c| c.products = 6).await;
    drive_by_hand(&env);
    synced(&env, json!(["products"]), "full").await;
    let shop = crate::sync::sandbox_shop(&env).await;
    let (product_id, sku_id, warehouse_id) = env.sandbox.state().with_world(|w| {
        let p = w
            .products
            .values()
            .find(|p| p.shop_id == shop && p.status.as_str() == "ACTIVATE")
            .expect("an active product");
        let s = &p.skus[0];
        (
            p.id.to_string(),
            s.id.to_string(),
            s.inventory[0].warehouse_id.to_string(),
        )
    });
    // A platform-side change, as TikTok's moderation makes it.
    let res = reqwest::Client::new()
        .patch(format!(
            "{}/_sandbox/products/{product_id}",
            env.sandbox.base_url()
        ))
        .json(&json!({
            "title": "Renamed on TikTok",
            "status": "PLATFORM_DEACTIVATED",
            "suspended_reason": "Prohibited claim in the title",
            "stock": [{"sku_id": sku_id, "warehouse_id": warehouse_id, "quantity": 3}],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    crate::sync::advance_both(&env, chrono::Duration::minutes(1)).await;
    deliver_and_process(&env).await;

    let (_, events) = env
        .app
        .get(&env.shop_path("/webhooks/events"), &env.token)
        .await;
    let types: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["state"] == "processed")
        .filter_map(|e| e["event"].as_str())
        .collect();
    assert!(
        types.contains(&"PRODUCT_STATUS_CHANGE") && types.contains(&"PRODUCT_INFORMATION_CHANGE"),
        "{events}"
    );
    let (status, product) = env
        .app
        .get(
            &env.shop_path(&format!("/products/{product_id}")),
            &env.token,
        )
        .await;
    assert_eq!(status, 200, "{product}");
    assert_eq!(product["title"], "Renamed on TikTok");
    assert_eq!(product["status"], "PLATFORM_DEACTIVATED");
    crate::sync::assert_products_match(&env).await;
    let (_, history) = env
        .app
        .get(
            &env.shop_path(&format!("/inventory/{sku_id}/history")),
            &env.token,
        )
        .await;
    assert_eq!(history["items"][0]["after"], 3, "{history}");
    assert_eq!(history["items"][0]["source"], "webhook", "{history}");
}

#[tokio::test]
async fn an_older_copy_of_an_order_or_product_never_overwrites_a_newer_one() {
    let env = connected_with(|c| {
        c.orders = 5;
        c.products = 3;
    })
    .await;
    drive_by_hand(&env);
    synced(&env, json!(["orders", "products"]), "full").await;
    let state = &env.app.state;
    let db = &state.db;
    let now = state.clock.now();
    let mut session = env.session().await;

    // An order as TikTok answers it, then the same order as a copy from a minute before.
    let stored_order = tiktok_order::Entity::find()
        .filter(tiktok_order::Column::ShopId.eq(&env.shop_id))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let answer = session
        .call::<Value>(
            state.access(),
            reqwest::Method::GET,
            "/order/202507/orders",
            vec![("ids".into(), stored_order.id.clone())],
            None,
        )
        .await
        .unwrap();
    let fresh = answer.data["orders"][0].clone();
    let at = fresh["update_time"].as_i64().unwrap();
    let history = || async {
        order_status_history::Entity::find()
            .filter(order_status_history::Column::OrderId.eq(&stored_order.id))
            .count(db)
            .await
            .unwrap()
    };
    let history_before = history().await;
    let shop_id = env.shop_id.as_str();
    let save_order = |raw: Value| async move {
        let txn = begin_write(db).await.unwrap();
        let rows = orders::convert(shop_id, raw, now).unwrap();
        let saved = orders::save(&txn, rows, now).await.unwrap();
        txn.commit().await.unwrap();
        saved
    };
    let mut older = fresh.clone();
    older["update_time"] = json!(at - 60);
    older["status"] = json!("UNPAID");
    assert_eq!(save_order(older).await, Saved::Stale);
    let kept = tiktok_order::Entity::find_by_id((env.shop_id.clone(), stored_order.id.clone()))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (kept.status.as_str(), kept.update_time),
        (stored_order.status.as_str(), stored_order.update_time)
    );
    assert_eq!(history().await, history_before, "no status change recorded");
    assert_eq!(save_order(fresh.clone()).await, Saved::Same);
    let mut newer = fresh;
    newer["update_time"] = json!(at + 60);
    newer["status"] = json!("CANCELLED");
    assert_eq!(save_order(newer).await, Saved::Changed);
    assert_eq!(history().await, history_before + 1);

    // The same for a product.
    let stored_product = tiktok_product::Entity::find()
        .filter(tiktok_product::Column::ShopId.eq(&env.shop_id))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let answer = session
        .call::<Value>(
            state.access(),
            reqwest::Method::GET,
            &format!("/product/202309/products/{}", stored_product.id),
            vec![],
            None,
        )
        .await
        .unwrap();
    let mut older = answer.data;
    older["update_time"] = json!(stored_product.update_time.timestamp() - 60);
    older["title"] = json!("An old title");
    let txn = db.begin().await.unwrap();
    let rows = products::convert(&env.shop_id, older, now).unwrap();
    assert_eq!(
        products::save(&txn, rows, "webhook", now).await.unwrap(),
        Saved::Stale
    );
    txn.commit().await.unwrap();
    let kept = tiktok_product::Entity::find_by_id((env.shop_id.clone(), stored_product.id.clone()))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.title, stored_product.title);
}

#[tokio::test]
async fn an_older_copy_written_at_the_same_time_as_a_newer_one_waits_and_is_refused() {
    let env = connected_with(|c| c.orders = 3).await;
    drive_by_hand(&env);
    synced(&env, json!(["orders"]), "full").await;
    let state = env.app.state.clone();
    let now = state.clock.now();
    let order = tiktok_order::Entity::find()
        .filter(tiktok_order::Column::ShopId.eq(&env.shop_id))
        .one(&state.db)
        .await
        .unwrap()
        .unwrap();
    let mut session = env.session().await;
    let answer = session
        .call::<Value>(
            state.access(),
            reqwest::Method::GET,
            "/order/202507/orders",
            vec![("ids".into(), order.id.clone())],
            None,
        )
        .await
        .unwrap();
    let fresh = answer.data["orders"][0].clone();
    let at = fresh["update_time"].as_i64().unwrap();
    let mut newer = fresh.clone();
    newer["update_time"] = json!(at + 60);
    newer["status"] = json!("IN_TRANSIT");
    let mut older = fresh;
    older["update_time"] = json!(at + 30);
    older["status"] = json!("AWAITING_COLLECTION");

    // The newer copy's transaction is open when the older one starts.
    let first = begin_write(&state.db).await.unwrap();
    let rows = orders::convert(&env.shop_id, newer, now).unwrap();
    assert_eq!(
        orders::save(&first, rows, now).await.unwrap(),
        Saved::Changed
    );
    let late = {
        let state = state.clone();
        let shop_id = env.shop_id.clone();
        tokio::spawn(async move {
            let txn = begin_write(&state.db).await.unwrap();
            let rows = orders::convert(&shop_id, older, now).unwrap();
            let saved = orders::save(&txn, rows, now).await.unwrap();
            txn.commit().await.unwrap();
            saved
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(
        !late.is_finished(),
        "the older copy waits for the newer one"
    );
    first.commit().await.unwrap();
    assert_eq!(late.await.unwrap(), Saved::Stale);
    let kept = tiktok_order::Entity::find_by_id((env.shop_id.clone(), order.id.clone()))
        .one(&state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.status, "IN_TRANSIT");
}
