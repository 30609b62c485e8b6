//! SeaORM entities, one file per table.

pub mod oauth_state;
pub mod quota_window;
pub mod shop;
pub mod tiktok_grant;
