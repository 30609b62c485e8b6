//! Promotions: activities with the products they cover, and coupons.
//!
//! An activity's `status` is kept by the clock (`clock`: NOT_START → ONGOING at `begin_time` → EXPIRED
//! at `end_time`, from a time-ordered set of pending transitions, with webhook 39 for each change); the
//! deals of the three price types (FLASHSALE, FIXED_PRICE, DIRECT_DISCOUNT) apply to orders placed while
//! they run and count against their limits (`deals`, which also holds the conflict rule). Coupons are
//! read-only; their status is a function of the clock.

mod clock;
mod deals;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

pub use deals::Conflict;

use super::Id;

/// `activity_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActivityType {
    FixedPrice,
    DirectDiscount,
    FlashSale,
    ShippingDiscount,
    BuyMoreSaveMore,
    GiftWithPurchase,
    BuyXGetY,
}

/// The groups within which a SKU may be in one running activity at a time (assumed rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DealGroup {
    /// FIXED_PRICE and DIRECT_DISCOUNT.
    ProductDiscount,
    FlashSale,
}

impl ActivityType {
    pub const ALL: [ActivityType; 7] = [
        ActivityType::FixedPrice,
        ActivityType::DirectDiscount,
        ActivityType::FlashSale,
        ActivityType::ShippingDiscount,
        ActivityType::BuyMoreSaveMore,
        ActivityType::GiftWithPurchase,
        ActivityType::BuyXGetY,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityType::FixedPrice => "FIXED_PRICE",
            ActivityType::DirectDiscount => "DIRECT_DISCOUNT",
            ActivityType::FlashSale => "FLASHSALE",
            ActivityType::ShippingDiscount => "SHIPPING_DISCOUNT",
            ActivityType::BuyMoreSaveMore => "BUY_MORE_SAVE_MORE",
            ActivityType::GiftWithPurchase => "GIFT_WITH_PURCHASE",
            ActivityType::BuyXGetY => "BUY_X_GET_Y",
        }
    }

    pub fn parse(s: &str) -> Option<ActivityType> {
        ActivityType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// FIXED_PRICE, DIRECT_DISCOUNT and FLASHSALE: their prices live on their products and apply to
    /// orders.
    pub fn is_price(self) -> bool {
        self.group().is_some()
    }

    pub fn group(self) -> Option<DealGroup> {
        match self {
            ActivityType::FixedPrice | ActivityType::DirectDiscount => {
                Some(DealGroup::ProductDiscount)
            }
            ActivityType::FlashSale => Some(DealGroup::FlashSale),
            ActivityType::ShippingDiscount
            | ActivityType::BuyMoreSaveMore
            | ActivityType::GiftWithPurchase
            | ActivityType::BuyXGetY => None,
        }
    }

    /// Which deal wins when several run on one SKU: lower first.
    pub fn priority(self) -> u8 {
        match self {
            ActivityType::FlashSale => 0,
            ActivityType::FixedPrice => 1,
            ActivityType::DirectDiscount => 2,
            ActivityType::ShippingDiscount
            | ActivityType::BuyMoreSaveMore
            | ActivityType::GiftWithPurchase
            | ActivityType::BuyXGetY => 3,
        }
    }

    /// The allowed `product_level`s (§3 "Enums").
    pub fn allows(self, level: ProductLevel) -> bool {
        match self {
            ActivityType::FixedPrice | ActivityType::DirectDiscount | ActivityType::FlashSale => {
                matches!(level, ProductLevel::Product | ProductLevel::Variation)
            }
            ActivityType::ShippingDiscount => level != ProductLevel::Variation,
            ActivityType::BuyMoreSaveMore | ActivityType::BuyXGetY => {
                matches!(level, ProductLevel::Product | ProductLevel::Shop)
            }
            ActivityType::GiftWithPurchase => level == ProductLevel::Product,
        }
    }

    /// The longest title, in characters.
    pub fn max_title(self) -> usize {
        match self {
            ActivityType::FlashSale | ActivityType::ShippingDiscount => 50,
            _ => 100,
        }
    }
}

/// `product_level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProductLevel {
    Product,
    Variation,
    Shop,
}

