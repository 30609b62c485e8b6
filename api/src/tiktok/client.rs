//! The transport: one shared HTTP client that limits, signs, sends, decodes TikTok's envelope once
//! and retries what a retry can fix. Per-area modules build an [`ApiRequest`] and call
//! [`TikTokClient::call`]; nothing here knows our database or actix.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::category::ApiCategory;
use super::error::TikTokError;
use super::limits::{Limiters, QuotaGate, QuotaKey, QuotaUse, RateLimits};
use super::sign::sign;
use crate::clock::Clock;
use crate::config::TikTokHosts;

/// An app's key and secret, as the seller's admin configured them.
#[derive(Debug, Clone)]
pub struct AppCredentials {
    pub app_key: String,
    pub app_secret: SecretString,
}

#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// For the whole exchange of one attempt (connect, send, answer).
    pub timeout: Duration,
    pub retry: RetryPolicy,
    pub limits: RateLimits,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            limits: RateLimits::default(),
        }
    }
}

/// Retries on rate limiting and transient failures: attempt `n + 1` waits about `base_delay · 2^n`
/// (uniformly between half and one and a half times that, capped at `max_delay`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (5: waits of about 1 s, 2 s, 4 s, 8 s).
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait after the `retry`-th failure (0 for the first).
    pub fn delay(&self, retry: u32) -> Duration {
        let nominal = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.min(30)))
            .min(self.max_delay);
        let nanos = u64::try_from(nominal.as_nanos()).unwrap_or(u64::MAX);
        if nanos < 2 {
            return nominal;
        }
        let jittered = rand::rng().random_range(nanos / 2..=nanos.saturating_add(nanos / 2));
        Duration::from_nanos(jittered).min(self.max_delay)
    }
}

/// One signed API call. `path` is the API path with its version (`/order/202309/orders/search`);
/// `query` holds the call's own parameters (the client adds `app_key`, `timestamp`, `sign` and
/// `shop_cipher`); a key given twice is sent once with its values joined by `,` (TikTok's arrays).
#[derive(Debug, Clone)]
pub struct ApiRequest<'a> {
    pub app: &'a AppCredentials,
    pub access_token: &'a SecretString,
    /// Sent on shop-scoped paths only (never on `/authorization/*` and `/seller/*`).
    pub shop_cipher: Option<&'a str>,
    /// Our shop id: the key of the per-shop rate limit.
    pub shop_key: Option<&'a str>,
    pub method: reqwest::Method,
    pub path: &'a str,
    pub query: Vec<(String, String)>,
    pub body: Option<serde_json::Value>,
}

impl<'a> ApiRequest<'a> {
    pub fn new(
        app: &'a AppCredentials,
        access_token: &'a SecretString,
        method: reqwest::Method,
        path: &'a str,
    ) -> Self {
        Self {
            app,
            access_token,
            shop_cipher: None,
            shop_key: None,
            method,
            path,
            query: Vec::new(),
            body: None,
        }
    }

    /// The shop the call is for: its cipher (sent where it belongs) and our id (the limiter key).
    pub fn shop(mut self, cipher: &'a str, shop_key: &'a str) -> Self {
        self.shop_cipher = Some(cipher);
        self.shop_key = Some(shop_key);
        self
    }

    pub fn query(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.query.push((key.into(), value.to_string()));
        self
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }
}

/// A successful call's `data` and TikTok's request id.
#[derive(Debug, Clone)]
pub struct ApiResponse<T> {
    pub data: T,
    pub request_id: String,
}

/// Parameters the client sets itself; a caller passing one is a bug.
const RESERVED: [&str; 5] = [
    "app_key",
    "timestamp",
    "sign",
    "shop_cipher",
    "access_token",
];

/// The TikTok Shop client. Cheap to clone: clones share the HTTP connections and the limiters.
#[derive(Clone)]
pub struct TikTokClient {
    inner: Arc<Inner>,
    gate: Option<Arc<dyn QuotaGate>>,
}

struct Inner {
    http: reqwest::Client,
    hosts: TikTokHosts,
    options: ClientOptions,
    clock: Arc<dyn Clock>,
    limiters: Limiters,
}

impl std::fmt::Debug for TikTokClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TikTokClient")
            .field("api_base", &self.inner.hosts.api_base.as_str())
            .field("auth_base", &self.inner.hosts.auth_base.as_str())
            .field("options", &self.inner.options)
            .field("quota_gate", &self.gate.is_some())
            .finish()
    }
}

