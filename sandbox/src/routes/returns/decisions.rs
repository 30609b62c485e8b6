//! The seller's decisions: approve and reject returns and buyers' cancellations, and the rules they
//! share with decision eligibility: the request must await that decision, before its deadline, and a
//! rejection must name one of the request's current reject reasons.

use serde::Deserialize;
use serde_json::json;

use super::{DECISION_DEADLINE_PASSED, STATUS_NOT_ALLOWED};
use crate::protocol::{ApiError, ApiResult, Ctx, codes};
use crate::world::{
    By, CancelStatus, Cancellation, Id, RejectReason, ReturnOrder, ReturnStatus, SellerAction,
    World, move_return, reject_reasons, return_action, set_cancel_status,
};

/// The return decisions the sandbox models: (decision, the pending action it answers, approves?).
pub(super) const RETURN_DECISIONS: [(&str, SellerAction, bool); 8] = [
    ("APPROVE_REFUND", SellerAction::RespondRefund, true),
    ("APPROVE_RETURN", SellerAction::RespondReturn, true),
    (
        "APPROVE_RECEIVED_PACKAGE",
        SellerAction::RespondReceivePackage,
        true,
    ),
    (
        "APPROVE_REPLACEMENT",
        SellerAction::RespondReplacement,
        true,
    ),
    ("REJECT_REFUND", SellerAction::RespondRefund, false),
    ("REJECT_RETURN", SellerAction::RespondReturn, false),
    (
        "REJECT_RECEIVED_PACKAGE",
        SellerAction::RespondReceivePackage,
        false,
    ),
    (
        "REJECT_REPLACEMENT",
        SellerAction::RespondReplacement,
        false,
    ),
];

/// Real approve decisions the sandbox does not model (refused as unsupported, never as unknown).
pub(super) const UNMODELLED_APPROVALS: [&str; 3] = [
    "ISSUE_REPLACEMENT_REFUND",
    "DIRECT_REFUND",
    "OFFER_PARTIAL_REFUND",
];
const UNMODELLED_REJECTIONS: [&str; 1] = ["OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG"];

pub(super) fn return_decision(decision: &str) -> Option<(SellerAction, bool)> {
    RETURN_DECISIONS
        .iter()
        .find(|(d, _, _)| *d == decision)
        .map(|&(_, action, approve)| (action, approve))
}

/// The action a decision made on the approve (or reject) path answers; 36009004 otherwise.
fn known(decision: &str, approve: bool) -> Result<SellerAction, ApiError> {
    match return_decision(decision) {
        Some((action, a)) if a == approve => Ok(action),
        _ if (approve && UNMODELLED_APPROVALS.contains(&decision))
            || (!approve && UNMODELLED_REJECTIONS.contains(&decision)) =>
        {
            Err(ApiError::invalid(format!(
                "decision {decision} is not supported by the sandbox."
            )))
        }
        _ => Err(ApiError::invalid(format!("Invalid decision {decision:?}."))),
    }
}

pub(super) fn deadline_passed() -> ApiError {
    ApiError::business(
        DECISION_DEADLINE_PASSED,
        "The deadline to respond has passed.",
    )
}

pub(super) fn find_return(w: &World, shop: Id, id: Id) -> Result<&ReturnOrder, ApiError> {
    w.returns
        .get(&id)
        .filter(|r| r.shop_id == shop)
        .ok_or_else(|| ApiError::business(codes::RETURN_NOT_FOUND, "The return does not exist."))
}

pub(super) fn find_cancellation(w: &World, shop: Id, id: Id) -> Result<&Cancellation, ApiError> {
    w.cancellations
        .get(&id)
        .filter(|c| c.shop_id == shop)
        .ok_or_else(|| {
            ApiError::business(
                codes::CANCELLATION_NOT_FOUND,
                "The cancellation does not exist.",
            )
        })
}

