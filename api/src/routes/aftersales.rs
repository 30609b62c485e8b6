//! The seller's decisions on buyers' after-sales requests, from the ERP: approve or reject a return
//! (`…/returns/{return_id}/approve`, `…/reject`) or a buyer's cancellation (`…/cancellations/
//! {cancel_id}/approve`, `…/reject`), and the reasons TikTok accepts now for a rejection
//! (`…/reject-reasons`), and a return's history as TikTok keeps it (`…/history`, viewer). Operator
//! role, the returns area; decisions take an `Idempotency-Key`.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::aftersales::{self, Decided, Decision};
use crate::error::{Error, ErrorEnvelope, Result};
use crate::ids::TikTokId;
use crate::pagination::Page;
use crate::routes::fulfillment::to_json;
use crate::routes::idempotency;
use crate::routes::json::{RawJson, parse_json};
use crate::routes::schema::responses::{NeedsOperator, Unauthorized};
use crate::routes::scope::*;
use crate::state::AppState;
use crate::sync::returns::Kind;
use crate::tiktok::returns::RejectReason;

/// An approval takes no fields: TikTok says which decision it awaits, and the approval answers it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({}))]
pub struct ApproveIn {}

/// A rejection: one of the reasons TikTok accepts now (`…/reject-reasons`), and a note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "seller_reject_apply_product_not_returned", "comment": "The parcel came back empty"}))]
pub struct RejectIn {
    /// The `name` of one of the request's current reject reasons.
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
    /// Up to 500 characters, shown to the buyer.
    #[schema(max_length = 500)]
    pub comment: Option<String>,
}

/// A decision TikTok took (or, after a lost answer, was found to have taken).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"kind": "return", "id": "4035318504502940111", "decision": "APPROVE_REFUND", "status": "RETURN_OR_REFUND_REQUEST_SUCCESS", "already_decided": false, "tiktok_request_id": "202612071830590101"}))]
pub struct DecisionOut {
    /// `return` or `cancellation`.
    pub kind: &'static str,
    /// TikTok's return or cancel id.
    pub id: String,
    /// TikTok's decision sent: APPROVE_REFUND, APPROVE_RETURN, APPROVE_REPLACEMENT,
    /// APPROVE_RECEIVED_PACKAGE, or the REJECT_ counterpart; APPROVE or REJECT for a cancellation.
    pub decision: String,
    /// The request's status afterwards, as TikTok gives it (also saved: the list and detail show it).
    pub status: String,
    /// True when a retry found the decision already made (its first answer was lost).
    pub already_decided: bool,
    pub tiktok_request_id: Option<String>,
}

impl From<Decided> for DecisionOut {
    fn from(d: Decided) -> Self {
        Self {
            kind: d.kind.noun(),
            id: d.id,
            decision: d.decision,
            status: d.status,
            already_decided: d.already_decided,
            tiktok_request_id: d.tiktok_request_id,
        }
    }
}

/// A reason TikTok accepts now for rejecting the request.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"name": "seller_reject_apply_product_not_returned", "text": "The buyer has not returned the item"}))]
pub struct RejectReasonOut {
    /// What a rejection names as `reason`.
    pub name: String,
    pub text: String,
}

impl From<RejectReason> for RejectReasonOut {
    fn from(r: RejectReason) -> Self {
        Self {
            name: r.name,
            text: r.text,
        }
    }
}

impl RejectIn {
    /// The reason and comment, trimmed, once checked; a bad field is a 400 that names it.
    fn checked(&self) -> Result<(String, Option<String>)> {
        let reason = self.reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(Error::invalid_field(
                "reason",
                "name one of the request's reject reasons (GET …/reject-reasons)",
            ));
        }
        let comment = self
            .comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if comment.is_some_and(|c| c.chars().count() > 500) {
            return Err(Error::invalid_field("comment", "at most 500 characters"));
        }
        Ok((reason.to_owned(), comment.map(str::to_owned)))
    }
}

/// Runs one decision under the request's Idempotency-Key (settled against TikTok on a retry, so
/// every server-side failure frees the key).
async fn decide(
    state: &AppState,
    scope: ShopScope<Operator, Returns>,
    kind: Kind,
    id: &str,
    req: &HttpRequest,
    body: &[u8],
    decision: Decision<'_>,
) -> Result<HttpResponse> {
    let ShopScope { user, shop, .. } = scope;
    idempotency::run_rerunnable(
        &state.db,
        &user.tenant,
        req,
        body,
        state.clock.now(),
        || async {
            let decided =
                aftersales::decide(state.access(), &user, &shop, kind, id, decision).await?;
            to_json(DecisionOut::from(decided))
        },
    )
    .await
}

/// An approval's body: none, `null`, or an empty object.
fn approval(body: &[u8]) -> Result<()> {
    let text = body.trim_ascii();
    if !text.is_empty() && text != b"null" {
        let _: ApproveIn = parse_json(body)?;
    }
    Ok(())
}

