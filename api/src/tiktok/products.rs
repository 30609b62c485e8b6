//! Products (`tiktok-api.md`, products): the catalogue's paths. Every product call of the service
//! names its path here; the wire types of a product as TikTok sends it.

use serde::Deserialize;
use serde_json::Value;

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
