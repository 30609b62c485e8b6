//! Webhooks over real HTTP: subscriptions, signed pushes in the real shape, retries on the real
//! (compressible) schedule, duplicates and reordering.

mod signed_client;

use std::collections::BTreeMap;

use serde_json::{Value, json};
use signed_client::{Client, Receiver, config, hmac_hex};
use tiktok_sandbox::state::SandboxEvent;
use tiktok_sandbox::world::OrderStatus;
use tiktok_sandbox::{SandboxConfig, start};

const HOOKS: &str = "/event/202309/webhooks";
const INVALID: i64 = 36009004;

fn order_event(shop_id: u64, order_id: u64, status: OrderStatus, t: i64) -> SandboxEvent {
    SandboxEvent::OrderStatusChange {
        shop_id,
        order_id,
        order_status: status,
        is_on_hold_order: status == OrderStatus::OnHold,
        update_time: t,
    }
}

async fn subscribe(c: &Client, event_type: &str, address: &str) {
    c.call(
        "PUT",
        HOOKS,
        &[],
        Some(&json!({"address": address, "event_type": event_type})),
    )
    .await
    .ok();
}

async fn deliveries(c: &Client) -> Vec<Value> {
    c.control("GET", "/_sandbox/webhooks/deliveries", None)
        .await["deliveries"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn the_published_webhook_vector() {
    let body = br#"{"type":1,"shop_id":"7494726673780148744","timestamp":1664095733,"data":{"order_id":"576684019603311365","order_status":"AWAITING_SHIPMENT","update_time":1664095610}}"#;
    let expected = "21109834de72ec53c9959716d8514ae388ce1f123e5ffdcafc46713fcdf62b27";
    assert_eq!(
        tiktok_sandbox::webhooks::sign_webhook("fake_app_key", "fake_app_secret", body),
        expected
    );
    // And by this test's own HMAC, so the test does not only trust the crate.
    let mut msg = b"fake_app_key".to_vec();
    msg.extend_from_slice(body);
    assert_eq!(hmac_hex("fake_app_secret", &msg), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_can_be_set_listed_replaced_and_deleted() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);

    let empty = c.get(HOOKS, &[]).await;
    assert_eq!(empty.ok()["webhooks"], json!([]));

    subscribe(&c, "ORDER_STATUS_CHANGE", "https://erp.example.com/hooks/a").await;
    subscribe(&c, "PACKAGE_UPDATE", "https://erp.example.com/hooks/b").await;
    subscribe(&c, "ORDER_STATUS_CHANGE", "https://erp.example.com/hooks/c").await;
    let list = c.get(HOOKS, &[]).await;
    let hooks = list.ok()["webhooks"].as_array().unwrap().clone();
    assert_eq!(hooks.len(), 2, "{hooks:?}");
    let by_type: BTreeMap<&str, &Value> = hooks
        .iter()
        .map(|h| (h["event_type"].as_str().unwrap(), h))
        .collect();
    assert_eq!(
        by_type["ORDER_STATUS_CHANGE"]["address"],
        "https://erp.example.com/hooks/c"
    );
    assert_eq!(
        by_type["PACKAGE_UPDATE"]["address"],
        "https://erp.example.com/hooks/b"
    );
    assert!(by_type["PACKAGE_UPDATE"]["create_time"].as_i64().unwrap() > 1_600_000_000);

    // Another shop of the same authorization has its own list.
    let (seller, shops) = sandbox.state().with_world(|w| {
        let s = w.sellers.values().next().unwrap();
        (s.id, s.shop_ids.clone())
    });
    let other = Client::for_shops(&sandbox, seller, shops, 1);
    assert_eq!(other.get(HOOKS, &[]).await.ok()["webhooks"], json!([]));

    // Validation.
    for body in [
        json!({"address": "https://erp.example.com/h", "event_type": "NOT_AN_EVENT"}),
        json!({"address": "https://erp.example.com/h", "event_type": "REVERSE_ORDER_STATUS_CHANGE"}),
        json!({"address": "ftp://erp.example.com/h", "event_type": "ORDER_STATUS_CHANGE"}),
        json!({"address": "not a url", "event_type": "ORDER_STATUS_CHANGE"}),
        json!({"address": "", "event_type": "ORDER_STATUS_CHANGE"}),
        json!({"event_type": "ORDER_STATUS_CHANGE"}),
        json!({"address": "https://erp.example.com/h"}),
        json!({"address": 12, "event_type": "ORDER_STATUS_CHANGE"}),
    ] {
        let a = c.call("PUT", HOOKS, &[], Some(&body)).await;
        a.refused(INVALID);
        assert_eq!(a.status, 400, "{body}");
    }
    c.call("DELETE", HOOKS, &[], Some(&json!({"event_type": "NOPE"})))
        .await
        .refused(INVALID);

    // Delete one; deleting it again is refused.
    c.call(
        "DELETE",
        HOOKS,
        &[],
        Some(&json!({"event_type": "PACKAGE_UPDATE"})),
    )
    .await
    .ok();
    c.call(
        "DELETE",
        HOOKS,
        &[],
        Some(&json!({"event_type": "PACKAGE_UPDATE"})),
    )
    .await
    .refused(INVALID);
    let left = c.get(HOOKS, &[]).await.ok()["webhooks"].clone();
    assert_eq!(left.as_array().unwrap().len(), 1);
    assert_eq!(left[0]["event_type"], "ORDER_STATUS_CHANGE");
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_are_signed_and_in_the_real_shape() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let rx = Receiver::start(200).await;
    subscribe(&c, "ORDER_STATUS_CHANGE", &rx.url).await;

    // The living shop places orders: each announces UNPAID.
    let report = c
        .control(
            "POST",
            "/_sandbox/living/tick",
            Some(json!({"minutes": 1, "orders_per_minute": 2, "advance_clock": false})),
        )
        .await;
    let created: Vec<String> = report["created"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(!created.is_empty(), "{report}");
    c.control("POST", "/_sandbox/webhooks/flush", None).await;
    let ours: Vec<String> = c.state.with_world(|w| {
        created
            .iter()
            .filter(|id| w.orders[&id.parse::<u64>().unwrap()].shop_id == c.shop_id)
            .cloned()
            .collect()
    });
    assert!(!ours.is_empty());
    let hooks = rx.wait_for(ours.len()).await;

    for h in &hooks {
        // Authorization = hex(HMAC-SHA256(app_secret, app_key + raw body)).
        let mut msg = c.app_key.as_bytes().to_vec();
        msg.extend_from_slice(&h.raw);
        assert_eq!(h.authorization, hmac_hex(&c.app_secret, &msg));
        assert!(
            h.content_type.starts_with("application/json"),
            "{}",
            h.content_type
        );
        let b = &h.body;
        assert_eq!(b["type"], 1);
        let id = b["tts_notification_id"].as_str().unwrap();
        assert_eq!(id.len(), 19, "{id}");
        assert!(id.bytes().all(|c| c.is_ascii_digit()));
        assert_eq!(b["shop_id"], c.shop_id.to_string());
        assert!(b["timestamp"].as_i64().unwrap() > 1_600_000_000);
        let d = &b["data"];
        assert!(
            ours.contains(&d["order_id"].as_str().unwrap().to_string()),
            "{d}"
        );
        assert_eq!(d["order_status"], "UNPAID");
        assert_eq!(d["is_on_hold_order"], false);
        assert!(d["update_time"].is_i64());
        // The body starts with the fields in TikTok's order.
        assert!(
            String::from_utf8_lossy(&h.raw).starts_with("{\"type\":1,\"tts_notification_id\":\"")
        );
    }
    // Only the subscribed type and shop: no other shop's orders, no package updates.
    assert_eq!(hooks.len(), ours.len());

    // The delivery log shows each one delivered at the first attempt.
    let log = deliveries(&c).await;
    assert_eq!(log.len(), ours.len());
    assert!(
        log.iter()
            .all(|d| d["status"] == "delivered" && d["attempt"] == 1 && d["http_status"] == 200)
    );
    rx.stop().await;
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_gets_the_real_retry_schedule_then_is_given_up() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let rx = Receiver::start(500).await;
    subscribe(&c, "ORDER_STATUS_CHANGE", &rx.url).await;
    sandbox.state().emit(order_event(
        c.shop_id,
        42,
        OrderStatus::AwaitingShipment,
        1_700_000_000,
    ));
    rx.wait_for(1).await;

    // Each flush makes the next attempt now; the log shows when it would have come.
    for _ in 0..4 {
        c.control("POST", "/_sandbox/webhooks/flush", None).await;
    }
    let hooks = rx.wait_for(5).await;
    assert_eq!(hooks.len(), 5);
    assert!(
        hooks.iter().all(|h| h.raw == hooks[0].raw),
        "a retry resends the same body"
    );
    let log = deliveries(&c).await;
    let attempts: Vec<(i64, &str, Option<i64>)> = log
        .iter()
        .map(|d| {
            (
                d["attempt"].as_i64().unwrap(),
                d["status"].as_str().unwrap(),
                d["next_attempt_at_ms"]
                    .as_i64()
                    .map(|n| n - d["time_ms"].as_i64().unwrap()),
            )
        })
        .collect();
    assert_eq!(
        attempts,
        vec![
            (1, "failed", Some(120_000)),
            (2, "failed", Some(1_800_000)),
            (3, "failed", Some(10_800_000)),
            (4, "failed", Some(43_200_000)),
            (5, "given_up", None),
        ]
    );
    assert!(log.iter().all(|d| d["http_status"] == 500));
    // Nothing is left to retry.
    let flushed = c.control("POST", "/_sandbox/webhooks/flush", None).await;
    assert_eq!(flushed["flushed"]["attempted"], 0);
    assert_eq!(flushed["pending"], 0);
    assert_eq!(rx.got().len(), 5);
    rx.stop().await;
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_run_by_themselves_on_a_compressed_schedule() {
    let sandbox = start(SandboxConfig {
        webhook_retry_scale: 0.000_01, // +1.2 ms, +18 ms, +108 ms, +432 ms
        ..config()
    })
    .await
    .unwrap();
    let c = Client::new(&sandbox);
    let rx = Receiver::start(503).await;
    subscribe(&c, "ORDER_STATUS_CHANGE", &rx.url).await;
    sandbox.state().emit(order_event(
        c.shop_id,
        7,
        OrderStatus::InTransit,
        1_700_000_000,
    ));
    let hooks = rx.wait_for(5).await;
    assert!(hooks.iter().all(|h| h.body["data"]["order_id"] == "7"));
    for _ in 0..40 {
        if deliveries(&c)
            .await
            .iter()
            .any(|d| d["status"] == "given_up")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let log = deliveries(&c).await;
    assert_eq!(log.len(), 5);
    assert_eq!(log[4]["status"], "given_up");
    assert_eq!(
        log[0]["next_attempt_at_ms"].as_i64().unwrap() - log[0]["time_ms"].as_i64().unwrap(),
        1
    );
    rx.stop().await;
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_becomes_due_when_the_sandbox_clock_moves() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let rx = Receiver::start(500).await;
    subscribe(&c, "ORDER_STATUS_CHANGE", &rx.url).await;
    sandbox.state().emit(order_event(
        c.shop_id,
        9,
        OrderStatus::Delivered,
        1_700_000_000,
    ));
    rx.wait_for(1).await;
    rx.set_status(200);
    // The failed attempt is recorded (and its retry scheduled) just after the receiver answered:
    // move the clock only then, or the retry is scheduled from the moved clock.
    for _ in 0..200 {
        if !deliveries(&c).await.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // +2 minutes by the sandbox clock, not by waiting.
    sandbox.state().advance_clock(121);
    let hooks = rx.wait_for(2).await;
    assert_eq!(hooks[0].raw, hooks[1].raw);
    let mut log = deliveries(&c).await;
    for _ in 0..40 {
        if log.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        log = deliveries(&c).await;
    }
    assert_eq!(log[1]["attempt"], 2);
    assert_eq!(log[1]["status"], "delivered");
    rx.stop().await;
    sandbox.stop().await;
}

async fn run_events(config: SandboxConfig, n: u64) -> Vec<signed_client::Hook> {
    let sandbox = start(config).await.unwrap();
    let c = Client::new(&sandbox);
    let rx = Receiver::start(200).await;
    subscribe(&c, "ORDER_STATUS_CHANGE", &rx.url).await;
    for i in 1..=n {
        sandbox.state().emit(order_event(
            c.shop_id,
            i,
            OrderStatus::AwaitingShipment,
            1_700_000_000 + i as i64,
        ));
    }
    c.control("POST", "/_sandbox/webhooks/flush", None).await;
    let expected = rx.got().len();
    let hooks = rx.wait_for(expected.max(n as usize)).await;
    rx.stop().await;
    sandbox.stop().await;
    hooks
}

fn order_ids(hooks: &[signed_client::Hook]) -> Vec<String> {
    hooks
        .iter()
        .map(|h| h.body["data"]["order_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_delivery_comes_twice_at_duplicate_rate_one_and_once_at_zero() {
    let twice = run_events(
        SandboxConfig {
            webhook_duplicate_rate: 1.0,
            ..config()
        },
        3,
    )
    .await;
    assert_eq!(order_ids(&twice), ["1", "1", "2", "2", "3", "3"]);
    for pair in twice.chunks(2) {
        // A duplicate is the same notification: same id, same bytes, same signature.
        assert_eq!(pair[0].raw, pair[1].raw);
        assert_eq!(pair[0].authorization, pair[1].authorization);
    }
    let once = run_events(
        SandboxConfig {
            webhook_duplicate_rate: 0.0,
            ..config()
        },
        3,
    )
    .await;
    assert_eq!(order_ids(&once), ["1", "2", "3"]);
    let ids: std::collections::BTreeSet<&str> = once
        .iter()
        .map(|h| h.body["tts_notification_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "each notification has its own id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn later_events_overtake_at_reorder_rate_one_and_never_at_zero() {
    let reordered = run_events(
        SandboxConfig {
            webhook_reorder_rate: 1.0,
            ..config()
        },
        4,
    )
    .await;
    assert_eq!(order_ids(&reordered), ["2", "1", "4", "3"]);
    let in_order = run_events(
        SandboxConfig {
            webhook_reorder_rate: 0.0,
            ..config()
        },
        4,
    )
    .await;
    assert_eq!(order_ids(&in_order), ["1", "2", "3", "4"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_notification_ids() {
    let a = run_events(
        SandboxConfig {
            seed: 9,
            ..config()
        },
        3,
    )
    .await;
    let b = run_events(
        SandboxConfig {
            seed: 9,
            ..config()
        },
        3,
    )
    .await;
    let ids = |h: &[signed_client::Hook]| -> Vec<String> {
        h.iter()
            .map(|h| h.body["tts_notification_id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&a), ids(&b));
    let c = run_events(
        SandboxConfig {
            seed: 10,
            ..config()
        },
        3,
    )
    .await;
    assert_ne!(ids(&a), ids(&c));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deauthorization_is_pushed_to_the_app_with_its_message() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let rx = Receiver::start(200).await;
    subscribe(&c, "SELLER_DEAUTHORIZATION", &rx.url).await;
    subscribe(&c, "ORDER_STATUS_CHANGE", &rx.url).await;
    sandbox.state().revoke_shop(c.shop_id);
    let hooks = rx.wait_for(1).await;
    assert_eq!(hooks[0].body["type"], 6);
    assert_eq!(hooks[0].body["shop_id"], c.shop_id.to_string());
    assert!(hooks[0].body["data"]["message"].as_str().unwrap().len() > 5);
    // Afterwards the shop's changes no longer reach the app, and its subscriptions for it are gone.
    sandbox.state().emit(order_event(
        c.shop_id,
        5,
        OrderStatus::InTransit,
        1_700_000_000,
    ));
    c.control("POST", "/_sandbox/webhooks/flush", None).await;
    assert_eq!(rx.got().len(), 1);
    let subs = c
        .control("GET", "/_sandbox/webhooks/subscriptions", None)
        .await;
    assert!(
        subs["subscriptions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["shop_id"].as_str() != Some(c.shop_id.to_string().as_str())),
        "{subs}"
    );
    rx.stop().await;
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_settings_can_be_read_and_changed() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let s = c.control("GET", "/_sandbox/webhooks/settings", None).await;
    assert_eq!(
        s,
        json!({"retry_scale": 1.0, "duplicate_rate": 0.0, "reorder_rate": 0.0})
    );
    let s = c
        .control(
            "POST",
            "/_sandbox/webhooks/settings",
            Some(json!({"duplicate_rate": 0.5, "retry_scale": 0.01})),
        )
        .await;
    assert_eq!(
        s,
        json!({"retry_scale": 0.01, "duplicate_rate": 0.5, "reorder_rate": 0.0})
    );
    assert_eq!(
        c.control_status(
            "POST",
            "/_sandbox/webhooks/settings",
            json!({"reorder_rate": 2})
        )
        .await,
        400
    );
    assert_eq!(
        c.control_status("POST", "/_sandbox/webhooks/settings", json!({"nope": 1}))
            .await,
        400
    );
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_address_counts_as_a_failed_delivery() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    subscribe(
        &c,
        "ORDER_STATUS_CHANGE",
        &format!("http://127.0.0.1:{port}/gone"),
    )
    .await;
    sandbox.state().emit(order_event(
        c.shop_id,
        3,
        OrderStatus::Completed,
        1_700_000_000,
    ));
    // The flush pushes the event, and then makes the retry its failure scheduled.
    let flushed = c.control("POST", "/_sandbox/webhooks/flush", None).await;
    assert_eq!(flushed["flushed"]["attempted"], 1);
    let log = deliveries(&c).await;
    assert_eq!(log.len(), 2, "{log:?}");
    for (i, d) in log.iter().enumerate() {
        assert_eq!(d["attempt"], i + 1);
        assert_eq!(d["status"], "failed");
        assert!(d["http_status"].is_null());
        assert!(d["error"].as_str().unwrap().contains("connection"));
    }
    sandbox.stop().await;
}
