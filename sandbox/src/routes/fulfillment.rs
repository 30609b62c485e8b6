//! Fulfillment: package detail and search, ship one, batch ship (per-item errors), shipping documents
//! (a real PDF served by the sandbox), order tracking and seller shipping info.

use actix_web::http::Method;
use actix_web::web;
use serde_json::{Value, json};

use crate::protocol::{
    ApiError, ApiResult, Category, Ctx, Scope, codes, json_id, op, page_token, parse_page_token,
};
use crate::world::json::package_json;
use crate::world::ops::{Handover, OpError};
use crate::world::{Id, OrderStatus, PackageStatus, ShippingType, World};

/// Packages per batch ship call.
pub const MAX_BATCH_SHIP: usize = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Category::Fulfillment as C;
    use Scope::Shop as S;
    op(
        cfg,
        Method::POST,
        "/fulfillment/202309/packages/search",
        C,
        S,
        search,
    );
    op(
        cfg,
        Method::POST,
        "/fulfillment/202309/packages/ship",
        C,
        S,
        batch_ship,
    );
    op(
        cfg,
        Method::GET,
        "/fulfillment/202309/packages/{package_id}",
        C,
        S,
        package,
    );
    op(
        cfg,
        Method::POST,
        "/fulfillment/202309/packages/{package_id}/ship",
        C,
        S,
        ship,
    );
    op(
        cfg,
        Method::GET,
        "/fulfillment/202309/packages/{package_id}/shipping_documents",
        C,
        S,
        documents,
    );
    op(
        cfg,
        Method::GET,
        "/fulfillment/202309/orders/{order_id}/tracking",
        C,
        S,
        tracking,
    );
    op(
        cfg,
        Method::POST,
        "/fulfillment/202309/orders/{order_id}/shipping_info/update",
        C,
        S,
        shipping_info,
    );
}

/// Maps an operation's refusal to the envelope.
pub fn op_error(e: OpError) -> ApiError {
    let message = e.to_string();
    match e {
        OpError::NotFound("package") => ApiError::business(codes::PACKAGE_NOT_FOUND, message),
        OpError::NotFound(_) => ApiError::business(codes::ORDER_NOT_FOUND, message),
        OpError::Cancelled => ApiError::business(codes::ORDER_CANCELLED, message),
        OpError::AlreadyShipped => ApiError::business(codes::ORDER_ALREADY_SHIPPED, message),
        OpError::Status(_) => ApiError::business(codes::ORDER_STATUS_NOT_ALLOWED, message),
        OpError::Invalid(_) => ApiError::invalid(message),
        OpError::OutOfStock(_) => ApiError::business(codes::STOCK_INVALID, message),
    }
}

fn package(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("package_id")?;
    ctx.with_world(|w| {
        let p = w
            .packages
            .get(&id)
            .filter(|p| p.shop_id == shop)
            .ok_or_else(|| {
                ApiError::business(
                    codes::PACKAGE_NOT_FOUND,
                    format!("Package {id} does not exist."),
                )
            })?;
        Ok(package_json(w, p))
    })
}

