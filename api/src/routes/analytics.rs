//! The analytics area's routes, each served from what the `analytics` sync kept (fast, and
//! readable while TikTok is unreachable) with when it was fetched; and `…/analytics/orders`,
//! statistics of our own orders (the `orders` area: no TikTok call).

use actix_web::{get, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::analytics::model::*;
use crate::analytics::orders::{self, GroupBy};
use crate::analytics::store::{self, LIVE, PRODUCT, VIDEO};
use crate::error::{Error, ErrorEnvelope, Result};
use crate::ids::TikTokId;
use crate::routes::schema::responses::{ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::state::AppState;

/// Days `[from, to)`, at most a year.
fn period(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<(NaiveDate, NaiveDate)> {
    let from =
        from.ok_or_else(|| Error::invalid_field("from", "give the first day (YYYY-MM-DD)"))?;
    let to =
        to.ok_or_else(|| Error::invalid_field("to", "give the day after the last (YYYY-MM-DD)"))?;
    if to <= from || (to - from).num_days() > 366 {
        return Err(Error::invalid_field(
            "to",
            "after `from`, at most 366 days later",
        ));
    }
    Ok((from, to))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShopQuery {
    /// The first day (YYYY-MM-DD).
    #[param(required = true)]
    pub from: Option<NaiveDate>,
    /// The day after the last (YYYY-MM-DD).
    #[param(required = true)]
    pub to: Option<NaiveDate>,
    /// `day` (one item per day, the default) or `all` (one item for the period).
    #[param(pattern = "^(day|all)$")]
    pub granularity: Option<String>,
}

/// The shop's performance by day (GMV, orders, units, buyers, traffic), as TikTok reported it.
#[utoipa::path(
    tag = "analytics",
    params(("id" = String, Path, description = "Our shop id"), ShopQuery),
    responses(
        (status = 200, description = "The days kept for the period", body = Report<ShopDay>),
        (status = 400, description = "A missing or bad `from`/`to`, or a bad granularity", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The analytics area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/analytics/shop")]
pub async fn shop(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Analytics>,
    query: web::Query<ShopQuery>,
) -> Result<web::Json<Report<ShopDay>>> {
    let days = period(query.from, query.to)?;
    let whole = match query.granularity.as_deref() {
        None | Some("day") => false,
        Some("all") => true,
        Some(_) => return Err(Error::invalid_field("granularity", "`day` or `all`")),
    };
    Ok(web::Json(
        store::shop(&state.db, &scope.shop, days, whole).await?,
    ))
}

/// Each product's performance over the last synced window.
#[utoipa::path(
    tag = "analytics",
    params(("id" = String, Path, description = "Our shop id")),
    responses(
        (status = 200, description = "The products TikTok reported", body = Report<ProductFigures>),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The analytics area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/analytics/products")]
pub async fn products(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Analytics>,
) -> Result<web::Json<Report<ProductFigures>>> {
    Ok(web::Json(
        store::listed(&state.db, &scope.shop, PRODUCT, None, "product figures").await?,
    ))
}

/// One product's performance over the last synced window.
#[utoipa::path(
    tag = "analytics",
    params(("id" = String, Path, description = "Our shop id"), ("product_id" = String, Path, description = "TikTok's product id")),
    responses(
        (status = 200, description = "The product's figures (one item)", body = Report<ProductFigures>),
        (status = 400, description = "A product id that is not a TikTok id", body = ErrorEnvelope),
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, or TikTok reported nothing for the product in the window", body = ErrorEnvelope),
        (status = 409, description = "The analytics area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/analytics/products/{product_id}")]
pub async fn product(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Analytics>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<Report<ProductFigures>>> {
    let id = TikTokId::field("product_id", &path.1)?.into_string();
    Ok(web::Json(
        store::listed(
            &state.db,
            &scope.shop,
            PRODUCT,
            Some(&id),
            "product figures",
        )
        .await?,
    ))
}

/// Each video's performance (views, GMV, orders attributed) over the last synced window.
#[utoipa::path(
    tag = "analytics",
    params(("id" = String, Path, description = "Our shop id")),
    responses(
        (status = 200, description = "The videos TikTok reported", body = Report<VideoFigures>),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The analytics area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/analytics/videos")]
pub async fn videos(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Analytics>,
) -> Result<web::Json<Report<VideoFigures>>> {
    Ok(web::Json(
        store::listed(&state.db, &scope.shop, VIDEO, None, "video figures").await?,
    ))
}

/// Each LIVE's performance over the last synced window (every kind of account).
#[utoipa::path(
    tag = "analytics",
    params(("id" = String, Path, description = "Our shop id")),
    responses(
        (status = 200, description = "The LIVEs TikTok reported", body = Report<LiveFigures>),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The analytics area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/analytics/lives")]
pub async fn lives(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Analytics>,
) -> Result<web::Json<Report<LiveFigures>>> {
    Ok(web::Json(
        store::listed(&state.db, &scope.shop, LIVE, None, "LIVE figures").await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderStatsQuery {
    /// The first day (YYYY-MM-DD).
    #[param(required = true)]
    pub from: Option<NaiveDate>,
    /// The day after the last (YYYY-MM-DD).
    #[param(required = true)]
    pub to: Option<NaiveDate>,
    /// `day` (the default), `status` or `sku`.
    pub group_by: Option<GroupBy>,
}

/// Statistics of the shop's own synced orders (no TikTok call; the orders area): per day, status or
/// SKU, the paid orders placed, units, GMV (the products' value after the seller's discounts),
/// buyers, cancellations, returns and the cash-on-delivery share — counted as TikTok's analytics
/// count, so the two reconcile.
#[utoipa::path(
    tag = "analytics",
    params(("id" = String, Path, description = "Our shop id"), OrderStatsQuery),
    responses(
        (status = 200, description = "The groups", body = Report<OrderGroup>),
        (status = 400, description = "A missing or bad `from`/`to`, or a bad group_by", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The orders area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/analytics/orders")]
pub async fn order_stats(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Orders>,
    query: web::Query<OrderStatsQuery>,
) -> Result<web::Json<Report<OrderGroup>>> {
    let days = period(query.from, query.to)?;
    let group_by = query.group_by.unwrap_or(GroupBy::Day);
    Ok(web::Json(
        orders::stats(&state.db, &scope.shop, days, group_by, state.clock.now()).await?,
    ))
}
