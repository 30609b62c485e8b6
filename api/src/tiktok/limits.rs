//! Client-side rate limits: every call waits, before it is sent, for a per-(shop, API category)
//! budget and a per-app budget, then for the optional cross-process [`QuotaGate`].
//!
//! The limiters are `governor`'s keyed GCRA limiters driven by our [`Clock`], and waiting sleeps on
//! that clock, so tests on a `ManualClock` never wait for wall time.
//!
//! The shape of a budget: TikTok's (and our guide's) limits read "N calls per minute", and a server
//! may count them in any 60-second window (the sandbox counts per clock-minute). A GCRA bucket with
//! burst `b` refilling `r` per minute lets through up to `b + r - 1` calls in some 60-second window,
//! so a burst equal to N would allow almost 2N in one minute and meet 429s. We keep
//! `b + r - 1 = N` over a 61-second window (one second of slack for network jitter between our
//! admission and TikTok's count): burst `b = max(1, N/60)`, refill `r = N - b + 1` per 61 s.
//! With the default 600/min that is bursts of 10 and a steady ~9.7 calls/s (0.97 of the limit over
//! a long run), and no window ever sees more than N. A larger burst would buy quick starts at the
//! price of the steady rate: `r` shrinks by what `b` grows.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use governor::clock::Clock as GovernorClock;
use governor::middleware::StateInformationMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};

use super::category::ApiCategory;
use crate::clock::Clock;

/// The window a per-minute limit is kept over, with a second of slack (see the module docs).
const WINDOW: Duration = Duration::from_secs(61);

/// Calls per minute; 0 turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Per shop and API category (our guide: 600).
    pub per_shop_category_per_minute: u32,
    /// Per app, over all its shops (our guide: 6,000).
    pub per_app_per_minute: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            per_shop_category_per_minute: 600,
            per_app_per_minute: 6000,
        }
    }
}

/// What a call is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QuotaKey {
    /// Our shop id; `None` for calls made before a shop is known (authorized shops at connect).
    pub shop_key: Option<String>,
    pub app_key: String,
    pub category: ApiCategory,
}

/// A budget shared beyond this process (e.g. kept in the database), awaited after the in-process
/// limiters admitted a call and before it is sent. It must resolve when the call may go.
pub trait QuotaGate: Send + Sync {
    fn acquire<'a>(&'a self, key: &'a QuotaKey) -> BoxFuture<'a, ()>;
}

/// The in-process view of one budget, for `/status` and `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaUse {
    pub app_key: String,
    /// `None` for the app-wide budget.
    pub shop_key: Option<String>,
    /// `None` for the app-wide budget.
    pub category: Option<ApiCategory>,
    /// The configured calls per minute.
    pub limit_per_minute: u32,
    /// How many calls may go at once after a quiet spell.
    pub burst: u32,
    /// About how many calls may go right now without waiting (0..=burst).
    pub remaining: u32,
}

/// One budget's GCRA parameters.
#[derive(Debug, Clone, Copy)]
struct Shape {
    per_minute: u32,
    burst: u32,
    /// One call's worth of refill.
    interval: Duration,
}

impl Shape {
    fn for_limit(per_minute: u32) -> Option<Shape> {
        if per_minute == 0 {
            return None;
        }
        let burst = (per_minute / 60).max(1);
        let refill_per_window = per_minute - burst + 1;
        Some(Shape {
            per_minute,
            burst,
            interval: WINDOW / refill_per_window,
        })
    }

    fn quota(self) -> Quota {
        Quota::with_period(self.interval)
            .expect("the interval of a finite per-minute limit is above zero")
            .allow_burst(NonZeroU32::new(self.burst).expect("burst is at least 1"))
    }

    fn interval_chrono(self) -> chrono::Duration {
        chrono::Duration::from_std(self.interval).unwrap_or(chrono::Duration::MAX)
    }
}

/// `governor`'s view of our clock: nanoseconds since the Unix epoch.
struct ClockAdapter(Arc<dyn Clock>);

impl GovernorClock for ClockAdapter {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        to_nanos(self.0.now())
    }
}

fn to_nanos(t: DateTime<Utc>) -> Nanos {
    Nanos::from(u64::try_from(t.timestamp_nanos_opt().unwrap_or(i64::MAX)).unwrap_or(0))
}

fn from_nanos(n: Nanos) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(i64::try_from(n.as_u64()).unwrap_or(i64::MAX))
}

type Keyed<K> = RateLimiter<K, HashMapStateStore<K>, ClockAdapter, StateInformationMiddleware>;

fn keyed<K: std::hash::Hash + Eq + Clone>(shape: Shape, clock: &Arc<dyn Clock>) -> Keyed<K> {
    Keyed::<K>::new(
        shape.quota(),
        HashMapStateStore::default(),
        ClockAdapter(clock.clone()),
    )
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    App(String),
    Shop(String, ApiCategory),
}

