//! The outbound TikTok Shop client, shaped as a connector: a transport that limits, signs, retries
//! and decodes TikTok's envelope once ([`client`]), request signing ([`sign`]), error
//! classification ([`error`]), rate limits ([`limits`]), and one module per API area with its paths,
//! wire types and conversions ([`authorization`], [`products`], [`orders`], [`inventory`],
//! [`fulfillment`], [`logistics`], [`returns`], [`events`]). No TikTok path is written outside
//! this directory (`.ci/check-connector` fails the build otherwise).
//! It speaks the real Open API (shared `tiktok-api.md`) and knows nothing of our database or actix.

pub mod affiliate;
pub mod analytics;
pub mod authorization;
pub mod category;
pub mod client;
pub mod error;
pub mod events;
pub mod fulfillment;
pub mod inventory;
pub mod limits;
pub mod line;
pub mod logistics;
pub mod orders;
pub mod products;
pub mod promotions;
pub mod returns;
pub mod sign;
pub mod wire;

#[cfg(test)]
mod tests;

pub use authorization::{AuthorizedShop, TokenGrant, expiry_from};
pub use category::ApiCategory;
pub use client::{
    ApiRequest, ApiResponse, AppCredentials, ClientOptions, RetryPolicy, TikTokClient,
};
pub use error::{ErrorKind, TikTokError};
pub use limits::{QuotaGate, QuotaKey, QuotaUse, RateLimits};
pub use line::ShopLine;

/// The `data` of an answer that carries nothing we read (a write TikTok confirms with `{}`).
pub type NoData = serde::de::IgnoredAny;
