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

#[tokio::test]
async fn common_params_header_and_signature_on_a_shop_call() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |_, _| {
        ok(json!({"orders": [{"id": "1"}]}))
    })
    .await;
    let client = TikTokClient::new(
        server.hosts(),
        options(1, no_limits()),
        Arc::new(clock.clone()),
    );
    let app = app();
    let token = token();
    let request = ApiRequest::new(&app, &token, reqwest::Method::GET, "/order/202309/orders")
        .shop("ROW_test_cipher", "shop-1")
        .query("ids", "576461413038785752")
        .query("ids", "576461413038785753");
    let response: ApiResponse<Value> = client.call(request).await.unwrap();
    assert_eq!(response.request_id, "req-ok");
    assert_eq!(response.data["orders"][0]["id"], "1");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, "/order/202309/orders");
    assert_eq!(r.param("app_key"), Some(APP_KEY));
    assert_eq!(
        r.param("timestamp"),
        Some(clock.now().timestamp().to_string().as_str())
    );
    assert_eq!(r.param("shop_cipher"), Some("ROW_test_cipher"));
    assert_eq!(
        r.param("ids"),
        Some("576461413038785752,576461413038785753"),
        "an array goes once, joined"
    );
    assert_eq!(r.query.iter().filter(|(k, _)| k == "ids").count(), 1);
    assert_eq!(
        r.param("access_token"),
        None,
        "the token travels in the header only"
    );
    assert_eq!(
        r.headers.get("x-tts-access-token").map(String::as_str),
        Some(ACCESS_TOKEN)
    );
    assert_eq!(
        r.headers.get("content-type").map(String::as_str),
        Some("application/json")
    );
    assert!(r.signature_ok(), "the signature verifies: {r:?}");
}

#[tokio::test]
async fn the_body_is_signed_exactly_as_sent() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |_, _| {
        ok(json!({"orders": [], "total_count": 0}))
    })
    .await;
    let client = TikTokClient::new(
        server.hosts(),
        options(1, no_limits()),
        Arc::new(clock.clone()),
    );
    let app = app();
    let token = token();
    let body = json!({"order_status": "AWAITING_SHIPMENT", "create_time_ge": 1699900000, "note": "ünïcode & spaces"});
    let request = ApiRequest::new(
        &app,
        &token,
        reqwest::Method::POST,
        "/order/202309/orders/search",
    )
    .shop("ROW_test_cipher", "shop-1")
    .query("page_size", 50)
    .query("sort_field", "create_time")
    .json(body.clone());
    let _: ApiResponse<Value> = client.call(request).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.body, serde_json::to_vec(&body).unwrap());
    assert_eq!(r.param("page_size"), Some("50"));
    assert!(r.signature_ok());
    // Tampering with one byte of the body breaks the signature.
    let mut tampered = r.clone();
    tampered.body.push(b' ');
    assert!(!tampered.signature_ok());
}

#[tokio::test]
async fn no_shop_cipher_on_authorization_and_seller_paths() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |r, _| {
        if r.path == "/authorization/202309/shops" {
            ok(json!({"shops": [{
                "id": "7494049642642441621", "name": "Maomao beauty shop", "region": "GB",
                "seller_type": "CROSS_BORDER", "cipher": "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3",
                "code": "CNGBCBA4LLU8"
            }]}))
        } else {
            ok(json!({}))
        }
    })
    .await;
    let client = TikTokClient::new(
        server.hosts(),
        options(1, no_limits()),
        Arc::new(clock.clone()),
    );
    let app = app();
    let token = token();

    let shops = client.authorized_shops(&app, &token).await.unwrap();
    assert_eq!(
        shops,
        vec![AuthorizedShop {
            id: "7494049642642441621".into(),
            name: "Maomao beauty shop".into(),
            region: "GB".into(),
            seller_type: "CROSS_BORDER".into(),
            cipher: "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3".into(),
            code: "CNGBCBA4LLU8".into(),
        }]
    );
    // Even when a caller passes a cipher, it is not sent where TikTok refuses it.
    for path in ["/authorization/202309/shops", "/seller/202309/shops"] {
        let request = ApiRequest::new(&app, &token, reqwest::Method::GET, path).shop("ROW_x", "s");
        let _: ApiResponse<Value> = client.call(request).await.unwrap();
    }
    let event = ApiRequest::new(&app, &token, reqwest::Method::GET, "/event/202309/webhooks")
        .shop("ROW_x", "s");
    let _: ApiResponse<Value> = client.call(event).await.unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    for r in &requests[..3] {
        assert_eq!(r.param("shop_cipher"), None, "{}", r.path);
        assert!(r.signature_ok());
    }
    assert_eq!(requests[3].param("shop_cipher"), Some("ROW_x"));
    assert!(requests[3].signature_ok());
}

