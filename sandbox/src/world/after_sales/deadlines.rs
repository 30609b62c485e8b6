//! When the seller lets a deadline pass, TikTok decides for them (SYSTEM): a pending refund, return or
//! replacement request is approved as the seller's approve would, a returned package is accepted, a
//! buyer's cancellation is approved, or closed as rejected when the order shipped meanwhile (the goods
//! are gone; the buyer has to ask for a return). Run by [`World::tick`], so moving the clock is enough.

use super::CancelStatus;
use super::transitions::{By, move_return, set_cancel_status};
use crate::world::{Id, World};

impl World {
    /// Decides every request whose deadline is at or before `now`, oldest id first.
    pub(crate) fn decide_overdue(&mut self, now: i64) {
        let due = |d: Option<i64>| d.is_some_and(|d| d <= now);
        // A linear look: requests are few next to orders, and the answer stays exact whatever
        // inserted them (generator, control plane, tests).
        let returns: Vec<Id> = self
            .returns
            .values()
            .filter(|r| due(r.decision_deadline()))
            .map(|r| r.id)
            .collect();
        for id in returns {
            let Some((before, Some(next))) = self
                .returns
                .get(&id)
                .map(|r| (r.status, r.approved_status()))
            else {
                continue;
            };
            move_return(self, id, next, now, By::role("SYSTEM"));
            self.update_return(id, |r| r.lapsed_from = Some(before));
        }
        let cancels: Vec<(Id, Id)> = self
            .cancellations
            .values()
            .filter(|c| due(c.decision_deadline()))
            .map(|c| (c.id, c.order_id))
            .collect();
        for (id, order_id) in cancels {
            let shipped = self
                .orders
                .get(&order_id)
                .is_some_and(|o| o.status.is_shipped());
            let to = if shipped {
                CancelStatus::RequestReject
            } else {
                CancelStatus::RequestComplete
            };
            set_cancel_status(self, id, to, now);
            self.update_cancellation(id, |c| c.lapsed = true);
        }
    }
}
