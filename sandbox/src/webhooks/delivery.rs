//! Pushing notifications to subscribers the way TikTok does: signed POSTs, retried at about +2 min, +30 min,
//! +3 h and +12 h (times `retry_scale`) and then given up, sometimes delivered twice and sometimes overtaken by
//! a later event. One worker per address keeps that address's deliveries in order unless a hold reorders them
//! on purpose. Every attempt lands in a log that `GET /_sandbox/webhooks/deliveries` shows.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use super::event::Notification;
use super::sign::sign_webhook;

/// The real retry schedule after the first attempt fails, in milliseconds.
pub const RETRY_DELAYS_MS: [i64; 4] = [120_000, 1_800_000, 10_800_000, 43_200_000];
/// A receiver must answer within this.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a held-back delivery waits for a later one to overtake it before it goes anyway.
pub const HOLD_MS: i64 = 1_000;
/// The delivery log keeps this many most recent attempts.
pub const LOG_CAPACITY: usize = 20_000;
/// While retries are pending, a worker looks at the clock at least this often, so moving the sandbox clock
/// makes them due.
const POLL: Duration = Duration::from_millis(200);

/// The knobs of delivery; they can change while the sandbox runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeliverySettings {
    /// 1.0 = the real schedule; 0.001 turns +2 min into 120 ms.
    pub retry_scale: f64,
    /// Probability that a delivery is sent twice.
    pub duplicate_rate: f64,
    /// Probability that a delivery is held back so that the next event to the same address overtakes it.
    pub reorder_rate: f64,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            retry_scale: 1.0,
            duplicate_rate: 0.0,
            reorder_rate: 0.0,
        }
    }
}

/// The clock deliveries are scheduled by: the sandbox clock, in unix milliseconds.
pub type ClockMs = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Where one notification goes: an address, and the app whose secret signs it.
#[derive(Debug, Clone)]
pub struct Target {
    pub address: String,
    pub app_key: String,
    pub app_secret: String,
}

/// One line of the delivery log.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeliveryRecord {
    /// Position in the log, increasing.
    pub seq: u64,
    pub tts_notification_id: String,
    pub event_type: &'static str,
    #[serde(rename = "type")]
    pub type_code: u8,
    pub shop_id: String,
    pub address: String,
    /// 1 for the first try, 2..=5 for the retries.
    pub attempt: u32,
    /// True for the extra copy of a delivery sent twice.
    pub duplicate: bool,
    /// `delivered`, `failed` (a retry is scheduled) or `given_up`.
    pub status: &'static str,
    pub http_status: Option<u16>,
    pub error: Option<String>,
    /// Sandbox clock, unix seconds and milliseconds.
    pub time: i64,
    pub time_ms: i64,
    pub next_attempt_at_ms: Option<i64>,
}

/// What a flush did.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct FlushReport {
    pub attempted: usize,
    pub delivered: usize,
    pub failed: usize,
    pub given_up: usize,
}

impl FlushReport {
    fn add(&mut self, other: FlushReport) {
        self.attempted += other.attempted;
        self.delivered += other.delivered;
        self.failed += other.failed;
        self.given_up += other.given_up;
    }
}

#[derive(Debug, Clone)]
struct Delivery {
    body: Arc<Vec<u8>>,
    notification_id: Arc<str>,
    event_type: &'static str,
    type_code: u8,
    shop_id: Arc<str>,
    address: Arc<str>,
    app_key: Arc<str>,
    app_secret: Arc<str>,
    attempt: u32,
    duplicate: bool,
}

enum Job {
    /// A new notification; `hold` asks the worker to let the next one overtake it.
    Deliver {
        delivery: Delivery,
        twice: bool,
        hold: bool,
    },
    Flush(oneshot::Sender<FlushReport>),
}

struct Shared {
    settings: Mutex<DeliverySettings>,
    rng: Mutex<ChaCha8Rng>,
    workers: Mutex<HashMap<String, mpsc::UnboundedSender<Job>>>,
    log: Mutex<VecDeque<DeliveryRecord>>,
    next_seq: Mutex<u64>,
    pending: Mutex<HashMap<String, usize>>,
    client: reqwest::Client,
    clock: ClockMs,
}

