//! What a return or cancellation awaits from the seller and by when (TikTok's
//! `seller_next_action_response`), a return's shipment back (its tracking number and carrier), when
//! its units went back on the shelf (once), and whether a shop restocks returned units.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in [
            string_null(TiktokReturns::NextAction),
            timestamp_with_time_zone_null(TiktokReturns::DecideBy),
            string_null(TiktokReturns::ReturnTrackingNumber),
            string_null(TiktokReturns::ReturnProviderName),
            timestamp_with_time_zone_null(TiktokReturns::RestockedAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(TiktokReturns::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            string_null(TiktokCancellations::NextAction),
            timestamp_with_time_zone_null(TiktokCancellations::DecideBy),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(TiktokCancellations::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(InventorySettings::Table)
                    .add_column(string(InventorySettings::RestockReturns).default("on_receipt"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            TiktokReturns::NextAction,
            TiktokReturns::DecideBy,
            TiktokReturns::ReturnTrackingNumber,
            TiktokReturns::ReturnProviderName,
            TiktokReturns::RestockedAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(TiktokReturns::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            TiktokCancellations::NextAction,
            TiktokCancellations::DecideBy,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(TiktokCancellations::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum TiktokReturns {
    Table,
    NextAction,
    DecideBy,
    ReturnTrackingNumber,
    ReturnProviderName,
    RestockedAt,
}

#[derive(DeriveIden)]
enum TiktokCancellations {
    Table,
    NextAction,
    DecideBy,
}

#[derive(DeriveIden)]
enum InventorySettings {
    Table,
    RestockReturns,
}