/// What one attempt sends; built anew for each attempt (new timestamp, new signature).
enum Target<'a> {
    Signed {
        app: &'a AppCredentials,
        access_token: &'a SecretString,
        shop_cipher: Option<&'a str>,
        method: reqwest::Method,
        query: Vec<(String, String)>,
        body: Option<Vec<u8>>,
    },
    /// The token host: secrets in the query, no signature, no timestamp.
    Token {
        app: &'a AppCredentials,
        grant: TokenGrantKind<'a>,
    },
}

#[derive(Clone, Copy)]
pub(crate) enum TokenGrantKind<'a> {
    AuthCode(&'a str),
    Refresh(&'a SecretString),
}

impl Target<'_> {
    /// Strings to scrub from anything an error might echo.
    fn secrets(&self) -> Vec<&str> {
        match self {
            Target::Signed {
                app, access_token, ..
            } => vec![app.app_secret.expose_secret(), access_token.expose_secret()],
            Target::Token { app, grant } => vec![
                app.app_secret.expose_secret(),
                match grant {
                    TokenGrantKind::AuthCode(code) => code,
                    TokenGrantKind::Refresh(token) => token.expose_secret(),
                },
            ],
        }
    }
}

impl TikTokClient {
    pub fn new(hosts: TikTokHosts, options: ClientOptions, clock: Arc<dyn Clock>) -> Self {
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ocean-tiktok/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client with rustls and static settings builds");
        let limiters = Limiters::new(options.limits, clock.clone());
        Self {
            inner: Arc::new(Inner {
                http,
                hosts,
                options,
                clock,
                limiters,
            }),
            gate: None,
        }
    }

    /// Adds a budget shared beyond this process, awaited after the in-process limiters.
    pub fn with_quota_gate(mut self, gate: Arc<dyn QuotaGate>) -> Self {
        self.gate = Some(gate);
        self
    }

    pub fn hosts(&self) -> &TikTokHosts {
        &self.inner.hosts
    }

    /// The longest one call can take with its retries: every attempt timing out, every back-off at
    /// its longest. Leases held across a call outlive it.
    pub fn worst_case_call(&self) -> Duration {
        let o = &self.inner.options;
        let attempts = o.retry.max_attempts.max(1);
        let waits: Duration = (0..attempts - 1)
            .map(|n| {
                o.retry
                    .base_delay
                    .saturating_mul(2u32.saturating_pow(n.min(30)))
                    .min(o.retry.max_delay)
                    .saturating_mul(3)
                    / 2
            })
            .map(|d| d.min(o.retry.max_delay))
            .sum();
        o.timeout.saturating_mul(attempts) + waits
    }

    /// The in-process budgets seen so far, with about how much of each is left now.
    pub fn quota_snapshot(&self) -> Vec<QuotaUse> {
        self.inner.limiters.snapshot()
    }

    /// Any signed API call: limited, signed, sent, its envelope decoded, retried per the policy.
    pub async fn call<T: DeserializeOwned>(
        &self,
        req: ApiRequest<'_>,
    ) -> Result<ApiResponse<T>, TikTokError> {
        let path = req.path;
        let invalid = |detail: String| TikTokError::InvalidInput {
            path: path.to_owned(),
            detail,
        };
        if !path.starts_with('/') || path.contains(['?', '#']) {
            return Err(invalid(
                "the path must start with '/' and carry no query".into(),
            ));
        }
        if let Some((k, _)) = req
            .query
            .iter()
            .find(|(k, _)| RESERVED.contains(&k.as_str()))
        {
            return Err(invalid(format!("the client sets `{k}` itself")));
        }
        let category = ApiCategory::from_path(path);
        // Serialized once: these exact bytes are signed and sent on every attempt.
        let body = match &req.body {
            Some(value) => {
                Some(serde_json::to_vec(value).map_err(|e| invalid(format!("body: {e}")))?)
            }
            None => None,
        };
        let quota = QuotaKey {
            shop_key: req.shop_key.map(str::to_owned),
            app_key: req.app.app_key.clone(),
            category,
        };
        let target = Target::Signed {
            app: req.app,
            access_token: req.access_token,
            shop_cipher: req.shop_cipher.filter(|_| category.takes_shop_cipher()),
            method: req.method,
            query: join_repeated(req.query),
            body,
        };
        self.execute(
            &self.inner.hosts.api_base,
            path,
            category,
            Some(&quota),
            &target,
        )
        .await
    }

