//! The control plane under `/_sandbox/` (never a real path; no signature): what exists, fault rates,
//! token expiry and revocation, the clock, creating and moving orders and products, the request log,
//! reset, extra apps, and the shipping documents' PDFs.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::state::{App, SandboxEvent, SandboxState};
use crate::world::json::{order_json, product_json, shop_json};
use crate::world::ops::{NewOrder, OpError};
use crate::world::{
    Id, IdKind, OrderStatus, Product, ProductStatus, ShippingType, Sku, Stock, WarehouseType,
    parse_id,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/_sandbox", web::get().to(overview))
        .route("/_sandbox/", web::get().to(overview))
        .route("/_sandbox/faults", web::get().to(get_faults))
        .route("/_sandbox/faults", web::post().to(set_faults))
        .route("/_sandbox/clock", web::get().to(get_clock))
        .route("/_sandbox/clock", web::post().to(move_clock))
        .route("/_sandbox/requests", web::get().to(requests))
        .route("/_sandbox/reset", web::post().to(reset))
        .route("/_sandbox/apps", web::get().to(list_apps))
        .route("/_sandbox/apps", web::post().to(add_app))
        .route(
            "/_sandbox/shops/{shop_id}/expire-token",
            web::post().to(expire_token),
        )
        .route("/_sandbox/shops/{shop_id}/revoke", web::post().to(revoke))
        .route(
            "/_sandbox/shops/{shop_id}/orders",
            web::post().to(create_orders),
        )
        .route(
            "/_sandbox/shops/{shop_id}/products",
            web::post().to(create_product),
        )
        .route("/_sandbox/orders/{order_id}", web::get().to(get_order))
        .route("/_sandbox/orders/{order_id}", web::patch().to(patch_order))
        .route(
            "/_sandbox/orders/{order_id}/advance",
            web::post().to(advance_order),
        )
        .route(
            "/_sandbox/products/{product_id}",
            web::get().to(get_product),
        )
        .route(
            "/_sandbox/products/{product_id}",
            web::patch().to(patch_product),
        )
        .route("/_sandbox/documents/{file}", web::get().to(document));
}

fn bad(status: u16, message: impl Into<String>) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default())
        .json(json!({"error": message.into()}))
}

fn ok(v: Value) -> HttpResponse {
    HttpResponse::Ok().json(v)
}

/// Parses an optional JSON body (empty = `{}`).
fn body<T: for<'de> Deserialize<'de> + Default>(raw: &[u8]) -> Result<T, HttpResponse> {
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(T::default());
    }
    serde_json::from_slice(raw).map_err(|e| bad(400, format!("Invalid JSON body: {e}")))
}

fn path_id(req: &HttpRequest, name: &str) -> Result<Id, HttpResponse> {
    let raw = req.match_info().get(name).unwrap_or("");
    parse_id(raw).ok_or_else(|| bad(400, format!("Invalid {name}: {raw:?}")))
}

