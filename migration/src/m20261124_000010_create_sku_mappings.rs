//! ERP SKU codes mapped by hand to TikTok SKU ids (without one, a code maps to the SKU whose
//! `seller_sku` it equals).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SkuMappings::Table)
                    .if_not_exists()
                    .col(string(SkuMappings::ShopId))
                    .col(string(SkuMappings::ErpSku))
                    .col(string(SkuMappings::TiktokSkuId))
                    .col(string(SkuMappings::UpdatedBy))
                    .col(timestamp_with_time_zone(SkuMappings::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(SkuMappings::ShopId)
                            .col(SkuMappings::ErpSku),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_sku_mappings_shop_tiktok_sku")
                    .table(SkuMappings::Table)
                    .col(SkuMappings::ShopId)
                    .col(SkuMappings::TiktokSkuId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SkuMappings::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SkuMappings {
    Table,
    ShopId,
    ErpSku,
    TiktokSkuId,
    UpdatedBy,
    UpdatedAt,
}
