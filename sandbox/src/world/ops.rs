//! State changes with the real service's rules, shared by the API routes, the control plane and the
//! living shop: placing an order (stock committed), shipping a package, cancelling, advancing an order
//! through its lifecycle, changing a recipient address. Each emits its webhook events.

use std::sync::Arc;

use rand::Rng;

use super::*;

/// Why an operation was refused; routes map these to codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpError {
    NotFound(&'static str),
    /// The order or package is cancelled.
    Cancelled,
    /// The order or package has already shipped.
    AlreadyShipped,
    /// Not allowed in the current status (message says why).
    Status(String),
    /// Bad input (message says what).
    Invalid(String),
    /// Not enough stock for the SKU.
    OutOfStock(Id),
}

impl std::fmt::Display for OpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpError::NotFound(what) => write!(f, "The {what} does not exist."),
            OpError::Cancelled => write!(f, "The order is cancelled."),
            OpError::AlreadyShipped => write!(f, "The package has already been shipped."),
            OpError::Status(m) | OpError::Invalid(m) => write!(f, "{m}"),
            OpError::OutOfStock(sku) => write!(f, "SKU {sku} is out of stock."),
        }
    }
}

/// What a new order looks like; defaults give a one-unit order of a random sellable SKU.
#[derive(Clone, Debug, Default)]
pub struct NewOrder {
    /// One entry per unit (repeat a SKU for two units). Empty = one random in-stock SKU.
    pub sku_ids: Vec<Id>,
    pub is_cod: Option<bool>,
    pub shipping_type: Option<ShippingType>,
    pub buyer_message: Option<String>,
    /// Whether the buyer pays at once (the order goes to ON_HOLD) or stays UNPAID.
    pub paid: bool,
    /// The buyer (`user_id`); `None` = a new buyer. Per-buyer deal limits count by it.
    pub user_id: Option<Id>,
}

/// How a package is handed over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handover {
    Pickup {
        slot: Option<(i64, i64)>,
    },
    DropOff,
    SelfShipment {
        tracking_number: String,
        shipping_provider_id: Id,
    },
}

