//! One unit of an order (TikTok has no quantity: two shirts are two lines).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_order_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub order_id: String,
    pub sku_id: String,
    pub product_id: String,
    pub product_name: String,
    pub sku_name: String,
    pub seller_sku: String,
    pub sale_price: String,
    pub original_price: String,
    pub currency: String,
    pub display_status: String,
    pub package_id: Option<String>,
    pub package_status: Option<String>,
    pub tracking_number: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