#[tokio::test]
async fn reserved_parameters_and_bad_paths_are_refused_before_sending() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |_, _| ok(json!({}))).await;
    let client = TikTokClient::new(
        server.hosts(),
        options(1, no_limits()),
        Arc::new(clock.clone()),
    );
    let app = app();
    let token = token();
    for (path, key) in [
        ("/order/202309/orders", "sign"),
        ("/order/202309/orders", "timestamp"),
        ("/order/202309/orders", "access_token"),
        ("order/202309/orders", "x"),
        ("/order/202309/orders?x=1", "y"),
    ] {
        let request = ApiRequest::new(&app, &token, reqwest::Method::GET, path).query(key, "1");
        let err = client.call::<Value>(request).await.unwrap_err();
        assert!(matches!(err, TikTokError::InvalidInput { .. }), "{err}");
    }
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn a_nonzero_code_on_http_200_is_an_error_and_not_retried() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |_, _| {
        fail(200, 105002, "Access token is expired")
    })
    .await;
    let client = TikTokClient::new(
        server.hosts(),
        options(5, no_limits()),
        Arc::new(clock.clone()),
    );
    let app = app();
    let token = token();
    let request = ApiRequest::new(
        &app,
        &token,
        reqwest::Method::GET,
        "/product/202309/products/1",
    )
    .shop("ROW_c", "s");
    let err = client.call::<Value>(request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AccessTokenExpired);
    assert_eq!(err.code(), Some(105002));
    assert_eq!(err.http_status(), Some(200));
    assert_eq!(err.request_id(), Some("req-fail"));
    assert_eq!(err.path(), "/product/202309/products/1");
    assert_eq!(
        server.count(),
        1,
        "the caller refreshes; the client does not retry"
    );
}

#[tokio::test]
async fn undecodable_and_unexpected_answers() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |r, _| match r.path.as_str() {
        "/a/1" => Reply::Json(200, "<html>not json</html>".into()),
        "/a/2" => Reply::Json(502, "<html>bad gateway</html>".into()),
        "/a/3" => ok(json!({"shops": "not a list"})),
        _ => Reply::Json(
            200,
            json!({"code": 0, "message": "", "request_id": "r"}).to_string(),
        ),
    })
    .await;
    let client = TikTokClient::new(
        server.hosts(),
        options(1, no_limits()),
        Arc::new(clock.clone()),
    );
    let app = app();
    let token = token();
    let get = |path: &'static str| ApiRequest::new(&app, &token, reqwest::Method::GET, path);

    let e = client.call::<Value>(get("/a/1")).await.unwrap_err();
    assert!(
        matches!(e, TikTokError::Undecodable { status: 200, .. }),
        "{e:?}"
    );
    assert_eq!(e.kind(), ErrorKind::Transient);
    let e = client.call::<Value>(get("/a/2")).await.unwrap_err();
    assert!(matches!(e, TikTokError::Http { status: 502, .. }), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Transient);

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Shops {
        shops: Vec<String>,
    }
    let e = client.call::<Shops>(get("/a/3")).await.unwrap_err();
    assert!(matches!(e, TikTokError::UnexpectedData { .. }), "{e:?}");
    assert!(e.to_string().contains("data.shops"), "{e}");
    assert!(
        !e.to_string().contains("not a list"),
        "no values in messages: {e}"
    );
    assert_eq!(e.kind(), ErrorKind::Other);

    // No `data` at all: fine for a caller expecting nothing.
    let r = client.call::<()>(get("/a/4")).await.unwrap();
    assert_eq!(r.request_id, "r");
    assert!(client.call::<Shops>(get("/a/4")).await.is_err());
}

