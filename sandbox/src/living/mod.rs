//! The living shop: new orders at `orders_per_minute` per shop, and every open order moved along the
//! real lifecycle (UNPAID → ON_HOLD → AWAITING_SHIPMENT → AWAITING_COLLECTION → IN_TRANSIT → DELIVERED
//! → COMPLETED), with some orders never paid or cancelled by the buyer, some auto-shipped (the others
//! wait for the seller's API call), and some returned after delivery. Stock is taken when an order is
//! placed and comes back when it is cancelled or a returned package is accepted.
//!
//! Creators also apply for free samples (`World::sample_arrivals`: about three a day per shop, for
//! products in open collaboration).
//!
//! Everything runs by the sandbox clock. [`tick`] does one step up to a time; `POST /_sandbox/living/tick
//! {minutes}` simulates minutes at once (moving the clock a minute per step); the background task
//! started by [`spawn`] (only when `orders_per_minute > 0`) ticks once a second. An order's fate (will it
//! be paid, cancelled, auto-shipped, returned; how long each stage takes) is a pure function of the seed
//! and its id, so how often it is looked at never changes what happens to it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::routes::returns::{open_cancellation, open_return, set_return_status};
use crate::state::SandboxState;
use crate::world::ops::NewOrder;
use crate::world::{
    CancelStatus, DECISION_WINDOW, Id, OrderStatus, ProductStatus, ReturnStatus, ReturnType,
    ShippingType, World,
};

const MINUTE: i64 = 60;
const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;
/// At most this many orders per shop in one step, however long the clock jumped.
const MAX_NEW_PER_STEP: usize = 5_000;
/// At most this many minutes in one `POST /_sandbox/living/tick`.
pub const MAX_TICK_MINUTES: u32 = 60 * 24 * 30;

/// What one or more steps did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct TickReport {
    pub steps: u32,
    /// Ids of the orders created, in creation order.
    pub created: Vec<String>,
    /// Order status changes made by the living shop (not counting the hold releases the world makes).
    pub transitions: usize,
    pub cancelled: usize,
    pub shipped: usize,
    pub returns_opened: usize,
    pub cancellation_requests: usize,
    /// Sample applications creators filed (ids).
    pub sample_applications: Vec<String>,
    /// Sandbox clock after the last step.
    pub now: i64,
}

impl TickReport {
    fn absorb(&mut self, other: TickReport) {
        self.steps += other.steps;
        self.created.extend(other.created);
        self.transitions += other.transitions;
        self.cancelled += other.cancelled;
        self.shipped += other.shipped;
        self.returns_opened += other.returns_opened;
        self.cancellation_requests += other.cancellation_requests;
        self.sample_applications.extend(other.sample_applications);
        self.now = other.now;
    }
}

/// The living shop's memory, kept in the state's extensions.
#[derive(Default)]
pub struct LivingExt {
    inner: Mutex<Option<Living>>,
}

struct Living {
    generation: u64,
    seed: u64,
    rng: ChaCha8Rng,
    last_step: i64,
    /// Fractional orders carried to the next step, per shop.
    carry: BTreeMap<Id, f64>,
    /// (due, order id) and its inverse.
    timers: BTreeSet<(i64, Id)>,
    due_of: HashMap<Id, i64>,
    /// (due, return id) and its inverse.
    return_timers: BTreeSet<(i64, Id)>,
    return_due_of: HashMap<Id, i64>,
    /// When the living shop first saw an order it did not create (stages count from there at the
    /// earliest, so a fresh start does not release days of overdue transitions in one burst).
    adopted_at: HashMap<Id, i64>,
    /// Orders and returns updated at or after this are looked at again.
    last_scan: i64,
    /// Cancellations and returns by order, kept up to date from the ids seen so far (ids only grow).
    cancels_by_order: HashMap<Id, Vec<Id>>,
    returns_by_order: HashMap<Id, Vec<Id>>,
    last_cancel_id: Option<Id>,
    last_return_id: Option<Id>,
    indexed: (usize, usize),
    /// Returns indexed but not yet looked at by `rescan`.
    unseen_returns: Vec<Id>,
}

