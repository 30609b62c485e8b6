//! The state every part of the service shares, built once per process ([`AppState`]). It holds
//! only what the work needs; the HTTP server's own pieces (the published API document) are the
//! app's (`app.rs`).

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use sea_orm::DatabaseConnection;
use tokio_util::sync::CancellationToken;

use crate::auth::jwt::JwtKeys;
use crate::clock::Clock;
use crate::config::Settings;
use crate::deps::{Store, TikTokAccess, Worker};
use crate::shops::quota::DbQuotaGate;
use crate::tiktok::{ClientOptions, RateLimits, RetryPolicy, TikTokClient};
use crate::vault::Vault;
use crate::webhooks::receive::Intake;
use crate::webhooks::signers::SignerCache;
use crate::webhooks::writer::EventWriter;

/// What the service's work reaches: the database, the vault, the token keys, the settings, the
/// clock, the TikTok client, the webhook signers and writer. Built once per process.
pub struct AppState {
    pub db: DatabaseConnection,
    pub vault: Vault,
    /// The token keys; the routes' auth extractor is lent them as app data of their own.
    pub jwt: Arc<JwtKeys>,
    pub settings: Settings,
    pub clock: Arc<dyn Clock>,
    pub metrics: PrometheusHandle,
    /// The outbound TikTok client (one HTTP pool, limiter and budget for the process).
    pub tiktok: TikTokClient,
    /// This process's id, as the owner of leases in the database.
    pub instance_id: String,
    /// Who may sign each shop's webhooks, cached briefly (forget it when a shop's credentials change).
    pub signers: SignerCache,
    /// Stores received webhooks in group commits.
    pub webhook_writer: EventWriter,
}

impl AppState {
    /// The state of a command that does work without serving HTTP (`ocean-tiktok sync`): no webhook
    /// arrives, so its writer is idle and stops with the runtime.
    pub fn without_server(
        settings: Settings,
        db: DatabaseConnection,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let writer = EventWriter::spawn(db.clone(), false, CancellationToken::new());
        Self::new(settings, db, clock, writer)
    }

    pub fn new(
        settings: Settings,
        db: DatabaseConnection,
        clock: Arc<dyn Clock>,
        webhook_writer: EventWriter,
    ) -> anyhow::Result<Self> {
        let tuning = &settings.tiktok_tuning;
        let options = ClientOptions {
            timeout: tuning.timeout,
            retry: RetryPolicy {
                base_delay: tuning.retry_base,
                ..RetryPolicy::default()
            },
            limits: RateLimits {
                per_shop_category_per_minute: tuning.per_shop_category_per_minute,
                per_app_per_minute: tuning.per_app_per_minute,
            },
        };
        let gate = DbQuotaGate::new(
            db.clone(),
            clock.clone(),
            tuning.per_shop_category_per_minute,
            tuning.per_app_per_minute,
        );
        let tiktok = TikTokClient::new(settings.tiktok.clone(), options, clock.clone())
            .with_quota_gate(Arc::new(gate));
        Ok(Self {
            tiktok,
            instance_id: uuid::Uuid::new_v4().to_string(),
            signers: SignerCache::default(),
            webhook_writer,
            vault: Vault::new(&settings.master_key),
            jwt: Arc::new(JwtKeys::new(&settings.jwt)),
            db,
            settings,
            clock,
            metrics: crate::telemetry::metrics_handle(),
        })
    }

    /// The database and the clock, lent to work on our records.
    pub fn store(&self) -> Store<'_> {
        Store {
            db: &self.db,
            clock: &*self.clock,
        }
    }

    /// What calling TikTok for a shop needs, lent to the services and workers that do.
    pub fn access(&self) -> TikTokAccess<'_> {
        TikTokAccess {
            db: &self.db,
            clock: &*self.clock,
            vault: &self.vault,
            tiktok: &self.tiktok,
            instance_id: &self.instance_id,
        }
    }

    /// What a background worker of this process takes.
    pub fn worker(&self) -> Worker<'_> {
        Worker {
            access: self.access(),
            lease: self.settings.work_lease,
        }
    }

    /// What receiving a webhook delivery takes.
    pub fn intake(&self) -> Intake<'_> {
        Intake {
            db: &self.db,
            clock: &*self.clock,
            vault: &self.vault,
            signers: &self.signers,
            writer: &self.webhook_writer,
        }
    }
}
