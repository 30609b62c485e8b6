//! The receiver's fast path: the group-commit writer (a batch is stored whole or not at all, every
//! waiting delivery hears the outcome, and its connections are its own) and the short-lived cache of who signs for a shop (dropped when
//! a shop's credentials change, so an old secret stops working at once).
//!
//! The writer tests run on the test's single-threaded runtime: every `store` below is queued before
//! the writer task first runs, so they land in one batch.

use api::clock::Clock;
use api::webhooks::signers::TTL;
use api::webhooks::writer::{EventWriter, QUEUE, StoreError, Stored};
use entity::webhook_event;
use futures_util::future::join_all;
use hmac::{Hmac, KeyInit, Mac};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use sha2::Sha256;
use tokio_util::sync::CancellationToken;

use crate::helpers::*;

const HOOK: &str = "/api/webhooks/tiktok";
const TIKTOK_SHOP: &str = "7494049642642441621";

fn event(id: &str, notification: &str) -> webhook_event::Model {
    let now = chrono::Utc::now();
    webhook_event::Model {
        id: id.to_owned(),
        tenant_id: "tenant".into(),
        shop_id: "shop".into(),
        notification_id: notification.to_owned(),
        event_type: 1,
        event_name: "ORDER_STATUS_CHANGE".into(),
        event_time: now.timestamp(),
        payload: "{}".into(),
        state: "received".into(),
        attempts: 0,
        last_error: None,
        next_attempt_at: now,
        received_at: now,
        processed_at: None,
        claim_token: None,
    }
}