/// Fans notifications out to per-address workers.
#[derive(Clone)]
pub struct Dispatcher {
    shared: Arc<Shared>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Dispatcher {
    /// `seed` makes notification ids, duplicates and holds reproducible.
    pub fn new(settings: DeliverySettings, seed: u64, clock: ClockMs) -> Dispatcher {
        let client = reqwest::Client::builder()
            .timeout(DELIVERY_TIMEOUT)
            .no_proxy()
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Dispatcher {
            shared: Arc::new(Shared {
                settings: Mutex::new(sanitize(settings)),
                rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed ^ 0x5745_4248_4f4f_4b53)),
                workers: Mutex::new(HashMap::new()),
                log: Mutex::new(VecDeque::new()),
                next_seq: Mutex::new(1),
                pending: Mutex::new(HashMap::new()),
                client,
                clock,
            }),
        }
    }

    pub fn settings(&self) -> DeliverySettings {
        *lock(&self.shared.settings)
    }

    pub fn set_settings(&self, settings: DeliverySettings) {
        *lock(&self.shared.settings) = sanitize(settings);
    }

    /// A fresh `tts_notification_id`: 19 digits, from the seeded source.
    pub fn next_notification_id(&self) -> String {
        lock(&self.shared.rng)
            .random_range(7_000_000_000_000_000_000u64..=7_999_999_999_999_999_999u64)
            .to_string()
    }

    /// Sends one notification to each target. Must run inside a tokio runtime (it may start a worker).
    /// Returns the `tts_notification_id` it was given.
    pub fn dispatch(&self, notification: &Notification, targets: &[Target]) -> Option<String> {
        if targets.is_empty() {
            return None;
        }
        let id = self.next_notification_id();
        let body = Arc::new(notification.body(&id));
        let notification_id: Arc<str> = id.as_str().into();
        let shop_id: Arc<str> = notification.shop_id.as_str().into();
        let settings = self.settings();
        for target in targets {
            let (twice, hold) = {
                let mut rng = lock(&self.shared.rng);
                (
                    rng.random_bool(settings.duplicate_rate),
                    rng.random_bool(settings.reorder_rate),
                )
            };
            let delivery = Delivery {
                body: body.clone(),
                notification_id: notification_id.clone(),
                event_type: notification.event_type.name(),
                type_code: notification.event_type.code(),
                shop_id: shop_id.clone(),
                address: target.address.as_str().into(),
                app_key: target.app_key.as_str().into(),
                app_secret: target.app_secret.as_str().into(),
                attempt: 1,
                duplicate: false,
            };
            self.send(
                &target.address,
                Job::Deliver {
                    delivery,
                    twice,
                    hold,
                },
            );
        }
        Some(id)
    }

    fn send(&self, address: &str, job: Job) {
        let mut workers = lock(&self.shared.workers);
        let tx = workers.entry(address.to_owned()).or_insert_with(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(worker(self.shared.clone(), address.to_owned(), rx));
            tx
        });
        if let Err(mpsc::error::SendError(job)) = tx.send(job) {
            // The worker is gone (its runtime ended): start a new one.
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(worker(self.shared.clone(), address.to_owned(), rx));
            let _ = tx.send(job);
            workers.insert(address.to_owned(), tx);
        }
    }

    /// Delivers every held-back delivery and every pending retry now, and waits until that is done.
    pub async fn flush(&self) -> FlushReport {
        let receivers: Vec<oneshot::Receiver<FlushReport>> = {
            let workers = lock(&self.shared.workers);
            workers
                .values()
                .filter_map(|tx| {
                    let (done, wait) = oneshot::channel();
                    tx.send(Job::Flush(done)).ok().map(|_| wait)
                })
                .collect()
        };
        let mut report = FlushReport::default();
        for r in receivers {
            if let Ok(part) = r.await {
                report.add(part);
            }
        }
        report
    }

    /// Retries waiting for their time, and held-back deliveries, across all addresses.
    pub fn pending(&self) -> usize {
        lock(&self.shared.pending).values().sum()
    }

    /// The delivery log, oldest first, from `since_seq` (exclusive) on.
    pub fn deliveries(&self, since_seq: u64) -> Vec<DeliveryRecord> {
        lock(&self.shared.log)
            .iter()
            .filter(|r| r.seq > since_seq)
            .cloned()
            .collect()
    }

    /// Forgets every worker, pending retry and log line (the sandbox's reset).
    pub fn reset(&self) {
        lock(&self.shared.workers).clear();
        lock(&self.shared.log).clear();
        lock(&self.shared.pending).clear();
    }
}

