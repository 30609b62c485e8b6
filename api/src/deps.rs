//! The narrow dependencies services and workers take, lent by the process's
//! [`AppState`](crate::state::AppState): [`Store`] (the database and the clock) for work on our own
//! records, [`TikTokAccess`] for work that also calls TikTok for a shop, [`Worker`] for a background
//! worker that claims work (sync jobs, webhook events) under a lease. A function's signature says
//! which it reaches. Only the HTTP edge (`routes/`) and the process's wiring (`app.rs`, `workers.rs`)
//! hold the whole state (`.ci/check-connector`).

use std::time::Duration;

use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::tiktok::TikTokClient;
use crate::vault::Vault;

/// Our records and the time: what work on the database alone needs.
#[derive(Clone, Copy)]
pub struct Store<'a> {
    pub db: &'a DatabaseConnection,
    pub clock: &'a dyn Clock,
}

/// What calling TikTok for a shop needs besides the [`Store`]: the vault (the shop's app secret
/// and tokens are sealed), the TikTok client (one pool, limiter and budget for the process), and
/// this process's id (the owner of the leases taken around a call: a token refresh, a stock push).
#[derive(Clone, Copy)]
pub struct TikTokAccess<'a> {
    pub db: &'a DatabaseConnection,
    pub clock: &'a dyn Clock,
    pub vault: &'a Vault,
    pub tiktok: &'a TikTokClient,
    pub instance_id: &'a str,
}

impl<'a> TikTokAccess<'a> {
    /// The records part, for the work between calls.
    pub fn store(self) -> Store<'a> {
        Store {
            db: self.db,
            clock: self.clock,
        }
    }
}

/// What a background worker takes: TikTok access for the shops' calls, and how long its claim on
/// a piece of work holds without renewal (`OCEAN_WORK_LEASE`, 30 s by default; renewed every third
/// of it while the work runs, so a dead worker's claim is taken over within it).
#[derive(Clone, Copy)]
pub struct Worker<'a> {
    pub access: TikTokAccess<'a>,
    pub lease: Duration,
}

impl<'a> Worker<'a> {
    pub fn store(self) -> Store<'a> {
        self.access.store()
    }

    /// The lease as a span of the clock's time (it is at most 10 minutes).
    pub fn lease_span(self) -> chrono::Duration {
        chrono::Duration::from_std(self.lease).unwrap_or(chrono::Duration::seconds(30))
    }
}