async fn stored(app: &TestApp) -> u64 {
    webhook_event::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

/// Both ways a writer runs: on a pool of its own, where it keeps its connection between batches,
/// and on the service's pool (an in-memory database), where it gives it back after each batch.
async fn writers(app: &TestApp) -> [EventWriter; 2] {
    let own = api::db::connect_webhook_writer(&app.env["DATABASE_URL"], &app.state.db)
        .await
        .unwrap();
    [
        EventWriter::spawn(own, true, CancellationToken::new()),
        EventWriter::spawn(app.state.db.clone(), false, CancellationToken::new()),
    ]
}

#[tokio::test]
async fn a_failed_batch_answers_every_delivery_with_an_error_and_stores_none_of_it() {
    let app = spawn_app().await;
    for (round, writer) in writers(&app).await.into_iter().enumerate() {
        let id = |n: u32| format!("{round}-id-{n}");
        let note = |n: u32| format!("{round}-n-{n}");
        // The third row reuses the first one's primary key: not a (shop, notification) repeat,
        // which would be skipped, but a real failure of the whole INSERT.
        let answers = join_all([
            writer.store(event(&id(1), &note(1))),
            writer.store(event(&id(2), &note(2))),
            writer.store(event(&id(1), &note(3))),
        ])
        .await;
        assert_eq!(answers, vec![Err(StoreError::Failed); 3]);
        assert_eq!(
            stored(&app).await,
            round as u64,
            "nothing of the batch is stored"
        );

        // The writer carries on with the next batch.
        assert_eq!(writer.store(event(&id(4), &note(4))).await, Ok(Stored::New));
        assert_eq!(stored(&app).await, round as u64 + 1);
    }
}

#[tokio::test]
async fn a_writer_that_cannot_get_a_connection_answers_each_delivery_with_an_error() {
    let app = spawn_app().await;
    let own = api::db::connect_webhook_writer(&app.env["DATABASE_URL"], &app.state.db)
        .await
        .unwrap();
    let writer = EventWriter::spawn(own.clone(), true, CancellationToken::new());
    own.close().await.unwrap();
    let answers = join_all([
        writer.store(event("id-1", "n-1")),
        writer.store(event("id-2", "n-2")),
    ])
    .await;
    assert_eq!(answers, vec![Err(StoreError::Failed); 2]);
    assert_eq!(stored(&app).await, 0);
}

#[tokio::test]
async fn a_repeat_inside_one_batch_and_across_batches_is_stored_once() {
    let app = spawn_app().await;
    for (round, writer) in writers(&app).await.into_iter().enumerate() {
        let id = |n: &str| format!("{round}-{n}");
        let note = |n: &str| format!("{round}-{n}");
        assert!(!writer.receiving(), "nothing stored yet");
        let answers = join_all([
            writer.store(event(&id("a"), &note("same"))),
            writer.store(event(&id("b"), &note("same"))),
            writer.store(event(&id("c"), &note("other"))),
        ])
        .await;
        assert_eq!(
            answers,
            vec![Ok(Stored::New), Ok(Stored::Duplicate), Ok(Stored::New)]
        );
        assert_eq!(
            writer.store(event(&id("d"), &note("same"))).await,
            Ok(Stored::Duplicate)
        );
        assert_eq!(stored(&app).await, 2 * (round as u64 + 1));
        assert!(
            writer.receiving(),
            "a batch was just stored: the processor gives way"
        );
        let kept = webhook_event::Entity::find_by_id(id("a"))
            .one(&app.state.db)
            .await
            .unwrap();
        assert!(kept.is_some(), "the first delivery's row is the one kept");
    }
}

#[tokio::test]
async fn a_full_queue_is_refused_at_once_and_what_was_queued_is_stored() {
    let app = spawn_app().await;
    let writer = EventWriter::spawn(app.state.db.clone(), false, CancellationToken::new());
    let answers =
        join_all((0..=QUEUE).map(|i| writer.store(event(&format!("id-{i}"), &format!("n-{i}")))))
            .await;
    let refused = answers
        .iter()
        .filter(|a| **a == Err(StoreError::QueueFull))
        .count();
    assert_eq!(refused, 1, "one over the queue's capacity");
    assert!(answers[..QUEUE].iter().all(|a| *a == Ok(Stored::New)));
    assert_eq!(stored(&app).await, QUEUE as u64);
}

#[tokio::test]
async fn stopping_the_writer_stores_what_was_queued_and_refuses_the_rest() {
    let app = spawn_app().await;
    let stop = CancellationToken::new();
    let writer = EventWriter::spawn(app.state.db.clone(), false, stop.clone());
    let queued = join_all((0..10).map(|i| {
        let writer = writer.clone();
        let stop = stop.clone();
        async move {
            let answer = writer.store(event(&format!("id-{i}"), &format!("n-{i}")));
            // Cancelled while all ten wait in the queue.
            stop.cancel();
            answer.await
        }
    }))
    .await;
    assert!(queued.iter().all(|a| *a == Ok(Stored::New)), "{queued:?}");
    assert_eq!(stored(&app).await, 10);
    assert_eq!(
        writer.store(event("late", "late")).await,
        Err(StoreError::Stopped)
    );
}

fn sign(app_key: &str, app_secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).unwrap();
    mac.update(app_key.as_bytes());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

async fn deliver(app: &TestApp, secret: &str, notification: &str) -> u16 {
    let body = serde_json::to_vec(&json!({
        "type": 1, "tts_notification_id": notification, "shop_id": TIKTOK_SHOP,
        "timestamp": 1_795_900_800, "data": {"order_id": "1", "order_status": "AWAITING_SHIPMENT", "update_time": 1},
    }))
    .unwrap();
    let app_key = shop_body()["app_key"].as_str().unwrap().to_owned();
    app.client
        .post(app.url(HOOK))
        .header("content-type", "application/json")
        .header("authorization", sign(&app_key, secret, &body))
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_cached_secret_is_dropped_when_the_shop_is_given_a_new_one_or_deleted() {
    let app = spawn_app().await;
    let admin = app.admin();
    let shop = app
        .create_shop(&admin, json!({"shop_id": TIKTOK_SHOP}))
        .await;
    let path = format!("{SHOPS}/{}", shop["id"].as_str().unwrap());
    let old = shop_body()["app_secret"].as_str().unwrap().to_owned();
    assert_eq!(deliver(&app, &old, "1").await, 200, "and now cached");

    let new = "a-brand-new-app-secret-0001";
    let (status, _) = app.patch(&path, &admin, json!({"app_secret": new})).await;
    assert_eq!(status, 200);
    assert_eq!(
        deliver(&app, &old, "2").await,
        401,
        "the old secret is refused at once"
    );
    assert_eq!(deliver(&app, new, "3").await, 200);

    let (status, _) = app.delete(&path, &admin).await;
    assert_eq!(status, 204);
    assert_eq!(
        deliver(&app, new, "4").await,
        401,
        "a deleted shop has no signer (answered as a bad signature)"
    );
    assert_eq!(stored(&app).await, 2);
}

/// As another server process would: the row changes, and this process's cache is not told.
async fn change_secret_elsewhere(app: &TestApp, shop_id: &str, secret: &str) {
    api::shops::service::edit(
        &app.state.db,
        &app.state.vault,
        app.clock.now(),
        "acme",
        shop_id,
        api::shops::service::ShopEdit {
            app_secret: Some(secret.to_owned().into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_change_made_in_another_process_is_seen_at_once_for_a_new_secret_and_after_the_ttl_for_an_old_one()
 {
    let app = spawn_app().await;
    let admin = app.admin();
    let shop = app
        .create_shop(&admin, json!({"shop_id": TIKTOK_SHOP}))
        .await;
    let shop_id = shop["id"].as_str().unwrap();
    let first = shop_body()["app_secret"].as_str().unwrap().to_owned();
    assert_eq!(deliver(&app, &first, "1").await, 200, "and now cached");

    let second = "a-brand-new-app-secret-0002";
    change_secret_elsewhere(&app, shop_id, second).await;
    assert_eq!(
        deliver(&app, &first, "2").await,
        200,
        "the old secret still works from the cache, for at most the TTL"
    );
    app.clock.advance(TTL);
    assert_eq!(deliver(&app, &first, "3").await, 401, "the TTL is over");
    assert_eq!(deliver(&app, second, "4").await, 200);

    let third = "a-brand-new-app-secret-0003";
    change_secret_elsewhere(&app, shop_id, third).await;
    assert_eq!(
        deliver(&app, third, "5").await,
        200,
        "no cached app matches, so a fresh read finds the new secret at once"
    );
    assert_eq!(
        deliver(&app, second, "6").await,
        401,
        "and that read replaced the cached apps"
    );
    assert_eq!(stored(&app).await, 4);
}

/// The writer has connections of its own: a sync (or anything else) holding every connection of the
/// main pool does not keep TikTok's delivery waiting for one (it would wait up to the pool's 10 s
/// acquire timeout and then get a 503).
#[tokio::test]
async fn a_delivery_is_stored_while_every_connection_of_the_main_pool_is_taken() {
    use sea_orm::{DbBackend, TransactionTrait};
    let app = spawn_app().await;
    let admin = app.admin();
    app.create_shop(&admin, json!({"shop_id": TIKTOK_SHOP}))
        .await;
    let secret = shop_body()["app_secret"].as_str().unwrap().to_owned();
    // The first delivery reads who signs for the shop (a read on the main pool) and caches it.
    assert_eq!(deliver(&app, &secret, "1").await, 200);

    let db = &app.state.db;
    let size = match db.get_database_backend() {
        DbBackend::Postgres => db
            .get_postgres_connection_pool()
            .options()
            .get_max_connections(),
        _ => db
            .get_sqlite_connection_pool()
            .options()
            .get_max_connections(),
    };
    let mut held = Vec::new();
    for _ in 0..size {
        held.push(db.begin().await.unwrap());
    }
    assert_eq!(
        deliver(&app, &secret, "2").await,
        200,
        "stored through the writer's own connection"
    );
    drop(held);
    assert_eq!(stored(&app).await, 2);
}
