//! Products (`tiktok-api.md`, products): the catalogue's paths. Every product call of the service
//! names its path here; the wire types of a product as TikTok sends it.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ApiResponse, NoData, ShopLine};

use super::wire::de_opt_text;

/// Search, 100 to a page (`POST`, paged with `page_token`).
pub const SEARCH_PATH: &str = "/product/202502/products/search";
/// Create (`POST`); delete is a `DELETE` on the same path with `product_ids`.
pub const PRODUCTS_PATH: &str = "/product/202309/products";
pub const ACTIVATE_PATH: &str = "/product/202309/products/activate";
pub const DEACTIVATE_PATH: &str = "/product/202309/products/deactivate";
/// The category tree (`GET`); a leaf's attributes and rules hang under it.
pub const CATEGORIES_PATH: &str = "/product/202309/categories";
pub const BRANDS_PATH: &str = "/product/202309/brands";

/// One product's detail (`GET`).
pub fn detail_path(product_id: &str) -> String {
    format!("/product/202309/products/{product_id}")
}

/// A full edit (`PUT`), which replaces what it is not sent.
pub fn edit_path(product_id: &str) -> String {
    format!("/product/202509/products/{product_id}")
}

/// A partial edit (`POST`), which keeps what it is not sent.
pub fn partial_edit_path(product_id: &str) -> String {
    format!("/product/202509/products/{product_id}/partial_edit")
}

pub fn prices_update_path(product_id: &str) -> String {
    format!("/product/202309/products/{product_id}/prices/update")
}

pub fn category_attributes_path(category_id: &str) -> String {
    format!("{CATEGORIES_PATH}/{category_id}/attributes")
}

pub fn category_rules_path(category_id: &str) -> String {
    format!("{CATEGORIES_PATH}/{category_id}/rules")
}

