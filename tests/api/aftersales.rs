//! The seller's decisions on returns and cancellations from the ERP, against the sandbox: each
//! approval answers the decision TikTok awaits and the local row follows at once; a rejection needs
//! a reason TikTok accepts now (a stale one is a 400 and nothing is sent); a second decision, or one
//! TikTok refuses, is a 409 with TikTok's words; a lost answer is settled by reading back; every
//! decision is audited; the area's toggle and the roles hold.

use api::auth::Role;
use entity::{tiktok_cancellation, tiktok_return};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use tiktok_sandbox::routes::returns as sb_returns;
use tiktok_sandbox::state::Faults;
use tiktok_sandbox::world::{ReturnStatus, ReturnType};

use crate::fulfillment::{audit, post_with_key};
use crate::fulfillment_safety::lose_answers;
use crate::helpers::*;
use crate::returns::{open_cancellations, place_orders, returns_env};
use crate::sandbox_env::*;
use crate::sync::operator;
use crate::webhook_env::{deliver, event_body, settle, sign};

fn path(env: &SandboxEnv, kind: &str, id: &str, action: &str) -> String {
    env.shop_path(&format!("/{kind}/{id}/{action}"))
}

async fn local_return(env: &SandboxEnv, id: &str) -> tiktok_return::Model {
    tiktok_return::Entity::find_by_id((env.shop_id.clone(), id.to_owned()))
        .one(&env.app.state.db)
        .await
        .unwrap()
        .expect("the return is saved")
}

async fn local_cancellation(env: &SandboxEnv, id: &str) -> tiktok_cancellation::Model {
    tiktok_cancellation::Entity::find_by_id((env.shop_id.clone(), id.to_owned()))
        .one(&env.app.state.db)
        .await
        .unwrap()
        .expect("the cancellation is saved")
}

pub(crate) fn sandbox_return_status(env: &SandboxEnv, id: &str) -> String {
    env.sandbox
        .state()
        .with_world(|w| w.returns[&id.parse().unwrap()].status.as_str().to_owned())
}

/// A buyer's return of one delivered order, of this type; answers its id.
pub(crate) async fn open_return(env: &SandboxEnv, kind: ReturnType) -> String {
    let delivered = place_orders(env, 1, "DELIVERED").await;
    let state = env.sandbox.state();
    let now = state.now();
    state
        .with_world(|w| sb_returns::open_return(w, delivered[0], kind, "Damaged", now))
        .expect("a return opened")
        .to_string()
}

async fn reasons(env: &SandboxEnv, kind: &str, id: &str) -> Vec<String> {
    let (status, body) = env
        .app
        .get(&path(env, kind, id, "reject-reasons"), &operator(env))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["next_cursor"], Value::Null);
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert!(r["text"].as_str().is_some_and(|t| !t.is_empty()), "{r}");
            r["name"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn approvals_answer_the_decision_tiktok_awaits_and_the_local_row_follows() {
    let env = returns_env(0).await;
    // Refund only: approved, refunded.
    let refund = open_return(&env, ReturnType::Refund).await;
    let (status, body) = env
        .app
        .post(
            &path(&env, "returns", &refund, "approve"),
            &operator(&env),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["kind"], "return");
    assert_eq!(body["decision"], "APPROVE_REFUND");
    assert_eq!(body["status"], "RETURN_OR_REFUND_REQUEST_SUCCESS");
    assert_eq!(body["already_decided"], false);
    assert!(body["tiktok_request_id"].is_string(), "{body}");
    assert_eq!(
        sandbox_return_status(&env, &refund),
        "RETURN_OR_REFUND_REQUEST_SUCCESS"
    );
    assert_eq!(
        local_return(&env, &refund).await.status,
        "RETURN_OR_REFUND_REQUEST_SUCCESS"
    );

    // Return and refund: the return approved, then (the buyer shipped it) the package received.
    let back = open_return(&env, ReturnType::ReturnAndRefund).await;
    let approve = path(&env, "returns", &back, "approve");
    let (status, body) = env.app.post(&approve, &operator(&env), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["decision"], "APPROVE_RETURN");
    assert_eq!(body["status"], "AWAITING_BUYER_SHIP");
    let now = env.sandbox.state().now();
    env.sandbox.state().with_world(|w| {
        sb_returns::set_return_status(
            w,
            back.parse().unwrap(),
            ReturnStatus::BuyerShippedItem,
            now,
        )
    });
    let (status, body) = env.app.post(&approve, &operator(&env), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["decision"], "APPROVE_RECEIVED_PACKAGE");
    assert_eq!(body["status"], "RETURN_OR_REFUND_REQUEST_SUCCESS");
    assert_eq!(
        local_return(&env, &back).await.status,
        "RETURN_OR_REFUND_REQUEST_SUCCESS"
    );

    // Nothing pending any more: a second decision is a 409, and nothing is sent.
    let approvals = env.count_requests(&format!("/return_refund/202309/returns/{back}/approve"));
    let (status, body) = env.app.post(&approve, &operator(&env), json!({})).await;
    assert_error(status, &body, 409, "no_decision_pending");
    assert_eq!(
        env.count_requests(&format!("/return_refund/202309/returns/{back}/approve")),
        approvals
    );

    // A buyer's cancellation: approved.
    let waiting = place_orders(&env, 1, "AWAITING_SHIPMENT").await;
    let cancel = open_cancellations(&env, &waiting)[0].to_string();
    let (status, body) = env
        .app
        .post(
            &path(&env, "cancellations", &cancel, "approve"),
            &operator(&env),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["kind"].as_str(), body["decision"].as_str()),
        (Some("cancellation"), Some("APPROVE"))
    );
    assert_eq!(body["status"], "CANCELLATION_REQUEST_COMPLETE");
    assert_eq!(
        local_cancellation(&env, &cancel).await.status,
        "CANCELLATION_REQUEST_COMPLETE"
    );

    // Every decision TikTok took is audited, with TikTok's request id (a refusal before anything
    // was sent is not a write).
    let rows = audit(&env).await;
    let mut actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        [
            "cancellation.approve",
            "return.approve",
            "return.approve",
            "return.approve"
        ],
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .all(|r| r["outcome"] == "succeeded" && r["tiktok_request_id"].is_string()),
        "{rows:?}"
    );
}

