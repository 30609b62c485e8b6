//! A shop's inventory settings: the low-stock threshold its SKUs use unless they have their own, and the
//! safety buffer held back from what TikTok is told it can sell.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inventory_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: String,
    pub low_stock_threshold: i64,
    pub safety_buffer: i64,
    /// `on_receipt` (returned units go back on the ERP's count when TikTok confirms the package
    /// received) or `never`.
    pub restock_returns: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
