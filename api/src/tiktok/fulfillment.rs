//! Fulfillment (`tiktok-api.md`, fulfillment): packages, shipping, documents and tracking; their
//! paths and the wire types of their answers.

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{ApiResponse, NoData, ShopLine};

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

// The operations, one per TikTok call, over a shop's line.

/// A package's detail, as TikTok sends it (the ERP's shipping options show it whole).
pub async fn package<L: ShopLine>(
    line: &mut L,
    package_id: &str,
) -> Result<ApiResponse<serde_json::Value>, L::Error> {
    line.call(Method::GET, &package_path(package_id), vec![], None)
        .await
}

/// Ships one package.
pub async fn ship_package<L: ShopLine>(
    line: &mut L,
    package_id: &str,
    ship: &Ship,
) -> Result<ApiResponse<NoData>, L::Error> {
    // Plain text and numbers: serializing cannot fail.
    let body = serde_json::to_value(ship).unwrap_or_default();
    line.call(
        Method::POST,
        &ship_package_path(package_id),
        vec![],
        Some(body),
    )
    .await
}

/// Ships up to 50 packages in one call (`packages`: each with its `id` and handover).
pub async fn ship_packages<L: ShopLine>(
    line: &mut L,
    packages: &[PackageShip],
) -> Result<ApiResponse<BatchShipData>, L::Error> {
    #[derive(Serialize)]
    struct Body<'a> {
        packages: &'a [PackageShip],
    }
    // Plain text and numbers: serializing cannot fail.
    let body = serde_json::to_value(Body { packages }).unwrap_or_default();
    line.call(Method::POST, BATCH_SHIP_PATH, vec![], Some(body))
        .await
}

/// How a package leaves: TikTok's carrier collects it (`PICKUP`, in an optional slot) or the seller
/// drops it (`DROP_OFF`), or, for a seller-shipped order, the seller's carrier and tracking number.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Ship {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handover_method: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pickup_slot: Option<PickupSlot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_shipment: Option<SelfShipment>,
}

/// A pickup window, unix seconds.
#[derive(Debug, Clone, Serialize)]
pub struct PickupSlot {
    pub start_time: i64,
    pub end_time: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SelfShipment {
    pub tracking_number: String,
    pub shipping_provider_id: String,
}

/// One package of a batch ship.
#[derive(Debug, Clone, Serialize)]
pub struct PackageShip {
    pub id: String,
    #[serde(flatten)]
    pub ship: Ship,
}

/// A package's shipping label in `size` (`A6` or `A5`).
pub async fn shipping_label<L: ShopLine>(
    line: &mut L,
    package_id: &str,
    size: &str,
) -> Result<ApiResponse<ShippingDocument>, L::Error> {
    let query = vec![
        ("document_type".to_owned(), "SHIPPING_LABEL".to_owned()),
        ("document_size".to_owned(), size.to_owned()),
    ];
    line.call(
        Method::GET,
        &shipping_documents_path(package_id),
        query,
        None,
    )
    .await
}

pub async fn tracking<L: ShopLine>(
    line: &mut L,
    order_id: &str,
) -> Result<ApiResponse<Tracking>, L::Error> {
    line.call(Method::GET, &tracking_path(order_id), vec![], None)
        .await
}

/// A seller-shipped order's new tracking number or provider.
pub async fn update_shipping_info<L: ShopLine>(
    line: &mut L,
    order_id: &str,
    tracking_number: &str,
    shipping_provider_id: &str,
) -> Result<ApiResponse<NoData>, L::Error> {
    let body = serde_json::json!({
        "tracking_number": tracking_number,
        "shipping_provider_id": shipping_provider_id,
    });
    line.call(
        Method::POST,
        &shipping_info_update_path(order_id),
        vec![],
        Some(body),
    )
    .await
}
