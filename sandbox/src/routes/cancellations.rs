//! The seller cancels an order: `POST /return_refund/{202309|202602}/cancellations`. Refused once
//! the order has shipped. (Searching, approving and rejecting cancellations live in `returns`.)

use actix_web::http::Method;
use actix_web::web;
use serde_json::{Value, json};

use crate::protocol::{ApiError, ApiResult, Category, Ctx, Scope, codes, json_id, op};
use crate::world::CancelStatus;
use crate::world::ops::OpError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    for path in [
        "/return_refund/202309/cancellations",
        "/return_refund/202602/cancellations",
    ] {
        op(
            cfg,
            Method::POST,
            path,
            Category::Returns,
            Scope::Shop,
            seller_cancel,
        );
    }
}

/// Body: `{order_id, cancel_reason, order_line_item_ids?[]}` (no line items = the whole order).
fn seller_cancel(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let body = ctx.json_value()?;
    let now = ctx.now;
    let order_id = body
        .get("order_id")
        .and_then(json_id)
        .ok_or_else(|| ApiError::invalid("order_id is required."))?;
    let reason = body
        .get("cancel_reason")
        .and_then(Value::as_str)
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("cancel_reason is required."))?
        .to_string();
    let lines: Vec<_> = match body.get("order_line_item_ids") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| json_id(v).ok_or_else(|| ApiError::invalid("Invalid order_line_item_ids.")))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(ApiError::invalid("order_line_item_ids must be an array.")),
    };
    ctx.with_world(|w| {
        if !w.orders.get(&order_id).is_some_and(|o| o.shop_id == shop) {
            return Err(ApiError::business(
                codes::ORDER_NOT_FOUND,
                format!("Order {order_id} does not exist."),
            ));
        }
        let id = w
            .cancel_order(order_id, &lines, "SELLER", &reason, now)
            .map_err(|e| match e {
                OpError::AlreadyShipped => ApiError::business(
                    codes::CANCEL_NOT_ALLOWED,
                    "The order has shipped: it can no longer be cancelled (start a return instead).",
                ),
                OpError::Cancelled => {
                    ApiError::business(codes::CANCEL_NOT_ALLOWED, "The order is already cancelled.")
                }
                other => crate::routes::fulfillment::op_error(other),
            })?;
        Ok(json!({
            "cancel_id": id.to_string(),
            "cancel_status": CancelStatus::RequestComplete.as_str(),
        }))
    })
}
