//! The promotions area's routes: the shop's activities (`…/promotions`), made and changed from the
//! ERP (operator; each write takes an `Idempotency-Key`), and its vouchers (`…/coupons`, read-only:
//! TikTok's API cannot create one).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{ErrorEnvelope, Result};
use crate::ids::TikTokId;
use crate::pagination::{Page, PageQuery};
use crate::promotions::coupons::{self, Coupon};
use crate::promotions::model::*;
use crate::promotions::{store, writes};
use crate::routes::idempotency;
use crate::routes::json::{RawJson, parse_json};
use crate::routes::schema::responses::{NeedsOperator, ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::state::AppState;

/// The activity types TikTok lists.
const TYPES: [&str; 7] = [
    "FIXED_PRICE",
    "DIRECT_DISCOUNT",
    "FLASHSALE",
    "SHIPPING_DISCOUNT",
    "BUY_MORE_SAVE_MORE",
    "GIFT_WITH_PURCHASE",
    "BUY_X_GET_Y",
];

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PromotionQuery {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only activities in this status now.
    pub status: Option<Status>,
    /// Only this type (FIXED_PRICE, DIRECT_DISCOUNT, FLASHSALE, SHIPPING_DISCOUNT, BUY_MORE_SAVE_MORE,
    /// GIFT_WITH_PURCHASE, BUY_X_GET_Y).
    #[param(
        rename = "type",
        pattern = "^(FIXED_PRICE|DIRECT_DISCOUNT|FLASHSALE|SHIPPING_DISCOUNT|BUY_MORE_SAVE_MORE|GIFT_WITH_PURCHASE|BUY_X_GET_Y)$"
    )]
    #[serde(rename = "type")]
    pub activity_type: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CouponQuery {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// NOT_START, ONGOING, EXPIRED or DEACTIVATED.
    #[param(pattern = "^(NOT_START|ONGOING|EXPIRED|DEACTIVATED)$")]
    pub status: Option<String>,
}

