//! The sandbox's shared mutable state: the world, the sandbox clock, registered apps, authorizations and
//! tokens, rate-limit windows, fault settings, the request log and the event channel.
//!
//! [`SandboxState`] is a cheap `Arc` clone. Everything that changes the world goes through
//! [`SandboxState::with_world`], which first applies the clock's time-driven transitions and afterwards
//! publishes the events the change produced on the channel that the webhook dispatcher reads
//! ([`SandboxState::subscribe_events`]).

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tokio::sync::broadcast;

use crate::SandboxConfig;
pub use crate::world::events::SandboxEvent;
use crate::world::{Id, World};

/// The sandbox clock: system time plus an offset that `/_sandbox/clock` (or a test) moves.
#[derive(Debug, Default)]
pub struct Clock {
    offset_seconds: AtomicI64,
}

impl Clock {
    /// Unix seconds by the sandbox clock.
    pub fn now(&self) -> i64 {
        chrono::Utc::now().timestamp() + self.offset_seconds.load(Ordering::SeqCst)
    }

    pub fn offset(&self) -> i64 {
        self.offset_seconds.load(Ordering::SeqCst)
    }

    /// Moves the clock (forward for positive values).
    pub fn advance(&self, seconds: i64) {
        self.offset_seconds.fetch_add(seconds, Ordering::SeqCst);
    }

    pub fn set_offset(&self, seconds: i64) {
        self.offset_seconds.store(seconds, Ordering::SeqCst);
    }
}

/// A registered app (the config's, plus any added by `POST /_sandbox/apps`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct App {
    pub app_key: String,
    pub app_secret: String,
    pub service_id: String,
    pub redirect_url: String,
}

/// A consent that produced an auth code.
#[derive(Clone, Debug)]
pub struct AuthCode {
    pub app_key: String,
    pub seller_id: Id,
    pub shop_ids: Vec<Id>,
    pub expires_at: i64,
    pub used: bool,
}

/// One seller's authorization of one app for some of its shops.
#[derive(Clone, Debug)]
pub struct Authorization {
    pub id: u64,
    pub app_key: String,
    pub seller_id: Id,
    pub shop_ids: Vec<Id>,
    pub granted_scopes: Vec<String>,
    pub created_at: i64,
    pub revoked: bool,
    /// Whether UPCOMING_AUTHORIZATION_EXPIRATION was already announced.
    pub expiry_notified: bool,
}

#[derive(Clone, Debug)]
pub struct AccessToken {
    pub authorization_id: u64,
    pub issued_at: i64,
    pub expires_at: i64,
}

#[derive(Clone, Debug)]
pub struct RefreshToken {
    pub authorization_id: u64,
    pub expires_at: i64,
    /// A refresh token works once: after a refresh it is spent.
    pub spent: bool,
}

/// Authorizations, codes and tokens.
#[derive(Debug)]
pub struct AuthStore {
    pub codes: HashMap<String, AuthCode>,
    pub authorizations: BTreeMap<u64, Authorization>,
    pub access_tokens: HashMap<String, AccessToken>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    pub next_authorization_id: u64,
    pub rng: ChaCha8Rng,
}

/// The scopes every authorization grants (the sandbox does not model partial scopes).
pub const GRANTED_SCOPES: &[&str] = &[
    "seller.authorization.info",
    "seller.shop.info",
    "seller.product.basic",
    "seller.product.write",
    "seller.product.delete",
    "seller.order.info",
    "seller.fulfillment.basic",
    "seller.logistics",
    "seller.return_refund.basic",
    "seller.promotion.info",
    "seller.promotion.write",
    "seller.finance.info",
    "data.shop_analytics.public.read",
    "seller.affiliate_collaboration.write",
];

