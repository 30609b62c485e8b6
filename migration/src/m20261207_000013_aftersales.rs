//! What a return or cancellation awaits from the seller and by when (TikTok's
//! `seller_next_action_response`), a return's shipment back (its tracking number and carrier), when
//! its units went back on the shelf (once), whether a shop restocks returned units, and the shop's
//! automatic decision rules with what they made of each request, and the shops' logistics setup as
//! last read from TikTok.

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
        manager
            .create_table(
                Table::create()
                    .table(AftersaleRules::Table)
                    .col(string(AftersaleRules::Id).primary_key())
                    .col(string(AftersaleRules::ShopId))
                    .col(string(AftersaleRules::Name))
                    .col(integer(AftersaleRules::Priority))
                    .col(boolean(AftersaleRules::DryRun))
                    .col(text(AftersaleRules::Definition))
                    .col(timestamp_with_time_zone(AftersaleRules::CreatedAt))
                    .col(timestamp_with_time_zone(AftersaleRules::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_aftersale_rules_shop")
                    .table(AftersaleRules::Table)
                    .col(AftersaleRules::ShopId)
                    .col(AftersaleRules::Priority)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AftersaleRuleRuns::Table)
                    .col(string(AftersaleRuleRuns::Id).primary_key())
                    .col(string(AftersaleRuleRuns::ShopId))
                    .col(string(AftersaleRuleRuns::RequestKind))
                    .col(string(AftersaleRuleRuns::RequestId))
                    .col(string(AftersaleRuleRuns::PendingAction))
                    .col(string_null(AftersaleRuleRuns::RuleId))
                    .col(string(AftersaleRuleRuns::Action))
                    .col(boolean(AftersaleRuleRuns::DryRun))
                    .col(string(AftersaleRuleRuns::Outcome))
                    .col(text_null(AftersaleRuleRuns::Detail))
                    .col(timestamp_with_time_zone(AftersaleRuleRuns::At))
                    .to_owned(),
            )
            .await?;
        // One run per request and pending decision: the claim of whichever report comes first.
        manager
            .create_index(
                Index::create()
                    .name("idx_aftersale_rule_runs_once")
                    .table(AftersaleRuleRuns::Table)
                    .col(AftersaleRuleRuns::ShopId)
                    .col(AftersaleRuleRuns::RequestKind)
                    .col(AftersaleRuleRuns::RequestId)
                    .col(AftersaleRuleRuns::PendingAction)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_aftersale_rule_runs_at")
                    .table(AftersaleRuleRuns::Table)
                    .col(AftersaleRuleRuns::ShopId)
                    .col(AftersaleRuleRuns::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LogisticsCache::Table)
                    .col(string(LogisticsCache::ShopId))
                    .col(string(LogisticsCache::Key))
                    .col(text(LogisticsCache::Body))
                    .col(timestamp_with_time_zone(LogisticsCache::FetchedAt))
                    .primary_key(
                        Index::create()
                            .col(LogisticsCache::ShopId)
                            .col(LogisticsCache::Key),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LogisticsCache::Table.into_iden(),
            AftersaleRuleRuns::Table.into_iden(),
            AftersaleRules::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
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

#[derive(DeriveIden)]
enum AftersaleRules {
    Table,
    Id,
    ShopId,
    Name,
    Priority,
    DryRun,
    Definition,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AftersaleRuleRuns {
    Table,
    Id,
    ShopId,
    RequestKind,
    RequestId,
    PendingAction,
    RuleId,
    Action,
    DryRun,
    Outcome,
    Detail,
    At,
}

#[derive(DeriveIden)]
enum LogisticsCache {
    Table,
    ShopId,
    Key,
    Body,
    FetchedAt,
}
