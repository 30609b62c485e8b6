//! Settings: read from the environment (and a `.env` file) once at start, parsed into typed values.
//! A wrong or missing value stops the start with a message that names the setting and how to fix it.

use std::collections::HashMap;
use std::net::SocketAddr;

use base64::Engine;
use secrecy::SecretSlice;
use url::Url;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/ocean.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const TIKTOK_API_BASE: &str = "https://open-api.tiktokglobalshop.com";
pub const TIKTOK_AUTH_BASE: &str = "https://auth.tiktok-shops.com";
pub const TIKTOK_AUTHORIZE_URL: &str = "https://services.tiktokshop.com/open/authorize";

/// A setting that could not be used, with the fix.
#[derive(Debug, thiserror::Error)]
#[error("setting {name}: {problem}. {fix}")]
pub struct ConfigError {
    pub name: &'static str,
    pub problem: String,
    pub fix: String,
}

impl ConfigError {
    fn new(name: &'static str, problem: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            name,
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}

/// The AES-256 master key that seals every stored secret. Never printed.
#[derive(Clone)]
pub struct MasterKey(pub SecretSlice<u8>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

impl MasterKey {
    /// Parses base64 of exactly 32 bytes.
    pub fn parse(name: &'static str, value: &str) -> Result<Self, ConfigError> {
        let fix = "Give 32 random bytes in base64, e.g. `openssl rand -base64 32`";
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .map_err(|_| ConfigError::new(name, "is not valid base64", fix))?;
        if bytes.len() != 32 {
            return Err(ConfigError::new(
                name,
                format!("decodes to {} bytes, 32 are needed", bytes.len()),
                fix,
            ));
        }
        Ok(Self(SecretSlice::from(bytes)))
    }
}

#[derive(Clone)]
pub struct JwtSettings {
    pub secret: SecretSlice<u8>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
}

impl std::fmt::Debug for JwtSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtSettings")
            .field("secret", &"***")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

/// Base URLs of TikTok's three hosts; our sandbox in tests and the demo.
#[derive(Debug, Clone)]
pub struct TikTokHosts {
    pub api_base: Url,
    pub auth_base: Url,
    pub authorize_url: Url,
}

/// How the TikTok client paces and retries (defaults: the guide's limits, about 1 s first back-off).
#[derive(Debug, Clone)]
pub struct TikTokTuning {
    pub per_shop_category_per_minute: u32,
    pub per_app_per_minute: u32,
    pub retry_base: std::time::Duration,
    pub timeout: std::time::Duration,
}

/// How long finished records are kept before the background pruner deletes them. The audit log is
/// never pruned: it is the audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Idempotency keys, from their first request (default 24 h).
    pub idempotency_keys: std::time::Duration,
    /// Webhook events that are done (processed, skipped, unhandled or dead), from receipt (30 days).
    pub webhook_events: std::time::Duration,
    /// OAuth states, from when they were spent or expired (1 day).
    pub oauth_states: std::time::Duration,
    /// Finished sync jobs (succeeded, failed, cancelled), from when they finished (30 days).
    pub sync_jobs: std::time::Duration,
    /// Stock history rows, from when the change happened (400 days).
    pub stock_history: std::time::Duration,
}

impl Default for Retention {
    fn default() -> Self {
        const DAY: u64 = 24 * 3600;
        Self {
            idempotency_keys: std::time::Duration::from_secs(DAY),
            webhook_events: std::time::Duration::from_secs(30 * DAY),
            oauth_states: std::time::Duration::from_secs(DAY),
            sync_jobs: std::time::Duration::from_secs(30 * DAY),
            stock_history: std::time::Duration::from_secs(400 * DAY),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: SocketAddr,
    pub public_url: Url,
    pub master_key: MasterKey,
    /// Only for `keys rotate`: the key the stored secrets are sealed with now.
    pub master_key_old: Option<MasterKey>,
    pub jwt: JwtSettings,
    pub ui_url: Url,
    pub tiktok: TikTokHosts,
    pub tiktok_tuning: TikTokTuning,
    pub log_filter: String,
    pub log_file: Option<String>,
    pub retention: Retention,
    /// A request body that sends nothing for this long is answered 408.
    pub body_idle_timeout: std::time::Duration,
    /// A request body that has not all arrived this long after it began is answered 408.
    pub body_deadline: std::time::Duration,
    /// How long a process's claim on a sync job or a batch of webhook events holds without renewal
    /// (renewed every third of it while the process lives): a crashed process's work is taken over
    /// this long after its last renewal.
    pub work_lease: std::time::Duration,
}

/// The default of [`Settings::work_lease`].
pub const DEFAULT_WORK_LEASE: std::time::Duration = std::time::Duration::from_secs(30);

impl Settings {
    /// [`Settings::work_lease`] as a span of the clock's time (it is at most 10 minutes).
    pub fn work_lease_span(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.work_lease).unwrap_or(chrono::Duration::seconds(30))
    }
}

/// Loads `.env` from the working directory when there is one (it never overrides the environment).
pub fn load_dotenv() -> Option<std::path::PathBuf> {
    dotenvy::dotenv().ok()
}

impl Settings {
    /// Reads the process environment (after loading `.env` if present).
    pub fn from_env() -> Result<Self, ConfigError> {
        load_dotenv();
        Self::from_map(&std::env::vars().collect())
    }

