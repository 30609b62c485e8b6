//! Orders from the control plane: placed (and walked to a status), read, advanced one lifecycle step or
//! up to a status, and changed on the buyer's side.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::{bad, body, ok, path_id};
use crate::state::{SandboxEvent, SandboxState};
use crate::world::json::order_json;
use crate::world::ops::{NewOrder, OpError};
use crate::world::{Id, IdKind, OrderStatus, ShippingType, parse_id};

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
    /// The buyer (a user id); default: a new buyer per order. Per-buyer deal limits count by it.
    user_id: Option<String>,
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
pub(super) async fn create_orders(
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
    let user_id = match spec.user_id.as_deref() {
        None => None,
        Some(u) => match parse_id(u) {
            Some(id) => Some(id),
            None => return bad(400, format!("Invalid user_id {u:?}.")),
        },
    };
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
                    user_id,
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

pub(super) async fn get_order(req: HttpRequest, state: web::Data<SandboxState>) -> HttpResponse {
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
pub(super) async fn advance_order(
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
pub(super) async fn patch_order(
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
            w.insert_cancellation(crate::world::Cancellation {
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
                lapsed: false,
            });
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
