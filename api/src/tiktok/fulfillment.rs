//! Fulfillment (`tiktok-api.md`, fulfillment): packages, shipping, documents and tracking.

/// Ship several packages at once (`POST`, 50 at most).
pub const BATCH_SHIP_PATH: &str = "/fulfillment/202309/packages/ship";

/// A package's detail (`GET`).
pub fn package_path(package_id: &str) -> String {
    format!("/fulfillment/202309/packages/{package_id}")
}

/// Ship one package (`POST`).
pub fn ship_package_path(package_id: &str) -> String {
    format!("/fulfillment/202309/packages/{package_id}/ship")
}

/// A package's label and packing slip (`GET`).
pub fn shipping_documents_path(package_id: &str) -> String {
    format!("/fulfillment/202309/packages/{package_id}/shipping_documents")
}

/// Change the carrier or tracking number of a seller-shipped order (`POST`).
pub fn shipping_info_update_path(order_id: &str) -> String {
    format!("/fulfillment/202309/orders/{order_id}/shipping_info/update")
}

/// An order's tracking events (`GET`).
pub fn tracking_path(order_id: &str) -> String {
    format!("/fulfillment/202309/orders/{order_id}/tracking")
}
