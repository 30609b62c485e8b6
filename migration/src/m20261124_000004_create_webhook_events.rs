//! TikTok's webhook deliveries, stored before they are answered: deduplicated per shop by
//! `tts_notification_id` (or a hash of the body), processed asynchronously with retries.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookEvents::Table)
                    .if_not_exists()
                    .col(string(WebhookEvents::Id).primary_key())
                    .col(string(WebhookEvents::TenantId))
                    .col(string(WebhookEvents::ShopId))
                    .col(string(WebhookEvents::NotificationId))
                    .col(integer(WebhookEvents::EventType))
                    .col(string(WebhookEvents::EventName))
                    .col(big_integer(WebhookEvents::EventTime))
                    .col(text(WebhookEvents::Payload))
                    .col(string(WebhookEvents::State))
                    .col(integer(WebhookEvents::Attempts).default(0))
                    .col(text_null(WebhookEvents::LastError))
                    .col(timestamp_with_time_zone(WebhookEvents::NextAttemptAt))
                    .col(timestamp_with_time_zone(WebhookEvents::ReceivedAt))
                    .col(timestamp_with_time_zone_null(WebhookEvents::ProcessedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_webhook_events_shop_notification")
                    .table(WebhookEvents::Table)
                    .col(WebhookEvents::ShopId)
                    .col(WebhookEvents::NotificationId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_events_due")
                    .table(WebhookEvents::Table)
                    .col(WebhookEvents::State)
                    .col(WebhookEvents::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebhookEvents::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Id,
    TenantId,
    ShopId,
    NotificationId,
    EventType,
    EventName,
    EventTime,
    Payload,
    State,
    Attempts,
    LastError,
    NextAttemptAt,
    ReceivedAt,
    ProcessedAt,
}