/// `POST /fulfillment/202309/packages/search?page_size=1..50&page_token=` with body filters
/// `package_status`, `create_time_ge/lt`, `update_time_ge/lt`.
fn search(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let page_size = ctx.page_size(1, 50)?;
    let after = match ctx.query("page_token").filter(|t| !t.is_empty()) {
        Some(t) => Some(parse_page_token(t)?.1),
        None => None,
    };
    let body = ctx.json_value()?;
    let status = body
        .get("package_status")
        .and_then(Value::as_str)
        .map(str::to_string);
    let num = |k: &str, d: i64| body.get(k).and_then(Value::as_i64).unwrap_or(d);
    let (cge, clt, uge, ult) = (
        num("create_time_ge", i64::MIN),
        num("create_time_lt", i64::MAX),
        num("update_time_ge", i64::MIN),
        num("update_time_lt", i64::MAX),
    );
    ctx.with_world(|w| {
        let all: Vec<&crate::world::Package> = w
            .packages
            .values()
            .filter(|p| {
                p.shop_id == shop
                    && status.as_deref().is_none_or(|s| p.status.as_str() == s)
                    && p.create_time >= cge
                    && p.create_time < clt
                    && p.update_time >= uge
                    && p.update_time < ult
            })
            .collect();
        let rest: Vec<&&crate::world::Package> =
            all.iter().filter(|p| after.is_none_or(|a| p.id > a)).collect();
        let page: Vec<Value> = rest
            .iter()
            .take(page_size)
            .map(|p| {
                json!({
                    "id": p.id.to_string(),
                    "status": p.status.as_str(),
                    "orders": p.order_ids.iter().map(|o| json!({"id": o.to_string()})).collect::<Vec<_>>(),
                    "tracking_number": p.tracking_number.clone().unwrap_or_default(),
                    "shipping_provider_id": p.shipping_provider_id.map(|x| x.to_string()).unwrap_or_default(),
                    "create_time": p.create_time,
                    "update_time": p.update_time,
                })
            })
            .collect();
        let next = if rest.len() > page_size {
            page_token(0, rest[page_size - 1].id)
        } else {
            String::new()
        };
        Ok(json!({"packages": page, "total_count": all.len(), "next_page_token": next}))
    })
}

/// Reads `{handover_method, pickup_slot, self_shipment}` and checks it fits the package's order.
fn handover(w: &World, package_id: Id, body: &Value) -> Result<Handover, ApiError> {
    let order_type = w
        .packages
        .get(&package_id)
        .and_then(|p| p.order_ids.first())
        .and_then(|o| w.orders.get(o))
        .map(|o| o.shipping_type);
    if let Some(s) = body.get("self_shipment").filter(|v| !v.is_null()) {
        if order_type == Some(ShippingType::Tiktok) {
            return Err(ApiError::invalid(
                "This order ships with TikTok's logistics: use handover_method, not self_shipment.",
            ));
        }
        let tracking_number = s
            .get("tracking_number")
            .and_then(Value::as_str)
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| ApiError::invalid("self_shipment.tracking_number is required."))?
            .to_string();
        let shipping_provider_id = s
            .get("shipping_provider_id")
            .and_then(json_id)
            .ok_or_else(|| ApiError::invalid("self_shipment.shipping_provider_id is required."))?;
        return Ok(Handover::SelfShipment {
            tracking_number,
            shipping_provider_id,
        });
    }
    if order_type == Some(ShippingType::Seller) {
        return Err(ApiError::invalid(
            "This order is shipped by the seller: self_shipment{tracking_number, shipping_provider_id} is required.",
        ));
    }
    match body.get("handover_method").and_then(Value::as_str) {
        None | Some("PICKUP") => {
            let slot = body.get("pickup_slot").filter(|v| !v.is_null()).map(|s| {
                (
                    s.get("start_time").and_then(Value::as_i64).unwrap_or(0),
                    s.get("end_time").and_then(Value::as_i64).unwrap_or(0),
                )
            });
            if let Some((a, b)) = slot
                && (a <= 0 || b <= a)
            {
                return Err(ApiError::invalid(
                    "pickup_slot needs start_time < end_time.",
                ));
            }
            Ok(Handover::Pickup { slot })
        }
        Some("DROP_OFF") => Ok(Handover::DropOff),
        Some(other) => Err(ApiError::invalid(format!(
            "handover_method must be PICKUP or DROP_OFF, got {other:?}."
        ))),
    }
}

