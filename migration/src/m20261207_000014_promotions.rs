//! The promotions area (TikTok's activities with their products, and the shop's coupons, as last
//! read) and the live sessions the ERP plans and carries out through activities.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Promotions::Table)
                    .col(string(Promotions::ShopId))
                    .col(string(Promotions::Id))
                    .col(string(Promotions::Title))
                    .col(string(Promotions::ActivityType))
                    .col(string(Promotions::ProductLevel))
                    .col(string(Promotions::Status))
                    .col(timestamp_with_time_zone(Promotions::BeginTime))
                    .col(timestamp_with_time_zone(Promotions::EndTime))
                    .col(text(Promotions::Products))
                    .col(boolean(Promotions::ProductsKnown))
                    .col(timestamp_with_time_zone(Promotions::SyncedAt))
                    .primary_key(Index::create().col(Promotions::ShopId).col(Promotions::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_promotions_shop_begin")
                    .table(Promotions::Table)
                    .col(Promotions::ShopId)
                    .col(Promotions::BeginTime)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Coupons::Table)
                    .col(string(Coupons::ShopId))
                    .col(string(Coupons::Id))
                    .col(string(Coupons::Title))
                    .col(string(Coupons::Status))
                    .col(string(Coupons::DisplayType))
                    .col(text(Coupons::Body))
                    .col(timestamp_with_time_zone(Coupons::UpdatedAt))
                    .col(timestamp_with_time_zone(Coupons::SyncedAt))
                    .primary_key(Index::create().col(Coupons::ShopId).col(Coupons::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LiveSessions::Table)
                    .col(string(LiveSessions::Id).primary_key())
                    .col(string(LiveSessions::ShopId))
                    .col(string(LiveSessions::Title))
                    .col(string(LiveSessions::Host))
                    .col(timestamp_with_time_zone(LiveSessions::ScheduledStart))
                    .col(integer(LiveSessions::DurationMinutes))
                    .col(text(LiveSessions::Lines))
                    .col(text(LiveSessions::ActivityIds))
                    .col(timestamp_with_time_zone_null(LiveSessions::AppliedAt))
                    .col(timestamp_with_time_zone_null(LiveSessions::CancelledAt))
                    .col(string(LiveSessions::CreatedBy))
                    .col(timestamp_with_time_zone(LiveSessions::CreatedAt))
                    .col(timestamp_with_time_zone(LiveSessions::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_live_sessions_shop_start")
                    .table(LiveSessions::Table)
                    .col(LiveSessions::ShopId)
                    .col(LiveSessions::ScheduledStart)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LiveSessions::Table.into_iden(),
            Coupons::Table.into_iden(),
            Promotions::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Promotions {
    Table,
    ShopId,
    Id,
    Title,
    ActivityType,
    ProductLevel,
    Status,
    BeginTime,
    EndTime,
    Products,
    ProductsKnown,
    SyncedAt,
}

#[derive(DeriveIden)]
enum Coupons {
    Table,
    ShopId,
    Id,
    Title,
    Status,
    DisplayType,
    Body,
    UpdatedAt,
    SyncedAt,
}

#[derive(DeriveIden)]
enum LiveSessions {
    Table,
    Id,
    ShopId,
    Title,
    Host,
    ScheduledStart,
    DurationMinutes,
    Lines,
    ActivityIds,
    AppliedAt,
    CancelledAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}
