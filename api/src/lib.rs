//! The Ocean ERP × TikTok Shop service as a library: `main` and the black-box tests build it from here.

pub mod aftersales;
pub mod app;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod deps;
pub mod error;
pub mod fulfillment;
pub mod heartbeat;

pub mod ids;
pub mod inventory;
pub mod keys;
pub mod live;
pub mod logistics;
pub mod openapi;
pub mod pagination;
pub mod promotions;
pub mod retention;
pub mod routes;
pub mod server_limits;
pub mod shops;
pub mod sku_mapping;
pub mod state;
pub mod stock;
pub mod sync;
pub mod tcp_nodelay;
pub mod telemetry;
pub mod tiktok;
pub mod vault;
pub mod webhooks;
pub mod workers;