fn ship_one(
    w: &mut World,
    shop: Id,
    package_id: Id,
    body: &Value,
    now: i64,
) -> Result<(), ApiError> {
    if !w
        .packages
        .get(&package_id)
        .is_some_and(|p| p.shop_id == shop)
    {
        return Err(ApiError::business(
            codes::PACKAGE_NOT_FOUND,
            format!("Package {package_id} does not exist."),
        ));
    }
    let h = handover(w, package_id, body)?;
    w.ship_package(shop, package_id, h, now)
        .map_err(|e| match e {
            OpError::Invalid(m) if m.contains("shipping_provider_id") => {
                ApiError::business(codes::SHIPPING_PROVIDER_INVALID, m)
            }
            other => op_error(other),
        })
}

/// `POST /fulfillment/202309/packages/{id}/ship`.
fn ship(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("package_id")?;
    let body = ctx.json_value()?;
    let now = ctx.now;
    ctx.with_world(|w| ship_one(w, shop, id, &body, now))?;
    Ok(json!({}))
}

/// `POST /fulfillment/202309/packages/ship` `{packages:[{id, handover_method, pickup_slot,
/// self_shipment}]}`: code 0 with per-package failures in `data.errors`.
fn batch_ship(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let body = ctx.json_value()?;
    let now = ctx.now;
    let items = body
        .get("packages")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::invalid("packages is required."))?
        .clone();
    if items.len() > MAX_BATCH_SHIP {
        return Err(ApiError::invalid(format!(
            "At most {MAX_BATCH_SHIP} packages per call."
        )));
    }
    let mut ids = Vec::new();
    for (i, p) in items.iter().enumerate() {
        ids.push(
            p.get("id")
                .and_then(json_id)
                .ok_or_else(|| ApiError::invalid(format!("packages[{i}].id is required.")))?,
        );
    }
    ctx.with_world(|w| {
        let mut errors = Vec::new();
        for (id, item) in ids.iter().zip(&items) {
            if let Err(e) = ship_one(w, shop, *id, item, now) {
                errors.push(json!({
                    "code": e.code,
                    "message": e.message,
                    "detail": {"package_id": id.to_string()},
                }));
            }
        }
        Ok(json!({"errors": errors}))
    })
}

/// `GET …/packages/{id}/shipping_documents?document_type=SHIPPING_LABEL|PACKING_SLIP|…`: a URL to a
/// PDF the sandbox serves. Only once the package has shipped (the label needs the tracking number).
fn documents(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("package_id")?;
    let doc_type = ctx
        .query("document_type")
        .ok_or_else(|| ApiError::invalid("document_type is required."))?
        .to_string();
    if !matches!(
        doc_type.as_str(),
        "SHIPPING_LABEL"
            | "PACKING_SLIP"
            | "SHIPPING_LABEL_AND_PACKING_SLIP"
            | "SHIPPING_LABEL_PICTURE"
    ) {
        return Err(ApiError::invalid(format!(
            "Unknown document_type {doc_type:?}."
        )));
    }
    let size = ctx.query("document_size").unwrap_or("A6").to_string();
    if !matches!(size.as_str(), "A6" | "A5") {
        return Err(ApiError::invalid("document_size must be A6 or A5."));
    }
    let info = ctx.req.connection_info().clone();
    let base = format!("{}://{}", info.scheme(), info.host());
    ctx.with_world(|w| {
        let p = w.packages.get(&id).filter(|p| p.shop_id == shop).ok_or_else(|| {
            ApiError::business(codes::PACKAGE_NOT_FOUND, format!("Package {id} does not exist."))
        })?;
        match p.status {
            PackageStatus::Cancelled => Err(ApiError::business(
                codes::ORDER_CANCELLED,
                "The package is cancelled: there is no label.",
            )),
            PackageStatus::Processing if doc_type != "PACKING_SLIP" => Err(ApiError::business(
                codes::ORDER_STATUS_NOT_ALLOWED,
                "Ship the package first: the label is issued with the tracking number.",
            )),
            PackageStatus::Processing | PackageStatus::Fulfilling | PackageStatus::Completed => {
                Ok(json!({
                    "doc_url": format!("{base}/_sandbox/documents/{id}.pdf?document_type={doc_type}&document_size={size}"),
                    "tracking_number": p.tracking_number.clone().unwrap_or_default(),
                }))
            }
        }
    })
}

