//! The orders area's safety: roles, tenants, the feature toggle, `Idempotency-Key`, and a ship whose
//! answer is lost after TikTok applied it (never shipped twice, never reported failed).

use api::auth::Role;
use serde_json::json;
use tiktok_sandbox::state::Faults;

use crate::fulfillment::*;
use crate::helpers::*;
use crate::sandbox_env::*;
use crate::sync::{advance_both, sandbox_shop};

#[tokio::test]
async fn the_orders_area_is_guarded_and_writes_are_idempotent() {
    let env = ship_env().await;
    let order = orders(&env, 1, "AWAITING_SHIPMENT", "TIKTOK")
        .await
        .remove(0);
    let (_, package, ..) = sandbox_order(&env, &order);
    let path = ship_path(&env, &order);
    let body = json!({"handover_method": "DROP_OFF"});
    let viewer = env.app.token("acme", Role::Viewer);
    for p in [
        path.clone(),
        env.shop_path(&format!("/orders/{order}/cancel")),
        env.shop_path("/orders/ship"),
    ] {
        let (status, answer) = env.app.post(&p, &viewer, body.clone()).await;
        assert_error(status, &answer, 403, "forbidden");
    }
    let (status, answer) = env
        .app
        .post(&path, &env.app.token("other", Role::Operator), body.clone())
        .await;
    assert_error(status, &answer, 404, "not_found");
    let (status, answer) = env
        .app
        .get(
            &env.shop_path("/orders/1/tracking"),
            &env.app.token("other", Role::Admin),
        )
        .await;
    assert_error(status, &answer, 404, "not_found");
    for missing in ["4242", "not-an-id"] {
        let (status, answer) = env
            .app
            .post(&ship_path(&env, missing), &op(&env), body.clone())
            .await;
        assert_error(status, &answer, 404, "not_found");
        let (status, answer) = env
            .app
            .get(
                &env.shop_path(&format!("/orders/{missing}/tracking")),
                &viewer,
            )
            .await;
        assert_error(status, &answer, 404, "not_found");
    }
    assert_eq!(env.count_requests(&package_ship_path(&package)), 0);

    // Same key and body: the first answer again, shipped once; same key, other body: 409.
    let (status, first, replayed) = post_with_key(&env, &path, "ship-0001", body.clone()).await;
    assert_eq!((status, replayed), (200, false), "{first}");
    let (status, again, replayed) = post_with_key(&env, &path, "ship-0001", body.clone()).await;
    assert_eq!((status, replayed), (200, true));
    assert_eq!(again, first);
    assert_eq!(
        env.count_requests(&package_ship_path(&package)),
        1,
        "shipped once"
    );
    let (status, other, _) = post_with_key(
        &env,
        &path,
        "ship-0001",
        json!({"handover_method": "PICKUP"}),
    )
    .await;
    assert_error(status, &other, 409, "idempotency_key_reused");
    assert_eq!(
        audit(&env)
            .await
            .iter()
            .filter(|a| a["action"] == "order.ship")
            .count(),
        1
    );

    let (status, answer) = env
        .app
        .put(
            &env.shop_path("/features"),
            &env.app.admin(),
            json!({"features": {"orders": false}}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    for (status, answer) in [
        env.app.post(&path, &op(&env), body.clone()).await,
        env.app
            .post(
                &env.shop_path("/orders/ship"),
                &op(&env),
                json!({"items": []}),
            )
            .await,
        env.app
            .get(
                &env.shop_path(&format!("/orders/{order}/tracking")),
                &viewer,
            )
            .await,
        env.app
            .get(&env.shop_path(&format!("/orders/{order}/label")), &op(&env))
            .await,
        env.app
            .post(
                &env.shop_path(&format!("/orders/{order}/cancel")),
                &op(&env),
                json!({"reason": "x"}),
            )
            .await,
    ] {
        assert_error(status, &answer, 409, "feature_disabled");
    }
}

/// The answer to a ship is lost after TikTok applied it: it never ships twice, and the package that
/// did ship is reported shipped.
#[tokio::test]
async fn a_lost_answer_never_ships_twice_nor_reports_a_failure() {
    let env = ship_env().await;
    let both = orders(&env, 3, "AWAITING_SHIPMENT", "TIKTOK").await;
    let state = env.sandbox.state();

    // TikTok down: nothing shipped, and the same key tries again (the failure is not replayed).
    let body = json!({"handover_method": "DROP_OFF"});
    state.set_faults(
        Faults {
            error_5xx: 1.0,
            ..Default::default()
        },
        Some(3),
    );
    let (status, answer, _) =
        post_with_key(&env, &ship_path(&env, &both[2]), "down-1", body.clone()).await;
    state.set_faults(Faults::default(), None);
    assert_error(status, &answer, 502, "tiktok_unavailable");
    assert_eq!(sandbox_order(&env, &both[2]).2, "PROCESSING");
    let (status, answer, replayed) =
        post_with_key(&env, &ship_path(&env, &both[2]), "down-1", body.clone()).await;
    assert_eq!((status, replayed), (200, false), "{answer}");
    assert_eq!(answer["already_shipped"], false);

    // Every answer after the order's read lost (the ship, the client's retries, the read-back):
    // TikTok shipped it and we cannot know; the key is freed for the same request.
    let (_, package, ..) = sandbox_order(&env, &both[0]);
    lose_answers(&env, |i| i > 0);
    let body = json!({"handover_method": "DROP_OFF"});
    let (status, answer, _) =
        post_with_key(&env, &ship_path(&env, &both[0]), "lost-1", body.clone()).await;
    state.set_faults(Faults::default(), None);
    assert_error(status, &answer, 502, "tiktok_outcome_unknown");
    assert_eq!(
        sandbox_order(&env, &both[0]).2,
        "FULFILLING",
        "TikTok did ship it"
    );
    let (status, answer, replayed) =
        post_with_key(&env, &ship_path(&env, &both[0]), "lost-1", body.clone()).await;
    assert_eq!((status, replayed), (200, false), "{answer}");
    assert_eq!(answer["already_shipped"], true);
    assert_eq!(answer["order_status"], "AWAITING_COLLECTION");
    assert_eq!(
        local_order(&env, &both[0]).await["status"],
        "AWAITING_COLLECTION"
    );
    assert_eq!(sandbox_order(&env, &both[0]).3, "DROP_OFF");
    assert!(env.count_requests(&package_ship_path(&package)) >= 2);

    // Only the ship's answer lost (the second TikTok call of a ship: after the order's read): the
    // client's own retry is refused as "already shipped", and that is settled as a success.
    let (_, package, ..) = sandbox_order(&env, &both[1]);
    advance_both(&env, chrono::Duration::seconds(1)).await;
    lose_answers(&env, |i| i == 1);
    let (status, answer) = env
        .app
        .post(&ship_path(&env, &both[1]), &op(&env), body.clone())
        .await;
    state.set_faults(Faults::default(), None);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["already_shipped"], true);
    assert_eq!(
        env.count_requests(&package_ship_path(&package)),
        2,
        "sent, lost, sent again and refused"
    );
    assert_eq!(sandbox_order(&env, &both[1]).2, "FULFILLING");
    assert_eq!(
        local_order(&env, &both[1]).await["status"],
        "AWAITING_COLLECTION"
    );
    let rows = audit(&env).await;
    assert_eq!(rows[0]["outcome"], "succeeded");
}

/// A batch whose TikTok answers are all lost after the orders' read: the item's outcome is unknown,
/// so the batch's answer is not kept under its key. The same batch with the same key runs again and
/// reports what TikTok did (shipped), instead of replaying "unknown" forever; nothing ships twice.
#[tokio::test]
async fn a_batch_item_whose_answer_was_lost_is_settled_by_the_same_batch_sent_again() {
    let env = ship_env().await;
    let order = orders(&env, 1, "AWAITING_SHIPMENT", "TIKTOK")
        .await
        .remove(0);
    let state = env.sandbox.state();
    let path = env.shop_path("/orders/ship");
    let batch = json!({"items": [{"order_id": order, "handover_method": "DROP_OFF"}]});

    lose_answers(&env, |i| i > 0);
    let (status, answer, _) = post_with_key(&env, &path, "batch-lost-1", batch.clone()).await;
    state.set_faults(Faults::default(), None);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["results"][0]["error"]["code"], "tiktok_outcome_unknown",
        "{answer}"
    );
    assert_eq!(
        sandbox_order(&env, &order).2,
        "FULFILLING",
        "TikTok did ship it"
    );

    let (status, answer, replayed) =
        post_with_key(&env, &path, "batch-lost-1", batch.clone()).await;
    assert_eq!((status, replayed), (200, false), "{answer}");
    assert_eq!(answer["succeeded"], 1, "{answer}");
    assert_eq!(
        answer["results"][0]["result"]["already_shipped"], true,
        "{answer}"
    );
    assert_eq!(
        answer["results"][0]["result"]["order_status"],
        "AWAITING_COLLECTION"
    );
    assert_eq!(sandbox_order(&env, &order).3, "DROP_OFF");

    // Settled now: this answer is kept, and the same key replays it.
    let (status, again, replayed) = post_with_key(&env, &path, "batch-lost-1", batch).await;
    assert_eq!((status, replayed), (200, true), "{again}");
    assert_eq!(again, answer);
}