impl ProductLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductLevel::Product => "PRODUCT",
            ProductLevel::Variation => "VARIATION",
            ProductLevel::Shop => "SHOP",
        }
    }

    pub fn parse(s: &str) -> Option<ProductLevel> {
        [
            ProductLevel::Product,
            ProductLevel::Variation,
            ProductLevel::Shop,
        ]
        .into_iter()
        .find(|l| l.as_str() == s)
    }
}

/// An activity's `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActivityStatus {
    Draft,
    NotStart,
    Ongoing,
    Expired,
    Deactivated,
    NotEffective,
}

impl ActivityStatus {
    pub const ALL: [ActivityStatus; 6] = [
        ActivityStatus::Draft,
        ActivityStatus::NotStart,
        ActivityStatus::Ongoing,
        ActivityStatus::Expired,
        ActivityStatus::Deactivated,
        ActivityStatus::NotEffective,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityStatus::Draft => "DRAFT",
            ActivityStatus::NotStart => "NOT_START",
            ActivityStatus::Ongoing => "ONGOING",
            ActivityStatus::Expired => "EXPIRED",
            ActivityStatus::Deactivated => "DEACTIVATED",
            ActivityStatus::NotEffective => "NOT_EFFECTIVE",
        }
    }

    pub fn parse(s: &str) -> Option<ActivityStatus> {
        ActivityStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether the activity still holds its SKUs (for the conflict rule): not DEACTIVATED, EXPIRED or
    /// NOT_EFFECTIVE.
    pub fn holds_skus(self) -> bool {
        matches!(
            self,
            ActivityStatus::Draft | ActivityStatus::NotStart | ActivityStatus::Ongoing
        )
    }

    /// Over for good (until a republish): no more changes.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            ActivityStatus::Expired | ActivityStatus::Deactivated | ActivityStatus::NotEffective
        )
    }
}

/// A SKU in a VARIATION-level activity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromotionSku {
    pub sku_id: Id,
    /// Deal price (minor units) for FIXED_PRICE / FLASHSALE.
    pub activity_price: Option<i64>,
    /// Percent off for DIRECT_DISCOUNT.
    pub discount_percent: Option<u32>,
    /// 1–99, or −1 for no limit.
    pub quantity_limit: i64,
    pub quantity_per_user: i64,
    /// Units sold at the deal.
    pub used_quantity: i64,
}

/// A product in an activity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromotionProduct {
    pub product_id: Id,
    /// Deal price (minor units) for FIXED_PRICE / FLASHSALE at PRODUCT level.
    pub activity_price: Option<i64>,
    /// Percent off for DIRECT_DISCOUNT at PRODUCT level.
    pub discount_percent: Option<u32>,
    /// Always −1 at VARIATION level.
    pub quantity_limit: i64,
    pub quantity_per_user: i64,
    /// Units sold at the deal (at VARIATION level, the sum over its SKUs).
    pub used_quantity: i64,
    /// VARIATION level: the SKUs in the deal (never empty). PRODUCT level: empty (every SKU).
    pub skus: Vec<PromotionSku>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Promotion {
    pub id: Id,
    pub shop_id: Id,
    pub title: String,
    pub activity_type: ActivityType,
    pub product_level: ProductLevel,
    /// Kept current by the clock (see `clock`): read it after the world's `tick`.
    pub status: ActivityStatus,
    /// "NORMAL" / "INDEFINITE" (begin and end 0: runs until deactivated).
    pub duration_type: String,
    pub begin_time: i64,
    pub end_time: i64,
    /// `participation_limit[].type`: "BUYER_NO_LIMIT" / "BUYER_LIMIT_ONLY_ONE".
    pub participation_limit: String,
    /// The type's `discount` object as accepted (SHIPPING_DISCOUNT, BMSM, GWP, BXGY), e.g.
    /// `{"bmsm_discount": {...}}`.
    pub discount: Option<Value>,
    /// `target_user_info.user_type`, when given.
    pub target_user_type: Option<String>,
    /// `auction_support_type` (SHIPPING_DISCOUNT only).
    pub auction_support_type: Option<String>,
    /// `activity_commands[]` (IMMUTABLE: cannot be edited or deactivated).
    pub activity_commands: Vec<String>,
    pub products: Vec<PromotionProduct>,
    /// BMSM / BXGY benefit products.
    pub benefit_product_ids: Vec<Id>,
    /// SHOP-level BMSM / BXGY excluded products.
    pub exclude_product_ids: Vec<Id>,
    /// Units a buyer got at the deal: (buyer, product at PRODUCT level / SKU at VARIATION level).
    pub buyer_units: BTreeMap<(Id, Id), i64>,
    /// The order each buyer first got the deal in (for BUYER_LIMIT_ONLY_ONE).
    pub buyer_orders: BTreeMap<Id, Id>,
    /// When it expired or was deactivated (republish is allowed for 7 days after).
    pub ended_time: Option<i64>,
    pub create_time: i64,
    pub update_time: i64,
}

