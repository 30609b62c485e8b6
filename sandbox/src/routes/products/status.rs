//! Status changes over up to 20 products at a time: activate, deactivate and delete, with per-item
//! errors.

use serde_json::{Value, json};

use super::{MAX_BATCH_IDS, id_list};
use crate::protocol::{ApiError, ApiResult, Ctx, codes};
use crate::state::SandboxEvent;
use crate::world::{AUDIT_SECONDS, Id, Product, ProductStatus};

fn batch_ids(ctx: &Ctx) -> Result<Vec<Id>, ApiError> {
    let body = ctx.json_value()?;
    let ids = id_list(&body, "product_ids")?;
    if ids.is_empty() {
        return Err(ApiError::invalid("product_ids is required."));
    }
    if ids.len() > MAX_BATCH_IDS {
        return Err(ApiError::invalid(format!(
            "At most {MAX_BATCH_IDS} product_ids per call."
        )));
    }
    Ok(ids)
}

fn item_error(code: i64, message: String, product_id: Id) -> Value {
    json!({"code": code, "message": message, "detail": {"product_id": product_id.to_string()}})
}

/// Runs a status change over ids; per-item failures go to `data.errors` with code 0 overall.
fn batch_status(
    ctx: &mut Ctx,
    f: fn(&Product) -> Result<Option<ProductStatus>, String>,
) -> ApiResult {
    let shop = ctx.shop_id()?;
    let ids = batch_ids(ctx)?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let mut errors = Vec::new();
        for id in ids {
            let Some(p) = w.products.get(&id).filter(|p| p.shop_id == shop) else {
                errors.push(item_error(
                    codes::PRODUCT_NOT_FOUND,
                    format!("Product {id} does not exist in this shop."),
                    id,
                ));
                continue;
            };
            match f(p) {
                Err(m) => errors.push(item_error(codes::PRODUCT_STATUS_NOT_ALLOWED, m, id)),
                Ok(None) => {}
                Ok(Some(status)) => {
                    w.update_product(id, now, |p| {
                        p.status = status;
                        p.audit_due =
                            (status == ProductStatus::Pending).then_some(now + AUDIT_SECONDS);
                    });
                    w.outbox.push(SandboxEvent::ProductStatusChange {
                        shop_id: shop,
                        product_id: id,
                        status,
                        suspended_reason: String::new(),
                        update_time: now,
                    });
                }
            }
        }
        Ok(json!({"errors": errors}))
    })
}

pub(super) fn activate(ctx: &mut Ctx) -> ApiResult {
    batch_status(ctx, |p| match p.status {
        ProductStatus::Activate | ProductStatus::Pending => Ok(None),
        ProductStatus::SellerDeactivated => Ok(Some(ProductStatus::Activate)),
        ProductStatus::Draft | ProductStatus::Failed => Ok(Some(ProductStatus::Pending)),
        ProductStatus::PlatformDeactivated | ProductStatus::Freeze | ProductStatus::Deleted => {
            Err(format!(
                "A product in status {} cannot be activated.",
                p.status.as_str()
            ))
        }
    })
}

pub(super) fn deactivate(ctx: &mut Ctx) -> ApiResult {
    batch_status(ctx, |p| match p.status {
        ProductStatus::SellerDeactivated => Ok(None),
        ProductStatus::Activate | ProductStatus::Pending => {
            Ok(Some(ProductStatus::SellerDeactivated))
        }
        ProductStatus::Draft
        | ProductStatus::Failed
        | ProductStatus::PlatformDeactivated
        | ProductStatus::Freeze
        | ProductStatus::Deleted => Err(format!(
            "A product in status {} cannot be deactivated.",
            p.status.as_str()
        )),
    })
}

/// `DELETE /product/202309/products` with `product_ids` (≤ 20).
pub(super) fn delete(ctx: &mut Ctx) -> ApiResult {
    batch_status(ctx, |p| match p.status {
        ProductStatus::Deleted => Ok(None),
        ProductStatus::Freeze => Err("A frozen product cannot be deleted.".into()),
        ProductStatus::Draft
        | ProductStatus::Pending
        | ProductStatus::Failed
        | ProductStatus::Activate
        | ProductStatus::SellerDeactivated
        | ProductStatus::PlatformDeactivated => Ok(Some(ProductStatus::Deleted)),
    })
}
