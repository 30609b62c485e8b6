//! Webhook events are claimed by the batch: each claim writes its token on the rows it took, so a
//! processor finishes only the events it still holds.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(WebhookEvents::Table)
                    .add_column(string_null(WebhookEvents::ClaimToken))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(WebhookEvents::Table)
                    .drop_column(WebhookEvents::ClaimToken)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    ClaimToken,
}
