//! Bulk product writes: up to 100 items per request, each done (or refused) on its own; the answer
//! lists one result per item in the order sent, failures included. Activate, deactivate and delete go
//! to TikTok 20 ids per call.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalog::input::ProductIn;
use crate::catalog::writes::{self, SkuPriceIn, StatusOp, Written};
use crate::error::{Error, ErrorEnvelope, Result};
use crate::ids::TikTokId;
use crate::routes::batch::{self, batch_answer};
use crate::routes::idempotency;
use crate::routes::json::{RawJson, parse_json};
use crate::routes::product_writes::{ProductWriteOut, free_unknown, our_key, outcome_unknown};
use crate::routes::schema::responses::{NeedsOperator, ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::state::AppState;

pub use crate::catalog::writes::MAX_BATCH_ITEMS as MAX_ITEMS;

/// Up to 100 products to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchCreateIn {
    #[schema(min_items = 1, max_items = 100)]
    pub items: Vec<ProductIn>,
}

/// One product to edit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditItemIn {
    pub product_id: String,
    pub product: ProductIn,
}

/// Up to 100 products to edit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [{"product_id": "1729382476852855000", "product": {"title": "Ocean tee (organic)"}}]}))]
pub struct BatchEditIn {
    #[schema(min_items = 1, max_items = 100)]
    pub items: Vec<EditItemIn>,
}

/// Up to 100 product ids.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"product_ids": ["1729382476852855000", "1729382476852855001"]}))]
pub struct BatchIdsIn {
    #[schema(schema_with = crate::routes::schema::rules::product_ids)]
    pub product_ids: Vec<String>,
}

/// One product's new SKU prices.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceItemIn {
    pub product_id: String,
    pub skus: Vec<SkuPriceIn>,
}

/// Up to 100 products' new prices.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [{"product_id": "1729382476852855000", "skus": [{"id": "1729382476852921560", "price": {"amount": "17.99", "currency": "USD"}}]}]}))]
pub struct BatchPricesIn {
    #[schema(min_items = 1, max_items = 100)]
    pub items: Vec<PriceItemIn>,
}

/// Which product an item of a product batch is.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductItemKey {
    /// TikTok's product id (known for every item but a refused create).
    pub product_id: Option<String>,
}

batch_answer!(
    /// Every item's result, in the order sent (the batch answer's one shape, see the README). An
    /// item with `outcome_unknown` leaves the batch's answer out of its `Idempotency-Key`: send the
    /// same batch with the same key again (nothing is done twice: creates are deduplicated by
    /// TikTok, the other writes set a state).
    #[schema(example = json!({"succeeded": 1, "failed": 1, "results": [
        {"index": 0, "product_id": "1729382476852855000", "ok": true, "outcome_unknown": false, "error": null,
         "result": {"product_id": "1729382476852855000", "tiktok_request_id": "20261124210005000102030405060708", "skus": [], "warnings": [], "product": null}},
        {"index": 1, "product_id": "1729382476852855001", "ok": false, "outcome_unknown": false, "result": null,
         "error": {"code": "tiktok_refused", "message": "TikTok refused to activate the product: A product in status FREEZE cannot be activated.",
           "details": [{"tiktok_code": 12052220, "tiktok_message": "A product in status FREEZE cannot be activated.", "tiktok_request_id": "20261124210005000102030405060708"}]}}
    ]}))]
    ProductBatchOut,
    ProductBatchItem,
    ProductItemKey,
    ProductWriteOut
);

/// An item's key: the product written, else the one asked for.
fn product_key(asked: Option<&String>, r: &Result<Written>) -> ProductItemKey {
    ProductItemKey {
        product_id: r
            .as_ref()
            .ok()
            .map(|w| w.product_id.clone())
            .or_else(|| asked.cloned()),
    }
}

fn count_ok(n: usize) -> Result<()> {
    if n == 0 || n > MAX_ITEMS {
        return Err(Error::invalid_field(
            "items",
            format!("send 1 to {MAX_ITEMS} items (got {n})"),
        ));
    }
    Ok(())
}

/// Create up to 100 products; each is checked and created on its own.
#[utoipa::path(
    tag = "catalog",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; each item's TikTok idempotency_key is derived from it"),
    ),
    request_body = BatchCreateIn,
    responses(
        (status = 200, description = "Every item's result (some may have failed)", body = ProductBatchOut),
        (status = 400, description = "Not 1 to 100 items, or a body that is not a list of products", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "Products area disabled, or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/products/batch/create")]
pub async fn batch_create(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let ShopScope { user, shop, .. } = scope;
    let input: BatchCreateIn = parse_json(&body.0)?;
    count_ok(input.items.len())?;
    let key = our_key(&req);
    idempotency::run_freeing(
        &state.db,
        &user.tenant,
        &req,
        &body.0,
        state.clock.now(),
        free_unknown,
        || async {
            let (state, user, shop, key) = (&state, &user, &shop, &key);
            let done = batch::run(
                input.items.iter().enumerate(),
                outcome_unknown,
                |(i, p)| async move {
                    let tiktok_key =
                        writes::tiktok_idempotency_key(&user.tenant, &shop.id, key.as_deref(), i);
                    let r = writes::create(state.access(), user, shop, p, tiktok_key).await;
                    (product_key(None, &r), r)
                },
            )
            .await;
            ProductBatchOut::reply(done)
        },
    )
    .await
}