fn sanitize(s: DeliverySettings) -> DeliverySettings {
    let rate = |r: f64| {
        if r.is_finite() {
            r.clamp(0.0, 1.0)
        } else {
            0.0
        }
    };
    DeliverySettings {
        retry_scale: if s.retry_scale.is_finite() && s.retry_scale >= 0.0 {
            s.retry_scale
        } else {
            1.0
        },
        duplicate_rate: rate(s.duplicate_rate),
        reorder_rate: rate(s.reorder_rate),
    }
}

/// The delay before retry number `failed_attempt` (1-based attempt that just failed), if any is left.
pub fn retry_delay_ms(failed_attempt: u32, scale: f64) -> Option<i64> {
    let base = *RETRY_DELAYS_MS.get(usize::try_from(failed_attempt).ok()?.checked_sub(1)?)?;
    Some((base as f64 * scale).round() as i64)
}

struct WorkerState {
    /// (due at, delivery), retries by the sandbox clock.
    retries: Vec<(i64, Delivery)>,
    /// (release at, delivery), held back to be overtaken.
    held: Vec<(tokio::time::Instant, Delivery)>,
}

async fn worker(shared: Arc<Shared>, address: String, mut rx: mpsc::UnboundedReceiver<Job>) {
    let mut st = WorkerState {
        retries: Vec::new(),
        held: Vec::new(),
    };
    loop {
        let job = if st.retries.is_empty() && st.held.is_empty() {
            match rx.recv().await {
                Some(job) => Some(job),
                None => return,
            }
        } else {
            let now = (shared.clock)();
            let next_retry = st.retries.iter().map(|(due, _)| *due).min();
            let mut wait = POLL;
            if let Some(due) = next_retry {
                wait = wait.min(Duration::from_millis(u64::try_from(due - now).unwrap_or(0)));
            }
            if let Some(release) = st.held.iter().map(|(at, _)| *at).min() {
                wait = wait.min(release.saturating_duration_since(tokio::time::Instant::now()));
            }
            tokio::select! {
                job = rx.recv() => match job {
                    Some(job) => Some(job),
                    None => return,
                },
                _ = tokio::time::sleep(wait) => None,
            }
        };
        match job {
            Some(Job::Deliver {
                delivery,
                twice,
                hold,
            }) => {
                if !st.held.is_empty() {
                    // This one overtakes whatever was held back.
                    deliver_new(&shared, &mut st, delivery, twice).await;
                    let held = std::mem::take(&mut st.held);
                    for (_, d) in held {
                        attempt_and_schedule(&shared, &mut st, d).await;
                    }
                } else if hold {
                    let release =
                        tokio::time::Instant::now() + Duration::from_millis(HOLD_MS as u64);
                    st.held.push((release, delivery));
                    if twice {
                        // The copy goes when the original does.
                        let copy = Delivery {
                            duplicate: true,
                            ..st.held[st.held.len() - 1].1.clone()
                        };
                        st.held.push((release, copy));
                    }
                } else {
                    deliver_new(&shared, &mut st, delivery, twice).await;
                }
            }
            Some(Job::Flush(done)) => {
                let mut report = FlushReport::default();
                let held = std::mem::take(&mut st.held);
                let retries = std::mem::take(&mut st.retries);
                for d in held
                    .into_iter()
                    .map(|(_, d)| d)
                    .chain(retries.into_iter().map(|(_, d)| d))
                {
                    report.add(attempt_and_schedule(&shared, &mut st, d).await);
                }
                // Retries made by this flush wait for their (scaled) time or the next flush.
                set_pending(&shared, &address, &st);
                let _ = done.send(report);
                continue;
            }
            None => {}
        }
        // Whatever became due while we waited or worked.
        let now = (shared.clock)();
        let due: Vec<Delivery> = {
            let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut st.retries)
                .into_iter()
                .partition(|(at, _)| *at <= now);
            st.retries = later;
            due.into_iter().map(|(_, d)| d).collect()
        };
        for d in due {
            attempt_and_schedule(&shared, &mut st, d).await;
        }
        let instant = tokio::time::Instant::now();
        let (released, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut st.held)
            .into_iter()
            .partition(|(at, _)| *at <= instant);
        st.held = kept;
        for (_, d) in released {
            attempt_and_schedule(&shared, &mut st, d).await;
        }
        set_pending(&shared, &address, &st);
    }
}

fn set_pending(shared: &Shared, address: &str, st: &WorkerState) {
    lock(&shared.pending).insert(address.to_owned(), st.retries.len() + st.held.len());
}

