//! Affiliate, the seller's side, as the world keeps it (tiktok-api-areas.md §4): the world's creators,
//! each shop's open collaborations (a commission rate per product that any creator may promote) with
//! their rate history, target collaborations (`targets`: invitations to named creators), sample rules
//! and creators' sample applications (`samples`). `seed` fills a new world.
//!
//! History is kept, not overwritten: an order is attributed by the collaboration and the rate in force
//! when it was created (`World::commission_at`), so a later rate change or removal never changes an
//! earlier order's commission. Removals take effect at the next 00:00 UTC of the sandbox clock
//! ([`next_midnight`]); until then the collaboration is TERMINATING (open) or CANCELING / DELETING
//! (target) and still earns.

mod samples;
mod seed;
mod targets;

use std::collections::BTreeMap;

pub use samples::{
    APPROVE_WINDOW, SampleApplication, SampleRule, SampleRuleStatus, SampleStatus, Thresholds,
};
pub use seed::seed_affiliate;
pub use targets::{
    NewTarget, TargetCollaboration, TargetCreator, TargetKind, TargetProduct, TargetStatus,
    TargetUpdate, UpdateOutcome,
};

use super::{Id, IdKind, World};

/// Commission rates are in hundredths of a percent: 100 = 1%, 8000 = 80%.
pub const MIN_RATE: i64 = 100;
pub const MAX_RATE: i64 = 8_000;
const DAY: i64 = 86_400;

/// The next 00:00 UTC strictly after `t`: when removals and rate cuts take effect.
pub fn next_midnight(t: i64) -> i64 {
    (t.div_euclid(DAY) + 1) * DAY
}

/// Why an affiliate change was refused (the routes give each its code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AffError {
    /// The product is not one of the shop's.
    ProductNotFound(Id),
    /// The product is not active (only active products can be promoted).
    ProductNotEligible(Id, &'static str),
    /// The product has no open collaboration (or it has vanished).
    NoOpenCollaboration(Id),
    /// The product's open collaboration is being removed (TERMINATING).
    OpenNotNormal(Id, i64),
    TargetNotFound(Id),
    /// The target collaboration cannot be changed (not STANDARD, or canceling / completed).
    TargetNotEditable(Id, String),
    SampleNotFound(Id),
    /// The sample application is not PENDING.
    SampleNotPending(Id, &'static str),
    /// The application cannot be approved (approval window over, or no samples left).
    SampleNotApprovable(Id, String),
}

impl std::fmt::Display for AffError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AffError::ProductNotFound(p) => write!(f, "Product {p} does not exist in this shop."),
            AffError::ProductNotEligible(p, s) => {
                write!(
                    f,
                    "Product {p} is {s}; only active products can be promoted."
                )
            }
            AffError::NoOpenCollaboration(p) => {
                write!(f, "Product {p} is not in an open collaboration.")
            }
            AffError::OpenNotNormal(p, at) => write!(
                f,
                "The open collaboration of product {p} is TERMINATING (it ends at {at}); only a NORMAL one can be changed or removed."
            ),
            AffError::TargetNotFound(id) => {
                write!(f, "Target collaboration {id} does not exist in this shop.")
            }
            AffError::TargetNotEditable(id, why) => {
                write!(f, "Target collaboration {id} cannot be changed: {why}.")
            }
            AffError::SampleNotFound(id) => {
                write!(f, "Sample application {id} does not exist in this shop.")
            }
            AffError::SampleNotPending(id, s) => write!(
                f,
                "Sample application {id} is {s}; only a PENDING application can be reviewed."
            ),
            AffError::SampleNotApprovable(id, why) => {
                write!(f, "Sample application {id} cannot be approved: {why}.")
            }
        }
    }
}

/// A creator of the world (the same set in every shop, fixed by the seed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Creator {
    /// The creator's open id, as the affiliate API names creators (`creator_user_open_id`).
    pub open_id: String,
    /// The creator's numeric user id (video analytics' `creator.creator_id`).
    pub user_id: Id,
    pub username: String,
    pub nickname: String,
    pub follower_count: i64,
    /// Two-letter region where the creator sells.
    pub region: &'static str,
}

const CREATORS: [(&str, &str, i64); 8] = [
    ("style.with.mia", "Mia | Everyday Style", 184_000),
    ("daily.deals.dan", "Dan's Daily Deals", 92_500),
    ("gadgetgrace", "Grace Gadgets", 356_000),
    ("homewithhana", "Hana at Home", 41_200),
    ("thrift.theo", "Theo Thrifts", 12_800),
    ("fit.with.femi", "Femi Fitness", 228_000),
    ("cozy.corner.kat", "Kat's Cozy Corner", 67_300),
    ("budgetbuys.ben", "Ben Buys Budget", 8_900),
];

