//! Logistics (`tiktok-api-areas.md`, logistics): warehouses, a warehouse's delivery options and the
//! carriers of a delivery option.

use reqwest::Method;
use serde::Deserialize;

use super::{ApiResponse, ShopLine};

use super::wire::de_opt_text;

/// The shop's warehouses (`GET`).
pub const WAREHOUSES_PATH: &str = "/logistics/202309/warehouses";

/// The carriers a delivery option offers (`GET`).
pub fn shipping_providers_path(delivery_option_id: &str) -> String {
    format!("/logistics/202309/delivery_options/{delivery_option_id}/shipping_providers")
}

/// The carriers of a delivery option.
#[derive(Debug, Deserialize)]
pub struct ShippingProviders {
    #[serde(default)]
    pub shipping_providers: Vec<ShippingProvider>,
}

/// One carrier; one without an id cannot be chosen and is skipped by the reader.
#[derive(Debug, Deserialize)]
pub struct ShippingProvider {
    #[serde(default, deserialize_with = "de_opt_text")]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

// The operations, one per TikTok call, over a shop's line.

/// The shop's warehouses, each as TikTok sends it (the reader decodes each on its own).
#[derive(Debug, Deserialize)]
pub struct WarehouseList {
    #[serde(default)]
    pub warehouses: Vec<serde_json::Value>,
}

pub async fn warehouses<L: ShopLine>(line: &mut L) -> Result<ApiResponse<WarehouseList>, L::Error> {
    line.call(Method::GET, WAREHOUSES_PATH, vec![], None).await
}

pub async fn shipping_providers<L: ShopLine>(
    line: &mut L,
    delivery_option_id: &str,
) -> Result<ApiResponse<ShippingProviders>, L::Error> {
    line.call(
        Method::GET,
        &shipping_providers_path(delivery_option_id),
        vec![],
        None,
    )
    .await
}

/// A warehouse's delivery options (`GET`).
pub fn delivery_options_path(warehouse_id: &str) -> String {
    format!("/logistics/202309/warehouses/{warehouse_id}/delivery_options")
}

/// A warehouse's delivery options.
#[derive(Debug, Deserialize)]
pub struct DeliveryOptions {
    #[serde(default)]
    pub delivery_options: Vec<DeliveryOption>,
}

/// One delivery option; one without an id cannot be chosen and is skipped by the reader.
#[derive(Debug, Deserialize)]
pub struct DeliveryOption {
    #[serde(default, deserialize_with = "de_opt_text")]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// STANDARD, EXPRESS, ECONOMY, SEND_BY_SELLER, …
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

pub async fn delivery_options<L: ShopLine>(
    line: &mut L,
    warehouse_id: &str,
) -> Result<ApiResponse<DeliveryOptions>, L::Error> {
    line.call(
        Method::GET,
        &delivery_options_path(warehouse_id),
        vec![],
        None,
    )
    .await
}
