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

/// The operations that take no bearer token, and why each may.
const PUBLIC: &[(&str, &str, &str)] = &[
    ("GET", "/api", "where things are"),
    ("GET", "/api/health", "liveness"),
    ("GET", "/api/ready", "readiness"),
    ("GET", "/metrics", "Prometheus metrics"),
    ("GET", "/api/docs", "Swagger UI"),
    ("GET", "/api/openapi.json", "this document"),
    (
        "POST",
        "/api/webhooks/tiktok",
        "TikTok's deliveries: the signature is the proof (the webhook cases below)",
    ),
    (
        "GET",
        "/api/integrations/tiktok/callback",
        "TikTok's OAuth redirect: the single-use state is the proof (the OAuth cases below)",
    ),
];

const FEATURES: [&str; 9] = [
    "products",
    "orders",
    "inventory",
    "logistics",
    "promotions",
    "returns",
    "live_shopping",
    "affiliate",
    "analytics",
];

const ERP_SKU: &str = "ERP-SEC-1";
const OTHER_APP_KEY: &str = "globex_other_app";
const OTHER_APP_SECRET: &str = "globex-other-app-secret-7788";
const OTHER_TIKTOK_SHOP: &str = "7495000000000000001";

/// Real ids of the victim's shop, by path parameter name.
struct Ids {
    shop: String,
    order: String,
    product: String,
    sku: String,
    warehouse: String,
    category: String,
    ret: String,
    cancel: String,
    job: String,
    event: String,
    erp_sku: String,
}

impl Ids {
    fn param(&self, name: &str) -> Option<&str> {
        Some(match name {
            "id" => &self.shop,
            "order_id" => &self.order,
            "product_id" => &self.product,
            "sku_id" => &self.sku,
            "category_id" => &self.category,
            "return_id" => &self.ret,
            "cancel_id" => &self.cancel,
            "job_id" => &self.job,
            "event_id" => &self.event,
            "erp_sku" => &self.erp_sku,
            _ => return None,
        })
    }

    /// The example body with the victim's real ids in place of the example's, so that a request that
    /// got through would really act.
    fn fill(&self, value: &mut Value, parent: Option<&str>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    let real = match key.as_str() {
                        "warehouse_id" => Some(&self.warehouse),
                        "product_id" => Some(&self.product),
                        "order_id" => Some(&self.order),
                        "sku_id" | "tiktok_sku_id" => Some(&self.sku),
                        "category_id" => Some(&self.category),
                        "id" if parent == Some("skus") => Some(&self.sku),
                        _ => None,
                    };
                    match real {
                        Some(id) if v.is_string() => *v = json!(id),
                        _ => self.fill(v, Some(key)),
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    if parent == Some("product_ids") && item.is_string() {
                        *item = json!(self.product);
                    } else {
                        self.fill(item, parent);
                    }
                }
            }
            _ => {}
        }
    }
}

/// One operation of the document that needs a bearer token.
struct Op {
    method: reqwest::Method,
    template: String,
    path: String,
    least: Role,
    body: Option<Value>,
    idempotency_key: bool,
}

impl Op {
    fn name(&self) -> String {
        format!("{} {}", self.method, self.template)
    }
    fn shop_scoped(&self) -> bool {
        self.template.starts_with(&format!("{SHOPS}/{{id}}"))
    }
}

fn role_of(scope: &str) -> Option<Role> {
    match scope {
        "viewer" => Some(Role::Viewer),
        "operator" => Some(Role::Operator),
        "admin" => Some(Role::Admin),
        _ => None,
    }
}

/// The request body an operation documents: its example (of the content, else of the schema, else
/// of the referenced component), else `{}`; `None` when it takes no body.
fn example_body(doc: &Value, op: &Value) -> Option<Value> {
    let body = op.get("requestBody")?;
    let content = body["content"].get("application/json");
    let example = content.and_then(|c| {
        c.get("example").cloned().or_else(|| {
            let schema = &c["schema"];
            let schema = match schema.get("$ref").and_then(Value::as_str) {
                Some(r) => doc.pointer(r.trim_start_matches('#'))?,
                None => schema,
            };
            schema
                .get("example")
                .cloned()
                .or_else(|| schema["examples"].get(0).cloned())
        })
    });
    Some(example.unwrap_or_else(|| json!({})))
}

