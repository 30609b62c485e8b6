//! Our subscriptions in TikTok's event API: `GET/PUT /event/202309/webhooks`. On connect, and when an
//! admin asks, our URL is subscribed for the events of the shop's enabled areas (and the connection's
//! own events, always).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::EventType;
use crate::error::Result;
use crate::shops::Features;
use crate::shops::session::ShopSession;
use crate::state::AppState;

/// One of TikTok's subscriptions for the shop.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"event_type": "ORDER_STATUS_CHANGE", "address": "https://ocean.example.com/api/webhooks/tiktok"}))]
pub struct Subscription {
    pub event_type: String,
    pub address: String,
}

/// Where TikTok should deliver: `OCEAN_PUBLIC_URL` + `/api/webhooks/tiktok`.
pub fn our_address(state: &AppState) -> String {
    format!(
        "{}/api/webhooks/tiktok",
        state.settings.public_url.as_str().trim_end_matches('/')
    )
}

/// The events a shop should receive: its enabled areas' and the connection's own.
pub fn wanted(features: &Features) -> Vec<EventType> {
    EventType::ALL
        .into_iter()
        .filter(|t| t.feature().is_none_or(|f| features.is_enabled(f)))
        .collect()
}

pub async fn list(state: &AppState, session: &mut ShopSession) -> Result<Vec<Subscription>> {
    let listed = crate::tiktok::events::webhooks(&mut session.line(state)).await?;
    Ok(listed
        .data
        .webhooks
        .into_iter()
        .map(|w| Subscription {
            event_type: w.event_type,
            address: w.address,
        })
        .collect())
}

/// Registers our webhooks for newly connected shops without holding up the seller's browser; a
/// failure is logged, and `POST …/webhooks/register` retries it.
pub fn register_in_background(state: std::sync::Arc<AppState>, shop_ids: Vec<String>) {
    use sea_orm::EntityTrait;
    tokio::spawn(async move {
        for id in shop_ids {
            let shop = match entity::shop::Entity::find_by_id(id.clone())
                .one(&state.db)
                .await
            {
                Ok(Some(shop)) => shop,
                Ok(None) => continue,
                Err(e) => {
                    tracing::warn!(shop = %id, error = %e, "webhook registration: shop not readable");
                    continue;
                }
            };
            let outcome = match ShopSession::open(&state, shop).await {
                Ok(mut session) => register(&state, &mut session).await.map(|_| ()),
                Err(e) => Err(e),
            };
            if let Err(e) = outcome {
                tracing::warn!(shop = %id, error = %e, "webhook registration failed; retry with POST …/webhooks/register");
            }
        }
    });
}

/// Subscribes our address for every wanted event; returns TikTok's list afterwards.
#[tracing::instrument(skip_all, fields(shop = %session.shop.id))]
pub async fn register(state: &AppState, session: &mut ShopSession) -> Result<Vec<Subscription>> {
    let address = our_address(state);
    for event in wanted(&Features::from_json(&session.shop.features)) {
        crate::tiktok::events::set_webhook(&mut session.line(state), event.name(), &address)
            .await?;
    }
    tracing::info!(%address, "webhooks registered");
    list(state, session).await
}
