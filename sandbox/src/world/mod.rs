//! The sandbox's world: sellers, shops, catalogue, stock, orders, packages, returns, cancellations and
//! promotions, all in memory.
//!
//! Ids are `u64` inside (TikTok's ids are numbers that travel as strings; rendering turns them into
//! strings). Collections are `BTreeMap`s so that iteration, and therefore every answer, is deterministic.
//! Orders, products, returns and cancellations carry secondary indexes by `(shop, create_time, id)` and
//! `(shop, update_time, id)`, and each shop's counts ([`ShopCounts`]): mutate them only through
//! [`World::update_order`], [`World::insert_order`], [`World::update_product`], [`World::insert_product`]
//! (which keep the indexes right and stamp `update_time`), [`World::insert_return`],
//! [`World::update_return`], [`World::insert_cancellation`] and [`World::update_cancellation`].
//!
//! Every change that the real service would announce by webhook pushes a [`SandboxEvent`] onto
//! [`World::outbox`]; [`crate::state::SandboxState::with_world`] drains it onto the event channel.
//!
//! This module holds ids, regions and amounts, the id source and [`World`] with its time-driven
//! changes; the record types live by family in `shops`, `catalog`, `orders` (each with the `World`
//! methods that keep its indexes), `after_sales`, `promotions`, `lives`, `videos` and `affiliate`
//! (creators, collaborations, samples); `attribution` says which content and creator sold each unit.

pub mod affiliate;
pub mod attribution;
pub mod events;
pub mod generate;
pub mod json;
pub mod ops;
pub mod stock;

mod after_sales;
mod catalog;
mod counts;
mod lives;
mod orders;
mod promotions;
mod shops;
pub mod videos;

pub use affiliate::{Creator, OpenCollaboration, ShopAffiliate};
pub use after_sales::{
    By, CancelStatus, Cancellation, DECISION_WINDOW, RejectReason, ReturnOrder, ReturnRecord,
    ReturnStatus, ReturnType, SellerAction, move_return, open_cancellation, open_return,
    reject_reasons, return_action, set_cancel_status, set_return_status,
};
pub use catalog::{
    Attribute, AttributeKind, Brand, Category, CategoryRules, Product, ProductStatus,
    SalesAttribute, Sku,
};
pub use counts::ShopCounts;
pub use lives::{LiveSession, LiveWindow};
pub use orders::{LineItem, Order, OrderStatus, Package, PackageStatus, Payment, ShippingType};
pub use promotions::{
    ActivityStatus, ActivityType, Conflict, Coupon, CouponDiscount, DealGroup, ProductLevel,
    Promotion, PromotionIndex, PromotionProduct, PromotionSku, Redemption,
};
pub use shops::{
    DeliveryOption, PostalAddress, Seller, SellerType, ShippingProvider, Shop, Warehouse,
    WarehouseType,
};
pub use stock::{CommittedUnit, Stock};

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::world::events::SandboxEvent;

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
    Live,
    Collaboration,
    SampleApplication,
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
            IdKind::Live => 7_510_000_000_000_000_000,
            IdKind::Collaboration => 7_311_000_000_000_000_000,
            IdKind::SampleApplication => 7_460_000_000_000_000_000,
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

/// The whole world. Fields are public for reading; mutate orders, products, returns and cancellations
/// through the methods.
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
    /// Activity indexes: by product, running, and pending status changes (see `promotions`).
    pub promotion_index: PromotionIndex,
    /// LIVE sessions recorded through the control plane (see `lives`).
    pub lives: BTreeMap<Id, LiveSession>,
    /// (shop, start_time, live id) of the recorded LIVE sessions.
    pub lives_by_start: BTreeSet<(Id, i64, Id)>,
    /// The world's creators (fixed by the seed; see `affiliate`).
    pub creators: Vec<Creator>,
    /// Each shop's collaborations and sample rules (see `affiliate`).
    pub affiliate: BTreeMap<Id, ShopAffiliate>,
    /// Creators' sample applications, every shop's.
    pub sample_applications: BTreeMap<Id, affiliate::SampleApplication>,
    /// (approval deadline, application id): PENDING applications that lapse by the clock.
    pub sample_timers: BTreeSet<(i64, Id)>,
    /// (shop, create_time, order id)
    pub orders_by_create: BTreeSet<(Id, i64, Id)>,
    /// (shop, update_time, order id)
    pub orders_by_update: BTreeSet<(Id, i64, Id)>,
    /// (shop, create_time, product id)
    pub products_by_create: BTreeSet<(Id, i64, Id)>,
    /// (shop, update_time, product id)
    pub products_by_update: BTreeSet<(Id, i64, Id)>,
    /// (shop, create_time, return id)
    pub returns_by_create: BTreeSet<(Id, i64, Id)>,
    /// (shop, update_time, return id)
    pub returns_by_update: BTreeSet<(Id, i64, Id)>,
    /// (shop, create_time, cancellation id)
    pub cancellations_by_create: BTreeSet<(Id, i64, Id)>,
    /// (shop, update_time, cancellation id)
    pub cancellations_by_update: BTreeSet<(Id, i64, Id)>,
    /// Each shop's orders, live products, returns and cancellations (see `counts`).
    pub shop_counts: BTreeMap<Id, ShopCounts>,
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
            promotion_index: PromotionIndex::default(),
            lives: BTreeMap::new(),
            lives_by_start: BTreeSet::new(),
            creators: affiliate::creators_for(seed),
            affiliate: BTreeMap::new(),
            sample_applications: BTreeMap::new(),
            sample_timers: BTreeSet::new(),
            orders_by_create: BTreeSet::new(),
            orders_by_update: BTreeSet::new(),
            products_by_create: BTreeSet::new(),
            products_by_update: BTreeSet::new(),
            returns_by_create: BTreeSet::new(),
            returns_by_update: BTreeSet::new(),
            cancellations_by_create: BTreeSet::new(),
            cancellations_by_update: BTreeSet::new(),
            shop_counts: BTreeMap::new(),
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

    /// Time-driven transitions up to `now`: ON_HOLD orders whose hour is over become AWAITING_SHIPMENT;
    /// products whose audit is over become ACTIVATE; after-sales requests whose seller deadline passed
    /// are decided by SYSTEM; promotion activities start and expire; sample applications the seller left
    /// unreviewed lapse.
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
        self.decide_overdue(now);
        self.settle_promotions(now);
        self.settle_samples(now);
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
