//! The analytics area: TikTok's figures for the shop by day, its products, videos and LIVEs, read by
//! the `analytics` sync for a rolling window and served from what is kept; and statistics of our own
//! orders (`orders`), which need no TikTok call and reconcile with TikTok's.

pub mod model;
pub mod orders;
pub mod store;