impl AuthStore {
    pub fn new(seed: u64) -> AuthStore {
        AuthStore {
            codes: HashMap::new(),
            authorizations: BTreeMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            next_authorization_id: 1,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x70_6b_e5),
        }
    }

    /// A random token-ish string: `prefix` + `len` characters of [A-Za-z0-9].
    pub fn random_string(&mut self, prefix: &str, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut s = String::with_capacity(prefix.len() + len);
        s.push_str(prefix);
        for _ in 0..len {
            s.push(ALPHABET[self.rng.random_range(0..ALPHABET.len())] as char);
        }
        s
    }

    /// Issues a fresh pair for an authorization: (access token, its expiry, refresh token, its expiry).
    pub fn issue_pair(
        &mut self,
        authorization_id: u64,
        now: i64,
        access_ttl: i64,
        refresh_ttl: i64,
    ) -> (String, i64, String, i64) {
        let access = self.random_string("ROW_", 44);
        let refresh = self.random_string("ROW_", 44);
        let access_exp = now + access_ttl;
        let refresh_exp = now + refresh_ttl;
        self.access_tokens.insert(
            access.clone(),
            AccessToken {
                authorization_id,
                issued_at: now,
                expires_at: access_exp,
            },
        );
        self.refresh_tokens.insert(
            refresh.clone(),
            RefreshToken {
                authorization_id,
                expires_at: refresh_exp,
                spent: false,
            },
        );
        (access, access_exp, refresh, refresh_exp)
    }
}

/// Fault injection rates (`POST /_sandbox/faults`); each rate is a probability per API call.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Answer HTTP 500 with code 36009003.
    pub error_5xx: f64,
    /// Answer HTTP 429 with code 36009002 (on top of the real limiter).
    pub rate_429: f64,
    /// Delay answers by this many milliseconds…
    pub slow_ms: u64,
    /// …with this probability.
    pub slow_rate: f64,
    /// Cut the connection before a complete answer.
    pub drop_rate: f64,
    /// Answer HTTP 200 with a body that is not valid JSON.
    pub malformed_rate: f64,
}

/// One line of the request log.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RequestRecord {
    pub seq: u64,
    /// Sandbox-clock unix seconds.
    pub time: i64,
    pub method: String,
    pub path: String,
    pub query: String,
    /// The body as text (lossy UTF-8), cut at 64 KiB.
    pub body: String,
    /// The envelope's `code` (0 = success) or a fault's code.
    pub code: i64,
    pub http_status: u16,
    pub request_id: String,
    pub app_key: Option<String>,
    pub shop_id: Option<String>,
}

/// At most this many requests are kept in the log (oldest dropped first).
pub const REQUEST_LOG_CAPACITY: usize = 50_000;

/// Shared state; cheap to clone.
#[derive(Clone)]
pub struct SandboxState {
    inner: Arc<Inner>,
}

