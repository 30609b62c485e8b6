//! The ERP's inventory views: SKUs with stock per warehouse and a low-stock flag (the shop's threshold,
//! overridable per SKU), the shop's warehouses, and the order list's SKU and buyer filters.

use std::collections::{BTreeMap, BTreeSet};

use api::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sandbox_env::*;
use crate::sync::{connected_with, drain, drive_by_hand, sandbox_shop, sync};

async fn synced_env() -> SandboxEnv {
    let env = connected_with(|c| {
        c.orders = 30;
        c.products = 8;
    })
    .await;
    drive_by_hand(&env);
    sync(
        &env,
        json!({"resources": ["orders", "products", "warehouses"], "mode": "full"}),
    )
    .await;
    drain(&env).await;
    env
}

/// Every page of a list, following `next_cursor`.
async fn walk(env: &SandboxEnv, path: &str, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=3&cursor={c}"),
            None => format!("{path}{sep}limit=3"),
        };
        let (status, body) = env.app.get(&env.shop_path(&url), token).await;
        assert_eq!(
            status,
            200,
            "{url}: {body}\n{}",
            if status == 500 {
                captured_logs()
            } else {
                String::new()
            }
        );
        items.extend(body["items"].as_array().unwrap().iter().cloned());
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
}

/// The sandbox's SKUs (of products not deleted) with their stock across warehouses.
async fn sandbox_totals(env: &SandboxEnv) -> BTreeMap<String, i64> {
    let shop = sandbox_shop(env).await;
    env.sandbox.state().with_world(|w| {
        w.products
            .values()
            .filter(|p| p.shop_id == shop && p.status.as_str() != "DELETED")
            .flat_map(|p| p.skus.iter())
            .map(|s| {
                (
                    s.id.to_string(),
                    s.inventory.iter().map(|i| i.quantity).sum(),
                )
            })
            .collect()
    })
}

fn by_sku(items: &[Value]) -> BTreeMap<String, Value> {
    items
        .iter()
        .map(|i| (i["sku_id"].as_str().unwrap().to_owned(), i.clone()))
        .collect()
}

