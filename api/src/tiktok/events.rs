//! Events (`tiktok-api.md`, webhooks): the app's webhook subscriptions for a shop.

/// List (`GET`) and set (`PUT`) the shop's webhook URL per event type.
pub const WEBHOOKS_PATH: &str = "/event/202309/webhooks";