#[tokio::test]
async fn server_errors_are_retried_with_a_new_timestamp_and_signature() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |_, i| match i {
        0 | 1 => Reply::Json(500, "internal".into()),
        _ => ok(json!({"fine": true})),
    })
    .await;
    let client = TikTokClient::new(
        server.hosts(),
        options(5, no_limits()),
        Arc::new(clock.clone()),
    );
    let _advance = AutoAdvance::start(clock.clone());
    let app = app();
    let token = token();
    let start = clock.now();
    let request = ApiRequest::new(
        &app,
        &token,
        reqwest::Method::POST,
        "/product/202309/products/activate",
    )
    .shop("ROW_c", "s")
    .json(json!({"product_ids": ["1"]}));
    let response: ApiResponse<Value> = client.call(request).await.unwrap();
    assert_eq!(response.data["fine"], true);

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for r in &requests {
        assert!(r.signature_ok());
        assert_eq!(r.body, br#"{"product_ids":["1"]}"#);
    }
    let stamps: Vec<_> = requests
        .iter()
        .map(|r| r.param("timestamp").unwrap().to_owned())
        .collect();
    let signs: Vec<_> = requests
        .iter()
        .map(|r| r.param("sign").unwrap().to_owned())
        .collect();
    // Each attempt is stamped when it is sent (the back-off moved the clock between them), and
    // signed for that stamp.
    for r in &requests {
        assert_eq!(r.param("timestamp").unwrap(), r.at.timestamp().to_string());
    }
    assert!(
        stamps[0] <= stamps[1] && stamps[1] <= stamps[2] && stamps[0] < stamps[2],
        "{stamps:?}"
    );
    assert_ne!(signs[0], signs[2]);
    for i in 0..2 {
        assert_eq!(stamps[i] == stamps[i + 1], signs[i] == signs[i + 1]);
    }
    // Back-off about 1 s then 2 s (jittered between half and one and a half times).
    let waited = clock.now() - start;
    assert!(
        waited >= chrono::Duration::milliseconds(1500)
            && waited <= chrono::Duration::milliseconds(4500),
        "{waited}"
    );
    let first_gap = requests[1].at - requests[0].at;
    assert!(
        first_gap >= chrono::Duration::milliseconds(500)
            && first_gap <= chrono::Duration::milliseconds(1500)
    );
}

#[tokio::test]
async fn too_many_requests_is_retried() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |_, i| match i {
        0 => fail(429, 36009002, "Too many requests"),
        1 => fail(200, 36009003, "Internal error"),
        _ => ok(json!({})),
    })
    .await;
    let client = TikTokClient::new(
        server.hosts(),
        options(5, no_limits()),
        Arc::new(clock.clone()),
    );
    let _advance = AutoAdvance::start(clock.clone());
    let app = app();
    let token = token();
    let request = ApiRequest::new(
        &app,
        &token,
        reqwest::Method::GET,
        "/logistics/202309/warehouses",
    )
    .shop("ROW_c", "s");
    client.call::<Value>(request).await.unwrap();
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn retries_stop_at_max_attempts() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |_, _| {
        fail(503, 36009007, "Gateway timeout")
    })
    .await;
    let client = TikTokClient::new(
        server.hosts(),
        options(4, no_limits()),
        Arc::new(clock.clone()),
    );
    let _advance = AutoAdvance::start(clock.clone());
    let app = app();
    let token = token();
    let request = ApiRequest::new(
        &app,
        &token,
        reqwest::Method::GET,
        "/logistics/202309/warehouses",
    );
    let err = client.call::<Value>(request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert_eq!(err.code(), Some(36009007));
    assert_eq!(server.count(), 4);
}

