//! The sandbox's world: sellers, shops, catalogue, stock, orders, packages, returns, cancellations and
//! promotions, all in memory.
//!
//! Ids are `u64` inside (TikTok's ids are numbers that travel as strings; rendering turns them into
//! strings). Collections are `BTreeMap`s so that iteration, and therefore every answer, is deterministic.
//! Orders and products carry secondary indexes by `(shop, create_time, id)` and `(shop, update_time, id)`:
//! mutate them only through [`World::update_order`], [`World::insert_order`], [`World::update_product`]
//! and [`World::insert_product`], which keep the indexes right and stamp `update_time`.
//!
//! Every change that the real service would announce by webhook pushes a [`SandboxEvent`] onto
//! [`World::outbox`]; [`crate::state::SandboxState::with_world`] drains it onto the event channel.

pub mod generate;
pub mod json;
pub mod ops;
pub mod stock;

pub use stock::{CommittedUnit, Stock};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::state::SandboxEvent;

/// A TikTok id (orders, products, SKUs, shops, …). Rendered as a decimal string.
pub type Id = u64;

/// Parses an id from the wire (a decimal string). `None` for anything else.
pub fn parse_id(s: &str) -> Option<Id> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The regions a shop can be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Region {
    Us,
    Uk,
    Id,
    Sg,
    My,
    Th,
    Vn,
    Ph,
}

impl Region {
    pub const ALL: [Region; 8] = [
        Region::Us,
        Region::Uk,
        Region::Id,
        Region::Sg,
        Region::My,
        Region::Th,
        Region::Vn,
        Region::Ph,
    ];

    /// The two-letter code TikTok uses (`GB` appears as `UK` in shop data, as TikTok does).
    pub fn code(self) -> &'static str {
        match self {
            Region::Us => "US",
            Region::Uk => "UK",
            Region::Id => "ID",
            Region::Sg => "SG",
            Region::My => "MY",
            Region::Th => "TH",
            Region::Vn => "VN",
            Region::Ph => "PH",
        }
    }

    pub fn from_code(code: &str) -> Option<Region> {
        Region::ALL
            .into_iter()
            .find(|r| r.code().eq_ignore_ascii_case(code))
    }

    pub fn currency(self) -> &'static str {
        match self {
            Region::Us => "USD",
            Region::Uk => "GBP",
            Region::Id => "IDR",
            Region::Sg => "SGD",
            Region::My => "MYR",
            Region::Th => "THB",
            Region::Vn => "VND",
            Region::Ph => "PHP",
        }
    }

    /// Whether cash on delivery exists in the region (never in the US or the UK).
    pub fn has_cod(self) -> bool {
        match self {
            Region::Us | Region::Uk | Region::Sg => false,
            Region::Id | Region::My | Region::Th | Region::Vn | Region::Ph => true,
        }
    }

    /// How many units of the currency's minor unit make one major unit (IDR and VND have none).
    pub fn minor_per_major(self) -> i64 {
        match self {
            Region::Id | Region::Vn => 1,
            Region::Us | Region::Uk | Region::Sg | Region::My | Region::Th | Region::Ph => 100,
        }
    }

    /// A typical price scale: what one "unit" of price is worth in minor units (IDR prices are large).
    pub fn price_scale(self) -> i64 {
        match self {
            Region::Us | Region::Uk | Region::Sg => 100,
            Region::My => 400,
            Region::Th | Region::Ph => 3_500,
            Region::Id => 15_000,
            Region::Vn => 25_000,
        }
    }
}

/// Formats an amount in minor units as TikTok's decimal string ("12.50", or "150000" for IDR).
pub fn format_amount(minor: i64, region: Region) -> String {
    let per = region.minor_per_major();
    if per == 1 {
        return minor.to_string();
    }
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.abs();
    format!("{sign}{}.{:02}", m / per, m % per)
}

