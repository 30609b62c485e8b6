//! Free samples: the seller's sample rule per product in open collaboration, and the creators'
//! sample applications. A creator applies (PENDING); the seller approves (AWAITING_SHIPMENT) or
//! rejects (REJECT_CANCELLED) within [`APPROVE_WINDOW`], else the application lapses
//! (OVERDUE_CANCELLED, by the clock). Each change is announced by webhook 56.
//!
//! The shipment, content and completion steps after approval are not modelled (no API of the
//! sandbox ships a sample); seeded history shows them.

use serde_json::Value;

use super::{AffError, World};
use crate::world::events::SandboxEvent;
use crate::world::{Id, IdKind, ProductStatus};

/// How long the seller has to review an application (assumed: 3 days).
pub const APPROVE_WINDOW: i64 = 3 * 86_400;
/// How long the seller has to ship an approved sample (assumed: 5 days).
const SHIP_WINDOW: i64 = 5 * 86_400;
/// The living shop: one slot every 6 hours per shop, 70% of which bring an application.
const ARRIVAL_SLOT: i64 = 6 * 3_600;
/// Ids of the living shop's applications: from the shop and the slot, so that filing one takes
/// nothing from the world's id sequence (the living shop's orders keep theirs).
const ARRIVAL_ID_BASE: u64 = 7_470_000_000_000_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleStatus {
    Pending,
    AwaitingShipment,
    Shipped,
    ContentPending,
    Completed,
    RejectCancelled,
    OverdueCancelled,
}

impl SampleStatus {
    pub const ALL: [SampleStatus; 7] = [
        SampleStatus::Pending,
        SampleStatus::AwaitingShipment,
        SampleStatus::Shipped,
        SampleStatus::ContentPending,
        SampleStatus::Completed,
        SampleStatus::RejectCancelled,
        SampleStatus::OverdueCancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SampleStatus::Pending => "PENDING",
            SampleStatus::AwaitingShipment => "AWAITING_SHIPMENT",
            SampleStatus::Shipped => "SHIPPED",
            SampleStatus::ContentPending => "CONTENT_PENDING",
            SampleStatus::Completed => "COMPLETED",
            SampleStatus::RejectCancelled => "REJECT_CANCELLED",
            SampleStatus::OverdueCancelled => "OVERDUE_CANCELLED",
        }
    }

    /// The application's `fulfillment_status`.
    pub fn fulfillment(self) -> &'static str {
        match self {
            SampleStatus::Pending | SampleStatus::AwaitingShipment => "PENDING",
            SampleStatus::Shipped | SampleStatus::ContentPending => "ONGOING",
            SampleStatus::Completed => "SUCCEED",
            SampleStatus::RejectCancelled | SampleStatus::OverdueCancelled => "CANCELLED",
        }
    }
}