pub struct Inner {
    pub config: SandboxConfig,
    pub clock: Clock,
    pub world: Mutex<World>,
    pub apps: Mutex<BTreeMap<String, App>>,
    pub auth: Mutex<AuthStore>,
    /// Rate-limit windows: key → (window start minute, count).
    pub limits: Mutex<HashMap<String, (i64, u32)>>,
    pub faults: Mutex<Faults>,
    pub fault_rng: Mutex<ChaCha8Rng>,
    pub requests: Mutex<VecDeque<RequestRecord>>,
    pub request_seq: AtomicU64,
    pub log_seq: AtomicU64,
    pub events: broadcast::Sender<SandboxEvent>,
    /// Bumped by `/_sandbox/reset`.
    pub generation: AtomicU64,
    extensions: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a lock must not take the whole sandbox down with poisoned locks.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SandboxState {
    /// Builds the state and generates the world from the config (at the clock's current time).
    pub fn new(config: SandboxConfig) -> SandboxState {
        let clock = Clock::default();
        let now = clock.now();
        let world = crate::world::generate::generate(&config, now);
        let (events, _) = broadcast::channel(65_536);
        let mut apps = BTreeMap::new();
        let app = config_app(&config);
        apps.insert(app.app_key.clone(), app);
        SandboxState {
            inner: Arc::new(Inner {
                clock,
                world: Mutex::new(world),
                apps: Mutex::new(apps),
                auth: Mutex::new(AuthStore::new(config.seed)),
                limits: Mutex::new(HashMap::new()),
                faults: Mutex::new(Faults::default()),
                fault_rng: Mutex::new(ChaCha8Rng::seed_from_u64(config.seed ^ 0xfa17)),
                requests: Mutex::new(VecDeque::new()),
                request_seq: AtomicU64::new(0),
                log_seq: AtomicU64::new(0),
                events,
                generation: AtomicU64::new(0),
                extensions: Mutex::new(HashMap::new()),
                config,
            }),
        }
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// Unix seconds by the sandbox clock.
    pub fn now(&self) -> i64 {
        self.inner.clock.now()
    }

    /// Moves the clock and applies what the new time makes due (holds released, audits finished).
    pub fn advance_clock(&self, seconds: i64) {
        self.inner.clock.advance(seconds);
        self.with_world(|_| ());
    }

    /// Runs `f` on the world under its lock, after applying time-driven transitions up to now;
    /// the events the change produced are then published.
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let now = self.now();
        let (r, events) = {
            let mut w = lock(&self.inner.world);
            w.tick(now);
            let r = f(&mut w);
            (r, std::mem::take(&mut w.outbox))
        };
        for e in events {
            // No receiver (no dispatcher running) is fine: the event is simply not delivered.
            let _ = self.inner.events.send(e);
        }
        r
    }

    /// A SKU's inventory books: `(warehouse_id, available, committed)` per warehouse (empty for an
    /// unknown SKU). See [`World::stock_of`].
    pub fn stock_of(&self, sku_id: Id) -> Vec<(Id, i64, i64)> {
        self.with_world(|w| w.stock_of(sku_id))
    }

    /// Publishes an event that did not come from a world change (deauthorization, expiry notice).
    pub fn emit(&self, event: SandboxEvent) {
        let _ = self.inner.events.send(event);
    }

    /// A receiver of every event from now on.
    pub fn subscribe_events(&self) -> broadcast::Receiver<SandboxEvent> {
        self.inner.events.subscribe()
    }

    pub fn app(&self, app_key: &str) -> Option<App> {
        lock(&self.inner.apps).get(app_key).cloned()
    }

    pub fn app_by_service_id(&self, service_id: &str) -> Option<App> {
        lock(&self.inner.apps)
            .values()
            .find(|a| a.service_id == service_id)
            .cloned()
    }

    pub fn apps(&self) -> Vec<App> {
        lock(&self.inner.apps).values().cloned().collect()
    }

    /// Registers (or replaces) an app.
    pub fn register_app(&self, app: App) {
        lock(&self.inner.apps).insert(app.app_key.clone(), app);
    }

    /// The authorization store, locked.
    pub fn auth(&self) -> MutexGuard<'_, AuthStore> {
        lock(&self.inner.auth)
    }

    pub fn faults(&self) -> Faults {
        lock(&self.inner.faults).clone()
    }

    pub fn set_faults(&self, faults: Faults, seed: Option<u64>) {
        *lock(&self.inner.faults) = faults;
        if let Some(seed) = seed {
            *lock(&self.inner.fault_rng) = ChaCha8Rng::seed_from_u64(seed);
        }
    }

    /// A uniform draw in [0, 1) from the fault randomness.
    pub fn fault_roll(&self) -> f64 {
        lock(&self.inner.fault_rng).random::<f64>()
    }

    /// Counts one call against a limit; false when the window is full. `limit` 0 = no limit.
    pub fn rate_check(&self, key: &str, limit: u32) -> bool {
        if limit == 0 {
            return true;
        }
        let minute = self.now().div_euclid(60);
        let mut limits = lock(&self.inner.limits);
        let slot = limits.entry(key.to_string()).or_insert((minute, 0));
        if slot.0 != minute {
            *slot = (minute, 0);
        }
        if slot.1 >= limit {
            return false;
        }
        slot.1 += 1;
        true
    }

