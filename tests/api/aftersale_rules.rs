//! Automatic decision rules against the sandbox: kept and checked (each bad field a 400 that names
//! it), tried by priority when a request arrives by webhook or sync, the first match deciding before
//! TikTok's deadline (audited with the rule as actor); dry run sends nothing; a rule that cannot be
//! evaluated, or whose decision TikTok refuses, leaves the request for a person and says why; a
//! replay of a period reports what the current rules would have decided.

use api::auth::Role;
use serde_json::{Value, json};
use tiktok_sandbox::world::ReturnType;

use crate::aftersales::{open_return, sandbox_return_status};
use crate::fulfillment::audit;
use crate::helpers::*;
use crate::returns::returns_env;
use crate::sandbox_env::*;
use crate::sync::operator;
use crate::webhook_env::{deliver, event_body, settle, sign};

fn rules_path(env: &SandboxEnv) -> String {
    env.shop_path("/aftersale-rules")
}

async fn add_rule(env: &SandboxEnv, rule: Value) -> Value {
    let (status, body) = env.app.post(&rules_path(env), &env.app.admin(), rule).await;
    assert_eq!(status, 201, "{body}");
    body
}

/// TikTok tells us of the return (RETURN_STATUS_CHANGE); the processor brings it and its order in.
async fn announce(env: &SandboxEnv, return_id: &str, n: u32) {
    let shop = env.tiktok_shop_id().await;
    let body = event_body(
        &shop,
        12,
        &format!("74000000000000{n:05}"),
        json!({"return_id": return_id, "return_status": "RETURN_OR_REFUND_REQUEST_PENDING"}),
    );
    let (status, _) = deliver(env, &body, Some(sign(APP_KEY, APP_SECRET_TT, &body))).await;
    assert_eq!(status, 200);
    settle(env).await;
}

