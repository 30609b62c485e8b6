//! Promotions (activities with the products they cover) and coupons.

use super::Id;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromotionProduct {
    pub product_id: Id,
    /// Activity price (minor units) for FIXED_PRICE / FLASHSALE, or `None`.
    pub activity_price: Option<i64>,
    /// Percent off for DIRECT_DISCOUNT, or `None`.
    pub discount_percent: Option<u32>,
    pub quantity_limit: i64,
    pub quantity_per_user: i64,
    /// SKU ids the activity is restricted to (empty = all).
    pub sku_ids: Vec<Id>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Promotion {
    pub id: Id,
    pub shop_id: Id,
    pub title: String,
    /// "FIXED_PRICE" / "DIRECT_DISCOUNT" / "FLASHSALE".
    pub activity_type: String,
    /// "PRODUCT" / "VARIATION".
    pub product_level: String,
    /// "DRAFT" / "NOT_START" / "ONGOING" / "EXPIRED" / "DEACTIVATED" / "NOT_EFFECTIVE".
    pub status: String,
    pub begin_time: i64,
    pub end_time: i64,
    pub products: Vec<PromotionProduct>,
    pub create_time: i64,
    pub update_time: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coupon {
    pub id: Id,
    pub shop_id: Id,
    pub title: String,
    /// "FIXED_AMOUNT_OFF" / "PERCENTAGE_OFF".
    pub discount_type: String,
    pub amount_off: Option<i64>,
    pub percent_off: Option<u32>,
    pub threshold: i64,
    /// "NOT_START" / "ONGOING" / "EXPIRED" / "DEACTIVATED".
    pub status: String,
    pub start_time: i64,
    pub end_time: i64,
    pub claimed: i64,
    pub total: i64,
    pub create_time: i64,
    pub update_time: i64,
}
