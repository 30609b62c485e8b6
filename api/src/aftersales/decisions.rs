//! The seller's decision on a buyer's return or cancellation, made from the ERP. TikTok says which
//! decision it awaits (`seller_next_action_response` on the request, read fresh): approving answers
//! it with the matching decision (refund only, return and refund, replacement, or the returned
//! package received), rejecting with its reject decision and a reason TikTok accepts now. Every
//! decision is audited, and the local row follows at once through the sync's own refresh.
//!
//! A decision whose answer was lost (or which a resend finds refused) is settled by reading the
//! request back: if TikTok no longer awaits it and the request ended where the decision takes it, it
//! was made. TikTok's refusal (wrong status, deadline passed, a second
//! decision) is a conflict carrying TikTok's code, message and request id.

use serde_json::json;

use entity::shop;

use crate::audit::{self, Entry};
use crate::auth::AuthUser;
use crate::deps::TikTokAccess;
use crate::error::{Error, Kind as ErrorKind, OUTCOME_UNKNOWN, Result};
use crate::shops::session::{CallError, ShopSession};
use crate::sync::returns::{Kind, refresh};
use crate::tiktok::returns::{self as wire, NextAction, RejectReason, ReturnRecord};

/// What the seller decides.
#[derive(Debug, Clone, Copy)]
pub enum Decision<'a> {
    Approve,
    /// `reason`: the name of one of TikTok's current reject reasons; `comment`: a note for the buyer.
    Reject {
        reason: &'a str,
        comment: Option<&'a str>,
    },
}

/// A decision made (or found made: `already_decided`, when a lost answer was settled).
#[derive(Debug, Clone)]
pub struct Decided {
    pub kind: Kind,
    pub id: String,
    /// TikTok's decision sent (APPROVE_REFUND, REJECT_RETURN, …; APPROVE or REJECT for a
    /// cancellation).
    pub decision: String,
    /// The request's status after it, as TikTok gives it.
    pub status: String,
    pub already_decided: bool,
    pub tiktok_request_id: Option<String>,
}

/// Decides the return or cancellation `id` of `shop`.
#[tracing::instrument(skip_all, fields(shop = %shop.id, kind = kind.noun(), id = %id))]
pub async fn decide(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    kind: Kind,
    id: &str,
    decision: Decision<'_>,
) -> Result<Decided> {
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let pending = pending_action(access, &mut session, kind, id).await?;
    let sent = decision_name(kind, &pending, decision)?;
    if let Decision::Reject { reason, .. } = decision {
        check_reason(access, &mut session, kind, id, reason).await?;
    }
    let answer = send(access, &mut session, kind, id, &sent, decision).await;
    let outcome = match answer {
        Ok(request_id) => {
            after(
                access,
                &mut session,
                kind,
                id,
                &sent,
                false,
                Some(request_id),
            )
            .await
        }
        Err(e) => settle(access, &mut session, kind, id, &sent, &pending, e).await,
    };
    let request = match decision {
        Decision::Approve => json!({"decision": sent}),
        Decision::Reject { reason, comment } => {
            json!({"decision": sent, "reason": reason, "comment": comment})
        }
    };
    audit::record(
        access.db,
        user,
        Entry {
            shop_id: &shop.id,
            action: match (kind, decision) {
                (Kind::Return, Decision::Approve) => "return.approve",
                (Kind::Return, Decision::Reject { .. }) => "return.reject",
                (Kind::Cancellation, Decision::Approve) => "cancellation.approve",
                (Kind::Cancellation, Decision::Reject { .. }) => "cancellation.reject",
            },
            target: format!("{} {id}", kind.noun()),
            request,
            tiktok_request_id: match &outcome {
                Ok(d) => d.tiktok_request_id.clone(),
                Err(e) => e.tiktok_request_id(),
            },
            error: outcome.as_ref().err().map(ToString::to_string),
        },
        access.clock.now(),
    )
    .await?;
    outcome
}

/// The reasons TikTok accepts now for rejecting the return or cancellation `id` (none when it awaits
/// no decision).
pub async fn reject_reasons(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    kind: Kind,
    id: &str,
) -> Result<Vec<RejectReason>> {
    let mut session = ShopSession::open(access, shop.clone()).await?;
    // Read first: an id TikTok does not list for this shop is a 404, not an empty list.
    pending_or_none(access, &mut session, kind, id).await?;
    Ok(wire::reject_reasons(&mut session.line(access), id)
        .await?
        .data
        .reasons)
}

/// The history of the return `id` as TikTok keeps it (who asked, who decided, the parcel's way
/// back), oldest first.
pub async fn return_history(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    id: &str,
) -> Result<Vec<ReturnRecord>> {
    let mut session = ShopSession::open(access, shop.clone()).await?;
    pending_or_none(access, &mut session, Kind::Return, id).await?;
    Ok(wire::records(&mut session.line(access), id)
        .await?
        .data
        .records)
}

