//! State changes of returns and cancellations (shared with the living shop): opening them, moving them
//! with their side effects (stock, refunds, the order cancelled), and the webhook event of each change.

use crate::state::SandboxEvent;
use crate::world::{
    CancelStatus, Cancellation, Id, IdKind, OrderStatus, ReturnOrder, ReturnStatus, ReturnType,
    World,
};

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

pub(super) fn parse_return_status(s: &str) -> Option<ReturnStatus> {
    // TikTok spells the rejection both ways in different places.
    let s = if s == "RETURN_OR_REFUND_REQUEST_REJECT" {
        "REFUND_OR_RETURN_REQUEST_REJECT"
    } else {
        s
    };
    RETURN_STATUSES.into_iter().find(|r| r.as_str() == s)
}

pub(super) fn parse_return_type(s: &str) -> Option<ReturnType> {
    [
        ReturnType::Refund,
        ReturnType::ReturnAndRefund,
        ReturnType::Replacement,
    ]
    .into_iter()
    .find(|t| t.as_str() == s)
}

pub(super) const CANCEL_STATUSES: [CancelStatus; 5] = [
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

#[cfg(test)]
mod tests {
    use super::*;

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