#[tokio::test]
async fn a_rejection_names_a_reason_tiktok_accepts_now() {
    let env = returns_env(0).await;
    let id = open_return(&env, ReturnType::Refund).await;
    let names = reasons(&env, "returns", &id).await;
    assert!(!names.is_empty(), "a pending return has reject reasons");
    let reject = path(&env, "returns", &id, "reject");
    let rejections = || env.count_requests(&format!("/return_refund/202606/returns/{id}/reject"));

    for (body, field) in [
        (json!({}), "body"),
        (json!({"reason": ""}), "reason"),
        (json!({"reason": "made_up_reason"}), "reason"),
        (
            json!({"reason": names[0], "comment": "x".repeat(501)}),
            "comment",
        ),
        (json!({"reason": names[0], "extra": 1}), "body"),
    ] {
        let (status, answer) = env.app.post(&reject, &operator(&env), body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        let text = answer.to_string();
        assert!(field == "body" || text.contains(field), "{body}: {answer}");
    }
    let (_, answer) = env
        .app
        .post(
            &reject,
            &operator(&env),
            json!({"reason": "made_up_reason"}),
        )
        .await;
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&names[0]),
        "the accepted names are listed: {message}"
    );
    assert_eq!(rejections(), 0, "nothing was sent");
    assert_eq!(
        sandbox_return_status(&env, &id),
        "RETURN_OR_REFUND_REQUEST_PENDING"
    );

    let (status, body) = env
        .app
        .post(
            &reject,
            &operator(&env),
            json!({"reason": names[0], "comment": "Not as described"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["decision"], "REJECT_REFUND");
    assert_eq!(
        local_return(&env, &id).await.status,
        sandbox_return_status(&env, &id)
    );
    assert_eq!(rejections(), 1);
    assert!(
        reasons(&env, "returns", &id).await.is_empty(),
        "no decision pending"
    );
    let return_reason = names[0].clone();

    // A buyer's cancellation rejected with one of its own reasons.
    let waiting = place_orders(&env, 1, "AWAITING_SHIPMENT").await;
    let cancel = open_cancellations(&env, &waiting)[0].to_string();
    let names = reasons(&env, "cancellations", &cancel).await;
    let (status, body) = env
        .app
        .post(
            &path(&env, "cancellations", &cancel, "reject"),
            &operator(&env),
            json!({"reason": names[0]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["decision"], "REJECT");
    assert_eq!(
        local_cancellation(&env, &cancel).await.status,
        body["status"].as_str().unwrap()
    );
    let rows = audit(&env).await;
    assert_eq!(rows[0]["action"], "cancellation.reject");
    assert_eq!(rows[1]["action"], "return.reject");
    assert_eq!(rows[1]["request"]["reason"], return_reason);
    assert_eq!(rows[1]["request"]["comment"], "Not as described");
}

#[tokio::test]
async fn a_decision_tiktok_refuses_is_a_409_with_its_words() {
    let env = returns_env(0).await;
    // The buyer asked to cancel, but the order has shipped since: TikTok refuses the approval.
    let waiting = place_orders(&env, 1, "AWAITING_SHIPMENT").await;
    let cancel = open_cancellations(&env, &waiting)[0].to_string();
    env.control(
        &format!("/_sandbox/orders/{}/advance", waiting[0]),
        json!({"to": "AWAITING_COLLECTION"}),
    )
    .await;
    let (status, body) = env
        .app
        .post(
            &path(&env, "cancellations", &cancel, "approve"),
            &operator(&env),
            json!({}),
        )
        .await;
    assert_error(status, &body, 409, "decision_refused");
    let details = &body["error"]["details"][0];
    assert!(details["tiktok_code"].is_number(), "{body}");
    assert!(details["tiktok_message"].is_string(), "{body}");
    assert!(details["tiktok_request_id"].is_string(), "{body}");
    let rows = audit(&env).await;
    assert_eq!(
        (rows[0]["action"].as_str(), rows[0]["outcome"].as_str()),
        (Some("cancellation.approve"), Some("failed"))
    );
}

#[tokio::test]
async fn a_lost_answer_is_settled_by_reading_back_and_never_decided_twice() {
    let env = returns_env(0).await;
    let id = open_return(&env, ReturnType::Refund).await;
    let approve = path(&env, "returns", &id, "approve");
    // The approval's answer is lost after TikTok took it (call 1: after the read, call 0).
    lose_answers(&env, |i| i == 1);
    let (status, body, _) = post_with_key(&env, &approve, "decide-1", json!({})).await;
    env.sandbox.state().set_faults(Faults::default(), None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["already_decided"], true);
    assert_eq!(body["status"], "RETURN_OR_REFUND_REQUEST_SUCCESS");
    // Sent, lost, sent again by the client and refused: TikTok took it once.
    assert_eq!(
        env.count_requests(&format!("/return_refund/202309/returns/{id}/approve")),
        2
    );
    let approvals = env.sandbox.state().with_world(|w| {
        w.returns[&id.parse().unwrap()]
            .records
            .iter()
            .filter(|r| r.role == "SELLER")
            .count()
    });
    assert_eq!(approvals, 1, "decided once");
    // The same key answers the same answer again.
    let (status, again, replayed) = post_with_key(&env, &approve, "decide-1", json!({})).await;
    assert_eq!((status, replayed), (200, true));
    assert_eq!(again, body);
}

#[tokio::test]
async fn decisions_need_the_operator_role_the_returns_area_and_a_tiktok_id() {
    let env = returns_env(0).await;
    let id = open_return(&env, ReturnType::Refund).await;
    let approve = path(&env, "returns", &id, "approve");
    let viewer = env.app.token("acme", Role::Viewer);
    let (status, body) = env.app.post(&approve, &viewer, json!({})).await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body) = env
        .app
        .get(&path(&env, "returns", &id, "reject-reasons"), &viewer)
        .await;
    assert_error(status, &body, 403, "forbidden");
    let other = env.app.token("globex", Role::Admin);
    let (status, body) = env.app.post(&approve, &other, json!({})).await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = env
        .app
        .post(
            &path(&env, "returns", "not-an-id", "approve"),
            &operator(&env),
            json!({}),
        )
        .await;
    assert_error(status, &body, 400, "invalid_field");
    let (status, body) = env
        .app
        .post(
            &path(&env, "returns", "4242", "approve"),
            &operator(&env),
            json!({}),
        )
        .await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = env
        .app
        .post(
            &approve,
            &operator(&env),
            json!({"decision": "APPROVE_REFUND"}),
        )
        .await;
    assert_error(status, &body, 400, "invalid_field");

    let (status, body) = env
        .app
        .put(
            &env.shop_path("/features"),
            &env.app.admin(),
            json!({"features": {"returns": false}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = env.app.post(&approve, &operator(&env), json!({})).await;
    assert_error(status, &body, 409, "feature_disabled");
    assert_eq!(
        sandbox_return_status(&env, &id),
        "RETURN_OR_REFUND_REQUEST_PENDING"
    );
    assert_eq!(
        env.count_requests(&format!("/return_refund/202309/returns/{id}/approve")),
        0
    );
}

#[tokio::test]
async fn the_views_show_what_tiktok_awaits_by_when_the_way_back_and_the_history() {
    let env = returns_env(0).await;
    let id = open_return(&env, ReturnType::ReturnAndRefund).await;
    crate::sync::sync(&env, json!({"resources": ["returns"]})).await;
    crate::sync::drain(&env).await;
    let detail = env.shop_path(&format!("/returns/{id}"));
    let (status, body) = env.app.get(&detail, &operator(&env)).await;
    assert_eq!(status, 200, "{body}");
    let awaiting = &body["return"]["awaiting_decision"];
    assert_eq!(awaiting["action"], "SELLER_RESPOND_RETURN", "{body}");
    let decide_by: chrono::DateTime<chrono::Utc> =
        awaiting["decide_by"].as_str().unwrap().parse().unwrap();
    let now = chrono::DateTime::from_timestamp(env.sandbox.state().now(), 0).unwrap();
    assert!(
        decide_by > now,
        "the deadline is ahead: {decide_by} vs {now}"
    );
    assert_eq!(body["return"]["return_shipment"], Value::Null);

    // Approved: nothing awaited until the parcel is back.
    let (status, answer) = env
        .app
        .post(
            &path(&env, "returns", &id, "approve"),
            &operator(&env),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let (_, body) = env.app.get(&detail, &operator(&env)).await;
    assert_eq!(body["return"]["awaiting_decision"], Value::Null, "{body}");

    // The buyer shipped it: its tracking shows, and TikTok awaits the receipt.
    let now = env.sandbox.state().now();
    env.sandbox.state().with_world(|w| {
        sb_returns::set_return_status(w, id.parse().unwrap(), ReturnStatus::BuyerShippedItem, now)
    });
    crate::sync::advance_both(&env, chrono::Duration::minutes(1)).await;
    crate::sync::sync(&env, json!({"resources": ["returns"]})).await;
    crate::sync::drain(&env).await;
    let (_, body) = env.app.get(&detail, &operator(&env)).await;
    assert_eq!(
        body["return"]["awaiting_decision"]["action"], "SELLER_RESPOND_RECEIVE_PACKAGE",
        "{body}"
    );
    assert!(
        body["return"]["return_shipment"]["tracking_number"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{body}"
    );

    // Its history: the buyer's request first, the seller's approval after.
    let (status, history) = env
        .app
        .get(
            &path(&env, "returns", &id, "history"),
            &env.app.token("acme", Role::Viewer),
        )
        .await;
    assert_eq!(status, 200, "{history}");
    let items = history["items"].as_array().unwrap();
    assert!(items.len() >= 3, "{history}");
    assert_eq!(items[0]["role"], "BUYER", "{history}");
    assert!(items.iter().any(|r| r["role"] == "SELLER"), "{history}");
    assert!(
        items
            .iter()
            .all(|r| r["at"].is_string() && r["description"].is_string()),
        "{history}"
    );
    let (status, body) = env
        .app
        .get(&path(&env, "returns", "4242", "history"), &operator(&env))
        .await;
    assert_error(status, &body, 404, "not_found");
}

/// Past TikTok's deadline the seller no longer decides: TikTok approved for them, and a late
/// decision finds nothing pending (nothing is sent); the row shows TikTok's decision.
#[tokio::test]
async fn past_the_deadline_tiktok_has_decided_and_a_late_decision_sends_nothing() {
    let env = returns_env(0).await;
    let id = open_return(&env, ReturnType::Refund).await;
    crate::sync::advance_both(&env, chrono::Duration::days(3)).await;
    let reasons = reasons(&env, "returns", &id).await;
    assert!(reasons.is_empty(), "{reasons:?}");
    let (status, body) = env
        .app
        .post(
            &path(&env, "returns", &id, "reject"),
            &operator(&env),
            json!({"reason": "seller_reject_apply_product_as_described"}),
        )
        .await;
    assert_error(status, &body, 409, "no_decision_pending");
    assert_eq!(
        env.count_requests(&format!("/return_refund/202606/returns/{id}/reject")),
        0
    );
    let row = local_return(&env, &id).await;
    assert_eq!(row.status, "RETURN_OR_REFUND_REQUEST_SUCCESS");
    assert_eq!(row.next_action, None);
}

/// The ERP's count of a SKU in a warehouse.
async fn on_hand(env: &SandboxEnv, sku: &str, warehouse: &str) -> Option<i64> {
    entity::erp_stock::Entity::find_by_id((
        env.shop_id.clone(),
        sku.to_owned(),
        warehouse.to_owned(),
    ))
    .one(&env.app.state.db)
    .await
    .unwrap()
    .map(|c| c.on_hand)
}

/// A return-and-refund of a delivered order, walked by the seller to the package received; answers
/// (return id, its SKU, the order's warehouse, the units returned of that SKU) once the ERP counts
/// 10 of that SKU there.
async fn received_return(env: &SandboxEnv) -> (String, String, String, i64) {
    let id = open_return(env, ReturnType::ReturnAndRefund).await;
    let (sku, warehouse, units) = env.sandbox.state().with_world(|w| {
        let r = &w.returns[&id.parse().unwrap()];
        let order = &w.orders[&r.order_id];
        let line = order
            .line_items
            .iter()
            .find(|l| r.line_item_ids.contains(&l.id))
            .unwrap();
        let units = order
            .line_items
            .iter()
            .filter(|l| r.line_item_ids.contains(&l.id) && l.sku_id == line.sku_id)
            .count() as i64;
        (
            line.sku_id.to_string(),
            order.warehouse_id.to_string(),
            units,
        )
    });
    crate::sync::sync(
        env,
        json!({"resources": ["orders", "products", "warehouses"], "mode": "full"}),
    )
    .await;
    crate::sync::drain(env).await;
    let (status, body) = env
        .app
        .put(
            &env.shop_path(&format!("/inventory/{sku}/stock")),
            &operator(env),
            json!({"warehouse_id": warehouse, "on_hand": 10}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let approve = path(env, "returns", &id, "approve");
    let (status, body) = env.app.post(&approve, &operator(env), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        on_hand(env, &sku, &warehouse).await,
        Some(10),
        "approving the return moves nothing"
    );
    let now = env.sandbox.state().now();
    env.sandbox.state().with_world(|w| {
        sb_returns::set_return_status(w, id.parse().unwrap(), ReturnStatus::BuyerShippedItem, now)
    });
    (id, sku, warehouse, units)
}

#[tokio::test]
async fn a_received_return_puts_its_units_back_once_and_tiktok_is_told() {
    let env = returns_env(0).await;
    let (id, sku, warehouse, units) = received_return(&env).await;
    let (status, body) = env
        .app
        .post(
            &path(&env, "returns", &id, "approve"),
            &operator(&env),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["decision"], "APPROVE_RECEIVED_PACKAGE");
    assert_eq!(
        on_hand(&env, &sku, &warehouse).await,
        Some(10 + units),
        "back on the shelf"
    );
    // TikTok was told, and the stock history names the return.
    let (status, history) = env
        .app
        .get(
            &env.shop_path(&format!("/inventory/{sku}/history")),
            &operator(&env),
        )
        .await;
    assert_eq!(status, 200, "{history}");
    assert!(
        history["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["source"] == "return"),
        "{history}"
    );
    // The sync and a webhook report it again: restocked once.
    crate::sync::advance_both(&env, chrono::Duration::minutes(1)).await;
    crate::sync::sync(&env, json!({"resources": ["returns"], "mode": "full"})).await;
    crate::sync::drain(&env).await;
    let shop = env.tiktok_shop_id().await;
    let data = json!({"return_id": id, "return_status": "RETURN_OR_REFUND_REQUEST_SUCCESS"});
    let body = event_body(&shop, 12, "7400000000000000012", data);
    let (status, _) = deliver(&env, &body, Some(sign(APP_KEY, APP_SECRET_TT, &body))).await;
    assert_eq!(status, 200);
    settle(&env).await;
    assert_eq!(
        on_hand(&env, &sku, &warehouse).await,
        Some(10 + units),
        "once"
    );
}

#[tokio::test]
async fn a_shop_that_restocks_never_leaves_the_count_alone() {
    let env = returns_env(0).await;
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/inventory-settings"),
            &env.app.admin(),
            json!({"restock_returns": "never"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["restock_returns"], "never");
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/inventory-settings"),
            &env.app.admin(),
            json!({"restock_returns": "sometimes"}),
        )
        .await;
    assert_error(status, &body, 400, "invalid_field");
    let (id, sku, warehouse, _) = received_return(&env).await;
    let (status, body) = env
        .app
        .post(
            &path(&env, "returns", &id, "approve"),
            &operator(&env),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(on_hand(&env, &sku, &warehouse).await, Some(10));
}

/// TikTok accepted the package for the seller (its deadline passed): the sync that reports it
/// restocks, as the ERP's own decision would.
#[tokio::test]
async fn a_package_tiktok_accepted_at_its_deadline_is_restocked_by_the_sync() {
    let env = returns_env(0).await;
    let (_, sku, warehouse, units) = received_return(&env).await;
    crate::sync::advance_both(&env, chrono::Duration::days(3)).await;
    crate::sync::sync(&env, json!({"resources": ["returns"]})).await;
    crate::sync::drain(&env).await;
    assert_eq!(on_hand(&env, &sku, &warehouse).await, Some(10 + units));
}
