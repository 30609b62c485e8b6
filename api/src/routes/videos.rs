//! Video commerce's routes (the products area): the videos the ERP records with the products they
//! show and when, each joined with its figures from the analytics area.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};

use crate::error::{ErrorEnvelope, Result};
use crate::ids::TikTokId;
use crate::pagination::Page;
use crate::routes::idempotency;
use crate::routes::json::{RawJson, parse_json};
use crate::routes::schema::responses::{NeedsOperator, ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::state::AppState;
use crate::videos::{self, Video, VideoIn, VideoPut};

/// The shop's recorded videos, the latest recorded first.
#[utoipa::path(
    tag = "products",
    params(("id" = String, Path, description = "Our shop id")),
    responses(
        (status = 200, description = "The videos (one page: `next_cursor` is null)", body = Page<Video>),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The products area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/videos")]
pub async fn list_videos(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Products>,
) -> Result<web::Json<Page<Video>>> {
    let items = videos::list(&state.db, &scope.shop.id, None).await?;
    Ok(web::Json(Page {
        items,
        next_cursor: None,
    }))
}

/// Record which of the shop's products a TikTok video shows and when (seconds into the video; a
/// product's show times do not overlap). TikTok links products to a video in its app: this is the
/// ERP's plan, joined with the video's figures once the analytics area synced them.
#[utoipa::path(
    tag = "products",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409"),
    ),
    request_body = VideoIn,
    responses(
        (status = 201, description = "Recorded", body = Video),
        (status = 400, description = "A bad field (the message names it)", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "The video is recorded already (`video_exists`: PUT changes it); area disabled; Idempotency-Key reused", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/videos")]
pub async fn create_video(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let input: VideoIn = parse_json(&body.0)?;
    idempotency::write_json(&state, &scope, &req, &body.0, StatusCode::CREATED, || {
        videos::create(state.store(), &scope.user, &scope.shop, &input)
    })
    .await
}

/// One recorded video with its figures.
#[utoipa::path(
    tag = "products",
    params(("id" = String, Path, description = "Our shop id"), ("video_id" = String, Path, description = "TikTok's video id")),
    responses(
        (status = 200, description = "The video", body = Video),
        (status = 400, description = "A video id that is not a TikTok id", body = ErrorEnvelope),
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, or no such video recorded", body = ErrorEnvelope),
        (status = 409, description = "The products area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/videos/{video_id}")]
pub async fn get_video(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Products>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<Video>> {
    let id = TikTokId::field("video_id", &path.1)?.into_string();
    Ok(web::Json(
        videos::get(&state.db, &scope.shop.id, &id).await?,
    ))
}

/// Replace a recorded video's products and show times.
#[utoipa::path(
    tag = "products",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("video_id" = String, Path, description = "TikTok's video id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409"),
    ),
    request_body = VideoPut,
    responses(
        (status = 200, description = "Replaced", body = Video),
        (status = 400, description = "A bad field (the message names it)", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such video recorded", body = ErrorEnvelope),
        (status = 409, description = "Area disabled; Idempotency-Key reused", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[put("/api/integrations/tiktok/shops/{id}/videos/{video_id}")]
pub async fn put_video(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let id = TikTokId::field("video_id", &path.1)?.into_string();
    let input: VideoPut = parse_json(&body.0)?;
    idempotency::write_json(&state, &scope, &req, &body.0, StatusCode::OK, || {
        videos::replace(state.store(), &scope.shop, &id, &input)
    })
    .await
}

/// Forget a recorded video.
#[utoipa::path(
    tag = "products",
    params(("id" = String, Path, description = "Our shop id"), ("video_id" = String, Path, description = "TikTok's video id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A video id that is not a TikTok id", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such video recorded", body = ErrorEnvelope),
        (status = 409, description = "The products area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[delete("/api/integrations/tiktok/shops/{id}/videos/{video_id}")]
pub async fn delete_video(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    let id = TikTokId::field("video_id", &path.1)?.into_string();
    videos::delete(&state.db, &scope.shop.id, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The recorded videos that show a product, each with its figures.
#[utoipa::path(
    tag = "products",
    params(("id" = String, Path, description = "Our shop id"), ("product_id" = String, Path, description = "TikTok's product id")),
    responses(
        (status = 200, description = "The videos (one page: `next_cursor` is null)", body = Page<Video>),
        (status = 400, description = "A product id that is not a TikTok id", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The products area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/products/{product_id}/videos")]
pub async fn product_videos(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Products>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<Page<Video>>> {
    let id = TikTokId::field("product_id", &path.1)?.into_string();
    let items = videos::list(&state.db, &scope.shop.id, Some(&id)).await?;
    Ok(web::Json(Page {
        items,
        next_cursor: None,
    }))
}