#[tokio::test]
async fn invalid_parameter_is_not_retried() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |_, _| {
        fail(400, 36009004, "Invalid parameter")
    })
    .await;
    let client = TikTokClient::new(
        server.hosts(),
        options(5, no_limits()),
        Arc::new(clock.clone()),
    );
    let _advance = AutoAdvance::start(clock.clone());
    let app = app();
    let token = token();
    let request = ApiRequest::new(&app, &token, reqwest::Method::GET, "/order/202309/orders")
        .shop("ROW_c", "s");
    let err = client.call::<Value>(request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.code(), Some(36009004));
    assert_eq!(err.http_status(), Some(400));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_timeout_is_retried() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |_, i| match i {
        0 => Reply::Hang,
        _ => ok(json!({"late": "but fine"})),
    })
    .await;
    let mut opts = options(3, no_limits());
    opts.timeout = Duration::from_millis(300);
    let client = TikTokClient::new(server.hosts(), opts, Arc::new(clock.clone()));
    let _advance = AutoAdvance::start(clock.clone());
    let app = app();
    let token = token();
    let request = ApiRequest::new(&app, &token, reqwest::Method::GET, "/order/202309/orders")
        .shop("ROW_c", "s");
    let response: ApiResponse<Value> = client.call(request).await.unwrap();
    assert_eq!(response.data["late"], "but fine");
    assert_eq!(server.count(), 2);

    // A server that never answers: every attempt times out.
    let hang = TestServer::start(Arc::new(clock.clone()), |_, _| Reply::Hang).await;
    let mut opts = options(2, no_limits());
    opts.timeout = Duration::from_millis(200);
    let client = TikTokClient::new(hang.hosts(), opts, Arc::new(clock.clone()));
    let request = ApiRequest::new(&app, &token, reqwest::Method::GET, "/order/202309/orders");
    let err = client.call::<Value>(request).await.unwrap_err();
    assert!(matches!(err, TikTokError::Timeout { .. }), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert_eq!(hang.count(), 2);
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

#[tokio::test]
async fn connection_refused_is_transient_and_says_nothing_secret() {
    let hosts = unreachable_hosts();
    let client = TikTokClient::new(hosts, options(1, no_limits()), Arc::new(SystemClock));
    let app = app();
    let err = client.get_token(&app, AUTH_CODE).await.unwrap_err();
    assert!(matches!(err, TikTokError::Transport { .. }), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Transient);
    let shown = format!("{err} {err:?}");
    for secret in [APP_SECRET, AUTH_CODE] {
        assert!(!shown.contains(secret), "{shown}");
    }
    let token = token();
    let request = ApiRequest::new(&app, &token, reqwest::Method::GET, "/order/202309/orders");
    let err = client.call::<Value>(request).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("sign="), "{shown}");
    assert!(!shown.contains(ACCESS_TOKEN) && !shown.contains(APP_SECRET));
}

