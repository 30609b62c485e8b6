//! The promotions area against the sandbox: activities made, changed and ended from the ERP with
//! TikTok's rules checked first (each refusal a 400 naming the field, nothing sent), the conflict
//! check, a refusal by TikTok leaving nothing half-made, the `promotions` sync with the vouchers,
//! and the toggle.

use api::clock::Clock;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sandbox_env::*;
use crate::sync::{connected_with, drain, drive_by_hand, operator, sandbox_shop, sync};

/// A connected shop with products, warehouses, stock and orders synced, and the promotions and
/// live-shopping areas on.
pub(crate) async fn promotions_env() -> SandboxEnv {
    let env = connected_with(|c| {
        c.orders = 5;
        c.products = 30;
    })
    .await;
    drive_by_hand(&env);
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/features"),
            &env.app.admin(),
            json!({"features": {"promotions": true, "live_shopping": true}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    sync(
        &env,
        json!({"resources": ["products", "warehouses", "inventory", "orders", "promotions"], "mode": "full"}),
    )
    .await;
    drain(&env).await;
    env
}

/// Synced SKUs of active products no activity of the shop holds: (product id, SKU id, price).
pub(crate) async fn skus(env: &SandboxEnv) -> Vec<(String, String, f64)> {
    // The sandbox's shop runs promotions of its own: keep clear of their products.
    let held: Vec<String> = entity::promotion::Entity::find()
        .filter(entity::promotion::Column::ShopId.eq(&env.shop_id))
        .all(&env.app.state.db)
        .await
        .unwrap()
        .iter()
        .flat_map(|p| {
            let products: Value = serde_json::from_str(&p.products).unwrap();
            products
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["product_id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    let active: Vec<String> = entity::tiktok_product::Entity::find()
        .filter(entity::tiktok_product::Column::ShopId.eq(&env.shop_id))
        .filter(entity::tiktok_product::Column::Status.eq("ACTIVATE"))
        .all(&env.app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    let mut out: Vec<(String, String, f64)> = entity::tiktok_sku::Entity::find()
        .filter(entity::tiktok_sku::Column::ShopId.eq(&env.shop_id))
        .all(&env.app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| active.contains(&s.product_id) && !held.contains(&s.product_id))
        .map(|s| (s.product_id, s.id, s.sale_price.parse().unwrap()))
        .filter(|(_, _, p)| *p > 2.0)
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    assert!(out.len() >= 3, "the sandbox shop has SKUs to put on sale");
    out
}

pub(crate) fn at(env: &SandboxEnv, minutes: i64) -> String {
    (env.app.clock.now() + chrono::Duration::minutes(minutes)).to_rfc3339()
}

fn flash(env: &SandboxEnv, product: &str, sku: &str, price: f64) -> Value {
    json!({
        "title": "Weekend flash",
        "activity_type": "FLASHSALE",
        "product_level": "VARIATION",
        "begin_time": at(env, 60),
        "end_time": at(env, 180),
        "products": [{"product_id": product, "skus": [{"id": sku, "deal_price": {"amount": format!("{:.2}", price / 2.0), "currency": "USD"}, "quantity_limit": 50, "quantity_per_user": 2}]}]
    })
}

/// The sandbox's activities of the shop made during the test (its own seeded ones are days old):
/// (id, title, status).
pub(crate) async fn at_tiktok(env: &SandboxEnv) -> Vec<(String, String, String)> {
    let shop = sandbox_shop(env).await;
    let recent = env.sandbox.state().now() - 86_400;
    env.sandbox.state().with_world(|w| {
        w.promotions
            .values()
            .filter(|p| p.shop_id == shop && p.create_time > recent)
            .map(|p| (p.id.to_string(), p.title.clone(), format!("{:?}", p.status)))
            .collect()
    })
}

fn promotion_calls(env: &SandboxEnv) -> usize {
    env.requests()
        .iter()
        .filter(|(p, _, _)| p.starts_with("/promotion/"))
        .count()
}

#[tokio::test]
async fn an_activity_is_made_changed_and_ended_from_the_erp() {
    let env = promotions_env().await;
    let op = operator(&env);
    let skus = skus(&env).await;
    let (product, sku, price) = skus[0].clone();
    let (status, made) = env
        .app
        .post(
            &env.shop_path("/promotions"),
            &op,
            flash(&env, &product, &sku, price),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_str().unwrap().to_owned();
    assert_eq!(made["status"], "NOT_START", "{made}");
    assert_eq!(made["activity_type"], "FLASHSALE");
    assert_eq!(made["products"][0]["skus"][0]["id"], sku.as_str(), "{made}");
    assert_eq!(made["products"][0]["skus"][0]["quantity_limit"], 50);
    assert_eq!(at_tiktok(&env).await.len(), 1);

    // Listed and read back; the clock moves its status.
    let viewer = env.app.token("acme", api::auth::Role::Viewer);
    let ids = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, page) = env
        .app
        .get(
            &env.shop_path("/promotions?status=NOT_START&type=FLASHSALE"),
            &viewer,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(ids(&page).contains(&id), "{page}");
    let (status, page) = env
        .app
        .get(&env.shop_path("/promotions?status=ONGOING"), &viewer)
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(!ids(&page).contains(&id), "{page}");
    let (status, page) = env
        .app
        .get(&env.shop_path("/promotions?type=DIRECT_DISCOUNT"), &viewer)
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(!ids(&page).contains(&id), "{page}");

    // More products, then a title change, then one SKU out.
    let (p2, s2, price2) = skus.iter().find(|s| s.0 != product).cloned().unwrap();
    let (status, body) = env
        .app
        .put(
            &env.shop_path(&format!("/promotions/{id}/products")),
            &op,
            json!({"products": [{"product_id": p2, "skus": [{"id": s2, "deal_price": {"amount": format!("{:.2}", price2 - 1.0), "currency": "USD"}}]}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["products"].as_array().unwrap().len(), 2, "{body}");
    let (status, body) = env
        .app
        .patch(
            &env.shop_path(&format!("/promotions/{id}")),
            &op,
            json!({"title": "Weekend flash (extended)", "end_time": at(&env, 240)}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["title"], "Weekend flash (extended)");
    let (status, body) = env
        .app
        .send(
            reqwest::Method::DELETE,
            &env.shop_path(&format!("/promotions/{id}/products")),
            Some(&op),
            Some(json!({"sku_ids": [s2]})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["products"].as_array().unwrap().len(), 1, "{body}");

    // Ended: at TikTok too; a second deactivate answers it as it is.
    let deactivate = env.shop_path(&format!("/promotions/{id}/deactivate"));
    let (status, body) = env.app.post(&deactivate, &op, json!(null)).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("DEACTIVATED")),
        "{body}"
    );
    assert!(
        at_tiktok(&env).await[0]
            .2
            .to_uppercase()
            .contains("DEACTIVATED")
    );
    let (status, body) = env.app.post(&deactivate, &op, json!(null)).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("DEACTIVATED")),
        "{body}"
    );
    // An ended activity changes no more.
    let (status, body) = env
        .app
        .patch(
            &env.shop_path(&format!("/promotions/{id}")),
            &op,
            json!({"title": "Again"}),
        )
        .await;
    assert_error(status, &body, 409, "promotion_ended");

    // Every write is audited.
    let (_, audit) = env
        .app
        .get(&env.shop_path("/audit"), &env.app.admin())
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["action"].as_str())
        .filter(|a| a.starts_with("promotion."))
        .collect();
    assert_eq!(actions.len(), 5, "{actions:?}");
}

#[tokio::test]
async fn what_tiktok_would_refuse_is_a_400_naming_the_field_and_nothing_is_sent() {
    let env = promotions_env().await;
    let op = operator(&env);
    let skus = skus(&env).await;
    let (product, sku, price) = skus[0].clone();
    let other_shop_sku = "1729999999999999999";
    let base = flash(&env, &product, &sku, price);
    let before = promotion_calls(&env);
    let cases: Vec<(Value, &str)> = vec![
        (json!({"title": "x".repeat(51)}), "title"),
        (json!({"title": "  "}), "title"),
        (json!({"begin_time": at(&env, -1)}), "begin_time"),
        (json!({"end_time": at(&env, 65)}), "end_time"),
        (
            json!({"end_time": at(&env, 60 + 3 * 24 * 60 + 1)}),
            "end_time",
        ),
        (
            json!({"products": [{"product_id": product, "skus": [{"id": sku, "deal_price": {"amount": format!("{:.2}", price + 1.0), "currency": "USD"}}]}]}),
            "products[0].skus[0].deal_price.amount",
        ),
        (
            json!({"products": [{"product_id": product, "skus": [{"id": sku, "deal_price": {"amount": "1.00", "currency": "GBP"}}]}]}),
            "products[0].skus[0].deal_price.currency",
        ),
        (
            json!({"products": [{"product_id": product, "skus": [{"id": other_shop_sku, "deal_price": {"amount": "1.00", "currency": "USD"}}]}]}),
            "products[0].skus[0].id",
        ),
        (
            json!({"products": [{"product_id": "1729999999999999998", "skus": [{"id": sku, "deal_price": {"amount": "1.00", "currency": "USD"}}]}]}),
            "products[0].product_id",
        ),
        (
            json!({"products": [{"product_id": product, "skus": [{"id": sku, "discount_percent": 20}]}]}),
            "products[0].skus[0].discount_percent",
        ),
        (
            json!({"products": [{"product_id": product, "skus": [{"id": sku, "deal_price": {"amount": "1.00", "currency": "USD"}, "quantity_limit": 100}]}]}),
            "products[0].skus[0].quantity_limit",
        ),
        (
            json!({"activity_type": "DIRECT_DISCOUNT", "products": [{"product_id": product, "skus": [{"id": sku, "discount_percent": 100}]}]}),
            "products[0].skus[0].discount_percent",
        ),
        (json!({"product_level": "PRODUCT"}), "products[0].skus"),
    ];
    for (change, field) in cases {
        let mut body = base.clone();
        merge(&mut body, change.clone());
        let (status, answer) = env.app.post(&env.shop_path("/promotions"), &op, body).await;
        assert_error(status, &answer, 400, "invalid_field");
        assert_eq!(
            answer["error"]["details"][0]["field"], field,
            "{change}: {answer}"
        );
    }
    assert_eq!(promotion_calls(&env), before, "nothing was sent to TikTok");
    assert!(at_tiktok(&env).await.is_empty());
    // A title already used in the shop.
    let (status, body) = env
        .app
        .post(&env.shop_path("/promotions"), &op, base.clone())
        .await;
    assert_eq!(status, 201, "{body}");
    let mut again = base.clone();
    merge(
        &mut again,
        json!({"begin_time": at(&env, 500), "end_time": at(&env, 600)}),
    );
    let (status, body) = env
        .app
        .post(&env.shop_path("/promotions"), &op, again)
        .await;
    assert_error(status, &body, 400, "invalid_field");
    assert_eq!(body["error"]["details"][0]["field"], "title", "{body}");
}

#[tokio::test]
async fn a_sku_held_by_an_overlapping_activity_of_a_kind_tiktok_does_not_allow_is_refused_naming_it()
 {
    let env = promotions_env().await;
    let op = operator(&env);
    let (product, sku, price) = skus(&env).await[0].clone();
    let fixed = |title: &str, from: i64, to: i64| {
        json!({
            "title": title, "activity_type": "FIXED_PRICE", "product_level": "VARIATION",
            "begin_time": at(&env, from), "end_time": at(&env, to),
            "products": [{"product_id": product, "skus": [{"id": sku, "deal_price": {"amount": format!("{:.2}", price - 1.0), "currency": "USD"}}]}]
        })
    };
    let (status, first) = env
        .app
        .post(&env.shop_path("/promotions"), &op, fixed("Deal A", 60, 300))
        .await;
    assert_eq!(status, 201, "{first}");
    let first_id = first["id"].as_str().unwrap();
    // A discount on the same SKU at an overlapping time: refused before TikTok is called.
    let before = promotion_calls(&env);
    let mut discount = fixed("Deal B", 200, 400);
    merge(
        &mut discount,
        json!({"activity_type": "DIRECT_DISCOUNT", "products": [{"product_id": product, "skus": [{"id": sku, "discount_percent": 10}]}]}),
    );
    let (status, body) = env
        .app
        .post(&env.shop_path("/promotions"), &op, discount)
        .await;
    assert_error(status, &body, 409, "promotion_conflict");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(first_id),
        "{body}"
    );
    assert_eq!(promotion_calls(&env), before);
    // Not overlapping: fine. A flash sale over the deal: TikTok allows it (the flash price wins).
    let (status, body) = env
        .app
        .post(
            &env.shop_path("/promotions"),
            &op,
            fixed("Deal C", 300, 400),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = env
        .app
        .post(
            &env.shop_path("/promotions"),
            &op,
            flash(&env, &product, &sku, price),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn when_tiktok_refuses_the_products_the_new_activity_is_deactivated() {
    let env = promotions_env().await;
    let op = operator(&env);
    let (product, sku, price) = skus(&env).await[0].clone();
    // A flash sale made at TikTok behind our back (not synced): TikTok will refuse the SKU again.
    let (status, theirs) = env
        .app
        .post(
            &env.shop_path("/promotions"),
            &op,
            flash(&env, &product, &sku, price),
        )
        .await;
    assert_eq!(status, 201, "{theirs}");
    entity::promotion::Entity::delete_many()
        .exec(&env.app.state.db)
        .await
        .unwrap();
    let mut ours = flash(&env, &product, &sku, price);
    merge(&mut ours, json!({"title": "Second flash"}));
    let (status, body) = env.app.post(&env.shop_path("/promotions"), &op, ours).await;
    assert_error(status, &body, 422, "tiktok_refused");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("deactivated"),
        "{body}"
    );
    let made: Vec<_> = at_tiktok(&env)
        .await
        .into_iter()
        .filter(|(_, t, _)| t == "Second flash")
        .collect();
    assert_eq!(made.len(), 1, "{made:?}");
    assert!(made[0].2.to_uppercase().contains("DEACTIVATED"), "{made:?}");
}

#[tokio::test]
async fn a_retried_create_makes_one_activity() {
    let env = promotions_env().await;
    let op = operator(&env);
    let (product, sku, price) = skus(&env).await[0].clone();
    let body = flash(&env, &product, &sku, price);
    let key = random_key();
    let send = || {
        env.app
            .client
            .post(env.app.url(&env.shop_path("/promotions")))
            .bearer_auth(&op)
            .header("Idempotency-Key", &key)
            .json(&body)
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    let second = send().await.unwrap();
    assert_eq!(second.status(), 201);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    assert_eq!(at_tiktok(&env).await.len(), 1);
}

#[tokio::test]
async fn the_promotions_sync_keeps_tiktoks_activities_and_vouchers() {
    let env = promotions_env().await;
    let op = operator(&env);
    let (product, sku, price) = skus(&env).await[0].clone();
    let (status, made) = env
        .app
        .post(
            &env.shop_path("/promotions"),
            &op,
            flash(&env, &product, &sku, price),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    entity::promotion::Entity::delete_many()
        .exec(&env.app.state.db)
        .await
        .unwrap();
    sync(&env, json!({"resources": ["promotions"]})).await;
    drain(&env).await;
    let viewer = env.app.token("acme", api::auth::Role::Viewer);
    let (status, page) = env
        .app
        .get(&env.shop_path("/promotions?limit=200"), &viewer)
        .await;
    assert_eq!(status, 200, "{page}");
    let listed: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    let shop = sandbox_shop(&env).await;
    let tiktok = env
        .sandbox
        .state()
        .with_world(|w| w.promotions.values().filter(|p| p.shop_id == shop).count());
    assert_eq!(listed.len(), tiktok, "{page}");
    let (status, one) = env
        .app
        .get(
            &env.shop_path(&format!("/promotions/{}", made["id"].as_str().unwrap())),
            &viewer,
        )
        .await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["products"][0]["skus"][0]["id"], sku.as_str(), "{one}");
    // The vouchers TikTok has, read-only.
    let coupons = env
        .sandbox
        .state()
        .with_world(|w| w.coupons.values().filter(|c| c.shop_id == shop).count());
    let (status, page) = env
        .app
        .get(&env.shop_path("/coupons?limit=200"), &viewer)
        .await;
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), coupons, "{page}");
    if let Some(first) = items.first() {
        let (status, one) = env
            .app
            .get(
                &env.shop_path(&format!("/coupons/{}", first["id"].as_str().unwrap())),
                &viewer,
            )
            .await;
        assert_eq!(status, 200, "{one}");
        assert_eq!(one["id"], first["id"]);
    }
    let (status, body) = env.app.get(&env.shop_path("/coupons/123"), &viewer).await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = env
        .app
        .get(&env.shop_path("/coupons?status=SOON"), &viewer)
        .await;
    assert_error(status, &body, 400, "invalid_field");
}

#[tokio::test]
async fn with_the_areas_off_every_route_is_a_409_and_nothing_syncs() {
    let env = promotions_env().await;
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/features"),
            &env.app.admin(),
            json!({"features": {"promotions": false, "live_shopping": false}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let op = operator(&env);
    for (method, path) in [
        ("GET", "/promotions"),
        ("POST", "/promotions"),
        ("GET", "/promotions/123"),
        ("GET", "/coupons"),
        ("GET", "/live-sessions"),
        ("POST", "/live-sessions"),
        ("GET", "/live-sessions/x/board"),
    ] {
        let (status, body) = env
            .app
            .send(
                method.parse().unwrap(),
                &env.shop_path(path),
                Some(&op),
                Some(json!({})),
            )
            .await;
        assert_error(status, &body, 409, "feature_disabled");
    }
    let (status, body) = env
        .app
        .post(
            &env.shop_path("/sync"),
            &op,
            json!({"resources": ["promotions"]}),
        )
        .await;
    assert_error(status, &body, 409, "feature_disabled");
}

#[tokio::test]
async fn tiktoks_promotion_webhooks_bring_a_change_made_elsewhere() {
    use crate::webhook_env::{deliver, event_body, settle, sign};
    let env = promotions_env().await;
    let op = operator(&env);
    let (product, sku, price) = skus(&env).await[0].clone();
    let (status, made) = env
        .app
        .post(
            &env.shop_path("/promotions"),
            &op,
            flash(&env, &product, &sku, price),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_str().unwrap().to_owned();
    // The seller ends it in Seller Center: TikTok tells us with webhook 39.
    let mut session = env.session().await;
    api::tiktok::promotions::deactivate(&mut session.line(env.app.state.access()), &id)
        .await
        .map_err(|e| e.to_string())
        .unwrap();
    let tiktok_shop = env.tiktok_shop_id().await;
    let hook = event_body(
        &tiktok_shop,
        39,
        "promo-status-1",
        json!({"activity_id": id, "activity_type": "FLASHSALE", "product_level": "VARIATION", "status": "DEACTIVATED", "update_time": 1}),
    );
    let (status, text) = deliver(&env, &hook, Some(sign(APP_KEY, APP_SECRET_TT, &hook))).await;
    assert_eq!(status, 200, "{text}");
    settle(&env).await;
    let (_, got) = env
        .app
        .get(&env.shop_path(&format!("/promotions/{id}")), &op)
        .await;
    assert_eq!(got["status"], "DEACTIVATED", "{got}");
}