impl World {
    /// Places an order in a shop: moves one unit per line item from available to committed (refused
    /// when short: available is never negative), prices each unit (a running promotion's deal, else
    /// the SKU's price), creates the order UNPAID (or ON_HOLD when `paid`), emits ORDER_STATUS_CHANGE.
    pub fn create_order(&mut self, shop_id: Id, now: i64, spec: NewOrder) -> Result<Id, OpError> {
        let shop = self
            .shops
            .get(&shop_id)
            .cloned()
            .ok_or(OpError::NotFound("shop"))?;
        let region = shop.region;
        let warehouse_id = self
            .default_warehouse(shop_id)
            .map(|w| w.id)
            .ok_or(OpError::NotFound("warehouse"))?;
        let mut skus = spec.sku_ids.clone();
        if skus.is_empty() {
            let candidates: Vec<Id> = self
                .products
                .values()
                .filter(|p| p.shop_id == shop_id && p.status == ProductStatus::Activate)
                .flat_map(|p| p.skus.iter().filter(|s| s.total_stock() > 0).map(|s| s.id))
                .collect();
            if candidates.is_empty() {
                return Err(OpError::Invalid(
                    "The shop has no SKU in stock to sell.".into(),
                ));
            }
            skus.push(candidates[self.rng.random_range(0..candidates.len())]);
        }
        // Check everything first so that a refusal changes nothing.
        let mut need: BTreeMap<Id, i64> = BTreeMap::new();
        for s in &skus {
            *need.entry(*s).or_default() += 1;
        }
        for (sku, n) in &need {
            let (p, i) = self.find_sku(*sku).ok_or(OpError::NotFound("SKU"))?;
            if p.shop_id != shop_id {
                return Err(OpError::NotFound("SKU"));
            }
            if p.skus[i].total_stock() < *n {
                return Err(OpError::OutOfStock(*sku));
            }
        }
        let mut lines = Vec::new();
        for sku in &skus {
            let (p, i) = self.find_sku(*sku).ok_or(OpError::NotFound("SKU"))?;
            let s = &p.skus[i];
            let sku_name = s
                .sales_attributes
                .iter()
                .map(|a| a.value_name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            lines.push((
                p.id,
                s.id,
                Arc::<str>::from(p.title.as_str()),
                Arc::<str>::from(sku_name.as_str()),
                Arc::<str>::from(s.seller_sku.as_str()),
                s.price,
            ));
        }
        // Each unit: available → committed, where it was taken from (the order's warehouse first).
        let mut held: Vec<CommittedUnit> = Vec::with_capacity(lines.len());
        for (_, sku, _, _, _, _) in &lines {
            match self.reserve_unit(*sku, warehouse_id, now) {
                Some(wh) => held.push(CommittedUnit {
                    sku_id: *sku,
                    warehouse_id: wh,
                }),
                None => {
                    for unit in held {
                        self.release_unit(unit, now);
                    }
                    return Err(OpError::OutOfStock(*sku));
                }
            }
        }
        let id = self.new_id(IdKind::Order);
        let user_id = spec.user_id.unwrap_or_else(|| self.new_id(IdKind::User));
        let mut line_items: Vec<LineItem> = Vec::with_capacity(lines.len());
        for (product_id, sku_id, product_name, sku_name, seller_sku, price) in lines {
            // A running activity's deal (it counts the unit against the activity's limits).
            let sale_price = self.take_deal(product_id, sku_id, price, user_id, id, now);
            line_items.push(LineItem {
                id: self.new_id(IdKind::LineItem),
                product_id,
                sku_id,
                product_name,
                sku_name,
                seller_sku,
                sale_price,
                original_price: price,
                package_id: None,
                is_cancelled: false,
                cancel_user: None,
            });
        }
        for (l, unit) in line_items.iter().zip(held) {
            self.hold_line(l.id, unit);
        }
        // The seller's discount is what the deals took off the list prices.
        let original: i64 = line_items.iter().map(|l| l.original_price).sum();
        let sub_total: i64 = line_items.iter().map(|l| l.sale_price).sum();
        let shipping_fee = region.price_scale() * 3;
        let tax = if region == Region::Us {
            sub_total * 8 / 100
        } else {
            0
        };
        let options = self
            .warehouses
            .get(&warehouse_id)
            .map(|w| w.delivery_option_ids.clone())
            .unwrap_or_default();
        let delivery_option_id = options.first().copied().unwrap_or(0);
        let is_cod = region.has_cod() && spec.is_cod.unwrap_or(false);
        let order = Order {
            id,
            shop_id,
            status: OrderStatus::Unpaid,
            create_time: now,
            update_time: now,
            paid_time: None,
            rts_time: None,
            collection_time: None,
            delivery_time: None,
            cancel_time: None,
            user_id,
            buyer_seed: self.rng.random(),
            buyer_message: spec.buyer_message.clone().unwrap_or_default(),
            shipping_type: spec.shipping_type.unwrap_or(ShippingType::Tiktok),
            shipping_provider_id: None,
            tracking_number: None,
            delivery_option_id,
            warehouse_id,
            is_cod,
            cancel_reason: None,
            cancellation_initiator: None,
            on_hold_until: None,
            payment: Payment {
                sub_total,
                shipping_fee,
                seller_discount: original - sub_total,
                platform_discount: 0,
                tax,
                total_amount: sub_total + shipping_fee + tax,
                original_total_product_price: original,
                original_shipping_fee: shipping_fee,
            },
            line_items,
            package_ids: Vec::new(),
        };
        self.insert_order(order);
        self.outbox
            .push(crate::world::events::SandboxEvent::OrderStatusChange {
                shop_id,
                order_id: id,
                order_status: OrderStatus::Unpaid,
                is_on_hold_order: false,
                update_time: now,
            });
        // COD orders skip payment: they are confirmed at once.
        if spec.paid || is_cod {
            self.pay_order(id, now)?;
        }
        Ok(id)
    }

    /// The buyer pays: UNPAID → ON_HOLD (for an hour, then AWAITING_SHIPMENT by the clock).
    pub fn pay_order(&mut self, id: Id, now: i64) -> Result<(), OpError> {
        let o = self.orders.get(&id).ok_or(OpError::NotFound("order"))?;
        if o.status != OrderStatus::Unpaid {
            return Err(OpError::Status(format!(
                "The order is {}, not UNPAID.",
                o.status.as_str()
            )));
        }
        self.set_order_status(id, OrderStatus::OnHold, now);
        Ok(())
    }

    /// Releases the hold: ON_HOLD → AWAITING_SHIPMENT, creating the order's package.
    pub fn release_hold(&mut self, id: Id, now: i64) -> Result<(), OpError> {
        let o = self.orders.get(&id).ok_or(OpError::NotFound("order"))?;
        if o.status != OrderStatus::OnHold {
            return Err(OpError::Status(format!(
                "The order is {}, not ON_HOLD.",
                o.status.as_str()
            )));
        }
        self.set_order_status(id, OrderStatus::AwaitingShipment, now);
        Ok(())
    }

    /// Makes sure an order awaiting shipment has a package holding its live line items.
    pub fn ensure_package(&mut self, order_id: Id, now: i64) -> Option<Id> {
        let o = self.orders.get(&order_id)?;
        if let Some(p) = o.package_ids.first() {
            return Some(*p);
        }
        let shop_id = o.shop_id;
        let pkg_id = self.new_id(IdKind::Package);
        self.packages.insert(
            pkg_id,
            Package {
                id: pkg_id,
                shop_id,
                order_ids: vec![order_id],
                status: PackageStatus::Processing,
                shipping_provider_id: None,
                tracking_number: None,
                handover_method: None,
                pickup_slot: None,
                create_time: now,
                update_time: now,
                shipped_time: None,
            },
        );
        self.update_order(order_id, now, |o| {
            o.package_ids.push(pkg_id);
            for l in o.line_items.iter_mut().filter(|l| !l.is_cancelled) {
                l.package_id = Some(pkg_id);
            }
        });
        self.outbox
            .push(crate::world::events::SandboxEvent::PackageUpdate {
                shop_id,
                package_id: pkg_id,
                order_ids: vec![order_id],
                update_time: now,
            });
        Some(pkg_id)
    }

    /// Ships a package: refused when an order in it is cancelled, not yet payable/paid, or the package
    /// already shipped. The order moves to AWAITING_COLLECTION (PARTIALLY_SHIPPING while another of
    /// its packages waits).
    pub fn ship_package(
        &mut self,
        shop_id: Id,
        package_id: Id,
        handover: Handover,
        now: i64,
    ) -> Result<(), OpError> {
        let pkg = self
            .packages
            .get(&package_id)
            .filter(|p| p.shop_id == shop_id)
            .cloned()
            .ok_or(OpError::NotFound("package"))?;
        for oid in &pkg.order_ids {
            let o = self.orders.get(oid).ok_or(OpError::NotFound("order"))?;
            match o.status {
                OrderStatus::Cancelled => return Err(OpError::Cancelled),
                OrderStatus::Unpaid | OrderStatus::OnHold => {
                    return Err(OpError::Status(format!(
                        "The order is {}: it cannot ship before it is AWAITING_SHIPMENT.",
                        o.status.as_str()
                    )));
                }
                OrderStatus::AwaitingShipment
                | OrderStatus::PartiallyShipping
                | OrderStatus::AwaitingCollection
                | OrderStatus::InTransit
                | OrderStatus::Delivered
                | OrderStatus::Completed => {}
            }
        }
        match pkg.status {
            PackageStatus::Processing => {}
            PackageStatus::Cancelled => return Err(OpError::Cancelled),
            PackageStatus::Fulfilling | PackageStatus::Completed => {
                return Err(OpError::AlreadyShipped);
            }
        }
        let region = self.region_of(shop_id);
        let (method, provider, tracking, slot) = match handover {
            Handover::SelfShipment {
                tracking_number,
                shipping_provider_id,
            } => {
                let ok = self
                    .shipping_providers
                    .get(&shipping_provider_id)
                    .is_some_and(|p| p.region == region);
                if !ok {
                    return Err(OpError::Invalid(format!(
                        "Unknown shipping_provider_id {shipping_provider_id} for this shop's region."
                    )));
                }
                if tracking_number.trim().is_empty() {
                    return Err(OpError::Invalid("tracking_number is required.".into()));
                }
                ("SELF_SHIPMENT", shipping_provider_id, tracking_number, None)
            }
            Handover::Pickup { slot } => {
                let (p, t) = self.assign_carrier(pkg.order_ids[0], region);
                ("PICKUP", p, t, slot)
            }
            Handover::DropOff => {
                let (p, t) = self.assign_carrier(pkg.order_ids[0], region);
                ("DROP_OFF", p, t, None)
            }
        };
        if let Some(p) = self.packages.get_mut(&package_id) {
            p.status = PackageStatus::Fulfilling;
            p.shipping_provider_id = Some(provider);
            p.tracking_number = Some(tracking.clone());
            p.handover_method = Some(method.to_string());
            p.pickup_slot = slot;
            p.shipped_time = Some(now);
            p.update_time = now;
        }
        self.outbox
            .push(crate::world::events::SandboxEvent::PackageUpdate {
                shop_id,
                package_id,
                order_ids: pkg.order_ids.clone(),
                update_time: now,
            });
        for oid in pkg.order_ids {
            let all_shipped = self.orders.get(&oid).is_some_and(|o| {
                o.package_ids.iter().all(|p| {
                    self.packages
                        .get(p)
                        .is_some_and(|p| p.status != PackageStatus::Processing)
                })
            });
            self.update_order(oid, now, |o| {
                o.shipping_provider_id = Some(provider);
                o.tracking_number = Some(tracking.clone());
            });
            let status = if all_shipped {
                OrderStatus::AwaitingCollection
            } else {
                OrderStatus::PartiallyShipping
            };
            let current = self.orders.get(&oid).map(|o| o.status);
            if matches!(
                current,
                Some(OrderStatus::AwaitingShipment) | Some(OrderStatus::PartiallyShipping)
            ) {
                self.set_order_status(oid, status, now);
            }
        }
        Ok(())
    }

    fn assign_carrier(&mut self, order_id: Id, region: Region) -> (Id, String) {
        let option = self.orders.get(&order_id).map(|o| o.delivery_option_id);
        let providers: Vec<Id> = option
            .and_then(|o| self.delivery_options.get(&o))
            .map(|d| d.shipping_provider_ids.clone())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| {
                self.shipping_providers
                    .values()
                    .filter(|p| p.region == region)
                    .map(|p| p.id)
                    .collect()
            });
        let provider = providers.first().copied().unwrap_or(0);
        let tracking = format!("TT{:012}", self.rng.random_range(0..1_000_000_000_000u64));
        (provider, tracking)
    }

