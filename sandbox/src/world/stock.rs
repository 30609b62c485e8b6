//! The inventory books, as TikTok keeps them: per SKU and warehouse, **available** units (orderable; what
//! Get Product shows as `inventory[].quantity` and what inventory update sets) and **committed** units
//! (held by placed orders that have not shipped; not orderable). Physical stock = available + committed.
//!
//! - Placing an order (any status before shipping, UNPAID included) moves each unit available →
//!   committed in the warehouse it was taken from ([`World::reserve_unit`]).
//! - Cancelling a unit before it ships moves it committed → available (auto-restock is assumed on).
//! - Shipping a unit removes it from committed (it leaves the warehouse; available is unchanged).
//!
//! Each unit still held is recorded in [`World::committed_lines`] (line item id → where it is held), from
//! the moment the order is placed until the unit ships or is cancelled. [`World::update_order`] calls
//! [`World::settle_committed`] after every change to an order, so every path that ships or cancels
//! (the API, the control plane, the living shop, the clock) goes through one place, and a unit leaves
//! the books exactly once: its record is removed when it does.

use super::*;

/// One warehouse's books for a SKU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stock {
    pub warehouse_id: Id,
    /// Available units (orderable); never negative.
    pub quantity: i64,
    /// Units held by placed orders not yet shipped; never negative.
    pub committed: i64,
}

impl Stock {
    /// A warehouse entry with `quantity` available and nothing committed.
    pub fn available(warehouse_id: Id, quantity: i64) -> Stock {
        Stock {
            warehouse_id,
            quantity,
            committed: 0,
        }
    }
}

/// Where a unit of an order line is held: its SKU and the warehouse it was taken from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommittedUnit {
    pub sku_id: Id,
    pub warehouse_id: Id,
}

/// A new inventory list for a SKU (a product create or edit replaces it) that keeps the committed units
/// of the old one: each warehouse keeps its committed count, and a warehouse left out that still holds
/// committed units stays, with nothing available (the units are in it, promised to buyers, until they
/// ship or are cancelled).
pub fn carry_committed(old: &[Stock], new: Vec<Stock>) -> Vec<Stock> {
    let mut out: Vec<Stock> = Vec::with_capacity(new.len());
    for mut s in new {
        // A warehouse named twice gets its committed units once.
        let seen = out.iter().any(|x| x.warehouse_id == s.warehouse_id);
        s.committed = if seen {
            0
        } else {
            old.iter()
                .find(|x| x.warehouse_id == s.warehouse_id)
                .map_or(0, |x| x.committed)
        };
        out.push(s);
    }
    for o in old.iter().filter(|o| o.committed > 0) {
        if !out.iter().any(|x| x.warehouse_id == o.warehouse_id) {
            out.push(Stock {
                warehouse_id: o.warehouse_id,
                quantity: 0,
                committed: o.committed,
            });
        }
    }
    out
}

impl Sku {
    /// Units available over all warehouses.
    pub fn total_stock(&self) -> i64 {
        self.inventory.iter().map(|s| s.quantity).sum()
    }

    /// Units committed over all warehouses.
    pub fn total_committed(&self) -> i64 {
        self.inventory.iter().map(|s| s.committed).sum()
    }
}