    /// Parses settings from a name → value map; the single place where settings are validated.
    pub fn from_map(env: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let get = |name: &str| env.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());

        let database_url = get("DATABASE_URL")
            .unwrap_or(DEFAULT_DATABASE_URL)
            .to_owned();
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres")) {
            return Err(ConfigError::new(
                "DATABASE_URL",
                "names an unsupported database",
                "Use sqlite://path/file.db?mode=rwc or postgres://user@host/db",
            ));
        }
        let bind_raw = get("OCEAN_BIND").unwrap_or(DEFAULT_BIND);
        let bind: SocketAddr = bind_raw.parse().map_err(|_| {
            ConfigError::new(
                "OCEAN_BIND",
                format!("`{bind_raw}` is not an address:port"),
                "Use e.g. 127.0.0.1:8080 or 0.0.0.0:8080",
            )
        })?;
        let public_url = parse_url(
            "OCEAN_PUBLIC_URL",
            get("OCEAN_PUBLIC_URL").unwrap_or(&format!("http://{bind}")),
        )?;
        let ui_url = parse_url(
            "OCEAN_UI_URL",
            get("OCEAN_UI_URL").unwrap_or(public_url.as_str()),
        )?;

        let master_key = match get("OCEAN_MASTER_KEY") {
            Some(v) => MasterKey::parse("OCEAN_MASTER_KEY", v)?,
            None => {
                return Err(ConfigError::new(
                    "OCEAN_MASTER_KEY",
                    "is missing",
                    "Set it to 32 random bytes in base64: `export OCEAN_MASTER_KEY=$(openssl rand -base64 32)` (keep it safe: it opens every stored secret)",
                ));
            }
        };
        let master_key_old = get("OCEAN_MASTER_KEY_OLD")
            .map(|v| MasterKey::parse("OCEAN_MASTER_KEY_OLD", v))
            .transpose()?;

        let jwt = jwt_settings(&get)?;

        let tiktok = TikTokHosts {
            api_base: parse_url(
                "TIKTOK_API_BASE",
                get("TIKTOK_API_BASE").unwrap_or(TIKTOK_API_BASE),
            )?,
            auth_base: parse_url(
                "TIKTOK_AUTH_BASE",
                get("TIKTOK_AUTH_BASE").unwrap_or(TIKTOK_AUTH_BASE),
            )?,
            authorize_url: parse_url(
                "TIKTOK_AUTHORIZE_URL",
                get("TIKTOK_AUTHORIZE_URL").unwrap_or(TIKTOK_AUTHORIZE_URL),
            )?,
        };

