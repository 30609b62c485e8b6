//! Our subscriptions in TikTok's event API: `GET/PUT /event/202309/webhooks`. On connect, and when an
//! admin asks, our URL is subscribed for the events of the shop's enabled areas (and the connection's
//! own events, always).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::EventType;
use crate::error::Result;
use crate::shops::Features;
use crate::shops::session::ShopSession;
use url::Url;

use crate::deps::TikTokAccess;

/// One of TikTok's subscriptions for the shop.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"event_type": "ORDER_STATUS_CHANGE", "address": "https://ocean.example.com/api/webhooks/tiktok"}))]
pub struct Subscription {
    pub event_type: String,
    pub address: String,
}

/// Where TikTok should deliver: `OCEAN_PUBLIC_URL` + `/api/webhooks/tiktok`.
pub fn our_address(public_url: &Url) -> String {
    format!(
        "{}/api/webhooks/tiktok",
        public_url.as_str().trim_end_matches('/')
    )
}

/// The events a shop should receive: its enabled areas' and the connection's own (those TikTok's
/// subscription call takes; promotion events are set in Partner Center).
pub fn wanted(features: &Features) -> Vec<EventType> {
    EventType::ALL
        .into_iter()
        .filter(|t| t.subscribable())
        .filter(|t| t.feature().is_none_or(|f| features.is_enabled(f)))
        .collect()
}

pub async fn list(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
) -> Result<Vec<Subscription>> {
    let listed = crate::tiktok::events::webhooks(&mut session.line(access)).await?;
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

/// Subscribes our address for every wanted event of one of our shops (a newly connected one),
/// when it is still there.
pub async fn register_shop(
    access: TikTokAccess<'_>,
    public_url: &Url,
    shop_id: &str,
) -> Result<()> {
    use sea_orm::EntityTrait;
    let Some(shop) = entity::shop::Entity::find_by_id(shop_id.to_owned())
        .one(access.db)
        .await?
    else {
        return Ok(());
    };
    let mut session = ShopSession::open(access, shop).await?;
    register(access, public_url, &mut session).await?;
    Ok(())
}

/// Subscribes our address for every wanted event; returns TikTok's list afterwards.
#[tracing::instrument(skip_all, fields(shop = %session.shop.id))]
pub async fn register(
    access: TikTokAccess<'_>,
    public_url: &Url,
    session: &mut ShopSession,
) -> Result<Vec<Subscription>> {
    let address = our_address(public_url);
    for event in wanted(&Features::from_json(&session.shop.features)) {
        crate::tiktok::events::set_webhook(&mut session.line(access), event.name(), &address)
            .await?;
    }
    tracing::info!(%address, "webhooks registered");
    list(access, session).await
}
