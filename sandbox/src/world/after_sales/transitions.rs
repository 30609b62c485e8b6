//! State changes of returns and cancellations (shared by the API, the living shop and the world's
//! deadlines): opening them, moving them with their side effects (stock, refunds, the order cancelled),
//! the record each return change leaves, and the webhook event of each change.

use super::{
    CancelStatus, Cancellation, ReturnOrder, ReturnRecord, ReturnStatus, ReturnType, return_action,
};
use crate::world::events::SandboxEvent;
use crate::world::{Id, IdKind, OrderStatus, World};

/// Who makes a return change, and what they said (the record's role, reason text and note).
#[derive(Clone, Copy, Debug, Default)]
pub struct By<'a> {
    /// BUYER / SELLER / SYSTEM.
    pub role: &'static str,
    pub reason_text: Option<&'a str>,
    pub note: Option<&'a str>,
}

impl By<'static> {
    pub fn role(role: &'static str) -> By<'static> {
        By {
            role,
            ..By::default()
        }
    }
}

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

fn opened_record(r: &ReturnOrder) -> ReturnRecord {
    let what = match r.return_type {
        ReturnType::Refund => "a refund",
        ReturnType::ReturnAndRefund => "a return and refund",
        ReturnType::Replacement => "a replacement",
    };
    ReturnRecord {
        event: "REQUEST_SUBMITTED",
        role: "BUYER",
        description: format!("The buyer requested {what}."),
        reason_text: Some(r.reason.clone()),
        note: None,
        create_time: r.create_time,
    }
}

/// Who usually makes a change when the caller does not say (the living shop, tests).
fn usual_role(before: ReturnStatus, after: ReturnStatus) -> &'static str {
    use ReturnStatus as S;
    match (before, after) {
        (_, S::BuyerShippedItem) => "BUYER",
        // The buyer did not ship in time: the platform closes it.
        (S::AwaitingBuyerShip, S::RequestCancel) => "SYSTEM",
        (_, S::RequestCancel) => "BUYER",
        (
            S::RequestPending | S::BuyerShippedItem,
            S::AwaitingBuyerShip | S::RequestSuccess | S::RequestReject | S::RejectReceivePackage,
        ) => "SELLER",
        _ => "SYSTEM",
    }
}

fn change_record(
    before: ReturnStatus,
    after: ReturnStatus,
    kind: ReturnType,
    by: By,
    now: i64,
) -> ReturnRecord {
    use ReturnStatus as S;
    let system = by.role == "SYSTEM";
    let (event, description) = match (before, after) {
        (S::RequestPending, S::AwaitingBuyerShip | S::RequestSuccess) if system => (
            "REQUEST_APPROVED",
            "The seller did not respond before the deadline: the request was approved automatically.",
        ),
        (S::RequestPending, S::AwaitingBuyerShip | S::RequestSuccess) => {
            ("REQUEST_APPROVED", "The seller approved the request.")
        }
        (_, S::RequestReject) => ("REQUEST_REJECTED", "The seller rejected the request."),
        (_, S::BuyerShippedItem) => ("BUYER_SHIPPED_ITEM", "The buyer shipped the item back."),
        (S::BuyerShippedItem, S::RequestSuccess) if system => (
            "PACKAGE_RECEIVED",
            "The seller did not respond before the deadline: the returned package was accepted automatically.",
        ),
        (S::BuyerShippedItem, S::RequestSuccess) => (
            "PACKAGE_RECEIVED",
            "The seller confirmed receipt of the returned package.",
        ),
        (_, S::RejectReceivePackage) => (
            "PACKAGE_REJECTED",
            "The seller rejected the returned package.",
        ),
        (_, S::RequestComplete) if kind == ReturnType::Replacement => (
            "REPLACEMENT_COMPLETED",
            "The replacement was sent to the buyer.",
        ),
        (_, S::RequestComplete) => ("REFUND_COMPLETED", "The refund was paid to the buyer."),
        (_, S::RequestCancel) if system => (
            "REQUEST_CANCELLED",
            "The buyer did not ship the item back in time: the request was closed.",
        ),
        (_, S::RequestCancel) => ("REQUEST_CANCELLED", "The buyer withdrew the request."),
        _ => ("STATUS_CHANGED", "The request's status changed."),
    };
    ReturnRecord {
        event,
        role: by.role,
        description: description.to_string(),
        reason_text: by.reason_text.map(str::to_string),
        note: by.note.map(str::to_string),
        create_time: now,
    }
}

