//! SeaORM entities, one file per table.

pub mod audit_log;
pub mod erp_stock;
pub mod idempotency_key;
pub mod inventory_setting;
pub mod oauth_state;
pub mod order_status_history;
pub mod quota_window;
pub mod shop;
pub mod sku_mapping;
pub mod sku_stock;
pub mod sku_stock_threshold;
pub mod stock_history;
pub mod sync_cursor;
pub mod sync_job;
pub mod tiktok_cancellation;
pub mod tiktok_category;
pub mod tiktok_category_tree;
pub mod tiktok_grant;
pub mod tiktok_order;
pub mod tiktok_order_line;
pub mod tiktok_order_package;
pub mod tiktok_product;
pub mod tiktok_return;
pub mod tiktok_sku;
pub mod tiktok_warehouse;
pub mod webhook_event;