#[tokio::test]
async fn inventory_lists_every_sku_with_its_stock_and_flags_the_low_ones() {
    let env = synced_env().await;
    let viewer = env.app.token("acme", Role::Viewer);
    let operator = env.app.token("acme", Role::Operator);
    let admin = env.app.admin();

    // One SKU runs low on TikTok; the next sync brings it here.
    let shop = sandbox_shop(&env).await;
    let (product_id, low_sku, warehouse) = env.sandbox.state().with_world(|w| {
        let p = w
            .products
            .values()
            .find(|p| p.shop_id == shop && p.status.as_str() == "ACTIVATE")
            .unwrap();
        (
            p.id.to_string(),
            p.skus[0].id.to_string(),
            p.skus[0].inventory[0].warehouse_id.to_string(),
        )
    });
    let others: Vec<(String, i64)> = env.sandbox.state().with_world(|w| {
        w.products[&product_id.parse().unwrap()].skus[0]
            .inventory
            .iter()
            .skip(1)
            .map(|i| (i.warehouse_id.to_string(), 0))
            .collect()
    });
    let mut stock = vec![json!({"sku_id": low_sku, "warehouse_id": warehouse, "quantity": 2})];
    stock.extend(
        others
            .iter()
            .map(|(wh, q)| json!({"sku_id": low_sku, "warehouse_id": wh, "quantity": q})),
    );
    let res = reqwest::Client::new()
        .patch(format!(
            "{}/_sandbox/products/{product_id}",
            env.sandbox.base_url()
        ))
        .json(&json!({ "stock": stock }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    crate::sync::advance_both(&env, chrono::Duration::minutes(1)).await;
    sync(&env, json!({"resources": ["products"], "mode": "full"})).await;
    drain(&env).await;

    let expected = sandbox_totals(&env).await;
    let items = walk(&env, "/inventory", &viewer).await;
    let listed = by_sku(&items);
    assert_eq!(listed.len(), items.len(), "no SKU twice across pages");
    assert_eq!(
        listed
            .iter()
            .map(|(k, v)| (k.clone(), v["total"].as_i64().unwrap()))
            .collect::<BTreeMap<_, _>>(),
        expected
    );
    for item in listed.values() {
        let total = item["total"].as_i64().unwrap();
        let by_warehouse: i64 = item["stock"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["quantity"].as_i64().unwrap())
            .sum();
        assert_eq!(total, by_warehouse);
        assert_eq!(item["low_stock_threshold"], 5, "the default");
        assert_eq!(item["threshold_source"], "shop");
        assert_eq!(item["low_stock"], total <= 5, "{item}");
    }
    assert_eq!(listed[&low_sku]["low_stock"], true);
    assert_eq!(listed[&low_sku]["total"], 2);
    let low: BTreeSet<String> = walk(&env, "/inventory?low_stock=true", &viewer)
        .await
        .iter()
        .map(|i| i["sku_id"].as_str().unwrap().to_owned())
        .collect();
    let expected_low: BTreeSet<String> = expected
        .iter()
        .filter(|(_, t)| **t <= 5)
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(low, expected_low);
    // And as a metric, per shop.
    api::inventory::publish_low_stock(&env.app.state.db)
        .await
        .unwrap();
    let metrics = env
        .app
        .client
        .get(env.app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = format!(
        "ocean_low_stock_skus{{shop=\"{}\"}} {}",
        env.shop_id,
        expected_low.len()
    );
    assert!(metrics.contains(&line), "{line} in\n{metrics}");

    // The shop's threshold moves every SKU without its own.
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/inventory-settings"),
            &admin,
            json!({"low_stock_threshold": 0}),
        )
        .await;
    assert_eq!(
        (status, body["low_stock_threshold"].as_i64()),
        (200, Some(0))
    );
    let low = walk(&env, "/inventory?low_stock=true", &viewer).await;
    assert!(
        low.iter().all(|i| i["total"] == 0),
        "only empty SKUs are low at 0: {low:?}"
    );
    // A SKU's own threshold wins over the shop's, and null gives the shop's back.
    let path = env.shop_path(&format!("/inventory/{low_sku}/low-stock-threshold"));
    let (status, item) = env
        .app
        .put(&path, &operator, json!({"low_stock_threshold": 3}))
        .await;
    assert_eq!(status, 200, "{item}");
    assert_eq!(
        (
            &item["low_stock_threshold"],
            &item["threshold_source"],
            &item["low_stock"]
        ),
        (&json!(3), &json!("sku"), &json!(true))
    );
    let low = by_sku(&walk(&env, "/inventory?low_stock=true", &viewer).await);
    assert!(low.contains_key(&low_sku));
    let (status, item) = env
        .app
        .put(&path, &operator, json!({"low_stock_threshold": null}))
        .await;
    assert_eq!(status, 200, "{item}");
    assert_eq!(
        (&item["threshold_source"], &item["low_stock"]),
        (&json!("shop"), &json!(false))
    );
    let (_, settings) = env
        .app
        .get(&env.shop_path("/inventory-settings"), &viewer)
        .await;
    assert_eq!(
        settings,
        json!({"low_stock_threshold": 0, "safety_buffer": 0, "restock_returns": "on_receipt"})
    );

    // Filters.
    let (_, one) = env
        .app
        .get(
            &env.shop_path(&format!("/inventory?product_id={product_id}")),
            &viewer,
        )
        .await;
    assert!(
        one["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["product_id"] == product_id.as_str())
    );
    let seller_sku = listed[&low_sku]["seller_sku"].as_str().unwrap().to_owned();
    let (_, one) = env
        .app
        .get(
            &env.shop_path(&format!("/inventory?seller_sku={seller_sku}")),
            &viewer,
        )
        .await;
    assert_eq!(one["items"][0]["sku_id"], low_sku.as_str());
}

#[tokio::test]
async fn inventory_changes_are_checked_and_refused_cleanly() {
    let env = synced_env().await;
    let viewer = env.app.token("acme", Role::Viewer);
    let operator = env.app.token("acme", Role::Operator);
    let admin = env.app.admin();
    let settings = env.shop_path("/inventory-settings");
    for bad in [
        json!({"low_stock_threshold": -1}),
        json!({"low_stock_threshold": 1_000_001}),
        json!({"low_stock_threshold": "lots"}),
        json!({"low_stock_threshold": 5, "extra": 1}),
        json!({"safety_buffer": -2}),
        json!({"low_stock_threshold": 4.5}),
        json!({}),
    ] {
        let (status, body) = env.app.put(&settings, &admin, bad.clone()).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body["error"]["message"].is_string(), "{body}");
    }
    let (status, body) = env
        .app
        .put(&settings, &operator, json!({"low_stock_threshold": 9}))
        .await;
    assert_error(status, &body, 403, "forbidden");
    let (_, now) = env.app.get(&settings, &viewer).await;
    assert_eq!(
        now,
        json!({"low_stock_threshold": 5, "safety_buffer": 0, "restock_returns": "on_receipt"}),
        "nothing changed"
    );
    // JSON Schema's `integer` includes a float with no fraction: `7.0` is 7.
    let (status, body) = env
        .app
        .put(
            &settings,
            &admin,
            json!({"low_stock_threshold": 7.0, "safety_buffer": 0}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, now) = env.app.get(&settings, &viewer).await;
    assert_eq!(now["low_stock_threshold"], 7, "{now}");
    env.app
        .put(&settings, &admin, json!({"low_stock_threshold": 5}))
        .await;

    let (status, body) = env
        .app
        .put(
            &env.shop_path("/inventory/424242/low-stock-threshold"),
            &operator,
            json!({"low_stock_threshold": 1}),
        )
        .await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/inventory/424242/low-stock-threshold"),
            &viewer,
            json!({"low_stock_threshold": 1}),
        )
        .await;
    assert_error(status, &body, 403, "forbidden");
    for query in [
        "low_stock=maybe",
        "seller_sku=",
        "limit=0",
        "cursor=not-a-cursor",
    ] {
        let (status, body) = env
            .app
            .get(&env.shop_path(&format!("/inventory?{query}")), &viewer)
            .await;
        assert_eq!(status, 400, "{query}: {body}");
    }
    let other = env.app.token("globex", Role::Admin);
    let (status, body) = env.app.get(&env.shop_path("/inventory"), &other).await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/features"),
            &admin,
            json!({"features": {"inventory": false}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    for path in ["/inventory", "/warehouses"] {
        let (status, body) = env.app.get(&env.shop_path(path), &viewer).await;
        assert_error(status, &body, 409, "feature_disabled");
    }
}

#[tokio::test]
async fn the_warehouses_view_shows_the_shops_warehouses() {
    let env = synced_env().await;
    let shop = sandbox_shop(&env).await;
    let expected: BTreeSet<String> = env.sandbox.state().with_world(|w| {
        w.shops[&shop]
            .warehouse_ids
            .iter()
            .map(|i| i.to_string())
            .collect()
    });
    let (status, body) = env
        .app
        .get(
            &env.shop_path("/warehouses"),
            &env.app.token("acme", Role::Viewer),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let items = body["items"].as_array().unwrap();
    let listed: BTreeSet<String> = items
        .iter()
        .map(|w| w["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(items[0]["is_default"], true, "the default comes first");
    assert!(
        items
            .iter()
            .all(|w| w["type"].is_string() && w["address"].is_object())
    );
    assert_eq!(body["next_cursor"], Value::Null);
}

#[tokio::test]
async fn orders_can_be_found_by_sku_and_by_buyer() {
    let env = synced_env().await;
    let viewer = env.app.token("acme", Role::Viewer);
    let shop = sandbox_shop(&env).await;
    let (sku_id, seller_sku, with_sku, user_id, of_user) = env.sandbox.state().with_world(|w| {
        let orders: Vec<_> = w.orders.values().filter(|o| o.shop_id == shop).collect();
        let line = &orders[0].line_items[0];
        let with_sku: BTreeSet<String> = orders
            .iter()
            .filter(|o| o.line_items.iter().any(|l| l.sku_id == line.sku_id))
            .map(|o| o.id.to_string())
            .collect();
        let user = orders[1].user_id;
        let of_user: BTreeSet<String> = orders
            .iter()
            .filter(|o| o.user_id == user)
            .map(|o| o.id.to_string())
            .collect();
        (
            line.sku_id.to_string(),
            line.seller_sku.to_string(),
            with_sku,
            user.to_string(),
            of_user,
        )
    });
    let ids = |items: Vec<Value>| -> BTreeSet<String> {
        items
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(walk(&env, &format!("/orders?sku={sku_id}"), &viewer).await),
        with_sku
    );
    // The seller's SKU code finds the same orders (codes are unique per SKU in the sandbox's world).
    assert_eq!(
        ids(walk(&env, &format!("/orders?sku={seller_sku}"), &viewer).await),
        with_sku
    );
    assert_eq!(
        ids(walk(&env, &format!("/orders?buyer={user_id}"), &viewer).await),
        of_user
    );
    // By email, in any case (TikTok hides it on some orders; take one it shows).
    let (_, page) = env
        .app
        .get(&env.shop_path("/orders?limit=200"), &viewer)
        .await;
    if let Some(order) = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["buyer_email"].is_string())
    {
        let email = order["buyer_email"].as_str().unwrap().to_uppercase();
        let found = ids(walk(&env, &format!("/orders?buyer={email}"), &viewer).await);
        assert!(found.contains(order["id"].as_str().unwrap()), "{email}");
    }
    let (_, none) = env
        .app
        .get(&env.shop_path("/orders?sku=NO-SUCH-SKU"), &viewer)
        .await;
    assert_eq!(none["items"], json!([]));
    for query in ["sku=", "buyer=%20", &format!("sku={}", "x".repeat(101))] {
        let (status, body) = env
            .app
            .get(&env.shop_path(&format!("/orders?{query}")), &viewer)
            .await;
        assert_error(status, &body, 400, "invalid_field");
    }
}
