//! Each shop's generated promotions (activities over its active products, in every status, consistent
//! with the conflict rule) and coupons (every display type, in every status).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::DAY;
use crate::world::*;

/// One generated activity: title, type, level, status, begin and end (relative to now), which
/// active products (skip, take).
type Plan = (
    &'static str,
    ActivityType,
    ProductLevel,
    ActivityStatus,
    i64,
    i64,
    (usize, usize),
);

/// Promotions and coupons for one shop, after its orders.
pub(super) fn generate_promotions(
    w: &mut World,
    rng: &mut ChaCha8Rng,
    shop_id: Id,
    scale: i64,
    now: i64,
) {
    let active: Vec<Id> = w
        .products
        .values()
        .filter(|p| p.shop_id == shop_id && p.status == ProductStatus::Activate)
        .map(|p| p.id)
        .collect();
    use ActivityStatus as S;
    use ActivityType as T;
    let plans: [Plan; 6] = [
        (
            "Summer Flash Sale",
            T::FlashSale,
            ProductLevel::Product,
            S::Ongoing,
            -DAY,
            DAY,
            (0, 3),
        ),
        (
            "Bundle Fixed Price",
            T::FixedPrice,
            ProductLevel::Product,
            S::NotStart,
            3 * DAY,
            10 * DAY,
            (0, 3),
        ),
        (
            "10% Off Essentials",
            T::DirectDiscount,
            ProductLevel::Product,
            S::Ongoing,
            -5 * DAY,
            20 * DAY,
            (3, 3),
        ),
        (
            "Spring Clearance",
            T::DirectDiscount,
            ProductLevel::Product,
            S::Expired,
            -60 * DAY,
            -30 * DAY,
            (3, 3),
        ),
        (
            "Paused Deal",
            T::FixedPrice,
            ProductLevel::Product,
            S::Deactivated,
            -10 * DAY,
            10 * DAY,
            (6, 3),
        ),
        (
            "Free Shipping Over 50",
            T::ShippingDiscount,
            ProductLevel::Shop,
            S::Ongoing,
            -2 * DAY,
            12 * DAY,
            (0, 0),
        ),
    ];
    for (title, kind, level, status, begin, end, (skip, take)) in plans {
        let id = w.ids.next(IdKind::Promotion, rng);
        let products: Vec<PromotionProduct> = active
            .iter()
            .skip(skip)
            .take(take)
            .map(|pid| {
                let lowest = w.products[pid]
                    .skus
                    .iter()
                    .map(|s| s.price)
                    .min()
                    .unwrap_or(scale);
                PromotionProduct {
                    product_id: *pid,
                    activity_price: (kind != T::DirectDiscount).then_some(lowest * 8 / 10),
                    discount_percent: (kind == T::DirectDiscount).then_some(10),
                    quantity_limit: if kind == T::FlashSale { 50 } else { -1 },
                    quantity_per_user: if kind == T::FlashSale { 2 } else { -1 },
                    used_quantity: 0,
                    skus: Vec::new(),
                }
            })
            .collect();
        let created = now + begin.min(0) - 2 * DAY;
        let discount = (kind == T::ShippingDiscount).then(|| {
            json!({"shipping_discount": {
                "threshold_type": "MINIMAL_ORDER_AMOUNT",
                "threshold_value": format_amount(scale * 50, w.region_of(shop_id)),
                "type": "FREE_SHIPPING",
                "area_scope": {"type": "WHOLE"},
                "shipping_method": "STANDARD_SHIPPING",
                "inventory_type": "SELF_FULFILLED",
            }})
        });
        let ended_time = match status {
            S::Expired => Some(now + end),
            S::Deactivated => Some(now - 3 * DAY),
            _ => None,
        };
        let product_ids: Vec<Id> = products.iter().map(|p| p.product_id).collect();
        w.promotions.insert(
            id,
            Promotion {
                id,
                shop_id,
                title: title.into(),
                activity_type: kind,
                product_level: level,
                status,
                duration_type: "NORMAL".into(),
                begin_time: now + begin,
                end_time: now + end,
                participation_limit: "BUYER_NO_LIMIT".into(),
                discount,
                target_user_type: Some("ALL_USER".into()),
                auction_support_type: (kind == T::ShippingDiscount).then(|| "ALL".into()),
                activity_commands: Vec::new(),
                products,
                benefit_product_ids: Vec::new(),
                exclude_product_ids: Vec::new(),
                buyer_units: Default::default(),
                buyer_orders: Default::default(),
                ended_time,
                create_time: created,
                update_time: ended_time.unwrap_or(created).max(created),
            },
        );
        for pid in product_ids {
            w.link_promotion_product(id, pid);
        }
        if status == S::Ongoing {
            w.promotion_index.ongoing.insert((shop_id, id));
        }
        w.schedule_promotion(id);
    }
    generate_coupons(w, rng, shop_id, scale, now, &active);
}