#[derive(Debug, Deserialize)]
pub struct SearchPage {
    #[serde(default)]
    pub products: Vec<Value>,
    #[serde(default)]
    pub next_page_token: Option<String>,
    #[serde(default)]
    pub total_count: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct WireProduct {
    pub id: String,
    #[serde(default)]
    pub title: String,
    pub status: String,
    pub create_time: i64,
    pub update_time: i64,
    #[serde(default)]
    pub skus: Vec<WireSku>,
    #[serde(default)]
    pub audit: Option<WireAudit>,
    /// Only in a product read one by one.
    #[serde(default)]
    pub audit_failed_reasons: Option<Vec<Value>>,
    /// Only in a product read one by one: root first, the leaf last.
    #[serde(default)]
    pub category_chains: Option<Vec<WireCategory>>,
}

#[derive(Debug, Deserialize)]
pub struct WireAudit {
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct WireCategory {
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub struct WireSku {
    pub id: String,
    #[serde(default)]
    pub seller_sku: String,
    pub price: WirePrice,
    #[serde(default)]
    pub inventory: Vec<WireStock>,
}

#[derive(Debug, Deserialize)]
pub struct WirePrice {
    pub currency: String,
    pub sale_price: String,
    #[serde(default)]
    pub tax_exclusive_price: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct WireStock {
    pub warehouse_id: String,
    pub quantity: i64,
}

/// The shop's category tree, flat: each category names its parent (`0` or none at the root).
#[derive(Debug, Deserialize)]
pub struct CategoryTree {
    #[serde(default)]
    pub categories: Vec<Category>,
}

#[derive(Debug, Deserialize)]
pub struct Category {
    #[serde(default, deserialize_with = "de_opt_text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "de_opt_text")]
    pub parent_id: Option<String>,
    #[serde(default)]
    pub local_name: String,
    #[serde(default)]
    pub is_leaf: bool,
    /// e.g. `AVAILABLE`, `INVITE_ONLY`, `NON_MAIN_CATEGORY`: kept as TikTok sends them.
    #[serde(default)]
    pub permission_statuses: Vec<Value>,
}

/// A page of the brands a shop may use.
#[derive(Debug, Deserialize)]
pub struct BrandPage {
    #[serde(default)]
    pub brands: Vec<Brand>,
    #[serde(default)]
    pub total_count: Option<u64>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Brand {
    #[serde(default, deserialize_with = "de_opt_text")]
    pub id: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub authorized_status: String,
    #[serde(default)]
    pub brand_status: String,
    #[serde(default)]
    pub is_t1_brand: bool,
}

/// What a create or an edit answers: the product's id, its SKUs (`id`, `seller_sku`, …) and
/// TikTok's warnings, the last two handed to the ERP as TikTok sends them.
#[derive(Debug, Deserialize)]
pub struct ProductWriteData {
    #[serde(default, deserialize_with = "de_opt_text")]
    pub product_id: Option<String>,
    #[serde(default)]
    pub skus: Vec<Value>,
    #[serde(default)]
    pub warnings: Vec<Value>,
}

/// What a status change of several products answers: the ones TikTok refused (the others are done).
#[derive(Debug, Deserialize)]
pub struct StatusChangeData {
    #[serde(default)]
    pub errors: Vec<ItemError>,
}

/// TikTok's refusal of one item of a call on several.
#[derive(Debug, Deserialize)]
pub struct ItemError {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub detail: Option<ItemErrorDetail>,
}

#[derive(Debug, Deserialize)]
pub struct ItemErrorDetail {
    #[serde(default, deserialize_with = "de_opt_text")]
    pub product_id: Option<String>,
}

/// A leaf category's attributes.
#[derive(Debug, Deserialize)]
pub struct CategoryAttributes {
    #[serde(default)]
    pub attributes: Vec<CategoryAttribute>,
}

#[derive(Debug, Deserialize)]
pub struct CategoryAttribute {
    #[serde(default, deserialize_with = "de_opt_text")]
    pub id: Option<String>,
    #[serde(default)]
    pub name: String,
    /// `PRODUCT_PROPERTY` or `SALES_PROPERTY`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// TikTok spells it `is_requried`; the correct spelling is accepted too.
    #[serde(default, alias = "is_required")]
    pub is_requried: bool,
    #[serde(default)]
    pub is_customizable: bool,
    #[serde(default)]
    pub is_multiple_selection: bool,
    #[serde(default)]
    pub values: Vec<CategoryAttributeValue>,
}

#[derive(Debug, Deserialize)]
pub struct CategoryAttributeValue {
    #[serde(default, deserialize_with = "de_opt_text")]
    pub id: Option<String>,
    #[serde(default)]
    pub name: String,
}

/// A leaf category's rules for a product listed in it.
#[derive(Debug, Deserialize)]
pub struct CategoryRules {
    #[serde(default)]
    pub package_dimension: Requirement,
    #[serde(default)]
    pub size_chart: Requirement,
    #[serde(default)]
    pub is_cod_allowed: bool,
    #[serde(default)]
    pub product_certifications: Vec<Certification>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Requirement {
    #[serde(default)]
    pub is_required: bool,
}

#[derive(Debug, Deserialize)]
pub struct Certification {
    #[serde(default, deserialize_with = "de_opt_text")]
    pub id: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub is_required: bool,
}

// The operations, one per TikTok call, over a shop's line.

/// The search's filters (TikTok ANDs those given).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchFilter {
    /// Products updated at or after this time (unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time_ge: Option<i64>,
    /// Products updated at or before this time (unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time_le: Option<i64>,
    /// One product status (`ACTIVATE`, `DRAFT`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// One page of the search (`query`: page size and token).
pub async fn search<L: ShopLine>(
    line: &mut L,
    query: Vec<(String, String)>,
    filter: &SearchFilter,
) -> Result<ApiResponse<SearchPage>, L::Error> {
    // Plain numbers and text: serializing cannot fail.
    let body = serde_json::to_value(filter).unwrap_or_default();
    line.call(Method::POST, SEARCH_PATH, query, Some(body))
        .await
}

/// One product's detail, as TikTok sends it (the reader decodes it on its own, so a product we
/// cannot express fails alone).
pub async fn detail<L: ShopLine>(
    line: &mut L,
    product_id: &str,
) -> Result<ApiResponse<Value>, L::Error> {
    line.call(Method::GET, &detail_path(product_id), vec![], None)
        .await
}

/// Creates a product (`body` carries TikTok's `idempotency_key`).
pub async fn create<L: ShopLine>(
    line: &mut L,
    body: Value,
) -> Result<ApiResponse<ProductWriteData>, L::Error> {
    line.call(Method::POST, PRODUCTS_PATH, vec![], Some(body))
        .await
}

/// Edits a product: `full` replaces what it is not sent, otherwise only what is sent changes.
pub async fn edit<L: ShopLine>(
    line: &mut L,
    product_id: &str,
    body: Value,
    full: bool,
) -> Result<ApiResponse<ProductWriteData>, L::Error> {
    let (method, path) = if full {
        (Method::PUT, edit_path(product_id))
    } else {
        (Method::POST, partial_edit_path(product_id))
    };
    line.call(method, &path, vec![], Some(body)).await
}

pub async fn update_prices<L: ShopLine>(
    line: &mut L,
    product_id: &str,
    body: Value,
) -> Result<ApiResponse<NoData>, L::Error> {
    line.call(
        Method::POST,
        &prices_update_path(product_id),
        vec![],
        Some(body),
    )
    .await
}

/// A status change TikTok takes for several products at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    Activate,
    Deactivate,
    Delete,
}

/// Activates, deactivates or deletes up to 20 products.
pub async fn change_status<L: ShopLine>(
    line: &mut L,
    change: StatusChange,
    product_ids: &[String],
) -> Result<ApiResponse<StatusChangeData>, L::Error> {
    let (method, path) = match change {
        StatusChange::Activate => (Method::POST, ACTIVATE_PATH),
        StatusChange::Deactivate => (Method::POST, DEACTIVATE_PATH),
        StatusChange::Delete => (Method::DELETE, PRODUCTS_PATH),
    };
    let body = serde_json::json!({"product_ids": product_ids});
    line.call(method, path, vec![], Some(body)).await
}

pub async fn category_tree<L: ShopLine>(
    line: &mut L,
) -> Result<ApiResponse<CategoryTree>, L::Error> {
    line.call(Method::GET, CATEGORIES_PATH, vec![], None).await
}

pub async fn category_attributes<L: ShopLine>(
    line: &mut L,
    category_id: &str,
) -> Result<ApiResponse<CategoryAttributes>, L::Error> {
    line.call(
        Method::GET,
        &category_attributes_path(category_id),
        vec![],
        None,
    )
    .await
}

pub async fn category_rules<L: ShopLine>(
    line: &mut L,
    category_id: &str,
) -> Result<ApiResponse<CategoryRules>, L::Error> {
    line.call(Method::GET, &category_rules_path(category_id), vec![], None)
        .await
}

/// A page of the brands the shop may use (`query`: category, name, page size and token).
pub async fn brands<L: ShopLine>(
    line: &mut L,
    query: Vec<(String, String)>,
) -> Result<ApiResponse<BrandPage>, L::Error> {
    line.call(Method::GET, BRANDS_PATH, query, None).await
}
