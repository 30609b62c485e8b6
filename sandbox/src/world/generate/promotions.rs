//! Each shop's generated promotions (activities over its active products) and coupons.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::DAY;
use crate::world::*;

/// Promotions and coupons for one shop, after its orders (data; their endpoints live elsewhere).
pub(super) fn generate_promotions(
    w: &mut World,
    rng: &mut ChaCha8Rng,
    shop_id: Id,
    scale: i64,
    now: i64,
) {
    // Promotions and coupons (data; their endpoints live elsewhere).
    let active: Vec<Id> = w
        .products
        .values()
        .filter(|p| p.shop_id == shop_id && p.status == ProductStatus::Activate)
        .map(|p| p.id)
        .collect();
    let promo_plans: [(&str, &str, &str, i64, i64); 5] = [
        ("Summer Flash Sale", "FLASHSALE", "ONGOING", -DAY, DAY),
        (
            "Bundle Fixed Price",
            "FIXED_PRICE",
            "NOT_START",
            3 * DAY,
            10 * DAY,
        ),
        (
            "10% Off Essentials",
            "DIRECT_DISCOUNT",
            "ONGOING",
            -5 * DAY,
            20 * DAY,
        ),
        (
            "Spring Clearance",
            "DIRECT_DISCOUNT",
            "EXPIRED",
            -60 * DAY,
            -30 * DAY,
        ),
        (
            "Paused Deal",
            "FIXED_PRICE",
            "DEACTIVATED",
            -10 * DAY,
            10 * DAY,
        ),
    ];
    for (title, kind, status, begin, end) in promo_plans {
        let id = w.ids.next(IdKind::Promotion, rng);
        let products = active
            .iter()
            .take(3)
            .map(|pid| {
                let price = w.products[pid]
                    .skus
                    .first()
                    .map(|s| s.price)
                    .unwrap_or(scale);
                PromotionProduct {
                    product_id: *pid,
                    activity_price: (kind != "DIRECT_DISCOUNT").then_some(price * 8 / 10),
                    discount_percent: (kind == "DIRECT_DISCOUNT").then_some(10),
                    quantity_limit: -1,
                    quantity_per_user: if kind == "FLASHSALE" { 2 } else { -1 },
                    sku_ids: Vec::new(),
                }
            })
            .collect();
        let created = now + begin.min(0) - 2 * DAY;
        w.promotions.insert(
            id,
            Promotion {
                id,
                shop_id,
                title: title.into(),
                activity_type: kind.into(),
                product_level: "PRODUCT".into(),
                status: status.into(),
                begin_time: now + begin,
                end_time: now + end,
                products,
                create_time: created,
                update_time: created,
            },
        );
    }
    let coupon_plans: [(&str, &str, &str, i64, i64); 4] = [
        (
            "Welcome 5 off",
            "FIXED_AMOUNT_OFF",
            "ONGOING",
            -10 * DAY,
            30 * DAY,
        ),
        (
            "15% off orders over 50",
            "PERCENTAGE_OFF",
            "ONGOING",
            -2 * DAY,
            5 * DAY,
        ),
        (
            "Holiday 20% off",
            "PERCENTAGE_OFF",
            "NOT_START",
            20 * DAY,
            40 * DAY,
        ),
        (
            "Last season 3 off",
            "FIXED_AMOUNT_OFF",
            "EXPIRED",
            -90 * DAY,
            -60 * DAY,
        ),
    ];
    for (title, kind, status, begin, end) in coupon_plans {
        let id = w.ids.next(IdKind::Coupon, rng);
        let total = rng.random_range(100..1000);
        w.coupons.insert(
            id,
            Coupon {
                id,
                shop_id,
                title: title.into(),
                discount_type: kind.into(),
                amount_off: (kind == "FIXED_AMOUNT_OFF").then_some(scale * 5),
                percent_off: (kind == "PERCENTAGE_OFF").then_some(15),
                threshold: scale * 50,
                status: status.into(),
                start_time: now + begin,
                end_time: now + end,
                claimed: rng.random_range(0..total),
                total,
                create_time: now + begin - DAY,
                update_time: now + begin - DAY,
            },
        );
    }
}
