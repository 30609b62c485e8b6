//! `…/shops/{id}/categories`: the shop's TikTok category tree from our cache (fetched when older than
//! 24 h, or on `POST …/categories/refresh`), browsed by parent or searched by name, and one category's
//! attributes and rules (what a product in it must carry).

use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use entity::tiktok_category;

use crate::catalog::categories::{self, Attribute, BrandPage, Rules, TTL};
use crate::error::{Error, ErrorEnvelope, Result};
use crate::routes::schema::responses::{NeedsOperator, ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CategoryQuery {
    /// Browse: the children of this category ("0", the default, lists the roots).
    pub parent_id: Option<String>,
    /// Search: categories whose name contains this (any case), leaves first; overrides `parent_id`.
    #[param(pattern = r"[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]")]
    pub name: Option<String>,
    /// Search results, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "600001", "parent_id": "600000", "local_name": "T-Shirts", "is_leaf": true, "permission_statuses": ["AVAILABLE"], "permitted": true}))]
pub struct CategoryOut {
    pub id: String,
    /// "0" at the root.
    pub parent_id: String,
    pub local_name: String,
    /// Products go in leaf categories only.
    pub is_leaf: bool,
    pub permission_statuses: Vec<String>,
    /// Whether this shop may list products here (AVAILABLE).
    pub permitted: bool,
}

impl From<tiktok_category::Model> for CategoryOut {
    fn from(c: tiktok_category::Model) -> Self {
        Self {
            permission_statuses: categories::permissions(&c),
            permitted: categories::permitted(&c),
            id: c.id,
            parent_id: c.parent_id,
            local_name: c.local_name,
            is_leaf: c.is_leaf,
        }
    }
}

/// Categories with the age of the cache they come from.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"fetched_at": "2026-11-24T21:00:00Z", "expires_at": "2026-11-25T21:00:00Z", "items": [
    {"id": "600001", "parent_id": "600000", "local_name": "T-Shirts", "is_leaf": true, "permission_statuses": ["AVAILABLE"], "permitted": true}
]}))]
pub struct CategoryListOut {
    pub fetched_at: DateTime<Utc>,
    /// After this the tree is fetched from TikTok again on the next read.
    pub expires_at: DateTime<Utc>,
    pub items: Vec<CategoryOut>,
}

/// A category with what a product in it must carry.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "category": {"id": "600001", "parent_id": "600000", "local_name": "T-Shirts", "is_leaf": true, "permission_statuses": ["AVAILABLE"], "permitted": true},
    "attributes": [
        {"id": "100392", "name": "Material", "type": "PRODUCT_PROPERTY", "is_required": false, "is_customizable": false, "is_multiple_selection": true, "values": [{"id": "1000058", "name": "Cotton"}]},
        {"id": "100000", "name": "Color", "type": "SALES_PROPERTY", "is_required": false, "is_customizable": true, "is_multiple_selection": false, "values": [{"id": "1000001", "name": "Blue"}]}
    ],
    "rules": {"package_dimensions_required": false, "size_chart_required": false, "cod_allowed": true, "certifications": []},
    "fetched_at": "2026-11-24T21:00:00Z"
}))]
pub struct CategoryDetailOut {
    pub category: CategoryOut,
    pub attributes: Vec<Attribute>,
    pub rules: Rules,
    /// When the attributes and rules were fetched from TikTok.
    pub fetched_at: Option<DateTime<Utc>>,
}

