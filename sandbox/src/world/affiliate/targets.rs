//! Target collaborations: an invitation to named creators to promote some products at their own
//! rates until an end time. Kept with their history (products added, rates changed, products and
//! creators removed) so that an order is attributed by what was in force when it was created.
//!
//! Rules (tiktok-api-areas.md §4): a creator already invited to a product by another active target
//! collaboration conflicts (reported, and that pair stays with the earlier collaboration); an update
//! is a full replace, rate increases apply at once, decreases and product removals at the next 00:00
//! (the product is DELETING until then, DELETED after); a deleted collaboration is CANCELING until the
//! next 00:00, then COMPLETED. Only STANDARD collaborations can be updated.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{AffError, World, next_midnight};
use crate::world::{Id, IdKind};

const DAY: i64 = 86_400;
/// Fewer than this many seconds left: EXPIRING rather than ONGOING.
const EXPIRING_WITHIN: i64 = 7 * DAY;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    Standard,
    TopCreatorProgram,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Standard => "STANDARD",
            TargetKind::TopCreatorProgram => "TOP_CREATOR_PROGRAM",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetStatus {
    /// More than 7 days left.
    Ongoing,
    /// Less than 7 days left.
    Expiring,
    /// Deleted; ends at the next 00:00.
    Canceling,
    /// Ended or deleted.
    Completed,
}

impl TargetStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetStatus::Ongoing => "ONGOING",
            TargetStatus::Expiring => "EXPIRING",
            TargetStatus::Canceling => "CANCELING",
            TargetStatus::Completed => "COMPLETED",
        }
    }

    /// ONGOING or EXPIRING (the search's VALID).
    pub fn is_valid(self) -> bool {
        matches!(self, TargetStatus::Ongoing | TargetStatus::Expiring)
    }
}

/// One product of a target collaboration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetProduct {
    pub product_id: Id,
    /// (effective from, rate, shop ads rate), oldest first; a decrease is effective at a future
    /// 00:00.
    pub rates: Vec<(i64, i64, Option<i64>)>,
    pub added_at: i64,
    /// When the removal takes effect (the next 00:00 after it was asked).
    pub removed_effective: Option<i64>,
}

impl TargetProduct {
    pub fn rate_at(&self, t: i64) -> Option<(i64, Option<i64>)> {
        if t < self.added_at || self.removed_effective.is_some_and(|e| t >= e) {
            return None;
        }
        self.rates
            .iter()
            .rev()
            .find(|(from, _, _)| *from <= t)
            .map(|(_, r, s)| (*r, *s))
    }

    /// (rate, shop ads rate, effective since) in force now, or the first one before it starts.
    pub fn current(&self, now: i64) -> (i64, Option<i64>, i64) {
        self.rates
            .iter()
            .rev()
            .find(|(from, _, _)| *from <= now)
            .or(self.rates.first())
            .map(|(from, r, s)| (*r, *s, *from))
            .unwrap_or((0, None, self.added_at))
    }

    /// NORMAL, DELETING (removal asked, effective at the next 00:00) or DELETED.
    pub fn status(&self, now: i64) -> &'static str {
        match self.removed_effective {
            Some(e) if now >= e => "DELETED",
            Some(_) => "DELETING",
            None => "NORMAL",
        }
    }

    fn is_listed(&self) -> bool {
        self.removed_effective.is_none()
    }
}

/// One invited creator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetCreator {
    /// Index in `World::creators`.
    pub creator: usize,
    pub invited_at: i64,
    /// When the creator accepted the invitation (a few hours after it, by the seed).
    pub accepted_at: i64,
    pub removed_at: Option<i64>,
}

