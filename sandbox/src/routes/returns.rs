//! Returns and cancellations, as the seller sees them: search (202309 and 202602), approve and reject
//! (202309, and reject at 202606 too), with the real state rules. The state changes here are also what
//! the living shop uses for buyers' requests, so every change emits its webhook event in one place.

use actix_web::http::Method;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::protocol::{
    ApiError, ApiResult, Category, Ctx, Scope, codes, op, page_token, parse_page_token,
};
use crate::state::SandboxEvent;
use crate::world::{
    CancelStatus, Cancellation, Id, IdKind, OrderStatus, ReturnOrder, ReturnStatus, ReturnType,
    World, format_amount, parse_id,
};

/// The return or cancellation is not in a state that allows this decision.
pub const STATUS_NOT_ALLOWED: i64 = 25001004;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Category::Returns as C;
    use Scope::Shop as S;
    for path in [
        "/return_refund/202309/returns/search",
        "/return_refund/202602/returns/search",
    ] {
        op(cfg, Method::POST, path, C, S, search_returns);
    }
    op(
        cfg,
        Method::POST,
        "/return_refund/202309/returns/{return_id}/approve",
        C,
        S,
        approve_return,
    );
    for path in [
        "/return_refund/202309/returns/{return_id}/reject",
        "/return_refund/202606/returns/{return_id}/reject",
    ] {
        op(cfg, Method::POST, path, C, S, reject_return);
    }
    for path in [
        "/return_refund/202309/cancellations/search",
        "/return_refund/202602/cancellations/search",
    ] {
        op(cfg, Method::POST, path, C, S, search_cancellations);
    }
    op(
        cfg,
        Method::POST,
        "/return_refund/202309/cancellations/{cancel_id}/approve",
        C,
        S,
        approve_cancellation,
    );
    op(
        cfg,
        Method::POST,
        "/return_refund/202309/cancellations/{cancel_id}/reject",
        C,
        S,
        reject_cancellation,
    );
}

// ---------------------------------------------------------------------------------------------------
// Paging shared by the search endpoints of this crate part.

/// Sort order of a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    Asc,
    Desc,
}

/// Reads `sort_order` (`ASC`/`DESC`, default `default`).
pub(crate) fn sort_order(ctx: &Ctx, default: Order) -> Result<Order, ApiError> {
    match ctx.query("sort_order") {
        None | Some("") => Ok(default),
        Some("ASC") => Ok(Order::Asc),
        Some("DESC") => Ok(Order::Desc),
        Some(other) => Err(ApiError::invalid(format!(
            "Invalid sort_order {other:?}: use ASC or DESC."
        ))),
    }
}

/// One page of `rows` (sort value, id, item) after the optional `page_token`:
/// (items, next_page_token, total_count). Ties on the sort value are broken by id.
pub(crate) fn paginate(
    mut rows: Vec<(i64, Id, Value)>,
    order: Order,
    page_size: usize,
    token: Option<&str>,
) -> Result<(Vec<Value>, String, usize), ApiError> {
    let total = rows.len();
    rows.sort_by_key(|(v, id, _)| (*v, *id));
    if order == Order::Desc {
        rows.reverse();
    }
    let after = match token {
        Some(t) if !t.is_empty() => Some(parse_page_token(t)?),
        _ => None,
    };
    let start = match after {
        None => 0,
        Some(key) => rows
            .iter()
            .position(|(v, id, _)| match order {
                Order::Asc => (*v, *id) > key,
                Order::Desc => (*v, *id) < key,
            })
            .unwrap_or(rows.len()),
    };
    let end = (start + page_size).min(rows.len());
    let next = if end < rows.len() && end > start {
        let (v, id, _) = &rows[end - 1];
        page_token(*v, *id)
    } else {
        String::new()
    };
    let items = rows.drain(start..end).map(|(_, _, item)| item).collect();
    Ok((items, next, total))
}

/// Parses a list of ids from a search body (strings of digits).
pub(crate) fn parse_ids(field: &str, raw: &[String]) -> Result<Vec<Id>, ApiError> {
    raw.iter()
        .map(|s| {
            parse_id(s).ok_or_else(|| ApiError::invalid(format!("Invalid id in {field}: {s:?}.")))
        })
        .collect()
}

fn window(v: i64, ge: Option<i64>, lt: Option<i64>) -> bool {
    ge.is_none_or(|g| v >= g) && lt.is_none_or(|l| v < l)
}