/// A partial cancel (naming line items) whose answer was lost is settled by reading the order back:
/// sent again, the named unit found cancelled is a success, not TikTok's "already cancelled".
#[tokio::test]
async fn a_partial_cancel_whose_answer_was_lost_is_settled_by_reading_the_order_back() {
    let env = ship_env().await;
    let shop = sandbox_shop(&env).await;
    let state = env.sandbox.state();
    let sku = state
        .with_world(|w| {
            w.products
                .values()
                .filter(|p| p.shop_id == shop)
                .flat_map(|p| p.skus.iter())
                .find(|s| s.inventory.iter().any(|i| i.quantity >= 2))
                .map(|s| s.id.to_string())
        })
        .expect("an SKU with two units in stock");
    // Two units of it: two line items.
    let made = env
        .control(
            &format!("/_sandbox/shops/{shop}/orders"),
            json!({"count": 1, "sku_ids": [sku, sku], "status": "AWAITING_SHIPMENT"}),
        )
        .await;
    let order = made["orders"][0]["id"].as_str().unwrap().to_owned();
    let lines: Vec<String> = made["orders"][0]["line_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(lines.len(), 2);
    let path = env.shop_path(&format!("/orders/{order}/cancel"));
    let body = json!({"reason": "Out of stock", "line_item_ids": [lines[0]]});
    let line_cancelled = |i: usize| {
        state.with_world(|w| w.orders[&order.parse().unwrap()].line_items[i].is_cancelled)
    };

    // Every answer after the order's read lost: unknown, and the key is freed.
    lose_answers(&env, |i| i > 0);
    let (status, answer, _) = post_with_key(&env, &path, "partial-lost-1", body.clone()).await;
    state.set_faults(Faults::default(), None);
    assert_error(status, &answer, 502, "tiktok_outcome_unknown");
    assert!(line_cancelled(0), "TikTok did cancel the unit");
    assert!(!line_cancelled(1));

    // The same request again: TikTok refuses ("already cancelled"), the order read back shows the
    // unit cancelled, so it is a success; the other unit stays.
    let (status, answer, replayed) =
        post_with_key(&env, &path, "partial-lost-1", body.clone()).await;
    assert_eq!((status, replayed), (200, false), "{answer}");
    assert_eq!(answer["already_cancelled"], true, "{answer}");
    assert_eq!(answer["order_status"], "AWAITING_SHIPMENT");
    assert!(!line_cancelled(1));

    // A unit someone else cancelled is still refused with TikTok's word.
    let other = json!({"reason": "Out of stock", "line_item_ids": [lines[1]]});
    state.with_world(|w| {
        let o = w.orders.get_mut(&order.parse().unwrap()).unwrap();
        o.line_items[1].is_cancelled = true;
        o.cancellation_initiator = Some("BUYER".into());
    });
    let (status, answer) = env.app.post(&path, &op(&env), other).await;
    assert_error(status, &answer, 409, "cancel_refused");
}

/// Sets the sandbox's faults so that, of the next 20 TikTok calls, exactly those `dropped` picks lose
/// their answer (the sandbox draws one number per call, and drops a call below the rate): finds a seed
/// and a rate for that.
pub(crate) fn lose_answers(env: &SandboxEnv, dropped: impl Fn(usize) -> bool) {
    let state = env.sandbox.state();
    let (seed, rate) = (0..100_000u64)
        .find_map(|seed| {
            state.set_faults(Faults::default(), Some(seed));
            let rolls: Vec<f64> = (0..20).map(|_| state.fault_roll()).collect();
            let (mut low, mut high) = (0.0_f64, 1.0_f64);
            for (i, r) in rolls.iter().enumerate() {
                if dropped(i) {
                    low = low.max(*r);
                } else {
                    high = high.min(*r);
                }
            }
            (low < high).then_some((seed, (low + high) / 2.0))
        })
        .expect("a seed that drops just those calls");
    state.set_faults(
        Faults {
            drop_rate: rate,
            ..Default::default()
        },
        Some(seed),
    );
}
