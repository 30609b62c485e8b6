#![allow(dead_code)] // each test target uses only some of these
//! The webhook tests' shared steps: sign and deliver a notification as TikTok does, count what was
//! stored, and process until nothing waits. Shared by the `api` and `stress` test targets.

use api::webhooks::process;
use hmac::{Hmac, KeyInit, Mac};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::sandbox_env::*;

pub(crate) const HOOK: &str = "/api/webhooks/tiktok";

pub(crate) fn sign(app_key: &str, app_secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).unwrap();
    mac.update(app_key.as_bytes());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

pub(crate) async fn deliver(
    env: &SandboxEnv,
    body: &[u8],
    signature: Option<String>,
) -> (u16, String) {
    let mut req = env
        .app
        .client
        .post(env.app.url(HOOK))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(s) = signature {
        req = req.header("authorization", s);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

pub(crate) async fn stored(env: &SandboxEnv) -> u64 {
    entity::webhook_event::Entity::find()
        .count(&env.app.state.db)
        .await
        .unwrap()
}

/// Processes until no stored event waits (the app's own background processor may take some first).
pub(crate) async fn settle(env: &SandboxEnv) {
    for _ in 0..500 {
        process::process_due(env.app.state.worker(), 100)
            .await
            .unwrap();
        let (_, waiting) = env
            .app
            .get(
                &env.shop_path("/webhooks/events?state=received"),
                &env.token,
            )
            .await;
        if waiting["items"].as_array().is_some_and(Vec::is_empty) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let (_, waiting) = env
        .app
        .get(
            &env.shop_path("/webhooks/events?state=received"),
            &env.token,
        )
        .await;
    panic!("webhook events were not processed: {waiting}");
}

pub(crate) fn event_body(
    tiktok_shop: &str,
    event_type: i64,
    notification: &str,
    data: Value,
) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": event_type, "tts_notification_id": notification, "shop_id": tiktok_shop,
        "timestamp": chrono::Utc::now().timestamp(), "data": data,
    }))
    .unwrap()
}

/// One ORDER_STATUS_CHANGE notification for each of the sandbox shop's orders, `rounds` times over,
/// as TikTok would send them: (notification id `{prefix}` + 17 digits, body), each id distinct.
pub(crate) async fn order_status_events(
    env: &SandboxEnv,
    prefix: &str,
    rounds: usize,
) -> Vec<(String, Vec<u8>)> {
    let shop = env.tiktok_shop_id().await;
    let sandbox_shop = crate::sync_env::sandbox_shop(env).await;
    let orders: Vec<(String, String, i64)> = env.sandbox.state().with_world(|w| {
        w.orders
            .values()
            .filter(|o| o.shop_id == sandbox_shop)
            .map(|o| {
                (
                    o.id.to_string(),
                    o.status.as_str().to_owned(),
                    o.update_time,
                )
            })
            .collect()
    });
    (0..rounds)
        .flat_map(|_| orders.iter())
        .enumerate()
        .map(|(i, (id, status, updated))| {
            let notification = format!("{prefix}{i:017}");
            let data = json!({"order_id": id, "order_status": status, "update_time": updated});
            let body = event_body(&shop, 1, &notification, data);
            (notification, body)
        })
        .collect()
}
