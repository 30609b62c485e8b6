//! Deals in orders, and the rule that keeps them unambiguous.
//!
//! **Conflict rule (assumed, see the README):** a SKU is in at most one activity of a group
//! ({FIXED_PRICE, DIRECT_DISCOUNT} or {FLASHSALE}) whose [begin, end) windows overlap, among activities
//! that are not DEACTIVATED, EXPIRED or NOT_EFFECTIVE. A PRODUCT-level activity covers every SKU of its
//! products.
//!
//! **Pricing:** a unit ordered while an activity covering its SKU runs costs the deal price: a
//! FLASHSALE first, else FIXED_PRICE, else DIRECT_DISCOUNT (percent off the SKU price, rounded to the
//! minor unit). The unit counts into the activity's `used_quantity` (product and SKU) and the buyer's
//! units; when a limit (`quantity_limit`, the buyer's `quantity_per_user`, one order per buyer under
//! BUYER_LIMIT_ONLY_ONE) is used up, the next activity in that order applies, else the SKU's price.

use super::{ActivityStatus, ActivityType, ProductLevel, Promotion};
use crate::world::{Id, ProductStatus, World};

/// A SKU already held by another activity of the same group over an overlapping window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conflict {
    pub sku_id: Id,
    pub activity_id: Id,
}

/// Whether `used` units have reached `limit` (−1 = no limit).
fn used_up(limit: i64, used: i64) -> bool {
    limit >= 0 && used >= limit
}

/// The deal price of one unit listed at `list`, if it is below `list`.
fn deal_price(
    kind: ActivityType,
    price: Option<i64>,
    percent: Option<u32>,
    list: i64,
) -> Option<i64> {
    let deal = match kind {
        ActivityType::DirectDiscount => {
            let d = i64::from(percent?);
            // Half up, in minor units.
            (list * (100 - d) + 50) / 100
        }
        _ => price?,
    };
    (deal < list && deal >= 0).then_some(deal)
}

impl World {
    /// Records that the activity lists `product` (for conflicts and pricing).
    pub fn link_promotion_product(&mut self, activity: Id, product: Id) {
        self.promotion_index
            .by_product
            .entry(product)
            .or_default()
            .insert(activity);
    }

    /// Forgets that the activity lists `product`.
    pub fn unlink_promotion_product(&mut self, activity: Id, product: Id) {
        if let Some(set) = self.promotion_index.by_product.get_mut(&product) {
            set.remove(&activity);
            if set.is_empty() {
                self.promotion_index.by_product.remove(&product);
            }
        }
    }

    /// Every (product, SKU) the activity's deal covers now (a PRODUCT-level activity: every SKU its
    /// products have in the catalogue).
    pub fn covered_skus(&self, p: &Promotion) -> Vec<(Id, Id)> {
        let mut out = Vec::new();
        for pp in &p.products {
            match p.product_level {
                ProductLevel::Variation => {
                    out.extend(pp.skus.iter().map(|s| (pp.product_id, s.sku_id)));
                }
                ProductLevel::Product | ProductLevel::Shop => {
                    if let Some(product) = self.products.get(&pp.product_id) {
                        out.extend(product.skus.iter().map(|s| (pp.product_id, s.id)));
                    }
                }
            }
        }
        out
    }

    /// The first of `skus` that another activity of the same group (than `kind`) holds over a window
    /// overlapping [begin, end). `this` is the activity being changed (never its own conflict).
    pub fn promotion_conflict(
        &self,
        this: Id,
        kind: ActivityType,
        begin: i64,
        end: i64,
        skus: &[(Id, Id)],
    ) -> Option<Conflict> {
        let group = kind.group()?;
        for &(product, sku) in skus {
            let Some(others) = self.promotion_index.by_product.get(&product) else {
                continue;
            };
            for other in others {
                if *other == this {
                    continue;
                }
                let Some(o) = self.promotions.get(other) else {
                    continue;
                };
                if o.activity_type.group() == Some(group)
                    && o.status.holds_skus()
                    && o.overlaps(begin, end)
                    && o.covers(product, sku)
                {
                    return Some(Conflict {
                        sku_id: sku,
                        activity_id: *other,
                    });
                }
            }
        }
        None
    }

    /// Price-type activities running at `now` whose deal covers the SKU, best first.
    fn running_deals(&self, product: Id, sku: Id, now: i64) -> Vec<Id> {
        let mut found: Vec<(u8, Id)> = self
            .promotion_index
            .by_product
            .get(&product)
            .into_iter()
            .flatten()
            .filter_map(|id| self.promotions.get(id))
            .filter(|p| p.activity_type.is_price())
            .filter(|p| {
                matches!(p.status, ActivityStatus::NotStart | ActivityStatus::Ongoing)
                    && p.begin_time <= now
                    && now < p.end_time
            })
            .filter(|p| p.covers(product, sku))
            .map(|p| (p.activity_type.priority(), p.id))
            .collect();
        found.sort();
        found.into_iter().map(|(_, id)| id).collect()
    }