impl Promotion {
    /// Whether the activity runs indefinitely (SHIPPING_DISCOUNT with duration_type INDEFINITE).
    pub fn is_indefinite(&self) -> bool {
        self.duration_type == "INDEFINITE"
    }

    /// Whether the activity's deal covers `sku` of `product`.
    pub fn covers(&self, product: Id, sku: Id) -> bool {
        self.products
            .iter()
            .find(|p| p.product_id == product)
            .is_some_and(|p| match self.product_level {
                ProductLevel::Variation => p.skus.iter().any(|s| s.sku_id == sku),
                ProductLevel::Product | ProductLevel::Shop => true,
            })
    }

    /// Whether [begin, end) overlaps the activity's window.
    pub fn overlaps(&self, begin: i64, end: i64) -> bool {
        if self.is_indefinite() {
            return true;
        }
        begin < self.end_time && self.begin_time < end
    }
}

/// How long a coupon can be redeemed once claimed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Redemption {
    /// Between two times (unix seconds).
    Absolute { start: i64, end: i64 },
    /// For this many days after the claim.
    Relative { days: i64 },
}

/// What a coupon takes off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CouponDiscount {
    /// A fixed amount (minor units).
    AmountOff(i64),
    /// A percentage, with an optional cap (minor units).
    PercentOff { percent: u32, max: Option<i64> },
}

/// A seller's coupon (created in Seller Center: the API only reads them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coupon {
    pub id: Id,
    pub shop_id: Id,
    pub title: String,
    /// REGULAR, LIVE, CREATOR_EXCLUSIVE, CHAT, PROMO_CODE.
    pub display_type: String,
    /// Ended early by the seller.
    pub deactivated: bool,
    pub claim_start: i64,
    pub claim_end: i64,
    pub redemption: Redemption,
    /// PROMO_CODE only: 6–12 letters or digits.
    pub promo_code: Option<String>,
    pub target_buyer_segment: String,
    pub single_buyer_claim_limit: i64,
    pub total_claim_limit: i64,
    /// SEA shops only.
    pub redemption_limit: Option<i64>,
    pub discount: CouponDiscount,
    /// MIN_SPEND threshold (minor units); `None` = NONE.
    pub min_spend: Option<i64>,
    /// SPECIFIC_PRODUCTS when not empty, else FULL_SHOP.
    pub product_ids: Vec<Id>,
    /// SELLER_CENTER, SELLER_APP, TTS_CRM.
    pub creation_source: String,
    pub display_channels: Vec<String>,
    pub claimed: i64,
    pub redeemed: i64,
    pub seller_tnc: Option<String>,
    /// (type, min_watch_time seconds).
    pub live_tasks: Vec<(String, Option<i64>)>,
    /// Unix seconds (rendered in milliseconds, as TikTok does for coupons).
    pub create_time: i64,
    pub update_time: i64,
}

impl Coupon {
    /// The status as of `now`: NOT_START before the claim period, ONGOING during it, then EXPIRED;
    /// DEACTIVATED when the seller ended it.
    pub fn status(&self, now: i64) -> &'static str {
        if self.deactivated {
            "DEACTIVATED"
        } else if now < self.claim_start {
            "NOT_START"
        } else if now < self.claim_end {
            "ONGOING"
        } else {
            "EXPIRED"
        }
    }
}

/// The activity indexes the world keeps: which activities name a product, which run now, and when
/// the next status change of each is due.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PromotionIndex {
    /// product id → activities listing it.
    pub by_product: BTreeMap<Id, BTreeSet<Id>>,
    /// (shop, activity) of every ONGOING activity.
    pub ongoing: BTreeSet<(Id, Id)>,
    /// (due, activity): pending status changes by the clock.
    pub timers: BTreeSet<(i64, Id)>,
}