async fn deliver_new(shared: &Shared, st: &mut WorkerState, delivery: Delivery, twice: bool) {
    let copy = twice.then(|| Delivery {
        duplicate: true,
        ..delivery.clone()
    });
    attempt_and_schedule(shared, st, delivery).await;
    if let Some(copy) = copy {
        attempt_and_schedule(shared, st, copy).await;
    }
}

/// One attempt; a failed original is rescheduled on the retry schedule. A duplicate copy is sent once:
/// the original carries the retries.
async fn attempt_and_schedule(shared: &Shared, st: &mut WorkerState, d: Delivery) -> FlushReport {
    let signature = sign_webhook(&d.app_key, &d.app_secret, &d.body);
    let result = shared
        .client
        .post(&*d.address)
        .header("Authorization", signature)
        .header("Content-Type", "application/json")
        .body(d.body.as_ref().clone())
        .send()
        .await;
    let (ok, http_status, error) = match result {
        Ok(resp) => {
            let status = resp.status();
            // Drain the answer so the connection can be reused.
            let _ = resp.bytes().await;
            (
                status.is_success(),
                Some(status.as_u16()),
                (!status.is_success()).then(|| format!("receiver answered HTTP {status}")),
            )
        }
        Err(e) if e.is_timeout() => (false, None, Some("timed out after 3 s".to_owned())),
        Err(e) if e.is_connect() => (false, None, Some("connection refused or failed".to_owned())),
        Err(_) => (false, None, Some("request failed".to_owned())),
    };
    let now = (shared.clock)();
    let mut report = FlushReport {
        attempted: 1,
        ..FlushReport::default()
    };
    let (status, next) = if ok {
        report.delivered = 1;
        ("delivered", None)
    } else if d.duplicate {
        report.failed = 1;
        ("given_up", None)
    } else {
        let scale = lock(&shared.settings).retry_scale;
        match retry_delay_ms(d.attempt, scale) {
            Some(delay) => {
                report.failed = 1;
                ("failed", Some(now + delay))
            }
            None => {
                report.given_up = 1;
                ("given_up", None)
            }
        }
    };
    let seq = {
        let mut next_seq = lock(&shared.next_seq);
        let seq = *next_seq;
        *next_seq += 1;
        seq
    };
    {
        let mut log = lock(&shared.log);
        if log.len() >= LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(DeliveryRecord {
            seq,
            tts_notification_id: d.notification_id.to_string(),
            event_type: d.event_type,
            type_code: d.type_code,
            shop_id: d.shop_id.to_string(),
            address: d.address.to_string(),
            attempt: d.attempt,
            duplicate: d.duplicate,
            status,
            http_status,
            error,
            time: now.div_euclid(1000),
            time_ms: now,
            next_attempt_at_ms: next,
        });
    }
    if let Some(due) = next {
        st.retries.push((
            due,
            Delivery {
                attempt: d.attempt + 1,
                ..d
            },
        ));
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_schedule_is_the_real_one_scaled() {
        assert_eq!(retry_delay_ms(1, 1.0), Some(120_000));
        assert_eq!(retry_delay_ms(2, 1.0), Some(1_800_000));
        assert_eq!(retry_delay_ms(3, 1.0), Some(10_800_000));
        assert_eq!(retry_delay_ms(4, 1.0), Some(43_200_000));
        assert_eq!(retry_delay_ms(5, 1.0), None);
        assert_eq!(retry_delay_ms(0, 1.0), None);
        assert_eq!(retry_delay_ms(1, 0.001), Some(120));
    }

    #[test]
    fn notification_ids_are_19_digits_and_seeded() {
        let clock: ClockMs = Arc::new(|| 0);
        let a = Dispatcher::new(DeliverySettings::default(), 7, clock.clone());
        let b = Dispatcher::new(DeliverySettings::default(), 7, clock);
        for _ in 0..100 {
            let id = a.next_notification_id();
            assert_eq!(id.len(), 19);
            assert_eq!(id, b.next_notification_id());
        }
    }

    #[test]
    fn settings_are_clamped() {
        let s = sanitize(DeliverySettings {
            retry_scale: f64::NAN,
            duplicate_rate: 3.0,
            reorder_rate: -1.0,
        });
        assert_eq!(s.retry_scale, 1.0);
        assert_eq!(s.duplicate_rate, 1.0);
        assert_eq!(s.reorder_rate, 0.0);
    }
}