async fn batch_edit(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    req: HttpRequest,
    body: RawJson,
    full: bool,
) -> Result<HttpResponse> {
    let ShopScope { user, shop, .. } = scope;
    let input: BatchEditIn = parse_json(&body.0)?;
    count_ok(input.items.len())?;
    idempotency::run_freeing(
        &state.db,
        &user.tenant,
        &req,
        &body.0,
        state.clock.now(),
        free_unknown,
        || async {
            let done = batch::run(&input.items, outcome_unknown, |it| async {
                let r = writes::edit(
                    state.access(),
                    &user,
                    &shop,
                    &it.product_id,
                    &it.product,
                    full,
                )
                .await;
                (product_key(Some(&it.product_id), &r), r)
            })
            .await;
            ProductBatchOut::reply(done)
        },
    )
    .await
}

/// Replace up to 100 products (each a full edit).
#[utoipa::path(
    tag = "catalog",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again"),
    ),
    request_body = BatchEditIn,
    responses(
        (status = 200, description = "Every item's result (some may have failed)", body = ProductBatchOut),
        (status = 400, description = "Not 1 to 100 items", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "Products area disabled, or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/products/batch/edit")]
pub async fn batch_full_edit(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    batch_edit(state, scope, req, body, true).await
}

/// Partially edit up to 100 products (only the fields sent change).
#[utoipa::path(
    tag = "catalog",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again"),
    ),
    request_body = BatchEditIn,
    responses(
        (status = 200, description = "Every item's result (some may have failed)", body = ProductBatchOut),
        (status = 400, description = "Not 1 to 100 items", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "Products area disabled, or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/products/batch/partial-edit")]
pub async fn batch_partial_edit(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    batch_edit(state, scope, req, body, false).await
}

async fn batch_status(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    req: HttpRequest,
    body: RawJson,
    op: StatusOp,
) -> Result<HttpResponse> {
    let ShopScope { user, shop, .. } = scope;
    let input: BatchIdsIn = parse_json(&body.0)?;
    let n = input.product_ids.len();
    if n == 0 || n > MAX_ITEMS {
        return Err(Error::invalid_field(
            "product_ids",
            format!("send 1 to {MAX_ITEMS} ids (got {n})"),
        ));
    }
    for (i, p) in input.product_ids.iter().enumerate() {
        TikTokId::field(&format!("product_ids[{i}]"), p)?;
    }
    idempotency::run_freeing(
        &state.db,
        &user.tenant,
        &req,
        &body.0,
        state.clock.now(),
        free_unknown,
        || async {
            let results =
                writes::change_status(state.access(), &user, &shop, op, &input.product_ids).await?;
            let done = results
                .into_iter()
                .zip(&input.product_ids)
                .map(|(r, pid)| (product_key(Some(pid), &r), r))
                .collect();
            ProductBatchOut::reply(batch::Batch::of(done, outcome_unknown))
        },
    )
    .await
}

/// Activate up to 100 products (TikTok is called 20 ids at a time).
#[utoipa::path(
    tag = "catalog",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again"),
    ),
    request_body = BatchIdsIn,
    responses(
        (status = 200, description = "Every product's result (some may have failed)", body = ProductBatchOut),
        (status = 400, description = "Not 1 to 100 ids", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "Products area disabled, shop not connected, or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/products/batch/activate")]
pub async fn batch_activate(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    batch_status(state, scope, req, body, StatusOp::Activate).await
}

/// Deactivate up to 100 products (TikTok is called 20 ids at a time).
#[utoipa::path(
    tag = "catalog",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again"),
    ),
    request_body = BatchIdsIn,
    responses(
        (status = 200, description = "Every product's result (some may have failed)", body = ProductBatchOut),
        (status = 400, description = "Not 1 to 100 ids", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "Products area disabled, shop not connected, or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/products/batch/deactivate")]
pub async fn batch_deactivate(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    batch_status(state, scope, req, body, StatusOp::Deactivate).await
}

/// Delete up to 100 products (TikTok is called 20 ids at a time).
#[utoipa::path(
    tag = "catalog",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again"),
    ),
    request_body = BatchIdsIn,
    responses(
        (status = 200, description = "Every product's result (some may have failed)", body = ProductBatchOut),
        (status = 400, description = "Not 1 to 100 ids", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "Products area disabled, shop not connected, or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/products/batch/delete")]
pub async fn batch_delete(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    batch_status(state, scope, req, body, StatusOp::Delete).await
}

/// Set SKU prices of up to 100 products.
#[utoipa::path(
    tag = "catalog",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again"),
    ),
    request_body = BatchPricesIn,
    responses(
        (status = 200, description = "Every product's result (some may have failed)", body = ProductBatchOut),
        (status = 400, description = "Not 1 to 100 items", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "Products area disabled, or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/products/batch/prices")]
pub async fn batch_prices(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Products>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let ShopScope { user, shop, .. } = scope;
    let input: BatchPricesIn = parse_json(&body.0)?;
    count_ok(input.items.len())?;
    idempotency::run_freeing(
        &state.db,
        &user.tenant,
        &req,
        &body.0,
        state.clock.now(),
        free_unknown,
        || async {
            let done = batch::run(&input.items, outcome_unknown, |it| async {
                let r =
                    writes::update_prices(state.access(), &user, &shop, &it.product_id, &it.skus)
                        .await;
                (product_key(Some(&it.product_id), &r), r)
            })
            .await;
            ProductBatchOut::reply(done)
        },
    )
    .await
}
