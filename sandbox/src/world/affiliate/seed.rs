//! A new world's affiliate books, from the seed. Per shop:
//!
//! - open collaborations on every other active product (by creation, at most 20), since the product
//!   was created, at 5–15% (one of them raised from 10% to 12% twenty days ago);
//! - two target collaborations: "Creator spotlight" (STANDARD; creators 6 and 7 of the world's eight,
//!   the first two products in open collaboration at their open rate + 5 points; 40 days old, 50 days
//!   left) and "Top creator program" (TOP_CREATOR_PROGRAM; creator 8, the third product; 5 days left),
//!   so that the first five creators start free of target collaborations;
//! - sample rules (20 samples, no time limit) on the first two products in open collaboration;
//! - sample applications: four PENDING from the last day, one approved, one rejected, one completed.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::{
    OpenCollaboration, SampleApplication, SampleRule, SampleStatus, TargetCollaboration,
    TargetCreator, TargetKind, TargetProduct, Thresholds, mix,
};
use crate::world::{Id, IdKind, ProductStatus, World};

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;
const RATES: [i64; 5] = [500, 800, 1_000, 1_200, 1_500];
const MAX_SEEDED_OPEN: usize = 20;

/// Fills the affiliate books of every shop of a freshly generated world.
pub fn seed_affiliate(w: &mut World, rng: &mut ChaCha8Rng, now: i64) {
    let shops: Vec<Id> = w.shops.keys().copied().collect();
    for shop in shops {
        seed_shop(w, rng, shop, now);
    }
}

