//! A shop voucher (TikTok's coupon) as last read; coupons are made in Seller Center, not through
//! the API, so the ERP only reads them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coupons")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub title: String,
    /// NOT_START, ONGOING, EXPIRED, DEACTIVATED.
    pub status: String,
    /// REGULAR, LIVE, CREATOR_EXCLUSIVE, CHAT, PROMO_CODE.
    pub display_type: String,
    /// The coupon as the API answers it, JSON (`promotions::coupons::Coupon`).
    pub body: String,
    /// TikTok's `update_time`.
    pub updated_at: DateTimeUtc,
    pub synced_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