/// Parses a decimal string ("1.32", "150000") into minor units of the region's currency.
/// `None` when it is not a non-negative decimal with at most the currency's decimals.
pub fn parse_amount(s: &str, region: Region) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let per = region.minor_per_major();
    let decimals = if per == 1 { 0 } else { 2 };
    if frac.len() > decimals {
        return None;
    }
    let int: i64 = int.parse().ok()?;
    let mut frac_v: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    for _ in frac.len()..decimals {
        frac_v *= 10;
    }
    int.checked_mul(per)?.checked_add(frac_v)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seller {
    pub id: Id,
    pub name: String,
    pub base_region: Region,
    /// The seller's id as token answers show it.
    pub open_id: String,
    /// 0 = seller, 1 = creator (token answers' `user_type`).
    pub user_type: u8,
    pub shop_ids: Vec<Id>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SellerType {
    Local,
    CrossBorder,
}

impl SellerType {
    pub fn as_str(self) -> &'static str {
        match self {
            SellerType::Local => "LOCAL",
            SellerType::CrossBorder => "CROSS_BORDER",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shop {
    pub id: Id,
    pub seller_id: Id,
    pub name: String,
    pub region: Region,
    pub seller_type: SellerType,
    /// The opaque value that API calls carry as `shop_cipher`.
    pub cipher: String,
    /// The short shop code sellers see (e.g. "USLCXXXXXX").
    pub code: String,
    /// Its warehouses, the default sales warehouse first.
    pub warehouse_ids: Vec<Id>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarehouseType {
    Sales,
    Return,
}

impl WarehouseType {
    pub fn as_str(self) -> &'static str {
        match self {
            WarehouseType::Sales => "SALES_WAREHOUSE",
            WarehouseType::Return => "RETURN_WAREHOUSE",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warehouse {
    pub id: Id,
    pub shop_id: Id,
    pub name: String,
    pub kind: WarehouseType,
    pub is_default: bool,
    /// "ENABLED" / "DISABLED" / "RESTRICTED".
    pub effect_status: String,
    pub address: PostalAddress,
    pub delivery_option_ids: Vec<Id>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PostalAddress {
    pub contact_person: String,
    pub phone_number: String,
    pub region_code: String,
    pub state: String,
    pub city: String,
    pub district: String,
    pub address_line1: String,
    pub postal_code: String,
}

impl PostalAddress {
    pub fn full_address(&self) -> String {
        format!(
            "{}, {}, {}, {} {}",
            self.address_line1, self.district, self.city, self.state, self.postal_code
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryOption {
    pub id: Id,
    pub warehouse_id: Id,
    pub name: String,
    /// "STANDARD" / "EXPRESS" / "ECONOMY" / "SEND_BY_SELLER".
    pub delivery_type: String,
    pub min_days: u32,
    pub max_days: u32,
    pub shipping_provider_ids: Vec<Id>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShippingProvider {
    pub id: Id,
    pub name: String,
    pub region: Region,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    pub id: Id,
    /// 0 at the root.
    pub parent_id: Id,
    pub local_name: String,
    pub is_leaf: bool,
    /// e.g. ["AVAILABLE"], ["INVITE_ONLY"], ["NON_MAIN_CATEGORY"].
    pub permission_statuses: Vec<String>,
    pub attributes: Vec<Attribute>,
    pub rules: CategoryRules,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttributeKind {
    SalesProperty,
    ProductProperty,
}

impl AttributeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttributeKind::SalesProperty => "SALES_PROPERTY",
            AttributeKind::ProductProperty => "PRODUCT_PROPERTY",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    pub id: Id,
    pub name: String,
    pub kind: AttributeKind,
    pub is_required: bool,
    pub is_customizable: bool,
    pub is_multiple_selection: bool,
    pub values: Vec<(Id, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryRules {
    pub package_dimension_required: bool,
    pub size_chart_required: bool,
    pub cod_supported: bool,
    /// Certifications the category asks for: (id, name, required).
    pub certifications: Vec<(Id, String, bool)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Brand {
    pub id: Id,
    pub name: String,
    /// "AUTHORIZED" / "UNAUTHORIZED".
    pub authorized_status: String,
    /// "AVAILABLE" / "UNAVAILABLE".
    pub brand_status: String,
    pub is_t1_brand: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProductStatus {
    Draft,
    Pending,
    Failed,
    Activate,
    SellerDeactivated,
    PlatformDeactivated,
    Freeze,
    Deleted,
}

impl ProductStatus {
    pub const ALL: [ProductStatus; 8] = [
        ProductStatus::Draft,
        ProductStatus::Pending,
        ProductStatus::Failed,
        ProductStatus::Activate,
        ProductStatus::SellerDeactivated,
        ProductStatus::PlatformDeactivated,
        ProductStatus::Freeze,
        ProductStatus::Deleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Draft => "DRAFT",
            ProductStatus::Pending => "PENDING",
            ProductStatus::Failed => "FAILED",
            ProductStatus::Activate => "ACTIVATE",
            ProductStatus::SellerDeactivated => "SELLER_DEACTIVATED",
            ProductStatus::PlatformDeactivated => "PLATFORM_DEACTIVATED",
            ProductStatus::Freeze => "FREEZE",
            ProductStatus::Deleted => "DELETED",
        }
    }

    pub fn parse(s: &str) -> Option<ProductStatus> {
        ProductStatus::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SalesAttribute {
    pub id: Id,
    pub name: String,
    pub value_id: Id,
    pub value_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sku {
    pub id: Id,
    pub seller_sku: String,
    pub sales_attributes: Vec<SalesAttribute>,
    /// Sale price in minor units of the shop's currency.
    pub price: i64,
    /// Available and committed units per warehouse (see [`stock`]).
    pub inventory: Vec<Stock>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    pub id: Id,
    pub shop_id: Id,
    pub title: String,
    pub description: String,
    pub category_id: Id,
    pub brand_id: Option<Id>,
    pub status: ProductStatus,
    /// Image URIs as uploaded (`main_images[{uri}]`).
    pub main_images: Vec<String>,
    pub skus: Vec<Sku>,
    /// (value, unit), e.g. ("0.5", "KILOGRAM").
    pub package_weight: (String, String),
    /// (length, width, height, unit) as given.
    pub package_dimensions: Option<(String, String, String, String)>,
    /// The `product_attributes` array as sent (kept verbatim).
    pub product_attributes: serde_json::Value,
    pub video: Option<serde_json::Value>,
    pub is_cod_allowed: bool,
    pub create_time: i64,
    pub update_time: i64,
    /// When a PENDING product leaves audit (sandbox clock); `None` when not in audit.
    pub audit_due: Option<i64>,
    pub audit_failed_reasons: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrderStatus {
    Unpaid,
    OnHold,
    AwaitingShipment,
    PartiallyShipping,
    AwaitingCollection,
    InTransit,
    Delivered,
    Completed,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 9] = [
        OrderStatus::Unpaid,
        OrderStatus::OnHold,
        OrderStatus::AwaitingShipment,
        OrderStatus::PartiallyShipping,
        OrderStatus::AwaitingCollection,
        OrderStatus::InTransit,
        OrderStatus::Delivered,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Unpaid => "UNPAID",
            OrderStatus::OnHold => "ON_HOLD",
            OrderStatus::AwaitingShipment => "AWAITING_SHIPMENT",
            OrderStatus::PartiallyShipping => "PARTIALLY_SHIPPING",
            OrderStatus::AwaitingCollection => "AWAITING_COLLECTION",
            OrderStatus::InTransit => "IN_TRANSIT",
            OrderStatus::Delivered => "DELIVERED",
            OrderStatus::Completed => "COMPLETED",
            OrderStatus::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The recipient's address is hidden while the order is unpaid or on hold.
    pub fn hides_address(self) -> bool {
        matches!(self, OrderStatus::Unpaid | OrderStatus::OnHold)
    }

    /// Whether the order has left the seller (shipped or later).
    pub fn is_shipped(self) -> bool {
        match self {
            OrderStatus::AwaitingCollection
            | OrderStatus::InTransit
            | OrderStatus::Delivered
            | OrderStatus::Completed => true,
            OrderStatus::Unpaid
            | OrderStatus::OnHold
            | OrderStatus::AwaitingShipment
            | OrderStatus::PartiallyShipping
            | OrderStatus::Cancelled => false,
        }
    }

    /// The status that follows in the normal lifecycle (`None` at the end or when cancelled).
    pub fn next(self) -> Option<OrderStatus> {
        match self {
            OrderStatus::Unpaid => Some(OrderStatus::OnHold),
            OrderStatus::OnHold => Some(OrderStatus::AwaitingShipment),
            OrderStatus::AwaitingShipment | OrderStatus::PartiallyShipping => {
                Some(OrderStatus::AwaitingCollection)
            }
            OrderStatus::AwaitingCollection => Some(OrderStatus::InTransit),
            OrderStatus::InTransit => Some(OrderStatus::Delivered),
            OrderStatus::Delivered => Some(OrderStatus::Completed),
            OrderStatus::Completed | OrderStatus::Cancelled => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShippingType {
    /// TikTok's logistics: the seller ships with a TikTok-arranged carrier.
    Tiktok,
    /// The seller ships on its own and reports the tracking number.
    Seller,
}

impl ShippingType {
    pub fn as_str(self) -> &'static str {
        match self {
            ShippingType::Tiktok => "TIKTOK",
            ShippingType::Seller => "SELLER",
        }
    }
}

/// Payment amounts in minor units of `Order::currency`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Payment {
    pub sub_total: i64,
    pub shipping_fee: i64,
    pub seller_discount: i64,
    pub platform_discount: i64,
    pub tax: i64,
    pub total_amount: i64,
    pub original_total_product_price: i64,
    pub original_shipping_fee: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineItem {
    pub id: Id,
    pub product_id: Id,
    pub sku_id: Id,
    /// Snapshots taken when the order was placed (shared, to keep 100k orders small).
    pub product_name: Arc<str>,
    pub sku_name: Arc<str>,
    pub seller_sku: Arc<str>,
    pub sale_price: i64,
    pub original_price: i64,
    pub package_id: Option<Id>,
    /// Set when this unit was cancelled (seller/buyer cancellation) or returned.
    pub is_cancelled: bool,
    /// Who cancelled this unit alone (a partial cancel: "SELLER", "BUYER", "SYSTEM"); a unit cancelled
    /// with its whole order answers the order's `cancellation_initiator`.
    pub cancel_user: Option<Arc<str>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub id: Id,
    pub shop_id: Id,
    pub status: OrderStatus,
    pub create_time: i64,
    pub update_time: i64,
    pub paid_time: Option<i64>,
    pub rts_time: Option<i64>,
    pub collection_time: Option<i64>,
    pub delivery_time: Option<i64>,
    pub cancel_time: Option<i64>,
    pub user_id: Id,
    /// Seeds the (deterministic) buyer name, e-mail and address; changing it changes the address.
    pub buyer_seed: u64,
    pub buyer_message: String,
    pub shipping_type: ShippingType,
    pub shipping_provider_id: Option<Id>,
    pub tracking_number: Option<String>,
    pub delivery_option_id: Id,
    pub warehouse_id: Id,
    pub is_cod: bool,
    pub cancel_reason: Option<String>,
    /// "BUYER" / "SELLER" / "SYSTEM".
    pub cancellation_initiator: Option<String>,
    /// When an ON_HOLD order is released to AWAITING_SHIPMENT (sandbox clock).
    pub on_hold_until: Option<i64>,
    pub payment: Payment,
    /// One unit per line item: two shirts are two line items.
    pub line_items: Vec<LineItem>,
    pub package_ids: Vec<Id>,
}

impl Order {
    pub fn is_on_hold_order(&self) -> bool {
        self.status == OrderStatus::OnHold
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackageStatus {
    Processing,
    Fulfilling,
    Completed,
    Cancelled,
}

impl PackageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PackageStatus::Processing => "PROCESSING",
            PackageStatus::Fulfilling => "FULFILLING",
            PackageStatus::Completed => "COMPLETED",
            PackageStatus::Cancelled => "CANCELLED",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    pub id: Id,
    pub shop_id: Id,
    pub order_ids: Vec<Id>,
    pub status: PackageStatus,
    pub shipping_provider_id: Option<Id>,
    pub tracking_number: Option<String>,
    /// "PICKUP" / "DROP_OFF" / "SELF_SHIPMENT" once shipped.
    pub handover_method: Option<String>,
    pub pickup_slot: Option<(i64, i64)>,
    pub create_time: i64,
    pub update_time: i64,
    pub shipped_time: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelStatus {
    /// Waiting for the seller to approve or reject (a buyer's request).
    RequestPending,
    RequestSuccess,
    RequestCancel,
    RequestComplete,
    RequestReject,
}

impl CancelStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CancelStatus::RequestPending => "CANCELLATION_REQUEST_PENDING",
            CancelStatus::RequestSuccess => "CANCELLATION_REQUEST_SUCCESS",
            CancelStatus::RequestCancel => "CANCELLATION_REQUEST_CANCEL",
            CancelStatus::RequestComplete => "CANCELLATION_REQUEST_COMPLETE",
            CancelStatus::RequestReject => "CANCELLATION_REQUEST_REJECT",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cancellation {
    pub id: Id,
    pub shop_id: Id,
    pub order_id: Id,
    /// "BUYER" / "SELLER" / "SYSTEM".
    pub role: String,
    pub status: CancelStatus,
    pub reason: String,
    pub line_item_ids: Vec<Id>,
    pub refund_total: i64,
    pub create_time: i64,
    pub update_time: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnType {
    Refund,
    ReturnAndRefund,
    Replacement,
}

impl ReturnType {
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnType::Refund => "REFUND",
            ReturnType::ReturnAndRefund => "RETURN_AND_REFUND",
            ReturnType::Replacement => "REPLACEMENT",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnStatus {
    RequestPending,
    RequestReject,
    AwaitingBuyerShip,
    BuyerShippedItem,
    RejectReceivePackage,
    RequestSuccess,
    RequestCancel,
    RequestComplete,
}

impl ReturnStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnStatus::RequestPending => "RETURN_OR_REFUND_REQUEST_PENDING",
            ReturnStatus::RequestReject => "REFUND_OR_RETURN_REQUEST_REJECT",
            ReturnStatus::AwaitingBuyerShip => "AWAITING_BUYER_SHIP",
            ReturnStatus::BuyerShippedItem => "BUYER_SHIPPED_ITEM",
            ReturnStatus::RejectReceivePackage => "REJECT_RECEIVE_PACKAGE",
            ReturnStatus::RequestSuccess => "RETURN_OR_REFUND_REQUEST_SUCCESS",
            ReturnStatus::RequestCancel => "RETURN_OR_REFUND_REQUEST_CANCEL",
            ReturnStatus::RequestComplete => "RETURN_OR_REFUND_REQUEST_COMPLETE",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnOrder {
    pub id: Id,
    pub shop_id: Id,
    pub order_id: Id,
    /// "BUYER" / "SELLER" / "SYSTEM".
    pub role: String,
    pub return_type: ReturnType,
    pub status: ReturnStatus,
    pub reason: String,
    pub line_item_ids: Vec<Id>,
    pub refund_total: i64,
    pub create_time: i64,
    pub update_time: i64,
}

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

/// Monotonic, seed-derived id source: each kind of id has its own base and grows with small random steps,
/// so ids look like TikTok's (long numbers) and stay unique.
#[derive(Clone, Debug)]
pub struct IdGen {
    next: BTreeMap<IdKind, u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IdKind {
    Seller,
    Shop,
    Warehouse,
    DeliveryOption,
    ShippingProvider,
    Category,
    Attribute,
    AttributeValue,
    Brand,
    Product,
    Sku,
    Order,
    LineItem,
    Package,
    User,
    Cancellation,
    Return,
    Promotion,
    Coupon,
    Other,
}

impl IdKind {
    fn base(self) -> u64 {
        match self {
            IdKind::Seller => 7_495_000_000_000_000_000,
            IdKind::Shop => 7_494_049_642_642_000_000,
            IdKind::Warehouse => 7_068_517_275_539_000_000,
            IdKind::DeliveryOption => 7_129_000_000_000_000_000,
            IdKind::ShippingProvider => 6_617_675_021_119_000_000,
            IdKind::Category => 600_001,
            IdKind::Attribute => 100_001,
            IdKind::AttributeValue => 1_000_001,
            IdKind::Brand => 7_082_427_311_584_000_000,
            IdKind::Product => 1_729_592_969_712_000_000,
            IdKind::Sku => 1_729_593_000_000_000_000,
            IdKind::Order => 576_461_413_038_000_000,
            IdKind::LineItem => 576_461_500_000_000_000,
            IdKind::Package => 1_152_921_504_606_000_000,
            IdKind::User => 7_021_436_810_468_000_000,
            IdKind::Cancellation => 4_035_000_000_000_000_000,
            IdKind::Return => 4_036_000_000_000_000_000,
            IdKind::Promotion => 7_290_000_000_000_000_000,
            IdKind::Coupon => 7_291_000_000_000_000_000,
            IdKind::Other => 7_300_000_000_000_000_000,
        }
    }

    /// Small-number kinds (categories, attributes) grow by one.
    fn step(self) -> u64 {
        match self {
            IdKind::Category | IdKind::Attribute | IdKind::AttributeValue => 1,
            _ => 17,
        }
    }
}

impl IdGen {
    pub fn new() -> Self {
        IdGen {
            next: BTreeMap::new(),
        }
    }

    pub fn next(&mut self, kind: IdKind, rng: &mut ChaCha8Rng) -> Id {
        let slot = self.next.entry(kind).or_insert(kind.base());
        let step = kind.step();
        let jump = if step == 1 {
            1
        } else {
            1 + rng.random_range(0..step)
        };
        *slot += jump;
        *slot
    }
}

impl Default for IdGen {
    fn default() -> Self {
        Self::new()
    }
}

/// The whole world. Fields are public for reading; mutate orders and products through the methods.
#[derive(Clone, Debug)]
pub struct World {
    pub seed: u64,
    pub sellers: BTreeMap<Id, Seller>,
    pub shops: BTreeMap<Id, Shop>,
    pub warehouses: BTreeMap<Id, Warehouse>,
    pub delivery_options: BTreeMap<Id, DeliveryOption>,
    pub shipping_providers: BTreeMap<Id, ShippingProvider>,
    pub categories: BTreeMap<Id, Category>,
    pub brands: BTreeMap<Id, Brand>,
    pub products: BTreeMap<Id, Product>,
    pub orders: BTreeMap<Id, Order>,
    pub packages: BTreeMap<Id, Package>,
    pub cancellations: BTreeMap<Id, Cancellation>,
    pub returns: BTreeMap<Id, ReturnOrder>,
    pub promotions: BTreeMap<Id, Promotion>,
    pub coupons: BTreeMap<Id, Coupon>,
    /// (shop, create_time, order id)
    pub orders_by_create: BTreeSet<(Id, i64, Id)>,
    /// (shop, update_time, order id)
    pub orders_by_update: BTreeSet<(Id, i64, Id)>,
    /// (shop, create_time, product id)
    pub products_by_create: BTreeSet<(Id, i64, Id)>,
    /// (shop, update_time, product id)
    pub products_by_update: BTreeSet<(Id, i64, Id)>,
    /// sku id → product id
    pub sku_owner: HashMap<Id, Id>,
    /// (shop, idempotency_key) → product id created with it
    pub idempotency: HashMap<(Id, String), Id>,
    /// (due time, order id): ON_HOLD orders to release.
    pub hold_timers: BTreeSet<(i64, Id)>,
    /// (due time, product id): products in audit.
    pub audit_timers: BTreeSet<(i64, Id)>,
    /// line item id → where its unit is held: the units counted in some warehouse's `committed`
    /// (placed, not shipped, not cancelled). Kept by [`stock`].
    pub committed_lines: HashMap<Id, CommittedUnit>,
    pub ids: IdGen,
    /// The world's own randomness (runtime-created ids, generated names); seeded from `seed`.
    pub rng: ChaCha8Rng,
    /// Events produced by changes, drained by `SandboxState::with_world` onto the event channel.
    pub outbox: Vec<SandboxEvent>,
}

/// How long a freshly paid order stays ON_HOLD (the buyer's cancellation window).
pub const ON_HOLD_SECONDS: i64 = 3600;
/// How long a product stays in audit (PENDING) before it is approved.
pub const AUDIT_SECONDS: i64 = 60;

impl World {
    /// An empty world (no shops); `generate::generate` fills one.
    pub fn empty(seed: u64) -> World {
        World {
            seed,
            sellers: BTreeMap::new(),
            shops: BTreeMap::new(),
            warehouses: BTreeMap::new(),
            delivery_options: BTreeMap::new(),
            shipping_providers: BTreeMap::new(),
            categories: BTreeMap::new(),
            brands: BTreeMap::new(),
            products: BTreeMap::new(),
            orders: BTreeMap::new(),
            packages: BTreeMap::new(),
            cancellations: BTreeMap::new(),
            returns: BTreeMap::new(),
            promotions: BTreeMap::new(),
            coupons: BTreeMap::new(),
            orders_by_create: BTreeSet::new(),
            orders_by_update: BTreeSet::new(),
            products_by_create: BTreeSet::new(),
            products_by_update: BTreeSet::new(),
            sku_owner: HashMap::new(),
            idempotency: HashMap::new(),
            hold_timers: BTreeSet::new(),
            audit_timers: BTreeSet::new(),
            committed_lines: HashMap::new(),
            ids: IdGen::new(),
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_0f_3011d),
            outbox: Vec::new(),
        }
    }

    pub fn new_id(&mut self, kind: IdKind) -> Id {
        self.ids.next(kind, &mut self.rng)
    }

    pub fn shop_by_cipher(&self, cipher: &str) -> Option<&Shop> {
        self.shops.values().find(|s| s.cipher == cipher)
    }

    pub fn region_of(&self, shop_id: Id) -> Region {
        self.shops
            .get(&shop_id)
            .map(|s| s.region)
            .unwrap_or(Region::Us)
    }

    /// The shop's default sales warehouse.
    pub fn default_warehouse(&self, shop_id: Id) -> Option<&Warehouse> {
        let shop = self.shops.get(&shop_id)?;
        shop.warehouse_ids
            .iter()
            .filter_map(|w| self.warehouses.get(w))
            .find(|w| w.kind == WarehouseType::Sales && w.is_default)
    }

    pub fn insert_order(&mut self, order: Order) {
        self.orders_by_create
            .insert((order.shop_id, order.create_time, order.id));
        self.orders_by_update
            .insert((order.shop_id, order.update_time, order.id));
        if let Some(due) = order.on_hold_until
            && order.status == OrderStatus::OnHold
        {
            self.hold_timers.insert((due, order.id));
        }
        self.orders.insert(order.id, order);
    }

    /// Changes an order, stamps `update_time = now`, keeps the indexes right and settles the inventory
    /// books for it (units shipped or cancelled leave committed). Returns `None` when there is no
    /// such order.
    pub fn update_order<R>(
        &mut self,
        id: Id,
        now: i64,
        f: impl FnOnce(&mut Order) -> R,
    ) -> Option<R> {
        let order = self.orders.get_mut(&id)?;
        let (shop, old_update, old_hold) = (order.shop_id, order.update_time, order.on_hold_until);
        let r = f(order);
        order.update_time = now.max(order.create_time);
        let (new_update, new_hold, status) = (order.update_time, order.on_hold_until, order.status);
        self.orders_by_update.remove(&(shop, old_update, id));
        self.orders_by_update.insert((shop, new_update, id));
        if let Some(due) = old_hold {
            self.hold_timers.remove(&(due, id));
        }
        if let Some(due) = new_hold
            && status == OrderStatus::OnHold
        {
            self.hold_timers.insert((due, id));
        }
        self.settle_committed(id, now);
        Some(r)
    }

    pub fn insert_product(&mut self, product: Product) {
        self.products_by_create
            .insert((product.shop_id, product.create_time, product.id));
        self.products_by_update
            .insert((product.shop_id, product.update_time, product.id));
        for sku in &product.skus {
            self.sku_owner.insert(sku.id, product.id);
        }
        if let Some(due) = product.audit_due
            && product.status == ProductStatus::Pending
        {
            self.audit_timers.insert((due, product.id));
        }
        self.products.insert(product.id, product);
    }

    /// Changes a product, stamps `update_time = now` and keeps the indexes right.
    pub fn update_product<R>(
        &mut self,
        id: Id,
        now: i64,
        f: impl FnOnce(&mut Product) -> R,
    ) -> Option<R> {
        let product = self.products.get_mut(&id)?;
        let shop = product.shop_id;
        let old_update = product.update_time;
        let old_audit = product.audit_due;
        let old_skus: Vec<Id> = product.skus.iter().map(|s| s.id).collect();
        let r = f(product);
        product.update_time = now.max(product.create_time);
        let new_update = product.update_time;
        let new_audit = product.audit_due;
        let status = product.status;
        let new_skus: Vec<Id> = product.skus.iter().map(|s| s.id).collect();
        self.products_by_update.remove(&(shop, old_update, id));
        self.products_by_update.insert((shop, new_update, id));
        for s in old_skus {
            self.sku_owner.remove(&s);
        }
        for s in new_skus {
            self.sku_owner.insert(s, id);
        }
        if let Some(due) = old_audit {
            self.audit_timers.remove(&(due, id));
        }
        if let Some(due) = new_audit
            && status == ProductStatus::Pending
        {
            self.audit_timers.insert((due, id));
        }
        Some(r)
    }

    /// Finds a SKU by id: (product, index of the SKU in it).
    pub fn find_sku(&self, sku_id: Id) -> Option<(&Product, usize)> {
        let pid = self.sku_owner.get(&sku_id)?;
        let p = self.products.get(pid)?;
        let i = p.skus.iter().position(|s| s.id == sku_id)?;
        Some((p, i))
    }

    /// Moves an order to `status` with the side effects the real service has (timestamps, package
    /// status; `update_order` settles the stock: committed units back to available on cancel, out of
    /// committed once shipped), and emits ORDER_STATUS_CHANGE. Does not check the transition is allowed.
    pub fn set_order_status(&mut self, id: Id, status: OrderStatus, now: i64) -> bool {
        let Some(order) = self.orders.get(&id) else {
            return false;
        };
        let before = order.status;
        if before == status {
            return true;
        }
        let shop_id = order.shop_id;
        let package_ids = order.package_ids.clone();
        self.update_order(id, now, |o| {
            o.status = status;
            match status {
                OrderStatus::Unpaid => {}
                OrderStatus::OnHold => {
                    o.paid_time.get_or_insert(now);
                    o.on_hold_until = Some(now + ON_HOLD_SECONDS);
                }
                OrderStatus::AwaitingShipment => {
                    o.paid_time.get_or_insert(now);
                    o.on_hold_until = None;
                }
                OrderStatus::PartiallyShipping => {}
                OrderStatus::AwaitingCollection => {
                    o.rts_time.get_or_insert(now);
                }
                OrderStatus::InTransit => {
                    o.collection_time.get_or_insert(now);
                }
                OrderStatus::Delivered => {
                    o.delivery_time.get_or_insert(now);
                }
                OrderStatus::Completed => {}
                OrderStatus::Cancelled => {
                    o.cancel_time = Some(now);
                    o.on_hold_until = None;
                    for l in &mut o.line_items {
                        l.is_cancelled = true;
                    }
                }
            }
        });
        if status == OrderStatus::AwaitingShipment {
            self.ensure_package(id, now);
        }
        let pkg_status = match status {
            OrderStatus::Unpaid
            | OrderStatus::OnHold
            | OrderStatus::AwaitingShipment
            | OrderStatus::PartiallyShipping => None,
            OrderStatus::AwaitingCollection | OrderStatus::InTransit => {
                Some(PackageStatus::Fulfilling)
            }
            OrderStatus::Delivered | OrderStatus::Completed => Some(PackageStatus::Completed),
            OrderStatus::Cancelled => Some(PackageStatus::Cancelled),
        };
        if let Some(ps) = pkg_status {
            for pid in &package_ids {
                if let Some(p) = self.packages.get_mut(pid)
                    && p.status != ps
                {
                    p.status = ps;
                    p.update_time = now;
                    self.outbox.push(SandboxEvent::PackageUpdate {
                        shop_id,
                        package_id: *pid,
                        order_ids: p.order_ids.clone(),
                        update_time: now,
                    });
                }
            }
        }
        self.outbox.push(SandboxEvent::OrderStatusChange {
            shop_id,
            order_id: id,
            order_status: status,
            is_on_hold_order: status == OrderStatus::OnHold,
            update_time: now,
        });
        true
    }

    /// Time-driven transitions up to `now`: ON_HOLD orders whose hour is over become AWAITING_SHIPMENT;
    /// products whose audit is over become ACTIVATE.
    pub fn tick(&mut self, now: i64) {
        while let Some(&(due, id)) = self.hold_timers.iter().next() {
            if due > now {
                break;
            }
            self.hold_timers.remove(&(due, id));
            if self.orders.get(&id).map(|o| o.status) == Some(OrderStatus::OnHold) {
                self.set_order_status(id, OrderStatus::AwaitingShipment, due.max(now));
            }
        }
        while let Some(&(due, id)) = self.audit_timers.iter().next() {
            if due > now {
                break;
            }
            self.audit_timers.remove(&(due, id));
            let shop = match self.products.get(&id) {
                Some(p) if p.status == ProductStatus::Pending => p.shop_id,
                _ => continue,
            };
            self.update_product(id, now, |p| {
                p.status = ProductStatus::Activate;
                p.audit_due = None;
            });
            self.outbox.push(SandboxEvent::ProductAuditStatusChange {
                shop_id: shop,
                product_id: id,
                status: "APPROVED".into(),
                update_time: now,
            });
            self.outbox.push(SandboxEvent::ProductStatusChange {
                shop_id: shop,
                product_id: id,
                status: ProductStatus::Activate,
                suspended_reason: String::new(),
                update_time: now,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_trip_per_currency() {
        assert_eq!(format_amount(1250, Region::Us), "12.50");
        assert_eq!(format_amount(5, Region::Uk), "0.05");
        assert_eq!(format_amount(150000, Region::Id), "150000");
        assert_eq!(parse_amount("1.32", Region::Us), Some(132));
        assert_eq!(parse_amount("1.3", Region::Us), Some(130));
        assert_eq!(parse_amount("7", Region::Us), Some(700));
        assert_eq!(parse_amount("1.325", Region::Us), None);
        assert_eq!(parse_amount("-1", Region::Us), None);
        assert_eq!(parse_amount("abc", Region::Us), None);
        assert_eq!(parse_amount("150000", Region::Id), Some(150000));
        assert_eq!(parse_amount("1.5", Region::Id), None);
    }

    #[test]
    fn ids_parse_only_digits() {
        assert_eq!(parse_id("576461413038785752"), Some(576461413038785752));
        assert_eq!(parse_id(""), None);
        assert_eq!(parse_id("12a"), None);
        assert_eq!(parse_id("-1"), None);
        assert_eq!(parse_id("99999999999999999999999"), None);
    }
}
