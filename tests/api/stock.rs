//! The ERP's stock writes: TikTok is told `on_hand − committed − safety buffer`, with TikTok's own
//! committed units (placed orders not yet shipped, unpaid included); adjustments are atomic
//! (random concurrent ones end at the right totals); every write is audited; `Idempotency-Key` makes a
//! repeated request answer the first answer; bad input changes nothing.

use api::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sandbox_env::*;
use crate::sync::{advance_both, drain, sandbox_shop, sync};

/// A SKU of an active product and one of its sales warehouses, from the sandbox.
pub(crate) struct Target {
    pub(crate) product_id: String,
    pub(crate) sku_id: String,
    pub(crate) warehouse_id: String,
}

async fn target(env: &SandboxEnv) -> Target {
    let shop = sandbox_shop(env).await;
    env.sandbox.state().with_world(|w| {
        let p = w
            .products
            .values()
            .filter(|p| p.shop_id == shop && p.status.as_str() == "ACTIVATE")
            .min_by_key(|p| p.id)
            .unwrap();
        Target {
            product_id: p.id.to_string(),
            sku_id: p.skus[0].id.to_string(),
            warehouse_id: p.skus[0].inventory[0].warehouse_id.to_string(),
        }
    })
}

/// TikTok's (the sandbox's) stock of the SKU in the warehouse.
pub(crate) async fn tiktok_stock(env: &SandboxEnv, t: &Target) -> i64 {
    env.sandbox.state().with_world(|w| {
        w.products[&t.product_id.parse().unwrap()]
            .skus
            .iter()
            .find(|s| s.id.to_string() == t.sku_id)
            .unwrap()
            .inventory
            .iter()
            .find(|i| i.warehouse_id.to_string() == t.warehouse_id)
            .map_or(0, |i| i.quantity)
    })
}

/// TikTok's (the sandbox's) committed units of the SKU in the warehouse: its own books.
pub(crate) async fn sandbox_committed(env: &SandboxEnv, t: &Target) -> i64 {
    env.sandbox
        .state()
        .stock_of(t.sku_id.parse().unwrap())
        .into_iter()
        .find(|(w, _, _)| w.to_string() == t.warehouse_id)
        .map_or(0, |(_, _, committed)| committed)
}

pub(crate) async fn stock_env() -> (SandboxEnv, Target) {
    let env = crate::sync::connected_with(|c| {
        c.orders = 10;
        c.products = 6;
    })
    .await;
    crate::sync::drive_by_hand(&env);
    let t = target(&env).await;
    // Paid, unshipped orders of the SKU: TikTok holds their units as committed.
    let shop = sandbox_shop(&env).await;
    env.control(
        &format!("/_sandbox/shops/{shop}/orders"),
        json!({"count": 3, "sku_ids": [t.sku_id], "status": "AWAITING_SHIPMENT"}),
    )
    .await;
    advance_both(&env, chrono::Duration::minutes(1)).await;
    sync(
        &env,
        json!({"resources": ["orders", "products", "warehouses"], "mode": "full"}),
    )
    .await;
    drain(&env).await;
    (env, t)
}

pub(crate) fn stock_path(env: &SandboxEnv, t: &Target) -> String {
    env.shop_path(&format!("/inventory/{}/stock", t.sku_id))
}

