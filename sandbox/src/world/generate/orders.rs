//! Each shop's generated orders, consistent with their statuses: line items, payment, packages, and the
//! cancellations and returns that go with them. Then the shop's promotions and coupons.

use std::sync::Arc;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::catalog::generate_products;
use super::promotions::generate_promotions;
use super::{DAY, pick};
use crate::SandboxConfig;
use crate::world::after_sales::generated_history;
use crate::world::*;

const CANCEL_REASONS: &[&str] = &[
    "Buyer changed mind",
    "Out of stock",
    "Pricing error",
    "Unable to deliver to buyer address",
    "Payment overdue",
];
const RETURN_REASONS: &[&str] = &[
    "Wrong size",
    "Damaged item",
    "Not as described",
    "Changed my mind",
];
const BUYER_MESSAGES: &[&str] = &[
    "Please gift wrap.",
    "Leave at the front door.",
    "Can you ship before Friday?",
];

/// How long ago a generated request awaiting the seller last changed: 1–21 h, by id.
fn recent(id: Id) -> i64 {
    3_600 + (id % (20 * 3_600)) as i64
}

/// A snapshot of a sellable SKU for order lines.
#[derive(Clone)]
struct Sellable {
    product_id: Id,
    sku_id: Id,
    product_name: Arc<str>,
    sku_name: Arc<str>,
    seller_sku: Arc<str>,
    price: i64,
}