/// The last known state of one budget: the (virtual) time at which it held 0 calls; it gains one
/// per interval since then, up to its burst.
#[derive(Debug, Clone)]
struct Seen {
    app_key: String,
    empty_at: DateTime<Utc>,
}

pub(crate) struct Limiters {
    clock: Arc<dyn Clock>,
    shop: Option<(Shape, Keyed<(String, ApiCategory)>)>,
    app: Option<(Shape, Keyed<String>)>,
    seen: Mutex<BTreeMap<Scope, Seen>>,
}

impl Limiters {
    pub(crate) fn new(limits: RateLimits, clock: Arc<dyn Clock>) -> Self {
        let shop =
            Shape::for_limit(limits.per_shop_category_per_minute).map(|s| (s, keyed(s, &clock)));
        let app = Shape::for_limit(limits.per_app_per_minute).map(|s| (s, keyed(s, &clock)));
        Self {
            clock,
            shop,
            app,
            seen: Mutex::new(BTreeMap::new()),
        }
    }

    /// Waits until both budgets admit one call for `key`. The narrower per-shop budget is taken
    /// first, so that calls queued behind one busy shop do not hold app-wide budget that other
    /// shops could use.
    pub(crate) async fn acquire(&self, key: &QuotaKey) {
        if let (Some(shop_key), Some((shape, limiter))) = (&key.shop_key, &self.shop) {
            let k = (shop_key.clone(), key.category);
            let scope = Scope::Shop(shop_key.clone(), key.category);
            self.wait(limiter, &k, *shape, scope, &key.app_key).await;
        }
        if let Some((shape, limiter)) = &self.app {
            let scope = Scope::App(key.app_key.clone());
            self.wait(limiter, &key.app_key, *shape, scope, &key.app_key)
                .await;
        }
    }

    async fn wait<K>(&self, limiter: &Keyed<K>, key: &K, shape: Shape, scope: Scope, app_key: &str)
    where
        K: std::hash::Hash + Eq + Clone,
    {
        loop {
            let now = self.clock.now();
            match limiter.check_key(key) {
                Ok(snapshot) => {
                    let remaining = i32::try_from(snapshot.remaining_burst_capacity()).unwrap_or(0);
                    self.record(scope, app_key, now - shape.interval_chrono() * remaining);
                    return;
                }
                Err(not_until) => {
                    let earliest = from_nanos(not_until.earliest_possible());
                    self.record(scope.clone(), app_key, earliest - shape.interval_chrono());
                    // Never spin: a deadline already reached (clock rounding) waits a nanosecond.
                    let deadline = earliest.max(now + chrono::Duration::nanoseconds(1));
                    self.clock.sleep_until(deadline).await;
                }
            }
        }
    }

