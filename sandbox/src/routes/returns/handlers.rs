//! The seller's endpoints: return and cancellation search (202309 and 202602), approve and reject.

use serde::Deserialize;
use serde_json::json;

use super::STATUS_NOT_ALLOWED;
use super::paging::{Order, paginate, parse_ids, sort_field, sort_order, window};
use super::render::{cancellation_json, return_json};
use super::transitions::{
    CANCEL_STATUSES, parse_return_status, parse_return_type, set_cancel_status, set_return_status,
};
use crate::protocol::{ApiError, ApiResult, Ctx, codes};
use crate::world::{CancelStatus, Id, ReturnStatus, ReturnType, World};

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

pub(super) fn search_returns(ctx: &mut Ctx) -> ApiResult {
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

pub(super) fn approve_return(ctx: &mut Ctx) -> ApiResult {
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

pub(super) fn reject_return(ctx: &mut Ctx) -> ApiResult {
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

pub(super) fn search_cancellations(ctx: &mut Ctx) -> ApiResult {
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

pub(super) fn approve_cancellation(ctx: &mut Ctx) -> ApiResult {
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

pub(super) fn reject_cancellation(ctx: &mut Ctx) -> ApiResult {
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
