//! A read of a shop's logistics setup at TikTok (a warehouse's delivery options, a delivery
//! option's carriers), kept a few hours: they change seldom and screens ask for them often.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "logistics_cache")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: String,
    /// What was read: `delivery_options:{warehouse_id}` or `carriers:{delivery_option_id}`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// The read, as JSON.
    pub body: String,
    pub fetched_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
