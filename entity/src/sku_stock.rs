//! A SKU's stock in one warehouse, as TikTok last reported it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sku_stock")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub sku_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub warehouse_id: String,
    /// TikTok's available quantity: what buyers can still order.
    pub quantity: i64,
    /// TikTok's committed quantity: units held by placed orders not yet shipped (`None` until an
    /// inventory search or a stock push has read it).
    pub committed: Option<i64>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