/// Whether `decision` (answering `action`) can be taken on `r` at `now`: the status it leads to, or
/// the refusal (25001004 not awaited, 25001005 too late).
pub(super) fn check_return(
    r: &ReturnOrder,
    decision: &str,
    action: SellerAction,
    approve: bool,
    now: i64,
) -> Result<ReturnStatus, ApiError> {
    let late = || r.lapsed_from.and_then(|s| return_action(s, r.return_type)) == Some(action);
    if r.pending_action() != Some(action) {
        // SYSTEM already decided what the seller is answering: say the deadline passed.
        if late() {
            return Err(deadline_passed());
        }
        let what = if approve { "approved" } else { "rejected" };
        return Err(ApiError::business(
            STATUS_NOT_ALLOWED,
            format!(
                "The return cannot be {what} with {decision} ({}) in its current status {}.",
                r.return_type.as_str(),
                r.status.as_str()
            ),
        ));
    }
    if r.decision_deadline().is_some_and(|d| now >= d) {
        return Err(deadline_passed());
    }
    let next = if approve {
        r.approved_status()
    } else {
        r.rejected_status()
    };
    next.ok_or_else(deadline_passed)
}

/// Whether a buyer's cancellation can be approved (or rejected) at `now`: the status it leads to.
pub(super) fn check_cancel(
    w: &World,
    c: &Cancellation,
    approve: bool,
    now: i64,
) -> Result<CancelStatus, ApiError> {
    if c.status != CancelStatus::RequestPending {
        if c.lapsed {
            return Err(deadline_passed());
        }
        let what = if approve { "approved" } else { "rejected" };
        return Err(ApiError::business(
            STATUS_NOT_ALLOWED,
            format!(
                "The cancellation cannot be {what} in its current status {}.",
                c.status.as_str()
            ),
        ));
    }
    if c.decision_deadline().is_some_and(|d| now >= d) {
        return Err(deadline_passed());
    }
    if !approve {
        return Ok(CancelStatus::RequestReject);
    }
    if w.orders
        .get(&c.order_id)
        .is_some_and(|o| o.status.is_shipped())
    {
        return Err(ApiError::business(
            codes::CANCEL_NOT_ALLOWED,
            "The order has already shipped and can no longer be cancelled.",
        ));
    }
    Ok(CancelStatus::RequestComplete)
}

/// `name` must be one of the reasons offered now for `action` (36009004 otherwise).
fn current_reason(action: SellerAction, name: &str) -> Result<&'static RejectReason, ApiError> {
    reject_reasons(action)
        .iter()
        .find(|r| r.name == name)
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "reject_reason {name:?} is not a current reject reason of this request: fetch \
                 GET /return_refund/202309/reject_reasons?return_or_cancel_id=… and send one of \
                 its names."
            ))
        })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Decision {
    decision: Option<String>,
    reject_reason: Option<String>,
    comment: Option<String>,
    #[allow(dead_code)]
    buyer_keep_item: Option<bool>,
}

fn required_reason(reason: Option<String>) -> Result<String, ApiError> {
    reason
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("reject_reason is required."))
}

pub(super) fn approve_return(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("return_id")?;
    let body: Decision = ctx.json()?;
    let decision = body
        .decision
        .ok_or_else(|| ApiError::invalid("decision is required."))?;
    let action = known(&decision, true)?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let r = find_return(w, shop, id)?;
        let next = check_return(r, &decision, action, true, now)?;
        move_return(w, id, next, now, By::role("SELLER"));
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
    let reason = required_reason(body.reject_reason)?;
    let action = known(&decision, false)?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let r = find_return(w, shop, id)?;
        let next = check_return(r, &decision, action, false, now)?;
        let reason = current_reason(action, &reason)?;
        let by = By {
            role: "SELLER",
            reason_text: Some(reason.text),
            note: body.comment.as_deref().filter(|c| !c.trim().is_empty()),
        };
        move_return(w, id, next, now, by);
        Ok(json!({}))
    })
}

pub(super) fn approve_cancellation(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("cancel_id")?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let c = find_cancellation(w, shop, id)?;
        let next = check_cancel(w, c, true, now)?;
        set_cancel_status(w, id, next, now);
        Ok(json!({}))
    })
}

pub(super) fn reject_cancellation(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("cancel_id")?;
    let body: Decision = ctx.json()?;
    let reason = required_reason(body.reject_reason)?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let c = find_cancellation(w, shop, id)?;
        let next = check_cancel(w, c, false, now)?;
        current_reason(SellerAction::RespondBuyerCancel, &reason)?;
        set_cancel_status(w, id, next, now);
        Ok(json!({}))
    })
}
