//! The money paths: TikTok's committed stock beside its available (`sku_stock.committed`), the drift
//! the inventory sync finds and corrects, a lease per pushed SKU (TikTok's update names all its warehouses) shared by every server process,
//! leases on in-flight idempotency keys, a refresh whose answer was lost, a keyed fingerprint of the
//! app secret in place of its last four characters, one owner per TikTok shop, and sync jobs that
//! count the failures of their work apart from their runs (a process dying under a job is no failure).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        refuse_duplicate_owners(manager).await?;
        // SQLite alters one column per statement.
        let add = |table: DynIden, column: ColumnDef| {
            Table::alter().table(table).add_column(column).to_owned()
        };
        for alter in [
            add(
                SkuStock::Table.into_iden(),
                big_integer_null(SkuStock::Committed),
            ),
            add(
                IdempotencyKeys::Table.into_iden(),
                timestamp_with_time_zone_null(IdempotencyKeys::LeaseUntil),
            ),
            add(
                TiktokGrants::Table.into_iden(),
                timestamp_with_time_zone_null(TiktokGrants::RefreshUnknownAt),
            ),
            add(
                Shops::Table.into_iden(),
                string_null(Shops::AppSecretFingerprint),
            ),
            add(
                SyncJobs::Table.into_iden(),
                integer(SyncJobs::Failures).default(0).to_owned(),
            ),
        ] {
            manager.alter_table(alter).await?;
        }
        // No part of a secret stays in the clear.
        manager
            .alter_table(
                Table::alter()
                    .table(Shops::Table)
                    .drop_column(Shops::AppSecretLast4)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(InventoryDrift::Table)
                    .if_not_exists()
                    .col(string(InventoryDrift::Id).primary_key())
                    .col(string(InventoryDrift::ShopId))
                    .col(string(InventoryDrift::SkuId))
                    .col(string(InventoryDrift::WarehouseId))
                    .col(big_integer(InventoryDrift::OnHand))
                    .col(big_integer(InventoryDrift::Committed))
                    .col(big_integer(InventoryDrift::SafetyBuffer))
                    .col(big_integer(InventoryDrift::Expected))
                    .col(big_integer(InventoryDrift::TiktokAvailable))
                    .col(timestamp_with_time_zone(InventoryDrift::DetectedAt))
                    .col(timestamp_with_time_zone_null(InventoryDrift::CorrectedAt))
                    .col(text_null(InventoryDrift::Error))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_inventory_drift_shop_detected")
                    .table(InventoryDrift::Table)
                    .col(InventoryDrift::ShopId)
                    .col(InventoryDrift::DetectedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StockPushLeases::Table)
                    .if_not_exists()
                    .col(string(StockPushLeases::ShopId))
                    .col(string(StockPushLeases::SkuId))
                    .col(string(StockPushLeases::Holder))
                    .col(timestamp_with_time_zone(StockPushLeases::LeaseUntil))
                    .primary_key(
                        Index::create()
                            .col(StockPushLeases::ShopId)
                            .col(StockPushLeases::SkuId),
                    )
                    .to_owned(),
            )
            .await?;

        // Retention sweeps read these by age.
        for (name, table, column) in [
            (
                "idx_webhook_events_received_at",
                WebhookEvents::Table.into_iden(),
                WebhookEvents::ReceivedAt.into_iden(),
            ),
            (
                "idx_stock_history_at",
                StockHistory::Table.into_iden(),
                StockHistory::At.into_iden(),
            ),
            (
                "idx_idempotency_keys_created_at",
                IdempotencyKeys::Table.into_iden(),
                IdempotencyKeys::CreatedAt.into_iden(),
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .if_not_exists()
                        .name(name)
                        .table(table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        // Partial unique indexes: the same text on SQLite and PostgreSQL (sea-query has no builder
        // for an index's WHERE). A tenant configures a TikTok shop once; one live shop row at a time
        // holds an authorization for it, whatever the tenant.
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_shops_tenant_tiktok_shop ON shops (tenant_id, shop_id) \
             WHERE deleted_at IS NULL AND shop_id IS NOT NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_shops_connected_tiktok_shop ON shops (shop_id) \
             WHERE deleted_at IS NULL AND shop_id IS NOT NULL AND grant_id IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS uq_shops_connected_tiktok_shop")
            .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS uq_shops_tenant_tiktok_shop")
            .await?;
        for (name, table) in [
            (
                "idx_idempotency_keys_created_at",
                IdempotencyKeys::Table.into_iden(),
            ),
            ("idx_stock_history_at", StockHistory::Table.into_iden()),
            (
                "idx_webhook_events_received_at",
                WebhookEvents::Table.into_iden(),
            ),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table(StockPushLeases::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(InventoryDrift::Table).to_owned())
            .await?;
        let drop = |table: DynIden, column: DynIden| {
            Table::alter().table(table).drop_column(column).to_owned()
        };
        for alter in [
            drop(SyncJobs::Table.into_iden(), SyncJobs::Failures.into_iden()),
            add_back_last4(),
            drop(
                Shops::Table.into_iden(),
                Shops::AppSecretFingerprint.into_iden(),
            ),
            drop(
                TiktokGrants::Table.into_iden(),
                TiktokGrants::RefreshUnknownAt.into_iden(),
            ),
            drop(
                IdempotencyKeys::Table.into_iden(),
                IdempotencyKeys::LeaseUntil.into_iden(),
            ),
            drop(SkuStock::Table.into_iden(), SkuStock::Committed.into_iden()),
        ] {
            manager.alter_table(alter).await?;
        }
        Ok(())
    }
}

fn add_back_last4() -> TableAlterStatement {
    Table::alter()
        .table(Shops::Table)
        .add_column(string_null(Shops::AppSecretLast4))
        .to_owned()
}

/// The unique indexes cannot be made while two live rows claim one TikTok shop: say which, so an
/// admin can delete or disconnect one of them first, instead of failing on the index.
async fn refuse_duplicate_owners(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    for (what, sql) in [
        (
            "configured twice in one tenant",
            "SELECT shop_id FROM shops WHERE deleted_at IS NULL AND shop_id IS NOT NULL \
             GROUP BY tenant_id, shop_id HAVING COUNT(*) > 1",
        ),
        (
            "connected by more than one shop row",
            "SELECT shop_id FROM shops WHERE deleted_at IS NULL AND shop_id IS NOT NULL \
             AND grant_id IS NOT NULL GROUP BY shop_id HAVING COUNT(*) > 1",
        ),
    ] {
        let rows = db
            .query_all_raw(sea_orm::Statement::from_string(backend, sql))
            .await?;
        if !rows.is_empty() {
            let ids: Vec<String> = rows
                .iter()
                .filter_map(|r| r.try_get::<String>("", "shop_id").ok())
                .collect();
            return Err(DbErr::Migration(format!(
                "TikTok shop(s) {} are {what}; delete or disconnect the extra shop rows, then migrate again",
                ids.join(", ")
            )));
        }
    }
    Ok(())
}

#[derive(DeriveIden)]
enum SyncJobs {
    Table,
    Failures,
}

#[derive(DeriveIden)]
enum SkuStock {
    Table,
    Committed,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    LeaseUntil,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TiktokGrants {
    Table,
    RefreshUnknownAt,
}

#[derive(DeriveIden)]
enum Shops {
    Table,
    AppSecretFingerprint,
    AppSecretLast4,
}

#[derive(DeriveIden)]
enum InventoryDrift {
    Table,
    Id,
    ShopId,
    SkuId,
    WarehouseId,
    OnHand,
    Committed,
    SafetyBuffer,
    Expected,
    TiktokAvailable,
    DetectedAt,
    CorrectedAt,
    Error,
}

#[derive(DeriveIden)]
enum StockPushLeases {
    Table,
    ShopId,
    SkuId,
    Holder,
    LeaseUntil,
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum StockHistory {
    Table,
    At,
}