impl Living {
    fn new(state: &SandboxState, now: i64) -> Living {
        let seed = state.config().seed;
        Living {
            generation: state.generation(),
            seed,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x11f3_5a0b),
            last_step: now,
            carry: BTreeMap::new(),
            timers: BTreeSet::new(),
            due_of: HashMap::new(),
            return_timers: BTreeSet::new(),
            return_due_of: HashMap::new(),
            adopted_at: HashMap::new(),
            last_scan: i64::MIN,
            cancels_by_order: HashMap::new(),
            returns_by_order: HashMap::new(),
            last_cancel_id: None,
            last_return_id: None,
            indexed: (0, 0),
            unseen_returns: Vec::new(),
        }
    }

    fn schedule(&mut self, id: Id, due: i64) {
        if let Some(old) = self.due_of.insert(id, due) {
            self.timers.remove(&(old, id));
        }
        self.timers.insert((due, id));
    }

    fn unschedule(&mut self, id: Id) {
        if let Some(old) = self.due_of.remove(&id) {
            self.timers.remove(&(old, id));
        }
    }

    fn schedule_return(&mut self, id: Id, due: i64) {
        if let Some(old) = self.return_due_of.insert(id, due) {
            self.return_timers.remove(&(old, id));
        }
        self.return_timers.insert((due, id));
    }

    fn unschedule_return(&mut self, id: Id) {
        if let Some(old) = self.return_due_of.remove(&id) {
            self.return_timers.remove(&(old, id));
        }
    }

    /// Indexes cancellations and returns created since the last call (new returns wait in
    /// `unseen_returns` for `rescan`).
    fn refresh_index(&mut self, w: &World) {
        let after =
            |last: Option<Id>| last.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
        for (id, c) in w
            .cancellations
            .range((after(self.last_cancel_id), std::ops::Bound::Unbounded))
        {
            self.cancels_by_order
                .entry(c.order_id)
                .or_default()
                .push(*id);
            self.last_cancel_id = Some(*id);
            self.indexed.0 += 1;
        }
        for (id, r) in w
            .returns
            .range((after(self.last_return_id), std::ops::Bound::Unbounded))
        {
            self.returns_by_order
                .entry(r.order_id)
                .or_default()
                .push(*id);
            self.last_return_id = Some(*id);
            self.indexed.1 += 1;
            self.unseen_returns.push(*id);
        }
        if self.indexed != (w.cancellations.len(), w.returns.len()) {
            // Something was inserted out of id order: start over.
            self.cancels_by_order.clear();
            self.returns_by_order.clear();
            self.last_cancel_id = None;
            self.last_return_id = None;
            self.indexed = (0, 0);
            self.unseen_returns.clear();
            self.refresh_index(w);
        }
    }

    fn has_cancellation(&self, w: &World, order: Id, pending_only: bool) -> bool {
        self.cancels_by_order.get(&order).is_some_and(|ids| {
            ids.iter().any(|c| {
                !pending_only
                    || w.cancellations
                        .get(c)
                        .is_some_and(|c| c.status == CancelStatus::RequestPending)
            })
        })
    }

    fn has_return(&self, w: &World, order: Id, open_only: bool) -> bool {
        self.returns_by_order.get(&order).is_some_and(|ids| {
            ids.iter()
                .any(|r| !open_only || w.returns.get(r).is_some_and(|r| return_is_open(r.status)))
        })
    }

    /// A uniform draw in [0, 1) that depends only on the seed, the id and what it is for.
    fn fate(&self, id: Id, salt: u64) -> f64 {
        let mut z = self.seed
            ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ salt.wrapping_mul(0xD1B5_4A32_D192_ED03);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A duration in `lo..hi` seconds fixed for this id and purpose.
    fn span(&self, id: Id, salt: u64, lo: i64, hi: i64) -> i64 {
        lo + ((hi - lo) as f64 * self.fate(id, salt)) as i64
    }
}

// Salts for the per-order decisions.
const PAY_DELAY: u64 = 1;
const NEVER_PAID: u64 = 2;
const HOLD_CANCEL: u64 = 3;
const HOLD_CANCEL_AT: u64 = 4;
const AUTO_SHIP: u64 = 5;
const SHIP_AFTER: u64 = 6;
const CANCEL_REQUEST: u64 = 7;
const CANCEL_REQUEST_AT: u64 = 8;
const COLLECT_AFTER: u64 = 9;
const DELIVER_AFTER: u64 = 10;
const RETURN: u64 = 11;
const RETURN_AT: u64 = 12;
const RETURN_KIND: u64 = 13;
const BUYER_SHIPS_AFTER: u64 = 14;
const RETURN_REASON: u64 = 15;