    /// Cancels an order (or some of its units) for `role` ("SELLER", "BUYER", "SYSTEM"): refused once
    /// shipped. Units go back to available stock (auto-restock); a cancellation record is kept.
    /// Returns the cancellation id.
    pub fn cancel_order(
        &mut self,
        order_id: Id,
        line_item_ids: &[Id],
        role: &str,
        reason: &str,
        now: i64,
    ) -> Result<Id, OpError> {
        let o = self
            .orders
            .get(&order_id)
            .cloned()
            .ok_or(OpError::NotFound("order"))?;
        match o.status {
            OrderStatus::Cancelled => return Err(OpError::Cancelled),
            OrderStatus::PartiallyShipping
            | OrderStatus::AwaitingCollection
            | OrderStatus::InTransit
            | OrderStatus::Delivered
            | OrderStatus::Completed => return Err(OpError::AlreadyShipped),
            OrderStatus::Unpaid | OrderStatus::OnHold | OrderStatus::AwaitingShipment => {}
        }
        let live: Vec<Id> = o
            .line_items
            .iter()
            .filter(|l| !l.is_cancelled)
            .map(|l| l.id)
            .collect();
        for id in line_item_ids {
            if !o.line_items.iter().any(|l| l.id == *id) {
                return Err(OpError::Invalid(format!(
                    "Line item {id} is not in order {order_id}."
                )));
            }
            if !live.contains(id) {
                return Err(OpError::Invalid(format!(
                    "Line item {id} is already cancelled."
                )));
            }
        }
        let targets: Vec<Id> = if line_item_ids.is_empty() {
            live.clone()
        } else {
            line_item_ids.to_vec()
        };
        let whole = targets.len() == live.len();
        let refund: i64 = o
            .line_items
            .iter()
            .filter(|l| targets.contains(&l.id))
            .map(|l| l.sale_price)
            .sum();
        let cid = self.new_id(IdKind::Cancellation);
        if whole {
            self.update_order(order_id, now, |o| {
                o.cancel_reason = Some(reason.to_string());
                o.cancellation_initiator = Some(role.to_string());
            });
            self.set_order_status(order_id, OrderStatus::Cancelled, now);
        } else {
            let by: Arc<str> = role.into();
            // `update_order` puts the cancelled units back (committed → available).
            self.update_order(order_id, now, |o| {
                for l in o.line_items.iter_mut().filter(|l| targets.contains(&l.id)) {
                    l.is_cancelled = true;
                    l.cancel_user = Some(by.clone());
                }
            });
        }
        self.insert_cancellation(Cancellation {
            id: cid,
            shop_id: o.shop_id,
            order_id,
            role: role.to_string(),
            status: CancelStatus::RequestComplete,
            reason: reason.to_string(),
            line_item_ids: targets,
            refund_total: if whole {
                o.payment.total_amount
            } else {
                refund
            },
            create_time: now,
            update_time: now,
            lapsed: false,
        });
        self.outbox.push(
            crate::world::events::SandboxEvent::CancellationStatusChange {
                shop_id: o.shop_id,
                order_id,
                cancellations_role: role.to_string(),
                cancel_status: CancelStatus::RequestComplete.as_str().to_string(),
                cancel_id: cid,
                create_time: now,
                update_time: now,
            },
        );
        Ok(cid)
    }