fn sellables(w: &World, shop_id: Id) -> Vec<Sellable> {
    let mut out = Vec::new();
    for p in w.products.values().filter(|p| p.shop_id == shop_id) {
        if p.status != ProductStatus::Activate {
            continue;
        }
        let name: Arc<str> = Arc::from(p.title.as_str());
        for s in &p.skus {
            let sku_name = s
                .sales_attributes
                .iter()
                .map(|a| a.value_name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            out.push(Sellable {
                product_id: p.id,
                sku_id: s.id,
                product_name: name.clone(),
                sku_name: Arc::from(sku_name.as_str()),
                seller_sku: Arc::from(s.seller_sku.as_str()),
                price: s.price,
            });
        }
    }
    out
}

/// Picks the status of a generated order; the first nine of each shop cover every status.
fn order_status(rng: &mut ChaCha8Rng, n: usize) -> OrderStatus {
    if n < OrderStatus::ALL.len() {
        return OrderStatus::ALL[n];
    }
    match rng.random_range(0..100) {
        0..=3 => OrderStatus::Unpaid,
        4..=7 => OrderStatus::OnHold,
        8..=22 => OrderStatus::AwaitingShipment,
        23..=24 => OrderStatus::PartiallyShipping,
        25..=32 => OrderStatus::AwaitingCollection,
        33..=42 => OrderStatus::InTransit,
        43..=52 => OrderStatus::Delivered,
        53..=89 => OrderStatus::Completed,
        _ => OrderStatus::Cancelled,
    }
}

pub(super) fn generate_shop(
    w: &mut World,
    rng: &mut ChaCha8Rng,
    config: &SandboxConfig,
    shop_id: Id,
    leaves: &[Id],
    brand_ids: &[Id],
    now: i64,
) {
    generate_products(w, rng, config.products, shop_id, leaves, brand_ids, now);
    let shop = w.shops[&shop_id].clone();
    let region = shop.region;
    let stock_wh = shop.warehouse_ids[0];
    let options = w.warehouses[&stock_wh].delivery_option_ids.clone();
    let providers = w.delivery_options[&options[0]]
        .shipping_provider_ids
        .clone();
    let mut goods = sellables(w, shop_id);
    if goods.is_empty() {
        // No products: orders still need lines; they point at a product that no longer exists.
        goods.push(Sellable {
            product_id: w.ids.next(IdKind::Product, rng),
            sku_id: w.ids.next(IdKind::Sku, rng),
            product_name: Arc::from("Discontinued item"),
            sku_name: Arc::from("Default"),
            seller_sku: Arc::from("OC-DISCONTINUED"),
            price: region.price_scale() * 10,
        });
    }
    let buyers: Vec<Id> = (0..(config.orders / 3).max(1))
        .map(|_| w.ids.next(IdKind::User, rng))
        .collect();
    let scale = region.price_scale();

    for n in 0..config.orders {
        let status = order_status(rng, n);
        let id = w.ids.next(IdKind::Order, rng);
        // How long ago the order was placed, consistent with its status.
        let age = match status {
            OrderStatus::Unpaid | OrderStatus::OnHold => rng.random_range(60..3_000),
            OrderStatus::AwaitingShipment | OrderStatus::PartiallyShipping => {
                rng.random_range(2 * 3600..3 * DAY)
            }
            OrderStatus::AwaitingCollection | OrderStatus::InTransit => {
                rng.random_range(DAY..6 * DAY)
            }
            OrderStatus::Delivered => rng.random_range(4 * DAY..14 * DAY),
            OrderStatus::Completed | OrderStatus::Cancelled => rng.random_range(DAY..90 * DAY),
        };
        let create_time = now - age;
        let units = if status == OrderStatus::PartiallyShipping {
            rng.random_range(2..=4)
        } else {
            match rng.random_range(0..10) {
                0..=5 => 1,
                6..=8 => 2,
                _ => rng.random_range(3..=5),
            }
        };
        let mut line_items = Vec::with_capacity(units);
        for _ in 0..units {
            let g = goods[rng.random_range(0..goods.len())].clone();
            let marked_up = rng.random_bool(0.3);
            line_items.push(LineItem {
                id: w.ids.next(IdKind::LineItem, rng),
                product_id: g.product_id,
                sku_id: g.sku_id,
                product_name: g.product_name,
                sku_name: g.sku_name,
                seller_sku: g.seller_sku,
                sale_price: g.price,
                original_price: if marked_up {
                    g.price + scale * 2
                } else {
                    g.price
                },
                package_id: None,
                is_cancelled: status == OrderStatus::Cancelled,
                cancel_user: None,
            });
        }
        let sub_total: i64 = line_items.iter().map(|l| l.sale_price).sum();
        let original: i64 = line_items.iter().map(|l| l.original_price).sum();
        let shipping_fee = if rng.random_bool(0.4) {
            0
        } else {
            scale * rng.random_range(2..8)
        };
        let platform_discount = if rng.random_bool(0.2) { scale } else { 0 };
        let seller_discount = original - sub_total;
        let tax = if region == Region::Us {
            sub_total * 8 / 100
        } else {
            0
        };
        let total_amount = (sub_total + shipping_fee + tax - platform_discount).max(0);
        let paid = !matches!(status, OrderStatus::Unpaid)
            && !(status == OrderStatus::Cancelled && rng.random_bool(0.3));
        let paid_time = paid.then(|| create_time + rng.random_range(10..600));
        let shipped = status.is_shipped();
        let shipping_type = if rng.random_bool(0.2) {
            ShippingType::Seller
        } else {
            ShippingType::Tiktok
        };
        let provider = *pick(rng, &providers);
        let tracking =
            shipped.then(|| format!("TT{:012}", rng.random_range(0..1_000_000_000_000u64)));
        let rts_time =
            shipped.then(|| paid_time.unwrap_or(create_time) + rng.random_range(3600..DAY));
        let collection_time = matches!(
            status,
            OrderStatus::InTransit | OrderStatus::Delivered | OrderStatus::Completed
        )
        .then(|| rts_time.unwrap_or(create_time) + rng.random_range(3600..DAY));
        let delivery_time = matches!(status, OrderStatus::Delivered | OrderStatus::Completed)
            .then(|| collection_time.unwrap_or(create_time) + rng.random_range(DAY..3 * DAY));
        let cancel_time =
            (status == OrderStatus::Cancelled).then(|| create_time + rng.random_range(600..DAY));
        let update_time = [
            Some(create_time),
            paid_time,
            rts_time,
            collection_time,
            delivery_time,
            cancel_time,
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(create_time)
        .min(now);
        let on_hold_until = (status == OrderStatus::OnHold)
            .then(|| paid_time.unwrap_or(create_time) + ON_HOLD_SECONDS);

        // Packages exist once the order awaits shipment.
        let mut package_ids = Vec::new();
        let has_package = matches!(
            status,
            OrderStatus::AwaitingShipment
                | OrderStatus::PartiallyShipping
                | OrderStatus::AwaitingCollection
                | OrderStatus::InTransit
                | OrderStatus::Delivered
                | OrderStatus::Completed
        ) || (status == OrderStatus::Cancelled && paid && rng.random_bool(0.5));
        if has_package {
            let split = status == OrderStatus::PartiallyShipping;
            let groups = if split { 2 } else { 1 };
            for g in 0..groups {
                let pkg_id = w.ids.next(IdKind::Package, rng);
                let pkg_shipped = shipped || (split && g == 0);
                let pstatus = match status {
                    OrderStatus::Cancelled => PackageStatus::Cancelled,
                    OrderStatus::Delivered | OrderStatus::Completed => PackageStatus::Completed,
                    _ if pkg_shipped => PackageStatus::Fulfilling,
                    _ => PackageStatus::Processing,
                };
                let pkg_tracking = if pkg_shipped {
                    tracking.clone().or_else(|| {
                        Some(format!(
                            "TT{:012}",
                            rng.random_range(0..1_000_000_000_000u64)
                        ))
                    })
                } else {
                    None
                };
                w.packages.insert(
                    pkg_id,
                    Package {
                        id: pkg_id,
                        shop_id,
                        order_ids: vec![id],
                        status: pstatus,
                        shipping_provider_id: pkg_shipped.then_some(provider),
                        tracking_number: pkg_tracking,
                        handover_method: pkg_shipped.then(|| "PICKUP".to_string()),
                        pickup_slot: None,
                        create_time: paid_time.unwrap_or(create_time),
                        update_time,
                        shipped_time: if pkg_shipped {
                            rts_time.or(Some(update_time))
                        } else {
                            None
                        },
                    },
                );
                package_ids.push(pkg_id);
            }
            let per = line_items.len().div_ceil(groups);
            for (i, l) in line_items.iter_mut().enumerate() {
                l.package_id = Some(package_ids[(i / per).min(package_ids.len() - 1)]);
            }
        }

        let (cancel_reason, initiator) = if status == OrderStatus::Cancelled {
            let initiator = if !paid {
                "SYSTEM"
            } else if rng.random_bool(0.6) {
                "BUYER"
            } else {
                "SELLER"
            };
            (
                Some(if initiator == "SYSTEM" {
                    "Payment overdue".to_string()
                } else {
                    pick(rng, CANCEL_REASONS).to_string()
                }),
                Some(initiator.to_string()),
            )
        } else {
            (None, None)
        };

        let order = Order {
            id,
            shop_id,
            status,
            create_time,
            update_time,
            paid_time,
            rts_time,
            collection_time,
            delivery_time,
            cancel_time,
            user_id: *pick(rng, &buyers),
            buyer_seed: rng.random(),
            buyer_message: if rng.random_bool(0.1) {
                pick(rng, BUYER_MESSAGES).to_string()
            } else {
                String::new()
            },
            shipping_type,
            shipping_provider_id: (shipped || status == OrderStatus::PartiallyShipping)
                .then_some(provider),
            tracking_number: tracking,
            delivery_option_id: options[rng.random_range(0..options.len())],
            warehouse_id: stock_wh,
            is_cod: region.has_cod() && rng.random_bool(0.3),
            cancel_reason,
            cancellation_initiator: initiator,
            on_hold_until,
            payment: Payment {
                sub_total,
                shipping_fee,
                seller_discount,
                platform_discount,
                tax,
                total_amount,
                original_total_product_price: original,
                original_shipping_fee: shipping_fee,
            },
            line_items,
            package_ids,
        };

        // Cancellations and returns that go with the order.
        if status == OrderStatus::Cancelled
            && order.cancellation_initiator.as_deref() != Some("SYSTEM")
        {
            let cid = w.ids.next(IdKind::Cancellation, rng);
            w.insert_cancellation(Cancellation {
                id: cid,
                shop_id,
                order_id: id,
                role: order.cancellation_initiator.clone().unwrap_or_default(),
                status: CancelStatus::RequestComplete,
                reason: order.cancel_reason.clone().unwrap_or_default(),
                line_item_ids: order.line_items.iter().map(|l| l.id).collect(),
                refund_total: order.payment.total_amount,
                create_time: cancel_time.unwrap_or(update_time),
                update_time,
                lapsed: false,
            });
        } else if status == OrderStatus::AwaitingShipment && rng.random_bool(0.05) {
            // A buyer asked to cancel; the seller has not answered yet, so it was asked within the
            // 2-day deadline (spread by id, not the rng, to keep the world's draws as they were).
            let cid = w.ids.next(IdKind::Cancellation, rng);
            let asked = update_time.max(now - recent(cid)).min(now);
            w.insert_cancellation(Cancellation {
                id: cid,
                shop_id,
                order_id: id,
                role: "BUYER".into(),
                status: CancelStatus::RequestPending,
                reason: pick(rng, CANCEL_REASONS).to_string(),
                line_item_ids: order.line_items.iter().map(|l| l.id).collect(),
                refund_total: order.payment.total_amount,
                create_time: asked,
                update_time: asked,
                lapsed: false,
            });
        } else if matches!(status, OrderStatus::Delivered | OrderStatus::Completed)
            && (rng.random_bool(0.06) || n == OrderStatus::ALL.len())
        {
            let rid = w.ids.next(IdKind::Return, rng);
            let rstatus = *pick(
                rng,
                &[
                    ReturnStatus::RequestPending,
                    ReturnStatus::RequestPending,
                    ReturnStatus::AwaitingBuyerShip,
                    ReturnStatus::BuyerShippedItem,
                    ReturnStatus::RequestComplete,
                    ReturnStatus::RequestReject,
                ],
            );
            let line = &order.line_items[0];
            let created = delivery_time.unwrap_or(update_time) + rng.random_range(3600..2 * DAY);
            let created = created.min(now);
            // One awaiting the seller changed within its 2-day deadline.
            let updated = if matches!(
                rstatus,
                ReturnStatus::RequestPending | ReturnStatus::BuyerShippedItem
            ) {
                created.max(now - recent(rid)).min(now)
            } else {
                created
            };
            let created = if rstatus == ReturnStatus::RequestPending {
                updated
            } else {
                created
            };
            let mut r = ReturnOrder {
                id: rid,
                shop_id,
                order_id: id,
                role: "BUYER".into(),
                return_type: if rng.random_bool(0.3) {
                    ReturnType::Refund
                } else {
                    ReturnType::ReturnAndRefund
                },
                status: rstatus,
                reason: pick(rng, RETURN_REASONS).to_string(),
                line_item_ids: vec![line.id],
                refund_total: line.sale_price,
                create_time: created,
                update_time: updated,
                records: Vec::new(),
                lapsed_from: None,
            };
            r.records = generated_history(&r);
            w.insert_return(r);
        }
        w.insert_order(order);
        // Its units not shipped and not cancelled are committed in the books (available as generated).
        w.hold_open_lines(id);
    }

    generate_promotions(w, rng, shop_id, scale, now);
}