const UNPAID_CANCEL_AFTER: i64 = 2 * HOUR;
const COMPLETE_AFTER: i64 = 7 * DAY;
const REFUND_COMPLETES_AFTER: i64 = HOUR;

const RETURN_REASONS: [&str; 4] = [
    "Wrong size",
    "Damaged item",
    "Not as described",
    "Changed my mind",
];

fn with_living<R>(state: &SandboxState, now: i64, f: impl FnOnce(&mut Living) -> R) -> R {
    let ext = state.extension::<LivingExt>();
    let mut guard = ext.inner.lock().unwrap_or_else(|e| e.into_inner());
    let generation = state.generation();
    let fresh = match guard.as_ref() {
        Some(l) => l.generation != generation,
        None => true,
    };
    if fresh {
        *guard = Some(Living::new(state, now));
    }
    // The option was filled just above.
    let living = guard.get_or_insert_with(|| Living::new(state, now));
    f(living)
}

/// One step of the living shop up to `now` (sandbox clock), creating orders at the configured pace.
pub fn tick(state: &SandboxState, now: i64) -> TickReport {
    tick_at_rate(state, now, f64::from(state.config().orders_per_minute))
}

/// One step up to `now`, creating `orders_per_minute` orders per shop for the time since the last step.
pub fn tick_at_rate(state: &SandboxState, now: i64, orders_per_minute: f64) -> TickReport {
    with_living(state, now, |living| {
        let elapsed = (now - living.last_step).clamp(0, DAY);
        step(state, living, now, elapsed, orders_per_minute)
    })
}

/// Simulates `minutes` minutes: one step per minute. With `advance_clock`, the sandbox clock moves a
/// minute before each step; without, every step happens at the current time.
pub fn simulate(
    state: &SandboxState,
    minutes: u32,
    orders_per_minute: f64,
    advance_clock: bool,
) -> TickReport {
    let base = state.now();
    let mut report = TickReport {
        now: base,
        ..TickReport::default()
    };
    for k in 1..=i64::from(minutes.min(MAX_TICK_MINUTES)) {
        // Step times are exact minutes from the start, whatever the wall clock does meanwhile, so the
        // same seed and the same call give the same story.
        let now = if advance_clock {
            let target = base + k * MINUTE;
            state
                .clock()
                .set_offset(target - chrono::Utc::now().timestamp());
            target
        } else {
            base
        };
        let part = with_living(state, now, |living| {
            step(state, living, now, MINUTE, orders_per_minute)
        });
        report.absorb(part);
    }
    report
}

fn step(
    state: &SandboxState,
    living: &mut Living,
    now: i64,
    elapsed: i64,
    orders_per_minute: f64,
) -> TickReport {
    let mut report = TickReport {
        steps: 1,
        now,
        ..TickReport::default()
    };
    state.with_world(|w| {
        // The world's own timers (holds, audits) up to this step's time.
        w.tick(now);
        rescan(living, w, now);
        if orders_per_minute > 0.0 && elapsed > 0 {
            let shops: Vec<Id> = w.shops.keys().copied().collect();
            for shop in shops {
                let carry = living.carry.entry(shop).or_insert(0.0);
                *carry += orders_per_minute * elapsed as f64 / MINUTE as f64;
                let n = (carry.floor() as usize).min(MAX_NEW_PER_STEP);
                *carry -= carry.floor();
                for _ in 0..n {
                    if let Some(id) = create_order(living, w, shop, now) {
                        report.created.push(id.to_string());
                        living.schedule(id, now + living.span(id, PAY_DELAY, MINUTE, 10 * MINUTE));
                    }
                }
            }
        }
        // Orders whose time has come.
        while let Some(&(due, id)) = living.timers.iter().next() {
            if due > now {
                break;
            }
            living.unschedule(id);
            if let Some(next) = advance_order(living, w, id, now, &mut report) {
                living.schedule(id, next.max(now + 1));
            }
        }
        while let Some(&(due, id)) = living.return_timers.iter().next() {
            if due > now {
                break;
            }
            living.unschedule_return(id);
            if let Some(next) = advance_return(living, w, id, now) {
                living.schedule_return(id, next.max(now + 1));
            }
        }
        // Creators apply for free samples of products in open collaboration (by the clock, not the
        // order pace).
        if elapsed > 0 {
            for id in w.sample_arrivals(now - elapsed, now) {
                report.sample_applications.push(id.to_string());
            }
        }
        // What this step changed is already scheduled; later outside changes are picked up next time.
        living.last_scan = now;
    });
    living.last_step = now;
    report
}