/// The shop's promotion activities as last synced, the latest begin first; each status moved on by
/// the clock since.
#[utoipa::path(
    tag = "promotions",
    params(("id" = String, Path, description = "Our shop id"), PromotionQuery),
    responses(
        (status = 200, description = "A page of activities", body = Page<Promotion>),
        (status = 400, description = "A bad filter, limit or cursor", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The promotions area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/promotions")]
pub async fn list_promotions(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Promotions>,
    query: web::Query<PromotionQuery>,
) -> Result<web::Json<Page<Promotion>>> {
    let q = query.into_inner();
    if q.activity_type
        .as_deref()
        .is_some_and(|t| !TYPES.contains(&t))
    {
        return Err(crate::error::Error::invalid_field(
            "type",
            format!("one of {}", TYPES.join(", ")),
        ));
    }
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let (items, next) = store::list(
        &state.db,
        &scope.shop.id,
        q.status,
        q.activity_type.as_deref(),
        page.limit()?,
        page.cursor()?,
        state.clock.now(),
    )
    .await?;
    Ok(web::Json(Page {
        items,
        next_cursor: next.map(|c| c.encode()),
    }))
}

/// One activity with its products and their deals (units sold so far as TikTok counted them).
#[utoipa::path(
    tag = "promotions",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("activity_id" = String, Path, description = "TikTok's activity id"),
    ),
    responses(
        (status = 200, description = "The activity", body = Promotion),
        (status = 400, description = "An activity id that is not a TikTok id", body = ErrorEnvelope),
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, or no such activity synced", body = ErrorEnvelope),
        (status = 409, description = "The promotions area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/promotions/{activity_id}")]
pub async fn get_promotion(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Promotions>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<Promotion>> {
    let id = TikTokId::field("activity_id", &path.1)?.into_string();
    let row = store::row(&state.db, &scope.shop.id, &id).await?;
    Ok(web::Json(store::answer(row, state.clock.now())))
}

/// Make a FIXED_PRICE, DIRECT_DISCOUNT or FLASHSALE activity with its products. TikTok's rules are
/// checked first (each a 400 naming the field): the title (unique, at most 50 characters for a flash
/// sale, 100 otherwise), a begin in the future, at least 10 minutes long, a flash sale at most 3
/// days, each product and SKU the shop's, a deal price below the price in the shop's currency or
/// 1–99 percent off, unit limits 1–99 or −1. A SKU another activity holds over overlapping times
/// (two product discounts, or two flash sales) is a 409 naming that activity. When TikTok refuses
/// the products, the new activity is deactivated: nothing is left half-made.
#[utoipa::path(
    tag = "promotions",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409; a retry after a lost answer finds the activity by its title and finishes it"),
    ),
    request_body = PromotionIn,
    responses(
        (status = 201, description = "Made; the activity as TikTok has it now", body = Promotion),
        (status = 400, description = "A field TikTok would refuse (the message names it), or a bad Idempotency-Key", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "A SKU already in an overlapping activity (`promotion_conflict`, naming it); area disabled; shop not connected; or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused it (`tiktok_refused`, its code and message in `details`); anything made was deactivated", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable; `tiktok_outcome_unknown` when its answer was lost: send the same request again", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/promotions")]
pub async fn create_promotion(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Promotions>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let input: PromotionIn = parse_json(&body.0)?;
    idempotency::write_json(&state, &scope, &req, &body.0, StatusCode::CREATED, || {
        writes::create(state.access(), &scope.user, &scope.shop, &input)
    })
    .await
}

/// Change an activity's title or times (what TikTok applies to these types). A running activity
/// keeps its begin; the checks are those of making one.
#[utoipa::path(
    tag = "promotions",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("activity_id" = String, Path, description = "TikTok's activity id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409"),
    ),
    request_body = PromotionPatch,
    responses(
        (status = 200, description = "Changed; the activity as TikTok has it now", body = Promotion),
        (status = 400, description = "A field TikTok would refuse (the message names it), or none given", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such activity synced", body = ErrorEnvelope),
        (status = 409, description = "The activity ended (`promotion_ended`) or is of a type the ERP does not change (`promotion_unsupported`); a SKU conflict (`promotion_conflict`); area disabled; shop not connected; Idempotency-Key reused", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused it (`tiktok_refused`)", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[patch("/api/integrations/tiktok/shops/{id}/promotions/{activity_id}")]
pub async fn update_promotion(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Promotions>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let id = TikTokId::field("activity_id", &path.1)?.into_string();
    let input: PromotionPatch = parse_json(&body.0)?;
    idempotency::write_json(&state, &scope, &req, &body.0, StatusCode::OK, || {
        writes::update(state.access(), &scope.user, &scope.shop, &id, &input)
    })
    .await
}

/// Add products to an activity or change their deals (a list never removes; limits only grow; a
/// running flash sale takes new products but no change to a deal it has).
#[utoipa::path(
    tag = "promotions",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("activity_id" = String, Path, description = "TikTok's activity id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409"),
    ),
    request_body = ProductsIn,
    responses(
        (status = 200, description = "Set; the activity as TikTok has it now", body = Promotion),
        (status = 400, description = "A deal TikTok would refuse (the message names the field)", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such activity synced", body = ErrorEnvelope),
        (status = 409, description = "The activity ended (`promotion_ended`) or is not a price activity (`promotion_unsupported`); a SKU conflict (`promotion_conflict`); area disabled; shop not connected; Idempotency-Key reused", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused it (`tiktok_refused`)", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[put("/api/integrations/tiktok/shops/{id}/promotions/{activity_id}/products")]
pub async fn set_promotion_products(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Promotions>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let id = TikTokId::field("activity_id", &path.1)?.into_string();
    let input: ProductsIn = parse_json(&body.0)?;
    idempotency::write_json(&state, &scope, &req, &body.0, StatusCode::OK, || {
        writes::set_products(state.access(), &scope.user, &scope.shop, &id, &input)
    })
    .await
}

/// Take products or SKUs out of an activity.
#[utoipa::path(
    tag = "promotions",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("activity_id" = String, Path, description = "TikTok's activity id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409"),
    ),
    request_body = ProductsRemovalIn,
    responses(
        (status = 200, description = "Taken out; the activity as TikTok has it now", body = Promotion),
        (status = 400, description = "Nothing named, or a product or SKU not in the activity (the message names it)", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such activity synced", body = ErrorEnvelope),
        (status = 409, description = "The activity ended (`promotion_ended`) or is not a price activity (`promotion_unsupported`); area disabled; shop not connected; Idempotency-Key reused", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused it (`tiktok_refused`)", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[delete("/api/integrations/tiktok/shops/{id}/promotions/{activity_id}/products")]
pub async fn remove_promotion_products(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Promotions>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let id = TikTokId::field("activity_id", &path.1)?.into_string();
    let input: ProductsRemovalIn = parse_json(&body.0)?;
    idempotency::write_json(&state, &scope, &req, &body.0, StatusCode::OK, || {
        writes::remove_products(state.access(), &scope.user, &scope.shop, &id, &input)
    })
    .await
}

/// End an activity now (one not started or running); its deals stop at once. An activity already
/// deactivated answers as it is.
#[utoipa::path(
    tag = "promotions",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("activity_id" = String, Path, description = "TikTok's activity id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key: the first answer again"),
    ),
    responses(
        (status = 200, description = "Deactivated; the activity as TikTok has it now", body = Promotion),
        (status = 400, description = "An activity id that is not a TikTok id", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such activity synced", body = ErrorEnvelope),
        (status = 409, description = "The activity expired (`promotion_ended`) or is not a price activity (`promotion_unsupported`); area disabled; shop not connected; Idempotency-Key reused", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused it (`tiktok_refused`)", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/promotions/{activity_id}/deactivate")]
pub async fn deactivate_promotion(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Promotions>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let id = TikTokId::field("activity_id", &path.1)?.into_string();
    idempotency::write_json(&state, &scope, &req, b"", StatusCode::OK, || {
        writes::deactivate(state.access(), &scope.user, &scope.shop, &id)
    })
    .await
}

/// The shop's vouchers as last synced, the latest changed first. TikTok's Open API cannot create a
/// voucher: make one in Seller Center (Marketing → Vouchers); the next promotions sync shows it.
#[utoipa::path(
    tag = "promotions",
    params(("id" = String, Path, description = "Our shop id"), CouponQuery),
    responses(
        (status = 200, description = "A page of vouchers", body = Page<Coupon>),
        (status = 400, description = "A bad status, limit or cursor", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The promotions area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/coupons")]
pub async fn list_coupons(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Promotions>,
    query: web::Query<CouponQuery>,
) -> Result<web::Json<Page<Coupon>>> {
    let q = query.into_inner();
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let status = match q.status.as_deref() {
        None => None,
        Some(s @ ("NOT_START" | "ONGOING" | "EXPIRED" | "DEACTIVATED")) => Some(s),
        Some(_) => {
            return Err(crate::error::Error::invalid_field(
                "status",
                "one of NOT_START, ONGOING, EXPIRED, DEACTIVATED",
            ));
        }
    };
    let (items, next) = coupons::list(
        &state.db,
        &scope.shop.id,
        status,
        page.limit()?,
        page.cursor()?,
    )
    .await?;
    Ok(web::Json(Page {
        items,
        next_cursor: next.map(|c| c.encode()),
    }))
}

/// One voucher as last synced.
#[utoipa::path(
    tag = "promotions",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("coupon_id" = String, Path, description = "TikTok's coupon id"),
    ),
    responses(
        (status = 200, description = "The voucher", body = Coupon),
        (status = 400, description = "A coupon id that is not a TikTok id", body = ErrorEnvelope),
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, or no such coupon synced", body = ErrorEnvelope),
        (status = 409, description = "The promotions area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/coupons/{coupon_id}")]
pub async fn get_coupon(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Promotions>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<Coupon>> {
    let id = TikTokId::field("coupon_id", &path.1)?.into_string();
    Ok(web::Json(
        coupons::get(&state.db, &scope.shop.id, &id).await?,
    ))
}