/// `thresholds` of a sample rule, as the seller set them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Thresholds {
    pub minimum_follower_count: Option<i64>,
    /// As sent (the sheet does not type it).
    pub minimum_gmv: Option<Value>,
    pub avg_ec_video_views: Option<i64>,
    pub category_ids: Vec<String>,
    pub predicted_fulfillment_rank: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleRule {
    pub product_id: Id,
    pub active: bool,
    pub sample_quota: i64,
    pub is_sample_time_unlimited: bool,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub thresholds: Thresholds,
    pub update_time: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleRuleStatus {
    NotStarted,
    Ongoing,
    NoLeftCount,
    PlanException,
    Expired,
}

impl SampleRuleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SampleRuleStatus::NotStarted => "NOT_STARTED",
            SampleRuleStatus::Ongoing => "ONGOING",
            SampleRuleStatus::NoLeftCount => "NO_LEFT_COUNT",
            SampleRuleStatus::PlanException => "PLAN_EXCEPTION",
            SampleRuleStatus::Expired => "EXPIRED",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleApplication {
    pub id: Id,
    pub shop_id: Id,
    pub product_id: Id,
    pub sku_id: Id,
    /// Index in `World::creators`.
    pub creator: usize,
    pub status: SampleStatus,
    /// Hundredths of a percent (rendered as a fraction string).
    pub commission_rate: i64,
    pub target_collaboration_id: Option<Id>,
    pub create_time: i64,
    pub update_time: i64,
    /// When it was approved (the samples the rule gave away count from approvals).
    pub approve_time: Option<i64>,
    pub reject_reason: Option<String>,
}

impl SampleApplication {
    pub fn approve_expiration_time(&self) -> i64 {
        self.create_time + APPROVE_WINDOW
    }

    pub fn shipment_expiration_time(&self) -> Option<i64> {
        self.approve_time.map(|t| t + SHIP_WINDOW)
    }
}

impl World {
    /// Samples given away under the product's rule: approved applications since the rule was set.
    pub fn samples_given(&self, shop: Id, product: Id, since: i64) -> i64 {
        self.sample_applications
            .values()
            .filter(|a| a.shop_id == shop && a.product_id == product)
            .filter(|a| a.approve_time.is_some_and(|t| t >= since))
            .count() as i64
    }

    /// A rule's status and the samples left: PLAN_EXCEPTION when the rule is deactivated, the product
    /// left open collaboration or is not active; NOT_STARTED / EXPIRED by its times; NO_LEFT_COUNT
    /// when the quota is used.
    pub fn sample_rule_state(
        &self,
        shop: Id,
        rule: &SampleRule,
        now: i64,
    ) -> (SampleRuleStatus, i64) {
        let left = (rule.sample_quota
            - self.samples_given(shop, rule.product_id, rule.update_time))
        .max(0);
        let in_open = self
            .affiliate
            .get(&shop)
            .and_then(|b| b.live_open(rule.product_id, now))
            .is_some_and(|c| c.status(now) == Some("NORMAL"));
        let active = self
            .products
            .get(&rule.product_id)
            .is_some_and(|p| p.status == ProductStatus::Activate);
        let status = if !in_open || !active || !rule.active {
            SampleRuleStatus::PlanException
        } else if !rule.is_sample_time_unlimited && rule.start_time.is_some_and(|s| now < s) {
            SampleRuleStatus::NotStarted
        } else if !rule.is_sample_time_unlimited && rule.end_time.is_some_and(|e| now >= e) {
            SampleRuleStatus::Expired
        } else if left == 0 {
            SampleRuleStatus::NoLeftCount
        } else {
            SampleRuleStatus::Ongoing
        };
        (status, left)
    }

    /// Sets (replaces) the product's sample rule; the product must be in a NORMAL open
    /// collaboration.
    pub fn set_sample_rule(
        &mut self,
        shop: Id,
        rule: SampleRule,
        now: i64,
    ) -> Result<(), AffError> {
        let product = rule.product_id;
        if self
            .products
            .get(&product)
            .is_none_or(|p| p.shop_id != shop)
        {
            return Err(AffError::ProductNotFound(product));
        }
        match self
            .affiliate
            .get(&shop)
            .and_then(|b| b.live_open(product, now))
        {
            None => return Err(AffError::NoOpenCollaboration(product)),
            Some(c) => {
                if let Some(end) = c.terminated_effective_time {
                    return Err(AffError::OpenNotNormal(product, end));
                }
            }
        }
        self.affiliate_mut(shop).sample_rules.insert(product, rule);
        Ok(())
    }

    /// Whether the seller can approve it now, and if not why.
    pub fn sample_approvable(&self, a: &SampleApplication, now: i64) -> Result<(), String> {
        if a.status != SampleStatus::Pending {
            return Err(format!("it is {}", a.status.as_str()));
        }
        if now >= a.approve_expiration_time() {
            return Err("the approval window is over".into());
        }
        if let Some(rule) = self
            .affiliate
            .get(&a.shop_id)
            .and_then(|b| b.sample_rules.get(&a.product_id))
        {
            let (status, left) = self.sample_rule_state(a.shop_id, rule, now);
            if left == 0 || status != SampleRuleStatus::Ongoing {
                return Err(format!("the product's sample rule is {}", status.as_str()));
            }
        }
        Ok(())
    }

    fn set_sample_status(&mut self, id: Id, status: SampleStatus, now: i64) {
        let Some(a) = self.sample_applications.get_mut(&id) else {
            return;
        };
        a.status = status;
        a.update_time = now;
        if status == SampleStatus::AwaitingShipment {
            a.approve_time = Some(now);
        }
        let event = SandboxEvent::SampleApplicationStatus {
            shop_id: a.shop_id,
            application_id: id,
            new_status: status.as_str().to_string(),
            creator_open_id: self.creators[a.creator].open_id.clone(),
            product_id: a.product_id,
            sku_id: a.sku_id,
            update_time: now,
        };
        self.outbox.push(event);
    }

    /// The seller's review: APPROVE (→ AWAITING_SHIPMENT) or REJECT with a reason (→
    /// REJECT_CANCELLED); PENDING applications only.
    pub fn review_sample(
        &mut self,
        shop: Id,
        id: Id,
        approve: bool,
        reject_reason: Option<String>,
        now: i64,
    ) -> Result<SampleStatus, AffError> {
        let a = self
            .sample_applications
            .get(&id)
            .filter(|a| a.shop_id == shop)
            .ok_or(AffError::SampleNotFound(id))?;
        if a.status != SampleStatus::Pending {
            return Err(AffError::SampleNotPending(id, a.status.as_str()));
        }
        if approve {
            self.sample_approvable(a, now)
                .map_err(|why| AffError::SampleNotApprovable(id, why))?;
        }
        let status = if approve {
            SampleStatus::AwaitingShipment
        } else {
            SampleStatus::RejectCancelled
        };
        if let Some(a) = self.sample_applications.get_mut(&id) {
            a.reject_reason = reject_reason;
        }
        self.sample_timers
            .remove(&(self.sample_applications[&id].approve_expiration_time(), id));
        self.set_sample_status(id, status, now);
        Ok(status)
    }

    /// Files a PENDING application from `creator` for `product` (its first SKU) at the product's
    /// current open rate (or the given target collaboration's). Webhook 56 announces it. `id`: the
    /// application's id, or a new one.
    pub fn apply_for_sample(
        &mut self,
        shop: Id,
        creator: usize,
        product: Id,
        target: Option<Id>,
        id: Option<Id>,
        now: i64,
    ) -> Result<Id, AffError> {
        self.promotable(shop, product)?;
        let sku_id = self.products[&product]
            .skus
            .first()
            .map(|s| s.id)
            .unwrap_or(0);
        let rate = target
            .and_then(|t| {
                self.target_rate_at(shop, creator, product, now)
                    .filter(|(id, _)| *id == t)
            })
            .map(|(_, r)| r)
            .or_else(|| self.open_rate_at(shop, product, now).map(|(_, r)| r))
            .ok_or(AffError::NoOpenCollaboration(product))?;
        let id = id.unwrap_or_else(|| self.new_id(IdKind::SampleApplication));
        let a = SampleApplication {
            id,
            shop_id: shop,
            product_id: product,
            sku_id,
            creator,
            status: SampleStatus::Pending,
            commission_rate: rate,
            target_collaboration_id: target,
            create_time: now,
            update_time: now,
            approve_time: None,
            reject_reason: None,
        };
        self.sample_timers.insert((a.approve_expiration_time(), id));
        self.sample_applications.insert(id, a);
        self.set_sample_status(id, SampleStatus::Pending, now);
        Ok(id)
    }

    /// PENDING applications whose approval window is over lapse (OVERDUE_CANCELLED).
    pub(crate) fn settle_samples(&mut self, now: i64) {
        while let Some(&(due, id)) = self.sample_timers.iter().next() {
            if due > now {
                break;
            }
            self.sample_timers.remove(&(due, id));
            if self
                .sample_applications
                .get(&id)
                .is_some_and(|a| a.status == SampleStatus::Pending)
            {
                self.set_sample_status(id, SampleStatus::OverdueCancelled, due);
            }
        }
    }

    /// The living shop's creators: in each 6-hour slot of (from, to], 70% of the time (by the seed,
    /// the shop and the slot) one of them applies for a sample of a product in NORMAL open
    /// collaboration. Answers the ids filed.
    pub fn sample_arrivals(&mut self, from: i64, to: i64) -> Vec<Id> {
        let mut filed = Vec::new();
        let shops: Vec<Id> = self.shops.keys().copied().collect();
        let first = from.div_euclid(ARRIVAL_SLOT);
        let last = to.div_euclid(ARRIVAL_SLOT);
        for shop in shops {
            for slot in first..=last {
                let key = shop ^ (slot as u64).wrapping_mul(0x9E37);
                let at = slot * ARRIVAL_SLOT
                    + (super::mix(self.seed, key, 61) % ARRIVAL_SLOT as u64) as i64;
                if at <= from || at > to || super::mix(self.seed, key, 62) % 10 >= 7 {
                    continue;
                }
                let products: Vec<Id> = self
                    .affiliate
                    .get(&shop)
                    .map(|b| {
                        b.open
                            .iter()
                            .filter(|c| c.status(at) == Some("NORMAL"))
                            .map(|c| c.product_id)
                            .filter(|p| self.promotable(shop, *p).is_ok())
                            .collect()
                    })
                    .unwrap_or_default();
                if products.is_empty() || self.creators.is_empty() {
                    continue;
                }
                let product =
                    products[(super::mix(self.seed, key, 63) % products.len() as u64) as usize];
                let creator =
                    (super::mix(self.seed, key, 64) % self.creators.len() as u64) as usize;
                let id = ARRIVAL_ID_BASE
                    + (shop % 1_000_000) * 1_000_000_000
                    + slot.rem_euclid(1_000_000_000) as u64;
                if self.sample_applications.contains_key(&id) {
                    continue;
                }
                if let Ok(id) = self.apply_for_sample(shop, creator, product, None, Some(id), at) {
                    filed.push(id);
                }
            }
        }
        filed
    }
}