/// The request as TikTok has it now (saved here as well), and the decision it awaits, if any.
async fn pending_or_none(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    kind: Kind,
    id: &str,
) -> Result<(String, Option<NextAction>)> {
    let (record, raw) = refresh(access, session, kind, id).await?.ok_or_else(|| {
        Error::not_found(match kind {
            Kind::Return => "return (TikTok lists none with this id for the shop)",
            Kind::Cancellation => "cancellation (TikTok lists none with this id for the shop)",
        })
    })?;
    Ok((record.status, wire::next_actions(&raw).into_iter().next()))
}

async fn pending_action(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    kind: Kind,
    id: &str,
) -> Result<NextAction> {
    let (status, pending) = pending_or_none(access, session, kind, id).await?;
    pending.ok_or_else(|| {
        Error::conflict(
            "no_decision_pending",
            format!(
                "TikTok awaits no decision from the seller on this {} (status {status}); nothing was sent",
                kind.noun()
            ),
        )
    })
}

/// TikTok's name for the decision that answers the pending action.
fn decision_name(kind: Kind, pending: &NextAction, decision: Decision<'_>) -> Result<String> {
    let approve = matches!(decision, Decision::Approve);
    match kind {
        Kind::Cancellation => Ok(if approve { "APPROVE" } else { "REJECT" }.to_owned()),
        Kind::Return => {
            let (yes, no) = wire::return_decisions(&pending.action).ok_or_else(|| {
                Error::conflict(
                    "decision_unsupported",
                    format!(
                        "TikTok awaits {} on this return, which the ERP does not decide; use Seller Center",
                        pending.action
                    ),
                )
            })?;
            Ok(if approve { yes } else { no }.to_owned())
        }
    }
}

/// Refuses a reason TikTok does not accept now, before anything is sent.
async fn check_reason(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    kind: Kind,
    id: &str,
    reason: &str,
) -> Result<()> {
    let reasons = wire::reject_reasons(&mut session.line(access), id)
        .await?
        .data
        .reasons;
    if reasons.iter().any(|r| r.name == reason) {
        return Ok(());
    }
    let names: Vec<&str> = reasons.iter().map(|r| r.name.as_str()).collect();
    Err(Error::invalid_field(
        "reason",
        format!(
            "{reason:?} is not a reason TikTok accepts for this {} now; one of: {} (GET …/reject-reasons gives their texts)",
            kind.noun(),
            names.join(", ")
        ),
    ))
}

/// Sends the decision; answers TikTok's request id.
async fn send(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    kind: Kind,
    id: &str,
    sent: &str,
    decision: Decision<'_>,
) -> Result<String, CallError> {
    let line = &mut session.line(access);
    let answer = match (kind, decision) {
        (Kind::Return, Decision::Approve) => {
            wire::approve_return(line, id, &wire::ApproveReturn { decision: sent }).await
        }
        (Kind::Return, Decision::Reject { reason, comment }) => {
            let request = wire::RejectReturn {
                decision: sent,
                reject_reason: reason,
                comment,
            };
            wire::reject_return(line, id, &request).await
        }
        (Kind::Cancellation, Decision::Approve) => wire::approve_cancellation(line, id).await,
        (Kind::Cancellation, Decision::Reject { reason, comment }) => {
            let request = wire::RejectCancellation {
                reject_reason: reason,
                comment,
            };
            wire::reject_cancellation(line, id, &request).await
        }
    };
    answer.map(|a| a.request_id)
}

/// After TikTok took the decision: the request read back and saved.
async fn after(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    kind: Kind,
    id: &str,
    sent: &str,
    already_decided: bool,
    tiktok_request_id: Option<String>,
) -> Result<Decided> {
    let (status, _) = pending_or_none(access, session, kind, id).await?;
    Ok(Decided {
        kind,
        id: id.to_owned(),
        decision: sent.to_owned(),
        status,
        already_decided,
        tiktok_request_id,
    })
}