    fn record(&self, scope: Scope, app_key: &str, empty_at: DateTime<Utc>) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.insert(
            scope,
            Seen {
                app_key: app_key.to_owned(),
                empty_at,
            },
        );
    }

    pub(crate) fn snapshot(&self) -> Vec<QuotaUse> {
        let now = self.clock.now();
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.iter()
            .filter_map(|(scope, seen)| {
                let (shape, shop_key, category) = match scope {
                    Scope::App(_) => (self.app.as_ref()?.0, None, None),
                    Scope::Shop(shop, category) => {
                        (self.shop.as_ref()?.0, Some(shop.clone()), Some(*category))
                    }
                };
                let since = (now - seen.empty_at).to_std().unwrap_or_default();
                let gained = since.as_nanos() / shape.interval.as_nanos().max(1);
                let remaining = u32::try_from(gained).unwrap_or(u32::MAX).min(shape.burst);
                Some(QuotaUse {
                    app_key: seen.app_key.clone(),
                    shop_key,
                    category,
                    limit_per_minute: shape.per_minute,
                    burst: shape.burst,
                    remaining,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn key(shop: &str, category: ApiCategory) -> QuotaKey {
        QuotaKey {
            shop_key: Some(shop.to_owned()),
            app_key: "app".to_owned(),
            category,
        }
    }

    #[test]
    fn shapes_keep_every_window_within_the_limit() {
        for n in [1u32, 2, 5, 9, 10, 50, 120, 600, 6000] {
            let s = Shape::for_limit(n).unwrap();
            let refill = n - s.burst + 1;
            assert!(s.burst >= 1 && s.burst <= n.max(1));
            assert_eq!(s.burst + refill - 1, n, "limit {n}");
            assert!(s.interval * refill <= WINDOW);
        }
        assert!(Shape::for_limit(0).is_none());
        let d = Shape::for_limit(600).unwrap();
        assert_eq!(d.burst, 10);
    }

    /// Drives many callers through one budget on a manual clock, stepping time only when all of
    /// them are blocked, and checks that no 60-second window (sliding, and so clock-minute) admits
    /// more than the limit, while the budget is still used: the whole run takes about as long as
    /// the limit requires.
    #[tokio::test]
    async fn admissions_never_exceed_the_limit_in_any_minute() {
        let start = DateTime::parse_from_rfc3339("2026-01-01T00:00:30Z")
            .unwrap()
            .to_utc();
        let clock = ManualClock::new(start);
        let limits = RateLimits {
            per_shop_category_per_minute: 120,
            per_app_per_minute: 0,
        };
        let limiters = Arc::new(Limiters::new(limits, Arc::new(clock.clone())));
        let total = 600usize;
        let admitted = Arc::new(Mutex::new(Vec::<DateTime<Utc>>::new()));
        let mut tasks = Vec::new();
        for _ in 0..total {
            let limiters = limiters.clone();
            let admitted = admitted.clone();
            let clock = clock.clone();
            tasks.push(tokio::spawn(async move {
                limiters.acquire(&key("s1", ApiCategory::Order)).await;
                admitted.lock().unwrap().push(clock.now());
            }));
        }
        loop {
            // Quiescent: every caller is either admitted or asleep on the clock.
            let done = admitted.lock().unwrap().len();
            if done == total {
                break;
            }
            if done + clock.sleepers() == total {
                let next = clock.next_deadline().unwrap();
                clock.advance(next - clock.now());
            } else {
                tokio::task::yield_now().await;
            }
        }
        for t in tasks {
            t.await.unwrap();
        }
        let times = admitted.lock().unwrap().clone();
        assert_eq!(
            times.iter().filter(|t| **t == start).count(),
            2,
            "burst of 120/60"
        );
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .filter(|u| **u - *t < chrono::Duration::seconds(60))
                .count();
            assert!(in_window <= 120, "{in_window} calls in the minute from {t}");
        }
        // Used, not starved: 600 calls at ~119 per 61 s take a little over 5 minutes.
        let span = *times.last().unwrap() - start;
        assert!(span <= chrono::Duration::seconds(6 * 61), "{span}");
        assert!(span >= chrono::Duration::seconds(4 * 60), "{span}");
    }

    #[tokio::test]
    async fn keys_are_independent_and_the_app_budget_is_shared() {
        let clock = ManualClock::new(Utc::now());
        let limits = RateLimits {
            per_shop_category_per_minute: 60, // burst 1
            per_app_per_minute: 180,          // burst 3
        };
        let limiters = Limiters::new(limits, Arc::new(clock.clone()));
        // One call each for three shop/category pairs: all go at once (the app's burst is 3).
        limiters.acquire(&key("s1", ApiCategory::Order)).await;
        limiters.acquire(&key("s1", ApiCategory::Product)).await;
        limiters.acquire(&key("s2", ApiCategory::Order)).await;
        assert_eq!(clock.sleepers(), 0);
        // A fourth, on a fresh shop key, waits for the app budget.
        let s3_key = key("s3", ApiCategory::Order);
        let fourth = limiters.acquire(&s3_key);
        let mut fourth = Box::pin(fourth);
        assert!(
            futures_util::future::poll_immediate(fourth.as_mut())
                .await
                .is_none()
        );
        assert_eq!(clock.sleepers(), 1);
        clock.advance(chrono::Duration::seconds(61));
        fourth.await;

        let snap = limiters.snapshot();
        let app = snap.iter().find(|q| q.shop_key.is_none()).unwrap();
        assert_eq!(app.limit_per_minute, 180);
        assert_eq!(app.burst, 3);
        assert!(app.remaining < 3);
        let s1 = snap
            .iter()
            .find(|q| q.shop_key.as_deref() == Some("s1") && q.category == Some(ApiCategory::Order))
            .unwrap();
        assert_eq!(s1.limit_per_minute, 60);
        assert_eq!(s1.remaining, 1, "refilled after 61 s");
        let s3 = snap
            .iter()
            .find(|q| q.shop_key.as_deref() == Some("s3"))
            .unwrap();
        assert_eq!(
            s3.remaining, 1,
            "admitted before the wait for the app, refilled since"
        );
        limiters.acquire(&s3_key).await;
        let snap = limiters.snapshot();
        let s3 = snap
            .iter()
            .find(|q| q.shop_key.as_deref() == Some("s3"))
            .unwrap();
        assert_eq!(s3.remaining, 0, "just used");
    }

    #[tokio::test]
    async fn zero_turns_limits_off() {
        let clock = ManualClock::new(Utc::now());
        let limits = RateLimits {
            per_shop_category_per_minute: 0,
            per_app_per_minute: 0,
        };
        let limiters = Limiters::new(limits, Arc::new(clock.clone()));
        for _ in 0..10_000 {
            limiters.acquire(&key("s1", ApiCategory::Order)).await;
        }
        assert!(limiters.snapshot().is_empty());
    }
}
