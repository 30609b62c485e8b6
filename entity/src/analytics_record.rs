//! A figure set TikTok's analytics reported for a shop, as we keep it: a day of the shop's
//! performance, or a product's, a video's or a LIVE's over the synced window.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "analytics_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: String,
    /// `shop_day`, `product`, `video` or `live`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    /// The day (`2026-12-01`) of a `shop_day`; the product's, video's or LIVE's id otherwise.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// The figures, JSON (`analytics::model`).
    pub body: String,
    /// The days the figures cover, `[from, to)`.
    pub window_from: Date,
    pub window_to: Date,
    pub fetched_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
