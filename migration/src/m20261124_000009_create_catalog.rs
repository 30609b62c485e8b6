//! The catalogue cache and product audit: each shop's TikTok category tree (with each category's
//! attributes and rules, fetched when first needed) and when it was fetched, and on products the audit
//! status, the reasons of a failed audit and the leaf category.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TiktokCategoryTrees::Table)
                    .if_not_exists()
                    .col(string(TiktokCategoryTrees::ShopId).primary_key())
                    .col(integer(TiktokCategoryTrees::Count))
                    .col(timestamp_with_time_zone(TiktokCategoryTrees::FetchedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TiktokCategories::Table)
                    .if_not_exists()
                    .col(string(TiktokCategories::ShopId))
                    .col(string(TiktokCategories::Id))
                    .col(string(TiktokCategories::ParentId))
                    .col(string(TiktokCategories::LocalName))
                    .col(boolean(TiktokCategories::IsLeaf))
                    .col(text(TiktokCategories::PermissionStatuses))
                    .col(text_null(TiktokCategories::Attributes))
                    .col(text_null(TiktokCategories::Rules))
                    .col(timestamp_with_time_zone_null(
                        TiktokCategories::DetailsFetchedAt,
                    ))
                    .primary_key(
                        Index::create()
                            .col(TiktokCategories::ShopId)
                            .col(TiktokCategories::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tiktok_categories_parent")
                    .table(TiktokCategories::Table)
                    .col(TiktokCategories::ShopId)
                    .col(TiktokCategories::ParentId)
                    .to_owned(),
            )
            .await?;
        // One column per statement: SQLite adds one at a time.
        for column in [
            string_null(TiktokProducts::AuditStatus),
            text_null(TiktokProducts::AuditFailedReasons),
            string_null(TiktokProducts::CategoryId),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(TiktokProducts::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            TiktokProducts::AuditStatus,
            TiktokProducts::AuditFailedReasons,
            TiktokProducts::CategoryId,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(TiktokProducts::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            TiktokCategories::Table.into_iden(),
            TiktokCategoryTrees::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum TiktokCategoryTrees {
    Table,
    ShopId,
    Count,
    FetchedAt,
}

#[derive(DeriveIden)]
enum TiktokCategories {
    Table,
    ShopId,
    Id,
    ParentId,
    LocalName,
    IsLeaf,
    PermissionStatuses,
    Attributes,
    Rules,
    DetailsFetchedAt,
}

#[derive(DeriveIden)]
enum TiktokProducts {
    Table,
    AuditStatus,
    AuditFailedReasons,
    CategoryId,
}
