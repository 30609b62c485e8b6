//! The order list filtered by status reads its page from an index in the list's order (newest
//! created first), and the count per status (the ERP's tabs) reads the same index only.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_tiktok_orders_status_create")
                    .table(TiktokOrders::Table)
                    .col(TiktokOrders::ShopId)
                    .col(TiktokOrders::Status)
                    .col(TiktokOrders::CreateTime)
                    .col(TiktokOrders::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_tiktok_orders_status_create")
                    .table(TiktokOrders::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum TiktokOrders {
    Table,
    ShopId,
    Status,
    CreateTime,
    Id,
}
