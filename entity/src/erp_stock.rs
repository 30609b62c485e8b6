//! The ERP's own count of a SKU in a warehouse. TikTok is told `on_hand − reserved − safety buffer`;
//! `version` counts changes, and `pushed_version` says which of them TikTok has seen.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "erp_stock")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub sku_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub warehouse_id: String,
    pub on_hand: i64,
    pub version: i64,
    pub pushed_quantity: Option<i64>,
    pub pushed_version: i64,
    pub pushed_at: Option<DateTimeUtc>,
    pub push_error: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
