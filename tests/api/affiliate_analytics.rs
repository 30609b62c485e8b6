//! The affiliate and analytics areas and video commerce against the sandbox: a product's commission
//! set, refused outside TikTok's bounds and withdrawn; a target collaboration's lifecycle with
//! TikTok's conflict report; sample requests reviewed; affiliate orders synced with a commission
//! report whose totals are the sum of the orders; TikTok's analytics kept and served while TikTok
//! is down; our own order statistics equal to a count of the orders; videos linked to products,
//! checked, and joined with their figures; the toggles.

use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::promotions::skus;
use crate::sandbox_env::*;
use crate::sync::{connected_with, drain, drive_by_hand, operator, sandbox_shop, sync};

async fn env_with(features: Value, resources: Value) -> SandboxEnv {
    let env = connected_with(|c| {
        c.orders = 40;
        c.products = 30;
    })
    .await;
    drive_by_hand(&env);
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/features"),
            &env.app.admin(),
            json!({"features": features}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    sync(&env, json!({"resources": resources, "mode": "full"})).await;
    drain(&env).await;
    env
}

fn viewer(env: &SandboxEnv) -> String {
    env.app.token("acme", api::auth::Role::Viewer)
}

fn items(body: &Value) -> &Vec<Value> {
    body["items"].as_array().unwrap()
}

fn money(v: &Value) -> i64 {
    let s = v["amount"].as_str().unwrap();
    api::catalog::money::minor(s).unwrap()
}

#[tokio::test]
async fn a_products_commission_is_set_refused_outside_tiktoks_bounds_and_withdrawn() {
    let env = env_with(json!({"affiliate": true}), json!(["products"])).await;
    let op = operator(&env);
    let (product, _, _) = skus(&env).await[0].clone();
    let path = env.shop_path(&format!("/affiliate/products/{product}"));
    for bad in [0.5, 80.5, 12.345, -3.0] {
        let (status, body) = env
            .app
            .put(&path, &op, json!({"commission_rate": bad}))
            .await;
        assert_error(status, &body, 400, "invalid_field");
        assert_eq!(
            body["error"]["details"][0]["field"], "commission_rate",
            "{body}"
        );
    }
    let (status, body) = env
        .app
        .put(
            &path,
            &op,
            json!({"commission_rate": 12.5, "samples": true}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["commission_rate"].as_f64(), body["samples"].as_bool()),
        (Some(12.5), Some(true)),
        "{body}"
    );
    let (status, got) = env.app.get(&path, &viewer(&env)).await;
    assert_eq!(
        (status, got["commission_rate"].as_f64()),
        (200, Some(12.5)),
        "{got}"
    );
    let (status, list) = env
        .app
        .get(&env.shop_path("/affiliate/products"), &viewer(&env))
        .await;
    assert_eq!(status, 200, "{list}");
    assert!(
        items(&list)
            .iter()
            .any(|c| c["product_id"] == product.as_str()),
        "{list}"
    );
    let (status, body) = env.app.delete(&path, &op).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("TERMINATING")),
        "{body}"
    );
    // A product that is not the shop's.
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/affiliate/products/1729999999999999999"),
            &op,
            json!({"commission_rate": 10}),
        )
        .await;
    assert_error(status, &body, 404, "not_found");
}

