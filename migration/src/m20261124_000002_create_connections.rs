//! The connection: OAuth states, TikTok authorizations (grants) with their sealed tokens, the shop's
//! link to its grant and cipher, and the shared per-minute API budget.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OauthStates::Table)
                    .if_not_exists()
                    .col(string(OauthStates::StateHash).primary_key())
                    .col(string(OauthStates::TenantId))
                    .col(string(OauthStates::ShopId))
                    .col(string(OauthStates::UserSub))
                    .col(timestamp_with_time_zone(OauthStates::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OauthStates::UsedAt))
                    .col(timestamp_with_time_zone(OauthStates::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TiktokGrants::Table)
                    .if_not_exists()
                    .col(string(TiktokGrants::Id).primary_key())
                    .col(string(TiktokGrants::TenantId))
                    .col(string(TiktokGrants::AppKey))
                    .col(string(TiktokGrants::OpenId))
                    .col(string(TiktokGrants::SellerName))
                    .col(string(TiktokGrants::SellerBaseRegion))
                    .col(big_integer(TiktokGrants::UserType))
                    .col(text(TiktokGrants::GrantedScopes))
                    .col(text_null(TiktokGrants::AccessTokenSealed))
                    .col(timestamp_with_time_zone_null(
                        TiktokGrants::AccessTokenIssuedAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        TiktokGrants::AccessTokenExpiresAt,
                    ))
                    .col(text_null(TiktokGrants::RefreshTokenSealed))
                    .col(timestamp_with_time_zone_null(
                        TiktokGrants::RefreshTokenExpiresAt,
                    ))
                    .col(big_integer(TiktokGrants::TokenVersion).default(0))
                    .col(string_null(TiktokGrants::RefreshLeaseOwner))
                    .col(timestamp_with_time_zone_null(
                        TiktokGrants::RefreshLeaseUntil,
                    ))
                    .col(timestamp_with_time_zone_null(TiktokGrants::LastRefreshAt))
                    .col(string(TiktokGrants::Status))
                    .col(text_null(TiktokGrants::Warning))
                    .col(timestamp_with_time_zone(TiktokGrants::CreatedAt))
                    .col(timestamp_with_time_zone(TiktokGrants::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for def in [
            string_null(Shops::GrantId),
            string_null(Shops::ShopCipher),
            string_null(Shops::TiktokShopName),
            string_null(Shops::SellerType),
            timestamp_with_time_zone_null(Shops::ConnectedAt),
            text_null(Shops::StatusReason),
        ] {
            // One ALTER per column: SQLite takes a single change per statement.
            manager
                .alter_table(
                    Table::alter()
                        .table(Shops::Table)
                        .add_column(def)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_shops_grant")
                    .table(Shops::Table)
                    .col(Shops::GrantId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(QuotaWindows::Table)
                    .if_not_exists()
                    .col(string(QuotaWindows::Key))
                    .col(big_integer(QuotaWindows::WindowStart))
                    .col(integer(QuotaWindows::Used))
                    .col(integer(QuotaWindows::QuotaLimit))
                    .primary_key(
                        Index::create()
                            .col(QuotaWindows::Key)
                            .col(QuotaWindows::WindowStart),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(QuotaWindows::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_shops_grant")
                    .table(Shops::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Shops::GrantId,
            Shops::ShopCipher,
            Shops::TiktokShopName,
            Shops::SellerType,
            Shops::ConnectedAt,
            Shops::StatusReason,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Shops::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(TiktokGrants::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(OauthStates::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum OauthStates {
    Table,
    StateHash,
    TenantId,
    ShopId,
    UserSub,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TiktokGrants {
    Table,
    Id,
    TenantId,
    AppKey,
    OpenId,
    SellerName,
    SellerBaseRegion,
    UserType,
    GrantedScopes,
    AccessTokenSealed,
    AccessTokenIssuedAt,
    AccessTokenExpiresAt,
    RefreshTokenSealed,
    RefreshTokenExpiresAt,
    TokenVersion,
    RefreshLeaseOwner,
    RefreshLeaseUntil,
    LastRefreshAt,
    Status,
    Warning,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Shops {
    Table,
    GrantId,
    ShopCipher,
    TiktokShopName,
    SellerType,
    ConnectedAt,
    StatusReason,
}

#[derive(DeriveIden)]
enum QuotaWindows {
    Table,
    Key,
    WindowStart,
    Used,
    QuotaLimit,
}
