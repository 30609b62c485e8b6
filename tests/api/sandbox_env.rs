//! The service wired to an in-process TikTok sandbox: our app, the sandbox, a shop configured with the
//! sandbox's app, and helpers that walk the seller's consent form as a browser would.

use std::collections::HashMap;

use api::auth::Role;
use api::clock::Clock;
use serde_json::{Value, json};
use tiktok_sandbox::{RunningSandbox, SandboxConfig};

use crate::helpers::*;

pub const APP_KEY: &str = "ocean_test_app";
pub const APP_SECRET_TT: &str = "ocean-test-app-secret-0042";
pub const SERVICE_ID: &str = "7123456789";

pub struct SandboxEnv {
    pub app: TestApp,
    pub sandbox: RunningSandbox,
    pub shop_id: String,
    pub token: String,
}

pub async fn sandbox_env() -> SandboxEnv {
    sandbox_env_with(|_| {}, |_| {}).await
}

/// The environment with our clock moving itself to every deadline the client sleeps to (back-off),
/// so retries take no wall time.
pub async fn sandbox_env_with(
    sandbox_config: impl FnOnce(&mut SandboxConfig),
    env: impl FnOnce(&mut HashMap<String, String>),
) -> SandboxEnv {
    let built = sandbox_env_manual_clock(sandbox_config, env).await;
    auto_advance(built.app.clock.clone(), built.app.workers.child_token());
    built
}

