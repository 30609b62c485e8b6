//! The affiliate area's orders (one row per order and SKU, with the creator and the commission), the
//! analytics TikTok reported for a shop (kept, so the ERP reads them fast and while TikTok is
//! unreachable), and the videos the ERP links to products.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AffiliateOrders::Table)
                    .col(string(AffiliateOrders::ShopId))
                    .col(string(AffiliateOrders::OrderId))
                    .col(string(AffiliateOrders::SkuId))
                    .col(string(AffiliateOrders::ProductId))
                    .col(string(AffiliateOrders::Creator))
                    .col(string(AffiliateOrders::ContentType))
                    .col(big_integer(AffiliateOrders::Quantity))
                    .col(string(AffiliateOrders::Price))
                    .col(string(AffiliateOrders::Currency))
                    .col(big_integer(AffiliateOrders::CommissionRate))
                    .col(string(AffiliateOrders::Commission))
                    .col(string(AffiliateOrders::SettlementStatus))
                    .col(timestamp_with_time_zone(AffiliateOrders::CreatedAt))
                    .col(timestamp_with_time_zone(AffiliateOrders::SyncedAt))
                    .primary_key(
                        Index::create()
                            .col(AffiliateOrders::ShopId)
                            .col(AffiliateOrders::OrderId)
                            .col(AffiliateOrders::SkuId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_affiliate_orders_shop_created")
                    .table(AffiliateOrders::Table)
                    .col(AffiliateOrders::ShopId)
                    .col(AffiliateOrders::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AnalyticsRecords::Table)
                    .col(string(AnalyticsRecords::ShopId))
                    .col(string(AnalyticsRecords::Kind))
                    .col(string(AnalyticsRecords::Key))
                    .col(text(AnalyticsRecords::Body))
                    .col(date(AnalyticsRecords::WindowFrom))
                    .col(date(AnalyticsRecords::WindowTo))
                    .col(timestamp_with_time_zone(AnalyticsRecords::FetchedAt))
                    .primary_key(
                        Index::create()
                            .col(AnalyticsRecords::ShopId)
                            .col(AnalyticsRecords::Kind)
                            .col(AnalyticsRecords::Key),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(VideoLinks::Table)
                    .col(string(VideoLinks::ShopId))
                    .col(string(VideoLinks::VideoId))
                    .col(text(VideoLinks::ProductIds))
                    .col(text(VideoLinks::ShowTimes))
                    .col(string(VideoLinks::CreatedBy))
                    .col(timestamp_with_time_zone(VideoLinks::CreatedAt))
                    .col(timestamp_with_time_zone(VideoLinks::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(VideoLinks::ShopId)
                            .col(VideoLinks::VideoId),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            VideoLinks::Table.into_iden(),
            AnalyticsRecords::Table.into_iden(),
            AffiliateOrders::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum AffiliateOrders {
    Table,
    ShopId,
    OrderId,
    SkuId,
    ProductId,
    Creator,
    ContentType,
    Quantity,
    Price,
    Currency,
    CommissionRate,
    Commission,
    SettlementStatus,
    CreatedAt,
    SyncedAt,
}

#[derive(DeriveIden)]
enum AnalyticsRecords {
    Table,
    ShopId,
    Kind,
    Key,
    Body,
    WindowFrom,
    WindowTo,
    FetchedAt,
}

#[derive(DeriveIden)]
enum VideoLinks {
    Table,
    ShopId,
    VideoId,
    ProductIds,
    ShowTimes,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}