fn sort_field(ctx: &Ctx) -> Result<bool, ApiError> {
    // true = update_time
    match ctx.query("sort_field") {
        None | Some("") | Some("create_time") => Ok(false),
        Some("update_time") => Ok(true),
        Some(other) => Err(ApiError::invalid(format!(
            "Invalid sort_field {other:?}: use create_time or update_time."
        ))),
    }
}

// ---------------------------------------------------------------------------------------------------
// State changes (shared with the living shop).

const RETURN_STATUSES: [ReturnStatus; 8] = [
    ReturnStatus::RequestPending,
    ReturnStatus::RequestReject,
    ReturnStatus::AwaitingBuyerShip,
    ReturnStatus::BuyerShippedItem,
    ReturnStatus::RejectReceivePackage,
    ReturnStatus::RequestSuccess,
    ReturnStatus::RequestCancel,
    ReturnStatus::RequestComplete,
];

fn parse_return_status(s: &str) -> Option<ReturnStatus> {
    // TikTok spells the rejection both ways in different places.
    let s = if s == "RETURN_OR_REFUND_REQUEST_REJECT" {
        "REFUND_OR_RETURN_REQUEST_REJECT"
    } else {
        s
    };
    RETURN_STATUSES.into_iter().find(|r| r.as_str() == s)
}

fn parse_return_type(s: &str) -> Option<ReturnType> {
    [
        ReturnType::Refund,
        ReturnType::ReturnAndRefund,
        ReturnType::Replacement,
    ]
    .into_iter()
    .find(|t| t.as_str() == s)
}

const CANCEL_STATUSES: [CancelStatus; 5] = [
    CancelStatus::RequestPending,
    CancelStatus::RequestSuccess,
    CancelStatus::RequestCancel,
    CancelStatus::RequestComplete,
    CancelStatus::RequestReject,
];

fn return_event(r: &ReturnOrder) -> SandboxEvent {
    SandboxEvent::ReturnStatusChange {
        shop_id: r.shop_id,
        order_id: r.order_id,
        return_role: r.role.clone(),
        return_type: r.return_type.as_str().to_string(),
        return_status: r.status.as_str().to_string(),
        return_id: r.id,
        create_time: r.create_time,
        update_time: r.update_time,
    }
}

fn cancel_event(c: &Cancellation) -> SandboxEvent {
    SandboxEvent::CancellationStatusChange {
        shop_id: c.shop_id,
        order_id: c.order_id,
        cancellations_role: c.role.clone(),
        cancel_status: c.status.as_str().to_string(),
        cancel_id: c.id,
        create_time: c.create_time,
        update_time: c.update_time,
    }
}

/// Opens a return (a buyer's request) for every unit of a delivered order that is not cancelled yet.
/// `None` when the order does not exist or has nothing left to return.
pub fn open_return(
    w: &mut World,
    order_id: Id,
    return_type: ReturnType,
    reason: &str,
    now: i64,
) -> Option<Id> {
    let order = w.orders.get(&order_id)?;
    let items: Vec<(Id, i64)> = order
        .line_items
        .iter()
        .filter(|l| !l.is_cancelled)
        .map(|l| (l.id, l.sale_price))
        .collect();
    if items.is_empty()
        || w.returns.values().any(|r| {
            r.order_id == order_id
                && !matches!(
                    r.status,
                    ReturnStatus::RequestReject | ReturnStatus::RequestCancel
                )
        })
    {
        return None;
    }
    let shop_id = order.shop_id;
    let id = w.new_id(IdKind::Return);
    let r = ReturnOrder {
        id,
        shop_id,
        order_id,
        role: "BUYER".into(),
        return_type,
        status: ReturnStatus::RequestPending,
        reason: reason.to_string(),
        line_item_ids: items.iter().map(|(id, _)| *id).collect(),
        refund_total: items.iter().map(|(_, p)| p).sum(),
        create_time: now,
        update_time: now,
    };
    w.outbox.push(return_event(&r));
    w.returns.insert(id, r);
    Some(id)
}