    pub(crate) async fn token_call<T: DeserializeOwned>(
        &self,
        app: &AppCredentials,
        path: &str,
        grant: TokenGrantKind<'_>,
    ) -> Result<ApiResponse<T>, TikTokError> {
        let target = Target::Token { app, grant };
        self.execute(
            &self.inner.hosts.auth_base,
            path,
            ApiCategory::Authorization,
            None,
            &target,
        )
        .await
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    async fn execute<T: DeserializeOwned>(
        &self,
        base: &Url,
        path: &str,
        category: ApiCategory,
        quota: Option<&QuotaKey>,
        target: &Target<'_>,
    ) -> Result<ApiResponse<T>, TikTokError> {
        let policy = &self.inner.options.retry;
        let max_attempts = policy.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Some(key) = quota {
                self.inner.limiters.acquire(key).await;
                if let Some(gate) = &self.gate {
                    gate.acquire(key).await;
                }
            }
            let started = Instant::now();
            let result = match self.build(base, path, target) {
                Ok(request) => self.send_once::<T>(request, path).await,
                Err(e) => Err(e),
            }
            .map_err(|e| e.redact(&target.secrets()));
            let latency = started.elapsed();
            self.observe(target, path, category, attempt, latency, &result);
            match result {
                Ok(ok) => return Ok(ok),
                // A token call spends its code or refresh token: sent again after TikTok may have
                // acted, it would be refused and lock the shop out. Only a call TikTok provably
                // never acted on goes again.
                Err(e)
                    if e.kind().is_retryable()
                        && attempt < max_attempts
                        && (matches!(target, Target::Signed { .. }) || e.never_acted()) =>
                {
                    let delay = chrono::Duration::from_std(policy.delay(attempt - 1))
                        .unwrap_or(chrono::Duration::MAX);
                    let clock = &self.inner.clock;
                    clock.sleep_until(clock.now() + delay).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn build(
        &self,
        base: &Url,
        path: &str,
        target: &Target<'_>,
    ) -> Result<reqwest::RequestBuilder, TikTokError> {
        let mut url = base.clone();
        let prefix = base.path().trim_end_matches('/');
        url.set_path(&format!("{prefix}{path}"));
        url.set_query(None);
        url.set_fragment(None);
        match target {
            Target::Signed {
                app,
                access_token,
                shop_cipher,
                method,
                query,
                body,
            } => {
                let mut query = query.clone();
                if let Some(cipher) = shop_cipher {
                    query.push(("shop_cipher".into(), (*cipher).to_owned()));
                }
                query.push(("app_key".into(), app.app_key.clone()));
                query.push(("timestamp".into(), self.now().timestamp().to_string()));
                let signature = sign(
                    app.app_secret.expose_secret(),
                    path,
                    &query,
                    body.as_deref(),
                );
                query.push(("sign".into(), signature));
                url.query_pairs_mut().extend_pairs(&query);
                let mut request = self
                    .inner
                    .http
                    .request(method.clone(), url)
                    .header("x-tts-access-token", access_token.expose_secret())
                    .header(reqwest::header::CONTENT_TYPE, "application/json");
                if let Some(body) = body {
                    request = request.body(body.clone());
                }
                Ok(request)
            }
            Target::Token { app, grant } => {
                {
                    let mut q = url.query_pairs_mut();
                    q.append_pair("app_key", &app.app_key);
                    q.append_pair("app_secret", app.app_secret.expose_secret());
                    match grant {
                        TokenGrantKind::AuthCode(code) => {
                            q.append_pair("auth_code", code);
                            q.append_pair("grant_type", "authorized_code");
                        }
                        TokenGrantKind::Refresh(token) => {
                            q.append_pair("refresh_token", token.expose_secret());
                            q.append_pair("grant_type", "refresh_token");
                        }
                    }
                }
                Ok(self
                    .inner
                    .http
                    .get(url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json"))
            }
        }
    }

    async fn send_once<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        path: &str,
    ) -> Result<ApiResponse<T>, TikTokError> {
        let response = request.send().await.map_err(|e| transport_error(e, path))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| transport_error(e, path))?;
        decode_envelope(path, status, &bytes)
    }

    fn observe<T>(
        &self,
        target: &Target<'_>,
        path: &str,
        category: ApiCategory,
        attempt: u32,
        latency: Duration,
        result: &Result<ApiResponse<T>, TikTokError>,
    ) {
        let method = match target {
            Target::Signed { method, .. } => method.as_str(),
            Target::Token { .. } => "GET",
        };
        let latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        let outcome = match result {
            Ok(_) => "ok",
            Err(e) => e.kind().as_str(),
        };
        match result {
            Ok(ok) => tracing::info!(
                target: "tiktok",
                method,
                path,
                category = category.as_str(),
                attempt,
                request_id = %ok.request_id,
                latency_ms,
                outcome,
                "TikTok call"
            ),
            Err(e) => tracing::info!(
                target: "tiktok",
                method,
                path,
                category = category.as_str(),
                attempt,
                request_id = e.request_id().unwrap_or(""),
                latency_ms,
                outcome,
                http_status = e.http_status(),
                code = e.code(),
                error = %e,
                "TikTok call"
            ),
        }
        metrics::counter!(
            "tiktok_calls_total",
            "category" => category.as_str(),
            "outcome" => outcome
        )
        .increment(1);
        metrics::histogram!("tiktok_call_duration_seconds", "category" => category.as_str())
            .record(latency.as_secs_f64());
    }
}

/// One pair per key, in first-seen order; a repeated key's values joined with `,` (TikTok's arrays).
fn join_repeated(query: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(query.len());
    for (key, value) in query {
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            None => out.push((key, value)),
        }
    }
    out
}

/// reqwest's messages name the URL, whose query holds the signature (and on the token host the app
/// secret): drop it, keep the cause chain.
fn transport_error(error: reqwest::Error, path: &str) -> TikTokError {
    if error.is_timeout() {
        return TikTokError::Timeout {
            path: path.to_owned(),
        };
    }
    let unsent = error.is_connect();
    let error = error.without_url();
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    TikTokError::Transport {
        path: path.to_owned(),
        detail,
        unsent,
    }
}

#[derive(Deserialize)]
struct Head {
    code: i64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    request_id: String,
}

#[derive(Deserialize)]
struct Data<T> {
    #[serde(default = "none")]
    data: Option<T>,
}

fn none<T>() -> Option<T> {
    None
}

/// The whole envelope in one read: the usual answer (a success) is read once, not once for its
/// head and again for its data.
#[derive(Deserialize)]
struct Whole<T> {
    code: i64,
    #[serde(default)]
    request_id: String,
    #[serde(default = "none")]
    data: Option<T>,
}

/// TikTok's envelope `{code, message, request_id, data}`, decoded once, for every call.
pub(crate) fn decode_envelope<T: DeserializeOwned>(
    path: &str,
    status: u16,
    bytes: &[u8],
) -> Result<ApiResponse<T>, TikTokError> {
    let success = (200..300).contains(&status);
    if success
        && let Ok(Whole {
            code: 0,
            request_id,
            data: Some(data),
        }) = serde_json::from_slice::<Whole<T>>(bytes)
    {
        return Ok(ApiResponse { data, request_id });
    }
    // Anything else (an error code, no data, a shape we cannot read) is told apart below.
    let head: Head = match serde_json::from_slice(bytes) {
        Ok(head) => head,
        Err(e) if success => {
            return Err(TikTokError::Undecodable {
                path: path.to_owned(),
                status,
                detail: describe_json_error(&e),
            });
        }
        Err(_) => {
            return Err(TikTokError::Http {
                path: path.to_owned(),
                status,
            });
        }
    };
    if head.code != 0 {
        return Err(TikTokError::Api {
            path: path.to_owned(),
            status,
            code: head.code,
            message: head.message,
            request_id: head.request_id,
        });
    }
    if !success {
        return Err(TikTokError::Http {
            path: path.to_owned(),
            status,
        });
    }
    let unexpected = |detail: String| TikTokError::UnexpectedData {
        path: path.to_owned(),
        request_id: head.request_id.clone(),
        detail,
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed: Data<T> = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let at = e.path().to_string();
        unexpected(format!("at `{at}`: {}", describe_json_error(e.inner())))
    })?;
    let data = match parsed.data {
        Some(data) => data,
        // `data` null or absent: fine for a caller that expects nothing (`()`, `Option`, `Value`).
        None => serde_json::from_value(serde_json::Value::Null)
            .map_err(|_| unexpected("no `data` in a successful answer".into()))?,
    };
    Ok(ApiResponse {
        data,
        request_id: head.request_id,
    })
}

/// A JSON error without the offending value (it could be a token or a buyer's data).
fn describe_json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let safe = ["missing field", "unknown field", "duplicate field"]
        .iter()
        .any(|p| text.starts_with(p));
    let what = if safe {
        text.split(" at line").next().unwrap_or("").to_owned()
    } else {
        match e.classify() {
            serde_json::error::Category::Io => "could not read".to_owned(),
            serde_json::error::Category::Syntax => "not JSON".to_owned(),
            serde_json::error::Category::Eof => "cut short".to_owned(),
            serde_json::error::Category::Data => "a value of the wrong type or form".to_owned(),
        }
    };
    format!("{what} (line {}, column {})", e.line(), e.column())
}
