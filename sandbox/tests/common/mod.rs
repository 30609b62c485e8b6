//! Test-only client for the sandbox's core tests: it signs on its own (tiktok-api.md's algorithm,
//! written again here) and walks the OAuth flow over real HTTP.
#![allow(dead_code)]

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use tiktok_sandbox::{RunningSandbox, SandboxConfig};

pub fn small() -> SandboxConfig {
    SandboxConfig {
        port: 0,
        orders: 60,
        products: 15,
        ..SandboxConfig::default()
    }
}

pub fn sign(secret: &str, path: &str, query: &[(String, String)], body: &[u8]) -> String {
    let mut params: Vec<&(String, String)> = query
        .iter()
        .filter(|(k, _)| k != "sign" && k != "access_token")
        .collect();
    params.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut s = Vec::new();
    s.extend_from_slice(secret.as_bytes());
    s.extend_from_slice(path.as_bytes());
    for (k, v) in params {
        s.extend_from_slice(k.as_bytes());
        s.extend_from_slice(v.as_bytes());
    }
    s.extend_from_slice(body);
    s.extend_from_slice(secret.as_bytes());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(&s);
    hex::encode(mac.finalize().into_bytes())
}

/// The envelope codes of the logged calls whose path contains `path`, in order.
pub async fn logged_codes(base: &str, path: &str) -> Vec<i64> {
    let log: Value = http()
        .get(format!("{base}/_sandbox/requests?path={path}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_i64().unwrap())
        .collect()
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A signed caller for one app and token.
#[derive(Clone)]
pub struct Caller {
    pub base: String,
    pub app_key: String,
    pub secret: String,
    pub token: Option<String>,
    pub state: tiktok_sandbox::SandboxState,
    pub http: reqwest::Client,
}

pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    pub fn code(&self) -> i64 {
        self.body["code"].as_i64().unwrap_or(-1)
    }
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }
}

impl Caller {
    pub fn new(sb: &RunningSandbox, token: Option<String>) -> Caller {
        Caller {
            base: sb.base_url(),
            app_key: sb.app_key().to_string(),
            secret: sb.app_secret().to_string(),
            token,
            state: sb.state(),
            http: http(),
        }
    }

    /// Sends a signed call: `extra` query params (page_size, ids…), optional cipher, optional JSON body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        cipher: Option<&str>,
        extra: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Answer {
        let ts = self.state.now().to_string();
        self.call_at(method, path, cipher, extra, body, &ts).await
    }

    pub async fn call_at(
        &self,
        method: &str,
        path: &str,
        cipher: Option<&str>,
        extra: &[(&str, &str)],
        body: Option<&Value>,
        timestamp: &str,
    ) -> Answer {
        let mut q: Vec<(String, String)> = vec![
            ("app_key".into(), self.app_key.clone()),
            ("timestamp".into(), timestamp.to_string()),
        ];
        if let Some(c) = cipher {
            q.push(("shop_cipher".into(), c.to_string()));
        }
        for (k, v) in extra {
            q.push((k.to_string(), v.to_string()));
        }
        let raw = body.map(|b| b.to_string()).unwrap_or_default();
        let sig = sign(&self.secret, path, &q, raw.as_bytes());
        q.push(("sign".into(), sig));
        self.send(method, path, &q, raw).await
    }

    /// Sends with exactly these query params (no signing): for malformed requests.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        q: &[(String, String)],
        raw: String,
    ) -> Answer {
        let url = format!("{}{}", self.base, path);
        let mut rb = self
            .http
            .request(method.parse().unwrap(), url)
            .query(q)
            .header("content-type", "application/json");
        if let Some(t) = &self.token {
            rb = rb.header("x-tts-access-token", t);
        }
        if !raw.is_empty() {
            rb = rb.body(raw);
        }
        let resp = rb.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer { status, body }
    }
}

/// Consents on the sandbox's page (all the default seller's shops unless `shops` is given) and returns
/// the auth code from the redirect.
pub async fn consent(base: &str, app_key: &str, shops: &[&str]) -> String {
    let mut form = format!("app_key={app_key}&state=st123&action=authorize");
    for s in shops {
        form.push_str(&format!("&shop_id={s}"));
    }
    let resp = http()
        .post(format!("{base}/open/authorize"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let loc = resp.headers()["location"].to_str().unwrap().to_string();
    let url = url::Url::parse(&loc).unwrap();
    let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert!(q.contains(&("state".into(), "st123".into())));
    q.into_iter().find(|(k, _)| k == "code").unwrap().1
}

pub async fn token_get(base: &str, app_key: &str, secret: &str, code: &str) -> Value {
    http()
        .get(format!("{base}/api/v2/token/get"))
        .query(&[
            ("app_key", app_key),
            ("app_secret", secret),
            ("auth_code", code),
            ("grant_type", "authorized_code"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub async fn token_refresh(base: &str, app_key: &str, secret: &str, refresh: &str) -> Value {
    http()
        .get(format!("{base}/api/v2/token/refresh"))
        .query(&[
            ("app_key", app_key),
            ("app_secret", secret),
            ("refresh_token", refresh),
            ("grant_type", "refresh_token"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Authorizes the default app for the default seller's shops; returns a caller and the shops.
pub async fn connected(sb: &RunningSandbox) -> (Caller, Vec<Value>) {
    let code = consent(&sb.base_url(), sb.app_key(), &[]).await;
    let tok = token_get(&sb.base_url(), sb.app_key(), sb.app_secret(), &code).await;
    assert_eq!(tok["code"], 0, "{tok}");
    let caller = Caller::new(
        sb,
        Some(tok["data"]["access_token"].as_str().unwrap().to_string()),
    );
    let shops = caller
        .call("GET", "/authorization/202309/shops", None, &[], None)
        .await;
    assert_eq!(shops.code(), 0, "{}", shops.body);
    let list = shops.data()["shops"].as_array().unwrap().clone();
    (caller, list)
}

pub fn cipher(shop: &Value) -> String {
    shop["cipher"].as_str().unwrap().to_string()
}
