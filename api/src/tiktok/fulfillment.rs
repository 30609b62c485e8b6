//! Fulfillment (`tiktok-api.md`, fulfillment): packages, shipping, documents and tracking; their
//! paths and the wire types of their answers.

use serde::Deserialize;

use super::wire::de_opt_text;

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

/// A package's shipping document: where to download it (a short-lived URL).
#[derive(Debug, Deserialize)]
pub struct ShippingDocument {
    #[serde(default)]
    pub doc_url: Option<String>,
}

/// An order's tracking events, in TikTok's order.
#[derive(Debug, Deserialize)]
pub struct Tracking {
    #[serde(default)]
    pub tracking: Vec<TrackingEvent>,
}

/// One carrier event; an event without both fields is of no use and is skipped by the reader.
#[derive(Debug, Deserialize)]
pub struct TrackingEvent {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub update_time_millis: Option<i64>,
}

/// What a batch ship answers: the packages TikTok refused (the others shipped).
#[derive(Debug, Deserialize)]
pub struct BatchShipData {
    #[serde(default)]
    pub errors: Vec<BatchShipError>,
}

#[derive(Debug, Deserialize)]
pub struct BatchShipError {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub detail: Option<BatchShipErrorDetail>,
}

#[derive(Debug, Deserialize)]
pub struct BatchShipErrorDetail {
    #[serde(default, deserialize_with = "de_opt_text")]
    pub package_id: Option<String>,
}
