//! The one place returns and cancellations are inserted and changed: each keeps the world's time
//! indexes (`returns_by_create`/`_update`, `cancellations_by_create`/`_update`, by
//! `(shop, time, id)`) and the shop's counts right, whatever the change did to the times.

use super::{Cancellation, ReturnOrder};
use crate::world::{Id, World};

impl World {
    /// Adds a return (or replaces the one with its id), indexed and counted in its shop.
    pub fn insert_return(&mut self, r: ReturnOrder) {
        if let Some(old) = self.returns.get(&r.id) {
            let (shop, created, updated) = (old.shop_id, old.create_time, old.update_time);
            self.returns_by_create.remove(&(shop, created, r.id));
            self.returns_by_update.remove(&(shop, updated, r.id));
            self.shop_counts_mut(shop).returns -= 1;
        }
        self.shop_counts_mut(r.shop_id).returns += 1;
        self.returns_by_create
            .insert((r.shop_id, r.create_time, r.id));
        self.returns_by_update
            .insert((r.shop_id, r.update_time, r.id));
        self.returns.insert(r.id, r);
    }

    /// Changes a return and re-indexes it (the change stamps its own `update_time`). `None` when
    /// there is no such return.
    pub fn update_return<R>(&mut self, id: Id, f: impl FnOnce(&mut ReturnOrder) -> R) -> Option<R> {
        let r = self.returns.get_mut(&id)?;
        let before = (r.shop_id, r.create_time, r.update_time);
        let out = f(r);
        let after = (r.shop_id, r.create_time, r.update_time);
        if before != after {
            self.returns_by_create.remove(&(before.0, before.1, id));
            self.returns_by_update.remove(&(before.0, before.2, id));
            self.returns_by_create.insert((after.0, after.1, id));
            self.returns_by_update.insert((after.0, after.2, id));
            if before.0 != after.0 {
                self.shop_counts_mut(before.0).returns -= 1;
                self.shop_counts_mut(after.0).returns += 1;
            }
        }
        Some(out)
    }

    /// Adds a cancellation (or replaces the one with its id), indexed and counted in its shop.
    pub fn insert_cancellation(&mut self, c: Cancellation) {
        if let Some(old) = self.cancellations.get(&c.id) {
            let (shop, created, updated) = (old.shop_id, old.create_time, old.update_time);
            self.cancellations_by_create.remove(&(shop, created, c.id));
            self.cancellations_by_update.remove(&(shop, updated, c.id));
            self.shop_counts_mut(shop).cancellations -= 1;
        }
        self.shop_counts_mut(c.shop_id).cancellations += 1;
        self.cancellations_by_create
            .insert((c.shop_id, c.create_time, c.id));
        self.cancellations_by_update
            .insert((c.shop_id, c.update_time, c.id));
        self.cancellations.insert(c.id, c);
    }

    /// Changes a cancellation and re-indexes it (the change stamps its own `update_time`). `None`
    /// when there is no such cancellation.
    pub fn update_cancellation<R>(
        &mut self,
        id: Id,
        f: impl FnOnce(&mut Cancellation) -> R,
    ) -> Option<R> {
        let c = self.cancellations.get_mut(&id)?;
        let before = (c.shop_id, c.create_time, c.update_time);
        let out = f(c);
        let after = (c.shop_id, c.create_time, c.update_time);
        if before != after {
            self.cancellations_by_create
                .remove(&(before.0, before.1, id));
            self.cancellations_by_update
                .remove(&(before.0, before.2, id));
            self.cancellations_by_create.insert((after.0, after.1, id));
            self.cancellations_by_update.insert((after.0, after.2, id));
            if before.0 != after.0 {
                self.shop_counts_mut(before.0).cancellations -= 1;
                self.shop_counts_mut(after.0).cancellations += 1;
            }
        }
        Some(out)
    }
}
