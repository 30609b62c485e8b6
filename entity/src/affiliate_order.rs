//! One SKU of an affiliate order as TikTok last reported it: the creator who sold it, the units, the
//! price and the commission (the affiliate area).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "affiliate_orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub sku_id: String,
    pub product_id: String,
    /// The creator's username (empty for a partner campaign).
    pub creator: String,
    /// SHOP, VIDEO, LIVE, PRE_LIVE, PROMOTION_PAGE, LINKSHARE.
    pub content_type: String,
    pub quantity: i64,
    /// The SKU's unit price, a decimal string.
    pub price: String,
    pub currency: String,
    /// Hundredths of a percent.
    pub commission_rate: i64,
    /// The commission paid or to be paid (actual when TikTok has it, else estimated), a decimal string.
    pub commission: String,
    /// As TikTok spells it: Unknown, AWAITING PAYMENT, To-SETTLE, SETTLED, INELIGIBLE.
    pub settlement_status: String,
    /// The order's creation.
    pub created_at: DateTimeUtc,
    pub synced_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
