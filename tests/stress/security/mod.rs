//! The security matrix, generated from the OpenAPI document: every operation with a `bearer`
//! requirement is called with no token, a malformed one, one signed with another key, `alg: none`,
//! HS512, a tampered payload and an expired token (401 each), with another tenant's admin token (404
//! on a shop-scoped route; on a tenant-level one the other tenant sees none of the victim's shops),
//! and with each role below the one its requirement names (403). The database (every row of every
//! table) is the same after the matrix as before it and TikTok (the sandbox) saw no write. Then the
//! OAuth state cases (forged, superseded, replayed, expired, another tenant's) connect nothing, the
//! webhook signature cases (missing, wrong secret, tampered body, another shop's app, unknown shop)
//! store nothing, and no secret (app secrets, TikTok's tokens, the master key, the JWT secret) is in
//! the database's bytes, the logs or any answer received.
//!
//! A route is covered the day it lands: the operations come from `/api/openapi.json`; a path
//! parameter this file does not know, a requirement that is not one of the three roles, or a public
//! operation not listed in `PUBLIC` fails the test with what to do.

use std::collections::{BTreeMap, BTreeSet};

use api::auth::{JwtKeys, Role};
use base64::Engine;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    Statement,
};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sandbox_env::*;
use crate::sync_env::{advance_both, connected_with, drain, drive_by_hand, operator, sync};
use crate::webhook_env::{deliver, event_body, settle, sign, stored};

mod document;
mod oauth;
mod snapshot;
mod webhooks;

use document::*;
use oauth::*;
use snapshot::*;
use webhooks::*;

/// Sends requests and keeps every answer's body (for the secrets check) and the count.
struct Caller<'a> {
    app: &'a TestApp,
    bodies: Vec<String>,
    requests: usize,
}

impl Caller<'_> {
    async fn call(&mut self, op: &Op, token: Option<&str>) -> (u16, Value) {
        let mut req = self
            .app
            .client
            .request(op.method.clone(), self.app.url(&op.path));
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        if op.idempotency_key {
            req = req.header("idempotency-key", uuid::Uuid::new_v4().to_string());
        }
        if let Some(b) = &op.body {
            req = req.json(b);
        }
        let res = req.send().await.expect("the request is sent");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        self.requests += 1;
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
        self.bodies.push(text);
        (status, value)
    }
}

/// What `assert_error` asserts, as a message instead of a panic (the matrix lists every miss).
fn envelope(status: u16, body: &Value, expected: u16, code: &str) -> Result<(), String> {
    let message_ok = body["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty());
    let request_id_ok = body["error"]["request_id"]
        .as_str()
        .is_some_and(|m| !m.is_empty());
    if status == expected && body["error"]["code"] == code && message_ok && request_id_ok {
        Ok(())
    } else {
        let mut body = body.to_string();
        if body.len() > 300 {
            body.truncate(body.floor_char_boundary(300));
            body.push('…');
        }
        Err(format!("expected {expected} `{code}`, got {status} {body}"))
    }
}

/// The tokens that must not get in: (case, token or none, status, code).
fn bad_tokens(app: &TestApp) -> Vec<(&'static str, Option<String>, u16, &'static str)> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let exp = chrono::Utc::now().timestamp() + 3600;
    let claims = json!({"sub": "mallory", "tenant": "acme", "role": "admin", "exp": exp});
    let foreign = JwtKeys::new(&api::config::JwtSettings {
        secret: secrecy::SecretSlice::from(b"some-other-secret-some-other-secret".to_vec()),
        issuer: None,
        audience: None,
    })
    .mint("acme", "mallory", Role::Admin, chrono::Duration::hours(1))
    .unwrap();
    let alg_none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(claims.to_string())
    );
    let hs512 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(app.env["OCEAN_JWT_SECRET"].as_bytes()),
    )
    .unwrap();
    // A viewer's real token with its payload raised to admin, the signature kept.
    let viewer = app.token("acme", Role::Viewer);
    let parts: Vec<&str> = viewer.split('.').collect();
    let mut payload: Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    payload["role"] = json!("admin");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64.encode(payload.to_string()),
        parts[2]
    );
    let expired = app
        .jwt
        .mint("acme", "alice", Role::Admin, chrono::Duration::hours(-2))
        .unwrap();
    vec![
        ("no token", None, 401, "unauthorized"),
        ("malformed", Some("not.a.jwt".into()), 401, "unauthorized"),
        ("another key", Some(foreign), 401, "unauthorized"),
        ("alg none", Some(alg_none), 401, "unauthorized"),
        ("HS512", Some(hs512), 401, "unauthorized"),
        ("tampered payload", Some(tampered), 401, "unauthorized"),
        ("expired", Some(expired), 401, "token_expired"),
    ]
}

