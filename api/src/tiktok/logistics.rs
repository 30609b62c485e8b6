//! Logistics (`tiktok-api-areas.md`, logistics): warehouses and the carriers of a delivery option.

/// The shop's warehouses (`GET`).
pub const WAREHOUSES_PATH: &str = "/logistics/202309/warehouses";

/// The carriers a delivery option offers (`GET`).
pub fn shipping_providers_path(delivery_option_id: &str) -> String {
    format!("/logistics/202309/delivery_options/{delivery_option_id}/shipping_providers")
}