fn mix(seed: u64, a: u64, salt: u64) -> u64 {
    let mut z =
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The world's creators for a seed: eight, with open ids like TikTok's (`-000` and 32 URL-safe
/// base64 characters) drawn from the seed; usernames are the same for every seed.
pub fn creators_for(seed: u64) -> Vec<Creator> {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    CREATORS
        .iter()
        .enumerate()
        .map(|(i, (username, nickname, followers))| {
            let mut open_id = String::from("-000");
            for k in 0..32u64 {
                open_id.push(B64[(mix(seed, i as u64, 100 + k) % 64) as usize] as char);
            }
            Creator {
                open_id,
                user_id: 6_900_000_000_000_000_000 + mix(seed, i as u64, 7) % 1_000_000_000_000,
                username: username.to_string(),
                nickname: nickname.to_string(),
                follower_count: *followers,
                region: "US",
            }
        })
        .collect()
}

/// An open collaboration: one product at a commission rate that any creator may promote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenCollaboration {
    pub id: Id,
    pub shop_id: Id,
    pub product_id: Id,
    pub create_time: i64,
    /// (effective from, rate in hundredths of a percent), oldest first.
    pub rates: Vec<(i64, i64)>,
    /// When the seller removed it, and when that takes effect (the next 00:00).
    pub removed_at: Option<i64>,
    pub terminated_effective_time: Option<i64>,
}

impl OpenCollaboration {
    /// NORMAL, TERMINATING, or `None` once the removal has taken effect (it has vanished).
    pub fn status(&self, now: i64) -> Option<&'static str> {
        match self.terminated_effective_time {
            Some(end) if now >= end => None,
            Some(_) => Some("TERMINATING"),
            None => Some("NORMAL"),
        }
    }

    /// The rate in force at `t` (`None` before it started or after it ended).
    pub fn rate_at(&self, t: i64) -> Option<i64> {
        if t < self.create_time || self.terminated_effective_time.is_some_and(|e| t >= e) {
            return None;
        }
        self.rates
            .iter()
            .rev()
            .find(|(from, _)| *from <= t)
            .map(|(_, r)| *r)
    }

    /// (rate, since) in force now.
    pub fn current(&self, now: i64) -> (i64, i64) {
        self.rates
            .iter()
            .rev()
            .find(|(from, _)| *from <= now)
            .or(self.rates.first())
            .map(|(from, r)| (*r, *from))
            .unwrap_or((0, self.create_time))
    }
}

/// A shop's affiliate book.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShopAffiliate {
    /// Every open collaboration the shop ever had, oldest first (a product removed and added again
    /// has two).
    pub open: Vec<OpenCollaboration>,
    pub targets: Vec<TargetCollaboration>,
    /// product id → its sample rule.
    pub sample_rules: BTreeMap<Id, SampleRule>,
}

impl ShopAffiliate {
    /// The product's latest open collaboration (perhaps vanished).
    pub fn latest_open(&self, product: Id) -> Option<&OpenCollaboration> {
        self.open.iter().rev().find(|c| c.product_id == product)
    }

    /// The product's open collaboration that has not vanished by `now`.
    pub fn live_open(&self, product: Id, now: i64) -> Option<&OpenCollaboration> {
        self.latest_open(product)
            .filter(|c| c.status(now).is_some())
    }
}

/// The collaboration an order line earns a commission through, and its rate then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Commission {
    pub open_collaboration_id: Option<Id>,
    pub target_collaboration_id: Option<Id>,
    /// Hundredths of a percent.
    pub rate: i64,
}

impl World {
    pub fn creator_by_open_id(&self, open_id: &str) -> Option<usize> {
        self.creators.iter().position(|c| c.open_id == open_id)
    }

    pub fn creator_by_username(&self, username: &str) -> Option<usize> {
        self.creators.iter().position(|c| c.username == username)
    }

    /// The shop's affiliate book (created empty on first use).
    pub fn affiliate_mut(&mut self, shop: Id) -> &mut ShopAffiliate {
        self.affiliate.entry(shop).or_default()
    }

    /// Checks the product can be promoted: one of the shop's, active.
    pub fn promotable(&self, shop: Id, product: Id) -> Result<(), AffError> {
        match self.products.get(&product) {
            Some(p) if p.shop_id == shop && p.status == super::ProductStatus::Activate => Ok(()),
            Some(p) if p.shop_id == shop => {
                Err(AffError::ProductNotEligible(product, p.status.as_str()))
            }
            _ => Err(AffError::ProductNotFound(product)),
        }
    }