async fn audit(env: &SandboxEnv) -> Vec<Value> {
    let (status, body) = env
        .app
        .get(
            &env.shop_path("/audit?limit=200"),
            &env.app.token("acme", Role::Viewer),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn setting_and_adjusting_stock_tells_tiktok_what_can_be_sold() {
    let (env, t) = stock_env().await;
    let operator = env.app.token("acme", Role::Operator);
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/inventory-settings"),
            &env.app.admin(),
            json!({"safety_buffer": 2}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let reserved = sandbox_committed(&env, &t).await;
    assert!(reserved >= 3, "the orders placed above hold stock");
    // An order placed and not yet paid holds a unit too: TikTok commits at placement.
    let shop = sandbox_shop(&env).await;
    env.control(
        &format!("/_sandbox/shops/{shop}/orders"),
        json!({"count": 1, "sku_ids": [t.sku_id], "status": "UNPAID"}),
    )
    .await;
    let reserved = reserved + 1;
    assert_eq!(sandbox_committed(&env, &t).await, reserved);

    let (status, level) = env
        .app
        .put(
            &stock_path(&env, &t),
            &operator,
            json!({"warehouse_id": t.warehouse_id, "on_hand": 50}),
        )
        .await;
    assert_eq!(status, 200, "{level}");
    assert_eq!(
        (
            &level["on_hand"],
            &level["committed"],
            &level["safety_buffer"],
            &level["pushed"],
            &level["tiktok_available"]
        ),
        (
            &json!(50),
            &json!(reserved),
            &json!(2),
            &json!(50 - reserved - 2),
            &json!(50 - reserved - 2)
        )
    );
    assert_eq!(tiktok_stock(&env, &t).await, 50 - reserved - 2);
    // Our clock stands still in tests; move it so the audit rows have an order.
    env.app.clock.advance(chrono::Duration::seconds(1));

    let adjust = env.shop_path(&format!("/inventory/{}/stock/adjust", t.sku_id));
    let (status, level) = env
        .app
        .post(
            &adjust,
            &operator,
            json!({"warehouse_id": t.warehouse_id, "delta": -5}),
        )
        .await;
    assert_eq!(status, 200, "{level}");
    assert_eq!(level["on_hand"], 45);
    assert_eq!(tiktok_stock(&env, &t).await, 45 - reserved - 2);
    env.app.clock.advance(chrono::Duration::seconds(1));

    // Never below zero at TikTok, whatever the count.
    let (_, level) = env
        .app
        .put(
            &stock_path(&env, &t),
            &operator,
            json!({"warehouse_id": t.warehouse_id, "on_hand": 1}),
        )
        .await;
    assert_eq!(level["pushed"], 0, "{level}");
    assert_eq!(tiktok_stock(&env, &t).await, 0);

    // Out of range: refused, nothing changed.
    let (status, body) = env
        .app
        .post(
            &adjust,
            &operator,
            json!({"warehouse_id": t.warehouse_id, "delta": -2}),
        )
        .await;
    assert_error(status, &body, 409, "stock_out_of_range");

    // The stock history and the audit log have every write.
    let (_, history) = env
        .app
        .get(
            &env.shop_path(&format!("/inventory/{}/history", t.sku_id)),
            &operator,
        )
        .await;
    assert_eq!(history["items"][0]["source"], "erp", "{history}");
    assert_eq!(history["items"][0]["after"], 0);
    let rows = audit(&env).await;
    let actions: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap(),
                r["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("stock.set", "succeeded"),
            ("stock.adjust", "succeeded"),
            ("stock.set", "succeeded")
        ],
        "newest first; the refused adjustment changed nothing and is not a write"
    );
    assert!(rows.iter().all(|r| r["tiktok_request_id"].is_string()
        && r["role"] == "operator"
        && r["request_id"].is_string()));
}

#[tokio::test]
async fn bad_stock_writes_are_refused_and_change_nothing() {
    let (env, t) = stock_env().await;
    let operator = env.app.token("acme", Role::Operator);
    let path = stock_path(&env, &t);
    let before = tiktok_stock(&env, &t).await;
    let pushes = || {
        env.count_requests(&format!(
            "/product/202309/products/{}/inventory/update",
            t.product_id
        ))
    };
    for (body, code) in [
        (
            json!({"warehouse_id": t.warehouse_id, "on_hand": -1}),
            "invalid_field",
        ),
        (
            json!({"warehouse_id": t.warehouse_id, "on_hand": 1_000_000}),
            "invalid_field",
        ),
        (
            json!({"warehouse_id": "123", "on_hand": 5}),
            "invalid_field",
        ),
        (json!({"warehouse_id": t.warehouse_id}), "invalid_field"),
        (
            json!({"warehouse_id": t.warehouse_id, "on_hand": "5"}),
            "invalid_field",
        ),
    ] {
        let (status, answer) = env.app.put(&path, &operator, body.clone()).await;
        assert_error(status, &answer, 400, code);
    }
    let adjust = env.shop_path(&format!("/inventory/{}/stock/adjust", t.sku_id));
    let (status, answer) = env
        .app
        .post(
            &adjust,
            &operator,
            json!({"warehouse_id": t.warehouse_id, "delta": 0}),
        )
        .await;
    assert_error(status, &answer, 400, "invalid_field");
    let (status, answer) = env
        .app
        .post(
            &adjust,
            &operator,
            json!({"warehouse_id": t.warehouse_id, "delta": 3}),
        )
        .await;
    assert_error(status, &answer, 409, "stock_not_counted");
    let (status, answer) = env
        .app
        .put(
            &env.shop_path("/inventory/424242/stock"),
            &operator,
            json!({"warehouse_id": t.warehouse_id, "on_hand": 5}),
        )
        .await;
    assert_error(status, &answer, 404, "not_found");
    let (status, answer) = env
        .app
        .put(
            &path,
            &env.app.token("acme", Role::Viewer),
            json!({"warehouse_id": t.warehouse_id, "on_hand": 5}),
        )
        .await;
    assert_error(status, &answer, 403, "forbidden");
    let (status, answer) = env
        .app
        .put(
            &path,
            &env.app.token("globex", Role::Admin),
            json!({"warehouse_id": t.warehouse_id, "on_hand": 5}),
        )
        .await;
    assert_error(status, &answer, 404, "not_found");
    for items in [
        json!([]),
        json!([{"sku_id": t.sku_id, "warehouse_id": t.warehouse_id}]),
    ] {
        let (status, answer) = env
            .app
            .post(
                &env.shop_path("/inventory/batch"),
                &operator,
                json!({"items": items}),
            )
            .await;
        assert_error(status, &answer, 400, "invalid_field");
    }
    assert_eq!(pushes(), 0, "TikTok was not called");
    assert_eq!(tiktok_stock(&env, &t).await, before);
    assert_eq!(audit(&env).await, Vec::<Value>::new());

    let (status, answer) = env
        .app
        .put(
            &env.shop_path("/features"),
            &env.app.admin(),
            json!({"features": {"inventory": false}}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = env
        .app
        .put(
            &path,
            &operator,
            json!({"warehouse_id": t.warehouse_id, "on_hand": 5}),
        )
        .await;
    assert_error(status, &answer, 409, "feature_disabled");
}

#[tokio::test]
async fn a_repeated_idempotency_key_answers_the_first_answer_and_moves_stock_once() {
    let (env, t) = stock_env().await;
    let operator = env.app.token("acme", Role::Operator);
    env.app
        .put(
            &stock_path(&env, &t),
            &operator,
            json!({"warehouse_id": t.warehouse_id, "on_hand": 20}),
        )
        .await;
    let adjust = env
        .app
        .url(&env.shop_path(&format!("/inventory/{}/stock/adjust", t.sku_id)));
    let send = |key: &'static str, delta: i64| {
        env.app
            .client
            .post(&adjust)
            .bearer_auth(&operator)
            .header("idempotency-key", key)
            .json(&json!({"warehouse_id": t.warehouse_id, "delta": delta}))
            .send()
    };
    let first = send("adj-0001", 4).await.unwrap();
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    let again = send("adj-0001", 4).await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(first["on_hand"], 24, "moved once");

    let other = send("adj-0001", 5).await.unwrap();
    assert_eq!(other.status(), 409);
    let other: Value = other.json().await.unwrap();
    assert_eq!(other["error"]["code"], "idempotency_key_reused");
    let bad = env
        .app
        .client
        .post(&adjust)
        .bearer_auth(&operator)
        .header("idempotency-key", "x".repeat(300))
        .json(&json!({"warehouse_id": t.warehouse_id, "delta": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    // A refusal is an answer too: the same key gets it again.
    let refused = send("adj-0002", -1000).await.unwrap();
    assert_eq!(refused.status(), 409);
    let refused_again = send("adj-0002", -1000).await.unwrap();
    assert_eq!(refused_again.status(), 409);
    assert_eq!(refused_again.headers()["idempotent-replayed"], "true");
    let rows = audit(&env).await;
    assert_eq!(rows.len(), 2, "one set and one adjustment: {rows:?}");
}

#[tokio::test]
async fn a_refusal_by_tiktok_keeps_the_count_and_is_audited_as_failed() {
    let (env, t) = stock_env().await;
    let operator = env.app.token("acme", Role::Operator);
    // TikTok freezes the product: it takes no stock updates.
    let res = reqwest::Client::new()
        .patch(format!(
            "{}/_sandbox/products/{}",
            env.sandbox.base_url(),
            t.product_id
        ))
        .json(&json!({"status": "FREEZE"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let before = tiktok_stock(&env, &t).await;
    let (status, body) = env
        .app
        .put(
            &stock_path(&env, &t),
            &operator,
            json!({"warehouse_id": t.warehouse_id, "on_hand": 30}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "tiktok_refused");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("the count is saved here"), "{message}");
    assert!(
        body["error"]["details"][0]["tiktok_request_id"].is_string(),
        "{body}"
    );
    assert_eq!(tiktok_stock(&env, &t).await, before);
    let rows = audit(&env).await;
    assert_eq!(rows[0]["outcome"], "failed", "{rows:?}");
    assert!(
        rows[0]["error"]
            .as_str()
            .unwrap()
            .contains("tiktok_refused")
    );
    assert!(rows[0]["tiktok_request_id"].is_string());
    // The count was kept: an adjustment builds on it.
    let res = reqwest::Client::new()
        .patch(format!(
            "{}/_sandbox/products/{}",
            env.sandbox.base_url(),
            t.product_id
        ))
        .json(&json!({"status": "ACTIVATE"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (status, level) = env
        .app
        .post(
            &env.shop_path(&format!("/inventory/{}/stock/adjust", t.sku_id)),
            &operator,
            json!({"warehouse_id": t.warehouse_id, "delta": 1}),
        )
        .await;
    assert_eq!(status, 200, "{level}");
    assert_eq!(level["on_hand"], 31);
    assert_eq!(
        tiktok_stock(&env, &t).await,
        level["pushed"].as_i64().unwrap()
    );
}

/// TikTok's update names every warehouse assigned to the SKU and no other. A count for a sales
/// warehouse the SKU is not in is refused before anything changes when TikTok's books (as synced)
/// show it; when they were never read, the count is kept and the push refuses, naming the fix;
/// TikTok is never sent the unassigned warehouse.
#[tokio::test]
async fn a_count_in_a_warehouse_tiktok_has_not_assigned_to_the_sku_is_refused() {
    let (env, _) = stock_env().await;
    let operator = env.app.token("acme", Role::Operator);
    let shop = sandbox_shop(&env).await;
    // An active SKU and a sales warehouse of the shop it is not in.
    let (t, other) = env.sandbox.state().with_world(|w| {
        let sales: Vec<_> = w.shops[&shop]
            .warehouse_ids
            .iter()
            .copied()
            .filter(|x| w.warehouses[x].kind == tiktok_sandbox::world::WarehouseType::Sales)
            .collect();
        w.products
            .values()
            .filter(|p| p.shop_id == shop && p.status.as_str() == "ACTIVATE")
            .flat_map(|p| p.skus.iter().map(move |s| (p, s)))
            .find_map(|(p, s)| {
                let other = sales
                    .iter()
                    .find(|wh| !s.inventory.iter().any(|i| i.warehouse_id == **wh))?;
                Some((
                    Target {
                        product_id: p.id.to_string(),
                        sku_id: s.id.to_string(),
                        warehouse_id: s.inventory[0].warehouse_id.to_string(),
                    },
                    other.to_string(),
                ))
            })
            .expect("a SKU that is not in every sales warehouse")
    });
    let pushes = || {
        env.count_requests(&format!(
            "/product/202309/products/{}/inventory/update",
            t.product_id
        ))
    };
    let before = tiktok_stock(&env, &t).await;
    let (status, answer) = env
        .app
        .put(
            &stock_path(&env, &t),
            &operator,
            json!({"warehouse_id": other, "on_hand": 12}),
        )
        .await;
    assert_error(status, &answer, 409, "warehouse_not_assigned");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&other) && message.contains(&t.product_id),
        "{message}"
    );
    assert_eq!(pushes(), 0, "TikTok was not called");
    assert_eq!(
        audit(&env).await,
        Vec::<Value>::new(),
        "nothing was written"
    );

    // TikTok's books of the SKU were never read here: the count is kept, the push refuses it.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::sku_stock::Entity::delete_many()
        .filter(entity::sku_stock::Column::SkuId.eq(&t.sku_id))
        .exec(&env.app.state.db)
        .await
        .unwrap();
    let (status, answer) = env
        .app
        .put(
            &stock_path(&env, &t),
            &operator,
            json!({"warehouse_id": other, "on_hand": 12}),
        )
        .await;
    assert_error(status, &answer, 409, "warehouse_not_assigned");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains("the count is saved here"), "{message}");
    assert_eq!(pushes(), 0, "the unassigned warehouse was never sent");
    assert_eq!(tiktok_stock(&env, &t).await, before);

    // The assigned warehouse pushes as ever, and the count in the other one is left out.
    let (status, level) = env
        .app
        .put(
            &stock_path(&env, &t),
            &operator,
            json!({"warehouse_id": t.warehouse_id, "on_hand": 40}),
        )
        .await;
    assert_eq!(status, 200, "{level}");
    assert_eq!(pushes(), 1);
    assert_eq!(
        tiktok_stock(&env, &t).await,
        level["pushed"].as_i64().unwrap()
    );
    let sent = env
        .sandbox
        .state()
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path.ends_with("/inventory/update"))
        .unwrap();
    assert!(!sent.body.contains(&other), "{}", sent.body);
}

#[tokio::test]
async fn a_batch_reports_each_item() {
    let (env, t) = stock_env().await;
    let operator = env.app.token("acme", Role::Operator);
    let (status, body) = env
        .app
        .post(
            &env.shop_path("/inventory/batch"),
            &operator,
            json!({"items": [
                {"sku_id": t.sku_id, "warehouse_id": t.warehouse_id, "on_hand": 12},
                {"sku_id": "424242", "warehouse_id": t.warehouse_id, "on_hand": 1},
                {"sku_id": t.sku_id, "warehouse_id": t.warehouse_id, "delta": 3},
            ]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["succeeded"], &body["failed"]),
        (&json!(2), &json!(1))
    );
    let results = body["results"].as_array().unwrap();
    assert_eq!(results[0]["result"]["on_hand"], 12);
    assert_eq!(results[1]["ok"], false);
    assert_eq!(results[1]["error"]["code"], "not_found");
    assert_eq!(results[2]["result"]["on_hand"], 15);
    assert_eq!(
        tiktok_stock(&env, &t).await,
        results[2]["result"]["pushed"].as_i64().unwrap()
    );
}

/// A small deterministic generator, so that a failing case can be run again.
fn deltas(seed: u64, n: usize) -> Vec<i64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let d = ((x >> 33) % 11) as i64 - 5;
            if d == 0 { 1 } else { d }
        })
        .collect()
}

#[tokio::test]
async fn random_concurrent_adjustments_end_at_the_right_totals() {
    let (env, t) = stock_env().await;
    let operator = env.app.token("acme", Role::Operator);
    let reserved = sandbox_committed(&env, &t).await;
    let mut on_hand = 500;
    env.app
        .put(
            &stock_path(&env, &t),
            &operator,
            json!({"warehouse_id": t.warehouse_id, "on_hand": on_hand}),
        )
        .await;
    let adjust = env.shop_path(&format!("/inventory/{}/stock/adjust", t.sku_id));
    for seed in [1_u64, 7, 42] {
        let changes = deltas(seed, 24);
        let sends = changes.iter().map(|d| {
            env.app.post(
                &adjust,
                &operator,
                json!({"warehouse_id": t.warehouse_id, "delta": d}),
            )
        });
        let answers = futures_util::future::join_all(sends).await;
        for (status, body) in &answers {
            assert_eq!(*status, 200, "seed {seed}: {body}");
        }
        on_hand += changes.iter().sum::<i64>();
        let (_, item) = env
            .app
            .get(
                &env.shop_path(&format!("/inventory?product_id={}", t.product_id)),
                &operator,
            )
            .await;
        let pushed_here = item["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["sku_id"] == t.sku_id.as_str())
            .unwrap()["stock"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["warehouse_id"] == t.warehouse_id.as_str())
            .unwrap()["quantity"]
            .as_i64()
            .unwrap();
        let expected = on_hand - reserved;
        assert_eq!(
            tiktok_stock(&env, &t).await,
            expected,
            "seed {seed}: TikTok has the last count"
        );
        assert_eq!(pushed_here, expected, "seed {seed}: and so do we");
        let max = answers
            .iter()
            .map(|(_, b)| b["on_hand"].as_i64().unwrap())
            .collect::<Vec<_>>();
        assert!(
            max.contains(&on_hand),
            "seed {seed}: one answer saw the final count"
        );
    }
}

#[tokio::test]
async fn an_answer_lost_after_tiktok_applied_the_push_moves_the_count_once() {
    let (env, t) = stock_env().await;
    let operator = env.app.token("acme", Role::Operator);
    let reserved = sandbox_committed(&env, &t).await;
    env.app
        .put(
            &stock_path(&env, &t),
            &operator,
            json!({"warehouse_id": t.warehouse_id, "on_hand": 100}),
        )
        .await;
    // TikTok applies the update but the answer never reaches us; the client sends it again. Each
    // adjustment reads TikTok's books, updates (that answer is lost), updates again, reads back.
    crate::fulfillment_safety::lose_answers(&env, |call| call < 16 && call % 4 == 1);
    let pushes_before = env.count_requests(&format!(
        "/product/202309/products/{}/inventory/update",
        t.product_id
    ));
    let adjust = env.shop_path(&format!("/inventory/{}/stock/adjust", t.sku_id));
    let mut moved = 0;
    for _ in 0..4 {
        let (status, body) = env
            .app
            .post(
                &adjust,
                &operator,
                json!({"warehouse_id": t.warehouse_id, "delta": 3}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        moved += 3;
        assert_eq!(body["on_hand"], 100 + moved, "each adjustment counted once");
    }
    env.control("/_sandbox/faults", json!({"drop_rate": 0.0}))
        .await;
    let pushes = env.count_requests(&format!(
        "/product/202309/products/{}/inventory/update",
        t.product_id
    )) - pushes_before;
    assert!(
        pushes > 4,
        "some answers were lost and sent again: {pushes}"
    );
    assert_eq!(tiktok_stock(&env, &t).await, 100 + moved - reserved);
}
