//! The shapes of the promotions area: what the ERP sends to make or change an activity, and an
//! activity as we keep and answer it (its deals per product and SKU).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalog::input::PriceIn;

/// The activity types the ERP makes (TikTok lists others; they are synced and shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActivityType {
    /// A deal price per product or SKU.
    FixedPrice,
    /// A percentage off per product or SKU.
    DirectDiscount,
    /// A deal price for a short window (at most 3 days).
    #[serde(rename = "FLASHSALE")]
    FlashSale,
}

impl ActivityType {
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityType::FixedPrice => "FIXED_PRICE",
            ActivityType::DirectDiscount => "DIRECT_DISCOUNT",
            ActivityType::FlashSale => "FLASHSALE",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::FixedPrice, Self::DirectDiscount, Self::FlashSale]
            .into_iter()
            .find(|t| t.as_str() == raw)
    }

    /// The longest title TikTok takes for the type.
    pub fn max_title(self) -> usize {
        if self == ActivityType::FlashSale {
            50
        } else {
            100
        }
    }

    /// Whether the deals are percentages (else prices).
    pub fn is_percent(self) -> bool {
        self == ActivityType::DirectDiscount
    }
}

/// Which types cannot hold the same SKU over overlapping times (see the sandbox's README: a product
/// discount and a flash sale may overlap, the flash price winning while both run; two of one group
/// may not).
pub fn conflict_group(activity_type: &str) -> Option<u8> {
    match activity_type {
        "FIXED_PRICE" | "DIRECT_DISCOUNT" => Some(1),
        "FLASHSALE" => Some(2),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProductLevel {
    /// The deal covers every SKU of each product.
    Product,
    /// The deal is set per SKU.
    Variation,
}

impl ProductLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductLevel::Product => "PRODUCT",
            ProductLevel::Variation => "VARIATION",
        }
    }
}

/// TikTok's shortest activity.
pub const MIN_DURATION: Duration = Duration::seconds(600);
/// TikTok's longest flash sale.
pub const MAX_FLASH_SALE: Duration = Duration::days(3);
/// TikTok's bounds on a deal's unit limits (−1 is unlimited).
pub const MAX_UNITS: i64 = 99;
/// The most products (and SKUs) one products call carries.
pub const MAX_PRODUCTS: usize = 300;

/// A new activity with its products.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Weekend flash", "activity_type": "FLASHSALE", "product_level": "VARIATION", "begin_time": "2026-12-12T10:00:00Z", "end_time": "2026-12-12T12:00:00Z", "products": [{"product_id": "1729592969712207000", "skus": [{"id": "1729592969712207100", "deal_price": {"amount": "9.99", "currency": "USD"}, "quantity_limit": 50, "quantity_per_user": 2}]}]}))]
pub struct PromotionIn {
    /// Unique among the shop's activities; at most 50 characters for a flash sale, 100 otherwise.
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    pub activity_type: ActivityType,
    pub product_level: ProductLevel,
    /// In the future.
    pub begin_time: DateTime<Utc>,
    /// At least 10 minutes after the begin; a flash sale lasts at most 3 days.
    pub end_time: DateTime<Utc>,
    #[schema(min_items = 1, max_items = 300)]
    pub products: Vec<ProductDealIn>,
}

/// A change of an activity's title or times (what TikTok applies to the price types).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Weekend flash (extended)", "end_time": "2026-12-12T13:00:00Z"}))]
pub struct PromotionPatch {
    #[schema(min_length = 1, max_length = 100)]
    pub title: Option<String>,
    /// Only before the activity starts.
    pub begin_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
}

/// Products to add to an activity, or whose deals change.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"products": [{"product_id": "1729592969712207000", "skus": [{"id": "1729592969712207100", "deal_price": {"amount": "9.49", "currency": "USD"}, "quantity_limit": 60, "quantity_per_user": 2}]}]}))]
pub struct ProductsIn {
    #[schema(min_items = 1, max_items = 300)]
    pub products: Vec<ProductDealIn>,
}

/// Products or SKUs to take out of an activity (at least one).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"sku_ids": ["1729592969712207100"]}))]
pub struct ProductsRemovalIn {
    #[serde(default)]
    #[schema(max_items = 300)]
    pub product_ids: Vec<String>,
    /// Not at PRODUCT level.
    #[serde(default)]
    #[schema(max_items = 300)]
    pub sku_ids: Vec<String>,
}

