//! Product writes to TikTok: create, full and partial edit, delete, activate, deactivate and prices.
//! Each is checked first (shape, then category, attributes and rules from the cache) and refused with a
//! 400 before TikTok is called; each call is audited with TikTok's request id and outcome; after a
//! successful write the product is read back from TikTok and saved, so local state follows at once.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use entity::{shop, tiktok_product};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::categories;
use super::input::{self, ProductIn};
use crate::audit::{self, Entry};
use crate::auth::AuthUser;
use crate::deps::{Store, TikTokAccess};
use crate::error::{Error, Kind, Result};
use crate::ids::TikTokId;
use crate::shops::session::ShopSession;
use crate::sync::views::{self, ProductDetail};
use crate::tiktok::products::StatusChange;

pub use crate::tiktok::products::PRODUCTS_PATH as CREATE_PATH;
/// Products one batch of the ERP's takes.
pub const MAX_BATCH_ITEMS: usize = 100;
/// TikTok's activate, deactivate and delete take at most this many ids per call.
pub const STATUS_CHUNK: usize = 20;

/// What a write did.
pub struct Written {
    pub product_id: String,
    pub tiktok_request_id: Option<String>,
    /// TikTok's `skus[{id, seller_sku, …}]` of a create or edit.
    pub skus: Vec<Value>,
    pub warnings: Vec<Value>,
    /// The product as read back from TikTok and saved (`None` if that read failed: the next sync or
    /// webhook brings it).
    pub product: Option<ProductDetail>,
}

/// The key TikTok dedups a create by: derived from the ERP's `Idempotency-Key` (so a resent request
/// after a lost answer finds the product made the first time), else new for this request.
pub fn tiktok_idempotency_key(
    tenant: &str,
    shop_id: &str,
    our_key: Option<&str>,
    item: usize,
) -> String {
    match our_key {
        Some(k) => {
            let digest = Sha256::digest(format!("{tenant}\n{shop_id}\n{k}\n{item}").as_bytes());
            hex::encode(&digest[..16])
        }
        None => uuid::Uuid::new_v4().simple().to_string(),
    }
}

/// TikTok's refusal of one item in a batch answer (`data.errors[]`).
fn item_refusal(what: &str, e: &crate::tiktok::products::ItemError, request_id: &str) -> Error {
    let message = e.message.clone().unwrap_or_else(|| "refused".to_owned());
    Error::new(
        Kind::Refused,
        "tiktok_refused",
        format!("TikTok refused to {what} the product: {message}"),
    )
    .with_detail(json!({
        "tiktok_code": e.code,
        "tiktok_message": message,
        "tiktok_request_id": request_id,
    }))
}

/// Every price sent is in the shop's currency, with its decimals and within range.
fn check_prices<'a>(
    shop: &shop::Model,
    prices: impl Iterator<Item = Option<&'a input::PriceIn>>,
) -> Result<()> {
    let region = crate::shops::Region::parse(&shop.region)
        .map_err(|p| Error::internal(anyhow::anyhow!("stored region: {p}")))?;
    for (i, price) in prices.enumerate() {
        if let Some(price) = price {
            super::money::check_price(&format!("skus[{i}].price"), price, region)?;
        }
    }
    Ok(())
}

/// The product's category: the one sent, else the one stored for it.
async fn check(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    p: &ProductIn,
    full: bool,
    product_id: Option<&str>,
) -> Result<()> {
    check_prices(shop, p.skus.iter().flatten().map(|s| s.price.as_ref()))?;
    input::check_shape(p, full)?;
    let stored = match (product_id, &p.category_id) {
        (Some(id), None) => tiktok_product::Entity::find_by_id((shop.id.clone(), id.to_owned()))
            .one(access.db)
            .await?
            .and_then(|r| r.category_id),
        _ => None,
    };
    let touches_category = p.category_id.is_some()
        || p.product_attributes.is_some()
        || p.skus
            .iter()
            .flatten()
            .any(|s| s.sales_attributes.is_some());
    let Some(category_id) = p.category_id.clone().or(stored) else {
        return Ok(());
    };
    if !touches_category {
        return Ok(());
    }
    let category = categories::find(access, shop, &category_id)
        .await?
        .ok_or_else(|| {
            Error::invalid_field(
                "category_id",
                format!(
                    "{category_id} is not in the shop's category tree; browse GET …/categories (or refresh it: POST …/categories/refresh)"
                ),
            )
        })?;
    if p.category_id.is_some() {
        input::check_category(&category)?;
    }
    let details = categories::details(access, shop, category).await?;
    input::check_against(p, &details, full)
}

