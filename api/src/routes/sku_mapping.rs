//! `…/shops/{id}/sku-mappings`: the ERP's SKU codes ↔ TikTok's SKU ids, by `seller_sku` unless set by
//! hand, and a report of what is unmapped on either side.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::error::{ErrorEnvelope, Result};
use crate::pagination::{Page, PageQuery};
use crate::routes::idempotency;
use crate::routes::json::{ApiJson, RawJson, parse_json};
use crate::routes::schema::responses::{NeedsOperator, ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::sku_mapping::{self, Mapping};
use crate::state::AppState;

/// A TikTok SKU with the ERP code that maps to it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"erp_sku": "TEE-M-BLUE", "tiktok_sku_id": "1729382476852921560", "seller_sku": "TEE-M", "product_id": "1729382476852855000", "source": "manual"}))]
pub struct MappingOut {
    /// Null when no ERP code maps to this SKU.
    pub erp_sku: Option<String>,
    pub tiktok_sku_id: String,
    pub seller_sku: String,
    pub product_id: String,
    /// manual · seller_sku · none
    pub source: String,
}

impl From<Mapping> for MappingOut {
    fn from(m: Mapping) -> Self {
        Self {
            erp_sku: m.erp_sku,
            tiktok_sku_id: m.sku.id,
            seller_sku: m.sku.seller_sku,
            product_id: m.sku.product_id,
            source: m.source.as_str().to_owned(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"tiktok_sku_id": "1729382476852921560"}))]
pub struct MappingIn {
    pub tiktok_sku_id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"erp_skus": ["TEE-M-BLUE", "TEE-L-BLUE", "MUG-01"]}))]
pub struct ReportIn {
    /// Every SKU code the ERP sells on this shop (up to 10,000).
    #[schema(schema_with = crate::routes::schema::rules::erp_skus)]
    pub erp_skus: Vec<String>,
}

/// What does not line up between the ERP's codes and TikTok's SKUs.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "unmapped_erp_skus": ["MUG-01"], "ambiguous_erp_skus": [],
    "unmapped_tiktok_skus": [{"erp_sku": null, "tiktok_sku_id": "1729382476852921561", "seller_sku": "", "product_id": "1729382476852855000", "source": "none"}]
}))]
pub struct ReportOut {
    /// ERP codes that map to no TikTok SKU.
    pub unmapped_erp_skus: Vec<String>,
    /// ERP codes that match several TikTok SKUs' `seller_sku`: map them by hand.
    pub ambiguous_erp_skus: Vec<String>,
    /// TikTok SKUs that none of the ERP's codes maps to.
    pub unmapped_tiktok_skus: Vec<MappingOut>,
}

/// The shop's TikTok SKUs with their ERP codes, by SKU id.
#[utoipa::path(
    tag = "products",
    params(("id" = String, Path, description = "Our shop id"), PageQuery),
    responses(
        (status = 200, description = "A page of mappings", body = Page<MappingOut>),
        (status = 400, description = "A bad limit or cursor", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The products area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/sku-mappings")]
pub async fn list_mappings(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Products>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<MappingOut>>> {
    let ShopScope { shop, .. } = scope;
    let (rows, next) =
        sku_mapping::list(&state.db, &shop.id, query.limit()?, query.cursor()?).await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(MappingOut::from).collect(),
        next_cursor: next.map(|c| c.encode()),
    }))
}

/// Map an ERP SKU code to a TikTok SKU by hand (overriding the `seller_sku` match).
#[utoipa::path(
    tag = "products",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("erp_sku" = String, Path, description = "The ERP's SKU code"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409"),
    ),
    request_body = MappingIn,
    responses(
        (status = 200, description = "The mapping", body = MappingOut),
        (status = 400, description = "A bad code or body", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such TikTok SKU synced", body = ErrorEnvelope),
        (status = 409, description = "The TikTok SKU is mapped to another code (`sku_already_mapped`), the area is disabled, or the Idempotency-Key reused", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[put("/api/integrations/tiktok/shops/{id}/sku-mappings/{erp_sku}")]
pub async fn put_mapping(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let ShopScope { user, shop, .. } = scope;
    let (_, erp_sku) = path.into_inner();
    let input: MappingIn = parse_json(&body.0)?;
    idempotency::run(
        &state.db,
        &user.tenant,
        &req,
        &body.0,
        state.clock.now(),
        || async {
            let mapping = sku_mapping::set(
                &state.db,
                &user,
                &shop.id,
                &erp_sku,
                &input.tiktok_sku_id,
                state.clock.now(),
            )
            .await?;
            idempotency::Reply::ok(&MappingOut::from(mapping))
        },
    )
    .await
}

/// Remove a mapping set by hand: the code maps by `seller_sku` again.
#[utoipa::path(
    tag = "products",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("erp_sku" = String, Path, description = "The ERP's SKU code"),
    ),
    responses(
        (status = 204, description = "Removed"),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no mapping set by hand for this code", body = ErrorEnvelope),
        (status = 409, description = "The products area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[delete("/api/integrations/tiktok/shops/{id}/sku-mappings/{erp_sku}")]
pub async fn delete_mapping(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    let ShopScope { user, shop, .. } = scope;
    let (_, erp_sku) = path.into_inner();
    sku_mapping::remove(&state.db, &shop.id, &erp_sku).await?;
    audit::record(
        &state.db,
        &user,
        Entry {
            shop_id: &shop.id,
            action: "sku_mapping.remove",
            target: format!("erp sku {erp_sku}"),
            request: serde_json::json!({}),
            tiktok_request_id: None,
            error: None,
        },
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Compare the ERP's SKU codes with the shop's TikTok SKUs: what is unmapped on either side.
#[utoipa::path(
    tag = "products",
    params(("id" = String, Path, description = "Our shop id")),
    request_body = ReportIn,
    responses(
        (status = 200, description = "The report", body = ReportOut),
        (status = 400, description = "More than 10,000 codes, or a bad code", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The products area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/sku-mappings/report")]
pub async fn mapping_report(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Products>,
    body: ApiJson<ReportIn>,
) -> Result<web::Json<ReportOut>> {
    let ShopScope { shop, .. } = scope;
    let report = sku_mapping::report(&state.db, &shop.id, &body.0.erp_skus).await?;
    Ok(web::Json(ReportOut {
        unmapped_erp_skus: report.unmapped_erp_skus,
        ambiguous_erp_skus: report.ambiguous_erp_skus,
        unmapped_tiktok_skus: report
            .unmapped_tiktok_skus
            .into_iter()
            .map(MappingOut::from)
            .collect(),
    }))
}
