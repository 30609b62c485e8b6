//! A small signed client for the sandbox's API, and a webhook receiver, for the tests of the webhook,
//! living-shop, returns, promotions, analytics and affiliate areas. It signs on its own (the algorithm
//! of tiktok-api.md), so it checks the sandbox rather than trusting its code.
#![allow(dead_code)]

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use tiktok_sandbox::state::{Authorization, SandboxState};
use tiktok_sandbox::{RunningSandbox, SandboxConfig};

pub fn hmac_hex(secret: &str, message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// tiktok-api.md, "Signing a request".
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
    hmac_hex(secret, &s)
}

/// A small world, quick to start.
pub fn config() -> SandboxConfig {
    SandboxConfig {
        port: 0,
        orders: 40,
        products: 12,
        ..SandboxConfig::default()
    }
}

pub struct Client {
    pub base: String,
    pub app_key: String,
    pub app_secret: String,
    pub token: String,
    pub shop_id: u64,
    pub cipher: String,
    pub state: SandboxState,
    http: reqwest::Client,
}

/// An envelope and the HTTP status it came with.
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

    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(
            self.code(),
            0,
            "expected success, got HTTP {}: {}",
            self.status,
            self.body
        );
        &self.body["data"]
    }

    #[track_caller]
    pub fn refused(&self, code: i64) {
        assert_eq!(self.code(), code, "HTTP {}: {}", self.status, self.body);
        assert!(self.body["data"].is_null());
    }
}

impl Client {
    /// Authorizes the sandbox's app for the first seller's shops (in-process, without the consent
    /// page) and aims at the first of them.
    pub fn new(sandbox: &RunningSandbox) -> Client {
        let state = sandbox.state();
        let (seller_id, shop_ids) = state.with_world(|w| {
            let s = w.sellers.values().next().expect("a seller");
            (s.id, s.shop_ids.clone())
        });
        Client::for_shops(sandbox, seller_id, shop_ids, 0)
    }

    pub fn for_shops(
        sandbox: &RunningSandbox,
        seller_id: u64,
        shop_ids: Vec<u64>,
        which: usize,
    ) -> Client {
        let state = sandbox.state();
        let now = state.now();
        let app_key = sandbox.app_key().to_string();
        let token = {
            let mut auth = state.auth();
            let id = auth.next_authorization_id;
            auth.next_authorization_id += 1;
            auth.authorizations.insert(
                id,
                Authorization {
                    id,
                    app_key: app_key.clone(),
                    seller_id,
                    shop_ids: shop_ids.clone(),
                    granted_scopes: Vec::new(),
                    created_at: now,
                    revoked: false,
                    expiry_notified: false,
                },
            );
            auth.issue_pair(id, now, 7 * 86_400, 90 * 86_400).0
        };
        let shop_id = shop_ids[which];
        let cipher = state.with_world(|w| w.shops[&shop_id].cipher.clone());
        Client {
            base: sandbox.base_url(),
            app_key,
            app_secret: sandbox.app_secret().to_string(),
            token,
            shop_id,
            cipher,
            state,
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client"),
        }
    }

    /// A signed call on a shop path; `query` holds the call's own parameters.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Answer {
        let mut q: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        q.push(("app_key".into(), self.app_key.clone()));
        q.push(("timestamp".into(), self.state.now().to_string()));
        q.push(("shop_cipher".into(), self.cipher.clone()));
        let raw = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let sign = sign(&self.app_secret, path, &q, &raw);
        q.push(("sign".into(), sign));
        let url =
            reqwest::Url::parse_with_params(&format!("{}{path}", self.base), &q).expect("url");
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .http
            .request(method, url)
            .header("x-tts-access-token", &self.token)
            .header("content-type", "application/json");
        if body.is_some() {
            req = req.body(raw);
        }
        let resp = req.send().await.expect("the sandbox answers");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("a body");
        let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
        Answer { status, body }
    }

    pub async fn post(&self, path: &str, query: &[(&str, &str)], body: Value) -> Answer {
        self.call("POST", path, query, Some(&body)).await
    }

    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Answer {
        self.call("GET", path, query, None).await
    }

    /// A signed DELETE without a body.
    pub async fn delete(&self, path: &str) -> Answer {
        self.call("DELETE", path, &[], None).await
    }

    /// A control-plane call (unsigned, plain JSON).
    pub async fn control(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("the sandbox answers");
        let status = resp.status();
        let text = resp.text().await.expect("a body");
        assert!(status.is_success(), "{path}: HTTP {status}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    }

    pub async fn control_status(&self, method: &str, path: &str, body: Value) -> u16 {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("the sandbox answers")
            .status()
            .as_u16()
    }
}

/// One webhook as received.
#[derive(Clone, Debug)]
pub struct Hook {
    pub authorization: String,
    pub content_type: String,
    pub raw: Vec<u8>,
    pub body: Value,
}

/// A webhook receiver on 127.0.0.1:0 that answers `status` and keeps what it got.
pub struct Receiver {
    pub url: String,
    pub hooks: Arc<Mutex<Vec<Hook>>>,
    pub status: Arc<Mutex<u16>>,
    handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    pub async fn start(status: u16) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let hooks: Arc<Mutex<Vec<Hook>>> = Arc::default();
        let status = Arc::new(Mutex::new(status));
        let (h, s) = (hooks.clone(), status.clone());
        let server = HttpServer::new(move || {
            let (h, s) = (h.clone(), s.clone());
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (h, s) = (h.clone(), s.clone());
                async move {
                    let header = |n: &str| {
                        req.headers()
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string()
                    };
                    h.lock().unwrap().push(Hook {
                        authorization: header("authorization"),
                        content_type: header("content-type"),
                        raw: body.to_vec(),
                        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                    });
                    let code = *s.lock().unwrap();
                    HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap())
                        .finish()
                }
            }))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Receiver {
            url: format!("http://127.0.0.1:{port}/hooks"),
            hooks,
            status,
            handle,
        }
    }

    pub fn got(&self) -> Vec<Hook> {
        self.hooks.lock().unwrap().clone()
    }

    pub fn set_status(&self, status: u16) {
        *self.status.lock().unwrap() = status;
    }

    /// Waits (briefly, polling) until at least `n` hooks arrived; returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<Hook> {
        for _ in 0..200 {
            let got = self.got();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let got = self.got();
        panic!(
            "expected {n} webhooks, got {}: {:?}",
            got.len(),
            got.iter().map(|h| &h.body).collect::<Vec<_>>()
        );
    }

    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}
