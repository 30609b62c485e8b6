//! Returns and cancellations as the API renders them: amounts, line items, next actions.

use serde_json::{Value, json};

use crate::world::{
    CancelStatus, Cancellation, Id, ReturnOrder, ReturnStatus, ReturnType, World, format_amount,
};

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
