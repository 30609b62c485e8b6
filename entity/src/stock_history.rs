//! Every change of a SKU's stock in a warehouse: before (None when first seen), after, source
//! (sync · webhook · erp) and when.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_history")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub shop_id: String,
    pub sku_id: String,
    pub warehouse_id: String,
    pub before: Option<i64>,
    pub after: i64,
    pub source: String,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