        let number = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(v) => v.parse().map_err(|_| {
                    ConfigError::new(
                        name,
                        format!("`{v}` is not a whole number"),
                        "Give a whole number, e.g. 600",
                    )
                }),
            }
        };
        let per_minute = |name: &'static str, default: u64| -> Result<u32, ConfigError> {
            u32::try_from(number(name, default)?).map_err(|_| {
                ConfigError::new(
                    name,
                    "is too large",
                    "Give calls per minute, 0 for no limit",
                )
            })
        };
        let timeout_secs = number("TIKTOK_TIMEOUT_SECS", 10)?;
        if timeout_secs == 0 {
            return Err(ConfigError::new(
                "TIKTOK_TIMEOUT_SECS",
                "is 0",
                "Give seconds, e.g. 10",
            ));
        }
        let tiktok_tuning = TikTokTuning {
            per_shop_category_per_minute: per_minute("TIKTOK_RATE_LIMIT_SHOP", 600)?,
            per_app_per_minute: per_minute("TIKTOK_RATE_LIMIT_APP", 6000)?,
            retry_base: std::time::Duration::from_millis(number("TIKTOK_RETRY_BASE_MS", 1000)?),
            timeout: std::time::Duration::from_secs(timeout_secs),
        };

        let period = |name: &'static str,
                      default: std::time::Duration|
         -> Result<std::time::Duration, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(v) => match humantime::parse_duration(v) {
                    Ok(d) if d >= std::time::Duration::from_secs(3600) => Ok(d),
                    Ok(_) => Err(ConfigError::new(
                        name,
                        format!("`{v}` is shorter than an hour"),
                        "Keep records at least an hour, e.g. 24h or 30days",
                    )),
                    Err(_) => Err(ConfigError::new(
                        name,
                        format!("`{v}` is not a period"),
                        "Give a period such as 24h, 30days or 400days",
                    )),
                },
            }
        };
        let defaults = Retention::default();
        let retention = Retention {
            idempotency_keys: period(
                "OCEAN_RETENTION_IDEMPOTENCY_KEYS",
                defaults.idempotency_keys,
            )?,
            webhook_events: period("OCEAN_RETENTION_WEBHOOK_EVENTS", defaults.webhook_events)?,
            oauth_states: period("OCEAN_RETENTION_OAUTH_STATES", defaults.oauth_states)?,
            sync_jobs: period("OCEAN_RETENTION_SYNC_JOBS", defaults.sync_jobs)?,
            stock_history: period("OCEAN_RETENTION_STOCK_HISTORY", defaults.stock_history)?,
        };

        let wait = |name: &'static str,
                    default: std::time::Duration|
         -> Result<std::time::Duration, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(v) => match humantime::parse_duration(v) {
                    Ok(d) if d >= std::time::Duration::from_millis(100) => Ok(d),
                    _ => Err(ConfigError::new(
                        name,
                        format!("`{v}` is not a duration of at least 100ms"),
                        "Give a duration such as 5s or 500ms",
                    )),
                },
            }
        };
        let body_idle_timeout = wait("OCEAN_REQUEST_BODY_IDLE", std::time::Duration::from_secs(5))?;
        let body_deadline = wait(
            "OCEAN_REQUEST_BODY_DEADLINE",
            std::time::Duration::from_secs(30),
        )?;

        let work_lease = match get("OCEAN_WORK_LEASE") {
            None => DEFAULT_WORK_LEASE,
            Some(v) => match humantime::parse_duration(v) {
                Ok(d)
                    if (std::time::Duration::from_secs(3)
                        ..=std::time::Duration::from_secs(600))
                        .contains(&d) =>
                {
                    d
                }
                _ => {
                    return Err(ConfigError::new(
                        "OCEAN_WORK_LEASE",
                        format!("`{v}` is not a duration from 3s to 10m"),
                        "Give a duration such as 30s (the default)",
                    ));
                }
            },
        };

        Ok(Self {
            work_lease,
            body_idle_timeout,
            body_deadline,
            retention,
            database_url,
            bind,
            public_url,
            master_key,
            master_key_old,
            jwt,
            ui_url,
            tiktok,
            tiktok_tuning,
            log_filter: get("OCEAN_LOG").unwrap_or("info").to_owned(),
            log_file: get("OCEAN_LOG_FILE").map(str::to_owned),
        })
    }
}