#[tokio::test]
async fn commissions_report_the_sum_of_the_synced_affiliate_orders() {
    let env = env_with(json!({"affiliate": true}), json!(["products"])).await;
    // A creator sells the product in open collaboration during a LIVE of hers: TikTok attributes
    // what sells then to her, with her commission.
    let (product, sku, _) = skus(&env).await[0].clone();
    let (status, body) = env
        .app
        .put(
            &env.shop_path(&format!("/affiliate/products/{product}")),
            &operator(&env),
            json!({"commission_rate": 15}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let shop = sandbox_shop(&env).await;
    let now = env.sandbox.state().now();
    env.control(
        &format!("/_sandbox/shops/{shop}/lives"),
        json!({"title": "Haul", "username": "thrift.theo", "start_time": now - 60, "end_time": now + 12 * 3_600, "account_type": "AFFILIATE_ACCOUNTS"}),
    )
    .await;
    for status in ["AWAITING_SHIPMENT", "DELIVERED", "COMPLETED", "CANCELLED"] {
        env.control(
            &format!("/_sandbox/shops/{shop}/orders"),
            json!({"sku_ids": [sku, sku], "status": status}),
        )
        .await;
    }
    sync(&env, json!({"resources": ["affiliate_orders"]})).await;
    drain(&env).await;
    let v = viewer(&env);
    let (status, orders) = env
        .app
        .get(&env.shop_path("/affiliate/orders?limit=1000"), &v)
        .await;
    assert_eq!(status, 200, "{orders}");
    let rows = items(&orders);
    assert!(
        !rows.is_empty(),
        "the sandbox's shop has affiliate orders: {orders}"
    );
    let eligible: Vec<&Value> = rows
        .iter()
        .filter(|r| r["settlement_status"] != "INELIGIBLE")
        .collect();
    let want: i64 = eligible.iter().map(|r| money(&r["commission"])).sum();
    for group_by in ["creator", "product", "day"] {
        let (status, report) = env
            .app
            .get(
                &env.shop_path(&format!("/affiliate/commissions?group_by={group_by}")),
                &v,
            )
            .await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(
            money(&report["total"]["commission"]),
            want,
            "{group_by}: {report}"
        );
        let lines: i64 = items(&report).iter().map(|l| money(&l["commission"])).sum();
        assert_eq!(lines, want, "{group_by}: the lines add up to the total");
    }
    let (status, creators) = env.app.get(&env.shop_path("/affiliate/creators"), &v).await;
    assert_eq!(status, 200, "{creators}");
    assert!(!items(&creators).is_empty(), "{creators}");
    // One creator's orders only.
    let creator = eligible[0]["creator"].as_str().unwrap();
    let (_, mine) = env
        .app
        .get(
            &env.shop_path(&format!("/affiliate/orders?limit=1000&creator={creator}")),
            &v,
        )
        .await;
    assert!(
        items(&mine).iter().all(|r| r["creator"] == creator),
        "{mine}"
    );
    let (status, body) = env
        .app
        .get(&env.shop_path("/affiliate/commissions?group_by=week"), &v)
        .await;
    assert_error(status, &body, 400, "invalid_field");
}

#[tokio::test]
async fn analytics_are_kept_served_while_tiktok_is_down_and_our_order_statistics_reconcile() {
    let env = env_with(json!({"analytics": true}), json!(["products", "orders"])).await;
    let shop = sandbox_shop(&env).await;
    let skus = skus(&env).await;
    // Today's orders: the living shop's, and three the test places.
    env.control(
        &format!("/_sandbox/shops/{shop}/orders"),
        json!({"count": 3, "sku_ids": [skus[0].1], "status": "AWAITING_SHIPMENT"}),
    )
    .await;
    sync(&env, json!({"resources": ["orders", "analytics"]})).await;
    drain(&env).await;
    use api::clock::Clock;
    let today = env.app.clock.now().date_naive();
    let (from, to) = (today, today + Duration::days(1));
    let range = format!("from={from}&to={to}");
    let v = viewer(&env);

    // Our statistics, against a count of the synced orders made here.
    let start = from.and_hms_opt(0, 0, 0).unwrap().and_utc();
    let end = to.and_hms_opt(0, 0, 0).unwrap().and_utc();
    let ours: Vec<entity::tiktok_order::Model> = entity::tiktok_order::Entity::find()
        .filter(entity::tiktok_order::Column::ShopId.eq(&env.shop_id))
        .all(&env.app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.create_time >= start && o.create_time < end && o.paid_time.is_some())
        .collect();
    assert!(ours.len() >= 3, "today's paid orders");
    let gmv: i64 = ours
        .iter()
        .map(|o| api::catalog::money::minor(&o.sub_total).unwrap())
        .sum();
    let (status, stats) = env
        .app
        .get(&env.shop_path(&format!("/analytics/orders?{range}")), &v)
        .await;
    assert_eq!(status, 200, "{stats}");
    let day = &items(&stats)[0];
    assert_eq!(day["orders"], ours.len() as i64, "{stats}");
    assert_eq!(money(&day["gmv"]), gmv, "{stats}");
    for group_by in ["status", "sku"] {
        let (status, other) = env
            .app
            .get(
                &env.shop_path(&format!("/analytics/orders?{range}&group_by={group_by}")),
                &v,
            )
            .await;
        assert_eq!(status, 200, "{other}");
        let units: i64 = items(&other)
            .iter()
            .map(|g| g["units"].as_i64().unwrap())
            .sum();
        assert_eq!(units, day["units"].as_i64().unwrap(), "{group_by}: {other}");
    }
    // TikTok's figures for the day are ours.
    let (status, tiktok) = env
        .app
        .get(&env.shop_path(&format!("/analytics/shop?{range}")), &v)
        .await;
    assert_eq!(status, 200, "{tiktok}");
    let reported = items(&tiktok)
        .iter()
        .find(|d| d["date"] == from.to_string())
        .expect("today is reported");
    assert_eq!(
        (reported["orders"].as_i64(), money(&reported["gmv"])),
        (Some(ours.len() as i64), gmv),
        "{tiktok} vs {stats}"
    );

    // TikTok down: what was kept is still served.
    env.control("/_sandbox/faults", json!({"error_5xx": 1.0}))
        .await;
    for path in [
        "/analytics/products",
        "/analytics/videos",
        "/analytics/lives",
    ] {
        let (status, body) = env.app.get(&env.shop_path(path), &v).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(body["fetched_at"].is_string(), "{path}: {body}");
    }
    let (status, body) = env
        .app
        .get(
            &env.shop_path(&format!("/analytics/shop?{range}&granularity=all")),
            &v,
        )
        .await;
    assert_eq!((status, items(&body).len()), (200, 1), "{body}");
    let (status, body) = env.app.get(&env.shop_path("/analytics/shop"), &v).await;
    assert_error(status, &body, 400, "invalid_field");
}

#[tokio::test]
async fn videos_are_checked_and_joined_with_their_figures() {
    let env = env_with(
        json!({"analytics": true}),
        json!(["products", "orders", "analytics"]),
    )
    .await;
    let op = operator(&env);
    let v = viewer(&env);
    let (status, figures) = env.app.get(&env.shop_path("/analytics/videos"), &v).await;
    assert_eq!(status, 200, "{figures}");
    let video = items(&figures)
        .iter()
        .find(|f| !f["product_ids"].as_array().unwrap().is_empty())
        .expect("a video showing products")
        .clone();
    let video_id = video["video_id"].as_str().unwrap();
    let product = video["product_ids"][0].as_str().unwrap();
    let good = json!({"video_id": video_id, "product_ids": [product],
        "show_times": [{"product_id": product, "start_time": 5, "end_time": 15}, {"product_id": product, "start_time": 20, "end_time": 30}]});
    for (change, field) in [
        (
            json!({"show_times": [{"product_id": product, "start_time": 5, "end_time": 15}, {"product_id": product, "start_time": 10, "end_time": 20}]}),
            "show_times[0].start_time",
        ),
        (
            json!({"show_times": [{"product_id": product, "start_time": 15, "end_time": 5}]}),
            "show_times[0].end_time",
        ),
        (
            json!({"product_ids": ["1729999999999999999"], "show_times": []}),
            "product_ids[0]",
        ),
        (
            json!({"show_times": [{"product_id": "1729999999999999999", "start_time": 1, "end_time": 2}]}),
            "show_times[0].product_id",
        ),
        (json!({"video_id": "not-a-video"}), "video_id"),
    ] {
        let mut body = good.clone();
        merge(&mut body, change.clone());
        let (status, answer) = env.app.post(&env.shop_path("/videos"), &op, body).await;
        assert_error(status, &answer, 400, "invalid_field");
        assert_eq!(
            answer["error"]["details"][0]["field"], field,
            "{change}: {answer}"
        );
    }
    let (status, made) = env
        .app
        .post(&env.shop_path("/videos"), &op, good.clone())
        .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(
        made["performance"]["video_id"], video_id,
        "joined with its figures: {made}"
    );
    let (status, body) = env.app.post(&env.shop_path("/videos"), &op, good).await;
    assert_error(status, &body, 409, "video_exists");
    let (status, list) = env
        .app
        .get(&env.shop_path(&format!("/products/{product}/videos")), &v)
        .await;
    assert_eq!((status, items(&list).len()), (200, 1), "{list}");
    let path = env.shop_path(&format!("/videos/{video_id}"));
    let (status, body) = env
        .app
        .put(&path, &op, json!({"product_ids": [product], "show_times": [{"product_id": product, "start_time": 0, "end_time": 9}]}))
        .await;
    assert_eq!(
        (status, body["show_times"][0]["end_time"].as_i64()),
        (200, Some(9)),
        "{body}"
    );
    let (status, _) = env.app.delete(&path, &op).await;
    assert_eq!(status, 204);
    let (status, body) = env.app.get(&path, &v).await;
    assert_error(status, &body, 404, "not_found");
}

#[tokio::test]
async fn with_the_areas_off_their_routes_are_a_409_and_nothing_syncs() {
    let env = env_with(
        json!({"affiliate": false, "analytics": false}),
        json!(["products"]),
    )
    .await;
    let op = operator(&env);
    for path in [
        "/affiliate/products",
        "/affiliate/orders",
        "/affiliate/commissions",
        "/affiliate/creators",
        "/affiliate/samples",
        "/affiliate/target-collaborations",
        "/analytics/products",
        "/analytics/videos",
        "/analytics/lives",
    ] {
        let (status, body) = env.app.get(&env.shop_path(path), &op).await;
        assert_error(status, &body, 409, "feature_disabled");
    }
    for resource in ["affiliate_orders", "analytics"] {
        let (status, body) = env
            .app
            .post(
                &env.shop_path("/sync"),
                &op,
                json!({"resources": [resource]}),
            )
            .await;
        assert_error(status, &body, 409, "feature_disabled");
    }
    let affiliate_calls = env
        .requests()
        .iter()
        .filter(|(p, _, _)| p.starts_with("/affiliate_seller/") || p.starts_with("/analytics/"))
        .count();
    assert_eq!(affiliate_calls, 0);
}

/// The sandbox's creators' open ids.
fn creators(env: &SandboxEnv) -> Vec<String> {
    env.sandbox
        .state()
        .with_world(|w| w.creators.iter().map(|c| c.open_id.clone()).collect())
}

#[tokio::test]
async fn a_target_collaboration_is_made_with_tiktoks_report_changed_and_ended() {
    let env = env_with(json!({"affiliate": true}), json!(["products"])).await;
    let op = operator(&env);
    let skus = skus(&env).await;
    let creators = creators(&env);
    use api::clock::Clock;
    let end = (env.app.clock.now() + Duration::days(30)).to_rfc3339();
    let body = |name: &str, products: Vec<&str>| {
        json!({"name": name, "end_time": end, "creators": [creators[0], creators[1]],
               "products": products.iter().map(|p| json!({"product_id": p, "commission_rate": 15})).collect::<Vec<_>>(),
               "contact": {"email": "partners@ocean.example"}, "free_samples": true, "message": "Hello"})
    };
    let path = env.shop_path("/affiliate/target-collaborations");
    // Checked first.
    for (change, field) in [
        (
            json!({"products": [{"product_id": skus[0].0, "commission_rate": 90}]}),
            "products[0].commission_rate",
        ),
        (
            json!({"products": [{"product_id": "1729999999999999999", "commission_rate": 10}]}),
            "products[0].product_id",
        ),
        (json!({"end_time": "2020-01-01T00:00:00Z"}), "end_time"),
        (json!({"contact": {"email": "nobody"}}), "contact.email"),
        (json!({"creators": []}), "creators"),
    ] {
        let mut b = body("Checks", vec![&skus[0].0]);
        merge(&mut b, change.clone());
        let (status, answer) = env.app.post(&path, &op, b).await;
        assert_error(status, &answer, 400, "invalid_field");
        assert_eq!(
            answer["error"]["details"][0]["field"], field,
            "{change}: {answer}"
        );
    }
    let (status, made) = env
        .app
        .post(&path, &op, body("Winter glow", vec![&skus[0].0]))
        .await;
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_str().unwrap().to_owned();
    assert_eq!(
        made["products"][0]["commission_rate"].as_f64(),
        Some(15.0),
        "{made}"
    );
    assert!(
        made["report"]["conflicts"].as_array().unwrap().is_empty(),
        "{made}"
    );
    // The same creators for the same product elsewhere: TikTok reports the conflict.
    let (status, second) = env
        .app
        .post(&path, &op, body("Winter glow 2", vec![&skus[0].0]))
        .await;
    assert_eq!(status, 201, "{second}");
    assert!(
        !second["report"]["conflicts"].as_array().unwrap().is_empty(),
        "{second}"
    );
    // Listed, read, changed, ended.
    let (status, list) = env.app.get(&path, &viewer(&env)).await;
    assert_eq!(status, 200, "{list}");
    assert!(
        items(&list).iter().any(|t| t["id"] == id.as_str()),
        "{list}"
    );
    let one = env.shop_path(&format!("/affiliate/target-collaborations/{id}"));
    let (status, changed) = env
        .app
        .patch(
            &one,
            &op,
            json!({"products": [{"product_id": skus[0].0, "commission_rate": 18}]}),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        changed["products"][0]["commission_rate"].as_f64(),
        Some(18.0),
        "{changed}"
    );
    let (status, _) = env.app.delete(&one, &op).await;
    assert_eq!(status, 204);
}

#[tokio::test]
async fn sample_requests_are_approved_or_rejected_once() {
    let env = env_with(json!({"affiliate": true}), json!(["products"])).await;
    let op = operator(&env);
    let (status, pending) = env
        .app
        .get(
            &env.shop_path("/affiliate/samples?status=PENDING"),
            &viewer(&env),
        )
        .await;
    assert_eq!(status, 200, "{pending}");
    let pending = items(&pending);
    assert!(
        pending.len() >= 2,
        "the sandbox's shop has sample requests: {pending:?}"
    );
    let (a, b) = (
        pending[0]["id"].as_str().unwrap(),
        pending[1]["id"].as_str().unwrap(),
    );
    let approve = env.shop_path(&format!("/affiliate/samples/{a}/approve"));
    let (status, body) = env.app.post(&approve, &op, json!(null)).await;
    assert_eq!(status, 200, "{body}");
    assert_ne!(body["status"], "PENDING", "{body}");
    let (status, body) = env
        .app
        .post(
            &env.shop_path(&format!("/affiliate/samples/{b}/reject")),
            &op,
            json!({"reason": "OUT_OF_STOCK"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = env.app.post(&approve, &op, json!(null)).await;
    assert_error(status, &body, 409, "sample_not_pending");
    let (status, body) = env
        .app
        .post(
            &env.shop_path(&format!("/affiliate/samples/{b}/reject")),
            &op,
            json!({"reason": "BORED"}),
        )
        .await;
    assert_error(status, &body, 400, "invalid_field");
}