fn seed_shop(w: &mut World, rng: &mut ChaCha8Rng, shop: Id, now: i64) {
    let active: Vec<(Id, i64)> = w
        .products_by_create
        .range((shop, i64::MIN, 0)..=(shop, i64::MAX, Id::MAX))
        .filter_map(|(_, _, id)| w.products.get(id))
        .filter(|p| p.status == ProductStatus::Activate)
        .map(|p| (p.id, p.create_time.min(now)))
        .collect();
    let chosen: Vec<(Id, i64)> = active
        .iter()
        .step_by(2)
        .take(MAX_SEEDED_OPEN)
        .copied()
        .collect();
    let mut open = Vec::new();
    for (n, (pid, created)) in chosen.iter().enumerate() {
        let id = w.ids.next(IdKind::Collaboration, rng);
        let rates = if n == 1 {
            vec![
                (*created, 1_000),
                ((now - 20 * DAY).max(*created + 1), 1_200),
            ]
        } else {
            vec![(*created, RATES[(mix(w.seed, *pid, 50) % 5) as usize])]
        };
        open.push(OpenCollaboration {
            id,
            shop_id: shop,
            product_id: *pid,
            create_time: *created,
            rates,
            removed_at: None,
            terminated_effective_time: None,
        });
    }
    let open_rate = |i: usize| {
        open.get(i)
            .map(|c: &OpenCollaboration| (c.product_id, c.current(now).0))
    };
    let contact = |name: &str| json!({"email": format!("{name}@{shop}.partners.example")});
    let mut targets = Vec::new();
    let creators = w.creators.len();
    if let (Some(a), Some(b)) = (open_rate(0), open_rate(1))
        && creators >= 8
    {
        let created = now - 40 * DAY;
        let id = w.ids.next(IdKind::Collaboration, rng);
        targets.push(TargetCollaboration {
            id,
            shop_id: shop,
            kind: TargetKind::Standard,
            name: "Creator spotlight".into(),
            message: Some("Our bestsellers, with a better rate for you.".into()),
            end_time: now + 50 * DAY,
            create_time: created,
            update_time: created,
            products: [a, b]
                .iter()
                .map(|(p, r)| TargetProduct {
                    product_id: *p,
                    rates: vec![(created, (r + 500).min(super::MAX_RATE), None)],
                    added_at: created,
                    removed_effective: None,
                })
                .collect(),
            creators: (5..7)
                .map(|c| TargetCreator {
                    creator: c,
                    invited_at: created,
                    accepted_at: created + (c as i64 - 3) * HOUR,
                    removed_at: None,
                })
                .collect(),
            excluded: Default::default(),
            seller_contact_info: contact("spotlight"),
            has_free_sample: true,
            is_sample_approval_exempt: false,
            preferred_content_type: Some("VIDEO".into()),
            deleted_at: None,
        });
        if let Some(c) = open_rate(2) {
            let created = now - 10 * DAY;
            let id = w.ids.next(IdKind::Collaboration, rng);
            targets.push(TargetCollaboration {
                id,
                shop_id: shop,
                kind: TargetKind::TopCreatorProgram,
                name: "Top creator program".into(),
                message: None,
                end_time: now + 5 * DAY,
                create_time: created,
                update_time: created,
                products: vec![TargetProduct {
                    product_id: c.0,
                    rates: vec![(created, (c.1 + 300).min(super::MAX_RATE), Some(300))],
                    added_at: created,
                    removed_effective: None,
                }],
                creators: vec![TargetCreator {
                    creator: 7,
                    invited_at: created,
                    accepted_at: created + HOUR,
                    removed_at: None,
                }],
                excluded: Default::default(),
                seller_contact_info: contact("topcreators"),
                has_free_sample: false,
                is_sample_approval_exempt: false,
                preferred_content_type: Some("LIVE".into()),
                deleted_at: None,
            });
        }
    }
    let mut rules = std::collections::BTreeMap::new();
    for c in open.iter().take(2) {
        rules.insert(
            c.product_id,
            SampleRule {
                product_id: c.product_id,
                active: true,
                sample_quota: 20,
                is_sample_time_unlimited: true,
                start_time: None,
                end_time: None,
                thresholds: Thresholds {
                    minimum_follower_count: Some(1_000),
                    ..Thresholds::default()
                },
                update_time: now - 30 * DAY,
            },
        );
    }
    // Applications: the first four PENDING (from the last day), then one of each later status.
    let mut applications = Vec::new();
    if !open.is_empty() && creators > 0 {
        let history = [
            SampleStatus::Pending,
            SampleStatus::Pending,
            SampleStatus::Pending,
            SampleStatus::Pending,
            SampleStatus::AwaitingShipment,
            SampleStatus::RejectCancelled,
            SampleStatus::Completed,
        ];
        for (n, status) in history.into_iter().enumerate() {
            let c = &open[n % open.len().min(4)];
            let created = if status == SampleStatus::Pending {
                now - rng.random_range(HOUR..20 * HOUR)
            } else {
                now - rng.random_range(3 * DAY..20 * DAY)
            };
            let settled = created + rng.random_range(HOUR..2 * DAY);
            let id = w.ids.next(IdKind::SampleApplication, rng);
            let sku_id = w
                .products
                .get(&c.product_id)
                .and_then(|p| p.skus.first())
                .map(|s| s.id)
                .unwrap_or(0);
            applications.push(SampleApplication {
                id,
                shop_id: shop,
                product_id: c.product_id,
                sku_id,
                creator: (n + 3) % creators,
                status,
                commission_rate: c.rate_at(created).unwrap_or(c.current(now).0),
                target_collaboration_id: None,
                create_time: created,
                update_time: if status == SampleStatus::Pending {
                    created
                } else {
                    settled
                },
                approve_time: matches!(
                    status,
                    SampleStatus::AwaitingShipment | SampleStatus::Completed
                )
                .then_some(settled),
                reject_reason: (status == SampleStatus::RejectCancelled)
                    .then(|| "NOT_MATCH".to_string()),
            });
        }
    }
    let book = w.affiliate_mut(shop);
    book.open = open;
    book.targets = targets;
    book.sample_rules = rules;
    for a in applications {
        if a.status == SampleStatus::Pending {
            w.sample_timers.insert((a.approve_expiration_time(), a.id));
        }
        w.sample_applications.insert(a.id, a);
    }
}