fn is_open(status: OrderStatus) -> bool {
    !matches!(status, OrderStatus::Completed | OrderStatus::Cancelled)
}

fn return_is_open(status: ReturnStatus) -> bool {
    matches!(
        status,
        ReturnStatus::RequestPending
            | ReturnStatus::AwaitingBuyerShip
            | ReturnStatus::BuyerShippedItem
            | ReturnStatus::RequestSuccess
    )
}

/// Looks (again) at orders and returns that changed since the last step: new ones from the API or the
/// control plane, ones the seller shipped, and at the first step every open one.
fn rescan(living: &mut Living, w: &World, now: i64) {
    let first = living.last_scan == i64::MIN;
    let mut seen = Vec::new();
    if first {
        for o in w.orders.values().filter(|o| is_open(o.status)) {
            seen.push(o.id);
        }
    } else {
        for &shop in w.shops.keys() {
            for &(_, _, id) in w
                .orders_by_update
                .range((shop, living.last_scan, 0)..=(shop, i64::MAX, Id::MAX))
            {
                seen.push(id);
            }
        }
    }
    for id in seen {
        if !living.due_of.contains_key(&id) {
            if first {
                living.adopted_at.insert(id, now);
            }
            let spread = living.span(id, 99, 0, 10 * MINUTE);
            living.schedule(id, now + spread);
        }
    }
    // Returns: at the first step every open one, later the new ones (a known one is already followed
    // until it closes, and its timer looks at its current status).
    living.refresh_index(w);
    for rid in std::mem::take(&mut living.unseen_returns) {
        let open = w
            .returns
            .get(&rid)
            .is_some_and(|r| return_is_open(r.status));
        if open && !living.return_due_of.contains_key(&rid) {
            if first {
                living.adopted_at.insert(rid, now);
            }
            living.schedule_return(rid, now);
        }
    }
}

/// Places a new UNPAID order of 1–3 units from the shop's active, in-stock SKUs, half the time from
/// those on sale in a running activity (the world's own `create_order` prices the deal, takes the
/// stock and refuses when it is short; then one unit is tried).
fn create_order(living: &mut Living, w: &mut World, shop_id: Id, now: i64) -> Option<Id> {
    let candidates: Vec<Id> = w
        .products_by_create
        .range((shop_id, i64::MIN, 0)..=(shop_id, i64::MAX, Id::MAX))
        .filter_map(|&(_, _, pid)| w.products.get(&pid))
        .filter(|p| p.status == ProductStatus::Activate)
        .flat_map(|p| p.skus.iter().filter(|s| s.total_stock() > 0).map(|s| s.id))
        .collect();
    if candidates.is_empty() {
        return None;
    }
    let units = match living.rng.random_range(0..10) {
        0..=5 => 1,
        6..=8 => 2,
        _ => 3,
    };
    // Half the orders go for a SKU on sale in a running activity, when there is one.
    let deals = w.deal_skus(shop_id, now);
    let pool = if !deals.is_empty() && living.rng.random_bool(0.5) {
        &deals
    } else {
        &candidates
    };
    let skus: Vec<Id> = (0..units)
        .map(|_| pool[living.rng.random_range(0..pool.len())])
        .collect();
    let region = w.region_of(shop_id);
    let spec = NewOrder {
        sku_ids: skus.clone(),
        is_cod: Some(region.has_cod() && living.rng.random_bool(0.3)),
        shipping_type: Some(if living.rng.random_bool(0.2) {
            ShippingType::Seller
        } else {
            ShippingType::Tiktok
        }),
        buyer_message: None,
        paid: false,
        user_id: None,
    };
    match w.create_order(shop_id, now, spec.clone()) {
        Ok(id) => Some(id),
        Err(_) if skus.len() > 1 => w
            .create_order(
                shop_id,
                now,
                NewOrder {
                    sku_ids: vec![skus[0]],
                    ..spec
                },
            )
            .ok(),
        Err(_) => None,
    }
}