/// The cache after a refresh.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"count": 412, "fetched_at": "2026-11-24T21:00:00Z", "expires_at": "2026-11-25T21:00:00Z"}))]
pub struct RefreshOut {
    /// Categories in the tree.
    pub count: i32,
    pub fetched_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Browse (children of a parent) or search (by name) the shop's category tree.
#[utoipa::path(
    tag = "catalog",
    params(("id" = String, Path, description = "Our shop id"), CategoryQuery),
    responses(
        (status = 200, description = "Categories from the cache (fetched first when older than 24 h)", body = CategoryListOut),
        (status = 400, description = "A bad limit or an empty name", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The products area is disabled (`feature_disabled`), or the shop is not connected", body = ErrorEnvelope),
        (status = 502, description = "The tree had to be fetched and TikTok was unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/categories")]
pub async fn list_categories(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Products>,
    query: web::Query<CategoryQuery>,
) -> Result<web::Json<CategoryListOut>> {
    let ShopScope { shop, .. } = scope;
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(Error::invalid_field("limit", "use 1 to 200"));
    }
    let items = match q.name {
        Some(n) if n.trim().is_empty() => {
            return Err(Error::invalid_field("name", "give part of a category name"));
        }
        Some(n) => categories::search(state.access(), &shop, n.trim(), limit).await?,
        None => {
            let parent = q.parent_id.unwrap_or_else(|| "0".to_owned());
            categories::children(state.access(), &shop, &parent).await?
        }
    };
    let tree = categories::ensure_tree(state.access(), &shop).await?;
    Ok(web::Json(CategoryListOut {
        fetched_at: tree.fetched_at,
        expires_at: tree.fetched_at + TTL,
        items: items.into_iter().map(CategoryOut::from).collect(),
    }))
}

/// One category with its attributes (product and sales properties, their values) and rules.
#[utoipa::path(
    tag = "catalog",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("category_id" = String, Path, description = "TikTok's category id"),
    ),
    responses(
        (status = 200, description = "The category, its attributes and rules", body = CategoryDetailOut),
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, or no such category in its tree", body = ErrorEnvelope),
        (status = 409, description = "The products area is disabled (`feature_disabled`), or the shop is not connected", body = ErrorEnvelope),
        (status = 502, description = "TikTok was unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/categories/{category_id}")]
pub async fn get_category(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Products>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<CategoryDetailOut>> {
    let ShopScope { shop, .. } = scope;
    let (_, category_id) = path.into_inner();
    let category = categories::find(state.access(), &shop, &category_id)
        .await?
        .ok_or_else(|| Error::not_found("category"))?;
    let d = categories::details(state.access(), &shop, category).await?;
    Ok(web::Json(CategoryDetailOut {
        fetched_at: d.category.details_fetched_at,
        category: d.category.into(),
        attributes: d.attributes,
        rules: d.rules,
    }))
}

/// Fetch the shop's category tree from TikTok now (attributes and rules are fetched again when next
/// needed).
#[utoipa::path(
    tag = "catalog",
    params(("id" = String, Path, description = "Our shop id")),
    responses(
        (status = 200, description = "The tree was fetched", body = RefreshOut),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "The products area is disabled (`feature_disabled`), or the shop is not connected", body = ErrorEnvelope),
        (status = 502, description = "TikTok was unavailable; the old cache is kept", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/categories/refresh")]
pub async fn refresh_categories(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
) -> Result<web::Json<RefreshOut>> {
    let ShopScope { shop, .. } = scope;
    let tree = categories::refresh(state.access(), &shop).await?;
    Ok(web::Json(RefreshOut {
        count: tree.count,
        fetched_at: tree.fetched_at,
        expires_at: tree.fetched_at + TTL,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BrandQuery {
    /// Brands whose name contains this.
    pub name: Option<String>,
    /// Brands usable in this category.
    pub category_id: Option<String>,
    /// 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_page_token` of the previous page.
    pub page_token: Option<String>,
}

/// TikTok's brands, for a product's `brand_id` (read from TikTok each time, page by page).
#[utoipa::path(
    tag = "catalog",
    params(("id" = String, Path, description = "Our shop id"), BrandQuery),
    responses(
        (status = 200, description = "A page of brands", body = BrandPage),
        (status = 400, description = "A bad limit", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The products area is disabled (`feature_disabled`), or the shop is not connected", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused (e.g. a stale page_token)", body = ErrorEnvelope),
        (status = 502, description = "TikTok was unavailable", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/brands")]
pub async fn list_brands(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Products>,
    query: web::Query<BrandQuery>,
) -> Result<web::Json<BrandPage>> {
    let ShopScope { shop, .. } = scope;
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(Error::invalid_field("limit", "use 1 to 100"));
    }
    Ok(web::Json(
        categories::brands(
            state.access(),
            &shop,
            q.name.as_deref().map(str::trim),
            q.category_id.as_deref(),
            limit,
            q.page_token.as_deref(),
        )
        .await?,
    ))
}
