//! Events (`tiktok-api.md`, webhooks): the app's webhook subscriptions for a shop.

/// List (`GET`) and set (`PUT`) the shop's webhook URL per event type.
use reqwest::Method;
use serde::Deserialize;

use super::{ApiResponse, NoData, ShopLine};

pub const WEBHOOKS_PATH: &str = "/event/202309/webhooks";

/// One of the app's subscriptions for the shop.
#[derive(Debug, Deserialize)]
pub struct Webhook {
    pub event_type: String,
    pub address: String,
}

#[derive(Debug, Deserialize)]
pub struct WebhookList {
    #[serde(default)]
    pub webhooks: Vec<Webhook>,
}

// The operations, one per TikTok call, over a shop's line.

pub async fn webhooks<L: ShopLine>(line: &mut L) -> Result<ApiResponse<WebhookList>, L::Error> {
    line.call(Method::GET, WEBHOOKS_PATH, vec![], None).await
}

/// Subscribes `address` to `event_type` for the shop.
pub async fn set_webhook<L: ShopLine>(
    line: &mut L,
    event_type: &str,
    address: &str,
) -> Result<ApiResponse<NoData>, L::Error> {
    let body = serde_json::json!({"event_type": event_type, "address": address});
    line.call(Method::PUT, WEBHOOKS_PATH, vec![], Some(body))
        .await
}