/// Moves a return to `status` with its side effects: stock back when a returned package is accepted,
/// units marked refunded when the refund completes. Emits RETURN_STATUS_CHANGE.
pub fn set_return_status(w: &mut World, id: Id, status: ReturnStatus, now: i64) -> bool {
    let Some(r) = w.returns.get_mut(&id) else {
        return false;
    };
    if r.status == status {
        return true;
    }
    let before = r.status;
    r.status = status;
    r.update_time = now.max(r.create_time);
    let r = r.clone();
    let received_back = before == ReturnStatus::BuyerShippedItem
        && status == ReturnStatus::RequestSuccess
        && r.return_type != ReturnType::Refund;
    if received_back && let Some(order) = w.orders.get(&r.order_id) {
        let back: Vec<(Id, Id)> = order
            .line_items
            .iter()
            .filter(|l| r.line_item_ids.contains(&l.id))
            .map(|l| (l.sku_id, order.warehouse_id))
            .collect();
        for (sku, wh) in back {
            w.restore_stock(sku, wh, 1, now);
        }
    }
    if status == ReturnStatus::RequestComplete && r.return_type != ReturnType::Replacement {
        w.update_order(r.order_id, now, |o| {
            for l in &mut o.line_items {
                if r.line_item_ids.contains(&l.id) {
                    l.is_cancelled = true;
                }
            }
        });
    }
    w.outbox.push(return_event(&r));
    true
}

/// Opens a cancellation of a whole order by `role` ("BUYER" / "SYSTEM" / "SELLER") in `status`.
pub fn open_cancellation(
    w: &mut World,
    order_id: Id,
    role: &str,
    reason: &str,
    status: CancelStatus,
    now: i64,
) -> Option<Id> {
    let order = w.orders.get(&order_id)?;
    if order.status == OrderStatus::Cancelled || order.status.is_shipped() {
        return None;
    }
    let items: Vec<(Id, i64)> = order
        .line_items
        .iter()
        .filter(|l| !l.is_cancelled)
        .map(|l| (l.id, l.sale_price))
        .collect();
    let shop_id = order.shop_id;
    let refund_total = order.payment.total_amount;
    let id = w.new_id(IdKind::Cancellation);
    let c = Cancellation {
        id,
        shop_id,
        order_id,
        role: role.to_string(),
        status,
        reason: reason.to_string(),
        line_item_ids: items.iter().map(|(id, _)| *id).collect(),
        refund_total,
        create_time: now,
        update_time: now,
    };
    w.outbox.push(cancel_event(&c));
    w.cancellations.insert(id, c);
    if status == CancelStatus::RequestComplete {
        cancel_order(w, order_id, role, reason, now);
    }
    Some(id)
}

fn cancel_order(w: &mut World, order_id: Id, role: &str, reason: &str, now: i64) {
    w.update_order(order_id, now, |o| {
        o.cancel_reason = Some(reason.to_string());
        o.cancellation_initiator = Some(role.to_string());
    });
    // Puts the stock back and announces ORDER_STATUS_CHANGE (and the package's change).
    w.set_order_status(order_id, OrderStatus::Cancelled, now);
}

/// Moves a cancellation to `status`; a completed one cancels the order. Emits
/// CANCELLATION_STATUS_CHANGE.
pub fn set_cancel_status(w: &mut World, id: Id, status: CancelStatus, now: i64) -> bool {
    let Some(c) = w.cancellations.get_mut(&id) else {
        return false;
    };
    if c.status == status {
        return true;
    }
    c.status = status;
    c.update_time = now.max(c.create_time);
    let c = c.clone();
    w.outbox.push(cancel_event(&c));
    if status == CancelStatus::RequestComplete {
        cancel_order(w, c.order_id, &c.role, &c.reason, now);
    }
    true
}

// ---------------------------------------------------------------------------------------------------
// Rendering.

fn money(w: &World, shop: Id, minor: i64) -> (String, &'static str) {
    let region = w.region_of(shop);
    (format_amount(minor, region), region.currency())
}

fn refund_amount(w: &World, shop: Id, total: i64, shipping: i64) -> Value {
    let (t, currency) = money(w, shop, total);
    json!({
        "currency": currency,
        "refund_total": t,
        "refund_subtotal": money(w, shop, total - shipping).0,
        "refund_shipping_fee": money(w, shop, shipping).0,
        "refund_tax": money(w, shop, 0).0,
        "retail_delivery_fee": money(w, shop, 0).0,
        "buyer_service_fee": money(w, shop, 0).0,
    })
}

/// A derived id for a return's or cancellation's own line (TikTok gives them their own ids).
fn line_id(parent: Id, i: usize) -> String {
    ((parent % 1_000_000_000_000_000) * 100 + i as u64 + 1).to_string()
}