impl TargetCreator {
    pub fn active_at(&self, t: i64) -> bool {
        self.accepted_at <= t && self.removed_at.is_none_or(|r| t < r)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TargetCollaboration {
    pub id: Id,
    pub shop_id: Id,
    pub kind: TargetKind,
    pub name: String,
    pub message: Option<String>,
    pub end_time: i64,
    pub create_time: i64,
    pub update_time: i64,
    pub products: Vec<TargetProduct>,
    pub creators: Vec<TargetCreator>,
    /// (creator, product) pairs reported as conflicts: they stay with the other collaboration.
    pub excluded: BTreeSet<(usize, Id)>,
    /// As the seller sent it.
    pub seller_contact_info: Value,
    pub has_free_sample: bool,
    pub is_sample_approval_exempt: bool,
    pub preferred_content_type: Option<String>,
    /// When it was deleted, and when that takes effect.
    pub deleted_at: Option<i64>,
}

impl Eq for TargetCollaboration {}

impl TargetCollaboration {
    pub fn status(&self, now: i64) -> TargetStatus {
        if let Some(d) = self.deleted_at {
            return if now < next_midnight(d) {
                TargetStatus::Canceling
            } else {
                TargetStatus::Completed
            };
        }
        if now >= self.end_time {
            TargetStatus::Completed
        } else if self.end_time - now > EXPIRING_WITHIN {
            TargetStatus::Ongoing
        } else {
            TargetStatus::Expiring
        }
    }

    /// When it stops earning: its end time, or the 00:00 after it was deleted.
    pub fn effective_end(&self) -> i64 {
        match self.deleted_at {
            Some(d) => next_midnight(d).min(self.end_time),
            None => self.end_time,
        }
    }

    /// Still counts for conflicts: not ended, not deleted.
    pub fn is_active(&self, now: i64) -> bool {
        self.status(now).is_valid()
    }

    /// The products not removed (the ones the seller currently lists).
    pub fn listed_products(&self) -> impl Iterator<Item = &TargetProduct> {
        self.products.iter().filter(|p| p.is_listed())
    }

    /// The creators not removed.
    pub fn listed_creators(&self) -> impl Iterator<Item = &TargetCreator> {
        self.creators.iter().filter(|c| c.removed_at.is_none())
    }

    /// The rate this collaboration gives `creator` for `product` at `t`, if any.
    pub fn rate_for(&self, creator: usize, product: Id, t: i64) -> Option<i64> {
        if t < self.create_time
            || t >= self.effective_end()
            || self.excluded.contains(&(creator, product))
        {
            return None;
        }
        if !self
            .creators
            .iter()
            .any(|c| c.creator == creator && c.active_at(t))
        {
            return None;
        }
        self.products
            .iter()
            .filter(|p| p.product_id == product)
            .find_map(|p| p.rate_at(t))
            .map(|(r, _)| r)
    }
}

/// (product, rate, shop ads rate) as a create or an update names it.
pub type RatedProduct = (Id, i64, Option<i64>);

/// A new target collaboration, validated by the route; products and creators are checked here.
pub struct NewTarget {
    pub name: String,
    pub message: Option<String>,
    pub end_time: i64,
    /// (product, rate, shop ads rate)
    pub products: Vec<(Id, i64, Option<i64>)>,
    pub creator_open_ids: Vec<String>,
    pub seller_contact_info: Value,
    pub has_free_sample: bool,
    pub is_sample_approval_exempt: bool,
    pub preferred_content_type: Option<String>,
}

/// An update (a full replace), validated by the route.
pub struct TargetUpdate {
    pub name: String,
    pub end_time: i64,
    pub products: Vec<(Id, i64, Option<i64>)>,
    pub creator_open_ids: Vec<String>,
    pub seller_contact_info: Value,
    pub has_free_sample: bool,
    pub is_sample_approval_exempt: bool,
}

/// What a create or an update did: the collaboration, the conflicts, the ids that were refused.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct UpdateOutcome {
    pub id: Id,
    /// (creator open id, product)
    pub conflicts: Vec<(String, Id)>,
    pub invalid_open_ids: Vec<String>,
    pub invalid_product_ids: Vec<Id>,
}

/// Hours until an invited creator accepts: 1–6, fixed by the seed, the collaboration and the creator.
fn acceptance_delay(seed: u64, id: Id, creator: usize) -> i64 {
    let z = super::mix(seed, id ^ creator as u64, 77);
    3_600 * (1 + (z % 6) as i64)
}

impl World {
    /// The first target collaboration (oldest) that gives `creator` a rate for `product` at `t`.
    pub fn target_rate_at(
        &self,
        shop: Id,
        creator: usize,
        product: Id,
        t: i64,
    ) -> Option<(Id, i64)> {
        self.affiliate
            .get(&shop)?
            .targets
            .iter()
            .find_map(|tc| tc.rate_for(creator, product, t).map(|r| (tc.id, r)))
    }

