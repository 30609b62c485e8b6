//! `Idempotency-Key` leases: a key whose first request died (its process crashed, or the handler
//! was dropped) answers "in progress" only while its lease lasts; then the same request runs again
//! and settles against TikTok's state.

use api::auth::Role;
use api::clock::Clock;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::sandbox_env::*;
use crate::stock::{sandbox_committed, stock_env, stock_path, tiktok_stock};

async fn put_with_key(env: &SandboxEnv, path: &str, key: &str, body: &str) -> (u16, bool, String) {
    let res = env
        .app
        .client
        .put(env.app.url(path))
        .bearer_auth(env.app.token("acme", Role::Operator))
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let replayed = res.headers().get("idempotent-replayed").is_some();
    (res.status().as_u16(), replayed, res.text().await.unwrap())
}

#[tokio::test]
async fn a_key_whose_request_died_runs_again_once_its_lease_runs_out() {
    let (env, t) = stock_env().await;
    let path = stock_path(&env, &t);
    let body = json!({"warehouse_id": t.warehouse_id, "on_hand": 12}).to_string();
    let key = "the-process-died-mid-request";
    // What a process that died mid-request leaves behind: the key taken, no answer stored.
    let now = env.app.clock.now();
    entity::idempotency_key::ActiveModel {
        tenant_id: Set("acme".into()),
        key: Set(key.into()),
        method: Set("PUT".into()),
        path: Set(path.clone()),
        body_hash: Set(hex::encode(Sha256::digest(body.as_bytes()))),
        status: Set(None),
        response: Set(None),
        created_at: Set(now),
        lease_until: Set(Some(now + api::routes::idempotency::LEASE)),
    }
    .insert(&env.app.state.db)
    .await
    .unwrap();

    let before = tiktok_stock(&env, &t).await;
    let (status, _, answer) = put_with_key(&env, &path, key, &body).await;
    assert_eq!(status, 409, "{answer}");
    assert!(answer.contains("idempotency_key_in_progress"), "{answer}");
    assert_eq!(tiktok_stock(&env, &t).await, before, "nothing ran");

    let lease = chrono::Duration::from_std(api::routes::idempotency::LEASE).unwrap();
    crate::sync::advance_both(&env, lease + chrono::Duration::seconds(1)).await;
    let (status, replayed, answer) = put_with_key(&env, &path, key, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert!(!replayed);
    let committed = sandbox_committed(&env, &t).await;
    assert_eq!(tiktok_stock(&env, &t).await, 12 - committed);

    // From now on the key answers what it did.
    let (status, replayed, again) = put_with_key(&env, &path, key, &body).await;
    assert_eq!(status, 200);
    assert!(replayed, "the stored answer");
    assert_eq!(again, answer);
    // Another body under the same key is still refused.
    let other = json!({"warehouse_id": t.warehouse_id, "on_hand": 13}).to_string();
    let (status, _, answer) = put_with_key(&env, &path, key, &other).await;
    assert_eq!(status, 409, "{answer}");
    assert!(answer.contains("idempotency_key_reused"), "{answer}");
}