/// One generated coupon: title, display type, discount, claim start and end (relative to now),
/// deactivated, creation source.
type CouponPlan = (
    &'static str,
    &'static str,
    CouponDiscount,
    i64,
    i64,
    bool,
    &'static str,
);

fn generate_coupons(
    w: &mut World,
    rng: &mut ChaCha8Rng,
    shop_id: Id,
    scale: i64,
    now: i64,
    active: &[Id],
) {
    let sea = !matches!(w.region_of(shop_id), Region::Us | Region::Uk);
    let plans: [CouponPlan; 6] = [
        (
            "Welcome 5 off",
            "REGULAR",
            CouponDiscount::AmountOff(scale * 5),
            -10 * DAY,
            30 * DAY,
            false,
            "SELLER_CENTER",
        ),
        (
            "15% off orders over 50",
            "REGULAR",
            CouponDiscount::PercentOff {
                percent: 15,
                max: Some(scale * 10),
            },
            -2 * DAY,
            5 * DAY,
            false,
            "SELLER_CENTER",
        ),
        (
            "LIVE viewers 20% off",
            "LIVE",
            CouponDiscount::PercentOff {
                percent: 20,
                max: None,
            },
            20 * DAY,
            40 * DAY,
            false,
            "SELLER_APP",
        ),
        (
            "Last season 10 off code",
            "PROMO_CODE",
            CouponDiscount::AmountOff(scale * 10),
            -90 * DAY,
            -60 * DAY,
            false,
            "SELLER_CENTER",
        ),
        (
            "Creator exclusive 12% off",
            "CREATOR_EXCLUSIVE",
            CouponDiscount::PercentOff {
                percent: 12,
                max: Some(scale * 8),
            },
            -5 * DAY,
            25 * DAY,
            true,
            "SELLER_APP",
        ),
        (
            "Chat thank-you 3 off",
            "CHAT",
            CouponDiscount::AmountOff(scale * 3),
            -DAY,
            14 * DAY,
            false,
            "TTS_CRM",
        ),
    ];
    for (n, (title, display, discount, begin, end, deactivated, source)) in
        plans.into_iter().enumerate()
    {
        let id = w.ids.next(IdKind::Coupon, rng);
        let total = rng.random_range(100..1000);
        let claimed = rng.random_range(0..total);
        let redeemed = claimed * rng.random_range(30..90) / 100;
        let (start, stop) = (now + begin, now + end);
        let specific = n % 2 == 1;
        let (channels, segment, tasks): (Vec<&str>, &str, Vec<(String, Option<i64>)>) =
            match display {
                "LIVE" => (
                    vec!["LIVE"],
                    "NEW_FOLLOWERS",
                    vec![("WATCH_FOR_MIN_TIME".into(), Some(60))],
                ),
                "PROMO_CODE" => (vec!["PRIVATE"], "ALL", Vec::new()),
                "CREATOR_EXCLUSIVE" => (vec!["VIDEO"], "ALL", Vec::new()),
                "CHAT" => (vec!["CHAT"], "REPEAT_CUSTOMERS", Vec::new()),
                _ if n == 0 => (vec!["ALL"], "NEW", Vec::new()),
                _ => (
                    vec!["SHOPPING_CENTER", "VIDEO", "SHOWCASE"],
                    "ALL",
                    Vec::new(),
                ),
            };
        let deactivated_at = deactivated.then_some(now - DAY);
        w.coupons.insert(
            id,
            Coupon {
                id,
                shop_id,
                title: title.into(),
                display_type: display.into(),
                deactivated,
                claim_start: start,
                claim_end: stop,
                redemption: if n % 3 == 1 {
                    Redemption::Absolute {
                        start,
                        end: stop + 2 * DAY,
                    }
                } else {
                    Redemption::Relative { days: 7 }
                },
                promo_code: (display == "PROMO_CODE").then(|| "OCEAN10".to_string()),
                target_buyer_segment: segment.into(),
                single_buyer_claim_limit: 1,
                total_claim_limit: total,
                redemption_limit: sea.then_some(total),
                min_spend: (n != 3).then_some(scale * 25 * (1 + (n as i64 % 2))),
                discount,
                product_ids: if specific {
                    active.iter().take(3).copied().collect()
                } else {
                    Vec::new()
                },
                creation_source: source.into(),
                display_channels: channels.into_iter().map(String::from).collect(),
                claimed,
                redeemed,
                seller_tnc: (n % 2 == 0)
                    .then(|| "One coupon per order. Not valid with other coupons.".to_string()),
                live_tasks: tasks,
                create_time: start - DAY,
                update_time: deactivated_at.unwrap_or(start - DAY),
            },
        );
    }
}
