//! The ERP's product writes, one product at a time: create, full edit (PUT), partial edit (PATCH),
//! delete, activate, deactivate and prices. Each needs the operator role, takes an `Idempotency-Key`,
//! is checked against the cached category before TikTok is called, is audited, and answers the product
//! as read back from TikTok.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, patch, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalog::input::ProductIn;
use crate::catalog::writes::{self, SkuPriceIn, StatusOp, Written};
use crate::error::{Error, ErrorEnvelope, Kind, Result};
use crate::ids::TikTokId;
use crate::routes::idempotency;
use crate::routes::json::{RawJson, parse_json};
use crate::routes::products::ProductOut;
use crate::routes::schema::responses::{NeedsOperator, ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::state::AppState;

/// A write's result.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "product_id": "1729382476852855000", "tiktok_request_id": "20261124210005000102030405060708",
    "skus": [{"id": "1729382476852921560", "seller_sku": "TEE-BLU-M"}], "warnings": [],
    "product": {"id": "1729382476852855000", "title": "Ocean tee", "status": "PENDING", "audit_status": "AUDITING",
        "audit_failed_reasons": null, "category_id": "600001",
        "create_time": "2026-11-24T21:00:05Z", "update_time": "2026-11-24T21:00:05Z", "synced_at": "2026-11-24T21:00:05Z",
        "skus": [{"id": "1729382476852921560", "seller_sku": "TEE-BLU-M", "currency": "USD", "sale_price": "19.99", "tax_exclusive_price": null,
            "stock": [{"warehouse_id": "7068517275539719942", "quantity": 40, "updated_at": "2026-11-24T21:00:05Z"}]}]}
}))]
pub struct ProductWriteOut {
    /// TikTok's product id.
    pub product_id: String,
    pub tiktok_request_id: Option<String>,
    /// TikTok's SKUs of a create or edit (`id`, `seller_sku`, `sales_attributes`).
    #[schema(value_type = Vec<Object>)]
    pub skus: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<serde_json::Value>,
    /// The product as read back from TikTok and saved (null if that read failed; the next sync brings it).
    pub product: Option<ProductOut>,
}

impl From<Written> for ProductWriteOut {
    fn from(w: Written) -> Self {
        Self {
            product_id: w.product_id,
            tiktok_request_id: w.tiktok_request_id,
            skus: w.skus,
            warnings: w.warnings,
            product: w.product.map(ProductOut::from),
        }
    }
}

/// New SKU prices of a product.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"skus": [{"id": "1729382476852921560", "price": {"amount": "17.99", "currency": "USD"}}]}))]
pub struct PricesIn {
    pub skus: Vec<SkuPriceIn>,
}

/// TikTok unreachable or its answer lost: what happened is unknown, and these writes are safe to send
/// again (a create is deduplicated by TikTok's `idempotency_key`, the others set a state).
pub(crate) fn outcome_unknown(e: &Error) -> bool {
    e.code == idempotency::OUTCOME_UNKNOWN
        || matches!(
            e.kind,
            Kind::Upstream | Kind::Unavailable | Kind::UpstreamTimeout
        )
}

/// Such an outcome is not bound to the `Idempotency-Key`: the same request with the same key runs again.
pub(crate) fn free_unknown(e: &Error) -> bool {
    outcome_unknown(e)
}

pub(crate) fn our_key(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(idempotency::HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty())
}

pub(crate) fn json_of<T: Serialize>(status: StatusCode, v: T) -> Result<idempotency::Reply> {
    idempotency::Reply::json(status, &v)
}

/// One product's status change, as a single write: TikTok's refusal of the item is the answer.
async fn one_status(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
    op: StatusOp,
) -> Result<HttpResponse> {
    let ShopScope { user, shop, .. } = scope;
    let (_, product_id) = path.into_inner();
    TikTokId::field("product_id", &product_id)?;
    idempotency::run_freeing(
        &state.db,
        &user.tenant,
        &req,
        &body.0,
        state.clock.now(),
        free_unknown,
        || async {
            let mut results = writes::change_status(
                state.access(),
                &user,
                &shop,
                op,
                std::slice::from_ref(&product_id),
            )
            .await?;
            let written = results
                .pop()
                .ok_or_else(|| Error::internal(anyhow::anyhow!("no result for the product")))??;
            json_of(StatusCode::OK, ProductWriteOut::from(written))
        },
    )
    .await
}

/// Create a product (single or with variations) on TikTok; it starts in audit (PENDING).
#[utoipa::path(
    tag = "catalog",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409. TikTok's own idempotency_key is derived from it, so resending after a lost answer never makes a second product"),
    ),
    request_body = ProductIn,
    responses(
        (status = 201, description = "Created (in audit); the product as read back", body = ProductWriteOut),
        (status = 400, description = "A field is missing or wrong, or the category, its attributes or rules are not met (the message names the field and what is expected); TikTok was not called", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "Products area disabled (`feature_disabled`), shop not connected, or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused the product (`tiktok_refused`; details carry TikTok's code, message and request_id)", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable or its answer lost: send the same request with the same Idempotency-Key again", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/products")]
