//! A TikTok order as last synced, keyed by our shop and TikTok's order id. Amounts are TikTok's
//! decimal strings in `currency`; `recipient` is the address JSON (empty while TikTok hides it).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub status: String,
    pub create_time: DateTimeUtc,
    pub update_time: DateTimeUtc,
    pub paid_time: Option<DateTimeUtc>,
    pub user_id: String,
    pub buyer_email: Option<String>,
    pub buyer_message: Option<String>,
    pub shipping_type: Option<String>,
    pub shipping_provider: Option<String>,
    pub tracking_number: Option<String>,
    pub warehouse_id: Option<String>,
    pub is_cod: bool,
    pub cancel_reason: Option<String>,
    pub currency: String,
    pub sub_total: String,
    pub shipping_fee: String,
    pub seller_discount: String,
    pub platform_discount: String,
    pub tax: String,
    pub total_amount: String,
    pub recipient: String,
    pub synced_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
