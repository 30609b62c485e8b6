//! Logistics (`tiktok-api-areas.md`, logistics): warehouses and the carriers of a delivery option.

use serde::Deserialize;

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