fn line_items_json(
    w: &World,
    shop: Id,
    order_id: Id,
    ids: &[Id],
    parent: Id,
    key: &str,
) -> Vec<Value> {
    let Some(order) = w.orders.get(&order_id) else {
        return Vec::new();
    };
    order
        .line_items
        .iter()
        .filter(|l| ids.contains(&l.id))
        .enumerate()
        .map(|(i, l)| {
            json!({
                key: line_id(parent, i),
                "order_line_item_id": l.id.to_string(),
                "sku_id": l.sku_id.to_string(),
                "sku_name": &*l.sku_name,
                "product_name": &*l.product_name,
                "seller_sku": &*l.seller_sku,
                "product_image": {
                    "url": format!("https://p16-oec-va.ibyteimg.com/tos-maliva-i-o3syd03w52-us/{}~tplv-o3syd03w52-origin-jpeg.jpeg", l.product_id),
                    "width": 800,
                    "height": 800,
                },
                "refund_amount": refund_amount(w, shop, l.sale_price, 0),
            })
        })
        .collect()
}

fn return_next_actions(r: &ReturnOrder) -> Vec<Value> {
    let action = match r.status {
        ReturnStatus::RequestPending => match r.return_type {
            ReturnType::Refund => Some("SELLER_RESPOND_REFUND"),
            ReturnType::ReturnAndRefund => Some("SELLER_RESPOND_RETURN"),
            ReturnType::Replacement => Some("SELLER_RESPOND_REPLACEMENT"),
        },
        ReturnStatus::BuyerShippedItem => Some("SELLER_RESPOND_RECEIVE_PACKAGE"),
        ReturnStatus::RequestReject
        | ReturnStatus::AwaitingBuyerShip
        | ReturnStatus::RejectReceivePackage
        | ReturnStatus::RequestSuccess
        | ReturnStatus::RequestCancel
        | ReturnStatus::RequestComplete => None,
    };
    action
        .map(|a| vec![json!({"action": a, "deadline": r.update_time + 2 * 86_400})])
        .unwrap_or_default()
}

pub fn return_json(w: &World, r: &ReturnOrder) -> Value {
    let order = w.orders.get(&r.order_id);
    json!({
        "return_id": r.id.to_string(),
        "order_id": r.order_id.to_string(),
        "return_type": r.return_type.as_str(),
        "return_status": r.status.as_str(),
        "arbitration_status": "",
        "role": r.role,
        "return_reason": r.reason.to_lowercase().replace(' ', "_"),
        "return_reason_text": r.reason,
        "shipment_type": if r.return_type == ReturnType::Refund { "" } else { "PLATFORM" },
        "handover_method": if r.return_type == ReturnType::Refund { "" } else { "DROP_OFF" },
        "return_tracking_number": match r.status {
            ReturnStatus::BuyerShippedItem
            | ReturnStatus::RejectReceivePackage
            | ReturnStatus::RequestSuccess
            | ReturnStatus::RequestComplete if r.return_type != ReturnType::Refund => {
                format!("RT{}", r.id % 10_000_000_000)
            }
            _ => String::new(),
        },
        "can_buyer_keep_item": false,
        "buyer_user_id": order.map(|o| o.user_id.to_string()).unwrap_or_default(),
        "create_time": r.create_time,
        "update_time": r.update_time,
        "seller_next_action_response": return_next_actions(r),
        "return_line_items": line_items_json(w, r.shop_id, r.order_id, &r.line_item_ids, r.id, "return_line_item_id"),
        "refund_amount": refund_amount(w, r.shop_id, r.refund_total, 0),
        "return_method": if r.return_type == ReturnType::Refund { "" } else { "PLATFORM_SHIPPED" },
        "is_combined_return": false,
    })
}

pub fn cancellation_json(w: &World, c: &Cancellation) -> Value {
    let shipping = w
        .orders
        .get(&c.order_id)
        .map(|o| o.payment.shipping_fee)
        .unwrap_or(0)
        .min(c.refund_total);
    let next = if c.status == CancelStatus::RequestPending {
        vec![json!({"action": "SELLER_RESPOND_CANCEL", "deadline": c.create_time + 2 * 86_400})]
    } else {
        Vec::new()
    };
    json!({
        "cancel_id": c.id.to_string(),
        "order_id": c.order_id.to_string(),
        "cancel_type": "CANCEL",
        "cancel_status": c.status.as_str(),
        "role": c.role,
        "cancel_reason": c.reason.to_lowercase().replace(' ', "_"),
        "cancel_reason_text": c.reason,
        "create_time": c.create_time,
        "update_time": c.update_time,
        "seller_next_action_response": next,
        "refund_amount": refund_amount(w, c.shop_id, c.refund_total, shipping),
        "cancel_line_items": line_items_json(w, c.shop_id, c.order_id, &c.line_item_ids, c.id, "cancel_line_item_id"),
    })
}

