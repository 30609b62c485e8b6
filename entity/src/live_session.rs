//! A live-shopping session planned in the ERP and carried out through TikTok promotion activities
//! (TikTok's Open API cannot create or run a LIVE).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "live_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub shop_id: String,
    pub title: String,
    /// A creator's handle (`@name`) or `shop`.
    pub host: String,
    pub scheduled_start: DateTimeUtc,
    pub duration_minutes: i32,
    /// The line-up, JSON (`live::model::Line`).
    pub lines: String,
    /// The activities made for it, JSON (`live::model::Made`), in the order they were made.
    pub activity_ids: String,
    /// When all its activities were made (the session is then scheduled).
    pub applied_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