/// Looks at one order and makes the change its stage and fate call for; answers when to look again.
fn advance_order(
    living: &mut Living,
    w: &mut World,
    id: Id,
    now: i64,
    report: &mut TickReport,
) -> Option<i64> {
    let order = w.orders.get(&id)?;
    let adopted = living.adopted_at.get(&id).copied().unwrap_or(i64::MIN);
    let since = |t: Option<i64>, fallback: i64| t.unwrap_or(fallback).max(adopted);
    let status = order.status;
    let create = since(Some(order.create_time), order.create_time);
    let update = order.update_time;
    match status {
        OrderStatus::Unpaid => {
            if living.fate(id, NEVER_PAID) < 0.08 {
                let at = create + UNPAID_CANCEL_AFTER;
                if now < at {
                    return Some(at);
                }
                if w.cancel_order(id, &[], "SYSTEM", "Payment overdue", now)
                    .is_ok()
                {
                    report.transitions += 1;
                    report.cancelled += 1;
                }
                return None;
            }
            let at = create + living.span(id, PAY_DELAY, MINUTE, 10 * MINUTE);
            if now < at {
                return Some(at);
            }
            // Paid: the buyer's cancellation window opens (the world releases it after an hour).
            if w.pay_order(id, now).is_ok() {
                report.transitions += 1;
            }
            Some(now + living.span(id, HOLD_CANCEL_AT, 5 * MINUTE, 55 * MINUTE))
        }
        OrderStatus::OnHold => {
            let paid = since(order.paid_time, update);
            if living.fate(id, HOLD_CANCEL) < 0.04 {
                let at = paid + living.span(id, HOLD_CANCEL_AT, 5 * MINUTE, 55 * MINUTE);
                if now < at {
                    return Some(at);
                }
                // Within the window the buyer cancels without asking the seller.
                if w.cancel_order(id, &[], "BUYER", "Buyer changed mind", now)
                    .is_ok()
                {
                    report.transitions += 1;
                    report.cancelled += 1;
                }
                return None;
            }
            // The world moves it on when the hold ends; look right after.
            Some(order.on_hold_until.unwrap_or(now + HOUR) + 1)
        }
        OrderStatus::AwaitingShipment | OrderStatus::PartiallyShipping => {
            w.ensure_package(id, now);
            let paid = since(w.orders.get(&id)?.paid_time, update);
            living.refresh_index(w);
            let has_pending_cancel = living.has_cancellation(w, id, true);
            if living.fate(id, CANCEL_REQUEST) < 0.03 && !has_pending_cancel {
                let at = paid + living.span(id, CANCEL_REQUEST_AT, 10 * MINUTE, 2 * HOUR);
                let already_asked = living.has_cancellation(w, id, false);
                if !already_asked {
                    if now < at {
                        return Some(at);
                    }
                    open_cancellation(
                        w,
                        id,
                        "BUYER",
                        "Buyer changed mind",
                        CancelStatus::RequestPending,
                        now,
                    );
                    report.cancellation_requests += 1;
                    return Some(now + HOUR);
                }
            }
            if has_pending_cancel {
                // The seller has to answer first.
                return Some(now + HOUR);
            }
            if living.fate(id, AUTO_SHIP) < 0.6 {
                let at = paid + living.span(id, SHIP_AFTER, 2 * HOUR, DAY);
                if now < at {
                    return Some(at);
                }
                if w.advance_order(id, now).is_ok() {
                    report.transitions += 1;
                    report.shipped += 1;
                }
                return Some(now + living.span(id, COLLECT_AFTER, 2 * HOUR, 12 * HOUR));
            }
            // Left to the seller: look again later.
            Some(now + HOUR)
        }
        OrderStatus::AwaitingCollection => {
            let at =
                since(order.rts_time, update) + living.span(id, COLLECT_AFTER, 2 * HOUR, 12 * HOUR);
            if now < at {
                return Some(at);
            }
            let _ = w.advance_order(id, now);
            report.transitions += 1;
            Some(now + living.span(id, DELIVER_AFTER, DAY, 3 * DAY))
        }
        OrderStatus::InTransit => {
            let at =
                since(order.collection_time, update) + living.span(id, DELIVER_AFTER, DAY, 3 * DAY);
            if now < at {
                return Some(at);
            }
            let _ = w.advance_order(id, now);
            report.transitions += 1;
            Some(now + living.span(id, RETURN_AT, 2 * HOUR, 3 * DAY))
        }
        OrderStatus::Delivered => {
            let delivered = since(order.delivery_time, update);
            living.refresh_index(w);
            let ever_returned = living.has_return(w, id, false);
            if living.fate(id, RETURN) < 0.08 && !ever_returned {
                let at = delivered + living.span(id, RETURN_AT, 2 * HOUR, 3 * DAY);
                if now < at {
                    return Some(at);
                }
                // Every kind a buyer can ask for: refund only, return and refund, replacement.
                let kind = match living.fate(id, RETURN_KIND) {
                    f if f < 0.3 => ReturnType::Refund,
                    f if f < 0.85 => ReturnType::ReturnAndRefund,
                    _ => ReturnType::Replacement,
                };
                let reason = RETURN_REASONS[(living.fate(id, RETURN_REASON) * 4.0) as usize % 4];
                if let Some(rid) = open_return(w, id, kind, reason, now) {
                    report.returns_opened += 1;
                    living.schedule_return(rid, now + DECISION_WINDOW + 1);
                }
                return Some(delivered + COMPLETE_AFTER);
            }
            let open_return = living.has_return(w, id, true);
            let at = delivered + COMPLETE_AFTER;
            if now < at {
                return Some(at);
            }
            if open_return {
                return Some(now + DAY);
            }
            let _ = w.advance_order(id, now);
            report.transitions += 1;
            None
        }
        OrderStatus::Completed | OrderStatus::Cancelled => None,
    }
}

