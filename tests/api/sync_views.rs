//! The ERP's read views of synced data: orders and products with their filters and pages, and the
//! refusals of bad requests.

use std::collections::BTreeMap;

use api::auth::Role;
use serde_json::json;
use tiktok_sandbox::world::{ProductStatus, format_amount};

use crate::helpers::*;
use crate::sandbox_env::SandboxEnv;
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
    let want = assert_counts_match(&env).await;
    // Each tab's count is what its list pages through.
    let (status, first) = want.iter().next().unwrap();
    let listed = all_pages(&env, &format!("/orders?status={status}")).await;
    assert_eq!(listed.len() as u64, *first);
    // Orders move on in TikTok: the counts follow them through an incremental sync, and a full
    // sync that reads every order again (nothing new) counts none twice.
    let shop = sandbox_shop(&env).await;
    let moving: Vec<String> = env.sandbox.state().with_world(|w| {
        w.orders
            .values()
            .filter(|o| o.shop_id == shop && o.status.next().is_some())
            .take(5)
            .map(|o| o.id.to_string())
            .collect()
    });
    assert!(!moving.is_empty());
    for id in &moving {
        env.control(&format!("/_sandbox/orders/{id}/advance"), json!({}))
            .await;
    }
    sync(
        &env,
        json!({"resources": ["orders"], "mode": "incremental"}),
    )
    .await;
    drain(&env).await;
    assert_counts_match(&env).await;
    sync(&env, json!({"resources": ["orders"], "mode": "full"})).await;
    drain(&env).await;
    assert_counts_match(&env).await;
    // The planner's statistics refresh on either database (the pruner does it every hour).
    api::db::refresh_statistics(&env.app.state.db)
        .await
        .unwrap();
}

/// `/orders/counts` says what the sandbox has, status by status; answers the counts.
async fn assert_counts_match(env: &SandboxEnv) -> BTreeMap<String, u64> {
    let shop = sandbox_shop(env).await;
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
    want
}

/// A narrow filter (a SKU, an update range) looks its orders up by id when they are few and walks
/// the list when they are many: both ways give the same pages, in the same order.
#[tokio::test]
async fn the_order_filters_give_the_same_pages_looked_up_or_walked() {
    use api::sync::views::{OrderFilter, list_orders_looking_up};
    use entity::{tiktok_order, tiktok_order_line};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let env = connected_with(|c| {
        c.orders = 80;
        c.products = 6;
    })
    .await;
    drive_by_hand(&env);
    sync(&env, json!({"resources": ["orders"], "mode": "full"})).await;
    drain(&env).await;
    let db = &env.app.state.db;
    let line = tiktok_order_line::Entity::find()
        .filter(tiktok_order_line::Column::ShopId.eq(&env.shop_id))
        .order_by_asc(tiktok_order_line::Column::Id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let orders = tiktok_order::Entity::find()
        .filter(tiktok_order::Column::ShopId.eq(&env.shop_id))
        .order_by_asc(tiktok_order::Column::UpdateTime)
        .all(db)
        .await
        .unwrap();
    let (from, to) = (
        orders[orders.len() / 4].update_time,
        orders[orders.len() * 3 / 4].update_time,
    );
    let filters = [
        OrderFilter {
            sku: Some(line.sku_id.clone()),
            ..Default::default()
        },
        OrderFilter {
            sku: Some(line.seller_sku.clone()),
            ..Default::default()
        },
        OrderFilter {
            updated_from: Some(from),
            updated_to: Some(to),
            ..Default::default()
        },
        OrderFilter {
            updated_from: Some(from),
            ..Default::default()
        },
        OrderFilter {
            updated_to: Some(to),
            sku: Some(line.sku_id.clone()),
            ..Default::default()
        },
        OrderFilter {
            status: Some(orders[0].status.clone()),
            sku: Some(line.seller_sku.clone()),
            ..Default::default()
        },
    ];
    for filter in &filters {
        let mut walks = Vec::new();
        for looked_up in [0, 5_000] {
            let mut ids = Vec::new();
            let mut after = None;
            loop {
                let (page, next) =
                    list_orders_looking_up(db, &env.shop_id, filter, 7, after, looked_up)
                        .await
                        .unwrap();
                ids.extend(page.into_iter().map(|(o, _)| o.id));
                match next {
                    Some(c) => after = Some(c),
                    None => break,
                }
            }
            walks.push(ids);
        }
        assert!(!walks[1].is_empty(), "{filter:?} finds orders");
        assert_eq!(walks[0], walks[1], "{filter:?}");
        // What the filter means, counted on the rows.
        let expected = orders
            .iter()
            .filter(|o| {
                filter.updated_from.is_none_or(|t| o.update_time >= t)
                    && filter.updated_to.is_none_or(|t| o.update_time < t)
                    && filter.status.as_ref().is_none_or(|s| &o.status == s)
            })
            .count();
        if filter.sku.is_none() {
            assert_eq!(walks[1].len(), expected, "{filter:?}");
        }
    }
}
