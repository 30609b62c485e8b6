//! The live-shopping area's routes: sessions planned in the ERP (`…/live-sessions`), carried out at
//! TikTok (`…/apply` makes their promotion activities, `…/cancel` deactivates them) and watched
//! (`…/board`: each line's sales against its limit and stock, and the results once ended).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use crate::error::{ErrorEnvelope, Result};
use crate::live::model::*;
use crate::live::{apply, board, plan};
use crate::pagination::{Page, PageQuery};
use crate::routes::idempotency::{self, Reply};
use crate::routes::json::{RawJson, parse_json};
use crate::routes::schema::responses::{NeedsOperator, ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::state::AppState;

/// Runs one write under the request's Idempotency-Key; a retry after a server-side failure runs it
/// again (apply continues from what it recorded; cancel ends what is left).
async fn write<F, Fut>(
    state: &AppState,
    scope: &ShopScope<Operator, LiveShopping>,
    req: &HttpRequest,
    body: &[u8],
    status: StatusCode,
    work: F,
) -> Result<HttpResponse>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<LiveSession>>,
{
    idempotency::run_rerunnable(
        &state.db,
        &scope.user.tenant,
        req,
        body,
        state.clock.now(),
        || async { Reply::json(status, &work().await?) },
    )
    .await
}

/// The shop's live sessions, the latest start first; each state moved on by the clock.
#[utoipa::path(
    tag = "live shopping",
    params(("id" = String, Path, description = "Our shop id"), PageQuery),
    responses(
        (status = 200, description = "A page of sessions", body = Page<LiveSession>),
        (status = 400, description = "A bad limit or cursor", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The live shopping area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/live-sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, LiveShopping>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<LiveSession>>> {
    let (items, next) = plan::list(
        &state.db,
        &scope.shop.id,
        query.limit()?,
        query.cursor()?,
        state.clock.now(),
    )
    .await?;
    Ok(web::Json(Page {
        items,
        next_cursor: next.map(|c| c.encode()),
    }))
}

/// Plan a session: the host, the start and length, and the line-up. Each line is checked (a 400
/// naming it): a SKU of the shop, a special price below its price in the shop's currency, a stock
/// limit the warehouse's available stock can back, a flash-sale window of at least 10 minutes inside
/// the session; a SKU another session sells at the same time is a 409 naming that session. Nothing
/// is sent to TikTok until the session is applied.
#[utoipa::path(
    tag = "live shopping",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409"),
    ),
    request_body = LiveSessionIn,
    responses(
        (status = 201, description = "Planned", body = LiveSession),
        (status = 400, description = "A bad field (the message names it), or a bad Idempotency-Key", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "A SKU in another session at the same time (`live_session_conflict`); area disabled; the Idempotency-Key reused or in progress", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/live-sessions")]
pub async fn create_session(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, LiveShopping>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let input: LiveSessionIn = parse_json(&body.0)?;
    write(&state, &scope, &req, &body.0, StatusCode::CREATED, || {
        plan::create(state.store(), &scope.user, &scope.shop, &input)
    })
    .await
}

/// One session with its line-up and the activities made for it.
#[utoipa::path(
    tag = "live shopping",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("session_id" = String, Path, description = "The session's id"),
    ),
    responses(
        (status = 200, description = "The session", body = LiveSession),
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, or no such session of it", body = ErrorEnvelope),
        (status = 409, description = "The live shopping area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/live-sessions/{session_id}")]
pub async fn get_session(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, LiveShopping>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<LiveSession>> {
    let row = plan::row(&state.db, &scope.shop.id, &path.1).await?;
    Ok(web::Json(plan::answer(row, state.clock.now())))
}

/// Change a planned session (the checks of planning one); once applied, cancel it first.
#[utoipa::path(
    tag = "live shopping",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("session_id" = String, Path, description = "The session's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409"),
    ),
    request_body = LiveSessionPatch,
    responses(
        (status = 200, description = "Changed", body = LiveSession),
        (status = 400, description = "A bad field (the message names it)", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such session of it", body = ErrorEnvelope),
        (status = 409, description = "The session is not planned (`live_session_not_planned`); a SKU in another session at the same time (`live_session_conflict`); area disabled; Idempotency-Key reused", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[patch("/api/integrations/tiktok/shops/{id}/live-sessions/{session_id}")]
pub async fn update_session(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, LiveShopping>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let input: LiveSessionPatch = parse_json(&body.0)?;
    write(&state, &scope, &req, &body.0, StatusCode::OK, || {
        plan::update(state.store(), &scope.shop, &path.1, &input)
    })
    .await
}

/// Delete a session that holds nothing at TikTok (planned, cancelled or ended).
#[utoipa::path(
    tag = "live shopping",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("session_id" = String, Path, description = "The session's id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such session of it", body = ErrorEnvelope),
        (status = 409, description = "Its activities run at TikTok (`live_session_applied`: cancel it first); area disabled", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[delete("/api/integrations/tiktok/shops/{id}/live-sessions/{session_id}")]
pub async fn delete_session(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, LiveShopping>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    plan::delete(state.store(), &scope.shop, &path.1).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Carry the session out at TikTok: a FLASHSALE activity per flash-sale window with its lines, a
/// FIXED_PRICE over the whole session for the other lines, at the line-up's prices and limits. The
/// lines are checked again (stock moves). Applying twice makes nothing twice; if TikTok refuses
/// part, what was made is deactivated and the answer names the lines and TikTok's reason.
#[utoipa::path(
    tag = "live shopping",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("session_id" = String, Path, description = "The session's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key: the first answer again; after a 5xx the same key runs it again (it continues from the activities it recorded)"),
    ),
    responses(
        (status = 200, description = "Scheduled: its activities are made (or it was already)", body = LiveSession),
        (status = 400, description = "A line no longer passes its checks (the message names it)", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such session of it", body = ErrorEnvelope),
        (status = 409, description = "Its start has passed (`live_session_started`); cancelled or ended (`live_session_not_planned`); a SKU held by an overlapping activity (`promotion_conflict`) or session (`live_session_conflict`); area disabled; shop not connected", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused an activity (`tiktok_refused`; the message names its lines); what was made is deactivated", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable; send the same request again: it continues", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/live-sessions/{session_id}/apply")]
pub async fn apply_session(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, LiveShopping>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse> {
    write(&state, &scope, &req, b"", StatusCode::OK, || {
        apply::apply(state.access(), &scope.user, &scope.shop, &path.1)
    })
    .await
}

/// Cancel the session: the activities made for it are deactivated at TikTok. Cancelling twice
/// answers the cancelled session.
#[utoipa::path(
    tag = "live shopping",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("session_id" = String, Path, description = "The session's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key: the first answer again; after a 5xx the same key runs it again"),
    ),
    responses(
        (status = 200, description = "Cancelled", body = LiveSession),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such session of it", body = ErrorEnvelope),
        (status = 409, description = "It has ended (`live_session_ended`); area disabled; shop not connected", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused a deactivation (`tiktok_refused`)", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable; send the same request again", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/live-sessions/{session_id}/cancel")]
pub async fn cancel_session(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, LiveShopping>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse> {
    write(&state, &scope, &req, b"", StatusCode::OK, || {
        apply::cancel(state.access(), &scope.user, &scope.shop, &path.1)
    })
    .await
}

/// The session's board: per line, the units sold in its window (from our orders, kept current by
/// TikTok's webhooks), its limit, what is left, the ERP's and TikTok's available stock, the line
/// that runs out first; once ended, the results (GMV, orders, units) and TikTok's figures for the
/// LIVE that ran then (the analytics area).
#[utoipa::path(
    tag = "live shopping",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("session_id" = String, Path, description = "The session's id"),
    ),
    responses(
        (status = 200, description = "The board", body = Board),
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, or no such session of it", body = ErrorEnvelope),
        (status = 409, description = "The live shopping area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/live-sessions/{session_id}/board")]
pub async fn session_board(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, LiveShopping>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<Board>> {
    Ok(web::Json(
        board::board(state.access(), &scope.shop, &path.1).await?,
    ))
}
