//! The living shop: ticks create orders and move every open order through the real lifecycle, keep
//! stock non-negative, push the matching webhooks, and do the same thing again for the same seed.

mod signed_client;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;
use signed_client::{Client, Receiver, config};
use tiktok_sandbox::state::SandboxState;
use tiktok_sandbox::world::OrderStatus;
use tiktok_sandbox::{SandboxConfig, living, start};

fn statuses(state: &SandboxState, ids: &[String]) -> BTreeMap<String, OrderStatus> {
    state.with_world(|w| {
        ids.iter()
            .map(|id| (id.clone(), w.orders[&id.parse::<u64>().unwrap()].status))
            .collect()
    })
}

fn min_stock(state: &SandboxState) -> i64 {
    state.with_world(|w| {
        w.products
            .values()
            .flat_map(|p| p.skus.iter())
            .flat_map(|s| s.inventory.iter())
            .map(|s| s.quantity)
            .min()
            .unwrap_or(0)
    })
}

fn total_stock(state: &SandboxState) -> i64 {
    state.with_world(|w| {
        w.products
            .values()
            .flat_map(|p| p.skus.iter())
            .map(|s| s.total_stock())
            .sum()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticks_move_new_orders_through_the_whole_lifecycle() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let state = sandbox.state();
    let stock_before = total_stock(&state);

    // An hour of trade at 1 order a minute per shop.
    let first = c
        .control(
            "POST",
            "/_sandbox/living/tick",
            Some(json!({"minutes": 60, "orders_per_minute": 1})),
        )
        .await;
    assert_eq!(first["steps"], 60);
    let created: Vec<String> = first["created"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    // Three shops, one a minute each.
    assert!(created.len() >= 150, "{}", created.len());
    let units: i64 = state.with_world(|w| {
        created
            .iter()
            .map(|id| w.orders[&id.parse::<u64>().unwrap()].line_items.len() as i64)
            .sum()
    });
    let s = statuses(&state, &created);
    let seen: BTreeSet<OrderStatus> = s.values().copied().collect();
    assert!(seen.contains(&OrderStatus::OnHold), "{seen:?}");
    assert!(min_stock(&state) >= 0);
    // Stock left for the units sold (cancellations put some back).
    assert!(total_stock(&state) < stock_before);
    assert!(total_stock(&state) >= stock_before - units);

    // Two weeks more without new orders: everything that was placed settles.
    let later = c
        .control(
            "POST",
            "/_sandbox/living/tick",
            Some(json!({"minutes": 14 * 24 * 60, "orders_per_minute": 0})),
        )
        .await;
    assert!(later["created"].as_array().unwrap().is_empty());
    assert!(later["transitions"].as_u64().unwrap() > 0);
    let s = statuses(&state, &created);
    let count = |st: OrderStatus| s.values().filter(|v| **v == st).count();
    assert!(count(OrderStatus::Completed) > created.len() / 3, "{s:?}");
    assert!(
        count(OrderStatus::Cancelled) > 0,
        "some are cancelled early"
    );
    // Orders left to the seller still wait for shipment; nothing is stuck half-way.
    for (id, st) in &s {
        assert!(
            matches!(
                st,
                OrderStatus::Completed
                    | OrderStatus::Cancelled
                    | OrderStatus::AwaitingShipment
                    | OrderStatus::Delivered
            ),
            "{id} is {st:?}"
        );
    }
    state.with_world(|w| {
        for id in &created {
            let o = &w.orders[&id.parse::<u64>().unwrap()];
            assert!(o.update_time > o.create_time, "update_time moves");
            if o.status == OrderStatus::Completed {
                assert!(o.paid_time.is_some() && o.rts_time.is_some());
                assert!(o.collection_time.is_some() && o.delivery_time.is_some());
                assert!(!o.package_ids.is_empty());
                assert!(o.tracking_number.is_some());
            }
            if o.status == OrderStatus::Cancelled {
                assert!(o.cancel_reason.is_some() && o.cancellation_initiator.is_some());
            }
        }
        // Some buyers asked for their money back after delivery.
        let created_ids: BTreeSet<u64> = created.iter().map(|id| id.parse().unwrap()).collect();
        assert!(
            w.returns
                .values()
                .any(|r| created_ids.contains(&r.order_id))
        );
    });
    assert!(min_stock(&state) >= 0);
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_never_goes_negative_when_the_catalogue_sells_out() {
    // A tiny catalogue that sells out.
    let sandbox = start(SandboxConfig {
        products: 2,
        orders: 5,
        ..config()
    })
    .await
    .unwrap();
    let state = sandbox.state();
    let now = state.now();
    // Stock of 3 per SKU everywhere.
    state.with_world(|w| {
        let ids: Vec<u64> = w.products.keys().copied().collect();
        for id in ids {
            w.update_product(id, now, |p| {
                for s in &mut p.skus {
                    for (i, st) in s.inventory.iter_mut().enumerate() {
                        st.quantity = if i == 0 { 3 } else { 0 };
                    }
                }
            });
        }
    });
    for _ in 0..30 {
        let t = state.now() + 60;
        state.clock().advance(60);
        living::tick_at_rate(&state, t, 5.0);
        assert!(min_stock(&state) >= 0);
    }
    assert_eq!(total_stock(&state), 0, "sold out, and not below");
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn living_changes_push_webhooks() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let rx = Receiver::start(200).await;
    for t in ["ORDER_STATUS_CHANGE", "PACKAGE_UPDATE"] {
        c.call(
            "PUT",
            "/event/202309/webhooks",
            &[],
            Some(&json!({"address": rx.url, "event_type": t})),
        )
        .await
        .ok();
    }
    c.control(
        "POST",
        "/_sandbox/living/tick",
        Some(json!({"minutes": 6 * 60, "orders_per_minute": 0.2})),
    )
    .await;
    c.control("POST", "/_sandbox/webhooks/flush", None).await;
    let hooks = rx.wait_for(5).await;
    let statuses: BTreeSet<String> = hooks
        .iter()
        .filter(|h| h.body["type"] == 1)
        .map(|h| h.body["data"]["order_status"].as_str().unwrap().to_string())
        .collect();
    for s in ["UNPAID", "ON_HOLD", "AWAITING_SHIPMENT"] {
        assert!(statuses.contains(s), "{statuses:?}");
    }
    assert!(
        hooks.iter().any(|h| h.body["type"] == 4),
        "package updates too"
    );
    assert!(
        hooks
            .iter()
            .all(|h| h.body["shop_id"].as_str() == Some(c.shop_id.to_string().as_str()))
    );
    rx.stop().await;
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_lives_the_same_life() {
    async fn run(seed: u64) -> (Vec<String>, Vec<(String, OrderStatus)>) {
        let sandbox = start(SandboxConfig { seed, ..config() }).await.unwrap();
        let c = Client::new(&sandbox);
        let r = c
            .control(
                "POST",
                "/_sandbox/living/tick",
                Some(json!({"minutes": 3 * 24 * 60, "orders_per_minute": 0.5})),
            )
            .await;
        let created: Vec<String> = r["created"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let all = sandbox.state().with_world(|w| {
            w.orders
                .values()
                .map(|o| (o.id.to_string(), o.status))
                .collect::<Vec<_>>()
        });
        sandbox.stop().await;
        (created, all)
    }
    let a = run(5).await;
    let b = run(5).await;
    assert!(!a.0.is_empty());
    assert!(a.0 == b.0, "the same orders are created");
    let differ: Vec<_> =
        a.1.iter()
            .zip(&b.1)
            .filter(|(x, y)| x != y)
            .take(5)
            .collect();
    assert!(
        a.1.len() == b.1.len() && differ.is_empty(),
        "first differences: {differ:?}"
    );
    let c = run(6).await;
    assert!(a.0 != c.0, "another seed, another story");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tick_endpoint_validates_its_input() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    for body in [
        json!({"minutes": 0}),
        json!({"minutes": -1}),
        json!({"minutes": 100_000_000}),
        json!({"minutes": 1, "orders_per_minute": -2}),
        json!({"minutes": 1, "unknown": true}),
        json!("nope"),
    ] {
        assert_eq!(
            c.control_status("POST", "/_sandbox/living/tick", body.clone())
                .await,
            400,
            "{body}"
        );
    }
    let before = sandbox.state().now();
    let r = c
        .control(
            "POST",
            "/_sandbox/living/tick",
            Some(json!({"minutes": 2, "advance_clock": false})),
        )
        .await;
    assert_eq!(r["steps"], 2);
    assert!(sandbox.state().now() - before < 60, "the clock stays");
    let status = c.control("GET", "/_sandbox/living", None).await;
    assert_eq!(status["orders_per_minute"], 0);
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_the_seller_ships_through_the_api_moves_on() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let state = sandbox.state();
    let r = c
        .control(
            "POST",
            "/_sandbox/living/tick",
            Some(json!({"minutes": 90, "orders_per_minute": 1})),
        )
        .await;
    let created: BTreeSet<u64> = r["created"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().parse().unwrap())
        .collect();
    let (order, package) = state.with_world(|w| {
        w.orders
            .values()
            .filter(|o| created.contains(&o.id) && o.shop_id == c.shop_id)
            .find(|o| o.status == OrderStatus::AwaitingShipment && !o.package_ids.is_empty())
            .map(|o| (o.id, o.package_ids[0]))
            .expect("a new order waits for shipment")
    });
    c.post(
        &format!("/fulfillment/202309/packages/{package}/ship"),
        &[],
        json!({"handover_method": "DROP_OFF"}),
    )
    .await
    .ok();
    let st = state.with_world(|w| w.orders[&order].status);
    assert_eq!(st, OrderStatus::AwaitingCollection);
    c.control(
        "POST",
        "/_sandbox/living/tick",
        Some(json!({"minutes": 5 * 24 * 60, "orders_per_minute": 0})),
    )
    .await;
    let st = state.with_world(|w| w.orders[&order].status);
    assert!(
        matches!(st, OrderStatus::Delivered | OrderStatus::Completed),
        "{st:?}"
    );
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_pace_the_shop_lives_by_itself() {
    // 600 a minute per shop is ten a second: the background task's first steps place some.
    let sandbox = start(SandboxConfig {
        orders_per_minute: 600,
        ..config()
    })
    .await
    .unwrap();
    let state = sandbox.state();
    let before = state.with_world(|w| w.orders.len());
    let mut grown = false;
    for _ in 0..60 {
        if state.with_world(|w| w.orders.len()) > before {
            grown = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(grown, "no order was placed");
    assert!(min_stock(&state) >= 0);
    sandbox.stop().await;
}
