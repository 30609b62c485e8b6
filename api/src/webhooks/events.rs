//! The shop's stored webhook events as the ERP reads them: newest first, by type and state.

use sea_orm::prelude::*;

use entity::webhook_event;

use super::EventType;
use crate::pagination::{Cursor, Direction, keyset_page};

/// The states an event goes through (`received` until processed, skipped, unhandled or dead).
pub const STATES: [&str; 5] = ["received", "processed", "skipped", "unhandled", "dead"];

/// What the ERP may filter the events by.
#[derive(Debug, Default)]
pub struct Filter<'a> {
    pub kind: Option<EventType>,
    /// One of [`STATES`].
    pub state: Option<&'a str>,
}

/// One page of the shop's events, newest received first, and the cursor of the next page.
pub async fn page(
    db: &DatabaseConnection,
    shop_id: &str,
    filter: Filter<'_>,
    limit: u64,
    after: Option<Cursor>,
) -> Result<(Vec<webhook_event::Model>, Option<Cursor>), DbErr> {
    let mut query = webhook_event::Entity::find().filter(webhook_event::Column::ShopId.eq(shop_id));
    if let Some(kind) = filter.kind {
        query = query.filter(webhook_event::Column::EventType.eq(kind.code()));
    }
    if let Some(state) = filter.state {
        query = query.filter(webhook_event::Column::State.eq(state));
    }
    keyset_page(
        db,
        query,
        (webhook_event::Column::ReceivedAt, webhook_event::Column::Id),
        Direction::NewestFirst,
        limit,
        after,
        |r| Cursor {
            at: r.received_at,
            id: r.id.clone(),
        },
    )
    .await
}