#[tokio::test]
async fn token_get_and_refresh() {
    let clock = manual_clock();
    let now = clock.now();
    let server = TestServer::start(Arc::new(clock.clone()), move |r, _| {
        if r.path == "/api/v2/token/get" {
            ok(json!({
                "access_token": "NEW_ACCESS", "access_token_expire_in": 1_773_000_000,
                "refresh_token": "NEW_REFRESH", "refresh_token_expire_in": 1_780_000_000,
                "open_id": "open-1", "seller_name": "Jjj test shop", "seller_base_region": "GB",
                "user_type": 0, "granted_scopes": ["seller.authorization.info", "seller.order.info"]
            }))
        } else if r.param("refresh_token") == Some(REFRESH_TOKEN) {
            // Durations (below 10^9), and numbers as strings: both accepted.
            ok(json!({
                "access_token": "NEWER_ACCESS", "access_token_expire_in": 604800,
                "refresh_token": "NEWER_REFRESH", "refresh_token_expire_in": "31536000",
                "open_id": "open-1", "seller_name": "Jjj test shop", "seller_base_region": "GB",
                "user_type": 1, "granted_scopes": null
            }))
        } else {
            fail(200, 36004001, "refresh token expired")
        }
    })
    .await;
    let client = TikTokClient::new(
        server.hosts(),
        options(5, no_limits()),
        Arc::new(clock.clone()),
    );
    let app = app();

    let grant = client.get_token(&app, AUTH_CODE).await.unwrap();
    use secrecy::ExposeSecret;
    assert_eq!(grant.access_token.expose_secret(), "NEW_ACCESS");
    assert_eq!(grant.refresh_token.expose_secret(), "NEW_REFRESH");
    assert_eq!(grant.access_token_expires_at.timestamp(), 1_773_000_000);
    assert_eq!(grant.refresh_token_expires_at.timestamp(), 1_780_000_000);
    assert_eq!(grant.open_id, "open-1");
    assert_eq!(grant.seller_name, "Jjj test shop");
    assert_eq!(grant.seller_base_region, "GB");
    assert_eq!(grant.user_type, 0);
    assert_eq!(
        grant.granted_scopes,
        vec!["seller.authorization.info", "seller.order.info"]
    );
    let debug = format!("{grant:?}");
    assert!(
        !debug.contains("NEW_ACCESS") && !debug.contains("NEW_REFRESH"),
        "{debug}"
    );

    let r = &server.requests()[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.param("app_key"), Some(APP_KEY));
    assert_eq!(r.param("app_secret"), Some(APP_SECRET));
    assert_eq!(r.param("auth_code"), Some(AUTH_CODE));
    assert_eq!(r.param("grant_type"), Some("authorized_code"));
    assert_eq!(r.param("sign"), None);
    assert_eq!(r.param("timestamp"), None);

    let refreshed = client
        .refresh_token(&app, &SecretString::from(REFRESH_TOKEN))
        .await
        .unwrap();
    assert_eq!(refreshed.access_token.expose_secret(), "NEWER_ACCESS");
    assert_eq!(
        refreshed.access_token_expires_at,
        now + chrono::Duration::seconds(604800)
    );
    assert_eq!(
        refreshed.refresh_token_expires_at,
        now + chrono::Duration::seconds(31_536_000)
    );
    assert_eq!(refreshed.user_type, 1);
    assert!(refreshed.granted_scopes.is_empty());
    let r = &server.requests()[1];
    assert_eq!(r.path, "/api/v2/token/refresh");
    assert_eq!(r.param("refresh_token"), Some(REFRESH_TOKEN));
    assert_eq!(r.param("grant_type"), Some("refresh_token"));

    let err = client
        .refresh_token(&app, &SecretString::from("an-old-refresh-token"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AuthorizationGone);
    assert_eq!(err.code(), Some(36004001));
    assert_eq!(server.count(), 3, "not retried");
}

/// A call from each of 12 tasks for one shop and category with a limit of 50 per minute (a burst
/// of 5): five go at once, the rest wait on the clock until the test moves it.
#[tokio::test]
async fn the_limiter_lets_the_burst_through_and_holds_the_rest_on_the_clock() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |_, _| ok(json!({}))).await;
    let limits = RateLimits {
        per_shop_category_per_minute: 300,
        per_app_per_minute: 6000,
    };
    let client = TikTokClient::new(server.hosts(), options(1, limits), Arc::new(clock.clone()));
    let calls = spawn_calls(&client, 12, "/order/202309/orders/search");
    wait_until(|| server.count() == 5 && clock.sleepers() == 7).await;
    // Nothing more goes while the clock stands still.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.count(), 5);
    // A minute later the burst is back: five more, and two wait again.
    clock.advance(chrono::Duration::seconds(61));
    wait_until(|| server.count() == 10 && clock.sleepers() == 2).await;
    clock.advance(chrono::Duration::seconds(61));
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(server.count(), 12);
    let snap = client.quota_snapshot();
    let shop = snap
        .iter()
        .find(|q| q.shop_key.as_deref() == Some("shop-1"))
        .unwrap();
    assert_eq!(shop.category, Some(ApiCategory::Order));
    assert_eq!((shop.limit_per_minute, shop.burst), (300, 5));
    assert!(
        snap.iter()
            .any(|q| q.shop_key.is_none() && q.limit_per_minute == 6000)
    );
}

