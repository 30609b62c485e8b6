//! Logistics (`tiktok-api-areas.md`, logistics): warehouses and the carriers of a delivery option.

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
