//! HTTP behaviour of the client against a tiny local server that answers like TikTok and records
//! every request it receives.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::clock::{Clock, ManualClock, SystemClock};
use crate::config::TikTokHosts;

const APP_KEY: &str = "test_app_key";
const APP_SECRET: &str = "s3cr3t-app-secret-value";
const ACCESS_TOKEN: &str = "TTP_access_token_value_123";
const REFRESH_TOKEN: &str = "TTP_refresh_token_value_456";
const AUTH_CODE: &str = "auth_code_value_789";

#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: HashMap<String, String>,
    body: Vec<u8>,
    /// The test clock's time when the request arrived.
    at: DateTime<Utc>,
}

impl Recorded {
    fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Recomputes the signature from what arrived, as TikTok would.
    fn signature_ok(&self) -> bool {
        let body = (!self.body.is_empty()).then_some(self.body.as_slice());
        let expected = sign::sign(APP_SECRET, &self.path, &self.query, body);
        self.param("sign") == Some(expected.as_str())
    }
}

enum Reply {
    Json(u16, String),
    /// Never answer (the connection stays open).
    Hang,
}

fn ok(data: Value) -> Reply {
    Reply::Json(
        200,
        json!({"code": 0, "message": "Success", "request_id": "req-ok", "data": data}).to_string(),
    )
}

fn fail(http: u16, code: i64, message: &str) -> Reply {
    Reply::Json(
        http,
        json!({"code": code, "message": message, "request_id": "req-fail", "data": null})
            .to_string(),
    )
}

type Handler = Arc<dyn Fn(&Recorded, usize) -> Reply + Send + Sync>;

struct TestServer {
    addr: std::net::SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl TestServer {
    /// `handler(request, index)` answers the `index`-th request (0-based).
    async fn start(
        clock: Arc<dyn Clock>,
        handler: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let recorded = requests.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let handler = handler.clone();
                let recorded = recorded.clone();
                let clock = clock.clone();
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut stream, clock.now()).await else {
                        return;
                    };
                    let index = {
                        let mut all = recorded.lock().unwrap();
                        all.push(request.clone());
                        all.len() - 1
                    };
                    match handler(&request, index) {
                        Reply::Json(status, body) => {
                            let head = format!(
                                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                                body.len()
                            );
                            let _ = stream.write_all(head.as_bytes()).await;
                            let _ = stream.write_all(body.as_bytes()).await;
                            let _ = stream.shutdown().await;
                        }
                        Reply::Hang => {
                            std::future::pending::<()>().await;
                        }
                    }
                });
            }
        });
        TestServer { addr, requests }
    }

    fn hosts(&self) -> TikTokHosts {
        let base: url::Url = format!("http://{}/", self.addr).parse().unwrap();
        TikTokHosts {
            api_base: base.clone(),
            auth_base: base.clone(),
            authorize_url: base.join("open/authorize").unwrap(),
        }
    }

    fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream, at: DateTime<Utc>) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let mut headers = HashMap::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (k, v) = line.split_once(':')?;
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[header_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
    let query = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    Some(Recorded {
        method,
        path: path.to_owned(),
        query,
        headers,
        body,
        at,
    })
}

fn app() -> AppCredentials {
    AppCredentials {
        app_key: APP_KEY.to_owned(),
        app_secret: SecretString::from(APP_SECRET),
    }
}

fn token() -> SecretString {
    SecretString::from(ACCESS_TOKEN)
}

fn manual_clock() -> ManualClock {
    ManualClock::new(
        DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
            .unwrap()
            .to_utc(),
    )
}

fn options(max_attempts: u32, limits: RateLimits) -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_attempts,
            ..RetryPolicy::default()
        },
        limits,
    }
}

fn no_limits() -> RateLimits {
    RateLimits {
        per_shop_category_per_minute: 0,
        per_app_per_minute: 0,
    }
}

/// Moves the manual clock to each deadline something sleeps on, until dropped: back-off then
/// passes instantly, and no test waits for clock time.
struct AutoAdvance(tokio::task::JoinHandle<()>);

impl AutoAdvance {
    fn start(clock: ManualClock) -> Self {
        Self(tokio::spawn(async move {
            loop {
                if let Some(deadline) = clock.next_deadline() {
                    clock.advance(deadline - clock.now());
                }
                // Polls for work to be blocked: a real pause, never a wait on clock time.
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }))
    }
}

impl Drop for AutoAdvance {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Hosts on a port nobody listens on: every connection is refused.
fn unreachable_hosts() -> TikTokHosts {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let base: url::Url = format!("http://127.0.0.1:{port}/").parse().unwrap();
    TikTokHosts {
        api_base: base.clone(),
        auth_base: base.clone(),
        authorize_url: base,
    }
}

mod limits;
mod retries;
mod secrets;
mod signing;
mod tokens;