async fn runs(env: &SandboxEnv) -> Vec<Value> {
    let (status, body) = env
        .app
        .get(&env.shop_path("/aftersale-decisions"), &operator(env))
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

fn approve_refunds(priority: i32, max: &str) -> Value {
    json!({"name": format!("Refunds up to {max}"), "priority": priority,
        "when": {"kinds": ["refund_only"], "max_refund": {"amount": max, "currency": "USD"}},
        "then": {"action": "approve"}})
}

#[tokio::test]
async fn rules_are_kept_checked_and_listed_by_priority() {
    let env = returns_env(0).await;
    let second = add_rule(&env, approve_refunds(20, "50.00")).await;
    let first = add_rule(&env, json!({"name": "Replacements by hand", "priority": 5, "when": {"kinds": ["replacement"]}, "then": {"action": "manual"}})).await;
    assert_eq!(second["dry_run"], false);
    let (status, list) = env
        .app
        .get(&rules_path(&env), &env.app.token("acme", Role::Viewer))
        .await;
    assert_eq!(status, 200, "{list}");
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Replacements by hand", "Refunds up to 50.00"]);

    let one = format!("{}/{}", rules_path(&env), second["id"].as_str().unwrap());
    let (status, replaced) = env
        .app
        .put(&one, &env.app.admin(), json!({"name": "Renamed", "priority": 1, "dry_run": true, "then": {"action": "approve"}}))
        .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(
        (replaced["name"].as_str(), replaced["dry_run"].as_bool()),
        (Some("Renamed"), Some(true))
    );
    assert_eq!(replaced["created_at"], second["created_at"]);
    let (_, read) = env.app.get(&one, &operator(&env)).await;
    assert_eq!(read, replaced);

    for (rule, field) in [
        (
            json!({"name": "x", "priority": 1, "when": {"max_refund": {"amount": "5.00", "currency": "GBP"}}, "then": {"action": "approve"}}),
            "when.max_refund.currency",
        ),
        (
            json!({"name": "x", "priority": 1, "then": {"action": "reject"}}),
            "then.reason",
        ),
        (
            json!({"name": " ", "priority": 1, "then": {"action": "approve"}}),
            "name",
        ),
        (
            json!({"name": "x", "priority": -1, "then": {"action": "approve"}}),
            "priority",
        ),
        (
            json!({"name": "x", "priority": 1, "when": {"skus": ["not-a-sku"]}, "then": {"action": "approve"}}),
            "when.skus",
        ),
    ] {
        let (status, body) = env
            .app
            .post(&rules_path(&env), &env.app.admin(), rule.clone())
            .await;
        assert_eq!(status, 400, "{rule}: {body}");
        assert_eq!(body["error"]["details"][0]["field"], field, "{body}");
    }
    let (status, body) = env
        .app
        .post(
            &rules_path(&env),
            &env.app.admin(),
            json!({"name": "x", "priority": 1, "then": {"action": "approve"}, "extra": 1}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = env
        .app
        .post(
            &rules_path(&env),
            &operator(&env),
            approve_refunds(1, "1.00"),
        )
        .await;
    assert_error(status, &body, 403, "forbidden");

    let (status, _) = env.app.delete(&one, &env.app.admin()).await;
    assert_eq!(status, 204);
    let (status, body) = env.app.get(&one, &operator(&env)).await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = env.app.delete(&one, &env.app.admin()).await;
    assert_error(status, &body, 404, "not_found");
    let (_, list) = env.app.get(&rules_path(&env), &operator(&env)).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], first["id"]);
    let actions: Vec<String> = audit(&env)
        .await
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        actions.contains(&"aftersale_rule.create".to_owned()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"aftersale_rule.delete".to_owned()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn the_first_matching_rule_decides_a_request_that_arrives_by_webhook() {
    let env = returns_env(0).await;
    // Tried first but does not match (the refund is above a cent); the second matches.
    add_rule(&env, approve_refunds(10, "0.01")).await;
    let deciding = add_rule(&env, approve_refunds(20, "100000.00")).await;
    let id = open_return(&env, ReturnType::Refund).await;
    announce(&env, &id, 1).await;
    assert_eq!(
        sandbox_return_status(&env, &id),
        "RETURN_OR_REFUND_REQUEST_SUCCESS",
        "decided before the deadline"
    );
    let runs = runs(&env).await;
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["outcome"], "decided");
    assert_eq!(runs[0]["rule_id"], deciding["id"]);
    assert_eq!(runs[0]["action"], "approve");
    assert_eq!(runs[0]["pending_action"], "SELLER_RESPOND_REFUND");
    let rows = audit(&env).await;
    let decided = rows
        .iter()
        .find(|r| r["action"] == "return.approve")
        .expect("audited");
    assert_eq!(
        decided["actor"],
        format!("rule:{}", deciding["id"].as_str().unwrap())
    );
    assert!(decided["tiktok_request_id"].is_string());
    // TikTok tells us again: the rules ran once.
    announce(&env, &id, 2).await;
    assert_eq!(crate::aftersale_rules::runs(&env).await.len(), 1);
}

#[tokio::test]
async fn a_rule_in_dry_run_records_its_decision_and_sends_nothing() {
    let env = returns_env(0).await;
    let mut rule = approve_refunds(10, "100000.00");
    rule["dry_run"] = json!(true);
    add_rule(&env, rule).await;
    let id = open_return(&env, ReturnType::Refund).await;
    crate::sync::sync(&env, json!({"resources": ["orders", "returns"]})).await;
    crate::sync::drain(&env).await;
    let runs = runs(&env).await;
    assert_eq!(
        (runs[0]["outcome"].as_str(), runs[0]["dry_run"].as_bool()),
        (Some("recorded"), Some(true)),
        "{runs:?}"
    );
    assert_eq!(runs[0]["action"], "approve");
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
async fn a_request_no_rule_can_decide_is_left_for_a_person_with_the_reason() {
    let env = returns_env(0).await;
    // The products are not synced: a category condition cannot be checked.
    add_rule(&env, json!({"name": "Not these categories", "priority": 1, "when": {"kinds": ["replacement"], "exclude_categories": ["1"]}, "then": {"action": "approve"}})).await;
    // A rejection with a reason TikTok does not accept: TikTok is never asked, a person decides.
    add_rule(&env, json!({"name": "No refunds", "priority": 2, "when": {"kinds": ["refund_only"]}, "then": {"action": "reject", "reason": "no_such_reason"}})).await;
    let replacement = open_return(&env, ReturnType::Replacement).await;
    announce(&env, &replacement, 1).await;
    let refund = open_return(&env, ReturnType::Refund).await;
    let sent = env.count_requests(&format!("/return_refund/202606/returns/{refund}/reject"));
    announce(&env, &refund, 2).await;
    let runs = runs(&env).await;
    let of = |id: &str| runs.iter().find(|r| r["request_id"] == id).unwrap().clone();
    let left = of(&replacement);
    assert_eq!(left["outcome"], "left", "{left}");
    assert!(
        left["detail"].as_str().unwrap().contains("category"),
        "{left}"
    );
    let failed = of(&refund);
    assert_eq!(failed["outcome"], "failed", "{failed}");
    assert!(
        failed["detail"]
            .as_str()
            .unwrap()
            .contains("no_such_reason"),
        "{failed}"
    );
    assert_eq!(
        sandbox_return_status(&env, &replacement),
        "RETURN_OR_REFUND_REQUEST_PENDING"
    );
    assert_eq!(
        sandbox_return_status(&env, &refund),
        "RETURN_OR_REFUND_REQUEST_PENDING"
    );
    assert_eq!(
        env.count_requests(&format!("/return_refund/202606/returns/{refund}/reject")),
        sent
    );
}

#[tokio::test]
async fn a_rejecting_rule_rejects_with_its_reason() {
    let env = returns_env(0).await;
    add_rule(&env, json!({"name": "Refunds need a look", "priority": 1, "when": {"kinds": ["refund_only"], "reasons": ["damaged"]}, "then": {"action": "reject", "reason": "seller_reject_apply_product_as_described"}})).await;
    let id = open_return(&env, ReturnType::Refund).await;
    announce(&env, &id, 1).await;
    assert_eq!(
        sandbox_return_status(&env, &id),
        "REFUND_OR_RETURN_REQUEST_REJECT"
    );
    let runs = runs(&env).await;
    assert_eq!(
        (runs[0]["outcome"].as_str(), runs[0]["action"].as_str()),
        (Some("decided"), Some("reject")),
        "{runs:?}"
    );
}

#[tokio::test]
async fn a_replay_reports_what_the_current_rules_would_have_decided() {
    let env = returns_env(0).await;
    let start = chrono::DateTime::from_timestamp(env.sandbox.state().now(), 0).unwrap();
    let refund = open_return(&env, ReturnType::Refund).await;
    let replacement = open_return(&env, ReturnType::Replacement).await;
    crate::sync::sync(&env, json!({"resources": ["orders", "returns"]})).await;
    crate::sync::drain(&env).await;
    // Added after they arrived: the replay shows what they would do, and decides nothing.
    add_rule(&env, approve_refunds(1, "100000.00")).await;
    let (status, replay) = env
        .app
        .post(
            &format!("{}/simulate", rules_path(&env)),
            &operator(&env),
            json!({"from": start - chrono::Duration::minutes(1), "to": start + chrono::Duration::days(1)}),
        )
        .await;
    assert_eq!(status, 200, "{replay}");
    let items = replay["items"].as_array().unwrap();
    let of = |id: &str| items.iter().find(|i| i["id"] == id).unwrap().clone();
    assert_eq!(of(&refund)["action"], "approve");
    assert_eq!(of(&refund)["rule_name"], "Refunds up to 100000.00");
    assert_eq!(of(&replacement)["action"], "manual");
    assert_eq!(of(&replacement)["why"], "no rule matched");
    assert_eq!(replay["totals"]["approved"]["count"], 1);
    assert_eq!(
        replay["totals"]["approved"]["refund"],
        of(&refund)["refund"]["amount"]
    );
    assert_eq!(replay["totals"]["left"]["count"], items.len() as u64 - 1);
    assert_eq!(replay["totals"]["currency"], "USD");
    assert_eq!(
        sandbox_return_status(&env, &refund),
        "RETURN_OR_REFUND_REQUEST_PENDING",
        "nothing sent"
    );
    let (status, body) = env
        .app
        .post(
            &format!("{}/simulate", rules_path(&env)),
            &operator(&env),
            json!({"from": start, "to": start}),
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
    let (status, body) = env.app.get(&rules_path(&env), &operator(&env)).await;
    assert_error(status, &body, 409, "feature_disabled");
}

/// With the returns area off, TikTok's events about returns are kept, not processed: no rule
/// decides anything, and nothing is sent, until the area is on again.
#[tokio::test]
async fn with_the_returns_area_off_no_rule_decides() {
    let env = returns_env(0).await;
    add_rule(&env, approve_refunds(1, "100000.00")).await;
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/features"),
            &env.app.admin(),
            json!({"features": {"returns": false}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let id = open_return(&env, ReturnType::Refund).await;
    announce(&env, &id, 1).await;
    assert_eq!(
        sandbox_return_status(&env, &id),
        "RETURN_OR_REFUND_REQUEST_PENDING"
    );
    assert_eq!(
        env.count_requests(&format!("/return_refund/202309/returns/{id}/approve")),
        0
    );
    let (status, body) = env
        .app
        .get(&env.shop_path("/aftersale-decisions"), &operator(&env))
        .await;
    assert_error(status, &body, 409, "feature_disabled");
    let (status, body) = env
        .app
        .post(
            &env.shop_path("/sync"),
            &operator(&env),
            json!({"resources": ["returns"]}),
        )
        .await;
    assert_error(status, &body, 409, "feature_disabled");
    let runs = {
        use sea_orm::EntityTrait;
        entity::aftersale_rule_run::Entity::find()
            .all(&env.app.state.db)
            .await
            .unwrap()
    };
    assert!(runs.is_empty(), "{runs:?}");
}
