//! Live shopping against the sandbox: a session planned with its checks, applied as TikTok
//! activities (once, however often it is applied), run through the clock with orders at the deal
//! price counted on its board, ended with its results and TikTok's LIVE figures; a partial refusal
//! undone; a cancel ending what was made.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::promotions::{at, at_tiktok, promotions_env, skus};
use crate::sandbox_env::*;
use crate::sync::{advance_both, drain, operator, sandbox_shop, sync};

/// A session of `minutes` starting in an hour, with a flash-sale line and a whole-session line.
fn session(env: &SandboxEnv, skus: &[(String, String, f64)]) -> Value {
    let (p0, s0, price0) = &skus[0];
    let (p1, s1, price1) = &skus[1];
    json!({
        "title": "Friday live",
        "host": "@oceanoutfitters",
        "scheduled_start": at(env, 60),
        "duration_minutes": 60,
        "lines": [
            {"product_id": p0, "sku_id": s0, "special_price": {"amount": format!("{:.2}", price0 / 2.0), "currency": "USD"}, "stock_limit": 3,
             "flash_sale": {"start": at(env, 75), "duration_seconds": 600}},
            {"product_id": p1, "sku_id": s1, "special_price": {"amount": format!("{:.2}", price1 - 1.0), "currency": "USD"}, "stock_limit": 2}
        ]
    })
}

async fn plan(env: &SandboxEnv, body: Value) -> Value {
    let (status, made) = env
        .app
        .post(&env.shop_path("/live-sessions"), &operator(env), body)
        .await;
    assert_eq!(status, 201, "{made}");
    made
}

#[tokio::test]
async fn a_session_is_checked_line_by_line_before_anything_is_sent() {
    let env = promotions_env().await;
    let op = operator(&env);
    let skus = skus(&env).await;
    let base = session(&env, &skus);
    let before = env.requests().len();
    let line0 = |change: Value| {
        let mut body = base.clone();
        let mut line = base["lines"][0].clone();
        merge(&mut line, change);
        body["lines"][0] = line;
        body
    };
    let cases: Vec<(Value, &str)> = vec![
        (
            line0(
                json!({"special_price": {"amount": format!("{:.2}", skus[0].2 + 1.0), "currency": "USD"}}),
            ),
            "lines[0].special_price.amount",
        ),
        (
            line0(json!({"stock_limit": 100000})),
            "lines[0].stock_limit",
        ),
        (
            line0(json!({"sku_id": "1729999999999999999"})),
            "lines[0].sku_id",
        ),
        (
            line0(json!({"flash_sale": {"start": at(&env, 150), "duration_seconds": 600}})),
            "lines[0].flash_sale.start",
        ),
        (
            line0(json!({"flash_sale": {"start": at(&env, 75), "duration_seconds": 300}})),
            "lines[0].flash_sale.duration_seconds",
        ),
        (
            line0(json!({"warehouse_id": "123"})),
            "lines[0].warehouse_id",
        ),
        (
            {
                let mut b = base.clone();
                b["scheduled_start"] = json!(at(&env, -5));
                b
            },
            "scheduled_start",
        ),
        (
            {
                let mut b = base.clone();
                b["duration_minutes"] = json!(5);
                b
            },
            "duration_minutes",
        ),
        (
            {
                let mut b = base.clone();
                b["host"] = json!("not a handle");
                b
            },
            "host",
        ),
        (
            {
                let mut b = base.clone();
                b["lines"][1]["sku_id"] = b["lines"][0]["sku_id"].clone();
                b["lines"][1]["product_id"] = b["lines"][0]["product_id"].clone();
                b
            },
            "lines[1].sku_id",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = env
            .app
            .post(&env.shop_path("/live-sessions"), &op, body)
            .await;
        assert_error(status, &answer, 400, "invalid_field");
        assert_eq!(answer["error"]["details"][0]["field"], field, "{answer}");
    }
    assert_eq!(env.requests().len(), before, "planning calls no TikTok");
    // Another session selling the same SKU at an overlapping time.
    let first = plan(&env, base.clone()).await;
    let mut later = base.clone();
    later["scheduled_start"] = json!(at(&env, 70));
    let (status, body) = env
        .app
        .post(&env.shop_path("/live-sessions"), &op, later)
        .await;
    assert_error(status, &body, 409, "live_session_conflict");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(first["id"].as_str().unwrap()),
        "{body}"
    );
    // A change of a planned session, checked the same way.
    let path = env.shop_path(&format!("/live-sessions/{}", first["id"].as_str().unwrap()));
    let (status, body) = env
        .app
        .patch(&path, &op, json!({"duration_minutes": 90}))
        .await;
    assert_eq!(
        (status, body["duration_minutes"].as_i64()),
        (200, Some(90)),
        "{body}"
    );
    let (status, body) = env
        .app
        .patch(&path, &op, json!({"duration_minutes": 1000}))
        .await;
    assert_error(status, &body, 400, "invalid_field");
    let (status, _) = env.app.delete(&path, &op).await;
    assert_eq!(status, 204);
    let (status, body) = env.app.get(&path, &op).await;
    assert_error(status, &body, 404, "not_found");
}

