//! Orders, their line items, payment and packages, and the `World` methods that insert orders, change
//! them (keeping the order indexes and hold timers right) and move them through their statuses.

use std::sync::Arc;

use super::{Id, ON_HOLD_SECONDS, World};
use crate::world::events::SandboxEvent;

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

impl World {
    /// Adds an order (or replaces the one with its id), indexed and counted in its shop.
    pub fn insert_order(&mut self, order: Order) {
        if let Some(old) = self.orders.get(&order.id) {
            let (shop, created, updated, id) =
                (old.shop_id, old.create_time, old.update_time, old.id);
            let hold = old.on_hold_until;
            self.orders_by_create.remove(&(shop, created, id));
            self.orders_by_update.remove(&(shop, updated, id));
            if let Some(due) = hold {
                self.hold_timers.remove(&(due, id));
            }
            self.shop_counts_mut(shop).orders -= 1;
        }
        self.shop_counts_mut(order.shop_id).orders += 1;
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
}