/// Approve a buyer's return: TikTok's pending decision is answered with the matching approval
/// (refund only, return and refund, replacement, or the returned package received).
#[utoipa::path(
    tag = "returns",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("return_id" = String, Path, description = "TikTok's return id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409; after a 5xx the same key runs it again (settled against TikTok, never decided twice)"),
    ),
    request_body(content = Option<ApproveIn>, description = "None, or an empty object"),
    responses(
        (status = 200, description = "Approved; the return is saved as TikTok has it now", body = DecisionOut),
        (status = 400, description = "A return id that is not a TikTok id, or a body with fields", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or TikTok lists no such return for it", body = ErrorEnvelope),
        (status = 409, description = "TikTok awaits no decision (`no_decision_pending`), refused it (`decision_refused`: wrong status, deadline passed, a second decision; TikTok's code, message and request id in `details`), awaits one the ERP does not make (`decision_unsupported`); area disabled; shop not connected; or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable; `tiktok_outcome_unknown` when its answer was lost: send the same request again", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/returns/{return_id}/approve")]
pub async fn approve_return(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Returns>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let return_id = TikTokId::field("return_id", &path.1)?.into_string();
    approval(&body.0)?;
    decide(
        &state,
        scope,
        Kind::Return,
        &return_id,
        &req,
        &body.0,
        Decision::Approve,
    )
    .await
}

/// Reject a buyer's return with one of the reasons TikTok accepts now; checked against TikTok's
/// current list before anything is sent.
#[utoipa::path(
    tag = "returns",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("return_id" = String, Path, description = "TikTok's return id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409; after a 5xx the same key runs it again (settled against TikTok, never decided twice)"),
    ),
    request_body = RejectIn,
    responses(
        (status = 200, description = "Rejected; the return is saved as TikTok has it now", body = DecisionOut),
        (status = 400, description = "No reason, a reason TikTok does not accept now (the message lists those it does), a comment over 500 characters, or a return id that is not a TikTok id; nothing was sent", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or TikTok lists no such return for it", body = ErrorEnvelope),
        (status = 409, description = "TikTok awaits no decision (`no_decision_pending`), refused it (`decision_refused`, TikTok's code, message and request id in `details`), awaits one the ERP does not make (`decision_unsupported`); area disabled; shop not connected; or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable; `tiktok_outcome_unknown` when its answer was lost: send the same request again", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/returns/{return_id}/reject")]
pub async fn reject_return(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Returns>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let return_id = TikTokId::field("return_id", &path.1)?.into_string();
    let (reason, comment) = parse_json::<RejectIn>(&body.0)?.checked()?;
    let decision = Decision::Reject {
        reason: &reason,
        comment: comment.as_deref(),
    };
    decide(
        &state,
        scope,
        Kind::Return,
        &return_id,
        &req,
        &body.0,
        decision,
    )
    .await
}

/// The reasons TikTok accepts now for rejecting this return (an empty list when it awaits no
/// decision). Fetch them right before rejecting: they depend on the return's state.
#[utoipa::path(
    tag = "returns",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("return_id" = String, Path, description = "TikTok's return id"),
    ),
    responses(
        (status = 200, description = "The reasons (one page: `next_cursor` is null)", body = Page<RejectReasonOut>),
        (status = 400, description = "A return id that is not a TikTok id", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or TikTok lists no such return for it", body = ErrorEnvelope),
        (status = 409, description = "The returns area is disabled (`feature_disabled`), or the shop is not connected", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/returns/{return_id}/reject-reasons")]
pub async fn return_reject_reasons(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Returns>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<Page<RejectReasonOut>>> {
    let return_id = TikTokId::field("return_id", &path.1)?.into_string();
    reasons(&state, scope, Kind::Return, &return_id).await
}

async fn reasons(
    state: &AppState,
    scope: ShopScope<Operator, Returns>,
    kind: Kind,
    id: &str,
) -> Result<web::Json<Page<RejectReasonOut>>> {
    let reasons = aftersales::reject_reasons(state.access(), &scope.shop, kind, id).await?;
    Ok(web::Json(Page {
        items: reasons.into_iter().map(RejectReasonOut::from).collect(),
        next_cursor: None,
    }))
}

/// Approve a buyer's request to cancel an order.
#[utoipa::path(
    tag = "returns",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("cancel_id" = String, Path, description = "TikTok's cancel id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409; after a 5xx the same key runs it again (settled against TikTok, never decided twice)"),
    ),
    request_body(content = Option<ApproveIn>, description = "None, or an empty object"),
    responses(
        (status = 200, description = "Approved; the cancellation is saved as TikTok has it now", body = DecisionOut),
        (status = 400, description = "A cancel id that is not a TikTok id, or a body with fields", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or TikTok lists no such cancellation for it", body = ErrorEnvelope),
        (status = 409, description = "TikTok awaits no decision (`no_decision_pending`) or refused it (`decision_refused`, TikTok's code, message and request id in `details`); area disabled; shop not connected; or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable; `tiktok_outcome_unknown` when its answer was lost: send the same request again", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/cancellations/{cancel_id}/approve")]
pub async fn approve_cancellation(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Returns>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let cancel_id = TikTokId::field("cancel_id", &path.1)?.into_string();
    approval(&body.0)?;
    let kind = Kind::Cancellation;
    decide(
        &state,
        scope,
        kind,
        &cancel_id,
        &req,
        &body.0,
        Decision::Approve,
    )
    .await
}

/// Reject a buyer's request to cancel an order, with one of the reasons TikTok accepts now.
#[utoipa::path(
    tag = "returns",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("cancel_id" = String, Path, description = "TikTok's cancel id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409; after a 5xx the same key runs it again (settled against TikTok, never decided twice)"),
    ),
    request_body = RejectIn,
    responses(
        (status = 200, description = "Rejected; the cancellation is saved as TikTok has it now", body = DecisionOut),
        (status = 400, description = "No reason, a reason TikTok does not accept now (the message lists those it does), a comment over 500 characters, or a cancel id that is not a TikTok id; nothing was sent", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or TikTok lists no such cancellation for it", body = ErrorEnvelope),
        (status = 409, description = "TikTok awaits no decision (`no_decision_pending`) or refused it (`decision_refused`, TikTok's code, message and request id in `details`); area disabled; shop not connected; or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable; `tiktok_outcome_unknown` when its answer was lost: send the same request again", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/cancellations/{cancel_id}/reject")]
pub async fn reject_cancellation(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Returns>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let cancel_id = TikTokId::field("cancel_id", &path.1)?.into_string();
    let (reason, comment) = parse_json::<RejectIn>(&body.0)?.checked()?;
    let decision = Decision::Reject {
        reason: &reason,
        comment: comment.as_deref(),
    };
    let kind = Kind::Cancellation;
    decide(&state, scope, kind, &cancel_id, &req, &body.0, decision).await
}

/// The reasons TikTok accepts now for rejecting this cancellation request (an empty list when it
/// awaits no decision).
#[utoipa::path(
    tag = "returns",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("cancel_id" = String, Path, description = "TikTok's cancel id"),
    ),
    responses(
        (status = 200, description = "The reasons (one page: `next_cursor` is null)", body = Page<RejectReasonOut>),
        (status = 400, description = "A cancel id that is not a TikTok id", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or TikTok lists no such cancellation for it", body = ErrorEnvelope),
        (status = 409, description = "The returns area is disabled (`feature_disabled`), or the shop is not connected", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/cancellations/{cancel_id}/reject-reasons")]
pub async fn cancellation_reject_reasons(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Returns>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<Page<RejectReasonOut>>> {
    let cancel_id = TikTokId::field("cancel_id", &path.1)?.into_string();
    reasons(&state, scope, Kind::Cancellation, &cancel_id).await
}

/// One step of a return's history.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"event": "BUYER_APPLY_RETURN", "role": "BUYER", "description": "The buyer asked to return the item", "reason_text": "Damaged", "note": null, "at": "2026-11-24T08:00:00Z"}))]
pub struct ReturnRecordOut {
    pub event: String,
    /// BUYER, SELLER, OPERATOR or SYSTEM.
    pub role: String,
    pub description: String,
    pub reason_text: Option<String>,
    pub note: Option<String>,
    pub at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<crate::tiktok::returns::ReturnRecord> for ReturnRecordOut {
    fn from(r: crate::tiktok::returns::ReturnRecord) -> Self {
        Self {
            event: r.event,
            role: r.role,
            description: r.description,
            reason_text: r.reason_text.filter(|t| !t.is_empty()),
            note: r.note.filter(|t| !t.is_empty()),
            at: chrono::DateTime::from_timestamp(r.create_time, 0),
        }
    }
}

/// A return's history as TikTok keeps it (who asked, who decided, the parcel's way back), oldest
/// first; read from TikTok when asked.
#[utoipa::path(
    tag = "returns",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("return_id" = String, Path, description = "TikTok's return id"),
    ),
    responses(
        (status = 200, description = "The history (one page: `next_cursor` is null)", body = Page<ReturnRecordOut>),
        (status = 400, description = "A return id that is not a TikTok id", body = ErrorEnvelope),
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, or TikTok lists no such return for it", body = ErrorEnvelope),
        (status = 409, description = "The returns area is disabled (`feature_disabled`), or the shop is not connected", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/returns/{return_id}/history")]
pub async fn return_history(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Returns>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<Page<ReturnRecordOut>>> {
    let return_id = TikTokId::field("return_id", &path.1)?.into_string();
    let records = aftersales::return_history(state.access(), &scope.shop, &return_id).await?;
    Ok(web::Json(Page {
        items: records.into_iter().map(ReturnRecordOut::from).collect(),
        next_cursor: None,
    }))
}