/// Reads every operation of the document: the bearer ones with their least role and filled path, and
/// the public ones (checked against `PUBLIC`).
fn operations(doc: &Value, ids: &Ids) -> (Vec<Op>, Vec<String>) {
    let mut ops = Vec::new();
    let mut public = Vec::new();
    for (template, item) in doc["paths"].as_object().expect("the document has paths") {
        for method in ["get", "put", "post", "delete", "patch", "head", "options"] {
            let Some(op) = item.get(method) else { continue };
            let name = format!("{} {template}", method.to_uppercase());
            let requirements = op
                .get("security")
                .or_else(|| doc.get("security"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let bearer: Vec<&Value> = requirements
                .iter()
                .filter_map(|r| r.get("bearer"))
                .collect();
            let anonymous = requirements
                .iter()
                .any(|r| r.as_object().is_some_and(|o| o.is_empty()));
            if bearer.is_empty() {
                assert!(
                    PUBLIC
                        .iter()
                        .any(|(m, p, _)| m.eq_ignore_ascii_case(method) && p == template),
                    "{name} has no bearer requirement: give it `security((\"bearer\" = [\"<least role>\"]))`, \
                     or, if it really is public, add it to PUBLIC in tests/stress/security.rs with why"
                );
                public.push(name);
                continue;
            }
            assert!(
                !anonymous && bearer.len() == 1,
                "{name}: a bearer requirement next to an anonymous one (or two of them) makes the token optional: {requirements:?}"
            );
            let scopes = bearer[0].as_array().cloned().unwrap_or_default();
            let least = match scopes.as_slice() {
                [s] => s.as_str().and_then(role_of),
                _ => None,
            }
            .unwrap_or_else(|| {
                panic!(
                    "{name}: its bearer requirement must name, as its one scope, the least role it needs \
                     (viewer, operator or admin); it names {scopes:?}"
                )
            });
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let mut path = template.clone();
            while let Some(start) = path.find('{') {
                let end = start + path[start..].find('}').expect("a closed path parameter");
                let param = path[start + 1..end].to_owned();
                let value = ids.param(&param).unwrap_or_else(|| {
                    panic!(
                        "{name}: the path parameter `{param}` is new to the security matrix; add it to \
                         `Ids::param` in tests/stress/security.rs with a real id of the victim's shop"
                    )
                });
                path.replace_range(start..=end, value);
            }
            let idempotency_key = params
                .iter()
                .any(|p| p["in"] == "header" && p["name"] == "Idempotency-Key");
            let body = example_body(doc, op).map(|mut b| {
                ids.fill(&mut b, None);
                b
            });
            ops.push(Op {
                method: reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                template: template.clone(),
                path,
                least,
                body,
                idempotency_key,
            });
        }
    }
    (ops, public)
}

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

/// Every row of every table, as text, by table.
async fn snapshot(db: &DatabaseConnection) -> BTreeMap<String, Vec<String>> {
    let backend = db.get_database_backend();
    let rows = |sql: String| async move {
        db.query_all_raw(Statement::from_string(backend, sql))
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.try_get_by_index::<String>(0).unwrap())
            .collect::<Vec<String>>()
    };
    let tables = match backend {
        DbBackend::Sqlite => {
            rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name".into())
                .await
        }
        _ => {
            rows("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename".into())
                .await
        }
    };
    assert!(tables.len() > 10, "the tables are found: {tables:?}");
    let mut all = BTreeMap::new();
    for table in tables {
        let sql = match backend {
            DbBackend::Sqlite => {
                let columns = rows(format!(
                    "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
                ))
                .await;
                let row = columns
                    .iter()
                    .map(|c| format!("quote(\"{c}\")"))
                    .collect::<Vec<_>>()
                    .join(" || ',' || ");
                format!("SELECT {row} AS r FROM \"{table}\" ORDER BY 1")
            }
            _ => format!("SELECT t::text AS r FROM \"{table}\" t ORDER BY 1"),
        };
        let content = rows(sql).await;
        all.insert(table, content);
    }
    all
}

/// What differs between two snapshots, table by table (a few rows each).
fn differences(
    before: &BTreeMap<String, Vec<String>>,
    after: &BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    let tables: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let mut out = Vec::new();
    for t in tables {
        let empty = Vec::new();
        let b: BTreeSet<&String> = before.get(t).unwrap_or(&empty).iter().collect();
        let a: BTreeSet<&String> = after.get(t).unwrap_or(&empty).iter().collect();
        if a != b || before.get(t).map(Vec::len) != after.get(t).map(Vec::len) {
            let gone: Vec<_> = b.difference(&a).take(3).collect();
            let new: Vec<_> = a.difference(&b).take(3).collect();
            out.push(format!("{t}: gone {gone:?}, new {new:?}"));
        }
    }
    out
}

/// The highest sequence number of the sandbox's request log.
fn sandbox_seq(env: &SandboxEnv) -> u64 {
    env.sandbox
        .state()
        .requests()
        .iter()
        .map(|r| r.seq)
        .max()
        .unwrap_or(0)
}

/// The sandbox's requests after `seq`, as "METHOD path".
fn sandbox_calls_after(env: &SandboxEnv, seq: u64) -> Vec<String> {
    env.sandbox
        .state()
        .requests()
        .into_iter()
        .filter(|r| r.seq > seq)
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
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

/// The rows a callback may not change when it refuses: every table but the states (a refused state
/// is claimed) and the shops, of which the connection (tenant, TikTok shop, cipher, grant, whether
/// connected; a shop that was authorizing goes back to configured).
async fn connections(env: &SandboxEnv) -> BTreeMap<String, Vec<String>> {
    let mut all = snapshot(&env.app.state.db).await;
    all.remove("oauth_states");
    let shops = entity::shop::Entity::find()
        .all(&env.app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| {
            format!(
                "{} {} {:?} {:?} {:?} {:?} connected={}",
                s.id,
                s.tenant_id,
                s.shop_id,
                s.shop_cipher,
                s.grant_id,
                s.connected_at,
                s.status == "connected"
            )
        })
        .collect();
    all.insert("shops".into(), shops);
    all
}

fn token_exchanges(env: &SandboxEnv) -> usize {
    env.count_requests("/api/v2/token/get")
}

/// A callback URL with its state replaced.
fn with_state(callback: &str, state: &str) -> String {
    let mut url = url::Url::parse(callback).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                state.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.to_string()
}

/// Forged, superseded, replayed, expired and another tenant's state: each callback connects nothing
/// (and those refused for their state never spend TikTok's code). Returns the number of cases.
async fn oauth_cases(env: &SandboxEnv) -> usize {
    let subscription_reads = || {
        env.sandbox
            .state()
            .requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path == "/event/202309/webhooks")
            .count()
    };
    // Each case: its name, the callback the browser brings back, the reason, and whether TikTok's
    // code is exchanged before the refusal.

    // Forged: a real code with a state we never issued.
    let callback = env.consent(&env.authorize_url().await, "authorize").await;
    let forged = with_state(&callback, "Zm9yZ2VkLXN0YXRlLWZvcmdlZC1zdGF0ZS1mb3JnZWQ");
    run_oauth_case(env, ("forged", forged, "state_unknown", false)).await;

    // Superseded: a newer Connect of the same shop made the older link invalid.
    let older = env.consent(&env.authorize_url().await, "authorize").await;
    let newer_url = env.authorize_url().await;
    run_oauth_case(env, ("superseded", older, "state_superseded", false)).await;
    // The newer one works (the state below is used once, legitimately).
    let reads = subscription_reads();
    let newer = env.consent(&newer_url, "authorize").await;
    let outcome = env.follow_callback(&newer).await;
    assert_eq!(outcome["tiktok_connect"], "success", "{outcome:?}");
    env.wait_for_webhook_registration(reads).await;

    // Replayed: the same callback a second time.
    run_oauth_case(env, ("replayed", newer, "state_used", false)).await;

    // Expired: the seller comes back after the link's 10 minutes.
    let late = env.consent(&env.authorize_url().await, "authorize").await;
    advance_both(env, chrono::Duration::minutes(11)).await;
    run_oauth_case(env, ("expired", late, "state_expired", false)).await;

    // Another tenant's state: globex configures the same app and sends the same seller through its
    // own Connect; the seller's shops are acme's, so nothing of globex's connects and acme keeps them.
    let globex = env.app.token("globex", Role::Admin);
    let theirs = env
        .app
        .create_shop(
            &globex,
            json!({"name": "Globex twin", "app_key": APP_KEY, "app_secret": APP_SECRET_TT, "service_id": SERVICE_ID}),
        )
        .await;
    let (status, body) = env
        .app
        .post(
            &format!("{SHOPS}/{}/connect", theirs["id"].as_str().unwrap()),
            &globex,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let callback = env
        .consent(body["authorize_url"].as_str().unwrap(), "authorize")
        .await;
    run_oauth_case(
        env,
        (
            "another tenant's",
            callback,
            "shop_connected_elsewhere",
            true,
        ),
    )
    .await;
    5
}

async fn run_oauth_case(
    env: &SandboxEnv,
    (name, callback, reason, exchanges): (&str, String, &str, bool),
) {
    let mut before = connections(env).await;
    let exchanged_before = token_exchanges(env);
    let outcome = env.follow_callback(&callback).await;
    assert_eq!(outcome["tiktok_connect"], "error", "{name}: {outcome:?}");
    assert_eq!(outcome["reason"], reason, "{name}: {outcome:?}");
    let mut after = connections(env).await;
    if exchanges {
        // The code exchange is a call to TikTok: the app's API budget counts it.
        before.remove("quota_windows");
        after.remove("quota_windows");
    }
    let changed = differences(&before, &after);
    assert!(
        changed.is_empty(),
        "the {name} state changed the connections:\n{}",
        changed.join("\n")
    );
    assert_eq!(
        token_exchanges(env) - exchanged_before,
        usize::from(exchanges),
        "{name}: TikTok's code is exchanged only past the state check"
    );
    assert_eq!(env.status().await["status"], "connected", "{name}");
}

/// Missing, wrong secret, tampered body, another shop's app, unknown shop: each a 401 with the same
/// envelope, and nothing stored; then the right signature is stored (the control). Returns the
/// number of refused cases.
async fn webhook_cases(env: &SandboxEnv, tiktok_shop: &str, bodies: &mut Vec<String>) -> usize {
    let data = json!({"order_id": "576461413038785752", "order_status": "AWAITING_SHIPMENT", "update_time": 1_700_000_000});
    let body = event_body(tiktok_shop, 1, "security-hook-1", data.clone());
    let signed = sign(APP_KEY, APP_SECRET_TT, &body);
    let tampered = {
        let mut v: Value = serde_json::from_slice(&body).unwrap();
        v["data"]["order_status"] = json!("CANCELLED");
        serde_json::to_vec(&v).unwrap()
    };
    let unknown = event_body("7499999999999999999", 1, "security-hook-2", data);
    let cases: Vec<(&str, &[u8], Option<String>)> = vec![
        ("missing", &body, None),
        (
            "wrong secret",
            &body,
            Some(sign(APP_KEY, "not-the-app-secret", &body)),
        ),
        ("tampered body", &tampered, Some(signed.clone())),
        (
            "another shop's app",
            &body,
            Some(sign(OTHER_APP_KEY, OTHER_APP_SECRET, &body)),
        ),
        (
            "unknown shop",
            &unknown,
            Some(sign(APP_KEY, APP_SECRET_TT, &unknown)),
        ),
    ];
    let before = snapshot(&env.app.state.db).await;
    let stored_before = stored(env).await;
    let mut refused_messages = BTreeSet::new();
    for (name, payload, signature) in &cases {
        let (status, text) = deliver(env, payload, signature.clone()).await;
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        bodies.push(text);
        envelope(status, &answer, 401, "invalid_signature")
            .unwrap_or_else(|e| panic!("webhook {name}: {e}"));
        if signature.is_some() {
            refused_messages.insert(answer["error"]["message"].to_string());
        }
    }
    assert_eq!(
        refused_messages.len(),
        1,
        "a bad signature and an unknown shop answer alike: {refused_messages:?}"
    );
    // Let anything that was wrongly accepted be written before looking.
    let (status, _) = env
        .app
        .get(&env.shop_path("/webhooks/events"), &env.token)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        stored(env).await,
        stored_before,
        "a refused delivery was stored"
    );
    let changed = differences(&before, &snapshot(&env.app.state.db).await);
    assert!(
        changed.is_empty(),
        "refused deliveries changed the database:\n{}",
        changed.join("\n")
    );
    let (status, text) = deliver(env, &body, Some(signed)).await;
    assert_eq!(status, 200, "the control delivery is accepted: {text}");
    assert_eq!(stored(env).await, stored_before + 1);
    cases.len()
}

/// No secret in the database's bytes, the captured logs or any answer received. Returns how many
/// secrets were looked for.
async fn secrets_absent(env: &SandboxEnv, bodies: &[String]) -> usize {
    let app = &env.app;
    let mut secrets: Vec<(String, Vec<u8>)> = vec![
        ("the app secret".into(), APP_SECRET_TT.as_bytes().to_vec()),
        (
            "the other app's secret".into(),
            OTHER_APP_SECRET.as_bytes().to_vec(),
        ),
        (
            "the master key".into(),
            app.env["OCEAN_MASTER_KEY"].as_bytes().to_vec(),
        ),
        (
            "the master key's bytes".into(),
            base64::engine::general_purpose::STANDARD
                .decode(&app.env["OCEAN_MASTER_KEY"])
                .unwrap(),
        ),
        (
            "the JWT secret".into(),
            app.env["OCEAN_JWT_SECRET"].as_bytes().to_vec(),
        ),
    ];
    {
        let sandbox = env.sandbox.state();
        let auth = sandbox.auth();
        for t in auth.access_tokens.keys() {
            secrets.push((format!("access token {}…", &t[..8]), t.as_bytes().to_vec()));
        }
        for t in auth.refresh_tokens.keys() {
            secrets.push((format!("refresh token {}…", &t[..8]), t.as_bytes().to_vec()));
        }
    }
    assert!(
        secrets.len() >= 5 + 4,
        "the sandbox issued tokens (connect and reconnect)"
    );

    let db_bytes: Vec<u8> = match app.db.sqlite_file() {
        Some(file) => {
            app.state
                .db
                .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await
                .unwrap();
            let mut raw = std::fs::read(&file).unwrap();
            if let Ok(wal) = std::fs::read(file.with_extension("db-wal")) {
                raw.extend(wal);
            }
            raw
        }
        None => snapshot(&app.state.db)
            .await
            .into_iter()
            .flat_map(|(t, rows)| std::iter::once(t).chain(rows))
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes(),
    };
    assert!(db_bytes.len() > 10_000, "the database was read");
    let logs = captured_logs();
    let answers = bodies.join("\n");
    let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    let mut found = Vec::new();
    for (name, secret) in &secrets {
        if contains(&db_bytes, secret) {
            found.push(format!("{name} in the database"));
        }
        if contains(logs.as_bytes(), secret) {
            found.push(format!("{name} in the logs"));
        }
        if contains(answers.as_bytes(), secret) {
            found.push(format!("{name} in an answer"));
        }
    }
    assert!(found.is_empty(), "secrets leaked: {found:?}");
    secrets.len()
}
