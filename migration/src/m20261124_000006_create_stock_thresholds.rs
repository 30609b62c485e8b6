//! Low-stock thresholds: one per shop (its default) and overrides per SKU; and the indexes the order
//! list's SKU and buyer filters read.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InventorySettings::Table)
                    .if_not_exists()
                    .col(string(InventorySettings::ShopId).primary_key())
                    .col(big_integer(InventorySettings::LowStockThreshold))
                    .col(timestamp_with_time_zone(InventorySettings::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SkuStockThresholds::Table)
                    .if_not_exists()
                    .col(string(SkuStockThresholds::ShopId))
                    .col(string(SkuStockThresholds::SkuId))
                    .col(big_integer(SkuStockThresholds::LowStockThreshold))
                    .col(timestamp_with_time_zone(SkuStockThresholds::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(SkuStockThresholds::ShopId)
                            .col(SkuStockThresholds::SkuId),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, table, cols) in [
            (
                "idx_tiktok_order_lines_shop_sku",
                TiktokOrderLines::Table.into_iden(),
                vec![TiktokOrderLines::ShopId, TiktokOrderLines::SkuId],
            ),
            (
                "idx_tiktok_order_lines_shop_seller_sku",
                TiktokOrderLines::Table.into_iden(),
                vec![TiktokOrderLines::ShopId, TiktokOrderLines::SellerSku],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(table);
            for c in cols {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_tiktok_orders_shop_user")
                    .table(TiktokOrders::Table)
                    .col(TiktokOrders::ShopId)
                    .col(TiktokOrders::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            (
                "idx_tiktok_orders_shop_user",
                TiktokOrders::Table.into_iden(),
            ),
            (
                "idx_tiktok_order_lines_shop_seller_sku",
                TiktokOrderLines::Table.into_iden(),
            ),
            (
                "idx_tiktok_order_lines_shop_sku",
                TiktokOrderLines::Table.into_iden(),
            ),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table(SkuStockThresholds::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(InventorySettings::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum InventorySettings {
    Table,
    ShopId,
    LowStockThreshold,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SkuStockThresholds {
    Table,
    ShopId,
    SkuId,
    LowStockThreshold,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TiktokOrderLines {
    Table,
    ShopId,
    SkuId,
    SellerSku,
}

#[derive(DeriveIden)]
enum TiktokOrders {
    Table,
    ShopId,
    UserId,
}