/// Reads the product back from TikTok and saves it (never over a newer copy); a failure is logged, not
/// answered: the write itself is done.
pub async fn refetch(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    shop_id: &str,
    product_id: &str,
) -> Option<ProductDetail> {
    let read = async {
        crate::sync::products::refresh(access, session, product_id, "erp")
            .await?
            .map_err(Error::internal)?;
        views::product_detail(access.db, shop_id, product_id).await
    };
    match read.await {
        Ok(d) => Some(d),
        Err(e) => {
            tracing::warn!(product = %product_id, error = %e, "could not read a product back after writing it");
            None
        }
    }
}

async fn record(
    store: Store<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    action: &'static str,
    target: String,
    request: Value,
    outcome: &Result<Option<String>>,
) -> Result<()> {
    audit::record(
        store.db,
        user,
        Entry {
            shop_id: &shop.id,
            action,
            target,
            request,
            tiktok_request_id: match outcome {
                Ok(r) => r.clone(),
                Err(e) => e.tiktok_request_id(),
            },
            error: outcome.as_ref().err().map(ToString::to_string),
        },
        store.clock.now(),
    )
    .await?;
    Ok(())
}

/// Creates a product on TikTok (`idempotency_key` passed, see [`tiktok_idempotency_key`]).
pub async fn create(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    p: &ProductIn,
    tiktok_key: String,
) -> Result<Written> {
    check(access, shop, p, true, None).await?;
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let mut body = serde_json::to_value(p).map_err(Error::internal)?;
    body["idempotency_key"] = tiktok_key.into();
    let answer = crate::tiktok::products::create(&mut session.line(access), body)
        .await
        .map_err(Error::from);
    let product_id = answer
        .as_ref()
        .ok()
        .and_then(|a| a.data.product_id.clone())
        .unwrap_or_default();
    let outcome = answer
        .as_ref()
        .map(|a| Some(a.request_id.clone()))
        .map_err(clone_err);
    record(
        access.store(),
        user,
        shop,
        "product.create",
        if product_id.is_empty() {
            format!("new product \"{}\"", p.title.as_deref().unwrap_or_default())
        } else {
            format!("product {product_id}")
        },
        serde_json::to_value(p).unwrap_or_default(),
        &outcome,
    )
    .await?;
    let answer = answer?;
    if product_id.is_empty() {
        return Err(Error::unavailable(
            "TikTok accepted the product but named no product_id; sync products to see it",
        ));
    }
    let product = refetch(access, &mut session, &shop.id, &product_id).await;
    Ok(Written {
        product_id,
        tiktok_request_id: Some(answer.request_id),
        skus: answer.data.skus,
        warnings: answer.data.warnings,
        product,
    })
}

fn clone_err(e: &Error) -> Error {
    let mut c = Error::new(e.kind, e.code, e.message.clone());
    c.details = e.details.clone();
    c
}

/// A full edit (SKUs left out are deleted, as on TikTok) or a partial one (only the fields sent).
pub async fn edit(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    product_id: &str,
    p: &ProductIn,
    full: bool,
) -> Result<Written> {
    TikTokId::field("product_id", product_id)?;
    check(access, shop, p, full, Some(product_id)).await?;
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let action = if full {
        "product.edit"
    } else {
        "product.partial_edit"
    };
    let body = serde_json::to_value(p).map_err(Error::internal)?;
    let answer =
        crate::tiktok::products::edit(&mut session.line(access), product_id, body.clone(), full)
            .await
            .map_err(Error::from);
    let outcome = answer
        .as_ref()
        .map(|a| Some(a.request_id.clone()))
        .map_err(clone_err);
    record(
        access.store(),
        user,
        shop,
        action,
        format!("product {product_id}"),
        body,
        &outcome,
    )
    .await?;
    let answer = answer?;
    let product = refetch(access, &mut session, &shop.id, product_id).await;
    Ok(Written {
        product_id: product_id.to_owned(),
        tiktok_request_id: Some(answer.request_id),
        skus: answer.data.skus,
        warnings: answer.data.warnings,
        product,
    })
}

/// A SKU's new price.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkuPriceIn {
    /// TikTok's SKU id.
    pub id: String,
    pub price: input::PriceIn,
}

