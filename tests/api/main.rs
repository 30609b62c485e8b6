//! Black-box tests of the whole service: each test starts the real app on a free port with its own
//! fresh database (SQLite by default; PostgreSQL when TEST_DATABASE_URL is set) and talks HTTP to it.

mod helpers;
mod idempotency;
mod returns_env;
mod sandbox_env;
mod sync_env;
mod webhook_env;

mod affiliate_analytics;
mod aftersale_rules;
mod aftersales;
mod auth;
mod catalog;
mod cli;
mod connect;
mod errors;
mod fulfillment;
mod fulfillment_safety;
mod inventory;
mod live_sessions;
mod logistics;
mod openapi;
mod operations;
mod product_writes;
mod promotions;
mod reconcile;
mod retention;
mod returns;
mod secrets;
mod shops;
mod sku_mapping;
mod stock;
mod stock_books;
mod sync;
mod sync_recovery;
mod sync_views;
mod token_upkeep;
mod webhook_ingest;
mod webhooks;
