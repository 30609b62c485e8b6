//! What the seller may decide now: the current reject reasons (202309) and decision eligibility
//! (202601) of a return or a buyer's cancellation, by the rules the approve and reject calls enforce.

use serde_json::{Value, json};

use super::STATUS_NOT_ALLOWED;
use super::decisions::{UNMODELLED_APPROVALS, check_cancel, check_return, return_decision};
use crate::protocol::{ApiError, ApiResult, Ctx, codes};
use crate::world::{
    Cancellation, Id, RejectReason, ReturnOrder, SellerAction, World, parse_id, reject_reasons,
};

const CANCEL_DECISIONS: [&str; 2] = ["APPROVE_REQUEST_CANCEL", "REJECT_REQUEST_CANCEL"];
/// The 202601 list's return decisions, in the fact sheet's order (no OFFER_PARTIAL_* at 202601).
const RETURN_DEFAULTS: [&str; 10] = [
    "APPROVE_REFUND",
    "APPROVE_RETURN",
    "APPROVE_RECEIVED_PACKAGE",
    "APPROVE_REPLACEMENT",
    "ISSUE_REPLACEMENT_REFUND",
    "DIRECT_REFUND",
    "REJECT_REFUND",
    "REJECT_RETURN",
    "REJECT_RECEIVED_PACKAGE",
    "REJECT_REPLACEMENT",
];
const EXCHANGE_REFUND: &str = "ISSUE_EXCHANGE_REFUND";

enum Request<'a> {
    Return(&'a ReturnOrder),
    Cancel(&'a Cancellation),
}

/// `return_or_cancel_id`, required and an id.
fn request_id(ctx: &Ctx) -> Result<Id, ApiError> {
    let raw = ctx
        .query("return_or_cancel_id")
        .ok_or_else(|| ApiError::invalid("return_or_cancel_id is required."))?;
    parse_id(raw).ok_or_else(|| ApiError::invalid(format!("Invalid return_or_cancel_id {raw:?}.")))
}

/// The shop's return or cancellation `id`. Another shop's cancellation is 25001003; anything else
/// unknown is 25001002 (the id alone does not tell which was meant).
fn request_of(w: &World, shop: Id, id: Id) -> Result<Request<'_>, ApiError> {
    if let Some(r) = w.returns.get(&id).filter(|r| r.shop_id == shop) {
        return Ok(Request::Return(r));
    }
    if let Some(c) = w.cancellations.get(&id) {
        if c.shop_id == shop {
            return Ok(Request::Cancel(c));
        }
        return Err(ApiError::business(
            codes::CANCELLATION_NOT_FOUND,
            "The cancellation does not exist.",
        ));
    }
    Err(ApiError::business(
        codes::RETURN_NOT_FOUND,
        "No return or cancellation with this id exists.",
    ))
}

fn pending_action(req: &Request) -> Option<SellerAction> {
    match req {
        Request::Return(r) => r.pending_action(),
        Request::Cancel(c) => c.pending_action(),
    }
}

fn reasons_json(reasons: &[RejectReason]) -> Vec<Value> {
    reasons
        .iter()
        .map(|r| json!({"name": r.name, "text": r.text}))
        .collect()
}

/// `GET /return_refund/202309/reject_reasons`: `data.reasons`, left out when no decision is pending.
pub(super) fn reject_reasons_of(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = request_id(ctx)?;
    ctx.with_world(|w| {
        let req = request_of(w, shop, id)?;
        let reasons = pending_action(&req).map(|a| reasons_json(reject_reasons(a)));
        Ok(json!({ "reasons": reasons }))
    })
}

/// The decisions asked (repeated keys or comma-joined), without repeats; 36009004 for one the 202601
/// list does not hold.
fn asked_decisions(ctx: &Ctx) -> Result<Vec<String>, ApiError> {
    let mut asked: Vec<String> = Vec::new();
    for d in ctx.query_list("check_decisions") {
        let listed = RETURN_DEFAULTS.contains(&d.as_str())
            || CANCEL_DECISIONS.contains(&d.as_str())
            || d == EXCHANGE_REFUND;
        if !listed {
            return Err(ApiError::invalid(format!(
                "Invalid check_decisions value {d:?} (version 202601)."
            )));
        }
        if !asked.contains(&d) {
            asked.push(d);
        }
    }
    Ok(asked)
}

fn ineligible(decision: &str, err: ApiError) -> Value {
    json!({
        "decision": decision,
        "eligible": false,
        "ineligible_code": err.code,
        "ineligible_reason": err.message,
    })
}

fn not_for(decision: &str, what: &str) -> Value {
    ineligible(
        decision,
        ApiError::business(
            STATUS_NOT_ALLOWED,
            format!("{decision} applies to {what} only."),
        ),
    )
}

fn verdict(w: &World, req: &Request, decision: &str, now: i64) -> Value {
    let eligible = |action: Option<SellerAction>| {
        json!({
            "decision": decision,
            "eligible": true,
            // Only a rejection names a reason.
            "available_reject_reasons": action.map(|a| reasons_json(reject_reasons(a))),
        })
    };
    match req {
        Request::Return(r) => {
            if let Some((action, approve)) = return_decision(decision) {
                match check_return(r, decision, action, approve, now) {
                    Ok(_) => eligible((!approve).then_some(action)),
                    Err(e) => ineligible(decision, e),
                }
            } else if CANCEL_DECISIONS.contains(&decision) {
                not_for(decision, "cancellations")
            } else if decision == EXCHANGE_REFUND {
                not_for(decision, "exchange requests")
            } else {
                debug_assert!(UNMODELLED_APPROVALS.contains(&decision));
                ineligible(
                    decision,
                    ApiError::business(
                        STATUS_NOT_ALLOWED,
                        format!("{decision} is not supported by the sandbox."),
                    ),
                )
            }
        }
        Request::Cancel(c) => {
            let approve = match decision {
                "APPROVE_REQUEST_CANCEL" => true,
                "REJECT_REQUEST_CANCEL" => false,
                _ => return not_for(decision, "returns"),
            };
            match check_cancel(w, c, approve, now) {
                Ok(_) => eligible((!approve).then_some(SellerAction::RespondBuyerCancel)),
                Err(e) => ineligible(decision, e),
            }
        }
    }
}

/// `GET /return_refund/202601/decision_eligibility`: one verdict per decision asked, or per decision
/// that applies to the request's kind when none is asked.
pub(super) fn decision_eligibility(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = request_id(ctx)?;
    let asked = asked_decisions(ctx)?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let req = request_of(w, shop, id)?;
        let defaults: &[&str] = match req {
            Request::Return(_) => &RETURN_DEFAULTS,
            Request::Cancel(_) => &CANCEL_DECISIONS,
        };
        let decisions: Vec<Value> = if asked.is_empty() {
            defaults.iter().map(|d| verdict(w, &req, d, now)).collect()
        } else {
            asked.iter().map(|d| verdict(w, &req, d, now)).collect()
        };
        Ok(json!({ "decisions": decisions }))
    })
}

#[cfg(test)]
mod tests {
    use super::super::decisions::RETURN_DECISIONS;
    use super::*;

    #[test]
    fn every_modelled_return_decision_is_in_the_202601_list() {
        for (d, _, _) in RETURN_DECISIONS {
            assert!(RETURN_DEFAULTS.contains(&d), "{d}");
        }
        for d in &UNMODELLED_APPROVALS[..2] {
            assert!(RETURN_DEFAULTS.contains(d), "{d}");
        }
    }
}