    /// Puts the product in open collaboration at `rate` from `now`, or changes the rate of its NORMAL
    /// one (same collaboration, the new rate from now). → (collaboration id, effective time).
    pub fn set_open_rate(
        &mut self,
        shop: Id,
        product: Id,
        rate: i64,
        now: i64,
    ) -> Result<(Id, i64), AffError> {
        self.promotable(shop, product)?;
        let live = self
            .affiliate
            .get(&shop)
            .and_then(|a| a.live_open(product, now))
            .map(|c| (c.id, c.terminated_effective_time));
        match live {
            Some((_, Some(end))) => Err(AffError::OpenNotNormal(product, end)),
            Some((id, None)) => {
                let book = self.affiliate_mut(shop);
                if let Some(c) = book.open.iter_mut().rev().find(|c| c.id == id) {
                    c.rates.retain(|(from, _)| *from < now);
                    c.rates.push((now, rate));
                }
                Ok((id, now))
            }
            None => {
                let id = self.new_id(IdKind::Collaboration);
                self.affiliate_mut(shop).open.push(OpenCollaboration {
                    id,
                    shop_id: shop,
                    product_id: product,
                    create_time: now,
                    rates: vec![(now, rate)],
                    removed_at: None,
                    terminated_effective_time: None,
                });
                Ok((id, now))
            }
        }
    }

    /// Removes the product's NORMAL open collaboration: TERMINATING until the next 00:00, then gone.
    /// → `terminated_effective_time`.
    pub fn remove_open(&mut self, shop: Id, product: Id, now: i64) -> Result<i64, AffError> {
        if self
            .products
            .get(&product)
            .is_none_or(|p| p.shop_id != shop)
        {
            return Err(AffError::ProductNotFound(product));
        }
        let book = self.affiliate_mut(shop);
        let Some(c) = book
            .open
            .iter_mut()
            .rev()
            .find(|c| c.product_id == product && c.status(now).is_some())
        else {
            return Err(AffError::NoOpenCollaboration(product));
        };
        if let Some(end) = c.terminated_effective_time {
            return Err(AffError::OpenNotNormal(product, end));
        }
        let end = next_midnight(now);
        c.removed_at = Some(now);
        c.terminated_effective_time = Some(end);
        Ok(end)
    }

    /// The open collaboration of `product` in force at `t`, with its rate then.
    pub fn open_rate_at(&self, shop: Id, product: Id, t: i64) -> Option<(Id, i64)> {
        self.affiliate
            .get(&shop)?
            .open
            .iter()
            .rev()
            .filter(|c| c.product_id == product)
            .find_map(|c| c.rate_at(t).map(|r| (c.id, r)))
    }

    /// What a unit of `product` sold at `t` through a creator earns: the target collaboration that
    /// invited this creator (`creator`, when known) for the product first, else the product's open
    /// collaboration; `None` when neither was in force.
    pub fn commission_at(
        &self,
        shop: Id,
        creator: Option<usize>,
        product: Id,
        t: i64,
    ) -> Option<Commission> {
        if let Some(c) = creator
            && let Some((id, rate)) = self.target_rate_at(shop, c, product, t)
        {
            return Some(Commission {
                open_collaboration_id: None,
                target_collaboration_id: Some(id),
                rate,
            });
        }
        self.open_rate_at(shop, product, t)
            .map(|(id, rate)| Commission {
                open_collaboration_id: Some(id),
                target_collaboration_id: None,
                rate,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midnight_is_the_next_utc_day() {
        assert_eq!(next_midnight(0), DAY);
        assert_eq!(next_midnight(DAY - 1), DAY);
        assert_eq!(next_midnight(DAY), 2 * DAY);
    }

    #[test]
    fn creators_are_fixed_by_the_seed() {
        let a = creators_for(1);
        assert_eq!(a, creators_for(1));
        // The README lists seed 42's.
        assert_eq!(
            creators_for(42)[0].open_id,
            "-000wVGeESY_Ld5ZWcqjJ5Xaj3M_DkuJBvJU"
        );
        assert_eq!(creators_for(42)[4].username, "thrift.theo");
        assert_ne!(a[0].open_id, creators_for(2)[0].open_id);
        assert!(
            a.iter()
                .all(|c| c.open_id.len() == 36 && c.open_id.starts_with("-000"))
        );
        let mut ids: Vec<_> = a.iter().map(|c| &c.open_id).collect();
        ids.dedup();
        assert_eq!(ids.len(), 8);
    }

    #[test]
    fn an_open_rate_has_a_history() {
        let c = OpenCollaboration {
            id: 1,
            shop_id: 1,
            product_id: 2,
            create_time: 100,
            rates: vec![(100, 1000), (200, 1500)],
            removed_at: Some(250),
            terminated_effective_time: Some(300),
        };
        assert_eq!(c.rate_at(99), None);
        assert_eq!(c.rate_at(150), Some(1000));
        assert_eq!(c.rate_at(299), Some(1500));
        assert_eq!(c.rate_at(300), None);
        assert_eq!(c.status(299), Some("TERMINATING"));
        assert_eq!(c.status(300), None);
    }
}