/// Sets SKU prices of one product (all or none, as TikTok does).
pub async fn update_prices(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    product_id: &str,
    skus: &[SkuPriceIn],
) -> Result<Written> {
    TikTokId::field("product_id", product_id)?;
    if skus.is_empty() || skus.len() > input::MAX_SKUS {
        return Err(Error::invalid_field(
            "skus",
            format!("give 1 to {} SKUs", input::MAX_SKUS),
        ));
    }
    check_prices(shop, skus.iter().map(|s| Some(&s.price)))?;
    for (i, s) in skus.iter().enumerate() {
        if s.id.trim().is_empty() {
            return Err(Error::invalid_field(
                &format!("skus[{i}].id"),
                "must not be empty",
            ));
        }
        let as_sku = input::SkuIn {
            id: Some(s.id.clone()),
            seller_sku: None,
            sales_attributes: None,
            price: Some(s.price.clone()),
            inventory: None,
        };
        input::check_shape(
            &ProductIn {
                skus: Some(vec![as_sku]),
                ..Default::default()
            },
            false,
        )
        .map_err(|e| {
            Error::invalid_field(
                &format!("skus[{i}].price"),
                e.message
                    .split_once(": ")
                    .map_or(e.message.as_str(), |x| x.1),
            )
        })?;
    }
    // A synced product's SKUs are known: a SKU not among them is refused here (TikTok would too).
    let known: Vec<String> = entity::tiktok_sku::Entity::find()
        .filter(entity::tiktok_sku::Column::ShopId.eq(&shop.id))
        .filter(entity::tiktok_sku::Column::ProductId.eq(product_id))
        .all(access.db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    if !known.is_empty()
        && let Some(i) = skus.iter().position(|s| !known.contains(&s.id))
    {
        return Err(Error::invalid_field(
            &format!("skus[{i}].id"),
            format!(
                "{} is not a SKU of product {product_id}; its SKUs are {}",
                skus[i].id,
                known.join(", ")
            ),
        ));
    }
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let body = json!({"skus": skus});
    let answer =
        crate::tiktok::products::update_prices(&mut session.line(access), product_id, body.clone())
            .await
            .map_err(Error::from);
    let outcome = answer
        .as_ref()
        .map(|a| Some(a.request_id.clone()))
        .map_err(clone_err);
    record(
        access.store(),
        user,
        shop,
        "product.prices",
        format!("product {product_id}"),
        body,
        &outcome,
    )
    .await?;
    let answer = answer?;
    let product = refetch(access, &mut session, &shop.id, product_id).await;
    Ok(Written {
        product_id: product_id.to_owned(),
        tiktok_request_id: Some(answer.request_id),
        skus: Vec::new(),
        warnings: Vec::new(),
        product,
    })
}

/// A status change TikTok takes as a list of ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusOp {
    Activate,
    Deactivate,
    Delete,
}

impl StatusOp {
    /// TikTok's operation, the audit action and the verb of a refusal's message.
    fn call(self) -> (StatusChange, &'static str, &'static str) {
        match self {
            StatusOp::Activate => (StatusChange::Activate, "product.activate", "activate"),
            StatusOp::Deactivate => (StatusChange::Deactivate, "product.deactivate", "deactivate"),
            StatusOp::Delete => (StatusChange::Delete, "product.delete", "delete"),
        }
    }
}

/// Activates, deactivates or deletes products, 20 per TikTok call; one result per id, in order.
pub async fn change_status(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    op: StatusOp,
    ids: &[String],
) -> Result<Vec<Result<Written>>> {
    let (change, action, verb) = op.call();
    for (i, id) in ids.iter().enumerate() {
        TikTokId::field(&format!("product_ids[{i}]"), id)?;
    }
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let mut results = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(STATUS_CHUNK) {
        let answer =
            crate::tiktok::products::change_status(&mut session.line(access), change, chunk)
                .await
                .map_err(Error::from);
        for id in chunk {
            let outcome: Result<Option<String>> = match &answer {
                Err(e) => Err(clone_err(e)),
                Ok(a) => match a.data.errors.iter().find(|e| {
                    e.detail.as_ref().and_then(|d| d.product_id.as_deref()) == Some(id.as_str())
                }) {
                    Some(e) => Err(item_refusal(verb, e, &a.request_id)),
                    None => Ok(Some(a.request_id.clone())),
                },
            };
            record(
                access.store(),
                user,
                shop,
                action,
                format!("product {id}"),
                json!({"product_id": id}),
                &outcome,
            )
            .await?;
            results.push(match outcome {
                Err(e) => Err(e),
                Ok(request_id) => Ok(Written {
                    product_id: id.clone(),
                    tiktok_request_id: request_id,
                    skus: Vec::new(),
                    warnings: Vec::new(),
                    product: refetch(access, &mut session, &shop.id, id).await,
                }),
            });
        }
    }
    Ok(results)
}
