//! The ERP's read views of synced data: orders and products with their filters and pages, and the
//! refusals of bad requests.

use std::collections::BTreeMap;

use api::auth::Role;
use serde_json::json;
use tiktok_sandbox::world::{ProductStatus, format_amount};

use crate::helpers::*;
use crate::sync_env::*;

#[tokio::test]
async fn the_erp_views_show_the_synced_orders_and_products() {
    let env = connected_with(|c| {
        c.orders = 45;
        c.products = 12;
    })
    .await;
    drive_by_hand(&env);
    sync(
        &env,
        json!({"resources": ["orders", "products", "warehouses"], "mode": "full"}),
    )
    .await;
    drain(&env).await;
    let shop = sandbox_shop(&env).await;
    let viewer = env.app.token("acme", Role::Viewer);

    // Orders: every one, once, newest created first.
    let orders = all_pages(&env, "/orders").await;
    let mut expected: Vec<(i64, String)> = env.sandbox.state().with_world(|w| {
        w.orders
            .values()
            .filter(|o| o.shop_id == shop)
            .map(|o| (o.create_time, o.id.to_string()))
            .collect()
    });
    expected.sort();
    expected.reverse();
    let got: Vec<(i64, String)> = orders
        .iter()
        .map(|o| {
            let t: chrono::DateTime<chrono::Utc> =
                o["create_time"].as_str().unwrap().parse().unwrap();
            (t.timestamp(), o["id"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(got, expected);

    // Filters: status, and a created range.
    let (status_name, with_status) = env.sandbox.state().with_world(|w| {
        let s = w
            .orders
            .values()
            .find(|o| o.shop_id == shop)
            .unwrap()
            .status;
        let n = w
            .orders
            .values()
            .filter(|o| o.shop_id == shop && o.status == s)
            .count();
        (s.as_str().to_owned(), n)
    });
    let filtered = all_pages(&env, &format!("/orders?status={status_name}")).await;
    assert_eq!(filtered.len(), with_status);
    assert!(filtered.iter().all(|o| o["status"] == status_name.as_str()));
    let (from_ts, _) = expected[expected.len() / 2].clone();
    let from = chrono::DateTime::from_timestamp(from_ts, 0).unwrap();
    let newer = all_pages(
        &env,
        &format!("/orders?created_from={}", from.format("%Y-%m-%dT%H:%M:%SZ")),
    )
    .await;
    assert_eq!(
        newer.len(),
        expected.iter().filter(|(t, _)| *t >= from_ts).count()
    );

    // Detail: lines (one per unit), payment as decimal strings, status history.
    let (order_id, units, total, currency) = env.sandbox.state().with_world(|w| {
        let region = w.region_of(shop);
        let o = w
            .orders
            .values()
            .filter(|o| o.shop_id == shop)
            .max_by_key(|o| o.line_items.len())
            .unwrap();
        (
            o.id.to_string(),
            o.line_items.len(),
            format_amount(o.payment.total_amount, region),
            region.currency().to_owned(),
        )
    });
    let (status, detail) = env
        .app
        .get(&env.shop_path(&format!("/orders/{order_id}")), &viewer)
        .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["order"]["id"], order_id.as_str());
    assert_eq!(detail["order"]["units"], units);
    assert_eq!(detail["lines"].as_array().unwrap().len(), units);
    assert_eq!(detail["order"]["payment"]["total_amount"], total.as_str());
    assert_eq!(detail["order"]["payment"]["currency"], currency.as_str());
    assert_eq!(detail["status_history"].as_array().unwrap().len(), 1);
    assert!(detail["status_history"][0]["from"].is_null());

    // Products: every one the sandbox lists, with SKUs and stock per warehouse.
    let products = all_pages(&env, "/products").await;
    let expected: BTreeMap<String, BTreeMap<String, BTreeMap<String, i64>>> =
        env.sandbox.state().with_world(|w| {
            w.products
                .values()
                .filter(|p| p.shop_id == shop && p.status != ProductStatus::Deleted)
                .map(|p| {
                    let skus = p
                        .skus
                        .iter()
                        .map(|s| {
                            let stock = s
                                .inventory
                                .iter()
                                .map(|i| (i.warehouse_id.to_string(), i.quantity))
                                .collect();
                            (s.id.to_string(), stock)
                        })
                        .collect();
                    (p.id.to_string(), skus)
                })
                .collect()
        });
    let got: BTreeMap<String, BTreeMap<String, BTreeMap<String, i64>>> = products
        .iter()
        .filter(|p| p["status"] != "DELETED")
        .map(|p| {
            let skus = p["skus"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    let stock = s["stock"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| {
                            (
                                x["warehouse_id"].as_str().unwrap().to_owned(),
                                x["quantity"].as_i64().unwrap(),
                            )
                        })
                        .collect();
                    (s["id"].as_str().unwrap().to_owned(), stock)
                })
                .collect();
            (p["id"].as_str().unwrap().to_owned(), skus)
        })
        .collect();
    assert_eq!(got, expected);
    let one = expected.keys().next().unwrap();
    let (status, product) = env
        .app
        .get(&env.shop_path(&format!("/products/{one}")), &viewer)
        .await;
    assert_eq!(status, 200, "{product}");
    assert_eq!(
        product["skus"].as_array().unwrap().len(),
        expected[one].len()
    );
    let active = all_pages(&env, "/products?status=ACTIVATE").await;
    assert!(active.iter().all(|p| p["status"] == "ACTIVATE"));
}

#[tokio::test]
async fn the_erp_views_refuse_bad_requests() {
    let env = connected_with(|_| {}).await;
    drive_by_hand(&env);
    sync(&env, json!({"resources": ["orders"]})).await;
    drain(&env).await;
    let viewer = env.app.token("acme", Role::Viewer);
    for (path, status, code) in [
        ("/orders?status=SHIPPED_BY_OWL", 400, "invalid_field"),
        ("/orders?created_from=yesterday", 400, "invalid_query"),
        (
            "/orders?created_from=2026-11-02T00:00:00Z&created_to=2026-11-01T00:00:00Z",
            400,
            "invalid_field",
        ),
        ("/orders?limit=0", 400, "invalid_field"),
        ("/orders?cursor=nope", 400, "invalid_field"),
        ("/orders/123456789", 404, "not_found"),
        ("/products?status=SOLD", 400, "invalid_field"),
        ("/products/123456789", 404, "not_found"),
    ] {
        let (got, body) = env.app.get(&env.shop_path(path), &viewer).await;
        assert_error(got, &body, status, code);
    }
    let other = env.app.token("globex", Role::Admin);
    for path in ["/orders", "/products"] {
        let (status, body) = env.app.get(&env.shop_path(path), &other).await;
        assert_error(status, &body, 404, "not_found");
        let (status, _) = env.app.get(&env.shop_path(path), "").await;
        assert_eq!(status, 401);
    }
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/features"),
            &env.app.admin(),
            json!({"features": {"orders": false}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = env.app.get(&env.shop_path("/orders"), &viewer).await;
    assert_error(status, &body, 409, "feature_disabled");
}

#[tokio::test]
async fn the_order_counts_per_status_are_the_synced_orders_and_the_statistics_refresh() {
    let env = connected_with(|c| {
        c.orders = 60;
        c.products = 8;
    })
    .await;
    drive_by_hand(&env);
    sync(&env, json!({"resources": ["orders"], "mode": "full"})).await;
    drain(&env).await;
    let shop = sandbox_shop(&env).await;
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    env.sandbox.state().with_world(|w| {
        for o in w.orders.values().filter(|o| o.shop_id == shop) {
            *want.entry(o.status.as_str().to_owned()).or_default() += 1;
        }
    });
    let viewer = env.app.token("acme", Role::Viewer);
    let (status, counts) = env.app.get(&env.shop_path("/orders/counts"), &viewer).await;
    assert_eq!(status, 200, "{counts}");
    let got: BTreeMap<String, u64> = counts["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["status"].as_str().unwrap().to_owned(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, want, "{counts}");
    assert_eq!(counts["total"].as_u64(), Some(want.values().sum::<u64>()));
    // Each tab's count is what its list pages through.
    let (status, first) = want.iter().next().unwrap();
    let listed = all_pages(&env, &format!("/orders?status={status}")).await;
    assert_eq!(listed.len() as u64, *first);
    // The planner's statistics refresh on either database (the pruner does it every hour).
    api::db::refresh_statistics(&env.app.state.db)
        .await
        .unwrap();
}