/// The connected shop's real ids, after a full sync of every area, a category refresh, a webhook and
/// a hand mapping.
async fn victim_ids(env: &SandboxEnv) -> Ids {
    use entity::{
        sync_job, tiktok_cancellation, tiktok_category, tiktok_order, tiktok_product,
        tiktok_return, tiktok_sku, tiktok_warehouse, webhook_event,
    };
    let db = &env.app.state.db;
    let shop = env.shop_id.clone();
    let order = tiktok_order::Entity::find()
        .filter(tiktok_order::Column::ShopId.eq(&shop))
        .filter(tiktok_order::Column::Status.eq("AWAITING_SHIPMENT"))
        .one(db)
        .await
        .unwrap()
        .expect("an order awaiting shipment");
    let product = tiktok_product::Entity::find()
        .filter(tiktok_product::Column::ShopId.eq(&shop))
        .filter(tiktok_product::Column::Status.eq("ACTIVATE"))
        .one(db)
        .await
        .unwrap()
        .expect("a live product");
    let sku = tiktok_sku::Entity::find()
        .filter(tiktok_sku::Column::ShopId.eq(&shop))
        .filter(tiktok_sku::Column::ProductId.eq(&product.id))
        .one(db)
        .await
        .unwrap()
        .expect("a SKU of the product");
    let warehouse = tiktok_warehouse::Entity::find()
        .filter(tiktok_warehouse::Column::ShopId.eq(&shop))
        .filter(tiktok_warehouse::Column::IsDefault.eq(true))
        .one(db)
        .await
        .unwrap()
        .expect("a default warehouse");
    let category = tiktok_category::Entity::find()
        .filter(tiktok_category::Column::ShopId.eq(&shop))
        .filter(tiktok_category::Column::IsLeaf.eq(true))
        .one(db)
        .await
        .unwrap()
        .expect("a leaf category in the cache");
    let ret = tiktok_return::Entity::find()
        .filter(tiktok_return::Column::ShopId.eq(&shop))
        .one(db)
        .await
        .unwrap()
        .expect("a return");
    let cancel = tiktok_cancellation::Entity::find()
        .filter(tiktok_cancellation::Column::ShopId.eq(&shop))
        .one(db)
        .await
        .unwrap()
        .expect("a cancellation");
    let job = sync_job::Entity::find()
        .filter(sync_job::Column::ShopId.eq(&shop))
        .one(db)
        .await
        .unwrap()
        .expect("a sync job");
    let event = webhook_event::Entity::find()
        .filter(webhook_event::Column::ShopId.eq(&shop))
        .one(db)
        .await
        .unwrap()
        .expect("a webhook event");
    let rule = entity::aftersale_rule::Entity::find()
        .filter(entity::aftersale_rule::Column::ShopId.eq(&shop))
        .one(db)
        .await
        .unwrap()
        .expect("an after-sales rule");
    let activity = entity::promotion::Entity::find()
        .filter(entity::promotion::Column::ShopId.eq(&shop))
        .one(db)
        .await
        .unwrap()
        .expect("a promotion activity");
    let coupon = entity::coupon::Entity::find()
        .filter(entity::coupon::Column::ShopId.eq(&shop))
        .one(db)
        .await
        .unwrap()
        .expect("a voucher");
    let video = entity::video_link::Entity::find()
        .filter(entity::video_link::Column::ShopId.eq(&shop))
        .one(db)
        .await
        .unwrap()
        .expect("a video");
    let (_, targets) = env
        .app
        .get(
            &env.shop_path("/affiliate/target-collaborations"),
            &env.app.admin(),
        )
        .await;
    let target = targets["items"][0]["id"]
        .as_str()
        .expect("a target collaboration")
        .to_owned();
    let (_, samples) = env
        .app
        .get(&env.shop_path("/affiliate/samples"), &env.app.admin())
        .await;
    let sample = samples["items"][0]["id"]
        .as_str()
        .expect("a sample request")
        .to_owned();
    let session = entity::live_session::Entity::find()
        .filter(entity::live_session::Column::ShopId.eq(&shop))
        .one(db)
        .await
        .unwrap()
        .expect("a live session");
    Ids {
        shop,
        order: order.id,
        product: product.id,
        sku: sku.id,
        warehouse: warehouse.id,
        category: category.id,
        ret: ret.id,
        cancel: cancel.id,
        job: job.id,
        event: event.id,
        erp_sku: ERP_SKU.to_owned(),
        rule: rule.id,
        activity: activity.id,
        coupon: coupon.id,
        session: session.id,
        video: video.video_id,
        target,
        sample,
    }
}