#[tokio::test]
async fn a_session_applied_runs_with_the_clock_its_board_counts_and_it_ends_with_results() {
    let env = promotions_env().await;
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/features"),
            &env.app.admin(),
            json!({"features": {"analytics": true}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let op = operator(&env);
    let skus = skus(&env).await;
    let planned = plan(&env, session(&env, &skus)).await;
    assert_eq!(planned["state"], "planned");
    let id = planned["id"].as_str().unwrap().to_owned();
    let apply = env.shop_path(&format!("/live-sessions/{id}/apply"));
    let (status, applied) = env.app.post(&apply, &op, json!(null)).await;
    assert_eq!(status, 200, "{applied}");
    assert_eq!(applied["state"], "scheduled", "{applied}");
    let kinds: Vec<&str> = applied["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["activity_type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["FLASHSALE", "FIXED_PRICE"], "{applied}");
    assert_eq!(at_tiktok(&env).await.len(), 2);
    // Applying again makes nothing again.
    let (status, again) = env.app.post(&apply, &op, json!(null)).await;
    assert_eq!(
        (status, &again["activity_ids"]),
        (200, &applied["activity_ids"]),
        "{again}"
    );
    assert_eq!(at_tiktok(&env).await.len(), 2);
    // A scheduled session changes no more.
    let (status, body) = env
        .app
        .patch(
            &env.shop_path(&format!("/live-sessions/{id}")),
            &op,
            json!({"title": "x"}),
        )
        .await;
    assert_error(status, &body, 409, "live_session_not_planned");

    // Into the flash sale: the host goes live at TikTok, buyers order the flash SKU at its deal.
    let shop = sandbox_shop(&env).await;
    let start: chrono::DateTime<chrono::Utc> = planned["scheduled_start"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    env.control(
        &format!("/_sandbox/shops/{shop}/lives"),
        json!({"title": "Friday live", "username": "oceanoutfitters", "start_time": start.timestamp(), "end_time": start.timestamp() + 3600}),
    )
    .await;
    advance_both(&env, chrono::Duration::minutes(76)).await;
    let (_, live) = env
        .app
        .get(&env.shop_path(&format!("/live-sessions/{id}")), &op)
        .await;
    assert_eq!(live["state"], "live", "{live}");
    let flash_sku = &skus[0].1;
    env.control(
        &format!("/_sandbox/shops/{shop}/orders"),
        json!({"count": 2, "sku_ids": [flash_sku], "status": "AWAITING_SHIPMENT"}),
    )
    .await;
    sync(&env, json!({"resources": ["orders"]})).await;
    drain(&env).await;
    let deal = format!("{:.2}", skus[0].2 / 2.0);
    let board_path = env.shop_path(&format!("/live-sessions/{id}/board"));
    let (status, board) = env.app.get(&board_path, &op).await;
    assert_eq!(status, 200, "{board}");
    let line = &board["lines"][0];
    assert_eq!(line["sold"], 2, "{board}");
    assert_eq!(line["left"], 1, "{board}");
    assert_eq!(
        line["gmv"],
        format!("{:.2}", 2.0 * deal.parse::<f64>().unwrap()),
        "orders carry the deal price: {board}"
    );
    assert_eq!(line["runs_out_first"], true, "{board}");
    assert_eq!(board["lines"][1]["sold"], 0, "{board}");
    assert!(board.get("results").is_none(), "{board}");

    // Ended: the results from our orders, and TikTok's LIVE figures.
    advance_both(&env, chrono::Duration::minutes(60)).await;
    let (status, board) = env.app.get(&board_path, &op).await;
    assert_eq!(status, 200, "{board}");
    assert_eq!(board["state"], "ended", "{board}");
    let results = &board["results"];
    assert_eq!(results["units"], 2, "{board}");
    assert_eq!(results["orders"], 2, "{board}");
    assert_eq!(results["gmv"], line["gmv"], "{board}");
    assert!(results["tiktok_live"]["live_id"].is_string(), "{board}");
}

#[tokio::test]
async fn a_partial_refusal_leaves_nothing_made_and_a_cancel_ends_what_was() {
    let env = promotions_env().await;
    let op = operator(&env);
    let skus = skus(&env).await;
    // TikTok holds the whole-session line's SKU in a deal we do not know of: the second activity
    // (the FIXED_PRICE) will be refused after the flash sale was made.
    let (p1, s1, price1) = &skus[1];
    let (status, theirs) = env
        .app
        .post(
            &env.shop_path("/promotions"),
            &op,
            json!({"title": "Their deal", "activity_type": "FIXED_PRICE", "product_level": "VARIATION",
                   "begin_time": at(&env, 30), "end_time": at(&env, 300),
                   "products": [{"product_id": p1, "skus": [{"id": s1, "deal_price": {"amount": format!("{:.2}", price1 - 0.5), "currency": "USD"}}]}]}),
        )
        .await;
    assert_eq!(status, 201, "{theirs}");
    use sea_orm::EntityTrait;
    entity::promotion::Entity::delete_many()
        .exec(&env.app.state.db)
        .await
        .unwrap();
    let planned = plan(&env, session(&env, &skus)).await;
    let id = planned["id"].as_str().unwrap().to_owned();
    let (status, body) = env
        .app
        .post(
            &env.shop_path(&format!("/live-sessions/{id}/apply")),
            &op,
            json!(null),
        )
        .await;
    assert_error(status, &body, 422, "tiktok_refused");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("lines[1]") && message.contains("deactivated"),
        "{body}"
    );
    let ours: Vec<_> = at_tiktok(&env)
        .await
        .into_iter()
        .filter(|(_, t, _)| t != "Their deal")
        .collect();
    assert!(
        ours.iter()
            .all(|(_, _, s)| s.to_uppercase().contains("DEACTIVATED")),
        "{ours:?}"
    );
    let (_, after) = env
        .app
        .get(&env.shop_path(&format!("/live-sessions/{id}")), &op)
        .await;
    assert_eq!(
        (
            after["state"].as_str(),
            after["activity_ids"].as_array().unwrap().len()
        ),
        (Some("planned"), 0),
        "{after}"
    );

    // Without the other deal it applies; a cancel then ends both activities at TikTok.
    let their_id = theirs["id"].as_str().unwrap().to_owned();
    sync(&env, json!({"resources": ["promotions"]})).await;
    drain(&env).await;
    let (status, body) = env
        .app
        .post(
            &env.shop_path(&format!("/promotions/{their_id}/deactivate")),
            &op,
            json!(null),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, applied) = env
        .app
        .post(
            &env.shop_path(&format!("/live-sessions/{id}/apply")),
            &op,
            json!(null),
        )
        .await;
    assert_eq!(status, 200, "{applied}");
    let made: Vec<String> = applied["activity_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(made.len(), 2, "{applied}");
    let (status, cancelled) = env
        .app
        .post(
            &env.shop_path(&format!("/live-sessions/{id}/cancel")),
            &op,
            json!(null),
        )
        .await;
    assert_eq!(
        (status, cancelled["state"].as_str()),
        (200, Some("cancelled")),
        "{cancelled}"
    );
    let tiktok = at_tiktok(&env).await;
    for m in &made {
        let (_, _, s) = tiktok.iter().find(|(i, _, _)| i == m).unwrap();
        assert!(s.to_uppercase().contains("DEACTIVATED"), "{tiktok:?}");
    }
    let (status, body) = env
        .app
        .post(
            &env.shop_path(&format!("/live-sessions/{id}/apply")),
            &op,
            json!(null),
        )
        .await;
    assert_error(status, &body, 409, "live_session_not_planned");
}
