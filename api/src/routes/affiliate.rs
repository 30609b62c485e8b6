//! The affiliate area's routes: a product's open collaboration (`…/affiliate/products/{product_id}`),
//! target collaborations with chosen creators, sample requests, and the reports of the synced
//! affiliate orders (orders, commissions, creators).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::affiliate::model::*;
use crate::affiliate::{collaborations as collab, reports};
use crate::error::{Error, ErrorEnvelope, Result};
use crate::ids::TikTokId;
use crate::pagination::Page;
use crate::routes::idempotency;
use crate::routes::json::{RawJson, parse_json};
use crate::routes::schema::responses::{NeedsOperator, ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::state::AppState;

fn one_page<T>(items: Vec<T>) -> web::Json<Page<T>> {
    web::Json(Page {
        items,
        next_cursor: None,
    })
}

/// The shop's products offered to every creator (open collaboration), read from TikTok.
#[utoipa::path(
    tag = "affiliate",
    params(("id" = String, Path, description = "Our shop id")),
    responses(
        (status = 200, description = "The products in open collaboration (one page: `next_cursor` is null)", body = Page<OpenCollaboration>),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The affiliate area is disabled (`feature_disabled`), or the shop is not connected", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/affiliate/products")]
pub async fn list_open(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Affiliate>,
) -> Result<web::Json<Page<OpenCollaboration>>> {
    Ok(one_page(
        collab::open_collaborations(state.access(), &scope.shop).await?,
    ))
}