    /// Splits ids into the shop's promotable products and the rest.
    fn sort_products(&self, shop: Id, products: &[RatedProduct]) -> (Vec<RatedProduct>, Vec<Id>) {
        let mut ok = Vec::new();
        let mut bad = Vec::new();
        for p in products {
            if self.promotable(shop, p.0).is_ok() {
                if !ok.iter().any(|q: &RatedProduct| q.0 == p.0) {
                    ok.push(*p);
                }
            } else if !bad.contains(&p.0) {
                bad.push(p.0);
            }
        }
        (ok, bad)
    }

    fn sort_creators(&self, open_ids: &[String]) -> (Vec<usize>, Vec<String>) {
        let mut ok = Vec::new();
        let mut bad = Vec::new();
        for o in open_ids {
            match self.creator_by_open_id(o) {
                Some(c) if !ok.contains(&c) => ok.push(c),
                Some(_) => {}
                None if !bad.contains(o) => bad.push(o.clone()),
                None => {}
            }
        }
        (ok, bad)
    }

    /// (creator, product) pairs already held by another active target collaboration of the shop.
    fn conflicts(
        &self,
        shop: Id,
        except: Option<Id>,
        pairs: impl Iterator<Item = (usize, Id)>,
        now: i64,
    ) -> Vec<(usize, Id)> {
        let Some(book) = self.affiliate.get(&shop) else {
            return Vec::new();
        };
        pairs
            .filter(|(c, p)| {
                book.targets.iter().any(|t| {
                    Some(t.id) != except
                        && t.is_active(now)
                        && !t.excluded.contains(&(*c, *p))
                        && t.listed_creators().any(|x| x.creator == *c)
                        && t.listed_products().any(|x| x.product_id == *p)
                })
            })
            .collect()
    }

    /// Creates a target collaboration with the valid products and creators; the others are
    /// returned as invalid, the pairs another active collaboration holds as conflicts.
    pub fn create_target(&mut self, shop: Id, t: NewTarget, now: i64) -> UpdateOutcome {
        let (products, bad_products) = self.sort_products(shop, &t.products);
        let (creators, bad_creators) = self.sort_creators(&t.creator_open_ids);
        let pairs: Vec<(usize, Id)> = creators
            .iter()
            .flat_map(|c| products.iter().map(move |p| (*c, p.0)))
            .collect();
        let conflicts = self.conflicts(shop, None, pairs.into_iter(), now);
        let id = self.new_id(IdKind::Collaboration);
        let seed = self.seed;
        let collab = TargetCollaboration {
            id,
            shop_id: shop,
            kind: TargetKind::Standard,
            name: t.name,
            message: t.message,
            end_time: t.end_time,
            create_time: now,
            update_time: now,
            products: products
                .iter()
                .map(|(p, r, s)| TargetProduct {
                    product_id: *p,
                    rates: vec![(now, *r, *s)],
                    added_at: now,
                    removed_effective: None,
                })
                .collect(),
            creators: creators
                .iter()
                .map(|c| TargetCreator {
                    creator: *c,
                    invited_at: now,
                    accepted_at: now + acceptance_delay(seed, id, *c),
                    removed_at: None,
                })
                .collect(),
            excluded: conflicts.iter().copied().collect(),
            seller_contact_info: t.seller_contact_info,
            has_free_sample: t.has_free_sample,
            is_sample_approval_exempt: t.is_sample_approval_exempt,
            preferred_content_type: t.preferred_content_type,
            deleted_at: None,
        };
        self.affiliate_mut(shop).targets.push(collab);
        UpdateOutcome {
            id,
            conflicts: self.name_pairs(&conflicts),
            invalid_open_ids: bad_creators,
            invalid_product_ids: bad_products,
        }
    }

    fn name_pairs(&self, pairs: &[(usize, Id)]) -> Vec<(String, Id)> {
        pairs
            .iter()
            .map(|(c, p)| (self.creators[*c].open_id.clone(), *p))
            .collect()
    }

    fn target_index(&self, shop: Id, id: Id) -> Result<usize, AffError> {
        self.affiliate
            .get(&shop)
            .and_then(|b| b.targets.iter().position(|t| t.id == id))
            .ok_or(AffError::TargetNotFound(id))
    }

    pub fn target(&self, shop: Id, id: Id) -> Result<&TargetCollaboration, AffError> {
        let i = self.target_index(shop, id)?;
        Ok(&self.affiliate[&shop].targets[i])
    }

