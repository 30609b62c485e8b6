//! A promotion activity of a shop as TikTok last gave it (the promotions area).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "promotions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: String,
    /// TikTok's activity id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub title: String,
    /// FIXED_PRICE, DIRECT_DISCOUNT, FLASHSALE, SHIPPING_DISCOUNT, BUY_MORE_SAVE_MORE, …
    pub activity_type: String,
    /// PRODUCT, VARIATION or SHOP.
    pub product_level: String,
    /// As TikTok last said: NOT_START, ONGOING, EXPIRED, DEACTIVATED, NOT_EFFECTIVE, DRAFT.
    pub status: String,
    pub begin_time: DateTimeUtc,
    pub end_time: DateTimeUtc,
    /// The products and SKUs with their deals, as JSON (`promotions::model::Product`).
    pub products: String,
    /// False when TikTok no longer lists the products (an activity ended more than 180 days ago).
    pub products_known: bool,
    pub synced_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