impl JwtSettings {
    /// Only the JWT settings (for `ocean-tiktok token`, which needs nothing else).
    pub fn from_env() -> Result<Self, ConfigError> {
        load_dotenv();
        let env: HashMap<String, String> = std::env::vars().collect();
        jwt_settings(&|name: &str| env.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()))
    }
}

fn jwt_settings<'a>(get: &dyn Fn(&str) -> Option<&'a str>) -> Result<JwtSettings, ConfigError> {
    let secret = get("OCEAN_JWT_SECRET").ok_or_else(|| {
        ConfigError::new(
            "OCEAN_JWT_SECRET",
            "is missing",
            "Set it to a random string of 32+ characters: `export OCEAN_JWT_SECRET=$(openssl rand -base64 48)`",
        )
    })?;
    if secret.len() < 32 {
        return Err(ConfigError::new(
            "OCEAN_JWT_SECRET",
            format!(
                "is {} characters long, 32 at least are needed",
                secret.len()
            ),
            "Use `openssl rand -base64 48`",
        ));
    }
    Ok(JwtSettings {
        secret: SecretSlice::from(secret.as_bytes().to_vec()),
        issuer: get("OCEAN_JWT_ISSUER").map(str::to_owned),
        audience: get("OCEAN_JWT_AUDIENCE").map(str::to_owned),
    })
}

fn parse_url(name: &'static str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value).map_err(|e| {
        ConfigError::new(
            name,
            format!("`{value}` is not a URL ({e})"),
            "Give an absolute http(s) URL",
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::new(
            name,
            format!("`{value}` is not http or https"),
            "Give an absolute http(s) URL",
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> HashMap<String, String> {
        HashMap::from([
            (
                "OCEAN_MASTER_KEY".into(),
                base64::engine::general_purpose::STANDARD.encode([7u8; 32]),
            ),
            ("OCEAN_JWT_SECRET".into(), "x".repeat(40)),
        ])
    }

    #[test]
    fn defaults_apply() {
        let s = Settings::from_map(&base()).unwrap();
        assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(s.bind.to_string(), DEFAULT_BIND);
        assert_eq!(
            s.tiktok.api_base.as_str(),
            "https://open-api.tiktokglobalshop.com/"
        );
        assert_eq!(s.public_url.as_str(), "http://127.0.0.1:8080/");
    }

    #[test]
    fn missing_master_key_names_the_setting_and_the_fix() {
        let mut env = base();
        env.remove("OCEAN_MASTER_KEY");
        let e = Settings::from_map(&env).unwrap_err();
        assert_eq!(e.name, "OCEAN_MASTER_KEY");
        assert!(e.to_string().contains("openssl rand -base64 32"));
    }

    #[test]
    fn short_or_malformed_master_key_is_refused() {
        let mut env = base();
        env.insert("OCEAN_MASTER_KEY".into(), "c2hvcnQ=".into());
        assert!(
            Settings::from_map(&env)
                .unwrap_err()
                .to_string()
                .contains("5 bytes")
        );
        env.insert("OCEAN_MASTER_KEY".into(), "not base64!!".into());
        assert!(
            Settings::from_map(&env)
                .unwrap_err()
                .to_string()
                .contains("base64")
        );
    }

    #[test]
    fn bad_values_name_their_setting() {
        for (name, value) in [
            ("OCEAN_BIND", "nowhere"),
            ("OCEAN_PUBLIC_URL", "ftp://x"),
            ("TIKTOK_API_BASE", "not a url"),
            ("DATABASE_URL", "mysql://x"),
            ("TIKTOK_RATE_LIMIT_SHOP", "lots"),
            ("TIKTOK_TIMEOUT_SECS", "0"),
            ("OCEAN_JWT_SECRET", "short"),
            ("OCEAN_WORK_LEASE", "1s"),
            ("OCEAN_WORK_LEASE", "soon"),
        ] {
            let mut env = base();
            env.insert(name.into(), value.into());
            assert_eq!(Settings::from_map(&env).unwrap_err().name, name, "{name}");
        }
    }

    #[test]
    fn debug_never_shows_keys() {
        let s = Settings::from_map(&base()).unwrap();
        let printed = format!("{s:?}");
        assert!(!printed.contains(&"x".repeat(40)));
        assert!(printed.contains("***"));
    }
}