    /// A full replace of a STANDARD, valid collaboration.
    pub fn update_target(
        &mut self,
        shop: Id,
        id: Id,
        u: TargetUpdate,
        now: i64,
    ) -> Result<UpdateOutcome, AffError> {
        let i = self.target_index(shop, id)?;
        let current = &self.affiliate[&shop].targets[i];
        if current.kind != TargetKind::Standard {
            return Err(AffError::TargetNotEditable(
                id,
                format!(
                    "it is {}, only STANDARD ones can be updated",
                    current.kind.as_str()
                ),
            ));
        }
        let status = current.status(now);
        if !status.is_valid() {
            return Err(AffError::TargetNotEditable(
                id,
                format!("it is {}", status.as_str()),
            ));
        }
        let (products, bad_products) = self.sort_products(shop, &u.products);
        let (creators, bad_creators) = self.sort_creators(&u.creator_open_ids);
        let current = &self.affiliate[&shop].targets[i];
        let kept_creators: Vec<usize> = current.listed_creators().map(|c| c.creator).collect();
        let kept_products: Vec<Id> = current.listed_products().map(|p| p.product_id).collect();
        // New pairs: a new creator with any product, or a kept creator with a new product.
        let new_pairs: Vec<(usize, Id)> = creators
            .iter()
            .flat_map(|c| products.iter().map(move |p| (*c, p.0)))
            .filter(|(c, p)| !kept_creators.contains(c) || !kept_products.contains(p))
            .collect();
        let conflicts = self.conflicts(shop, Some(id), new_pairs.into_iter(), now);
        let seed = self.seed;
        let midnight = next_midnight(now);
        let t = &mut self.affiliate_mut(shop).targets[i];
        t.name = u.name;
        t.end_time = u.end_time;
        t.seller_contact_info = u.seller_contact_info;
        t.has_free_sample = u.has_free_sample;
        t.is_sample_approval_exempt = u.is_sample_approval_exempt;
        t.update_time = now;
        t.excluded.extend(conflicts.iter().copied());
        // Products: rates changed, new ones added, the ones left out removed at the next 00:00.
        for p in t.products.iter_mut().filter(|p| p.is_listed()) {
            match products.iter().find(|q| q.0 == p.product_id) {
                None => p.removed_effective = Some(midnight),
                Some(&(_, rate, ads)) => {
                    let (cur, cur_ads, _) = p.current(now);
                    if (rate, ads) == (cur, cur_ads) {
                        continue;
                    }
                    // Any change still pending is replaced.
                    p.rates.retain(|(from, _, _)| *from <= now);
                    let from = if rate >= cur { now } else { midnight };
                    p.rates.push((from, rate, ads));
                }
            }
        }
        for (pid, rate, ads) in &products {
            if !kept_products.contains(pid) {
                t.products.push(TargetProduct {
                    product_id: *pid,
                    rates: vec![(now, *rate, *ads)],
                    added_at: now,
                    removed_effective: None,
                });
            }
        }
        for c in t.creators.iter_mut().filter(|c| c.removed_at.is_none()) {
            if !creators.contains(&c.creator) {
                c.removed_at = Some(now);
            }
        }
        for c in &creators {
            if !kept_creators.contains(c) {
                t.creators.push(TargetCreator {
                    creator: *c,
                    invited_at: now,
                    accepted_at: now + acceptance_delay(seed, id, *c),
                    removed_at: None,
                });
            }
        }
        Ok(UpdateOutcome {
            id,
            conflicts: self.name_pairs(&conflicts),
            invalid_open_ids: bad_creators,
            invalid_product_ids: bad_products,
        })
    }

    /// Deletes a collaboration: CANCELING until the next 00:00, then COMPLETED.
    pub fn delete_target(&mut self, shop: Id, id: Id, now: i64) -> Result<(), AffError> {
        let i = self.target_index(shop, id)?;
        let t = &mut self.affiliate_mut(shop).targets[i];
        let status = t.status(now);
        if !status.is_valid() {
            return Err(AffError::TargetNotEditable(
                id,
                format!("it is already {}", status.as_str()),
            ));
        }
        t.deleted_at = Some(now);
        t.update_time = now;
        Ok(())
    }
}