pub async fn create_product(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let ShopScope { user, shop, .. } = scope;
    let input: ProductIn = parse_json(&body.0)?;
    let key = writes::tiktok_idempotency_key(&user.tenant, &shop.id, our_key(&req).as_deref(), 0);
    idempotency::run_freeing(
        &state.db,
        &user.tenant,
        &req,
        &body.0,
        state.clock.now(),
        free_unknown,
        || async {
            let w = writes::create(state.access(), &user, &shop, &input, key).await?;
            json_of(StatusCode::CREATED, ProductWriteOut::from(w))
        },
    )
    .await
}

async fn edit(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
    full: bool,
) -> Result<HttpResponse> {
    let ShopScope { user, shop, .. } = scope;
    let (_, product_id) = path.into_inner();
    let input: ProductIn = parse_json(&body.0)?;
    idempotency::run_freeing(
        &state.db,
        &user.tenant,
        &req,
        &body.0,
        state.clock.now(),
        free_unknown,
        || async {
            let w = writes::edit(state.access(), &user, &shop, &product_id, &input, full).await?;
            json_of(StatusCode::OK, ProductWriteOut::from(w))
        },
    )
    .await
}

/// Replace a product (every field; SKUs left out are deleted, as on TikTok). A live product goes
/// back through audit.
#[utoipa::path(
    tag = "catalog",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("product_id" = String, Path, description = "TikTok's product id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409"),
    ),
    request_body = ProductIn,
    responses(
        (status = 200, description = "Edited; the product as read back", body = ProductWriteOut),
        (status = 400, description = "A field is missing or wrong, or the category's attributes or rules are not met; TikTok was not called", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "Products area disabled, shop not connected, or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused (no such product, a frozen or deleted one…)", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable; send it again", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[put("/api/integrations/tiktok/shops/{id}/products/{product_id}")]
pub async fn edit_product(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    edit(state, scope, path, req, body, true).await
}

/// Change some fields of a product (only those sent; SKUs sent with an `id` are merged, without one are added).
#[utoipa::path(
    tag = "catalog",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("product_id" = String, Path, description = "TikTok's product id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409"),
    ),
    request_body = ProductIn,
    responses(
        (status = 200, description = "Edited; the product as read back", body = ProductWriteOut),
        (status = 400, description = "A field is wrong, or the category's attributes are not met; TikTok was not called", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "Products area disabled, shop not connected, or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable; send it again", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[patch("/api/integrations/tiktok/shops/{id}/products/{product_id}")]
pub async fn partial_edit_product(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    edit(state, scope, path, req, body, false).await
}

/// Delete a product on TikTok.
#[utoipa::path(
    tag = "catalog",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("product_id" = String, Path, description = "TikTok's product id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key: the first answer again"),
    ),
    responses(
        (status = 200, description = "Deleted; the product as read back (status DELETED)", body = ProductWriteOut),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "Products area disabled, shop not connected, or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused (no such product, a frozen one…)", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable; send it again", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[delete("/api/integrations/tiktok/shops/{id}/products/{product_id}")]
pub async fn delete_product(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    one_status(state, scope, path, req, body, StatusOp::Delete).await
}

/// Activate a product (a draft or failed one goes to audit first).
#[utoipa::path(
    tag = "catalog",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("product_id" = String, Path, description = "TikTok's product id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key: the first answer again"),
    ),
    responses(
        (status = 200, description = "Activated (or sent to audit); the product as read back", body = ProductWriteOut),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "Products area disabled, shop not connected, or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused (e.g. a platform-deactivated, frozen or deleted product)", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable; send it again", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/products/{product_id}/activate")]
pub async fn activate_product(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    one_status(state, scope, path, req, body, StatusOp::Activate).await
}

/// Deactivate a product (the seller takes it off sale).
#[utoipa::path(
    tag = "catalog",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("product_id" = String, Path, description = "TikTok's product id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key: the first answer again"),
    ),
    responses(
        (status = 200, description = "Deactivated; the product as read back", body = ProductWriteOut),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "Products area disabled, shop not connected, or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused (e.g. a draft, failed or deleted product)", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable; send it again", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/products/{product_id}/deactivate")]
pub async fn deactivate_product(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    one_status(state, scope, path, req, body, StatusOp::Deactivate).await
}

/// Set SKU prices of a product (all or none).
#[utoipa::path(
    tag = "catalog",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("product_id" = String, Path, description = "TikTok's product id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409"),
    ),
    request_body = PricesIn,
    responses(
        (status = 200, description = "Prices set; the product as read back", body = ProductWriteOut),
        (status = 400, description = "A bad amount or currency, or a SKU not of this product; TikTok was not called", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "Products area disabled, shop not connected, or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused (wrong currency, no such SKU…)", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable; send it again", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/products/{product_id}/prices")]
pub async fn update_prices(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let ShopScope { user, shop, .. } = scope;
    let (_, product_id) = path.into_inner();
    let input: PricesIn = parse_json(&body.0)?;
    idempotency::run_freeing(
        &state.db,
        &user.tenant,
        &req,
        &body.0,
        state.clock.now(),
        free_unknown,
        || async {
            let w = writes::update_prices(state.access(), &user, &shop, &product_id, &input.skus)
                .await?;
            json_of(StatusCode::OK, ProductWriteOut::from(w))
        },
    )
    .await
}
