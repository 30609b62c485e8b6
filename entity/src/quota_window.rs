//! Calls made in one clock-minute for one budget key (shop + API category, or app), shared by every
//! server process on the database, so the per-shop budget holds across them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "quota_windows")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Unix seconds of the minute's start.
    #[sea_orm(primary_key, auto_increment = false)]
    pub window_start: i64,
    pub used: i32,
    pub quota_limit: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
