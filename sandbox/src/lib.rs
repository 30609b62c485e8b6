#![recursion_limit = "256"]
//! `tiktok-sandbox`: a faithful, stateful emulator of the TikTok Shop Open API (202309 and later), for
//! offline development and tests. It behaves like the real service as `shared/tiktok-api.md` describes
//! it, and shares no code with the `api` crate.
//!
//! One port serves the API paths (`/product/202309/…`), the token host's paths (`/api/v2/token/*`), the
//! seller's consent page (`/open/authorize`) and the control plane (`/_sandbox/*`).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sandbox = tiktok_sandbox::start(tiktok_sandbox::SandboxConfig { port: 0, ..Default::default() }).await?;
//! println!("{}", sandbox.base_url());
//! sandbox.stop().await;
//! # Ok(()) }
//! ```

pub mod living;
pub mod protocol;
pub mod routes;
pub mod sign;
pub mod state;
pub mod webhooks;
pub mod world;

use std::net::TcpListener;
use std::time::Duration;

use actix_web::{App, HttpServer, web};

pub use state::{SandboxEvent, SandboxState};

/// How the sandbox is started.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    pub host: String,
    /// 0 = pick a free port.
    pub port: u16,
    pub seed: u64,
    pub app_key: String,
    pub app_secret: String,
    pub service_id: String,
    pub redirect_url: String,
    /// Orders generated at start, per shop.
    pub orders: usize,
    /// Products generated at start, per shop.
    pub products: usize,
    /// Sellers added to the generated three shops, one US shop each (runs with many shops).
    pub extra_shops: usize,
    /// The living shop's pace; 0 = off.
    pub orders_per_minute: u32,
    /// Calls per minute per shop per API category; 0 = off.
    pub rate_limit: u32,
    /// Calls per minute per app; 0 = off.
    pub app_rate_limit: u32,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// 1.0 = the real retry schedule (+2m, +30m, +3h, +12h); 0.001 compresses it.
    pub webhook_retry_scale: f64,
    /// Probability that a webhook is delivered twice.
    pub webhook_duplicate_rate: f64,
    /// Probability that a webhook is held back and delivered after a later one.
    pub webhook_reorder_rate: f64,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            host: "127.0.0.1".into(),
            port: 0,
            seed: 42,
            app_key: "sandbox_app_key".into(),
            app_secret: "sandbox_app_secret".into(),
            service_id: "7000000000000000001".into(),
            redirect_url: "http://127.0.0.1:8080/api/integrations/tiktok/callback".into(),
            orders: 200,
            products: 50,
            extra_shops: 0,
            orders_per_minute: 0,
            rate_limit: 600,
            app_rate_limit: 6000,
            access_token_ttl: Duration::from_secs(7 * 24 * 3600),
            refresh_token_ttl: Duration::from_secs(90 * 24 * 3600),
            webhook_retry_scale: 1.0,
            webhook_duplicate_rate: 0.0,
            webhook_reorder_rate: 0.0,
        }
    }
}

/// A running sandbox.
pub struct RunningSandbox {
    base_url: String,
    state: SandboxState,
    handle: actix_web::dev::ServerHandle,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    ticker: tokio::task::JoinHandle<()>,
    /// The webhook pump and the living shop's pace-keeper.
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningSandbox {
    /// e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The seller's consent page.
    pub fn authorize_url(&self) -> String {
        format!("{}/open/authorize", self.base_url)
    }

    pub fn app_key(&self) -> &str {
        &self.state.config().app_key
    }

    pub fn app_secret(&self) -> &str {
        &self.state.config().app_secret
    }

    /// The shared state, for in-process tests to inspect and to move the clock.
    pub fn state(&self) -> SandboxState {
        self.state.clone()
    }

    /// Stops the server and the background tasks.
    pub async fn stop(self) {
        self.ticker.abort();
        for task in &self.background {
            task.abort();
        }
        self.handle.stop(true).await;
        let _ = self.server.await;
    }
}

/// Binds, spawns the server and its background tasks on the current tokio runtime, and returns at once.
pub async fn start(config: SandboxConfig) -> std::io::Result<RunningSandbox> {
    let listener = TcpListener::bind((config.host.as_str(), config.port))?;
    let addr = listener.local_addr()?;
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        addr.ip().to_string()
    };
    let base_url = format!("http://{host}:{}", addr.port());
    let state = SandboxState::new(config);
    let data = web::Data::new(state.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(16 * 1024 * 1024))
            .configure(routes::configure)
    })
    .workers(2)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)?
    .run();
    let handle = server.handle();
    let server = tokio::spawn(server);
    let ticker = tokio::spawn(ticker(state.clone()));
    let mut background = vec![webhooks::spawn(state.clone())];
    background.extend(living::spawn(state.clone()));
    Ok(RunningSandbox {
        base_url,
        state,
        handle,
        server,
        ticker,
        background,
    })
}

/// Applies time-driven transitions every second so that webhooks for them go out without a request.
async fn ticker(state: SandboxState) {
    let mut interval = tokio::time::interval(Duration::from_secs(1));
    loop {
        interval.tick().await;
        state.with_world(|_| ());
        routes::authorization::announce_expiring(&state);
    }
}