/// 5 per minute, 12 calls: stepping the clock only when every call is blocked, the server never
/// sees more than 5 in any minute (sliding or clock-minute), and all calls finish.
#[tokio::test]
async fn the_server_never_sees_more_than_the_limit_in_a_minute() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |_, _| ok(json!({}))).await;
    let limits = RateLimits {
        per_shop_category_per_minute: 5,
        per_app_per_minute: 0,
    };
    let client = TikTokClient::new(server.hosts(), options(1, limits), Arc::new(clock.clone()));
    let start = clock.now();
    let calls = spawn_calls(&client, 12, "/product/202309/products/search");
    loop {
        wait_until(|| server.count() + clock.sleepers() == 12).await;
        match clock.next_deadline() {
            Some(deadline) => clock.advance(deadline - clock.now()),
            None => break,
        }
    }
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let times: Vec<_> = server.requests().iter().map(|r| r.at).collect();
    assert_eq!(times.len(), 12);
    for t in &times {
        let in_minute = times
            .iter()
            .filter(|u| **u >= *t && **u - *t < chrono::Duration::seconds(60))
            .count();
        assert!(
            in_minute <= 5,
            "{in_minute} requests in the minute from {t}"
        );
        let clock_minute = times
            .iter()
            .filter(|u| u.timestamp().div_euclid(60) == t.timestamp().div_euclid(60))
            .count();
        assert!(clock_minute <= 5);
    }
    // Not starved either: 12 calls at 5 per 61 s take under 2.5 minutes.
    assert!(clock.now() - start < chrono::Duration::seconds(150));
}

fn spawn_calls(
    client: &TikTokClient,
    n: usize,
    path: &'static str,
) -> Vec<tokio::task::JoinHandle<Result<ApiResponse<Value>, TikTokError>>> {
    (0..n)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let app = app();
                let token = token();
                let request = ApiRequest::new(&app, &token, reqwest::Method::POST, path)
                    .shop("ROW_c", "shop-1")
                    .json(json!({}));
                client.call(request).await
            })
        })
        .collect()
}

/// Polls a condition about work in progress (never about clock time), for at most 10 s.
async fn wait_until(mut condition: impl FnMut() -> bool) {
    for _ in 0..10_000 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("condition not reached");
}

#[derive(Default)]
struct CountingGate(Mutex<Vec<QuotaKey>>);

impl QuotaGate for CountingGate {
    fn acquire<'a>(&'a self, key: &'a QuotaKey) -> BoxFuture<'a, ()> {
        self.0.lock().unwrap().push(key.clone());
        Box::pin(async {})
    }
}

#[tokio::test]
async fn the_quota_gate_is_asked_before_each_attempt() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |_, i| match i {
        0 => fail(429, 36009002, "slow down"),
        _ => ok(json!({})),
    })
    .await;
    let gate = Arc::new(CountingGate::default());
    let client = TikTokClient::new(
        server.hosts(),
        options(3, RateLimits::default()),
        Arc::new(clock.clone()),
    )
    .with_quota_gate(gate.clone());
    let _advance = AutoAdvance::start(clock.clone());
    let app = app();
    let token = token();
    let request = ApiRequest::new(
        &app,
        &token,
        reqwest::Method::GET,
        "/fulfillment/202309/packages/9",
    )
    .shop("ROW_c", "shop-7");
    client.call::<Value>(request).await.unwrap();
    let keys = gate.0.lock().unwrap().clone();
    let want = QuotaKey {
        shop_key: Some("shop-7".into()),
        app_key: APP_KEY.into(),
        category: ApiCategory::Fulfillment,
    };
    assert_eq!(keys, vec![want.clone(), want]);
}

