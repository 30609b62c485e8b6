//! High-water marks: per shop and resource, the TikTok `update_time` up to which everything is saved.

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::{ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ConnectionTrait};

use entity::sync_cursor;

use super::Resource;

pub async fn get(
    db: &impl ConnectionTrait,
    shop_id: &str,
    resource: Resource,
) -> Result<Option<i64>, DbErr> {
    Ok(
        sync_cursor::Entity::find_by_id((shop_id.to_owned(), resource.as_str().to_owned()))
            .one(db)
            .await?
            .map(|c| c.high_water),
    )
}

/// Moves the mark forward (never back: a slower page of an older run cannot rewind it), in one
/// statement: the upsert's update only applies over a lower mark.
pub async fn advance(
    db: &impl ConnectionTrait,
    shop_id: &str,
    resource: Resource,
    high_water: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    sync_cursor::Entity::insert(sync_cursor::ActiveModel {
        shop_id: Set(shop_id.to_owned()),
        resource: Set(resource.as_str().to_owned()),
        high_water: Set(high_water),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([sync_cursor::Column::ShopId, sync_cursor::Column::Resource])
            .update_columns([
                sync_cursor::Column::HighWater,
                sync_cursor::Column::UpdatedAt,
            ])
            .action_and_where(
                Expr::col((sync_cursor::Entity, sync_cursor::Column::HighWater)).lt(high_water),
            )
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}
