//! `spawn_app()` and the typed helpers every test uses.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use api::app::Application;
use api::auth::{JwtKeys, Role};
use api::clock::ManualClock;
use api::config::Settings;
use api::state::AppState;
use base64::Engine;
use serde_json::{Value, json};

/// Every log line of this test binary, captured so tests can assert what never appears in a log.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        if std::env::var_os("TEST_LOG").is_some() {
            std::io::stderr().write_all(buf)?;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn logs() -> &'static LogCapture {
    static LOGS: OnceLock<LogCapture> = OnceLock::new();
    LOGS.get_or_init(|| {
        let capture = LogCapture::default();
        let writer = capture.clone();
        api::telemetry::init_with_writer("debug,sqlx=warn,hyper=info,reqwest=info", move || {
            writer.clone()
        })
        .expect("logging initialises once");
        capture
    })
}

pub fn captured_logs() -> String {
    String::from_utf8_lossy(&logs().0.lock().unwrap()).into_owned()
}

pub fn random_key() -> String {
    base64::engine::general_purpose::STANDARD.encode(uuid::Uuid::new_v4().as_bytes().repeat(2))
}

/// A fresh database for one test, dropped with it (PostgreSQL) or deleted with its folder (SQLite).
pub struct TestDb {
    pub url: String,
    pg_admin_url: Option<(String, String)>,
    dir: Option<std::path::PathBuf>,
}

impl TestDb {
    pub async fn new() -> Self {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin) if !admin.is_empty() => {
                let name = format!("ocean_test_{}", uuid::Uuid::new_v4().simple());
                let db = sea_orm::Database::connect(&admin)
                    .await
                    .expect("TEST_DATABASE_URL connects");
                use sea_orm::ConnectionTrait;
                db.execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap();
                db.close().await.unwrap();
                let mut url = url_with_db(&admin, &name);
                url.push_str("");
                Self {
                    url,
                    pg_admin_url: Some((admin, name)),
                    dir: None,
                }
            }
            _ => {
                let dir = std::env::temp_dir().join(format!("ocean-test-{}", uuid::Uuid::new_v4()));
                std::fs::create_dir_all(&dir).unwrap();
                Self {
                    url: format!("sqlite://{}?mode=rwc", dir.join("ocean.db").display()),
                    pg_admin_url: None,
                    dir: Some(dir),
                }
            }
        }
    }

    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        self.dir.as_ref().map(|d| d.join("ocean.db"))
    }
}

fn url_with_db(admin: &str, name: &str) -> String {
    let mut url = url::Url::parse(admin).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin, name)) = self.pg_admin_url.take() {
            // Drop runs outside async; a short-lived runtime on its own thread does the cleanup.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    use sea_orm::ConnectionTrait;
                    if let Ok(db) = sea_orm::Database::connect(&admin).await {
                        let _ = db
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await;
                        let _ = db.close().await;
                    }
                });
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub jwt: JwtKeys,
    pub state: actix_web::web::Data<AppState>,
    pub clock: ManualClock,
    pub env: HashMap<String, String>,
    pub workers: tokio_util::sync::CancellationToken,
    // Last: dropped after the server handle so connections close first.
    pub db: TestDb,
}

pub fn base_env(db_url: &str) -> HashMap<String, String> {
    HashMap::from([
        ("DATABASE_URL".into(), db_url.to_owned()),
        ("OCEAN_BIND".into(), "127.0.0.1:0".into()),
        ("OCEAN_MASTER_KEY".into(), random_key()),
        (
            "OCEAN_JWT_SECRET".into(),
            format!("{}{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4()),
        ),
        ("OCEAN_PUBLIC_URL".into(), "http://127.0.0.1:9".into()),
        ("OCEAN_UI_URL".into(), "http://ui.invalid/erp".into()),
    ])
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(customize: impl FnOnce(&mut HashMap<String, String>)) -> TestApp {
    logs();
    let db = TestDb::new().await;
    let mut env = base_env(&db.url);
    customize(&mut env);
    let settings = Settings::from_map(&env).expect("test settings are valid");
    let jwt = JwtKeys::new(&settings.jwt);
    let clock = ManualClock::new(chrono::Utc::now());
    let app = Application::build_with_clock(settings, Arc::new(clock.clone()))
        .await
        .expect("the app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    let (server, workers) = app.into_parts();
    tokio::spawn(server);
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        jwt,
        state,
        clock,
        env,
        workers,
        db,
    }
}

pub const SHOPS: &str = "/api/integrations/tiktok/shops";

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn token(&self, tenant: &str, role: Role) -> String {
        self.jwt
            .mint(
                tenant,
                &format!("{}-user", role.as_str()),
                role,
                chrono::Duration::hours(1),
            )
            .unwrap()
    }

    pub fn admin(&self) -> String {
        self.token("acme", Role::Admin)
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("the request is sent");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(token), Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PUT, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> (u16, Value) {
        self.send(reqwest::Method::DELETE, path, Some(token), None)
            .await
    }

    /// Creates a shop as the tenant's admin and returns its JSON.
    pub async fn create_shop(&self, token: &str, overrides: Value) -> Value {
        let mut body = shop_body();
        merge(&mut body, overrides);
        let (status, shop) = self.post(SHOPS, token, body).await;
        assert_eq!(status, 201, "{shop}");
        shop
    }

    pub async fn shop_count(&self) -> u64 {
        use sea_orm::{EntityTrait, PaginatorTrait};
        entity::shop::Entity::find()
            .count(&self.state.db)
            .await
            .unwrap()
    }
}

pub const APP_SECRET: &str = "Zq7-SuperSecret-AppSecret-4242";

pub fn shop_body() -> Value {
    json!({
        "name": "Ocean US store",
        "app_key": "6abc123def456",
        "app_secret": APP_SECRET,
        "region": "US",
    })
}

pub fn merge(base: &mut Value, overrides: Value) {
    if let (Value::Object(b), Value::Object(o)) = (base, overrides) {
        for (k, v) in o {
            b.insert(k, v);
        }
    }
}

/// Asserts an error envelope with `code`, a message, and the request id.
pub fn assert_error(status: u16, body: &Value, expected_status: u16, code: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        body["error"]["request_id"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The background workers stop with the test's app.
        self.workers.cancel();
    }
}
