//! Products (`tiktok-api.md`, products): the catalogue's paths. Every product call of the service
//! names its path here.

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