/// `GET /fulfillment/202309/orders/{order_id}/tracking`: the carrier's events so far.
fn tracking(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("order_id")?;
    ctx.with_world(|w| {
        let o = w
            .orders
            .get(&id)
            .filter(|o| o.shop_id == shop)
            .ok_or_else(|| {
                ApiError::business(
                    codes::ORDER_NOT_FOUND,
                    format!("Order {id} does not exist."),
                )
            })?;
        let mut events = Vec::new();
        let mut push = |t: Option<i64>, d: &str| {
            if let Some(t) = t {
                events.push(json!({"description": d, "update_time_millis": t * 1000}));
            }
        };
        push(
            o.rts_time,
            "The seller has packed the order and arranged shipment.",
        );
        push(o.collection_time, "The carrier has picked up the package.");
        if matches!(
            o.status,
            OrderStatus::InTransit | OrderStatus::Delivered | OrderStatus::Completed
        ) {
            push(
                o.collection_time.map(|t| t + 3600),
                "In transit to the sorting centre.",
            );
        }
        push(o.delivery_time, "Delivered.");
        events.reverse();
        Ok(json!({"tracking": events}))
    })
}

/// `POST /fulfillment/202309/orders/{order_id}/shipping_info/update` `{tracking_number,
/// shipping_provider_id}`: for seller-shipped orders that have shipped and are not yet delivered.
fn shipping_info(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("order_id")?;
    let body = ctx.json_value()?;
    let now = ctx.now;
    let tracking = body
        .get("tracking_number")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("tracking_number is required."))?
        .to_string();
    let provider = body
        .get("shipping_provider_id")
        .and_then(json_id)
        .ok_or_else(|| ApiError::invalid("shipping_provider_id is required."))?;
    ctx.with_world(|w| {
        let o = w.orders.get(&id).filter(|o| o.shop_id == shop).cloned().ok_or_else(|| {
            ApiError::business(codes::ORDER_NOT_FOUND, format!("Order {id} does not exist."))
        })?;
        if o.shipping_type != ShippingType::Seller {
            return Err(ApiError::business(
                codes::ORDER_STATUS_NOT_ALLOWED,
                "Only seller-shipped orders have shipping info to update.",
            ));
        }
        if !matches!(o.status, OrderStatus::AwaitingCollection | OrderStatus::InTransit | OrderStatus::PartiallyShipping) {
            return Err(ApiError::business(
                codes::ORDER_STATUS_NOT_ALLOWED,
                format!("The order is {}: shipping info can change only after shipping and before delivery.", o.status.as_str()),
            ));
        }
        let region = w.region_of(shop);
        if !w.shipping_providers.get(&provider).is_some_and(|p| p.region == region) {
            return Err(ApiError::business(
                codes::SHIPPING_PROVIDER_INVALID,
                format!("Unknown shipping_provider_id {provider} for this shop's region."),
            ));
        }
        w.update_order(id, now, |o| {
            o.tracking_number = Some(tracking.clone());
            o.shipping_provider_id = Some(provider);
        });
        for pid in &o.package_ids {
            if let Some(p) = w.packages.get_mut(pid)
                && p.status == PackageStatus::Fulfilling
            {
                p.tracking_number = Some(tracking.clone());
                p.shipping_provider_id = Some(provider);
                p.update_time = now;
                let order_ids = p.order_ids.clone();
                w.outbox.push(crate::state::SandboxEvent::PackageUpdate {
                    shop_id: shop,
                    package_id: *pid,
                    order_ids,
                    update_time: now,
                });
            }
        }
        Ok(json!({}))
    })
}
