//! The ERP's writes: its own stock counts per SKU and warehouse (what TikTok is told is derived from
//! them), the shop's safety buffer, the stored answers of `Idempotency-Key` requests, and the audit log.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(InventorySettings::Table)
                    .add_column(big_integer(InventorySettings::SafetyBuffer).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ErpStock::Table)
                    .if_not_exists()
                    .col(string(ErpStock::ShopId))
                    .col(string(ErpStock::SkuId))
                    .col(string(ErpStock::WarehouseId))
                    .col(big_integer(ErpStock::OnHand))
                    .col(big_integer(ErpStock::Version).default(0))
                    .col(big_integer_null(ErpStock::PushedQuantity))
                    .col(big_integer(ErpStock::PushedVersion).default(0))
                    .col(timestamp_with_time_zone_null(ErpStock::PushedAt))
                    .col(string_null(ErpStock::PushError))
                    .col(timestamp_with_time_zone(ErpStock::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(ErpStock::ShopId)
                            .col(ErpStock::SkuId)
                            .col(ErpStock::WarehouseId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .if_not_exists()
                    .col(string(IdempotencyKeys::TenantId))
                    .col(string(IdempotencyKeys::Key))
                    .col(string(IdempotencyKeys::Method))
                    .col(string(IdempotencyKeys::Path))
                    .col(string(IdempotencyKeys::BodyHash))
                    .col(integer_null(IdempotencyKeys::Status))
                    .col(text_null(IdempotencyKeys::Response))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::TenantId)
                            .col(IdempotencyKeys::Key),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .if_not_exists()
                    .col(string(AuditLog::Id).primary_key())
                    .col(string(AuditLog::TenantId))
                    .col(string(AuditLog::ShopId))
                    .col(string(AuditLog::Actor))
                    .col(string(AuditLog::Role))
                    .col(string(AuditLog::Action))
                    .col(string(AuditLog::Target))
                    .col(text(AuditLog::Request))
                    .col(string(AuditLog::Outcome))
                    .col(string_null(AuditLog::TiktokRequestId))
                    .col(text_null(AuditLog::Error))
                    .col(string_null(AuditLog::RequestId))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_shop_at")
                    .table(AuditLog::Table)
                    .col(AuditLog::ShopId)
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            IdempotencyKeys::Table.into_iden(),
            ErpStock::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(InventorySettings::Table)
                    .drop_column(InventorySettings::SafetyBuffer)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum InventorySettings {
    Table,
    SafetyBuffer,
}

#[derive(DeriveIden)]
enum ErpStock {
    Table,
    ShopId,
    SkuId,
    WarehouseId,
    OnHand,
    Version,
    PushedQuantity,
    PushedVersion,
    PushedAt,
    PushError,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    TenantId,
    Key,
    Method,
    Path,
    BodyHash,
    Status,
    Response,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    TenantId,
    ShopId,
    Actor,
    Role,
    Action,
    Target,
    Request,
    Outcome,
    TiktokRequestId,
    Error,
    RequestId,
    At,
}
