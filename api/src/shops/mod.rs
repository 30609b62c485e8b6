//! Shops: the connection's domain. `model` holds the parsed values a shop is made of (region, features,
//! sync interval, status); `service` the configure step (create, read, edit, delete) over the database.

pub mod model;
pub mod service;

pub use model::{Feature, Features, Region, RegionInfo, ShopStatus, SyncInterval};