    /// The price one unit of `sku` (listed at `list`) costs `buyer` in `order`, placed at `now`; the
    /// unit counts against the activity that gave the deal.
    pub fn take_deal(
        &mut self,
        product: Id,
        sku: Id,
        list: i64,
        buyer: Id,
        order: Id,
        now: i64,
    ) -> i64 {
        for id in self.running_deals(product, sku, now) {
            if let Some(price) = self.try_deal(id, product, sku, list, buyer, order) {
                return price;
            }
        }
        list
    }

    fn try_deal(
        &mut self,
        id: Id,
        product: Id,
        sku: Id,
        list: i64,
        buyer: Id,
        order: Id,
    ) -> Option<i64> {
        let p = self.promotions.get_mut(&id)?;
        if p.participation_limit == "BUYER_LIMIT_ONLY_ONE"
            && p.buyer_orders.get(&buyer).is_some_and(|o| *o != order)
        {
            return None;
        }
        let kind = p.activity_type;
        let level = p.product_level;
        let entry = p.products.iter_mut().find(|x| x.product_id == product)?;
        let price = match level {
            ProductLevel::Variation => {
                let s = entry.skus.iter_mut().find(|s| s.sku_id == sku)?;
                let mine = p.buyer_units.get(&(buyer, sku)).copied().unwrap_or(0);
                if used_up(s.quantity_limit, s.used_quantity) || used_up(s.quantity_per_user, mine)
                {
                    return None;
                }
                let price = deal_price(kind, s.activity_price, s.discount_percent, list)?;
                s.used_quantity += 1;
                entry.used_quantity += 1;
                *p.buyer_units.entry((buyer, sku)).or_default() += 1;
                price
            }
            ProductLevel::Product | ProductLevel::Shop => {
                let mine = p.buyer_units.get(&(buyer, product)).copied().unwrap_or(0);
                if used_up(entry.quantity_limit, entry.used_quantity)
                    || used_up(entry.quantity_per_user, mine)
                {
                    return None;
                }
                let price = deal_price(kind, entry.activity_price, entry.discount_percent, list)?;
                entry.used_quantity += 1;
                *p.buyer_units.entry((buyer, product)).or_default() += 1;
                price
            }
        };
        p.buyer_orders.entry(buyer).or_insert(order);
        Some(price)
    }

    /// SKUs of the shop on sale now in a running price-type activity with units left, of active
    /// products with stock (what the living shop likes to buy).
    pub fn deal_skus(&self, shop: Id, now: i64) -> Vec<Id> {
        let mut out = Vec::new();
        for &(_, id) in self
            .promotion_index
            .ongoing
            .range((shop, 0)..=(shop, Id::MAX))
        {
            let Some(p) = self.promotions.get(&id) else {
                continue;
            };
            if !p.activity_type.is_price() || now < p.begin_time || now >= p.end_time {
                continue;
            }
            for pp in &p.products {
                let Some(product) = self
                    .products
                    .get(&pp.product_id)
                    .filter(|x| x.status == ProductStatus::Activate)
                else {
                    continue;
                };
                for s in product.skus.iter().filter(|s| s.total_stock() > 0) {
                    let left = match p.product_level {
                        ProductLevel::Variation => pp
                            .skus
                            .iter()
                            .find(|x| x.sku_id == s.id)
                            .is_some_and(|x| !used_up(x.quantity_limit, x.used_quantity)),
                        ProductLevel::Product | ProductLevel::Shop => {
                            !used_up(pp.quantity_limit, pp.used_quantity)
                        }
                    };
                    if left {
                        out.push(s.id);
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deal_prices_round_to_the_minor_unit_and_stay_below_the_list_price() {
        let d = ActivityType::DirectDiscount;
        assert_eq!(deal_price(d, None, Some(10), 1999), Some(1799)); // 1799.1
        assert_eq!(deal_price(d, None, Some(15), 1999), Some(1699)); // 1699.15
        // 0.5 rounds up to the whole price: no deal.
        assert_eq!(deal_price(d, None, Some(50), 1), None);
        assert_eq!(
            deal_price(ActivityType::FlashSale, Some(500), None, 900),
            Some(500)
        );
        assert_eq!(
            deal_price(ActivityType::FixedPrice, Some(900), None, 900),
            None
        );
        assert!(used_up(2, 2) && !used_up(-1, 1000) && !used_up(3, 2));
    }
}
