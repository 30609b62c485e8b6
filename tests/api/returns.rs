//! Returns and cancellations against the sandbox: after a full sync the local rows equal the
//! sandbox's; an incremental sync picks up a change; a return or cancellation webhook refetches the
//! request and its order; an older state never overwrites a newer one; the ERP views with their
//! filters, pages and 4xx paths; and the returns area's toggle.

use api::auth::Role;
use api::sync::returns::{self as after_sales, Kind};
use entity::{sync_job, tiktok_order, tiktok_return};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tiktok_sandbox::routes::returns as sb_returns;
use tiktok_sandbox::world::{CancelStatus, ReturnType};

use crate::helpers::*;
use crate::returns_env::*;
use crate::sandbox_env::*;
use crate::sync::{
    advance_both, all_pages, connected_with, drain, drive_by_hand, job, operator, sandbox_shop,
    sync,
};
use crate::webhooks::{deliver, event_body, settle, sign};

async fn set_area(env: &SandboxEnv, area: &str, on: bool) {
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/features"),
            &env.app.admin(),
            json!({"features": {area: on}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// A connected shop with the returns area on, driven by hand.
pub(crate) async fn returns_env(orders: usize) -> SandboxEnv {
    let env = connected_with(|c| {
        c.orders = orders;
        c.products = 10;
    })
    .await;
    set_area(&env, "returns", true).await;
    drive_by_hand(&env);
    env
}

/// Places `count` orders in the sandbox and walks them to `status`; answers their ids.
pub(crate) async fn place_orders(env: &SandboxEnv, count: usize, status: &str) -> Vec<u64> {
    let shop = sandbox_shop(env).await;
    let placed = env
        .control(
            &format!("/_sandbox/shops/{shop}/orders"),
            json!({"count": count, "status": status}),
        )
        .await;
    placed["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// A buyer asks to return each delivered order (refund only); answers the return ids.
fn open_returns(env: &SandboxEnv, orders: &[u64]) -> Vec<u64> {
    let state = env.sandbox.state();
    let now = state.now();
    state.with_world(|w| {
        orders
            .iter()
            .filter_map(|o| sb_returns::open_return(w, *o, ReturnType::Refund, "Damaged", now))
            .collect()
    })
}

/// A buyer asks to cancel each order (pending the seller's answer); answers the cancel ids.
pub(crate) fn open_cancellations(env: &SandboxEnv, orders: &[u64]) -> Vec<u64> {
    let state = env.sandbox.state();
    let now = state.now();
    state.with_world(|w| {
        orders
            .iter()
            .filter_map(|o| {
                sb_returns::open_cancellation(
                    w,
                    *o,
                    "BUYER",
                    "Changed mind",
                    CancelStatus::RequestPending,
                    now,
                )
            })
            .collect()
    })
}

async fn local_order(env: &SandboxEnv, id: &str) -> Option<tiktok_order::Model> {
    tiktok_order::Entity::find_by_id((env.shop_id.clone(), id.to_owned()))
        .one(&env.app.state.db)
        .await
        .unwrap()
}

/// Calls TikTok's seller API as the shop (as an operator's action would).
async fn seller_call(env: &SandboxEnv, path: &str, body: Value) {
    let mut session = env.session().await;
    session
        .call::<Value>(
            env.app.state.access(),
            Method::POST,
            path,
            vec![],
            Some(body),
        )
        .await
        .unwrap_or_else(|e| panic!("{path}: {e:?}"));
}

#[tokio::test]
async fn a_full_sync_makes_local_returns_and_cancellations_equal_the_sandbox() {
    let env = returns_env(40).await;
    // More than one page (50) of each.
    let delivered = place_orders(&env, 55, "DELIVERED").await;
    assert!(open_returns(&env, &delivered).len() >= 51);
    let waiting = place_orders(&env, 52, "AWAITING_SHIPMENT").await;
    assert_eq!(open_cancellations(&env, &waiting).len(), 52);
    let accepted = sync(
        &env,
        json!({"resources": ["returns", "cancellations"], "mode": "full"}),
    )
    .await;
    drain(&env).await;
    for j in accepted["jobs"].as_array().unwrap() {
        let done = job(&env, j["id"].as_str().unwrap()).await;
        assert_eq!(done["state"], "succeeded", "{done}");
        assert_eq!(done["mode"], "full");
        assert!(done["progress"]["pages"].as_u64().unwrap() >= 2, "{done}");
        assert_eq!(done["progress"]["skipped"], 0, "{done}");
        assert_eq!(
            done["progress"]["items"], done["progress"]["total"],
            "{done}"
        );
    }
    assert_match(&env, Kind::Return).await;
    assert_match(&env, Kind::Cancellation).await;
    // The newest paths, never the 202309 ones.
    assert!(env.count_requests(after_sales::RETURNS_PATH) >= 2);
    assert!(env.count_requests(after_sales::CANCELLATIONS_PATH) >= 2);
    assert_eq!(
        env.count_requests("/return_refund/202309/returns/search"),
        0
    );
    // A second full sync changes nothing and doubles nothing.
    sync(
        &env,
        json!({"resources": ["returns", "cancellations"], "mode": "full"}),
    )
    .await;
    drain(&env).await;
    assert_match(&env, Kind::Return).await;
    assert_match(&env, Kind::Cancellation).await;
    // Without a list, the enabled returns area brings both.
    let all = sync(&env, json!({})).await;
    let mut resources: Vec<&str> = all["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["resource"].as_str().unwrap())
        .collect();
    resources.sort();
    assert_eq!(
        resources,
        [
            "cancellations",
            "inventory",
            "orders",
            "products",
            "returns",
            "warehouses"
        ]
    );
}

#[tokio::test]
async fn an_incremental_sync_picks_up_a_return_whose_status_changed_and_a_new_one() {
    let env = returns_env(30).await;
    let delivered = place_orders(&env, 6, "DELIVERED").await;
    // Older ones, beyond the overlap window of the next incremental sync.
    open_returns(&env, &delivered[..4]);
    advance_both(&env, chrono::Duration::minutes(10)).await;
    let first = open_returns(&env, &delivered[4..5])[0].to_string();
    sync(&env, json!({"resources": ["returns"], "mode": "full"})).await;
    drain(&env).await;
    assert_match(&env, Kind::Return).await;
    let before = local(&env, Kind::Return).await[&first].clone();
    assert_eq!(before.1, "RETURN_OR_REFUND_REQUEST_PENDING");

    advance_both(&env, chrono::Duration::minutes(10)).await;
    seller_call(
        &env,
        &format!("/return_refund/202309/returns/{first}/approve"),
        json!({"decision": "APPROVE_REFUND"}),
    )
    .await;
    let second = open_returns(&env, &delivered[5..])[0].to_string();
    let accepted = sync(
        &env,
        json!({"resources": ["returns"], "mode": "incremental"}),
    )
    .await;
    drain(&env).await;
    let done = job(&env, accepted["job_id"].as_str().unwrap()).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    // Only what changed since the mark (minus the overlap) is read again: the two.
    assert!(expected(&env, Kind::Return).await.len() >= 6);
    assert_eq!(done["progress"]["items"], 2, "{done}");
    assert_match(&env, Kind::Return).await;
    let after = local(&env, Kind::Return).await;
    assert_eq!(after[&first].1, "RETURN_OR_REFUND_REQUEST_SUCCESS");
    assert!(after[&first].3 > before.3);
    assert_eq!(after[&second].1, "RETURN_OR_REFUND_REQUEST_PENDING");
}

#[tokio::test]
async fn webhooks_refetch_the_return_or_cancellation_and_its_order_and_older_states_never_win() {
    let env = returns_env(20).await;
    let delivered = place_orders(&env, 1, "DELIVERED").await;
    let return_id = open_returns(&env, &delivered)[0].to_string();
    let waiting = place_orders(&env, 1, "AWAITING_SHIPMENT").await;
    let cancel_id = open_cancellations(&env, &waiting)[0].to_string();
    let (returned_order, cancelled_order) = (delivered[0].to_string(), waiting[0].to_string());
    sync(
        &env,
        json!({"resources": ["orders", "returns", "cancellations"], "mode": "full"}),
    )
    .await;
    drain(&env).await;
    let pending = local(&env, Kind::Return).await[&return_id].clone();
    let pending_cancel = local(&env, Kind::Cancellation).await[&cancel_id].clone();
    assert_eq!(pending_cancel.1, "CANCELLATION_REQUEST_PENDING");

    // TikTok moves both on; the webhooks say so (their data is only a hint: we refetch).
    advance_both(&env, chrono::Duration::minutes(5)).await;
    seller_call(
        &env,
        &format!("/return_refund/202309/returns/{return_id}/approve"),
        json!({"decision": "APPROVE_REFUND"}),
    )
    .await;
    seller_call(
        &env,
        &format!("/return_refund/202309/cancellations/{cancel_id}/approve"),
        json!({}),
    )
    .await;
    // The return's order is stale locally: only the return's webhook can bring it back.
    tiktok_order::Entity::delete_by_id((env.shop_id.clone(), returned_order.clone()))
        .exec(&env.app.state.db)
        .await
        .unwrap();
    let shop = env.tiktok_shop_id().await;
    let now = env.sandbox.state().now();
    let events = [
        (
            12,
            "7400000000000000001",
            json!({"order_id": returned_order, "return_id": return_id, "return_role": "BUYER",
                "return_type": "REFUND", "return_status": "RETURN_OR_REFUND_REQUEST_SUCCESS",
                "create_time": pending.3, "update_time": now}),
        ),
        (
            11,
            "7400000000000000002",
            json!({"order_id": cancelled_order.parse::<u64>().unwrap(), "cancel_id": cancel_id.parse::<u64>().unwrap(),
                "cancellations_role": "BUYER", "cancel_status": "CANCELLATION_REQUEST_COMPLETE", "create_time": now}),
        ),
    ];
    for (kind, id, data) in &events {
        let body = event_body(&shop, *kind, id, data.clone());
        let (status, _) = deliver(&env, &body, Some(sign(APP_KEY, APP_SECRET_TT, &body))).await;
        assert_eq!(status, 200);
    }
    settle(&env).await;
    let (_, processed) = env
        .app
        .get(
            &env.shop_path("/webhooks/events?state=processed"),
            &env.token,
        )
        .await;
    let names: Vec<&str> = processed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"RETURN_STATUS_CHANGE"), "{processed}");
    assert!(names.contains(&"CANCELLATION_STATUS_CHANGE"), "{processed}");
    assert_match(&env, Kind::Return).await;
    assert_match(&env, Kind::Cancellation).await;
    let newest = local(&env, Kind::Return).await[&return_id].clone();
    assert_eq!(newest.1, "RETURN_OR_REFUND_REQUEST_SUCCESS");
    assert_eq!(
        local(&env, Kind::Cancellation).await[&cancel_id].1,
        "CANCELLATION_REQUEST_COMPLETE"
    );
    let order = local_order(&env, &returned_order)
        .await
        .expect("the return's order is refetched");
    assert_eq!(order.status, "DELIVERED");
    assert_eq!(
        local_order(&env, &cancelled_order).await.unwrap().status,
        "CANCELLED"
    );

    // A late delivery of the older state: processed, and nothing goes back.
    let late = event_body(
        &shop,
        12,
        "7400000000000000003",
        json!({"order_id": returned_order, "return_id": return_id,
            "return_status": "RETURN_OR_REFUND_REQUEST_PENDING", "update_time": pending.3}),
    );
    deliver(&env, &late, Some(sign(APP_KEY, APP_SECRET_TT, &late))).await;
    settle(&env).await;
    assert_eq!(local(&env, Kind::Return).await[&return_id], newest);

    // The upsert itself refuses an older record, whoever brings it (a slow sync page, a slow refetch).
    let db = &env.app.state.db;
    let (mut old_return, mut old_cancel) = env.sandbox.state().with_world(|w| {
        let r = &w.returns[&return_id.parse::<u64>().unwrap()];
        let c = &w.cancellations[&cancel_id.parse::<u64>().unwrap()];
        (
            sb_returns::return_json(w, r),
            sb_returns::cancellation_json(w, c),
        )
    });
    old_return["return_status"] = json!("RETURN_OR_REFUND_REQUEST_PENDING");
    old_return["update_time"] = json!(pending.3);
    old_cancel["cancel_status"] = json!("CANCELLATION_REQUEST_PENDING");
    old_cancel["update_time"] = json!(pending_cancel.3);
    let at = env.app.state.clock.now();
    for (kind, raw) in [
        (Kind::Return, old_return.clone()),
        (Kind::Cancellation, old_cancel),
    ] {
        let record = after_sales::convert(kind, &env.shop_id, raw, at).unwrap();
        assert!(!after_sales::save(db, &record).await.unwrap(), "{kind:?}");
    }
    assert_match(&env, Kind::Return).await;
    assert_match(&env, Kind::Cancellation).await;
    // The same state again is written (a refresh), a newer one too.
    old_return["return_status"] = json!("RETURN_OR_REFUND_REQUEST_SUCCESS");
    old_return["update_time"] = json!(newest.3);
    let same = after_sales::convert(Kind::Return, &env.shop_id, old_return.clone(), at).unwrap();
    assert!(after_sales::save(db, &same).await.unwrap());
    old_return["return_status"] = json!("RETURN_OR_REFUND_REQUEST_COMPLETE");
    old_return["update_time"] = json!(newest.3 + 1);
    let newer = after_sales::convert(Kind::Return, &env.shop_id, old_return, at).unwrap();
    assert!(after_sales::save(db, &newer).await.unwrap());
    assert_eq!(
        local(&env, Kind::Return).await[&return_id].1,
        "RETURN_OR_REFUND_REQUEST_COMPLETE"
    );

    // An event that names nothing is kept as skipped, not retried.
    let nameless = event_body(&shop, 11, "7400000000000000004", json!({"order_id": "1"}));
    deliver(
        &env,
        &nameless,
        Some(sign(APP_KEY, APP_SECRET_TT, &nameless)),
    )
    .await;
    settle(&env).await;
    let (_, skipped) = env
        .app
        .get(&env.shop_path("/webhooks/events?state=skipped"), &env.token)
        .await;
    assert_eq!(skipped["items"][0]["event"], "CANCELLATION_STATUS_CHANGE");
    assert!(
        skipped["items"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("names no cancellation")
    );
}

#[tokio::test]
async fn the_erp_views_list_filter_page_and_show_returns_and_cancellations() {
    let env = returns_env(30).await;
    let delivered = place_orders(&env, 12, "DELIVERED").await;
    open_returns(&env, &delivered);
    let waiting = place_orders(&env, 9, "AWAITING_SHIPMENT").await;
    open_cancellations(&env, &waiting);
    sync(
        &env,
        json!({"resources": ["orders", "returns", "cancellations"], "mode": "full"}),
    )
    .await;
    drain(&env).await;
    let viewer = env.app.token("acme", Role::Viewer);
    for (kind, path) in [
        (Kind::Return, "/returns"),
        (Kind::Cancellation, "/cancellations"),
    ] {
        let want = expected(&env, kind).await;
        assert!(want.len() > 7, "{path}: more than one page");
        // Every record once, newest created first, over pages of 7.
        let items = all_pages(&env, path).await;
        let ids: Vec<String> = items
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, want.keys().cloned().collect::<Vec<_>>(), "{path}");
        let created: Vec<&str> = items
            .iter()
            .map(|i| i["create_time"].as_str().unwrap())
            .collect();
        assert!(created.windows(2).all(|w| w[0] >= w[1]), "{path}");
        // Filters.
        let (one_id, one) = want.iter().next_back().unwrap();
        let by_status = all_pages(&env, &format!("{path}?status={}", one.1)).await;
        assert_eq!(
            by_status.len(),
            want.values().filter(|v| v.1 == one.1).count()
        );
        let by_order = all_pages(&env, &format!("{path}?order_id={}", one.0)).await;
        assert_eq!(
            by_order.len(),
            want.values().filter(|v| v.0 == one.0).count()
        );
        assert!(by_order.iter().all(|i| i["order_id"] == one.0.as_str()));
        let times: Vec<i64> = want.values().map(|v| v.3).collect();
        let mid = (times.iter().min().unwrap() + times.iter().max().unwrap()) / 2;
        let at = chrono::DateTime::from_timestamp(mid, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ");
        let newer = all_pages(&env, &format!("{path}?updated_from={at}")).await;
        let older = all_pages(&env, &format!("{path}?updated_to={at}")).await;
        assert_eq!(newer.len(), times.iter().filter(|t| **t >= mid).count());
        assert_eq!(newer.len() + older.len(), want.len());
        // Detail with its order.
        let (status, detail) = env
            .app
            .get(&env.shop_path(&format!("{path}/{one_id}")), &viewer)
            .await;
        assert_eq!(status, 200, "{detail}");
        let record = match kind {
            Kind::Return => &detail["return"],
            Kind::Cancellation => &detail["cancellation"],
        };
        assert_eq!(record["id"], one_id.as_str());
        assert_eq!(record["status"], one.1.as_str());
        assert_eq!(record["refund"]["refund_total"], one.4.as_str());
        assert_eq!(record["line_items"].as_array().unwrap().len(), one.5);
        assert_eq!(detail["order"]["id"], one.0.as_str());
        let order = local_order(&env, &one.0).await.unwrap();
        assert_eq!(detail["order"]["status"], order.status.as_str());
    }

    // Bad requests change nothing and say what to fix.
    for (path, status, code) in [
        ("/returns?status=LOST_AT_SEA", 400, "invalid_field"),
        (
            "/returns?status=CANCELLATION_REQUEST_PENDING",
            400,
            "invalid_field",
        ),
        (
            "/cancellations?status=RETURN_OR_REFUND_REQUEST_PENDING",
            400,
            "invalid_field",
        ),
        ("/returns?order_id=abc", 400, "invalid_field"),
        ("/cancellations?order_id=", 400, "invalid_field"),
        ("/returns?updated_from=yesterday", 400, "invalid_query"),
        (
            "/cancellations?updated_from=2026-11-02T00:00:00Z&updated_to=2026-11-01T00:00:00Z",
            400,
            "invalid_field",
        ),
        ("/returns?limit=0", 400, "invalid_field"),
        ("/returns?limit=201", 400, "invalid_field"),
        ("/cancellations?cursor=nope", 400, "invalid_field"),
        ("/returns/123456789", 404, "not_found"),
        ("/cancellations/123456789", 404, "not_found"),
    ] {
        let (got, body) = env.app.get(&env.shop_path(path), &viewer).await;
        assert_error(got, &body, status, code);
    }
    let (one_return, _) = expected(&env, Kind::Return)
        .await
        .into_iter()
        .next()
        .unwrap();
    let paths = [
        "/returns".to_owned(),
        format!("/returns/{one_return}"),
        "/cancellations".to_owned(),
    ];
    let other = env.app.token("globex", Role::Admin);
    for path in &paths {
        let (status, body) = env.app.get(&env.shop_path(path), &other).await;
        assert_error(status, &body, 404, "not_found");
        let (status, _) = env.app.get(&env.shop_path(path), "").await;
        assert_eq!(status, 401);
    }
    set_area(&env, "returns", false).await;
    for path in &paths {
        let (status, body) = env.app.get(&env.shop_path(path), &viewer).await;
        assert_error(status, &body, 409, "feature_disabled");
    }
}

#[tokio::test]
async fn a_disabled_returns_area_is_refused_and_skipped_by_the_scheduler() {
    let env = connected_with(|_| {}).await;
    drive_by_hand(&env);
    let state = &env.app.state;
    // Off by default: refused, and not scheduled.
    for resource in ["returns", "cancellations"] {
        let (status, body) = env
            .app
            .post(
                &env.shop_path("/sync"),
                &operator(&env),
                json!({"resources": [resource]}),
            )
            .await;
        assert_error(status, &body, 409, "feature_disabled");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("returns")
        );
    }
    api::sync::scheduler::schedule_due(state.store())
        .await
        .unwrap();
    let resources_of_shop = || async {
        let mut r: Vec<String> = sync_job::Entity::find()
            .filter(sync_job::Column::ShopId.eq(&env.shop_id))
            .all(&env.app.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|j| j.resource)
            .collect();
        r.sort();
        r
    };
    assert_eq!(
        resources_of_shop().await,
        ["inventory", "orders", "products", "warehouses"]
    );
    drain(&env).await;
    assert_eq!(
        tiktok_return::Entity::find()
            .count(&env.app.state.db)
            .await
            .unwrap(),
        0
    );
    // On: the scheduler brings both with the next round.
    set_area(&env, "returns", true).await;
    advance_both(&env, chrono::Duration::minutes(15)).await;
    api::sync::scheduler::schedule_due(state.store())
        .await
        .unwrap();
    let resources = resources_of_shop().await;
    assert_eq!(resources.iter().filter(|r| *r == "returns").count(), 1);
    assert_eq!(
        resources.iter().filter(|r| *r == "cancellations").count(),
        1
    );
    drain(&env).await;
    for kind in [Kind::Return, Kind::Cancellation] {
        assert_eq!(local(&env, kind).await, expected(&env, kind).await);
    }
    // The API's document lists both resources.
    let (status, doc) = env.app.get("/api/openapi.json", "").await;
    assert_eq!(status, 200);
    let names = doc["components"]["schemas"]["Resource"]["enum"].to_string();
    assert!(
        names.contains("\"returns\"") && names.contains("\"cancellations\""),
        "{names}"
    );
}

#[tokio::test]
async fn a_return_event_with_the_orders_area_off_saves_the_return_and_leaves_orders_alone() {
    let env = returns_env(20).await;
    let delivered = place_orders(&env, 1, "DELIVERED").await;
    let return_id = open_returns(&env, &delivered)[0].to_string();
    set_area(&env, "orders", false).await;
    let shop = env.tiktok_shop_id().await;
    let body = event_body(
        &shop,
        12,
        "7400000000000000005",
        json!({"order_id": delivered[0].to_string(), "return_id": return_id}),
    );
    deliver(&env, &body, Some(sign(APP_KEY, APP_SECRET_TT, &body))).await;
    settle(&env).await;
    let (_, processed) = env
        .app
        .get(
            &env.shop_path("/webhooks/events?state=processed"),
            &env.token,
        )
        .await;
    assert_eq!(processed["items"][0]["event"], "RETURN_STATUS_CHANGE");
    let saved = local(&env, Kind::Return).await.remove(&return_id);
    assert!(saved.is_some());
    assert_eq!(saved, expected(&env, Kind::Return).await.remove(&return_id));
    assert!(local_order(&env, &delivered[0].to_string()).await.is_none());
}
