//! Shops: the connection's domain. `model` holds the parsed values a shop is made of (region, features,
//! sync interval, status); `service` the configure step (create, read, edit, delete) over the database;
//! `connect` the OAuth authorization; `tokens` token upkeep (refresh, the refresher); `session` a shop's
//! calls to TikTok; `status` what the ERP shows of a connection; `quota` the shared API budget.

pub mod connect;
pub mod credentials;
pub mod model;
pub mod quota;
pub mod service;
pub mod session;
pub mod status;
pub mod tokens;

pub use model::{Feature, Features, Region, RegionInfo, ShopStatus, SyncInterval};
