//! An activity's status by the clock: each activity has at most one pending transition in
//! `World::promotion_index.timers` (NOT_START → ONGOING at `begin_time`, ONGOING → EXPIRED at
//! `end_time`); `World::tick` pops the due ones, so a read never scans every activity. A timer whose
//! activity changed meanwhile (times moved, deactivated) finds nothing to do and the next one is
//! scheduled from the activity as it is.

use super::{ActivityStatus, ActivityType, ProductLevel};
use crate::world::events::SandboxEvent;
use crate::world::{Id, World};

impl World {
    /// When the activity's status next changes by the clock, if ever.
    fn next_transition(&self, id: Id) -> Option<i64> {
        let p = self.promotions.get(&id)?;
        if p.is_indefinite() {
            return None;
        }
        match p.status {
            ActivityStatus::NotStart => Some(p.begin_time),
            ActivityStatus::Ongoing => Some(p.end_time),
            ActivityStatus::Draft
            | ActivityStatus::Expired
            | ActivityStatus::Deactivated
            | ActivityStatus::NotEffective => None,
        }
    }

    /// (Re)schedules the activity's next transition; call after creating it or changing its times or
    /// status. Stale entries stay and do nothing when they come due.
    pub fn schedule_promotion(&mut self, id: Id) {
        if let Some(due) = self.next_transition(id) {
            self.promotion_index.timers.insert((due, id));
        }
    }

    /// Applies every transition due by `now` (from `World::tick`).
    pub(crate) fn settle_promotions(&mut self, now: i64) {
        while let Some(&(due, id)) = self.promotion_index.timers.first() {
            if due > now {
                break;
            }
            self.promotion_index.timers.remove(&(due, id));
            self.settle_promotion(id, now);
        }
    }

    /// Brings one activity's status up to `now`, each change at its own time, and schedules the next.
    pub fn settle_promotion(&mut self, id: Id, now: i64) {
        loop {
            let Some(p) = self.promotions.get(&id) else {
                return;
            };
            let (next, at) = match p.status {
                ActivityStatus::NotStart if p.is_indefinite() || now >= p.begin_time => {
                    (ActivityStatus::Ongoing, p.begin_time.max(p.create_time))
                }
                ActivityStatus::Ongoing if !p.is_indefinite() && now >= p.end_time => {
                    (ActivityStatus::Expired, p.end_time)
                }
                _ => break,
            };
            self.set_promotion_status(id, next, at);
        }
        self.schedule_promotion(id);
    }

    /// Sets an activity's status at `at`, keeps the running set right and announces ONGOING, EXPIRED
    /// and DEACTIVATED (webhook 39).
    pub fn set_promotion_status(&mut self, id: Id, status: ActivityStatus, at: i64) {
        let Some(p) = self.promotions.get_mut(&id) else {
            return;
        };
        if p.status == status {
            return;
        }
        p.status = status;
        p.update_time = p.update_time.max(at);
        if matches!(
            status,
            ActivityStatus::Expired | ActivityStatus::Deactivated | ActivityStatus::NotEffective
        ) {
            p.ended_time = Some(at);
        }
        let (shop_id, kind, level) = (p.shop_id, p.activity_type, p.product_level);
        if status == ActivityStatus::Ongoing {
            self.promotion_index.ongoing.insert((shop_id, id));
        } else {
            self.promotion_index.ongoing.remove(&(shop_id, id));
        }
        if matches!(
            status,
            ActivityStatus::Ongoing | ActivityStatus::Expired | ActivityStatus::Deactivated
        ) {
            self.outbox
                .push(activity_status_event(shop_id, id, kind, level, status, at));
        }
    }
}

fn activity_status_event(
    shop_id: Id,
    activity_id: Id,
    kind: ActivityType,
    level: ProductLevel,
    status: ActivityStatus,
    at: i64,
) -> SandboxEvent {
    SandboxEvent::PromotionActivityStatus {
        shop_id,
        activity_id,
        activity_type: kind.as_str().to_string(),
        product_level: level.as_str().to_string(),
        status: status.as_str().to_string(),
        update_time: at,
    }
}
