//! Returns and cancellations (TikTok's after-sales requests) as last synced, keyed by our shop and
//! TikTok's id. Refunds are TikTok's decimal strings with their currency (absent when TikTok gives
//! none); the line items are a small JSON list, read only with their parent.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TiktokReturns::Table)
                    .if_not_exists()
                    .col(string(TiktokReturns::ShopId))
                    .col(string(TiktokReturns::Id))
                    .col(string(TiktokReturns::OrderId))
                    .col(string(TiktokReturns::ReturnType))
                    .col(string(TiktokReturns::Status))
                    .col(string_null(TiktokReturns::Role))
                    .col(string_null(TiktokReturns::Reason))
                    .col(text_null(TiktokReturns::ReasonText))
                    .col(string_null(TiktokReturns::Currency))
                    .col(string_null(TiktokReturns::RefundTotal))
                    .col(string_null(TiktokReturns::RefundSubtotal))
                    .col(string_null(TiktokReturns::RefundShippingFee))
                    .col(string_null(TiktokReturns::RefundTax))
                    .col(text(TiktokReturns::LineItems))
                    .col(timestamp_with_time_zone(TiktokReturns::CreateTime))
                    .col(timestamp_with_time_zone(TiktokReturns::UpdateTime))
                    .col(timestamp_with_time_zone(TiktokReturns::SyncedAt))
                    .primary_key(
                        Index::create()
                            .col(TiktokReturns::ShopId)
                            .col(TiktokReturns::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_tiktok_returns_create", TiktokReturns::CreateTime),
            ("idx_tiktok_returns_update", TiktokReturns::UpdateTime),
            ("idx_tiktok_returns_order", TiktokReturns::OrderId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(TiktokReturns::Table)
                        .col(TiktokReturns::ShopId)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(TiktokCancellations::Table)
                    .if_not_exists()
                    .col(string(TiktokCancellations::ShopId))
                    .col(string(TiktokCancellations::Id))
                    .col(string(TiktokCancellations::OrderId))
                    .col(string(TiktokCancellations::CancelType))
                    .col(string(TiktokCancellations::Status))
                    .col(string_null(TiktokCancellations::Role))
                    .col(string_null(TiktokCancellations::Reason))
                    .col(text_null(TiktokCancellations::ReasonText))
                    .col(string_null(TiktokCancellations::Currency))
                    .col(string_null(TiktokCancellations::RefundTotal))
                    .col(string_null(TiktokCancellations::RefundSubtotal))
                    .col(string_null(TiktokCancellations::RefundShippingFee))
                    .col(string_null(TiktokCancellations::RefundTax))
                    .col(text(TiktokCancellations::LineItems))
                    .col(timestamp_with_time_zone(TiktokCancellations::CreateTime))
                    .col(timestamp_with_time_zone(TiktokCancellations::UpdateTime))
                    .col(timestamp_with_time_zone(TiktokCancellations::SyncedAt))
                    .primary_key(
                        Index::create()
                            .col(TiktokCancellations::ShopId)
                            .col(TiktokCancellations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            (
                "idx_tiktok_cancellations_create",
                TiktokCancellations::CreateTime,
            ),
            (
                "idx_tiktok_cancellations_update",
                TiktokCancellations::UpdateTime,
            ),
            (
                "idx_tiktok_cancellations_order",
                TiktokCancellations::OrderId,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(TiktokCancellations::Table)
                        .col(TiktokCancellations::ShopId)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TiktokCancellations::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(TiktokReturns::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TiktokReturns {
    Table,
    ShopId,
    Id,
    OrderId,
    ReturnType,
    Status,
    Role,
    Reason,
    ReasonText,
    Currency,
    RefundTotal,
    RefundSubtotal,
    RefundShippingFee,
    RefundTax,
    LineItems,
    CreateTime,
    UpdateTime,
    SyncedAt,
}

#[derive(DeriveIden)]
enum TiktokCancellations {
    Table,
    ShopId,
    Id,
    OrderId,
    CancelType,
    Status,
    Role,
    Reason,
    ReasonText,
    Currency,
    RefundTotal,
    RefundSubtotal,
    RefundShippingFee,
    RefundTax,
    LineItems,
    CreateTime,
    UpdateTime,
    SyncedAt,
}