/// The shops a tenant's admin lists, by id.
async fn listed_shops(app: &TestApp, tenant: &str) -> Vec<Value> {
    let (status, list) = app.get(SHOPS, &app.token(tenant, Role::Admin)).await;
    assert_eq!(status, 200, "{list}");
    let mut items = list["items"].as_array().unwrap().clone();
    items.sort_by_key(|s| s["id"].as_str().unwrap_or_default().to_owned());
    items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_security_matrix_refuses_every_bad_caller_of_every_operation_and_changes_nothing() {
    let started = std::time::Instant::now();
    let env = connected_with(|c| {
        c.orders = 30;
        c.products = 10;
    })
    .await;
    drive_by_hand(&env);
    let app = &env.app;
    let admin = env.token.clone();

    // A shop with data in every area.
    let features: serde_json::Map<String, Value> = FEATURES
        .iter()
        .map(|f| (f.to_string(), json!(true)))
        .collect();
    let (status, body) = app
        .put(
            &env.shop_path("/features"),
            &admin,
            json!({"features": features}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The seeded world may hold no return for this shop: a buyer opens one.
    let tiktok_shop: u64 = env.tiktok_shop_id().await.parse().unwrap();
    let sandbox = env.sandbox.state();
    let now = sandbox.now();
    let opened = sandbox.with_world(|w| {
        let delivered = w
            .orders
            .values()
            .filter(|o| o.shop_id == tiktok_shop)
            .find(|o| matches!(o.status.as_str(), "DELIVERED" | "COMPLETED"))
            .map(|o| o.id)?;
        tiktok_sandbox::routes::returns::open_return(
            w,
            delivered,
            tiktok_sandbox::world::ReturnType::Refund,
            "Damaged",
            now,
        )
    });
    assert!(opened.is_some(), "a delivered order to return");
    sync(&env, json!({"mode": "full"})).await;
    drain(&env).await;
    let (status, body) = app
        .post(
            &env.shop_path("/categories/refresh"),
            &operator(&env),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // A rule that leaves replacements to a person: it never sends anything.
    let (status, body) = app
        .post(
            &env.shop_path("/aftersale-rules"),
            &admin,
            json!({"name": "Replacements by hand", "priority": 1, "when": {"kinds": ["replacement"]}, "then": {"action": "manual"}}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    // A live session planned on a SKU with stock in its warehouse.
    let (sku_id, warehouse_id) = {
        use entity::sku_stock;
        let row = sku_stock::Entity::find()
            .filter(sku_stock::Column::ShopId.eq(&env.shop_id))
            .filter(sku_stock::Column::Quantity.gt(0))
            .one(&app.state.db)
            .await
            .unwrap()
            .expect("a SKU with stock");
        (row.sku_id, row.warehouse_id)
    };
    let product_id = entity::tiktok_sku::Entity::find_by_id((env.shop_id.clone(), sku_id.clone()))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .product_id;
    let (status, body) = app
        .post(
            &env.shop_path("/live-sessions"),
            &admin,
            json!({"title": "Security live", "host": "shop", "scheduled_start": (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339(),
                   "duration_minutes": 60, "lines": [{"product_id": product_id, "sku_id": sku_id, "warehouse_id": warehouse_id,
                   "special_price": {"amount": "0.01", "currency": "USD"}, "stock_limit": 1}]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    // A video linked to the product, and a target collaboration with one of TikTok's creators.
    let (status, body) = app
        .post(
            &env.shop_path("/videos"),
            &admin,
            json!({"video_id": "7390000000000000999", "product_ids": [product_id], "show_times": []}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let creator = env
        .sandbox
        .state()
        .with_world(|w| w.creators[0].open_id.clone());
    let (status, body) = app
        .post(
            &env.shop_path("/affiliate/target-collaborations"),
            &admin,
            json!({"name": "Security invite", "end_time": (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339(),
                   "products": [{"product_id": product_id, "commission_rate": 10}], "creators": [creator],
                   "contact": {"email": "sec@ocean.example"}}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let tiktok_shop = env.tiktok_shop_id().await;
    let order_id = {
        use entity::tiktok_order;
        tiktok_order::Entity::find()
            .filter(tiktok_order::Column::ShopId.eq(&env.shop_id))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let hook = event_body(
        &tiktok_shop,
        1,
        "security-setup-1",
        json!({"order_id": order_id, "order_status": "AWAITING_SHIPMENT", "update_time": chrono::Utc::now().timestamp()}),
    );
    let (status, text) = deliver(&env, &hook, Some(sign(APP_KEY, APP_SECRET_TT, &hook))).await;
    assert_eq!(status, 200, "{text}");
    settle(&env).await;
    let sku_id = {
        use entity::tiktok_sku;
        tiktok_sku::Entity::find()
            .filter(tiktok_sku::Column::ShopId.eq(&env.shop_id))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let (status, body) = app
        .put(
            &env.shop_path(&format!("/sku-mappings/{ERP_SKU}")),
            &operator(&env),
            json!({"tiktok_sku_id": sku_id}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let ids = victim_ids(&env).await;

    // Another tenant, with a shop of its own (another app: its signature is used below).
    let globex = app.token("globex", Role::Admin);
    app.create_shop(
        &globex,
        json!({"name": "Globex", "app_key": OTHER_APP_KEY, "app_secret": OTHER_APP_SECRET,
               "shop_id": OTHER_TIKTOK_SHOP}),
    )
    .await;

    let doc: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (ops, public) = operations(&doc, &ids);
    assert!(
        ops.len() >= 60,
        "the document lists the routes: {}",
        ops.len()
    );
    let mut caller = Caller {
        app,
        bodies: Vec::new(),
        requests: 0,
    };
    let mut unexpected: Vec<String> = Vec::new();

    // Before the snapshot (these may legitimately write): each read answers its least role (the
    // document is not stricter than the service), and each tenant-level operation, done by another
    // tenant's admin, shows or touches none of the victim's shops.
    let victim_shops = listed_shops(app, "acme").await;
    let victim_ids_text: Vec<String> = victim_shops
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    for op in &ops {
        if op.method == reqwest::Method::GET {
            let token = app.token("acme", op.least);
            let (status, body) = caller.call(op, Some(&token)).await;
            if matches!(status, 401 | 403) || status >= 500 {
                unexpected.push(format!(
                    "{} as {}: the least role is refused or fails: {status} {body}",
                    op.name(),
                    op.least.as_str()
                ));
            }
        }
        if !op.shop_scoped() {
            let (status, body) = caller.call(op, Some(&globex)).await;
            let text = body.to_string();
            if !(200..300).contains(&status) {
                unexpected.push(format!(
                    "{} by another tenant's admin: {status} {body}",
                    op.name()
                ));
            }
            if let Some(id) = victim_ids_text.iter().find(|id| text.contains(id.as_str())) {
                unexpected.push(format!(
                    "{} by another tenant's admin shows the victim's shop {id}: {body}",
                    op.name()
                ));
            }
        }
    }
    assert_eq!(
        listed_shops(app, "acme").await,
        victim_shops,
        "the other tenant's calls changed none of the victim's shops"
    );

    // The matrix.
    let bad = bad_tokens(app);
    let before = snapshot(&app.state.db).await;
    let filled = before.values().filter(|rows| !rows.is_empty()).count();
    assert!(
        filled >= 15,
        "the snapshot sees the data: {filled} tables with rows"
    );
    let seq = sandbox_seq(&env);
    let requests_before = caller.requests;
    let mut tenant_level = 0;
    for op in &ops {
        for (case, token, status, code) in &bad {
            let (got, body) = caller.call(op, token.as_deref()).await;
            if let Err(e) = envelope(got, &body, *status, code) {
                unexpected.push(format!("{} ({case}): {e}", op.name()));
            }
        }
        if op.shop_scoped() {
            let (got, body) = caller.call(op, Some(&globex)).await;
            if let Err(e) = envelope(got, &body, 404, "not_found") {
                unexpected.push(format!("{} (another tenant's admin): {e}", op.name()));
            }
        } else {
            tenant_level += 1;
        }
        for role in [Role::Viewer, Role::Operator] {
            if role < op.least {
                let (got, body) = caller.call(op, Some(&app.token("acme", role))).await;
                if let Err(e) = envelope(got, &body, 403, "forbidden") {
                    unexpected.push(format!("{} (as {}): {e}", op.name(), role.as_str()));
                }
            }
        }
    }
    let matrix_requests = caller.requests - requests_before;
    let after = snapshot(&app.state.db).await;
    let changed = differences(&before, &after);
    let tiktok_calls = sandbox_calls_after(&env, seq);
    let tiktok_writes: Vec<&String> = tiktok_calls
        .iter()
        .filter(|c| !c.starts_with("GET "))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{} unexpected answers:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    assert!(
        changed.is_empty(),
        "refused requests changed the database:\n{}",
        changed.join("\n")
    );
    assert!(
        tiktok_writes.is_empty(),
        "refused requests wrote to TikTok: {tiktok_writes:?}"
    );
    assert!(
        tiktok_calls.is_empty(),
        "refused requests called TikTok: {tiktok_calls:?}"
    );

    let oauth = oauth_cases(&env).await;
    let webhooks = webhook_cases(&env, &tiktok_shop, &mut caller.bodies).await;
    let secrets = secrets_absent(&env, &caller.bodies).await;

    let per_op: Vec<usize> = ops
        .iter()
        .map(|op| {
            bad.len()
                + usize::from(op.shop_scoped())
                + [Role::Viewer, Role::Operator]
                    .iter()
                    .filter(|r| **r < op.least)
                    .count()
        })
        .collect();
    assert_eq!(per_op.iter().sum::<usize>(), matrix_requests);
    figures!(
        "security matrix: public operations skipped: {}",
        public.join(", ")
    );
    figures!(
        "security matrix: {} operations ({tenant_level} tenant-level) × {}–{} cases = {matrix_requests} requests, \
         {} unexpected, 0 rows changed in {} tables, 0 TikTok calls; {} public skipped; {oauth} OAuth state \
         and {webhooks} webhook signature cases stored nothing; {secrets} secrets in no database byte, log \
         or answer ({:.1} s)",
        ops.len(),
        per_op.iter().min().unwrap(),
        per_op.iter().max().unwrap(),
        unexpected.len(),
        before.len(),
        public.len(),
        started.elapsed().as_secs_f64(),
    );
}