    pub fn next_request_seq(&self) -> u64 {
        self.inner.request_seq.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Appends to the request log (the record's `seq` is assigned here).
    pub fn log_request(&self, mut record: RequestRecord) {
        record.seq = self.inner.log_seq.fetch_add(1, Ordering::SeqCst) + 1;
        let mut log = lock(&self.inner.requests);
        if log.len() >= REQUEST_LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(record);
    }

    /// The request log, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.inner.requests).iter().cloned().collect()
    }

    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::SeqCst)
    }

    /// Back to the state at start: a fresh world from the seed, no authorizations, an empty log, no
    /// faults, the clock back to system time. Registered apps and extensions stay.
    pub fn reset(&self) {
        self.inner.clock.set_offset(0);
        let world = crate::world::generate::generate(&self.inner.config, self.now());
        *lock(&self.inner.world) = world;
        *lock(&self.inner.auth) = AuthStore::new(self.inner.config.seed);
        lock(&self.inner.limits).clear();
        *lock(&self.inner.faults) = Faults::default();
        *lock(&self.inner.fault_rng) = ChaCha8Rng::seed_from_u64(self.inner.config.seed ^ 0xfa17);
        lock(&self.inner.requests).clear();
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// A per-type singleton that other modules (webhooks, the living shop) keep in the state without
    /// this file knowing their types: created with `Default` on first use.
    pub fn extension<T: Any + Send + Sync + Default>(&self) -> Arc<T> {
        let mut map = lock(&self.inner.extensions);
        let entry = map
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(T::default()) as Arc<dyn Any + Send + Sync>);
        entry
            .clone()
            .downcast::<T>()
            .unwrap_or_else(|_| unreachable!("extension map is keyed by TypeId"))
    }

    /// Expires every access token that covers the shop, now. Returns how many.
    pub fn expire_shop_tokens(&self, shop_id: Id) -> usize {
        let now = self.now();
        let mut auth = self.auth();
        let auth_ids: Vec<u64> = auth
            .authorizations
            .values()
            .filter(|a| a.shop_ids.contains(&shop_id))
            .map(|a| a.id)
            .collect();
        let mut n = 0;
        for t in auth.access_tokens.values_mut() {
            if auth_ids.contains(&t.authorization_id) && t.expires_at > now {
                t.expires_at = now;
                n += 1;
            }
        }
        n
    }

    /// Withdraws every app's authorization for the shop (the seller deauthorized) and announces
    /// SELLER_DEAUTHORIZATION to each app. Returns the app keys affected.
    pub fn revoke_shop(&self, shop_id: Id) -> Vec<String> {
        let now = self.now();
        let mut apps = Vec::new();
        {
            let mut auth = self.auth();
            for a in auth.authorizations.values_mut() {
                if !a.revoked && a.shop_ids.contains(&shop_id) {
                    a.shop_ids.retain(|s| *s != shop_id);
                    if a.shop_ids.is_empty() {
                        a.revoked = true;
                    }
                    if !apps.contains(&a.app_key) {
                        apps.push(a.app_key.clone());
                    }
                }
            }
        }
        for app_key in &apps {
            self.emit(SandboxEvent::SellerDeauthorization {
                shop_id,
                app_key: app_key.clone(),
                message: "The seller has deauthorized the app for this shop.".into(),
                update_time: now,
            });
        }
        apps
    }
}

/// The app described by the config.
pub fn config_app(config: &SandboxConfig) -> App {
    App {
        app_key: config.app_key.clone(),
        app_secret: config.app_secret.clone(),
        service_id: config.service_id.clone(),
        redirect_url: config.redirect_url.clone(),
    }
}