/// A writer the log capture shares with the test.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_debug_and_errors_never_show_a_secret_token_or_signature() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |r, i| {
        if r.path.starts_with("/api/v2/token/") {
            // A host that echoes what it got must not get it into our messages.
            return fail(
                200,
                36004005,
                &format!(
                    "no authorization for {}",
                    r.param("app_secret").unwrap_or("")
                ),
            );
        }
        match i {
            0 => fail(
                200,
                105001,
                &format!("invalid token {}", r.headers["x-tts-access-token"]),
            ),
            _ => ok(json!({"ok": true})),
        }
    })
    .await;
    let client = TikTokClient::new(
        server.hosts(),
        options(1, RateLimits::default()),
        Arc::new(clock.clone()),
    );
    let app = app();
    let token = token();
    let refresh = SecretString::from(REFRESH_TOKEN);

    let mut shown = String::new();
    let e1 = client
        .call::<Value>(
            ApiRequest::new(&app, &token, reqwest::Method::GET, "/order/202309/orders")
                .shop("ROW_c", "s"),
        )
        .await
        .unwrap_err();
    assert_eq!(e1.kind(), ErrorKind::AccessTokenInvalid);
    client
        .call::<Value>(
            ApiRequest::new(&app, &token, reqwest::Method::GET, "/order/202309/orders")
                .shop("ROW_c", "s"),
        )
        .await
        .unwrap();
    let e2 = client.refresh_token(&app, &refresh).await.unwrap_err();
    assert_eq!(e2.kind(), ErrorKind::AuthorizationGone);
    let e3 = client.get_token(&app, AUTH_CODE).await.unwrap_err();
    let request = ApiRequest::new(&app, &token, reqwest::Method::GET, "/x");
    for e in [&e1, &e2, &e3] {
        shown.push_str(&format!("{e}\n{e:?}\n"));
    }
    shown.push_str(&format!("{app:?}\n{request:?}\n{client:?}\n"));
    shown.push_str(&String::from_utf8(capture.0.lock().unwrap().clone()).unwrap());

    let signs: Vec<String> = server
        .requests()
        .iter()
        .filter_map(|r| r.param("sign").map(str::to_owned))
        .collect();
    assert_eq!(signs.len(), 2);
    assert!(
        shown.contains("/order/202309/orders"),
        "the calls were logged: {shown}"
    );
    assert!(
        shown.contains("req-ok") && shown.contains("req-fail"),
        "with request ids: {shown}"
    );
    for secret in [APP_SECRET, ACCESS_TOKEN, REFRESH_TOKEN, AUTH_CODE]
        .into_iter()
        .chain(signs.iter().map(String::as_str))
    {
        assert!(!shown.contains(secret), "{secret} shown in:\n{shown}");
    }
}

#[tokio::test]
async fn a_token_call_tiktok_may_have_acted_on_is_not_sent_again() {
    let clock = manual_clock();
    let _advance = AutoAdvance::start(clock.clone());
    let server = TestServer::start(Arc::new(clock.clone()), |_, _| {
        fail(500, 36009003, "internal error")
    })
    .await;
    let client = TikTokClient::new(
        server.hosts(),
        options(4, no_limits()),
        Arc::new(clock.clone()),
    );
    let app = app();
    let err = client
        .refresh_token(&app, &SecretString::from(REFRESH_TOKEN))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert!(!err.never_acted());
    assert_eq!(server.requests().len(), 1, "a refresh token is spent once");
    let err = client.get_token(&app, AUTH_CODE).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert_eq!(server.requests().len(), 2, "so is an authorization code");
    // A signed API call is retried as before.
    let token = token();
    let request = ApiRequest::new(&app, &token, reqwest::Method::GET, "/order/202309/orders");
    client.call::<Value>(request).await.unwrap_err();
    assert_eq!(server.requests().len(), 2 + 4);
}

#[tokio::test]
async fn a_token_call_that_never_connected_is_sent_again() {
    let hosts = unreachable_hosts();
    let clock = manual_clock();
    let started = clock.now();
    let _advance = AutoAdvance::start(clock.clone());
    let client = TikTokClient::new(hosts, options(3, no_limits()), Arc::new(clock.clone()));
    let err = client
        .refresh_token(&app(), &SecretString::from(REFRESH_TOKEN))
        .await
        .unwrap_err();
    assert!(err.never_acted(), "{err:?}");
    // Each retry waits out a back-off on the clock (at least half the 1 s base, then 1 s).
    assert!(
        clock.now() - started >= chrono::Duration::milliseconds(1500),
        "it waited and tried again: {}",
        clock.now() - started
    );
}

#[test]
fn the_worst_case_of_a_call_covers_every_timeout_and_back_off() {
    let client = TikTokClient::new(
        unreachable_hosts(),
        options(5, no_limits()),
        Arc::new(manual_clock()),
    );
    let policy = RetryPolicy::default();
    let longest_waits: Duration = (0..4)
        .map(|n| (0..200).map(|_| policy.delay(n)).max().unwrap())
        .sum();
    assert!(
        client.worst_case_call() >= Duration::from_secs(5) * 5 + longest_waits,
        "{:?}",
        client.worst_case_call()
    );
    assert!(client.worst_case_call() < Duration::from_secs(120));
}