/// A product's deal. At PRODUCT level the deal and limits are on the product and `skus` is left
/// out; at VARIATION level they are on each SKU listed.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductDealIn {
    pub product_id: String,
    /// FIXED_PRICE and FLASHSALE at PRODUCT level: below every SKU's price.
    pub deal_price: Option<PriceIn>,
    /// DIRECT_DISCOUNT at PRODUCT level: 1 to 99 percent off.
    #[schema(minimum = 1, maximum = 99)]
    pub discount_percent: Option<i64>,
    /// PRODUCT level: units in the deal, 1 to 99, or −1 (unlimited, the default).
    #[schema(minimum = -1, maximum = 99)]
    pub quantity_limit: Option<i64>,
    /// PRODUCT level: units per buyer, 1 to 99, or −1 (unlimited, the default).
    #[schema(minimum = -1, maximum = 99)]
    pub quantity_per_user: Option<i64>,
    #[serde(default)]
    #[schema(max_items = 300)]
    pub skus: Vec<SkuDealIn>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkuDealIn {
    pub id: String,
    /// FIXED_PRICE and FLASHSALE: below the SKU's price, in the shop's currency.
    pub deal_price: Option<PriceIn>,
    /// DIRECT_DISCOUNT: 1 to 99 percent off.
    #[schema(minimum = 1, maximum = 99)]
    pub discount_percent: Option<i64>,
    /// Units in the deal, 1 to 99, or −1 (unlimited, the default); TikTok lets it only grow.
    #[schema(minimum = -1, maximum = 99)]
    pub quantity_limit: Option<i64>,
    /// Units per buyer, 1 to 99, or −1 (unlimited, the default); TikTok lets it only grow.
    #[schema(minimum = -1, maximum = 99)]
    pub quantity_per_user: Option<i64>,
}

/// A price in a currency.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Price {
    pub amount: String,
    pub currency: String,
}

/// A product's deal as kept (and answered).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct ProductDeal {
    pub product_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deal_price: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_percent: Option<i64>,
    /// −1 is unlimited.
    pub quantity_limit: i64,
    pub quantity_per_user: i64,
    /// Units sold in the deal so far, as TikTok counts them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_quantity: Option<i64>,
    /// Empty at PRODUCT level.
    #[serde(default)]
    pub skus: Vec<SkuDeal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct SkuDeal {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deal_price: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_percent: Option<i64>,
    pub quantity_limit: i64,
    pub quantity_per_user: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_quantity: Option<i64>,
}

/// An activity's status; reads move it with the clock between syncs (NOT_START becomes ONGOING
/// at its begin, both become EXPIRED at its end), as TikTok does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Draft,
    NotStart,
    Ongoing,
    Expired,
    Deactivated,
    /// Ended by TikTok.
    NotEffective,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Draft,
        Status::NotStart,
        Status::Ongoing,
        Status::Expired,
        Status::Deactivated,
        Status::NotEffective,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "DRAFT",
            Status::NotStart => "NOT_START",
            Status::Ongoing => "ONGOING",
            Status::Expired => "EXPIRED",
            Status::Deactivated => "DEACTIVATED",
            Status::NotEffective => "NOT_EFFECTIVE",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// TikTok's last word moved on by the clock.
    pub fn at(stored: &str, begin: DateTime<Utc>, end: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        match Self::parse(stored).unwrap_or(Status::NotEffective) {
            Status::NotStart | Status::Ongoing if now >= end => Status::Expired,
            Status::NotStart if now >= begin => Status::Ongoing,
            s => s,
        }
    }

    /// Still to run or running: its deals hold SKUs.
    pub fn is_live(self) -> bool {
        matches!(self, Status::Draft | Status::NotStart | Status::Ongoing)
    }
}

/// An activity as kept and answered.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "7321456789012345678", "title": "Weekend flash", "activity_type": "FLASHSALE", "product_level": "VARIATION", "status": "NOT_START", "begin_time": "2026-12-12T10:00:00Z", "end_time": "2026-12-12T12:00:00Z", "products": [{"product_id": "1729592969712207000", "quantity_limit": -1, "quantity_per_user": -1, "skus": [{"id": "1729592969712207100", "deal_price": {"amount": "9.99", "currency": "USD"}, "quantity_limit": 50, "quantity_per_user": 2, "used_quantity": 0}]}], "products_known": true, "synced_at": "2026-12-07T22:00:00Z"}))]
pub struct Promotion {
    /// TikTok's activity id.
    pub id: String,
    pub title: String,
    /// FIXED_PRICE, DIRECT_DISCOUNT, FLASHSALE, or another type TikTok lists (SHIPPING_DISCOUNT,
    /// BUY_MORE_SAVE_MORE, GIFT_WITH_PURCHASE, BUY_X_GET_Y).
    pub activity_type: String,
    /// PRODUCT, VARIATION or SHOP.
    pub product_level: String,
    pub status: Status,
    pub begin_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
    pub products: Vec<ProductDeal>,
    /// False when TikTok no longer gives the products (a price activity ended over 180 days ago).
    pub products_known: bool,
    /// When TikTok's copy was last read.
    pub synced_at: DateTime<Utc>,
}