/// Moves a manual clock to each sleeper's deadline as soon as one waits, until `stop`.
pub fn auto_advance(clock: api::clock::ManualClock, stop: tokio_util::sync::CancellationToken) {
    tokio::spawn(async move {
        while !stop.is_cancelled() {
            if let Some(deadline) = clock.next_deadline() {
                let now = clock.now();
                if deadline > now {
                    clock.advance(deadline - now);
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    });
}

/// The environment with a clock only the test moves.
pub async fn sandbox_env_manual_clock(
    sandbox_config: impl FnOnce(&mut SandboxConfig),
    env: impl FnOnce(&mut HashMap<String, String>),
) -> SandboxEnv {
    let mut config = SandboxConfig {
        port: 0,
        orders: 20,
        products: 10,
        ..Default::default()
    };
    sandbox_config(&mut config);
    let sandbox = tiktok_sandbox::start(config)
        .await
        .expect("the sandbox starts");
    let base = sandbox.base_url();
    // Our public URL must be known before we start, so TikTok (the sandbox) can deliver webhooks to it:
    // take a free port now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = spawn_app_with(|e| {
        e.insert("OCEAN_BIND".into(), format!("127.0.0.1:{port}"));
        e.insert(
            "OCEAN_PUBLIC_URL".into(),
            format!("http://127.0.0.1:{port}"),
        );
        e.insert("TIKTOK_API_BASE".into(), base.clone());
        e.insert("TIKTOK_AUTH_BASE".into(), base.clone());
        e.insert(
            "TIKTOK_AUTHORIZE_URL".into(),
            format!("{base}/open/authorize"),
        );
        e.insert("TIKTOK_RETRY_BASE_MS".into(), "5".into());
        env(e);
    })
    .await;
    register_app(&sandbox, &app).await;
    let token = app.admin();
    let shop = app
        .create_shop(
            &token,
            json!({"app_key": APP_KEY, "app_secret": APP_SECRET_TT, "service_id": SERVICE_ID}),
        )
        .await;
    SandboxEnv {
        shop_id: shop["id"].as_str().unwrap().to_owned(),
        app,
        sandbox,
        token,
    }
}

/// Registers our test app, with our callback as its redirect URL, in the sandbox.
pub async fn register_app(sandbox: &RunningSandbox, app: &TestApp) {
    let res = reqwest::Client::new()
        .post(format!("{}/_sandbox/apps", sandbox.base_url()))
        .json(&json!({
            "app_key": APP_KEY,
            "app_secret": APP_SECRET_TT,
            "service_id": SERVICE_ID,
            "redirect_url": app.url("/api/integrations/tiktok/callback"),
        }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
}

/// The query of a URL as a map.
pub fn query_of(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// The hidden inputs of the consent page's form, as a browser would post them.
fn form_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for tag in html.split("<input").skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        let attr = |name: &str| {
            tag.split(&format!("{name}=\""))
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .map(str::to_owned)
        };
        if attr("type").as_deref() == Some("hidden") || tag.contains("checked") {
            if let (Some(n), Some(v)) = (attr("name"), attr("value")) {
                fields.push((n, v.replace("&amp;", "&")));
            }
        }
    }
    fields
}

impl SandboxEnv {
    pub fn shop_path(&self, suffix: &str) -> String {
        format!("{SHOPS}/{}{suffix}", self.shop_id)
    }

    pub async fn authorize_url(&self) -> String {
        let (status, body) = self
            .app
            .post(&self.shop_path("/connect"), &self.token, json!({}))
            .await;
        assert_eq!(status, 200, "{body}");
        body["authorize_url"].as_str().unwrap().to_owned()
    }

    /// Opens the consent page and presses a button; returns where TikTok sends the browser (our callback).
    pub async fn consent(&self, authorize_url: &str, action: &str) -> String {
        let client = &self.app.client;
        let page = client.get(authorize_url).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("Authorize") && html.contains("Deny"),
            "{html}"
        );
        let mut fields = form_fields(&html);
        fields.push(("action".into(), action.into()));
        let res = client
            .post(format!("{}/open/authorize", self.sandbox.base_url()))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            302,
            "{}",
            res.text().await.unwrap_or_default()
        );
        res.headers()["location"].to_str().unwrap().to_owned()
    }

    /// Follows TikTok's redirect to our callback; returns the query we send the browser back with.
    pub async fn follow_callback(&self, callback_url: &str) -> HashMap<String, String> {
        let res = self.app.client.get(callback_url).send().await.unwrap();
        assert_eq!(res.status(), 302, "the callback always redirects to the UI");
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with("http://ui.invalid/erp"), "{location}");
        query_of(&location)
    }

    /// The whole connect flow through the consent form; asserts success.
    pub async fn connect(&self) -> HashMap<String, String> {
        let listed_before = self.subscription_reads();
        let url = self.authorize_url().await;
        let callback = self.consent(&url, "authorize").await;
        let outcome = self.follow_callback(&callback).await;
        assert_eq!(outcome["tiktok_connect"], "success", "{outcome:?}");
        self.wait_for_webhook_registration(listed_before).await;
        outcome
    }

    /// How often TikTok's subscription list was read (registration ends with one read per shop).
    fn subscription_reads(&self) -> usize {
        self.sandbox
            .state()
            .requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path == "/event/202309/webhooks")
            .count()
    }

    /// Connecting registers our webhooks in the background; tests start once that is done, so that
    /// nothing else talks to TikTok (or draws from the sandbox's seeded fault randomness) meanwhile.
    pub async fn wait_for_webhook_registration(&self, reads_before: usize) {
        let shops = {
            use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
            entity::shop::Entity::find()
                .filter(entity::shop::Column::Status.eq("connected"))
                .count(&self.app.state.db)
                .await
                .unwrap() as usize
        };
        for _ in 0..1000 {
            if self.subscription_reads() >= reads_before + shops {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        panic!("webhook subscriptions were not registered after connect");
    }

    pub async fn status(&self) -> Value {
        let (status, body) = self
            .app
            .get(
                &self.shop_path("/status"),
                &self.app.token("acme", Role::Viewer),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// The sandbox's request log, as (path, http status, code).
    pub fn requests(&self) -> Vec<(String, u16, i64)> {
        self.sandbox
            .state()
            .requests()
            .into_iter()
            .map(|r| (r.path, r.http_status, r.code))
            .collect()
    }

    pub fn count_requests(&self, path: &str) -> usize {
        self.requests().iter().filter(|(p, _, _)| p == path).count()
    }

    pub async fn control(&self, path: &str, body: Value) -> Value {
        let res = reqwest::Client::new()
            .post(format!("{}{path}", self.sandbox.base_url()))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{path}: {}", res.status());
        res.json().await.unwrap_or(Value::Null)
    }

    pub async fn shop_row(&self) -> entity::shop::Model {
        use sea_orm::EntityTrait;
        entity::shop::Entity::find_by_id(self.shop_id.clone())
            .one(&self.app.state.db)
            .await
            .unwrap()
            .unwrap()
    }

    /// A session for calling TikTok as the connected shop.
    pub async fn session(&self) -> api::shops::session::ShopSession {
        api::shops::session::ShopSession::open(self.app.state.access(), self.shop_row().await)
            .await
            .unwrap()
    }

    pub async fn tiktok_shop_id(&self) -> String {
        self.shop_row().await.shop_id.unwrap()
    }
}