/// Moves a buyer's return along when the buyer acts or the refund is paid. A request awaiting the
/// seller waits for the seller, or for its deadline, when the world decides it (SYSTEM).
fn advance_return(living: &mut Living, w: &mut World, id: Id, now: i64) -> Option<i64> {
    let r = w.returns.get(&id)?;
    if let Some(deadline) = r.decision_deadline() {
        return Some(deadline + 1);
    }
    let adopted = living.adopted_at.get(&id).copied().unwrap_or(i64::MIN);
    let since = r.update_time.max(adopted);
    let (next, wait) = match r.status {
        ReturnStatus::AwaitingBuyerShip => (
            ReturnStatus::BuyerShippedItem,
            living.span(id, BUYER_SHIPS_AFTER, 4 * HOUR, 2 * DAY),
        ),
        ReturnStatus::RequestSuccess => (ReturnStatus::RequestComplete, REFUND_COMPLETES_AFTER),
        ReturnStatus::RequestPending
        | ReturnStatus::BuyerShippedItem
        | ReturnStatus::RequestReject
        | ReturnStatus::RejectReceivePackage
        | ReturnStatus::RequestCancel
        | ReturnStatus::RequestComplete => return None,
    };
    let at = since + wait;
    if now < at {
        return Some(at);
    }
    set_return_status(w, id, next, now);
    return_is_open(next).then_some(now + 1)
}

/// Starts the background pace-keeper when `orders_per_minute > 0`.
pub fn spawn(state: SandboxState) -> Option<tokio::task::JoinHandle<()>> {
    if state.config().orders_per_minute == 0 {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        loop {
            interval.tick().await;
            let state = state.clone();
            // The step takes locks and may do real work: keep it off the async workers.
            let done = tokio::task::spawn_blocking(move || {
                let now = state.now();
                tick(&state, now);
            })
            .await;
            if done.is_err() {
                tracing::error!("living shop step panicked");
            }
        }
    }))
}

mod control;

pub use control::configure;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fates_are_stable_and_spread() {
        let state = SandboxState::new(crate::SandboxConfig {
            orders: 5,
            products: 5,
            ..crate::SandboxConfig::default()
        });
        let l = Living::new(&state, 1_700_000_000);
        let draws: Vec<f64> = (0..1000u64).map(|i| l.fate(i, AUTO_SHIP)).collect();
        assert!(draws.iter().all(|d| (0.0..1.0).contains(d)));
        let low = draws.iter().filter(|d| **d < 0.5).count();
        assert!((400..600).contains(&low), "{low}");
        assert_eq!(l.fate(42, 1), l.fate(42, 1));
        assert_ne!(l.fate(42, 1), l.fate(42, 2));
        let s = l.span(7, 3, 10, 20);
        assert!((10..20).contains(&s));
    }
}