impl World {
    /// A SKU's books: `(warehouse_id, available, committed)` per warehouse, in the SKU's order. Empty
    /// for an unknown SKU.
    pub fn stock_of(&self, sku_id: Id) -> Vec<(Id, i64, i64)> {
        self.find_sku(sku_id)
            .map(|(p, i)| {
                p.skus[i]
                    .inventory
                    .iter()
                    .map(|s| (s.warehouse_id, s.quantity, s.committed))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn sku_mut(&mut self, sku_id: Id) -> Option<&mut Sku> {
        let pid = self.sku_owner.get(&sku_id)?;
        self.products
            .get_mut(pid)?
            .skus
            .iter_mut()
            .find(|s| s.id == sku_id)
    }

    /// Takes one unit of a SKU for an order: available → committed, in `warehouse_id` (the order's)
    /// when it has one available, else in any warehouse that has. Answers the warehouse it was taken
    /// from; `None` (nothing changed) when no warehouse has one: available is never negative.
    pub fn reserve_unit(&mut self, sku_id: Id, warehouse_id: Id, now: i64) -> Option<Id> {
        let (p, k) = self.find_sku(sku_id)?;
        let pid = p.id;
        let inventory = &p.skus[k].inventory;
        let i = inventory
            .iter()
            .position(|s| s.warehouse_id == warehouse_id && s.quantity >= 1)
            .or_else(|| inventory.iter().position(|s| s.quantity >= 1))?;
        self.update_product(pid, now, |p| {
            let s = &mut p.skus[k].inventory[i];
            s.quantity -= 1;
            s.committed += 1;
            s.warehouse_id
        })
    }

    /// Records that an order line holds `unit`, whose available → committed move is already made.
    pub(crate) fn hold_line(&mut self, line_id: Id, unit: CommittedUnit) {
        self.committed_lines.insert(line_id, unit);
    }

    /// The entry a held unit is released from: its own warehouse when it has a committed unit, else any
    /// warehouse of the SKU that has one.
    fn committed_slot(sku: &Sku, warehouse_id: Id) -> Option<usize> {
        sku.inventory
            .iter()
            .position(|s| s.warehouse_id == warehouse_id && s.committed >= 1)
            .or_else(|| sku.inventory.iter().position(|s| s.committed >= 1))
    }

    /// A held unit is cancelled before shipping: committed → available (auto-restock).
    pub(crate) fn release_unit(&mut self, unit: CommittedUnit, now: i64) {
        let Some(&pid) = self.sku_owner.get(&unit.sku_id) else {
            return;
        };
        self.update_product(pid, now, |p| {
            if let Some(sku) = p.skus.iter_mut().find(|s| s.id == unit.sku_id)
                && let Some(i) = Self::committed_slot(sku, unit.warehouse_id)
            {
                sku.inventory[i].committed -= 1;
                sku.inventory[i].quantity += 1;
            }
        });
    }

    /// A held unit ships: it leaves the warehouse and the committed count. Available does not change,
    /// so neither does anything Get Product shows: the product's `update_time` stays.
    fn ship_unit(&mut self, unit: CommittedUnit) {
        if let Some(sku) = self.sku_mut(unit.sku_id)
            && let Some(i) = Self::committed_slot(sku, unit.warehouse_id)
        {
            sku.inventory[i].committed -= 1;
        }
    }

    /// Brings the books in line with an order's state: each line still held that has shipped (its
    /// package shipped, or the order has) leaves committed; each one cancelled before shipping goes back
    /// to available. Lines not held (already settled, or never held) are left alone.
    pub fn settle_committed(&mut self, order_id: Id, now: i64) {
        if self.committed_lines.is_empty() {
            return;
        }
        let Some(o) = self.orders.get(&order_id) else {
            return;
        };
        let mut shipped = Vec::new();
        let mut released = Vec::new();
        for l in &o.line_items {
            let Some(unit) = self.committed_lines.get(&l.id) else {
                continue;
            };
            let package_shipped = l
                .package_id
                .and_then(|p| self.packages.get(&p))
                .is_some_and(|p| {
                    matches!(
                        p.status,
                        PackageStatus::Fulfilling | PackageStatus::Completed
                    )
                });
            if package_shipped {
                shipped.push((l.id, *unit));
            } else if l.is_cancelled || o.status == OrderStatus::Cancelled {
                released.push((l.id, *unit));
            } else if o.status.is_shipped() {
                shipped.push((l.id, *unit));
            }
        }
        for (line, unit) in shipped {
            self.committed_lines.remove(&line);
            self.ship_unit(unit);
        }
        for (line, unit) in released {
            self.committed_lines.remove(&line);
            self.release_unit(unit, now);
        }
    }

    /// For a world built directly (the generator): records every line of the order that is placed, not
    /// shipped and not cancelled as held, in the order's warehouse when the SKU stocks there, else in the
    /// SKU's first warehouse, adding it to committed. Available is left as it is. Lines of SKUs that do
    /// not exist are skipped.
    pub fn hold_open_lines(&mut self, order_id: Id) {
        let Some(o) = self.orders.get(&order_id) else {
            return;
        };
        if o.status == OrderStatus::Cancelled || o.status.is_shipped() {
            return;
        }
        let warehouse = o.warehouse_id;
        let open: Vec<(Id, Id)> = o
            .line_items
            .iter()
            .filter(|l| !l.is_cancelled && !self.committed_lines.contains_key(&l.id))
            .filter(|l| {
                !l.package_id
                    .and_then(|p| self.packages.get(&p))
                    .is_some_and(|p| {
                        matches!(
                            p.status,
                            PackageStatus::Fulfilling | PackageStatus::Completed
                        )
                    })
            })
            .map(|l| (l.id, l.sku_id))
            .collect();
        for (line, sku_id) in open {
            let Some(sku) = self.sku_mut(sku_id) else {
                continue;
            };
            let Some(i) = sku
                .inventory
                .iter()
                .position(|s| s.warehouse_id == warehouse)
                .or((!sku.inventory.is_empty()).then_some(0))
            else {
                continue;
            };
            sku.inventory[i].committed += 1;
            let warehouse_id = sku.inventory[i].warehouse_id;
            self.committed_lines.insert(
                line,
                CommittedUnit {
                    sku_id,
                    warehouse_id,
                },
            );
        }
    }

    /// Puts `n` units into available (a returned package accepted back into stock), in the given
    /// warehouse when the SKU stocks there, else its first.
    pub fn restore_stock(&mut self, sku_id: Id, warehouse_id: Id, n: i64, now: i64) {
        let Some(&pid) = self.sku_owner.get(&sku_id) else {
            return;
        };
        self.update_product(pid, now, |p| {
            if let Some(sku) = p.skus.iter_mut().find(|s| s.id == sku_id) {
                if let Some(s) = sku
                    .inventory
                    .iter_mut()
                    .find(|s| s.warehouse_id == warehouse_id)
                {
                    s.quantity += n;
                } else if let Some(s) = sku.inventory.first_mut() {
                    s.quantity += n;
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_inventory_keeps_committed_units() {
        let old = vec![
            Stock {
                warehouse_id: 1,
                quantity: 5,
                committed: 2,
            },
            Stock {
                warehouse_id: 2,
                quantity: 3,
                committed: 4,
            },
            Stock {
                warehouse_id: 3,
                quantity: 9,
                committed: 0,
            },
        ];
        let new = carry_committed(
            &old,
            vec![
                Stock::available(1, 10),
                Stock::available(1, 1),
                Stock::available(4, 7),
            ],
        );
        assert_eq!(
            new,
            vec![
                Stock {
                    warehouse_id: 1,
                    quantity: 10,
                    committed: 2
                },
                Stock::available(1, 1),
                Stock::available(4, 7),
                // Left out but holding units for buyers: kept, nothing available.
                Stock {
                    warehouse_id: 2,
                    quantity: 0,
                    committed: 4
                },
            ]
        );
    }
}
