//! Time comes from a clock that tests can move.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use futures_util::future::BoxFuture;
use tokio::sync::watch;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Resolves once the clock reads `deadline` or later. Waiting code (back-off, rate limits) sleeps
    /// through this, so that a test on a [`ManualClock`] never waits for wall time.
    ///
    /// The default sleeps for the wall time between `now()` and the deadline, which is right for
    /// any clock that moves with real time.
    fn sleep_until(&self, deadline: DateTime<Utc>) -> BoxFuture<'static, ()> {
        let wait = (deadline - self.now()).to_std().unwrap_or_default();
        Box::pin(async move {
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        })
    }
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to; shared by clones.
///
/// Its `sleep_until` futures resolve when [`ManualClock::advance`] moves the clock to or past their
/// deadline; [`ManualClock::sleepers`] tells a test how many are still waiting, so it can move the
/// clock exactly when work is blocked on it.
#[derive(Clone)]
pub struct ManualClock(Arc<ManualInner>);

struct ManualInner {
    now: watch::Sender<DateTime<Utc>>,
    /// Deadlines of the `sleep_until` futures alive now, by a private id.
    sleepers: Mutex<HashMap<u64, DateTime<Utc>>>,
    next_id: AtomicU64,
}

impl std::fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManualClock")
            .field("now", &self.now())
            .field("sleepers", &self.sleepers())
            .finish()
    }
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        let (now, _) = watch::channel(start);
        Self(Arc::new(ManualInner {
            now,
            sleepers: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
        }))
    }

    pub fn advance(&self, by: Duration) {
        self.0.now.send_modify(|now| *now += by);
    }

    /// How many `sleep_until` futures wait for a time the clock has not reached yet.
    pub fn sleepers(&self) -> usize {
        let now = self.now();
        lock(&self.0.sleepers)
            .values()
            .filter(|deadline| **deadline > now)
            .count()
    }

    /// The earliest deadline any `sleep_until` future waits for, if one does.
    pub fn next_deadline(&self) -> Option<DateTime<Utc>> {
        let now = self.now();
        lock(&self.0.sleepers)
            .values()
            .filter(|deadline| **deadline > now)
            .min()
            .copied()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Forgets a sleeper however its future ends (resolved or dropped).
struct SleeperGuard {
    clock: Arc<ManualInner>,
    id: u64,
}

impl Drop for SleeperGuard {
    fn drop(&mut self) {
        lock(&self.clock.sleepers).remove(&self.id);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.now.borrow()
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> BoxFuture<'static, ()> {
        let mut rx = self.0.now.subscribe();
        if *rx.borrow_and_update() >= deadline {
            return Box::pin(async {});
        }
        let id = self.0.next_id.fetch_add(1, Ordering::Relaxed);
        lock(&self.0.sleepers).insert(id, deadline);
        let guard = SleeperGuard {
            clock: self.0.clone(),
            id,
        };
        Box::pin(async move {
            let _guard = guard;
            // The sender lives as long as the clock, and this future holds the clock.
            let _ = rx.wait_for(|now| *now >= deadline).await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_sleep_resolves_only_when_advanced_past_the_deadline() {
        let clock = ManualClock::new(Utc::now());
        let deadline = clock.now() + Duration::seconds(10);
        let sleep = tokio::spawn(clock.sleep_until(deadline));
        assert_eq!(clock.sleepers(), 1);
        clock.advance(Duration::seconds(9));
        tokio::task::yield_now().await;
        assert!(!sleep.is_finished());
        assert_eq!(clock.sleepers(), 1);
        clock.advance(Duration::seconds(1));
        assert_eq!(clock.sleepers(), 0);
        sleep.await.unwrap();
        // A deadline already reached resolves at once and is never counted.
        clock.sleep_until(deadline).await;
        assert_eq!(clock.sleepers(), 0);
    }

    #[tokio::test]
    async fn dropped_sleepers_are_forgotten() {
        let clock = ManualClock::new(Utc::now());
        let sleep = clock.sleep_until(clock.now() + Duration::seconds(1));
        assert_eq!(clock.sleepers(), 1);
        drop(sleep);
        assert_eq!(clock.sleepers(), 0);
    }
}
