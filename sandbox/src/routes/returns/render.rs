//! Returns and cancellations as the API renders them: amounts, line items, next actions.

use serde_json::{Value, json};

use crate::world::{
    Cancellation, Id, ReturnOrder, ReturnStatus, ReturnType, SellerAction, World, format_amount,
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

/// The seller's pending action with its deadline (left out when none is pending).
fn next_actions(action: Option<SellerAction>, deadline: Option<i64>) -> Option<Vec<Value>> {
    Some(vec![
        json!({"action": action?.as_str(), "deadline": deadline?}),
    ])
}

/// The carrier a return travels with: the first of the shop region's providers (TikTok names one
/// whenever there is a tracking number).
fn return_provider(w: &World, shop: Id) -> Option<(String, String)> {
    let region = w.region_of(shop);
    w.shipping_providers
        .values()
        .find(|p| p.region == region)
        .map(|p| (p.id.to_string(), p.name.clone()))
}

pub fn return_json(w: &World, r: &ReturnOrder) -> Value {
    let order = w.orders.get(&r.order_id);
    // No item travels back on a refund only: its shipping fields are left out.
    let goes_back = r.return_type != ReturnType::Refund;
    let tracking = match r.status {
        ReturnStatus::BuyerShippedItem
        | ReturnStatus::RejectReceivePackage
        | ReturnStatus::RequestSuccess
        | ReturnStatus::RequestComplete
            if goes_back =>
        {
            Some(format!("RT{}", r.id % 10_000_000_000))
        }
        _ => None,
    };
    let provider = tracking
        .as_ref()
        .and_then(|_| return_provider(w, r.shop_id));
    json!({
        "return_id": r.id.to_string(),
        "order_id": r.order_id.to_string(),
        "return_type": r.return_type.as_str(),
        "return_status": r.status.as_str(),
        "role": r.role,
        "return_reason": r.reason.to_lowercase().replace(' ', "_"),
        "return_reason_text": r.reason,
        "shipment_type": goes_back.then_some("PLATFORM"),
        "handover_method": goes_back.then_some("DROP_OFF"),
        "return_tracking_number": tracking,
        "return_provider_id": provider.as_ref().map(|p| &p.0),
        "return_provider_name": provider.as_ref().map(|p| &p.1),
        "can_buyer_keep_item": false,
        "buyer_user_id": order.map(|o| o.user_id.to_string()).unwrap_or_default(),
        "create_time": r.create_time,
        "update_time": r.update_time,
        "seller_next_action_response": next_actions(r.pending_action(), r.decision_deadline()),
        "return_line_items": line_items_json(w, r.shop_id, r.order_id, &r.line_item_ids, r.id, "return_line_item_id"),
        "refund_amount": refund_amount(w, r.shop_id, r.refund_total, 0),
        "return_method": goes_back.then_some("PLATFORM_SHIPPED"),
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
        "seller_next_action_response": next_actions(c.pending_action(), c.decision_deadline()),
        "refund_amount": refund_amount(w, c.shop_id, c.refund_total, shipping),
        "cancel_line_items": line_items_json(w, c.shop_id, c.order_id, &c.line_item_ids, c.id, "cancel_line_item_id"),
    })
}
