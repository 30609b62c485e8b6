//! Database migrations, one per change. A landed migration is never edited: add a new one.

pub use sea_orm_migration::MigrationStatus;
pub use sea_orm_migration::prelude::*;

mod m20261124_000001_create_shops;
mod m20261124_000002_create_connections;
mod m20261124_000003_create_sync;
mod m20261124_000004_create_webhook_events;
mod m20261124_000005_create_returns;
mod m20261124_000006_create_stock_thresholds;
mod m20261124_000007_create_erp_writes;
mod m20261124_000009_create_catalog;
mod m20261124_000010_create_sku_mappings;
mod m20261124_000011_add_webhook_claims;
mod m20261207_000012_money_paths;
mod m20261207_000013_aftersales;
mod m20261207_000014_promotions;
mod m20261207_000015_affiliate_analytics;
mod m20261207_000016_order_reads;
mod m20261208_000017_order_counts;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_shops::Migration),
            Box::new(m20261124_000002_create_connections::Migration),
            Box::new(m20261124_000003_create_sync::Migration),
            Box::new(m20261124_000004_create_webhook_events::Migration),
            Box::new(m20261124_000005_create_returns::Migration),
            Box::new(m20261124_000006_create_stock_thresholds::Migration),
            Box::new(m20261124_000007_create_erp_writes::Migration),
            Box::new(m20261124_000009_create_catalog::Migration),
            Box::new(m20261124_000010_create_sku_mappings::Migration),
            Box::new(m20261124_000011_add_webhook_claims::Migration),
            Box::new(m20261207_000012_money_paths::Migration),
            Box::new(m20261207_000013_aftersales::Migration),
            Box::new(m20261207_000014_promotions::Migration),
            Box::new(m20261207_000015_affiliate_analytics::Migration),
            Box::new(m20261207_000016_order_reads::Migration),
            Box::new(m20261208_000017_order_counts::Migration),
        ]
    }
}