/// The history a generated return in its status would have: opened, then each usual step, spread
/// between its creation and its last update.
pub(crate) fn generated_history(r: &ReturnOrder) -> Vec<ReturnRecord> {
    use ReturnStatus as S;
    let shipped_back = [S::AwaitingBuyerShip, S::BuyerShippedItem];
    let refund_only = r.return_type == ReturnType::Refund;
    let steps: Vec<S> = match r.status {
        S::RequestPending => vec![],
        S::AwaitingBuyerShip => vec![S::AwaitingBuyerShip],
        S::BuyerShippedItem => shipped_back.to_vec(),
        S::RejectReceivePackage => [&shipped_back[..], &[S::RejectReceivePackage]].concat(),
        // Refund only: no item comes back.
        S::RequestSuccess if refund_only => vec![S::RequestSuccess],
        S::RequestComplete if refund_only => vec![S::RequestSuccess, S::RequestComplete],
        S::RequestSuccess => [&shipped_back[..], &[S::RequestSuccess]].concat(),
        S::RequestComplete => {
            [&shipped_back[..], &[S::RequestSuccess, S::RequestComplete]].concat()
        }
        S::RequestReject => vec![S::RequestReject],
        S::RequestCancel => vec![S::RequestCancel],
    };
    let mut records = vec![opened_record(r)];
    let mut before = S::RequestPending;
    let n = steps.len() as i64;
    for (k, after) in steps.into_iter().enumerate() {
        let at = r.create_time + (r.update_time - r.create_time) * (k as i64 + 1) / n.max(1);
        // A rejection names one of the reasons TikTok offered then.
        let reason = (after == S::RequestReject || after == S::RejectReceivePackage)
            .then(|| return_action(before, r.return_type))
            .flatten()
            .map(|a| {
                let all = super::reject_reasons(a);
                all[(r.id % all.len() as u64) as usize].text
            });
        let by = By {
            role: usual_role(before, after),
            reason_text: reason,
            note: None,
        };
        records.push(change_record(before, after, r.return_type, by, at));
        before = after;
    }
    records
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
    let mut r = ReturnOrder {
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
        records: Vec::new(),
        lapsed_from: None,
    };
    r.records.push(opened_record(&r));
    w.outbox.push(return_event(&r));
    w.insert_return(r);
    Some(id)
}

/// Moves a return to `status` as its usual actor would (see [`move_return`]).
pub fn set_return_status(w: &mut World, id: Id, status: ReturnStatus, now: i64) -> bool {
    let Some(before) = w.returns.get(&id).map(|r| r.status) else {
        return false;
    };
    move_return(w, id, status, now, By::role(usual_role(before, status)))
}

/// Moves a return to `status`, made by `by`, with its side effects: stock back when a returned
/// package is accepted, units marked refunded when the refund completes. Records the change and
/// emits RETURN_STATUS_CHANGE.
pub fn move_return(w: &mut World, id: Id, status: ReturnStatus, now: i64, by: By) -> bool {
    let Some(before) = w.returns.get(&id).map(|r| r.status) else {
        return false;
    };
    if before == status {
        return true;
    }
    let Some(r) = w.update_return(id, |r| {
        r.status = status;
        r.update_time = now.max(r.create_time);
        r.lapsed_from = None;
        let record = change_record(before, status, r.return_type, by, r.update_time);
        r.records.push(record);
        r.clone()
    }) else {
        return false;
    };
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
        lapsed: false,
    };
    w.outbox.push(cancel_event(&c));
    w.insert_cancellation(c);
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
    let Some(before) = w.cancellations.get(&id).map(|c| c.status) else {
        return false;
    };
    if before == status {
        return true;
    }
    let Some(c) = w.update_cancellation(id, |c| {
        c.status = status;
        c.update_time = now.max(c.create_time);
        c.lapsed = false;
        c.clone()
    }) else {
        return false;
    };
    w.outbox.push(cancel_event(&c));
    if status == CancelStatus::RequestComplete {
        cancel_order(w, c.order_id, &c.role, &c.reason, now);
    }
    true
}