    /// Moves an order one step along the normal lifecycle (paying, releasing the hold, shipping by
    /// pickup, collection, delivery, completion). Returns the new status.
    pub fn advance_order(&mut self, order_id: Id, now: i64) -> Result<OrderStatus, OpError> {
        let o = self
            .orders
            .get(&order_id)
            .cloned()
            .ok_or(OpError::NotFound("order"))?;
        match o.status {
            OrderStatus::Unpaid => self.pay_order(order_id, now)?,
            OrderStatus::OnHold => self.release_hold(order_id, now)?,
            OrderStatus::AwaitingShipment | OrderStatus::PartiallyShipping => {
                self.ensure_package(order_id, now);
                let pkgs = self
                    .orders
                    .get(&order_id)
                    .map(|o| o.package_ids.clone())
                    .unwrap_or_default();
                for p in pkgs {
                    if self
                        .packages
                        .get(&p)
                        .is_some_and(|p| p.status == PackageStatus::Processing)
                    {
                        let handover = match o.shipping_type {
                            ShippingType::Tiktok => Handover::Pickup { slot: None },
                            ShippingType::Seller => {
                                let region = self.region_of(o.shop_id);
                                let (provider, tracking) = self.assign_carrier(order_id, region);
                                Handover::SelfShipment {
                                    tracking_number: tracking,
                                    shipping_provider_id: provider,
                                }
                            }
                        };
                        self.ship_package(o.shop_id, p, handover, now)?;
                    }
                }
            }
            OrderStatus::AwaitingCollection => {
                self.set_order_status(order_id, OrderStatus::InTransit, now);
            }
            OrderStatus::InTransit => {
                self.set_order_status(order_id, OrderStatus::Delivered, now);
            }
            OrderStatus::Delivered => {
                self.set_order_status(order_id, OrderStatus::Completed, now);
            }
            OrderStatus::Completed | OrderStatus::Cancelled => {
                return Err(OpError::Status(format!(
                    "The order is {}: it has no next status.",
                    o.status.as_str()
                )));
            }
        }
        Ok(self
            .orders
            .get(&order_id)
            .map(|o| o.status)
            .unwrap_or(o.status))
    }

    /// The buyer changes the delivery address (before shipping): RECIPIENT_ADDRESS_UPDATE.
    pub fn change_address(&mut self, order_id: Id, now: i64) -> Result<(), OpError> {
        let o = self
            .orders
            .get(&order_id)
            .ok_or(OpError::NotFound("order"))?;
        if o.status.is_shipped() || o.status == OrderStatus::Cancelled {
            return Err(OpError::Status(
                "The order has shipped or is cancelled.".into(),
            ));
        }
        let shop_id = o.shop_id;
        let seed = self.rng.random();
        self.update_order(order_id, now, |o| o.buyer_seed = seed);
        self.outbox
            .push(crate::world::events::SandboxEvent::RecipientAddressUpdate {
                shop_id,
                order_id,
                update_time: now,
            });
        Ok(())
    }
}
