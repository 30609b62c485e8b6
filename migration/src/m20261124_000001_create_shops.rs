use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Shops::Table)
                    .if_not_exists()
                    .col(string(Shops::Id).primary_key())
                    .col(string(Shops::TenantId))
                    .col(string(Shops::Name))
                    .col(string(Shops::AppKey))
                    .col(text_null(Shops::AppSecretSealed))
                    .col(string_null(Shops::AppSecretLast4))
                    .col(string_null(Shops::ServiceId))
                    .col(string_null(Shops::ShopId))
                    .col(string(Shops::Region))
                    .col(string(Shops::Status))
                    .col(text(Shops::Features))
                    .col(integer_null(Shops::SyncIntervalMinutes))
                    .col(timestamp_with_time_zone(Shops::CreatedAt))
                    .col(timestamp_with_time_zone(Shops::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Shops::DeletedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_shops_tenant")
                    .table(Shops::Table)
                    .col(Shops::TenantId)
                    .col(Shops::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Shops::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Shops {
    Table,
    Id,
    TenantId,
    Name,
    AppKey,
    AppSecretSealed,
    AppSecretLast4,
    ServiceId,
    ShopId,
    Region,
    Status,
    Features,
    SyncIntervalMinutes,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}