/// A product's open collaboration: its commission (a percentage) and whether samples are offered.
#[utoipa::path(
    tag = "affiliate",
    params(("id" = String, Path, description = "Our shop id"), ("product_id" = String, Path, description = "TikTok's product id")),
    responses(
        (status = 200, description = "The open collaboration", body = OpenCollaboration),
        (status = 400, description = "A product id that is not a TikTok id", body = ErrorEnvelope),
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, no such product synced, or the product is not in open collaboration", body = ErrorEnvelope),
        (status = 409, description = "The affiliate area is disabled (`feature_disabled`), or the shop is not connected", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/affiliate/products/{product_id}")]
pub async fn get_open(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Affiliate>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<OpenCollaboration>> {
    let product = TikTokId::field("product_id", &path.1)?.into_string();
    Ok(web::Json(
        collab::open_collaboration(state.access(), &scope.shop, &product).await?,
    ))
}

/// Offer a product to every creator at a commission (1 to 80 percent, at most 2 decimals), with free
/// samples or not. Audited.
#[utoipa::path(
    tag = "affiliate",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("product_id" = String, Path, description = "TikTok's product id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409"),
    ),
    request_body = OpenCollaborationIn,
    responses(
        (status = 200, description = "Set; the open collaboration as TikTok has it now", body = OpenCollaboration),
        (status = 400, description = "A commission outside TikTok's bounds (the message names the field)", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such product synced", body = ErrorEnvelope),
        (status = 409, description = "Area disabled; shop not connected; the Idempotency-Key reused or in progress", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused it (`tiktok_refused`)", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[put("/api/integrations/tiktok/shops/{id}/affiliate/products/{product_id}")]
pub async fn put_open(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Affiliate>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let product = TikTokId::field("product_id", &path.1)?.into_string();
    let input: OpenCollaborationIn = parse_json(&body.0)?;
    idempotency::write_json(&state, &scope, &req, &body.0, StatusCode::OK, || {
        collab::set_open(state.access(), &scope.user, &scope.shop, &product, &input)
    })
    .await
}

/// Withdraw a product from open collaboration: TikTok ends it at the shop's next midnight
/// (TERMINATING until then). Audited.
#[utoipa::path(
    tag = "affiliate",
    params(("id" = String, Path, description = "Our shop id"), ("product_id" = String, Path, description = "TikTok's product id")),
    responses(
        (status = 200, description = "Withdrawn (or being withdrawn)", body = Withdrawn),
        (status = 400, description = "A product id that is not a TikTok id", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, no such product synced, or not in open collaboration", body = ErrorEnvelope),
        (status = 409, description = "Area disabled; shop not connected", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused it (`tiktok_refused`)", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[delete("/api/integrations/tiktok/shops/{id}/affiliate/products/{product_id}")]
pub async fn delete_open(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Affiliate>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<Withdrawn>> {
    let product = TikTokId::field("product_id", &path.1)?.into_string();
    Ok(web::Json(
        collab::withdraw_open(state.access(), &scope.user, &scope.shop, &product).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetQuery {
    /// VALID (running or ending within 7 days, the default), ONGOING, EXPIRING, CANCELING or COMPLETED.
    #[param(pattern = "^(VALID|ONGOING|EXPIRING|CANCELING|COMPLETED)$")]
    pub status: Option<String>,
}

/// The shop's target collaborations, read from TikTok.
#[utoipa::path(
    tag = "affiliate",
    params(("id" = String, Path, description = "Our shop id"), TargetQuery),
    responses(
        (status = 200, description = "The target collaborations (one page: `next_cursor` is null)", body = Page<TargetSummaryOut>),
        (status = 400, description = "A bad status", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "Area disabled; shop not connected", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/affiliate/target-collaborations")]
pub async fn list_targets(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Affiliate>,
    query: web::Query<TargetQuery>,
) -> Result<web::Json<Page<TargetSummaryOut>>> {
    let status = match query.status.as_deref() {
        None => "VALID",
        Some(s @ ("VALID" | "ONGOING" | "EXPIRING" | "CANCELING" | "COMPLETED")) => s,
        Some(_) => {
            return Err(Error::invalid_field(
                "status",
                "one of VALID, ONGOING, EXPIRING, CANCELING, COMPLETED",
            ));
        }
    };
    Ok(one_page(
        collab::targets(state.access(), &scope.shop, status).await?,
    ))
}

/// Invite chosen creators to sell chosen products at a commission until an end time. TikTok's report
/// of what it could not apply (a creator already selling a product in another target collaboration,
/// unknown creators or products) is in `report`. Audited.
#[utoipa::path(
    tag = "affiliate",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409"),
    ),
    request_body = TargetIn,
    responses(
        (status = 201, description = "Made; with TikTok's report", body = Target),
        (status = 400, description = "A bad field (the message names it)", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "Area disabled; shop not connected; the Idempotency-Key reused or in progress", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused it (`tiktok_refused`)", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/affiliate/target-collaborations")]
pub async fn create_target(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Affiliate>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let input: TargetIn = parse_json(&body.0)?;
    idempotency::write_json(&state, &scope, &req, &body.0, StatusCode::CREATED, || {
        collab::create_target(state.access(), &scope.user, &scope.shop, &input)
    })
    .await
}

/// One target collaboration with its products and creators, read from TikTok.
#[utoipa::path(
    tag = "affiliate",
    params(("id" = String, Path, description = "Our shop id"), ("target_id" = String, Path, description = "TikTok's target collaboration id")),
    responses(
        (status = 200, description = "The target collaboration", body = Target),
        (status = 400, description = "An id that is not a TikTok id", body = ErrorEnvelope),
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, or TikTok has no such target collaboration for it", body = ErrorEnvelope),
        (status = 409, description = "Area disabled; shop not connected", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/affiliate/target-collaborations/{target_id}")]
pub async fn get_target(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Affiliate>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<Target>> {
    let id = TikTokId::field("target_id", &path.1)?.into_string();
    Ok(web::Json(
        collab::target(state.access(), &scope.shop, &id).await?,
    ))
}

/// Change a target collaboration (the fields given replace the current ones; TikTok takes the
/// whole of it again). Rate increases apply at once; decreases and removals at the next midnight.
#[utoipa::path(
    tag = "affiliate",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("target_id" = String, Path, description = "TikTok's target collaboration id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409"),
    ),
    request_body = TargetPatch,
    responses(
        (status = 200, description = "Changed; with TikTok's report", body = Target),
        (status = 400, description = "A bad field (the message names it)", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such target collaboration", body = ErrorEnvelope),
        (status = 409, description = "Not a STANDARD one (`target_unchangeable`); area disabled; shop not connected; Idempotency-Key reused", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused it (`tiktok_refused`)", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[patch("/api/integrations/tiktok/shops/{id}/affiliate/target-collaborations/{target_id}")]
pub async fn update_target(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Affiliate>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let id = TikTokId::field("target_id", &path.1)?.into_string();
    let input: TargetPatch = parse_json(&body.0)?;
    idempotency::write_json(&state, &scope, &req, &body.0, StatusCode::OK, || {
        collab::update_target(state.access(), &scope.user, &scope.shop, &id, &input)
    })
    .await
}

/// End a target collaboration. Audited.
#[utoipa::path(
    tag = "affiliate",
    params(("id" = String, Path, description = "Our shop id"), ("target_id" = String, Path, description = "TikTok's target collaboration id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "An id that is not a TikTok id", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such target collaboration", body = ErrorEnvelope),
        (status = 409, description = "Area disabled; shop not connected", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused it (`tiktok_refused`)", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[delete("/api/integrations/tiktok/shops/{id}/affiliate/target-collaborations/{target_id}")]
pub async fn delete_target(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Affiliate>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    let id = TikTokId::field("target_id", &path.1)?.into_string();
    collab::delete_target(state.access(), &scope.user, &scope.shop, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SampleQuery {
    /// Only requests in this status (PENDING ones await the seller).
    #[param(
        pattern = "^(PENDING|AWAITING_SHIPMENT|SHIPPED|CONTENT_PENDING|COMPLETED|REJECT_CANCELLED|OVERDUE_CANCELLED|WITHDRAW_CANCELLED|SELLER_NOT_SHIP_CANCELLED|UNFULFILL_CANCELLED|UNFULFILLABLE_CANCELLED|DEL_OPEN_COLLAB|OPS_CANCELLED|OPS_FAILED|OPS_COMPLETED)$"
    )]
    pub status: Option<String>,
}

/// A sample request's statuses (`tiktok-api-areas.md` §4).
const SAMPLE_STATUSES: [&str; 15] = [
    "PENDING",
    "AWAITING_SHIPMENT",
    "SHIPPED",
    "CONTENT_PENDING",
    "COMPLETED",
    "REJECT_CANCELLED",
    "OVERDUE_CANCELLED",
    "WITHDRAW_CANCELLED",
    "SELLER_NOT_SHIP_CANCELLED",
    "UNFULFILL_CANCELLED",
    "UNFULFILLABLE_CANCELLED",
    "DEL_OPEN_COLLAB",
    "OPS_CANCELLED",
    "OPS_FAILED",
    "OPS_COMPLETED",
];

/// The creators' sample requests, read from TikTok.
#[utoipa::path(
    tag = "affiliate",
    params(("id" = String, Path, description = "Our shop id"), SampleQuery),
    responses(
        (status = 200, description = "The requests (one page: `next_cursor` is null)", body = Page<Sample>),
        (status = 400, description = "A bad status", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "Area disabled; shop not connected", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/affiliate/samples")]
pub async fn list_samples(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Affiliate>,
    query: web::Query<SampleQuery>,
) -> Result<web::Json<Page<Sample>>> {
    if query
        .status
        .as_deref()
        .is_some_and(|s| !SAMPLE_STATUSES.contains(&s))
    {
        return Err(Error::invalid_field(
            "status",
            format!("one of {}", SAMPLE_STATUSES.join(", ")),
        ));
    }
    Ok(one_page(
        collab::samples(state.access(), &scope.shop, query.status.as_deref()).await?,
    ))
}

/// Approve a PENDING sample request. Audited.
#[utoipa::path(
    tag = "affiliate",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("sample_id" = String, Path, description = "TikTok's sample application id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key: the first answer again"),
    ),
    responses(
        (status = 200, description = "Approved; the request as TikTok has it now", body = Sample),
        (status = 400, description = "An id that is not a TikTok id", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such sample request", body = ErrorEnvelope),
        (status = 409, description = "Not PENDING (`sample_not_pending`); area disabled; shop not connected", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused it (`tiktok_refused`)", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/affiliate/samples/{sample_id}/approve")]
pub async fn approve_sample(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Affiliate>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let id = TikTokId::field("sample_id", &path.1)?.into_string();
    idempotency::write_json(&state, &scope, &req, b"", StatusCode::OK, || {
        collab::review_sample(state.access(), &scope.user, &scope.shop, &id, None)
    })
    .await
}

/// Reject a PENDING sample request with one of TikTok's reasons. Audited.
#[utoipa::path(
    tag = "affiliate",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("sample_id" = String, Path, description = "TikTok's sample application id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again"),
    ),
    request_body = SampleRejectIn,
    responses(
        (status = 200, description = "Rejected; the request as TikTok has it now", body = Sample),
        (status = 400, description = "An id that is not a TikTok id, or a bad reason", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such sample request", body = ErrorEnvelope),
        (status = 409, description = "Not PENDING (`sample_not_pending`); area disabled; shop not connected", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused it (`tiktok_refused`)", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/affiliate/samples/{sample_id}/reject")]
pub async fn reject_sample(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Affiliate>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let id = TikTokId::field("sample_id", &path.1)?.into_string();
    let input: SampleRejectIn = parse_json(&body.0)?;
    idempotency::write_json(&state, &scope, &req, &body.0, StatusCode::OK, || {
        collab::review_sample(
            state.access(),
            &scope.user,
            &scope.shop,
            &id,
            Some(input.reason),
        )
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AffiliateOrderQuery {
    /// Only this creator's (username).
    #[param(max_length = 100)]
    pub creator: Option<String>,
    /// Orders placed at or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Orders placed before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// At most this many rows (1 to 1000, default 200).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

/// The synced affiliate orders, one row per order and SKU, newest first.
#[utoipa::path(
    tag = "affiliate",
    params(("id" = String, Path, description = "Our shop id"), AffiliateOrderQuery),
    responses(
        (status = 200, description = "The orders (one page: `next_cursor` is null)", body = Page<AffiliateOrderOut>),
        (status = 400, description = "A bad filter or limit", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The affiliate area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/affiliate/orders")]
pub async fn list_orders(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Affiliate>,
    query: web::Query<AffiliateOrderQuery>,
) -> Result<web::Json<Page<AffiliateOrderOut>>> {
    if query
        .creator
        .as_deref()
        .is_some_and(|c| c.chars().count() > 100)
    {
        return Err(Error::invalid_field(
            "creator",
            "a creator's username, at most 100 characters",
        ));
    }
    let limit = match query.limit {
        None => 200,
        Some(n @ 1..=1000) => n as usize,
        Some(_) => return Err(Error::invalid_field("limit", "1 to 1000")),
    };
    Ok(one_page(
        reports::orders(
            &state.db,
            &scope.shop,
            query.creator.as_deref(),
            (query.from, query.to),
            limit,
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommissionQuery {
    /// Orders placed at or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Orders placed before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// `creator` (the default), `product` or `day`.
    #[param(pattern = "^(creator|product|day)$")]
    pub group_by: Option<String>,
}

/// The commission report of the synced affiliate orders, by creator, product or day, with totals in
/// the shop's currency (ineligible commissions left out).
#[utoipa::path(
    tag = "affiliate",
    params(("id" = String, Path, description = "Our shop id"), CommissionQuery),
    responses(
        (status = 200, description = "The report", body = CommissionReport),
        (status = 400, description = "A bad period or group_by", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The affiliate area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/affiliate/commissions")]
pub async fn commissions(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Affiliate>,
    query: web::Query<CommissionQuery>,
) -> Result<web::Json<CommissionReport>> {
    let group_by = query.group_by.as_deref().unwrap_or("creator");
    Ok(web::Json(
        reports::commissions(&state.db, &scope.shop, (query.from, query.to), group_by).await?,
    ))
}

/// The creators who sold for the shop (synced affiliate orders), with their GMV and commission,
/// the biggest sellers first.
#[utoipa::path(
    tag = "affiliate",
    params(("id" = String, Path, description = "Our shop id")),
    responses(
        (status = 200, description = "The creators (one page: `next_cursor` is null)", body = Page<CommissionLine>),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The affiliate area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/affiliate/creators")]
pub async fn creators(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Affiliate>,
) -> Result<web::Json<Page<CommissionLine>>> {
    Ok(one_page(reports::creators(&state.db, &scope.shop).await?))
}