// ---------------------------------------------------------------------------------------------------
// Handlers.

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReturnSearch {
    return_ids: Vec<String>,
    order_ids: Vec<String>,
    buyer_user_ids: Vec<String>,
    return_types: Vec<String>,
    return_status: Vec<String>,
    create_time_ge: Option<i64>,
    create_time_lt: Option<i64>,
    update_time_ge: Option<i64>,
    update_time_lt: Option<i64>,
    #[allow(dead_code)]
    locale: Option<String>,
    #[allow(dead_code)]
    arbitration_status: Vec<String>,
    #[allow(dead_code)]
    seller_proposed_return_type: Vec<String>,
}

fn search_returns(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let page_size = ctx.page_size(10, 50)?;
    let by_update = sort_field(ctx)?;
    let order = sort_order(ctx, Order::Desc)?;
    let token = ctx.query("page_token").map(str::to_string);
    let f: ReturnSearch = ctx.json()?;
    let return_ids = parse_ids("return_ids", &f.return_ids)?;
    let order_ids = parse_ids("order_ids", &f.order_ids)?;
    let buyers = parse_ids("buyer_user_ids", &f.buyer_user_ids)?;
    let types = f
        .return_types
        .iter()
        .map(|t| {
            parse_return_type(t)
                .ok_or_else(|| ApiError::invalid(format!("Invalid return_types value {t:?}.")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let statuses = f
        .return_status
        .iter()
        .map(|s| {
            parse_return_status(s)
                .ok_or_else(|| ApiError::invalid(format!("Invalid return_status value {s:?}.")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let rows = ctx.with_world(|w| {
        w.returns
            .values()
            .filter(|r| r.shop_id == shop)
            .filter(|r| return_ids.is_empty() || return_ids.contains(&r.id))
            .filter(|r| order_ids.is_empty() || order_ids.contains(&r.order_id))
            .filter(|r| {
                buyers.is_empty()
                    || w.orders
                        .get(&r.order_id)
                        .is_some_and(|o| buyers.contains(&o.user_id))
            })
            .filter(|r| types.is_empty() || types.contains(&r.return_type))
            .filter(|r| statuses.is_empty() || statuses.contains(&r.status))
            .filter(|r| window(r.create_time, f.create_time_ge, f.create_time_lt))
            .filter(|r| window(r.update_time, f.update_time_ge, f.update_time_lt))
            .map(|r| {
                let key = if by_update {
                    r.update_time
                } else {
                    r.create_time
                };
                (key, r.id, return_json(w, r))
            })
            .collect::<Vec<_>>()
    });
    let (items, next, total) = paginate(rows, order, page_size, token.as_deref())?;
    Ok(json!({"return_orders": items, "next_page_token": next, "total_count": total}))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Decision {
    decision: Option<String>,
    reject_reason: Option<String>,
    #[allow(dead_code)]
    comment: Option<String>,
    #[allow(dead_code)]
    buyer_keep_item: Option<bool>,
}

fn not_allowed(what: &str, status: &str) -> ApiError {
    ApiError::business(
        STATUS_NOT_ALLOWED,
        format!("The return cannot be {what} in its current status {status}."),
    )
}

fn approve_return(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("return_id")?;
    let body: Decision = ctx.json()?;
    let decision = body
        .decision
        .ok_or_else(|| ApiError::invalid("decision is required."))?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let r = w
            .returns
            .get(&id)
            .filter(|r| r.shop_id == shop)
            .ok_or_else(|| {
                ApiError::business(codes::RETURN_NOT_FOUND, "The return does not exist.")
            })?;
        let (status, kind) = (r.status, r.return_type);
        let next = match (decision.as_str(), status, kind) {
            ("APPROVE_REFUND", ReturnStatus::RequestPending, ReturnType::Refund) => {
                ReturnStatus::RequestSuccess
            }
            ("APPROVE_RETURN", ReturnStatus::RequestPending, ReturnType::ReturnAndRefund)
            | ("APPROVE_REPLACEMENT", ReturnStatus::RequestPending, ReturnType::Replacement) => {
                ReturnStatus::AwaitingBuyerShip
            }
            ("APPROVE_RECEIVED_PACKAGE", ReturnStatus::BuyerShippedItem, _) => {
                ReturnStatus::RequestSuccess
            }
            (
                "APPROVE_REFUND"
                | "APPROVE_RETURN"
                | "APPROVE_REPLACEMENT"
                | "APPROVE_RECEIVED_PACKAGE",
                _,
                _,
            ) => {
                return Err(not_allowed(
                    &format!("approved with {decision} ({})", kind.as_str()),
                    status.as_str(),
                ));
            }
            ("ISSUE_REPLACEMENT_REFUND" | "OFFER_PARTIAL_REFUND", _, _) => {
                return Err(ApiError::invalid(format!(
                    "decision {decision} is not supported by the sandbox."
                )));
            }
            _ => return Err(ApiError::invalid(format!("Invalid decision {decision:?}."))),
        };
        set_return_status(w, id, next, now);
        Ok(json!({}))
    })
}

fn reject_return(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("return_id")?;
    let body: Decision = ctx.json()?;
    let decision = body
        .decision
        .ok_or_else(|| ApiError::invalid("decision is required."))?;
    if body
        .reject_reason
        .as_deref()
        .is_none_or(|r| r.trim().is_empty())
    {
        return Err(ApiError::invalid("reject_reason is required."));
    }
    let now = ctx.now;
    ctx.with_world(|w| {
        let r = w
            .returns
            .get(&id)
            .filter(|r| r.shop_id == shop)
            .ok_or_else(|| {
                ApiError::business(codes::RETURN_NOT_FOUND, "The return does not exist.")
            })?;
        let (status, kind) = (r.status, r.return_type);
        let next = match (decision.as_str(), status, kind) {
            ("REJECT_REFUND", ReturnStatus::RequestPending, ReturnType::Refund)
            | ("REJECT_RETURN", ReturnStatus::RequestPending, ReturnType::ReturnAndRefund)
            | ("REJECT_REPLACEMENT", ReturnStatus::RequestPending, ReturnType::Replacement) => {
                ReturnStatus::RequestReject
            }
            ("REJECT_RECEIVED_PACKAGE", ReturnStatus::BuyerShippedItem, _) => {
                ReturnStatus::RejectReceivePackage
            }
            (
                "REJECT_REFUND"
                | "REJECT_RETURN"
                | "REJECT_REPLACEMENT"
                | "REJECT_RECEIVED_PACKAGE",
                _,
                _,
            ) => {
                return Err(not_allowed(
                    &format!("rejected with {decision} ({})", kind.as_str()),
                    status.as_str(),
                ));
            }
            _ => return Err(ApiError::invalid(format!("Invalid decision {decision:?}."))),
        };
        set_return_status(w, id, next, now);
        Ok(json!({}))
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CancelSearch {
    cancel_ids: Vec<String>,
    order_ids: Vec<String>,
    buyer_user_ids: Vec<String>,
    cancel_types: Vec<String>,
    cancel_status: Vec<String>,
    create_time_ge: Option<i64>,
    create_time_lt: Option<i64>,
    update_time_ge: Option<i64>,
    update_time_lt: Option<i64>,
    #[allow(dead_code)]
    locale: Option<String>,
}

fn search_cancellations(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let page_size = ctx.page_size(1, 50)?;
    let by_update = sort_field(ctx)?;
    let order = sort_order(ctx, Order::Desc)?;
    let token = ctx.query("page_token").map(str::to_string);
    let f: CancelSearch = ctx.json()?;
    let cancel_ids = parse_ids("cancel_ids", &f.cancel_ids)?;
    let order_ids = parse_ids("order_ids", &f.order_ids)?;
    let buyers = parse_ids("buyer_user_ids", &f.buyer_user_ids)?;
    for t in &f.cancel_types {
        if !matches!(t.as_str(), "CANCEL" | "BUYER_CANCEL") {
            return Err(ApiError::invalid(format!(
                "Invalid cancel_types value {t:?}."
            )));
        }
    }
    let statuses = f
        .cancel_status
        .iter()
        .map(|s| {
            CANCEL_STATUSES
                .into_iter()
                .find(|c| c.as_str() == s)
                .ok_or_else(|| ApiError::invalid(format!("Invalid cancel_status value {s:?}.")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let rows = ctx.with_world(|w| {
        w.cancellations
            .values()
            .filter(|c| c.shop_id == shop)
            .filter(|c| cancel_ids.is_empty() || cancel_ids.contains(&c.id))
            .filter(|c| order_ids.is_empty() || order_ids.contains(&c.order_id))
            .filter(|c| {
                buyers.is_empty()
                    || w.orders
                        .get(&c.order_id)
                        .is_some_and(|o| buyers.contains(&o.user_id))
            })
            .filter(|c| statuses.is_empty() || statuses.contains(&c.status))
            .filter(|c| window(c.create_time, f.create_time_ge, f.create_time_lt))
            .filter(|c| window(c.update_time, f.update_time_ge, f.update_time_lt))
            .map(|c| {
                let key = if by_update {
                    c.update_time
                } else {
                    c.create_time
                };
                (key, c.id, cancellation_json(w, c))
            })
            .collect::<Vec<_>>()
    });
    let (items, next, total) = paginate(rows, order, page_size, token.as_deref())?;
    Ok(json!({"cancellations": items, "next_page_token": next, "total_count": total}))
}

fn find_pending_cancellation(w: &World, shop: Id, id: Id, what: &str) -> Result<(), ApiError> {
    let c = w
        .cancellations
        .get(&id)
        .filter(|c| c.shop_id == shop)
        .ok_or_else(|| {
            ApiError::business(
                codes::CANCELLATION_NOT_FOUND,
                "The cancellation does not exist.",
            )
        })?;
    if c.status != CancelStatus::RequestPending {
        return Err(ApiError::business(
            STATUS_NOT_ALLOWED,
            format!(
                "The cancellation cannot be {what} in its current status {}.",
                c.status.as_str()
            ),
        ));
    }
    Ok(())
}

fn approve_cancellation(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("cancel_id")?;
    let now = ctx.now;
    ctx.with_world(|w| {
        find_pending_cancellation(w, shop, id, "approved")?;
        let order_id = w.cancellations.get(&id).map(|c| c.order_id).unwrap_or(0);
        if w.orders
            .get(&order_id)
            .is_some_and(|o| o.status.is_shipped())
        {
            return Err(ApiError::business(
                codes::CANCEL_NOT_ALLOWED,
                "The order has already shipped and can no longer be cancelled.",
            ));
        }
        set_cancel_status(w, id, CancelStatus::RequestComplete, now);
        Ok(json!({}))
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CancelReject {
    reject_reason: Option<String>,
    #[allow(dead_code)]
    comment: Option<String>,
}

fn reject_cancellation(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("cancel_id")?;
    let body: CancelReject = ctx.json()?;
    if body
        .reject_reason
        .as_deref()
        .is_none_or(|r| r.trim().is_empty())
    {
        return Err(ApiError::invalid("reject_reason is required."));
    }
    let now = ctx.now;
    ctx.with_world(|w| {
        find_pending_cancellation(w, shop, id, "rejected")?;
        set_cancel_status(w, id, CancelStatus::RequestReject, now);
        Ok(json!({}))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: u64) -> Vec<(i64, Id, Value)> {
        (1..=n).map(|i| ((i / 2) as i64, i, json!(i))).collect()
    }

    #[test]
    fn paging_visits_every_row_once_in_both_orders() {
        for order in [Order::Asc, Order::Desc] {
            let mut seen = Vec::new();
            let mut token = String::new();
            loop {
                let (items, next, total) = paginate(rows(23), order, 5, Some(&token)).unwrap();
                assert_eq!(total, 23);
                seen.extend(items.into_iter().map(|v| v.as_u64().unwrap()));
                if next.is_empty() {
                    break;
                }
                token = next;
            }
            let mut sorted = seen.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), 23, "{order:?}: {seen:?}");
        }
        assert!(paginate(rows(3), Order::Asc, 5, Some("nothex")).is_err());
    }

    #[test]
    fn both_reject_spellings_parse() {
        assert_eq!(
            parse_return_status("RETURN_OR_REFUND_REQUEST_REJECT"),
            Some(ReturnStatus::RequestReject)
        );
        assert_eq!(
            parse_return_status("REFUND_OR_RETURN_REQUEST_REJECT"),
            Some(ReturnStatus::RequestReject)
        );
        assert_eq!(parse_return_status("NOPE"), None);
    }
}