/// `GET /_sandbox/`: sellers with their shops (ids and ciphers), apps, the clock, sizes.
async fn overview(state: web::Data<SandboxState>) -> HttpResponse {
    let apps: Vec<Value> = state
        .apps()
        .into_iter()
        .map(|a| json!({"app_key": a.app_key, "service_id": a.service_id, "redirect_url": a.redirect_url}))
        .collect();
    let world = state.with_world(|w| {
        let sellers: Vec<Value> = w
            .sellers
            .values()
            .map(|s| {
                json!({
                    "id": s.id.to_string(),
                    "name": s.name,
                    "base_region": s.base_region.code(),
                    "shops": s.shop_ids.iter().filter_map(|id| w.shops.get(id)).map(|sh| {
                        let mut v = shop_json(sh);
                        v["warehouse_ids"] = json!(sh.warehouse_ids.iter().map(|x| x.to_string()).collect::<Vec<_>>());
                        v["orders"] = json!(w.orders_by_create.range((sh.id, i64::MIN, 0)..=(sh.id, i64::MAX, Id::MAX)).count());
                        v["products"] = json!(w.products_by_create.range((sh.id, i64::MIN, 0)..=(sh.id, i64::MAX, Id::MAX)).count());
                        v
                    }).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({"sellers": sellers, "orders": w.orders.len(), "products": w.products.len(), "packages": w.packages.len(), "returns": w.returns.len(), "cancellations": w.cancellations.len()})
    });
    let (authorizations, tokens) = {
        let a = state.auth();
        (a.authorizations.len(), a.access_tokens.len())
    };
    ok(json!({
        "seed": state.config().seed,
        "now": state.now(),
        "clock_offset_seconds": state.clock().offset(),
        "apps": apps,
        "world": world,
        "authorizations": authorizations,
        "access_tokens": tokens,
        "paths": {
            "authorize": "/open/authorize",
            "token_get": "/api/v2/token/get",
            "token_refresh": "/api/v2/token/refresh",
        },
    }))
}

async fn get_faults(state: web::Data<SandboxState>) -> HttpResponse {
    ok(json!(state.faults()))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FaultsIn {
    error_5xx: Option<f64>,
    rate_429: Option<f64>,
    slow_ms: Option<u64>,
    slow_rate: Option<f64>,
    drop_rate: Option<f64>,
    malformed_rate: Option<f64>,
    /// Reseeds the fault randomness, for repeatable runs.
    seed: Option<u64>,
}

/// `POST /_sandbox/faults`: sets the rates given (others keep their value); all zero = no faults.
async fn set_faults(raw: web::Bytes, state: web::Data<SandboxState>) -> HttpResponse {
    let f: FaultsIn = match body(&raw) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut cur = state.faults();
    for (v, slot) in [
        (f.error_5xx, &mut cur.error_5xx),
        (f.rate_429, &mut cur.rate_429),
        (f.slow_rate, &mut cur.slow_rate),
        (f.drop_rate, &mut cur.drop_rate),
        (f.malformed_rate, &mut cur.malformed_rate),
    ] {
        if let Some(v) = v {
            if !(0.0..=1.0).contains(&v) {
                return bad(400, "Rates are probabilities between 0 and 1.");
            }
            *slot = v;
        }
    }
    if let Some(ms) = f.slow_ms {
        if ms > 60_000 {
            return bad(400, "slow_ms is at most 60000.");
        }
        cur.slow_ms = ms;
    }
    state.set_faults(cur.clone(), f.seed);
    ok(json!(cur))
}

async fn get_clock(state: web::Data<SandboxState>) -> HttpResponse {
    ok(json!({"now": state.now(), "offset_seconds": state.clock().offset()}))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ClockIn {
    advance_seconds: Option<i64>,
}

/// `POST /_sandbox/clock {advance_seconds}`: moves the sandbox clock (time-driven changes follow).
async fn move_clock(raw: web::Bytes, state: web::Data<SandboxState>) -> HttpResponse {
    let c: ClockIn = match body(&raw) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(secs) = c.advance_seconds else {
        return bad(400, "advance_seconds is required.");
    };
    state.advance_clock(secs);
    ok(json!({"now": state.now(), "offset_seconds": state.clock().offset()}))
}

/// `GET /_sandbox/requests?since=<seq>&limit=<n>&path=<substring>`: the request log, oldest first.
async fn requests(req: HttpRequest, state: web::Data<SandboxState>) -> HttpResponse {
    let q = crate::protocol::parse_query(req.query_string());
    let get = |k: &str| q.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
    let since: u64 = get("since").and_then(|s| s.parse().ok()).unwrap_or(0);
    let limit: usize = get("limit")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000)
        .min(50_000);
    let path = get("path");
    let all = state.requests();
    let items: Vec<_> = all
        .into_iter()
        .filter(|r| r.seq > since && path.as_ref().is_none_or(|p| r.path.contains(p.as_str())))
        .collect();
    let skip = items.len().saturating_sub(limit);
    ok(json!({"requests": &items[skip..]}))
}

async fn reset(state: web::Data<SandboxState>) -> HttpResponse {
    state.reset();
    ok(json!({"reset": true, "now": state.now()}))
}

async fn list_apps(state: web::Data<SandboxState>) -> HttpResponse {
    let apps: Vec<Value> = state
        .apps()
        .into_iter()
        .map(|a| json!({"app_key": a.app_key, "service_id": a.service_id, "redirect_url": a.redirect_url}))
        .collect();
    ok(json!({"apps": apps}))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AppIn {
    app_key: String,
    app_secret: String,
    service_id: Option<String>,
    redirect_url: String,
}

/// `POST /_sandbox/apps {app_key, app_secret, service_id, redirect_url}`: registers another app.
async fn add_app(raw: web::Bytes, state: web::Data<SandboxState>) -> HttpResponse {
    let a: AppIn = match body(&raw) {
        Ok(a) => a,
        Err(r) => return r,
    };
    if a.app_key.is_empty() || a.app_secret.is_empty() {
        return bad(400, "app_key and app_secret are required.");
    }
    if url::Url::parse(&a.redirect_url).is_err() {
        return bad(400, "redirect_url must be an absolute URL.");
    }
    let service_id = a.service_id.unwrap_or_else(|| format!("svc_{}", a.app_key));
    state.register_app(App {
        app_key: a.app_key.clone(),
        app_secret: a.app_secret,
        service_id: service_id.clone(),
        redirect_url: a.redirect_url.clone(),
    });
    ok(json!({"app_key": a.app_key, "service_id": service_id, "redirect_url": a.redirect_url}))
}

fn shop_exists(state: &SandboxState, shop: Id) -> bool {
    state.with_world(|w| w.shops.contains_key(&shop))
}

/// `POST /_sandbox/shops/{shop_id}/expire-token`: every access token covering the shop expires now.
async fn expire_token(req: HttpRequest, state: web::Data<SandboxState>) -> HttpResponse {
    let shop = match path_id(&req, "shop_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !shop_exists(&state, shop) {
        return bad(404, "No such shop.");
    }
    ok(json!({"expired": state.expire_shop_tokens(shop)}))
}

/// `POST /_sandbox/shops/{shop_id}/revoke`: the seller deauthorizes every app for the shop
/// (SELLER_DEAUTHORIZATION is pushed).
async fn revoke(req: HttpRequest, state: web::Data<SandboxState>) -> HttpResponse {
    let shop = match path_id(&req, "shop_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !shop_exists(&state, shop) {
        return bad(404, "No such shop.");
    }
    ok(json!({"revoked_for_apps": state.revoke_shop(shop)}))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct OrdersIn {
    /// How many orders (default 1, at most 1000).
    count: Option<usize>,
    /// One SKU id per unit; empty = one random in-stock SKU.
    sku_ids: Option<Vec<String>>,
    /// Target status: the order is walked there through the real lifecycle (default UNPAID).
    status: Option<String>,
    is_cod: Option<bool>,
    /// "TIKTOK" or "SELLER".
    shipping_type: Option<String>,
    buyer_message: Option<String>,
}

fn op_err(e: OpError) -> HttpResponse {
    let status = match e {
        OpError::NotFound(_) => 404,
        OpError::Cancelled
        | OpError::AlreadyShipped
        | OpError::Status(_)
        | OpError::OutOfStock(_) => 409,
        OpError::Invalid(_) => 400,
    };
    bad(status, e.to_string())
}

/// Walks an order forward until it reaches `target` (or cancels it for CANCELLED).
fn walk_to(
    w: &mut crate::world::World,
    id: Id,
    target: OrderStatus,
    now: i64,
) -> Result<(), OpError> {
    if target == OrderStatus::Cancelled {
        w.cancel_order(id, &[], "BUYER", "Buyer changed mind", now)?;
        return Ok(());
    }
    for _ in 0..10 {
        let cur = w
            .orders
            .get(&id)
            .map(|o| o.status)
            .ok_or(OpError::NotFound("order"))?;
        if cur == target {
            return Ok(());
        }
        if cur == OrderStatus::Cancelled || cur == OrderStatus::Completed {
            break;
        }
        w.advance_order(id, now)?;
    }
    let cur = w.orders.get(&id).map(|o| o.status);
    if cur == Some(target) {
        Ok(())
    } else {
        Err(OpError::Status(format!(
            "Could not bring the order to {}.",
            target.as_str()
        )))
    }
}

/// `POST /_sandbox/shops/{shop_id}/orders`: places orders (stock is taken) and optionally walks them
/// to a status. Answers the orders as the API renders them.
async fn create_orders(
    req: HttpRequest,
    raw: web::Bytes,
    state: web::Data<SandboxState>,
) -> HttpResponse {
    let shop = match path_id(&req, "shop_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    let spec: OrdersIn = match body(&raw) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let count = spec.count.unwrap_or(1);
    if count == 0 || count > 1000 {
        return bad(400, "count must be between 1 and 1000.");
    }
    let target = match spec.status.as_deref() {
        None => OrderStatus::Unpaid,
        Some(s) => match OrderStatus::parse(s) {
            Some(t) => t,
            None => return bad(400, format!("Unknown status {s:?}.")),
        },
    };
    let shipping_type = match spec.shipping_type.as_deref() {
        None => None,
        Some("TIKTOK") => Some(ShippingType::Tiktok),
        Some("SELLER") => Some(ShippingType::Seller),
        Some(other) => return bad(400, format!("Unknown shipping_type {other:?}.")),
    };
    let mut skus = Vec::new();
    for s in spec.sku_ids.unwrap_or_default() {
        match parse_id(&s) {
            Some(id) => skus.push(id),
            None => return bad(400, format!("Invalid sku id {s:?}.")),
        }
    }
    let now = state.now();
    let result = state.with_world(|w| {
        if !w.shops.contains_key(&shop) {
            return Err(OpError::NotFound("shop"));
        }
        let mut out = Vec::new();
        for _ in 0..count {
            let id = w.create_order(
                shop,
                now,
                NewOrder {
                    sku_ids: skus.clone(),
                    is_cod: spec.is_cod,
                    shipping_type,
                    buyer_message: spec.buyer_message.clone(),
                    paid: false,
                },
            )?;
            walk_to(w, id, target, now)?;
            out.push(order_json(w, &w.orders[&id]));
        }
        Ok(out)
    });
    match result {
        Ok(orders) => ok(json!({"orders": orders})),
        Err(e) => op_err(e),
    }
}

async fn get_order(req: HttpRequest, state: web::Data<SandboxState>) -> HttpResponse {
    let id = match path_id(&req, "order_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.with_world(|w| w.orders.get(&id).map(|o| order_json(w, o))) {
        Some(o) => ok(o),
        None => bad(404, "No such order."),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AdvanceIn {
    /// Walk to this status instead of one step.
    to: Option<String>,
}

/// `POST /_sandbox/orders/{id}/advance [{to}]`: one lifecycle step (pay, release hold, ship,
/// collect, deliver, complete), or up to `to`.
async fn advance_order(
    req: HttpRequest,
    raw: web::Bytes,
    state: web::Data<SandboxState>,
) -> HttpResponse {
    let id = match path_id(&req, "order_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    let spec: AdvanceIn = match body(&raw) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let target = match spec.to.as_deref() {
        None => None,
        Some(s) => match OrderStatus::parse(s) {
            Some(t) => Some(t),
            None => return bad(400, format!("Unknown status {s:?}.")),
        },
    };
    let now = state.now();
    let r = state.with_world(|w| {
        match target {
            Some(t) => walk_to(w, id, t, now)?,
            None => {
                w.advance_order(id, now)?;
            }
        }
        Ok(order_json(w, &w.orders[&id]))
    });
    match r {
        Ok(o) => ok(o),
        Err(e) => op_err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct OrderPatch {
    /// The buyer changes the delivery address (RECIPIENT_ADDRESS_UPDATE).
    change_address: Option<bool>,
    buyer_message: Option<String>,
    /// A buyer asks to cancel (a pending cancellation the seller must answer).
    request_cancel: Option<bool>,
}

/// `PATCH /_sandbox/orders/{id}`: buyer-side changes.
async fn patch_order(
    req: HttpRequest,
    raw: web::Bytes,
    state: web::Data<SandboxState>,
) -> HttpResponse {
    let id = match path_id(&req, "order_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    let p: OrderPatch = match body(&raw) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let now = state.now();
    let r = state.with_world(|w| {
        let o = w
            .orders
            .get(&id)
            .cloned()
            .ok_or(OpError::NotFound("order"))?;
        if p.change_address == Some(true) {
            w.change_address(id, now)?;
        }
        if let Some(m) = p.buyer_message {
            w.update_order(id, now, |o| o.buyer_message = m);
        }
        if p.request_cancel == Some(true) {
            if o.status.is_shipped() || o.status == OrderStatus::Cancelled {
                return Err(OpError::Status(
                    "The order has shipped or is cancelled.".into(),
                ));
            }
            let cid = w.new_id(IdKind::Cancellation);
            w.cancellations.insert(
                cid,
                crate::world::Cancellation {
                    id: cid,
                    shop_id: o.shop_id,
                    order_id: id,
                    role: "BUYER".into(),
                    status: crate::world::CancelStatus::RequestPending,
                    reason: "Buyer changed mind".into(),
                    line_item_ids: o
                        .line_items
                        .iter()
                        .filter(|l| !l.is_cancelled)
                        .map(|l| l.id)
                        .collect(),
                    refund_total: o.payment.total_amount,
                    create_time: now,
                    update_time: now,
                },
            );
            w.update_order(id, now, |_| ());
            w.outbox.push(SandboxEvent::CancellationStatusChange {
                shop_id: o.shop_id,
                order_id: id,
                cancellations_role: "BUYER".into(),
                cancel_status: crate::world::CancelStatus::RequestPending.as_str().into(),
                cancel_id: cid,
                create_time: now,
                update_time: now,
            });
        }
        Ok(order_json(w, &w.orders[&id]))
    });
    match r {
        Ok(o) => ok(o),
        Err(e) => op_err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ProductIn {
    title: Option<String>,
    /// Price in the shop currency's decimal form (default "19.99" scaled to the region).
    price: Option<String>,
    /// Units in the default warehouse per SKU (default 100).
    quantity: Option<i64>,
    /// Number of SKUs (default 1, at most 10).
    skus: Option<usize>,
    /// Default ACTIVATE.
    status: Option<String>,
}

/// `POST /_sandbox/shops/{shop_id}/products`: a product straight into the catalogue (no audit).
async fn create_product(
    req: HttpRequest,
    raw: web::Bytes,
    state: web::Data<SandboxState>,
) -> HttpResponse {
    let shop = match path_id(&req, "shop_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    let spec: ProductIn = match body(&raw) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let status = match spec.status.as_deref() {
        None => ProductStatus::Activate,
        Some(s) => match ProductStatus::parse(s) {
            Some(t) => t,
            None => return bad(400, format!("Unknown status {s:?}.")),
        },
    };
    let n = spec.skus.unwrap_or(1);
    if n == 0 || n > 10 {
        return bad(400, "skus must be between 1 and 10.");
    }
    let quantity = spec.quantity.unwrap_or(100);
    if quantity < 0 {
        return bad(400, "quantity must not be negative.");
    }
    let now = state.now();
    let r = state.with_world(|w| {
        let shop_data = w
            .shops
            .get(&shop)
            .cloned()
            .ok_or_else(|| bad(404, "No such shop."))?;
        let region = shop_data.region;
        let price = match &spec.price {
            Some(p) => {
                crate::world::parse_amount(p, region).ok_or_else(|| bad(400, "Invalid price."))?
            }
            None => region.price_scale() * 20 - region.price_scale() / 100,
        };
        let wh = shop_data
            .warehouse_ids
            .iter()
            .copied()
            .find(|id| {
                w.warehouses
                    .get(id)
                    .is_some_and(|x| x.kind == WarehouseType::Sales)
            })
            .ok_or_else(|| bad(500, "The shop has no sales warehouse."))?;
        let cat = w
            .categories
            .values()
            .find(|c| c.is_leaf)
            .cloned()
            .ok_or_else(|| bad(500, "No leaf category."))?;
        let color = cat
            .attributes
            .iter()
            .find(|a| a.kind == crate::world::AttributeKind::SalesProperty)
            .cloned();
        let pid = w.new_id(IdKind::Product);
        let mut skus = Vec::new();
        for i in 0..n {
            let sales_attributes = match &color {
                Some(a) if n > 1 => {
                    let (vid, vname) = a.values[i % a.values.len()].clone();
                    vec![crate::world::SalesAttribute {
                        id: a.id,
                        name: a.name.clone(),
                        value_id: vid,
                        value_name: vname,
                    }]
                }
                _ => Vec::new(),
            };
            skus.push(Sku {
                id: w.new_id(IdKind::Sku),
                seller_sku: format!("SBX-{pid}-{}", i + 1),
                sales_attributes,
                price,
                inventory: vec![Stock::available(wh, quantity)],
            });
        }
        let product = Product {
            id: pid,
            shop_id: shop,
            title: spec
                .title
                .clone()
                .unwrap_or_else(|| format!("Sandbox Product {pid}")),
            description: "<p>Created through the sandbox control plane.</p>".into(),
            category_id: cat.id,
            brand_id: None,
            status,
            main_images: vec![format!("tos-maliva-i-o3syd03w52-us/{pid:x}")],
            skus,
            package_weight: ("0.5".into(), "KILOGRAM".into()),
            package_dimensions: None,
            product_attributes: json!([]),
            video: None,
            is_cod_allowed: region.has_cod(),
            create_time: now,
            update_time: now,
            audit_due: None,
            audit_failed_reasons: Vec::new(),
        };
        w.insert_product(product);
        w.outbox.push(SandboxEvent::ProductCreation {
            shop_id: shop,
            product_id: pid,
            update_time: now,
        });
        Ok(product_view(w, &w.products[&pid]))
    });
    match r {
        Ok(p) => ok(p),
        Err(resp) => resp,
    }
}

/// A product as the API renders it, plus the books the API shows only through inventory search: each
/// `skus[].inventory[]` entry also carries `committed_quantity` (`quantity` is available).
fn product_view(w: &crate::world::World, p: &Product) -> Value {
    let mut v = product_json(w, p);
    if let Some(skus) = v.get_mut("skus").and_then(Value::as_array_mut) {
        for (sj, sku) in skus.iter_mut().zip(&p.skus) {
            if let Some(inv) = sj.get_mut("inventory").and_then(Value::as_array_mut) {
                for (e, stock) in inv.iter_mut().zip(&sku.inventory) {
                    e["committed_quantity"] = json!(stock.committed);
                }
            }
        }
    }
    v
}

async fn get_product(req: HttpRequest, state: web::Data<SandboxState>) -> HttpResponse {
    let id = match path_id(&req, "product_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.with_world(|w| w.products.get(&id).map(|p| product_view(w, p))) {
        Some(p) => ok(p),
        None => bad(404, "No such product."),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ProductPatch {
    /// e.g. PLATFORM_DEACTIVATED or FREEZE (platform actions), ACTIVATE, FAILED (audit rejects).
    status: Option<String>,
    suspended_reason: Option<String>,
    title: Option<String>,
    /// Sets available stock: [{sku_id, warehouse_id, quantity}] (the committed units stay).
    stock: Option<Vec<StockIn>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StockIn {
    sku_id: String,
    warehouse_id: String,
    quantity: i64,
}

/// `PATCH /_sandbox/products/{id}`: platform-side changes (status with a reason, title, stock).
async fn patch_product(
    req: HttpRequest,
    raw: web::Bytes,
    state: web::Data<SandboxState>,
) -> HttpResponse {
    let id = match path_id(&req, "product_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    let p: ProductPatch = match body(&raw) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let status = match p.status.as_deref() {
        None => None,
        Some(s) => match ProductStatus::parse(s) {
            Some(t) => Some(t),
            None => return bad(400, format!("Unknown status {s:?}.")),
        },
    };
    let mut stock = Vec::new();
    for s in p.stock.unwrap_or_default() {
        let (Some(sku), Some(wh)) = (parse_id(&s.sku_id), parse_id(&s.warehouse_id)) else {
            return bad(400, "Invalid sku_id or warehouse_id.");
        };
        if s.quantity < 0 {
            return bad(400, "Stock is never negative.");
        }
        stock.push((sku, wh, s.quantity));
    }
    let now = state.now();
    let r = state.with_world(|w| {
        let before = w
            .products
            .get(&id)
            .cloned()
            .ok_or_else(|| bad(404, "No such product."))?;
        for (sku, _, _) in &stock {
            if !before.skus.iter().any(|s| s.id == *sku) {
                return Err(bad(400, format!("SKU {sku} is not in product {id}.")));
            }
        }
        let title = p.title.clone();
        w.update_product(id, now, |prod| {
            if let Some(t) = title {
                prod.title = t;
            }
            if let Some(s) = status {
                prod.status = s;
                prod.audit_due = None;
                if s == ProductStatus::Failed {
                    prod.audit_failed_reasons = vec![
                        p.suspended_reason
                            .clone()
                            .unwrap_or_else(|| "Rejected by the sandbox.".into()),
                    ];
                }
            }
            for (sku, wh, q) in &stock {
                if let Some(s) = prod.skus.iter_mut().find(|s| s.id == *sku) {
                    // Sets available; the warehouse's committed units stay.
                    match s.inventory.iter_mut().find(|x| x.warehouse_id == *wh) {
                        Some(slot) => slot.quantity = *q,
                        None => s.inventory.push(Stock::available(*wh, *q)),
                    }
                }
            }
        });
        if let Some(s) = status
            && s != before.status
        {
            if matches!(s, ProductStatus::Activate | ProductStatus::Failed)
                && before.status == ProductStatus::Pending
            {
                w.outbox.push(SandboxEvent::ProductAuditStatusChange {
                    shop_id: before.shop_id,
                    product_id: id,
                    status: if s == ProductStatus::Failed {
                        "FAILED".into()
                    } else {
                        "APPROVED".into()
                    },
                    update_time: now,
                });
            }
            w.outbox.push(SandboxEvent::ProductStatusChange {
                shop_id: before.shop_id,
                product_id: id,
                status: s,
                suspended_reason: p.suspended_reason.clone().unwrap_or_default(),
                update_time: now,
            });
        }
        if p.title.is_some() {
            w.outbox.push(SandboxEvent::ProductInformationChange {
                shop_id: before.shop_id,
                product_id: id,
                update_time: now,
            });
        }
        Ok(product_view(w, &w.products[&id]))
    });
    match r {
        Ok(v) => ok(v),
        Err(resp) => resp,
    }
}

/// `GET /_sandbox/documents/{package_id}.pdf`: a small, valid PDF label.
async fn document(req: HttpRequest, state: web::Data<SandboxState>) -> HttpResponse {
    let file = req.match_info().get("file").unwrap_or("");
    let Some(id) = file.strip_suffix(".pdf").and_then(parse_id) else {
        return bad(404, "No such document.");
    };
    let q = crate::protocol::parse_query(req.query_string());
    let doc_type = q
        .iter()
        .find(|(k, _)| k == "document_type")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| "SHIPPING_LABEL".into());
    let info = state.with_world(|w| {
        w.packages.get(&id).map(|p| {
            let provider = p
                .shipping_provider_id
                .and_then(|x| w.shipping_providers.get(&x))
                .map(|x| x.name.clone())
                .unwrap_or_default();
            (
                p.tracking_number.clone().unwrap_or_default(),
                provider,
                p.order_ids.clone(),
            )
        })
    });
    let Some((tracking, provider, orders)) = info else {
        return bad(404, "No such package.");
    };
    let lines = vec![
        format!("TikTok Shop Sandbox - {doc_type}"),
        format!("Package {id}"),
        format!(
            "Orders {}",
            orders
                .iter()
                .map(|o| o.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!("Carrier {provider}"),
        format!("Tracking {tracking}"),
    ];
    HttpResponse::Ok()
        .content_type("application/pdf")
        .body(pdf(&lines))
}

/// A minimal one-page PDF with the given lines of text (Helvetica), with a correct xref table.
pub fn pdf(lines: &[String]) -> Vec<u8> {
    let esc = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_control())
            .collect::<String>()
            .replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)")
    };
    let mut content = String::from("BT /F1 12 Tf 20 260 Td 14 TL\n");
    for l in lines {
        content.push_str(&format!("({}) Tj T*\n", esc(l)));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 298 298] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{}endstream", content.len(), content),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{}\nendobj\n", i + 1, o).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{}\n%%EOF\n",
            objects.len() + 1,
            xref
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn pdf_is_well_formed() {
        let p = super::pdf(&["Hello (world)".to_string()]);
        let s = String::from_utf8(p).unwrap();
        assert!(s.starts_with("%PDF-1.4"));
        assert!(s.trim_end().ends_with("%%EOF"));
        let xref_at: usize = s.lines().rev().nth(1).unwrap().parse().unwrap();
        assert!(s[xref_at..].starts_with("xref"));
        assert!(s.contains("Hello \\(world\\)"));
    }
}
