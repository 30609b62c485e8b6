//! Orders & fulfillment from the ERP against the sandbox: ship (one, a batch, self-shipment with a
//! provider of the order's delivery option), shipping options, the label PDF, tracking, shipping
//! info, cancel; local state follows at once; every write audited; TikTok's refusals surfaced; bad
//! input refused before TikTok. Guards, idempotency and lost answers: `fulfillment_safety.rs`.

use api::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sandbox_env::*;
use crate::sync::{advance_both, drain, sandbox_shop, sync};

const SHIP_BATCH: &str = "/fulfillment/202309/packages/ship";

/// A connected shop whose workers the test drives, with fresh orders created in the sandbox.
pub(crate) async fn ship_env() -> SandboxEnv {
    let env = crate::sync::connected_with(|c| {
        c.orders = 4;
        c.products = 4;
    })
    .await;
    crate::sync::drive_by_hand(&env);
    env
}

/// Creates orders in the sandbox in a status and syncs them here; returns their ids.
pub(crate) async fn orders(
    env: &SandboxEnv,
    count: u32,
    status: &str,
    shipping_type: &str,
) -> Vec<String> {
    let shop = sandbox_shop(env).await;
    let made = env
        .control(
            &format!("/_sandbox/shops/{shop}/orders"),
            json!({"count": count, "status": status, "shipping_type": shipping_type}),
        )
        .await;
    advance_both(env, chrono::Duration::seconds(5)).await;
    sync(env, json!({"resources": ["orders"], "mode": "incremental"})).await;
    drain(env).await;
    made["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

pub(crate) fn op(env: &SandboxEnv) -> String {
    env.app.token("acme", Role::Operator)
}

pub(crate) fn ship_path(env: &SandboxEnv, order: &str) -> String {
    env.shop_path(&format!("/orders/{order}/ship"))
}

pub(crate) fn package_ship_path(package: &str) -> String {
    format!("/fulfillment/202309/packages/{package}/ship")
}

/// The sandbox's view of an order: (status, package id, package status, handover, tracking).
pub(crate) fn sandbox_order(
    env: &SandboxEnv,
    order: &str,
) -> (String, String, String, String, String) {
    env.sandbox.state().with_world(|w| {
        let o = &w.orders[&order.parse().unwrap()];
        let p = &w.packages[&o.package_ids[0]];
        (
            o.status.as_str().to_owned(),
            p.id.to_string(),
            p.status.as_str().to_owned(),
            p.handover_method.clone().unwrap_or_default(),
            p.tracking_number.clone().unwrap_or_default(),
        )
    })
}

pub(crate) async fn local_order(env: &SandboxEnv, order: &str) -> Value {
    let (status, body) = env
        .app
        .get(
            &env.shop_path(&format!("/orders/{order}")),
            &env.app.token("acme", Role::Viewer),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["order"].clone()
}

pub(crate) async fn audit(env: &SandboxEnv) -> Vec<Value> {
    let (status, body) = env
        .app
        .get(&env.shop_path("/audit?limit=200"), &op(env))
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

pub(crate) async fn post_with_key(
    env: &SandboxEnv,
    path: &str,
    key: &str,
    body: Value,
) -> (u16, Value, bool) {
    let res = env
        .app
        .client
        .post(env.app.url(path))
        .bearer_auth(op(env))
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let replayed = res.headers().contains_key("idempotent-replayed");
    (status, res.json().await.unwrap(), replayed)
}

#[tokio::test]
async fn shipping_an_order_hands_it_over_prints_its_label_and_local_state_follows() {
    let env = ship_env().await;
    let order = orders(&env, 1, "AWAITING_SHIPMENT", "TIKTOK")
        .await
        .remove(0);
    let (_, package, ..) = sandbox_order(&env, &order);

    let (status, options) = env
        .app
        .get(
            &env.shop_path(&format!("/orders/{order}/shipping-options")),
            &env.app.token("acme", Role::Viewer),
        )
        .await;
    assert_eq!(status, 200, "{options}");
    assert_eq!(options["shipping_type"], "TIKTOK");
    assert_eq!(options["packages"][0]["id"], package.as_str());
    assert!(!options["shipping_providers"].as_array().unwrap().is_empty());

    // Not shipped yet: TikTok has no label, and says why.
    let label_path = env.shop_path(&format!("/orders/{order}/label"));
    let (status, body) = env.app.get(&label_path, &op(&env)).await;
    assert_error(status, &body, 422, "tiktok_refused");
    assert!(
        body["error"]["details"][0]["tiktok_message"].is_string(),
        "{body}"
    );

    let (status, shipped) = env
        .app
        .post(
            &ship_path(&env, &order),
            &op(&env),
            json!({"handover_method": "PICKUP", "pickup_slot": {"start_time": "2026-11-25T09:00:00Z", "end_time": "2026-11-25T12:00:00Z"}}),
        )
        .await;
    assert_eq!(status, 200, "{shipped}");
    assert_eq!(shipped["package_id"], package.as_str());
    assert_eq!(shipped["package_status"], "FULFILLING");
    assert_eq!(shipped["handover_method"], "PICKUP");
    assert_eq!(shipped["already_shipped"], false);
    assert_eq!(shipped["order_status"], "AWAITING_COLLECTION");
    let (tt_status, _, tt_package_status, handover, tracking) = sandbox_order(&env, &order);
    assert_eq!(
        (
            tt_status.as_str(),
            tt_package_status.as_str(),
            handover.as_str()
        ),
        ("AWAITING_COLLECTION", "FULFILLING", "PICKUP")
    );
    assert_eq!(shipped["tracking_number"], tracking.as_str());
    // Local state followed at once, without a sync.
    let local = local_order(&env, &order).await;
    assert_eq!(local["status"], "AWAITING_COLLECTION", "{local}");
    assert_eq!(local["tracking_number"], tracking.as_str());
    let rows = audit(&env).await;
    assert_eq!(rows[0]["action"], "order.ship");
    assert_eq!(rows[0]["outcome"], "succeeded");
    assert_eq!(
        rows[0]["target"],
        format!("order {order} / package {package}")
    );
    assert_eq!(rows[0]["tiktok_request_id"], shipped["tiktok_request_id"]);

    // The next sync agrees: nothing it reads is newer than what the ship saved.
    let queued = sync(
        &env,
        json!({"resources": ["orders"], "mode": "incremental"}),
    )
    .await;
    drain(&env).await;
    let done = crate::sync::job(&env, queued["jobs"][0]["id"].as_str().unwrap()).await;
    assert_eq!(done["progress"]["changed"], 0, "{done}");
    assert_eq!(
        local_order(&env, &order).await["status"],
        "AWAITING_COLLECTION"
    );

    // The label: a PDF served by us, never a redirect to TikTok.
    let res = env
        .app
        .client
        .get(env.app.url(&label_path))
        .bearer_auth(op(&env))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.bytes().await.unwrap().starts_with(b"%PDF"));
    let (status, body) = env
        .app
        .get(&label_path, &env.app.token("acme", Role::Viewer))
        .await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body) = env
        .app
        .get(&format!("{label_path}?size=A4"), &op(&env))
        .await;
    assert_error(status, &body, 400, "invalid_field");

    let (status, timeline) = env
        .app
        .get(
            &env.shop_path(&format!("/orders/{order}/tracking")),
            &env.app.token("acme", Role::Viewer),
        )
        .await;
    assert_eq!(status, 200, "{timeline}");
    assert!(
        timeline["events"][0]["description"]
            .as_str()
            .unwrap()
            .contains("arranged shipment"),
        "{timeline}"
    );

    advance_both(&env, chrono::Duration::seconds(1)).await; // audit rows in order
    // Shipping again: as asked is a success (not shipped twice); another way is refused with TikTok's word.
    let (status, again) = env
        .app
        .post(
            &ship_path(&env, &order),
            &op(&env),
            json!({"handover_method": "PICKUP"}),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["already_shipped"], true);
    advance_both(&env, chrono::Duration::seconds(1)).await;
    let (status, body) = env
        .app
        .post(
            &ship_path(&env, &order),
            &op(&env),
            json!({"handover_method": "DROP_OFF"}),
        )
        .await;
    assert_error(status, &body, 409, "already_shipped");
    assert!(
        body["error"]["details"][0]["tiktok_request_id"].is_string(),
        "{body}"
    );
    assert_eq!(
        sandbox_order(&env, &order).3,
        "PICKUP",
        "still shipped the first way"
    );
    let rows = audit(&env).await;
    assert_eq!(
        (rows[0]["outcome"].as_str(), rows[1]["outcome"].as_str()),
        (Some("failed"), Some("succeeded"))
    );
}

#[tokio::test]
async fn a_seller_shipped_order_needs_a_provider_of_its_delivery_option() {
    let env = ship_env().await;
    let order = orders(&env, 1, "AWAITING_SHIPMENT", "SELLER")
        .await
        .remove(0);
    let (_, package, ..) = sandbox_order(&env, &order);
    let (valid, wrong) = env.sandbox.state().with_world(|w| {
        let o = &w.orders[&order.parse().unwrap()];
        let allowed = w.delivery_options[&o.delivery_option_id]
            .shipping_provider_ids
            .clone();
        let wrong = w
            .shipping_providers
            .keys()
            .find(|p| !allowed.contains(p))
            .copied()
            .unwrap();
        (allowed[0].to_string(), wrong.to_string())
    });
    let path = ship_path(&env, &order);
    let own = |provider: &str, tracking: &str| json!({"self_shipment": {"tracking_number": tracking, "shipping_provider_id": provider}});

    // Bad input: refused here, named, nothing sent to ship.
    let (status, body) = env
        .app
        .post(&path, &op(&env), json!({"handover_method": "DROP_OFF"}))
        .await;
    assert_error(status, &body, 400, "invalid_field");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("self_shipment"),
        "{body}"
    );
    let (status, body) = env.app.post(&path, &op(&env), own(&wrong, "1Z999")).await;
    assert_error(status, &body, 400, "invalid_field");
    assert!(
        body["error"]["message"].as_str().unwrap().contains(&valid),
        "lists the valid ones: {body}"
    );
    assert_eq!(
        body["error"]["details"][0]["field"],
        "self_shipment.shipping_provider_id"
    );
    for bad in [
        json!({}),
        json!({"handover_method": "PICKUP", "self_shipment": {"tracking_number": "1", "shipping_provider_id": valid}}),
        json!({"handover_method": "TELEPORT"}),
        json!({"handover_method": "PICKUP", "pickup_slot": {"start_time": "2026-11-25T12:00:00Z", "end_time": "2026-11-25T09:00:00Z"}}),
        own(&valid, " "),
        own("usps", "1Z999"),
        json!({"package_id": "999", "self_shipment": {"tracking_number": "1Z999", "shipping_provider_id": valid}}),
        json!({"handover_method": "DROP_OFF", "surprise": 1}),
    ] {
        let (status, body) = env.app.post(&path, &op(&env), bad.clone()).await;
        assert_eq!(status, 400, "{bad} → {body}");
    }
    assert_eq!(
        env.count_requests(&package_ship_path(&package)),
        0,
        "TikTok's ship was never called"
    );
    assert_eq!(sandbox_order(&env, &order).2, "PROCESSING");

    let (status, shipped) = env
        .app
        .post(&path, &op(&env), own(&valid, "1Z999AA1"))
        .await;
    assert_eq!(status, 200, "{shipped}");
    assert_eq!(
        (
            shipped["handover_method"].as_str(),
            shipped["tracking_number"].as_str()
        ),
        (Some("SELF_SHIPMENT"), Some("1Z999AA1"))
    );
    assert_eq!(
        local_order(&env, &order).await["tracking_number"],
        "1Z999AA1"
    );

    // The seller's shipping info update: same provider rule; TikTok and local state both change.
    let info = env.shop_path(&format!("/orders/{order}/shipping-info"));
    let (status, body) = env
        .app
        .post(
            &info,
            &op(&env),
            json!({"tracking_number": "1Z999AA2", "shipping_provider_id": wrong}),
        )
        .await;
    assert_error(status, &body, 400, "invalid_field");
    let (status, body) = env
        .app
        .post(
            &info,
            &op(&env),
            json!({"tracking_number": "", "shipping_provider_id": valid}),
        )
        .await;
    assert_error(status, &body, 400, "invalid_field");
    assert_eq!(
        env.count_requests(&format!(
            "/fulfillment/202309/orders/{order}/shipping_info/update"
        )),
        0
    );
    advance_both(&env, chrono::Duration::seconds(1)).await;
    let (status, body) = env
        .app
        .post(
            &info,
            &op(&env),
            json!({"tracking_number": "1Z999AA2", "shipping_provider_id": valid}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(sandbox_order(&env, &order).4, "1Z999AA2");
    assert_eq!(
        local_order(&env, &order).await["tracking_number"],
        "1Z999AA2"
    );
    assert_eq!(audit(&env).await[0]["action"], "order.shipping_info");

    // A TikTok-shipped order has no seller shipping info.
    let other = orders(&env, 1, "AWAITING_COLLECTION", "TIKTOK")
        .await
        .remove(0);
    let (status, body) = env
        .app
        .post(
            &env.shop_path(&format!("/orders/{other}/shipping-info")),
            &op(&env),
            json!({"tracking_number": "1Z3", "shipping_provider_id": valid}),
        )
        .await;
    assert_error(status, &body, 409, "not_seller_shipped");
}

#[tokio::test]
async fn a_batch_ships_what_it_can_and_reports_every_package() {
    let env = ship_env().await;
    let ok = orders(&env, 2, "AWAITING_SHIPMENT", "TIKTOK").await;
    let cancelled = orders(&env, 1, "CANCELLED", "TIKTOK").await.remove(0);
    let path = env.shop_path("/orders/ship");

    // Shape errors refuse the whole batch, naming the item; nothing reaches TikTok.
    for (bad, field) in [
        (json!({"items": []}), "items"),
        (
            json!({"items": vec![json!({"order_id": ok[0], "handover_method": "DROP_OFF"}); 51]}),
            "items",
        ),
        (
            json!({"items": [{"order_id": ok[0], "handover_method": "DROP_OFF"}, {"order_id": ok[1]}]}),
            "items[1].handover_method",
        ),
        (
            json!({"items": [{"order_id": "x1", "handover_method": "DROP_OFF"}]}),
            "items[0].order_id",
        ),
    ] {
        let (status, body) = env.app.post(&path, &op(&env), bad).await;
        assert_error(status, &body, 400, "invalid_field");
        assert_eq!(body["error"]["details"][0]["field"], field, "{body}");
    }
    assert_eq!(env.count_requests(SHIP_BATCH), 0);

    let (status, out) = env
        .app
        .post(
            &path,
            &op(&env),
            json!({"items": [
                {"order_id": ok[0], "handover_method": "DROP_OFF"},
                {"order_id": cancelled, "handover_method": "DROP_OFF"},
                {"order_id": "4242", "handover_method": "DROP_OFF"},
                {"order_id": ok[1], "handover_method": "PICKUP"},
                {"order_id": ok[1], "handover_method": "PICKUP"},
            ]}),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(
        (out["succeeded"].as_u64(), out["failed"].as_u64()),
        (Some(2), Some(3)),
        "{out}"
    );
    let r = out["results"].as_array().unwrap();
    assert_eq!(r[0]["result"]["handover_method"], "DROP_OFF");
    assert_eq!(r[0]["result"]["order_status"], "AWAITING_COLLECTION");
    assert!(
        ["order_cancelled", "no_package", "tiktok_refused"]
            .contains(&r[1]["error"]["code"].as_str().unwrap()),
        "{}",
        r[1]
    );
    assert_eq!(r[2]["error"]["code"], "not_found");
    assert_eq!(r[3]["result"]["handover_method"], "PICKUP");
    assert_eq!(
        r[4]["error"]["details"][0]["field"], "items[4].package_id",
        "the same package twice"
    );
    assert_eq!(
        env.count_requests(SHIP_BATCH),
        1,
        "one TikTok call for the batch"
    );
    for o in &ok {
        assert_eq!(sandbox_order(&env, o).0, "AWAITING_COLLECTION");
        assert_eq!(local_order(&env, o).await["status"], "AWAITING_COLLECTION");
    }
    let shipped_rows = audit(&env)
        .await
        .iter()
        .filter(|a| a["action"] == "order.ship")
        .count();
    assert!(
        shipped_rows >= 2,
        "every package that reached TikTok is audited"
    );
}

#[tokio::test]
async fn cancelling_an_order_and_tiktoks_refusals() {
    let env = ship_env().await;
    let open = orders(&env, 1, "AWAITING_SHIPMENT", "TIKTOK")
        .await
        .remove(0);
    let shipped = orders(&env, 1, "AWAITING_COLLECTION", "TIKTOK")
        .await
        .remove(0);
    let cancel = |o: &str| env.shop_path(&format!("/orders/{o}/cancel"));
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/features"),
            &env.app.admin(),
            json!({"features": {"returns": true}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    for bad in [
        json!({"reason": "  "}),
        json!({}),
        json!({"reason": "x", "line_item_ids": ["a"]}),
        json!({"reason": "x".repeat(501)}),
    ] {
        let (status, body) = env.app.post(&cancel(&open), &op(&env), bad.clone()).await;
        assert_eq!(status, 400, "{bad} → {body}");
    }
    let (status, body) = env
        .app
        .post(
            &cancel(&open),
            &op(&env),
            json!({"reason": "x", "line_item_ids": ["1"]}),
        )
        .await;
    assert_error(status, &body, 400, "invalid_field");
    assert_eq!(
        env.count_requests("/return_refund/202602/cancellations"),
        0,
        "TikTok not called"
    );

    let (status, body) = env
        .app
        .post(&cancel(&open), &op(&env), json!({"reason": "Out of stock"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["order_status"], "CANCELLED");
    assert!(body["cancel_id"].is_string(), "{body}");
    assert_eq!(sandbox_order(&env, &open).0, "CANCELLED");
    assert_eq!(local_order(&env, &open).await["status"], "CANCELLED");
    // The cancellation record too (the returns area is on).
    let (status, list) = env
        .app
        .get(
            &env.shop_path(&format!("/cancellations?order_id={open}")),
            &op(&env),
        )
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(audit(&env).await[0]["action"], "order.cancel");

    // The status forbids it: TikTok's explanation comes back.
    advance_both(&env, chrono::Duration::seconds(1)).await; // audit rows in order
    let (status, body) = env
        .app
        .post(
            &cancel(&shipped),
            &op(&env),
            json!({"reason": "Changed my mind"}),
        )
        .await;
    assert_error(status, &body, 409, "cancel_refused");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("shipped"),
        "{body}"
    );
    assert!(
        body["error"]["details"][0]["tiktok_code"].is_number(),
        "{body}"
    );
    assert_eq!(sandbox_order(&env, &shipped).0, "AWAITING_COLLECTION");
    advance_both(&env, chrono::Duration::seconds(1)).await;
    let (status, body) = env
        .app
        .post(&cancel(&open), &op(&env), json!({"reason": "Again"}))
        .await;
    // Asked again (a retry): the seller's cancel holds, so it is a success, not a second cancel.
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["already_cancelled"], true);
    // Cancelled by someone else (TikTok, the buyer): refused with TikTok's word.
    let gone = orders(&env, 1, "CANCELLED", "TIKTOK").await.remove(0);
    advance_both(&env, chrono::Duration::seconds(1)).await;
    let (status, body) = env
        .app
        .post(&cancel(&gone), &op(&env), json!({"reason": "Again"}))
        .await;
    assert_error(status, &body, 409, "cancel_refused");
    let rows = audit(&env).await;
    assert_eq!(
        (rows[0]["outcome"].as_str(), rows[0]["error"].is_string()),
        (Some("failed"), true)
    );

    // A cancelled order cannot ship.
    let (status, body) = env
        .app
        .post(
            &ship_path(&env, &open),
            &op(&env),
            json!({"handover_method": "DROP_OFF"}),
        )
        .await;
    assert!(status == 409 || status == 422, "{status} {body}");
}