/// A decision TikTok did not confirm: its answer was lost (the outcome unknown), or TikTok refused
/// it, which is also how a resent decision is answered when the first one was taken and its answer
/// lost. Either way the request is read back: TikTok no longer awaiting the decision answered, and
/// the request where this decision takes it (approved, or rejected), means it was made; it is never
/// sent twice. Otherwise a refusal is a conflict with TikTok's words.
async fn settle(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    kind: Kind,
    id: &str,
    sent: &str,
    pending: &NextAction,
    failure: CallError,
) -> Result<Decided> {
    let unknown = failure.outcome_unknown();
    let failure = Error::from(failure);
    if let Ok((status, now_pending)) = pending_or_none(access, session, kind, id).await
        && now_pending.as_ref() != Some(pending)
        && ended_as(sent, &status)
    {
        return Ok(Decided {
            kind,
            id: id.to_owned(),
            decision: sent.to_owned(),
            status,
            already_decided: true,
            tiktok_request_id: failure.tiktok_request_id(),
        });
    }
    if unknown {
        let mut e = Error::new(
            ErrorKind::Upstream,
            OUTCOME_UNKNOWN,
            format!(
                "TikTok did not answer, so whether the {} was decided is unknown; send the same request again (same Idempotency-Key)",
                kind.noun()
            ),
        );
        e.details = failure.details;
        return Err(e);
    }
    Err(refused(sent, failure))
}

/// Whether a request in `status` is where the decision `sent` takes it: approved (on its way to a
/// refund, a return or a replacement; a cancellation granted) or rejected.
fn ended_as(sent: &str, status: &str) -> bool {
    if sent.starts_with("APPROVE") {
        APPROVED_STATUSES.contains(&status)
    } else {
        REJECTED_STATUSES.contains(&status)
    }
}

/// Where an approved request is (on its way to a refund, a return or a replacement; a
/// cancellation granted).
pub const APPROVED_STATUSES: [&str; 8] = [
    "RETURN_OR_REFUND_REQUEST_SUCCESS",
    "RETURN_OR_REFUND_REQUEST_COMPLETE",
    "AWAITING_BUYER_SHIP",
    "BUYER_SHIPPED_ITEM",
    "REPLACEMENT_REQUEST_COMPLETE",
    "REPLACEMENT_REQUEST_REFUND_SUCCESS",
    "CANCELLATION_REQUEST_SUCCESS",
    "CANCELLATION_REQUEST_COMPLETE",
];

/// Where a rejected request is.
pub const REJECTED_STATUSES: [&str; 5] = [
    "REFUND_OR_RETURN_REQUEST_REJECT",
    "RETURN_OR_REFUND_REQUEST_REJECT",
    "REJECT_RECEIVE_PACKAGE",
    "REPLACEMENT_REQUEST_REJECT",
    "CANCELLATION_REQUEST_REJECT",
];

/// TikTok's business refusal of a decision (wrong status, deadline passed, a second decision) is a
/// conflict that carries TikTok's code, message and request id; other failures stay as they are.
fn refused(sent: &str, failure: Error) -> Error {
    if failure.kind != ErrorKind::Refused {
        return failure;
    }
    let message = failure
        .details
        .first()
        .and_then(|d| d["tiktok_message"].as_str())
        .unwrap_or("refused")
        .to_owned();
    let mut refused = Error::conflict(
        "decision_refused",
        format!("TikTok refused the decision ({sent}): {message}"),
    );
    refused.details = failure.details;
    refused
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiktok::TikTokError;

    #[test]
    fn a_refusal_by_tiktok_is_a_conflict_with_its_code_message_and_request_id() {
        let tiktok = crate::error::tiktok_to_api(TikTokError::Api {
            path: crate::tiktok::returns::approve_return_path("1"),
            status: 200,
            code: 25001004,
            message: "The return cannot be approved in its current status.".into(),
            request_id: "req-1".into(),
        });
        let e = refused("APPROVE_REFUND", tiktok);
        assert_eq!((e.kind, e.code), (ErrorKind::Conflict, "decision_refused"));
        assert!(e.message.contains("current status"), "{}", e.message);
        assert_eq!(e.details[0]["tiktok_code"], 25001004);
        assert_eq!(e.tiktok_request_id().as_deref(), Some("req-1"));

        let unavailable = Error::unavailable("TikTok is busy");
        assert_eq!(refused("APPROVE_REFUND", unavailable).code, "unavailable");
    }

    #[test]
    fn a_request_ended_as_the_decision_only_on_its_side() {
        assert!(ended_as(
            "APPROVE_REFUND",
            "RETURN_OR_REFUND_REQUEST_SUCCESS"
        ));
        assert!(ended_as("APPROVE", "CANCELLATION_REQUEST_COMPLETE"));
        assert!(!ended_as(
            "APPROVE_RETURN",
            "REFUND_OR_RETURN_REQUEST_REJECT"
        ));
        assert!(ended_as("REJECT", "CANCELLATION_REQUEST_REJECT"));
        assert!(!ended_as(
            "REJECT_REFUND",
            "RETURN_OR_REFUND_REQUEST_SUCCESS"
        ));
        assert!(!ended_as(
            "APPROVE_REFUND",
            "RETURN_OR_REFUND_REQUEST_PENDING"
        ));
    }
}
