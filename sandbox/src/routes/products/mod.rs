//! Products, SKUs, stock and the catalogue (categories, attributes, rules, brands) at 202309, with the
//! newer search (202502) and edit (202509) versions.
//!
//! `configure` registers every path; the handlers live by concern: `read` (search, get), `write`
//! (create, full and partial edit, with the body's validation), `status` (activate, deactivate, delete),
//! `inventory` (prices, stock update, inventory search) and `catalog` (categories, attributes, rules,
//! brands). The helpers shared by several of them are here.

mod catalog;
mod inventory;
mod read;
mod status;
mod write;

use actix_web::http::Method;
use actix_web::web;
use serde_json::Value;

use crate::protocol::{ApiError, Category, Scope, codes, op};
use crate::world::{Id, Product, ProductStatus};
use catalog::{attributes, brands, categories, rules};
use inventory::{inventory, inventory_search, prices};
use read::{get, search};
use status::{activate, deactivate, delete};
use write::{create, edit, partial_edit};

/// Product search serves at most this many results; page by update-time windows beyond it.
pub const SEARCH_CAP: usize = 10_000;
/// Ids per activate / deactivate / delete call.
pub const MAX_BATCH_IDS: usize = 20;
/// The most units one warehouse can hold for a SKU.
pub const MAX_QUANTITY: i64 = 999_999;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Category::Products as C;
    use Scope::Shop as S;
    for path in [
        "/product/202309/products/search",
        "/product/202502/products/search",
    ] {
        op(cfg, Method::POST, path, C, S, search);
    }
    op(cfg, Method::POST, "/product/202309/products", C, S, create);
    op(
        cfg,
        Method::DELETE,
        "/product/202309/products",
        C,
        S,
        delete,
    );
    op(
        cfg,
        Method::POST,
        "/product/202309/products/activate",
        C,
        S,
        activate,
    );
    op(
        cfg,
        Method::POST,
        "/product/202309/products/deactivate",
        C,
        S,
        deactivate,
    );
    op(
        cfg,
        Method::POST,
        "/product/202309/inventory/search",
        C,
        S,
        inventory_search,
    );
    op(
        cfg,
        Method::GET,
        "/product/202309/categories",
        C,
        S,
        categories,
    );
    op(
        cfg,
        Method::GET,
        "/product/202309/categories/{category_id}/attributes",
        C,
        S,
        attributes,
    );
    op(
        cfg,
        Method::GET,
        "/product/202309/categories/{category_id}/rules",
        C,
        S,
        rules,
    );
    op(cfg, Method::GET, "/product/202309/brands", C, S, brands);
    op(
        cfg,
        Method::GET,
        "/product/202309/products/{product_id}",
        C,
        S,
        get,
    );
    for path in [
        "/product/202309/products/{product_id}",
        "/product/202509/products/{product_id}",
    ] {
        op(cfg, Method::PUT, path, C, S, edit);
    }
    for path in [
        "/product/202309/products/{product_id}/partial_edit",
        "/product/202509/products/{product_id}/partial_edit",
    ] {
        op(cfg, Method::POST, path, C, S, partial_edit);
    }
    op(
        cfg,
        Method::POST,
        "/product/202309/products/{product_id}/prices/update",
        C,
        S,
        prices,
    );
    op(
        cfg,
        Method::POST,
        "/product/202309/products/{product_id}/inventory/update",
        C,
        S,
        inventory,
    );
}

fn not_found(id: Id) -> ApiError {
    ApiError::business(
        codes::PRODUCT_NOT_FOUND,
        format!("Product {id} does not exist in this shop."),
    )
}

fn opt_i64(body: &Value, key: &str) -> Result<Option<i64>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| ApiError::invalid(format!("{key} must be a unix timestamp."))),
    }
}

fn str_list(body: &Value, key: &str) -> Result<Vec<String>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(ApiError::invalid(format!(
                    "{key} must be an array of strings."
                ))),
            })
            .collect(),
        Some(_) => Err(ApiError::invalid(format!("{key} must be an array."))),
    }
}

fn id_list(body: &Value, key: &str) -> Result<Vec<Id>, ApiError> {
    str_list(body, key)?
        .iter()
        .map(|s| {
            crate::world::parse_id(s)
                .ok_or_else(|| ApiError::invalid(format!("Invalid id in {key}: {s:?}.")))
        })
        .collect()
}

fn editable(p: &Product) -> Result<(), ApiError> {
    match p.status {
        ProductStatus::Deleted => Err(ApiError::business(
            codes::PRODUCT_STATUS_NOT_ALLOWED,
            "A deleted product cannot be edited.",
        )),
        ProductStatus::Freeze => Err(ApiError::business(
            codes::PRODUCT_STATUS_NOT_ALLOWED,
            "A frozen product cannot be edited.",
        )),
        ProductStatus::Draft
        | ProductStatus::Pending
        | ProductStatus::Failed
        | ProductStatus::Activate
        | ProductStatus::SellerDeactivated
        | ProductStatus::PlatformDeactivated => Ok(()),
    }
}
