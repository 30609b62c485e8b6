//! Webhooks: verified before anything is stored, stored once, answered at once, processed after;
//! subscriptions registered on connect; deauthorization and expiry notices reach the shop's status.

use api::webhooks::process;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::sandbox_env::*;

pub(crate) use crate::webhook_env::*;

/// An error body with its request id (different on every answer) taken out.
fn without_request_id(body: &str) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(body).unwrap();
    v["error"].as_object_mut().map(|e| e.remove("request_id"));
    v.as_object_mut().map(|e| e.remove("request_id"));
    v
}

#[tokio::test]
async fn only_correctly_signed_deliveries_for_known_shops_are_stored() {
    let env = sandbox_env().await;
    env.connect().await;
    let shop = env.tiktok_shop_id().await;
    let body = event_body(
        &shop,
        1,
        "7327112393057371910",
        json!({"order_id": "576684019603311365", "order_status": "AWAITING_SHIPMENT", "update_time": 1}),
    );
    let good = sign(APP_KEY, APP_SECRET_TT, &body);

    let (status, text) = deliver(&env, &body, Some(good.clone())).await;
    assert_eq!((status, text.as_str()), (200, ""), "200 with an empty body");

    let mut tampered = body.clone();
    let at = tampered.len() - 5;
    tampered[at] = b'9';
    assert_eq!(
        deliver(&env, &tampered, Some(good.clone())).await.0,
        401,
        "tampered body"
    );
    assert_eq!(deliver(&env, &body, None).await.0, 401, "unsigned");
    assert_eq!(
        deliver(&env, &body, Some("zz".into())).await.0,
        401,
        "garbage signature"
    );
    let wrong_secret = deliver(&env, &body, Some(sign(APP_KEY, "wrong-secret", &body))).await;
    assert_eq!(wrong_secret.0, 401, "another app's secret");
    // A shop we do not have answers exactly as a bad signature does: nobody learns from the
    // receiver which TikTok shops are configured here. Asked again, it costs no database read.
    let foreign = event_body("999999999", 1, "1", json!({}));
    for attempt in 0..3 {
        let unknown = deliver(&env, &foreign, Some(sign(APP_KEY, APP_SECRET_TT, &foreign))).await;
        assert_eq!(unknown.0, 401, "a shop we do not have ({attempt})");
        assert_eq!(
            without_request_id(&unknown.1),
            without_request_id(&wrong_secret.1),
            "the same body as a bad signature"
        );
    }
    assert_eq!(deliver(&env, b"{not json", Some(good.clone())).await.0, 400);
    let mut huge = br#"{"shop_id":""#.to_vec();
    huge.extend(std::iter::repeat_n(b'1', 1024 * 1024 + 1));
    huge.extend(br#""}"#);
    assert_eq!(deliver(&env, &huge, Some(good)).await.0, 413);
    assert_eq!(stored(&env).await, 1, "only the good delivery is stored");
}

#[tokio::test]
async fn a_repeated_delivery_is_stored_and_processed_once() {
    let env = sandbox_env().await;
    env.connect().await;
    let shop = env.tiktok_shop_id().await;
    let body = event_body(
        &shop,
        7,
        "42",
        json!({"message": "expiring", "expiration_time": 1_900_000_000}),
    );
    let sig = sign(APP_KEY, APP_SECRET_TT, &body);
    for _ in 0..3 {
        assert_eq!(deliver(&env, &body, Some(sig.clone())).await.0, 200);
    }
    // Without a notification id, the body's hash is the identity.
    let bare = serde_json::to_vec(&json!({"type": 7, "shop_id": shop, "timestamp": 1, "data": {"expiration_time": 1_900_000_000}})).unwrap();
    let bare_sig = sign(APP_KEY, APP_SECRET_TT, &bare);
    deliver(&env, &bare, Some(bare_sig.clone())).await;
    deliver(&env, &bare, Some(bare_sig)).await;
    assert_eq!(stored(&env).await, 2);
    settle(&env).await;
    let (_, events) = env
        .app
        .get(&env.shop_path("/webhooks/events"), &env.token)
        .await;
    let events = events["items"].as_array().unwrap().clone();
    assert_eq!(events.len(), 2);
    assert!(
        events
            .iter()
            .all(|e| e["state"] == "processed" && e["attempts"] == 1),
        "each processed once: {events:?}"
    );
    assert_eq!(
        process::process_due(env.app.state.worker(), 100)
            .await
            .unwrap(),
        0,
        "nothing is processed twice"
    );
    let status = env.status().await;
    assert!(
        status["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("TikTok says")),
        "the expiry notice shows on /status: {status}"
    );
    assert!(status["last_webhook_at"].is_string());
}

#[tokio::test]
async fn connecting_subscribes_our_url_and_a_deauthorization_pushed_by_tiktok_stops_the_shop() {
    let env = sandbox_env().await;
    env.connect().await;
    // Registration runs in the background after the callback; TikTok's list shows it when done.
    let mut subscriptions = Value::Null;
    for _ in 0..200 {
        let (status, body) = env.app.get(&env.shop_path("/webhooks"), &env.token).await;
        assert_eq!(status, 200, "{body}");
        if body["subscriptions"]
            .as_array()
            .is_some_and(|s| s.len() >= 5)
        {
            subscriptions = body;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let names: Vec<&str> = subscriptions["subscriptions"]
        .as_array()
        .expect("subscriptions registered")
        .iter()
        .map(|s| s["event_type"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"ORDER_STATUS_CHANGE") && names.contains(&"SELLER_DEAUTHORIZATION"));
    assert!(
        !names.contains(&"RETURN_STATUS_CHANGE"),
        "returns are off by default"
    );
    assert!(subscriptions["address"].as_str().unwrap().ends_with(HOOK));

    // An order moves on TikTok: TikTok pushes ORDER_STATUS_CHANGE, and we refetch the order.
    let tiktok_shop: u64 = env.tiktok_shop_id().await.parse().unwrap();
    let order_id = env.sandbox.state().with_world(|w| {
        w.orders
            .values()
            .find(|o| o.shop_id == tiktok_shop && format!("{:?}", o.status) == "AwaitingShipment")
            .map(|o| o.id.to_string())
            .expect("an order awaiting shipment")
    });
    env.control(&format!("/_sandbox/orders/{order_id}/advance"), json!({}))
        .await;
    env.control("/_sandbox/webhooks/flush", json!({})).await;
    settle(&env).await;
    let (status, order) = env
        .app
        .get(&env.shop_path(&format!("/orders/{order_id}")), &env.token)
        .await;
    let (_, events) = env
        .app
        .get(&env.shop_path("/webhooks/events"), &env.token)
        .await;
    assert_eq!(
        status, 200,
        "the order was fetched on its webhook: {order} {events}"
    );
    assert_ne!(order["status"], "AWAITING_SHIPMENT", "{order}");

    // The seller deauthorizes the app on TikTok: TikTok pushes SELLER_DEAUTHORIZATION to us.
    let shop = env.tiktok_shop_id().await;
    env.control(&format!("/_sandbox/shops/{shop}/revoke"), json!({}))
        .await;
    env.control("/_sandbox/webhooks/flush", json!({})).await;
    settle(&env).await;
    let status = env.status().await;
    assert_eq!(status["status"], "reauthorization_required", "{status}");
    let (_, events) = env
        .app
        .get(
            &env.shop_path("/webhooks/events?type=SELLER_DEAUTHORIZATION"),
            &env.token,
        )
        .await;
    assert_eq!(events["items"][0]["state"], "processed", "{events}");
}

#[tokio::test]
async fn events_of_a_disabled_area_are_kept_not_processed_and_can_be_replayed() {
    let env = sandbox_env().await;
    env.connect().await;
    let shop = env.tiktok_shop_id().await;
    let body = event_body(
        &shop,
        12,
        "77",
        json!({"order_id": "1", "return_id": "2", "return_status": "RETURN_OR_REFUND_REQUEST_PENDING"}),
    );
    deliver(&env, &body, Some(sign(APP_KEY, APP_SECRET_TT, &body))).await;
    settle(&env).await;
    let (status, page) = env
        .app
        .get(&env.shop_path("/webhooks/events?state=skipped"), &env.token)
        .await;
    assert_eq!(status, 200);
    let event = &page["items"][0];
    assert_eq!(event["event"], "RETURN_STATUS_CHANGE");
    assert!(event["last_error"].as_str().unwrap().contains("returns"));
    assert_eq!(event["payload"]["data"]["return_id"], "2");

    let id = event["id"].as_str().unwrap();
    let operator = env.app.token("acme", api::auth::Role::Operator);
    let (status, replayed) = env
        .app
        .post(
            &env.shop_path(&format!("/webhooks/events/{id}/replay")),
            &operator,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{replayed}");
    assert_eq!(replayed["state"], "received");

    for (path, code) in [
        ("/webhooks/events?state=lost", 400),
        ("/webhooks/events?type=NOPE", 400),
        ("/webhooks/events?limit=0", 400),
    ] {
        let (status, _) = env.app.get(&env.shop_path(path), &env.token).await;
        assert_eq!(status, code, "{path}");
    }
    let viewer = env.app.token("acme", api::auth::Role::Viewer);
    let (status, _) = env
        .app
        .post(
            &env.shop_path(&format!("/webhooks/events/{id}/replay")),
            &viewer,
            json!({}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = env
        .app
        .post(
            &env.shop_path("/webhooks/events/00000000-0000-0000-0000-000000000000/replay"),
            &operator,
            json!({}),
        )
        .await;
    assert_eq!(status, 404);
    let other = env.app.token("globex", api::auth::Role::Admin);
    let (status, _) = env
        .app
        .get(&env.shop_path("/webhooks/events"), &other)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_burst_of_ten_thousand_deliveries_loses_nothing() {
    let env = std::sync::Arc::new(sandbox_env().await);
    env.connect().await;
    let shop = env.tiktok_shop_id().await;
    let mut tasks = tokio::task::JoinSet::new();
    let total = 10_000;
    let workers = 32;
    for w in 0..workers {
        let env = env.clone();
        let shop = shop.clone();
        tasks.spawn(async move {
            let mut ok = 0;
            for i in (w..total).step_by(workers) {
                let body = event_body(&shop, 1, &format!("burst-{i}"), json!({"order_id": i.to_string(), "order_status": "AWAITING_SHIPMENT", "update_time": i}));
                let (status, _) = deliver(&env, &body, Some(sign(APP_KEY, APP_SECRET_TT, &body))).await;
                if status == 200 {
                    ok += 1;
                }
            }
            ok
        });
    }
    let mut accepted = 0;
    while let Some(n) = tasks.join_next().await {
        accepted += n.unwrap();
    }
    assert_eq!(accepted, total);
    assert_eq!(
        stored(&env).await,
        total as u64,
        "every delivery stored, none twice"
    );
}

#[tokio::test]
async fn processors_claim_by_the_batch_and_process_each_event_once() {
    let env = sandbox_env().await;
    env.connect().await;
    // Only the processors below work on the events.
    env.app.workers.cancel();
    let shop = env.tiktok_shop_id().await;
    for i in 0..240 {
        let body = event_body(
            &shop,
            7,
            &format!("9{i:018}"),
            json!({"message": "expiring", "expiration_time": 1_900_000_000}),
        );
        let sig = sign(APP_KEY, APP_SECRET_TT, &body);
        assert_eq!(deliver(&env, &body, Some(sig)).await.0, 200);
    }
    // Four processors at once on one database: claims never overlap. A claim can come back empty
    // while others hold the due rows (PostgreSQL's SKIP LOCKED), so each goes on until none is left.
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let state = env.app.state.clone();
            tokio::spawn(async move {
                let mut done = 0;
                loop {
                    let n = process::process_due(state.worker(), 25).await.unwrap();
                    done += n;
                    if n == 0 {
                        let waiting = entity::webhook_event::Entity::find()
                            .filter(entity::webhook_event::Column::State.eq("received"))
                            .count(&state.db)
                            .await
                            .unwrap();
                        if waiting == 0 {
                            return done;
                        }
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
        .collect();
    let mut total = 0;
    for w in workers {
        total += w.await.unwrap();
    }
    // The app's own processor may finish the batch it was claiming when it was stopped (stopping
    // waits for the batch in flight); no event is counted twice.
    assert!((200..=240).contains(&total), "{total}");
    let events = entity::webhook_event::Entity::find()
        .all(&env.app.state.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 240);
    assert!(
        events
            .iter()
            .all(|e| e.state == "processed" && e.attempts == 1),
        "each processed once"
    );
}

#[tokio::test]
async fn an_event_whose_claim_ran_out_is_taken_over_by_another_processor() {
    let env = sandbox_env_manual_clock(|_| {}, |_| {}).await;
    env.connect().await;
    env.app.workers.cancel();
    let shop = env.tiktok_shop_id().await;
    let body = event_body(
        &shop,
        7,
        "8000000000000000001",
        json!({"message": "expiring", "expiration_time": 1_900_000_000}),
    );
    assert_eq!(
        deliver(&env, &body, Some(sign(APP_KEY, APP_SECRET_TT, &body)))
            .await
            .0,
        200
    );
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    // A processor claimed it and died: its claim is the token "dead" with a deadline.
    let event = entity::webhook_event::Entity::find()
        .one(&env.app.state.db)
        .await
        .unwrap()
        .unwrap();
    let now = env.app.state.clock.now();
    let mut held: entity::webhook_event::ActiveModel = event.into();
    held.claim_token = Set(Some("dead".into()));
    held.next_attempt_at = Set(now + chrono::Duration::seconds(120));
    held.update(&env.app.state.db).await.unwrap();
    assert_eq!(
        process::process_due(env.app.state.worker(), 10)
            .await
            .unwrap(),
        0,
        "not while the claim holds"
    );
    env.app.clock.advance(chrono::Duration::seconds(121));
    assert_eq!(
        process::process_due(env.app.state.worker(), 10)
            .await
            .unwrap(),
        1
    );
    let taken = entity::webhook_event::Entity::find()
        .one(&env.app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.state, "processed");
    assert_ne!(taken.claim_token.as_deref(), Some("dead"));
}

/// Ten order events for the connected shop, stored and waiting.
async fn ten_waiting_events(env: &SandboxEnv) -> Vec<String> {
    let shop = env.tiktok_shop_id().await;
    let order = env.sandbox.state().with_world(|w| {
        let shop: u64 = shop.parse().unwrap();
        w.orders
            .values()
            .find(|o| o.shop_id == shop)
            .unwrap()
            .id
            .to_string()
    });
    for n in 0..10 {
        let body = event_body(
            &shop,
            1,
            &format!("90000{n}"),
            json!({"order_id": order, "order_status": "AWAITING_SHIPMENT", "update_time": 1_700_000_000 + n}),
        );
        let sig = sign(APP_KEY, APP_SECRET_TT, &body);
        assert_eq!(deliver(env, &body, Some(sig)).await.0, 200);
    }
    let events = entity::webhook_event::Entity::find()
        .all(&env.app.state.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 10);
    events.into_iter().map(|e| e.id).collect()
}

#[tokio::test]
async fn a_stopping_processor_hands_its_claimed_events_back_at_once() {
    let env = sandbox_env().await;
    env.connect().await;
    // The app's own processor stays out of the way: this test drives the queue.
    env.app.workers.cancel();
    ten_waiting_events(&env).await;
    // Asked to stop as it claims its batch: it processes nothing and hands every claim back.
    let stop = tokio_util::sync::CancellationToken::new();
    stop.cancel();
    let n = process::process_due_until(env.app.state.worker(), 100, &stop)
        .await
        .unwrap();
    assert_eq!(n, 0);
    let events = entity::webhook_event::Entity::find()
        .all(&env.app.state.db)
        .await
        .unwrap();
    let now = api::clock::Clock::now(&env.app.clock);
    assert!(
        events
            .iter()
            .all(|e| e.state == "received" && e.claim_token.is_none() && e.next_attempt_at <= now),
        "handed back, due now: {events:?}"
    );
    // The next processor (a restart) takes them at once.
    assert_eq!(
        process::process_due(env.app.state.worker(), 100)
            .await
            .unwrap(),
        10
    );
}

#[tokio::test]
async fn the_events_of_a_processor_that_died_are_taken_over_within_its_short_claim() {
    let env = sandbox_env_manual_clock(|_| {}, |_| {}).await;
    env.connect().await;
    env.app.workers.cancel();
    ten_waiting_events(&env).await;
    // Every TikTok answer is slow: the processor is inside its batch when it dies.
    env.control(
        "/_sandbox/faults",
        json!({"slow_ms": 2000, "slow_rate": 1.0}),
    )
    .await;
    let dying = {
        let state = env.app.state.clone();
        tokio::spawn(async move { process::process_due(state.worker(), 100).await })
    };
    for _ in 0..1000 {
        let claimed = entity::webhook_event::Entity::find()
            .all(&env.app.state.db)
            .await
            .unwrap()
            .iter()
            .any(|e| e.claim_token.is_some());
        if claimed {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    dying.abort();
    let _ = dying.await;
    env.control("/_sandbox/faults", json!({"slow_ms": 0, "slow_rate": 0.0}))
        .await;
    assert_eq!(
        process::process_due(env.app.state.worker(), 100)
            .await
            .unwrap(),
        0,
        "nobody takes events while their claim holds"
    );
    crate::sync::advance_both(&env, chrono::Duration::seconds(31)).await;
    assert_eq!(
        process::process_due(env.app.state.worker(), 100)
            .await
            .unwrap(),
        10,
        "taken over once the 30 s claim ran out"
    );
}

#[tokio::test]
async fn each_event_shows_processed_as_soon_as_it_is_done_not_when_its_batch_ends() {
    let env = sandbox_env().await;
    env.connect().await;
    env.app.workers.cancel();
    ten_waiting_events(&env).await;
    // Every TikTok answer takes a while, so the batch is still being worked when the first
    // events are done.
    env.control(
        "/_sandbox/faults",
        json!({"slow_ms": 400, "slow_rate": 1.0}),
    )
    .await;
    let batch = {
        let state = env.app.state.clone();
        tokio::spawn(async move { process::process_due(state.worker(), 100).await })
    };
    let states = || async {
        entity::webhook_event::Entity::find()
            .all(&env.app.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.state)
            .collect::<Vec<_>>()
    };
    let mut seen_part_done = false;
    for _ in 0..4000 {
        let now = states().await;
        let processed = now.iter().filter(|s| *s == "processed").count();
        if processed > 0 && processed < 10 {
            seen_part_done = true;
            break;
        }
        if processed == 10 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(batch.await.unwrap().unwrap(), 10);
    assert!(
        seen_part_done,
        "some events showed processed while others of their batch were still worked"
    );
    assert!(states().await.iter().all(|s| s == "processed"));
}
