//! Per-shop counts the searches answer `total_count` from when only the shop narrows the query
//! (no time window, no status or other filter), so a first page need not walk the shop.
//!
//! They are kept by the `World` methods that insert and change records ([`World::insert_order`],
//! [`World::insert_product`] and [`World::update_product`] (a product leaving or re-entering DELETED),
//! [`World::insert_return`], [`World::insert_cancellation`]); nothing removes orders, returns or
//! cancellations. [`World::check_indexes`] compares them (and the time indexes) with a walk.

use std::collections::BTreeMap;

use super::{Id, ProductStatus, World};

/// What one shop holds, as the searches count it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShopCounts {
    pub orders: usize,
    /// Products not DELETED (what a product search without a status answers).
    pub products: usize,
    pub returns: usize,
    pub cancellations: usize,
}

impl World {
    /// The shop's counts (zero for a shop without records).
    pub fn shop_counts(&self, shop: Id) -> ShopCounts {
        self.shop_counts.get(&shop).copied().unwrap_or_default()
    }

    pub(crate) fn shop_counts_mut(&mut self, shop: Id) -> &mut ShopCounts {
        self.shop_counts.entry(shop).or_default()
    }

    /// Compares every time index and per-shop count with a walk of the records they index;
    /// `Err` names the first that differs. For tests (a walk of the whole world).
    pub fn check_indexes(&self) -> Result<(), String> {
        type Key = (Id, i64, Id);
        fn same(
            name: &str,
            index: &std::collections::BTreeSet<Key>,
            walk: Vec<Key>,
        ) -> Result<(), String> {
            let walk: std::collections::BTreeSet<Key> = walk.into_iter().collect();
            if *index == walk {
                Ok(())
            } else {
                let extra = index.difference(&walk).next();
                let missing = walk.difference(index).next();
                Err(format!("{name}: stale {extra:?}, missing {missing:?}"))
            }
        }
        let o = || self.orders.values();
        same(
            "orders_by_create",
            &self.orders_by_create,
            o().map(|x| (x.shop_id, x.create_time, x.id)).collect(),
        )?;
        same(
            "orders_by_update",
            &self.orders_by_update,
            o().map(|x| (x.shop_id, x.update_time, x.id)).collect(),
        )?;
        let p = || self.products.values();
        same(
            "products_by_create",
            &self.products_by_create,
            p().map(|x| (x.shop_id, x.create_time, x.id)).collect(),
        )?;
        same(
            "products_by_update",
            &self.products_by_update,
            p().map(|x| (x.shop_id, x.update_time, x.id)).collect(),
        )?;
        let r = || self.returns.values();
        same(
            "returns_by_create",
            &self.returns_by_create,
            r().map(|x| (x.shop_id, x.create_time, x.id)).collect(),
        )?;
        same(
            "returns_by_update",
            &self.returns_by_update,
            r().map(|x| (x.shop_id, x.update_time, x.id)).collect(),
        )?;
        let c = || self.cancellations.values();
        same(
            "cancellations_by_create",
            &self.cancellations_by_create,
            c().map(|x| (x.shop_id, x.create_time, x.id)).collect(),
        )?;
        same(
            "cancellations_by_update",
            &self.cancellations_by_update,
            c().map(|x| (x.shop_id, x.update_time, x.id)).collect(),
        )?;
        let mut walked: BTreeMap<Id, ShopCounts> = BTreeMap::new();
        for x in o() {
            walked.entry(x.shop_id).or_default().orders += 1;
        }
        for x in p().filter(|x| x.status != ProductStatus::Deleted) {
            walked.entry(x.shop_id).or_default().products += 1;
        }
        for x in r() {
            walked.entry(x.shop_id).or_default().returns += 1;
        }
        for x in c() {
            walked.entry(x.shop_id).or_default().cancellations += 1;
        }
        let shops: std::collections::BTreeSet<Id> = walked
            .keys()
            .chain(self.shop_counts.keys())
            .copied()
            .collect();
        for shop in shops {
            let (kept, want) = (
                self.shop_counts(shop),
                walked.get(&shop).copied().unwrap_or_default(),
            );
            if kept != want {
                return Err(format!(
                    "shop {shop}: counts {kept:?}, a walk finds {want:?}"
                ));
            }
        }
        Ok(())
    }
}
