//! The protocol layer every API route goes through: fault injection, app key, timestamp window,
//! signature, access token, shop cipher, rate limits, the `{code, message, request_id, data}` envelope,
//! and the request log.
//!
//! A route is registered with [`op`] and written as a plain function over a [`Ctx`]:
//!
//! ```ignore
//! pub fn configure(cfg: &mut web::ServiceConfig) {
//!     op(cfg, Method::GET, "/logistics/202309/warehouses", Category::Logistics, Scope::Shop, warehouses);
//! }
//! fn warehouses(ctx: &mut Ctx) -> ApiResult {
//!     let shop = ctx.shop_id()?;
//!     ctx.with_world(|w| Ok(json!({"warehouses": /* … */ []})))
//! }
//! ```
//!
//! By the time the handler runs, the caller is authenticated and, for [`Scope::Shop`], the shop is one
//! the token's authorization covers (`ctx.shop_id()`). The handler answers `Ok(data)` (code 0) or an
//! [`ApiError`]; it never builds HTTP responses itself.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::sign;
use crate::state::{App, Authorization, RequestRecord, SandboxState};
use crate::world::{Id, World, parse_id};

/// TikTok's error codes the sandbox answers with.
pub mod codes {
    pub const OK: i64 = 0;
    /// Invalid access token (unknown, revoked, another app's).
    pub const TOKEN_INVALID: i64 = 105001;
    pub const TOKEN_EXPIRED: i64 = 105002;
    /// The app lacks the scope for this API.
    pub const SCOPE_MISSING: i64 = 105005;
    pub const SIGN_INVALID: i64 = 106001;
    pub const CIPHER_MISSING: i64 = 106013;
    pub const TOO_MANY_REQUESTS: i64 = 36009002;
    pub const INTERNAL_ERROR: i64 = 36009003;
    /// Invalid parameter; also a bad timestamp, an unknown app key, an unexpected `shop_cipher`.
    pub const INVALID_PARAMETER: i64 = 36009004;
    pub const TIMEOUT: i64 = 36009007;
    pub const INVALID_PATH: i64 = 36009009;
    pub const INVALID_METHOD: i64 = 36009010;
    pub const INVALID_VERSION: i64 = 36009014;
    /// Token endpoints: no such authorization / the auth code is invalid, used or expired.
    pub const AUTH_NOT_FOUND: i64 = 36004005;
    /// Token endpoints: the refresh token is expired or invalid.
    pub const REFRESH_TOKEN_INVALID: i64 = 36004001;

    // Business errors. TikTok's per-area codes are not in our reference; these are the sandbox's own,
    // stable, and listed in the README.
    pub const PRODUCT_NOT_FOUND: i64 = 12052048;
    pub const SKU_NOT_FOUND: i64 = 12052049;
    pub const CATEGORY_NOT_LEAF: i64 = 12019018;
    pub const CATEGORY_NOT_FOUND: i64 = 12019017;
    pub const PRODUCT_STATUS_NOT_ALLOWED: i64 = 12052220;
    pub const WAREHOUSE_NOT_FOUND: i64 = 12052230;
    pub const STOCK_INVALID: i64 = 12052231;
    /// An inventory update names a sales warehouse not assigned to the SKU (code assumed).
    pub const WAREHOUSE_NOT_ASSIGNED: i64 = 12052232;
    /// An inventory update leaves out a warehouse assigned to the SKU (code assumed).
    pub const WAREHOUSE_MISSING: i64 = 12052233;
    pub const ORDER_NOT_FOUND: i64 = 21011001;
    pub const PACKAGE_NOT_FOUND: i64 = 21011002;
    pub const ORDER_STATUS_NOT_ALLOWED: i64 = 21011003;
    pub const ORDER_CANCELLED: i64 = 21011004;
    pub const ORDER_ALREADY_SHIPPED: i64 = 21011005;
    pub const SHIPPING_PROVIDER_INVALID: i64 = 21011006;
    pub const DELIVERY_OPTION_NOT_FOUND: i64 = 21011007;
    pub const CANCEL_NOT_ALLOWED: i64 = 25001001;
    pub const RETURN_NOT_FOUND: i64 = 25001002;
    pub const CANCELLATION_NOT_FOUND: i64 = 25001003;
    pub const PROMOTION_NOT_FOUND: i64 = 17000001;
}

/// A refusal: the envelope's code and message, and the HTTP status it travels with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub code: i64,
    pub message: String,
    pub http: u16,
}

pub type ApiResult = Result<Value, ApiError>;

impl ApiError {
    pub fn new(code: i64, http: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            http,
        }
    }

    /// 36009004, HTTP 400.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(codes::INVALID_PARAMETER, 400, message)
    }

    /// A business refusal (HTTP 200 with a non-zero code, as the real service answers).
    pub fn business(code: i64, message: impl Into<String>) -> ApiError {
        ApiError::new(code, 200, message)
    }

    /// 36009003, HTTP 500; the message is opaque.
    pub fn internal() -> ApiError {
        ApiError::new(
            codes::INTERNAL_ERROR,
            500,
            "Internal error, please try again later.",
        )
    }

    pub fn too_many() -> ApiError {
        ApiError::new(
            codes::TOO_MANY_REQUESTS,
            429,
            "Too many requests: the rate limit was exceeded, please retry later.",
        )
    }
}

/// The API category a path belongs to: rate limits count per shop per category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Authorization,
    Seller,
    Products,
    Orders,
    Fulfillment,
    Logistics,
    Returns,
    Promotions,
    Analytics,
    Affiliate,
    Events,
    Finance,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Authorization => "authorization",
            Category::Seller => "seller",
            Category::Products => "products",
            Category::Orders => "orders",
            Category::Fulfillment => "fulfillment",
            Category::Logistics => "logistics",
            Category::Returns => "returns",
            Category::Promotions => "promotions",
            Category::Analytics => "analytics",
            Category::Affiliate => "affiliate",
            Category::Events => "events",
            Category::Finance => "finance",
        }
    }
}

/// Whether a path is about one shop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// `shop_cipher` required (missing → 106013) and must be a shop the token covers.
    Shop,
    /// `/authorization/*` and `/seller/*`: `shop_cipher` refused (→ 36009004).
    NoShop,
}

/// A route handler: runs after the protocol checks passed.
pub type Handler = fn(&mut Ctx) -> ApiResult;

/// What a handler gets.
pub struct Ctx<'a> {
    pub state: &'a SandboxState,
    pub req: &'a HttpRequest,
    pub app: App,
    pub authorization: Authorization,
    /// The shop named by `shop_cipher` (shop-scoped paths only).
    pub shop: Option<Id>,
    /// Query parameters in order of appearance (decoded).
    pub query: Vec<(String, String)>,
    pub body: &'a [u8],
    /// Sandbox-clock unix seconds when the request arrived.
    pub now: i64,
    pub request_id: String,
    /// The version segment of the path ("202309", "202502", …).
    pub version: String,
}

impl Ctx<'_> {
    /// The shop the call is for (`Scope::Shop` routes always have one).
    pub fn shop_id(&self) -> Result<Id, ApiError> {
        self.shop
            .ok_or_else(|| ApiError::new(codes::CIPHER_MISSING, 400, "shop_cipher is required."))
    }

    /// A path parameter as registered (`{product_id}` → `path("product_id")`).
    pub fn path(&self, name: &str) -> Option<&str> {
        self.req.match_info().get(name)
    }

    /// A path parameter that must be an id.
    pub fn path_id(&self, name: &str) -> Result<Id, ApiError> {
        let raw = self.path(name).unwrap_or("");
        parse_id(raw).ok_or_else(|| ApiError::invalid(format!("Invalid {name}: {raw:?}.")))
    }

    /// The first value of a query parameter.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// All values of a query parameter, each split on `,` (arrays come as `ids=a,b` or repeated keys).
    pub fn query_list(&self, name: &str) -> Vec<String> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// `page_size` from the query, required and within `min..=max` (36009004 otherwise).
    pub fn page_size(&self, min: usize, max: usize) -> Result<usize, ApiError> {
        let raw = self
            .query("page_size")
            .ok_or_else(|| ApiError::invalid("page_size is required."))?;
        match raw.parse::<usize>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::invalid(format!(
                "page_size must be between {min} and {max}, got {raw:?}."
            ))),
        }
    }

    /// The JSON body; an empty body reads as `{}`. Malformed JSON or a wrong shape → 36009004.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let body = if self.body.iter().all(|b| b.is_ascii_whitespace()) {
            &b"{}"[..]
        } else {
            self.body
        };
        serde_json::from_slice(body)
            .map_err(|e| ApiError::invalid(format!("Invalid request body: {e}.")))
    }

    /// The body as a JSON object (`{}` when empty).
    pub fn json_value(&self) -> Result<Value, ApiError> {
        let v: Value = self.json()?;
        if v.is_object() {
            Ok(v)
        } else {
            Err(ApiError::invalid("The request body must be a JSON object."))
        }
    }

    /// Runs `f` on the world (see [`SandboxState::with_world`]).
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        self.state.with_world(f)
    }
}

/// Known operations (method, path pattern), for telling an unknown path from an unknown version or
/// method. Filled by [`op`].
static KNOWN: Mutex<BTreeSet<(String, String)>> = Mutex::new(BTreeSet::new());

/// Every API route registered so far, as (method, pattern): what a test walks.
pub fn registered_routes() -> Vec<(String, String)> {
    KNOWN
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .cloned()
        .collect()
}

/// Registers an API route: `handler` runs behind the protocol checks for `category` and `scope`.
/// `path` is an actix pattern with the version in its second segment (`/order/202309/orders/{id}`).
pub fn op(
    cfg: &mut web::ServiceConfig,
    method: Method,
    path: &'static str,
    category: Category,
    scope: Scope,
    handler: Handler,
) {
    KNOWN
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert((method.to_string(), path.to_string()));
    cfg.route(
        path,
        web::method(method).to(
            move |req: HttpRequest, body: web::Bytes, state: web::Data<SandboxState>| async move {
                serve(&state, &req, &body, category, scope, handler).await
            },
        ),
    );
}

fn segments_match(pattern: &str, path: &str, ignore_version: bool) -> bool {
    let p: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let q: Vec<&str> = path.trim_matches('/').split('/').collect();
    if p.len() != q.len() {
        return false;
    }
    p.iter().zip(&q).enumerate().all(|(i, (a, b))| {
        (a.starts_with('{') && a.ends_with('}') && !b.is_empty())
            || a == b
            || (ignore_version && i == 1 && b.len() == 6 && b.bytes().all(|c| c.is_ascii_digit()))
    })
}

/// Classifies a request that no route took: (code, HTTP status, message).
pub fn classify_unmatched(method: &Method, path: &str) -> (i64, u16, String) {
    let known = KNOWN.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if known.iter().any(|(_, p)| segments_match(p, path, false)) {
        return (
            codes::INVALID_METHOD,
            405,
            format!("Method {method} is not allowed for path {path}."),
        );
    }
    if known.iter().any(|(_, p)| segments_match(p, path, true)) {
        return (
            codes::INVALID_VERSION,
            404,
            format!(
                "Invalid version in path {path}: this operation is not served at that version."
            ),
        );
    }
    (codes::INVALID_PATH, 404, format!("Invalid path: {path}."))
}

/// Answers a request that no route matched (the App's default service).
pub async fn unmatched(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<SandboxState>,
) -> HttpResponse {
    let (code, http, message) = classify_unmatched(req.method(), req.path());
    let request_id = new_request_id(&state);
    let resp = envelope_response(http, code, &message, &request_id, Value::Null);
    log(&state, &req, &body, code, http, &request_id, None, None);
    resp
}

/// A request id like TikTok's: the sandbox-clock time and a counter in hex.
pub fn new_request_id(state: &SandboxState) -> String {
    let seq = state.next_request_seq();
    let t = chrono::DateTime::from_timestamp(state.now(), 0).unwrap_or_default();
    format!(
        "{}{:020X}",
        t.format("%Y%m%d%H%M%S"),
        seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 1
    )
}

/// The envelope body.
pub fn envelope(code: i64, message: &str, request_id: &str, data: Value) -> Value {
    json!({
        "code": code,
        "message": message,
        "request_id": request_id,
        "data": if code == 0 { without_nulls(data) } else { Value::Null },
    })
}

/// TikTok leaves an absent optional field out of its answers instead of sending `null`: every
/// object member whose value is `null` is dropped, at any depth (the routes build their answers
/// from `Option`s, which `json!` writes as `null`).
pub fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

pub fn envelope_response(
    http: u16,
    code: i64,
    message: &str,
    request_id: &str,
    data: Value,
) -> HttpResponse {
    HttpResponse::build(StatusCode::from_u16(http).unwrap_or(StatusCode::OK))
        .insert_header(("x-tt-logid", request_id))
        .content_type("application/json")
        .body(envelope(code, message, request_id, data).to_string())
}

/// Parses a raw query string into decoded pairs, keeping order and repeats.
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub fn log(
    state: &SandboxState,
    req: &HttpRequest,
    body: &[u8],
    code: i64,
    http: u16,
    request_id: &str,
    app_key: Option<String>,
    shop_id: Option<Id>,
) {
    let cut = body.len().min(64 * 1024);
    state.log_request(RequestRecord {
        seq: 0,
        time: state.now(),
        method: req.method().to_string(),
        path: req.path().to_string(),
        query: req.query_string().to_string(),
        body: String::from_utf8_lossy(&body[..cut]).into_owned(),
        code,
        http_status: http,
        request_id: request_id.to_string(),
        app_key,
        shop_id: shop_id.map(|s| s.to_string()),
    });
}

/// What the fault roll decided for one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    None,
    Error5xx,
    Rate429,
    Drop,
    Malformed,
}

fn roll_faults(state: &SandboxState) -> (Fault, Option<Duration>) {
    let f = state.faults();
    let slow = if f.slow_ms > 0 && f.slow_rate > 0.0 && state.fault_roll() < f.slow_rate {
        Some(Duration::from_millis(f.slow_ms))
    } else {
        None
    };
    let fault = if f.error_5xx > 0.0 && state.fault_roll() < f.error_5xx {
        Fault::Error5xx
    } else if f.rate_429 > 0.0 && state.fault_roll() < f.rate_429 {
        Fault::Rate429
    } else if f.drop_rate > 0.0 && state.fault_roll() < f.drop_rate {
        Fault::Drop
    } else if f.malformed_rate > 0.0 && state.fault_roll() < f.malformed_rate {
        Fault::Malformed
    } else {
        Fault::None
    };
    (fault, slow)
}

/// The version segment of an API path ("" when there is none).
pub fn path_version(path: &str) -> String {
    path.trim_matches('/')
        .split('/')
        .nth(1)
        .unwrap_or("")
        .to_string()
}

/// Whether to cut this call's answer (`drop_rate`), for hosts that honour only that fault (the token
/// host): one draw from the fault randomness, none when the rate is 0.
pub fn roll_drop(state: &SandboxState) -> bool {
    let rate = state.faults().drop_rate;
    rate > 0.0 && state.fault_roll() < rate
}

/// A response whose body stops short of its announced length: the client sees a cut connection.
pub fn dropped_response() -> HttpResponse {
    use futures_util::stream;
    let chunks: Vec<Result<web::Bytes, std::io::Error>> = vec![
        Ok(web::Bytes::from_static(b"{\"code\":0,\"mess")),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "sandbox fault: connection dropped",
        )),
    ];
    HttpResponse::Ok()
        .content_type("application/json")
        .streaming(stream::iter(chunks))
}

/// The protocol checks, in the real service's order; on success, who is calling and for which shop.
fn authenticate(
    state: &SandboxState,
    req: &HttpRequest,
    query: &[(String, String)],
    body: &[u8],
    scope: Scope,
    now: i64,
) -> Result<(App, Authorization, Option<Id>), (ApiError, Option<String>)> {
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let app_key = get("app_key").unwrap_or("");
    let app = state
        .app(app_key)
        .ok_or_else(|| (ApiError::invalid("Invalid app_key."), None))?;
    let with_app = |e: ApiError| (e, Some(app.app_key.clone()));
    let ts =
        get("timestamp").ok_or_else(|| with_app(ApiError::invalid("timestamp is required.")))?;
    let ts: i64 = ts
        .parse()
        .map_err(|_| with_app(ApiError::invalid("Invalid timestamp.")))?;
    if ts < now - 300 || ts > now + 30 {
        return Err(with_app(ApiError::invalid(
            "Invalid timestamp: the request has expired or is from the future; check the clock.",
        )));
    }
    let given = get("sign").unwrap_or("");
    let multipart = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !sign::verify(&app.app_secret, req.path(), query, body, multipart, given) {
        return Err(with_app(ApiError::new(
            codes::SIGN_INVALID,
            401,
            "Invalid credentials: the sign is wrong.",
        )));
    }
    let token = req
        .headers()
        .get("x-tts-access-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let authorization = {
        let auth = state.auth();
        let invalid = || {
            with_app(ApiError::new(
                codes::TOKEN_INVALID,
                401,
                "Invalid access token: check x-tts-access-token.",
            ))
        };
        if token.is_empty() {
            return Err(invalid());
        }
        let t = auth.access_tokens.get(token).ok_or_else(invalid)?;
        let a = auth
            .authorizations
            .get(&t.authorization_id)
            .ok_or_else(invalid)?;
        if a.revoked || a.app_key != app.app_key {
            return Err(invalid());
        }
        if now >= t.expires_at {
            return Err(with_app(ApiError::new(
                codes::TOKEN_EXPIRED,
                401,
                "The access token has expired: refresh it.",
            )));
        }
        a.clone()
    };
    let cipher = get("shop_cipher");
    let shop = match (scope, cipher) {
        (Scope::NoShop, Some(_)) => {
            return Err(with_app(ApiError::invalid(
                "shop_cipher must not be sent to this path.",
            )));
        }
        (Scope::NoShop, None) => None,
        (Scope::Shop, None) | (Scope::Shop, Some("")) => {
            return Err(with_app(ApiError::new(
                codes::CIPHER_MISSING,
                400,
                "shop_cipher is required for this path.",
            )));
        }
        (Scope::Shop, Some(c)) => {
            let shop_id = state
                .with_world(|w| w.shop_by_cipher(c).map(|s| s.id))
                .filter(|id| authorization.shop_ids.contains(id))
                .ok_or_else(|| {
                    with_app(ApiError::invalid(
                        "Invalid shop_cipher: not a shop this access token is authorized for.",
                    ))
                })?;
            Some(shop_id)
        }
    };
    Ok((app, authorization, shop))
}

/// Runs one API call through the protocol and the handler, and answers with the envelope.
pub async fn serve(
    state: &SandboxState,
    req: &HttpRequest,
    body: &[u8],
    category: Category,
    scope: Scope,
    handler: Handler,
) -> HttpResponse {
    let now = state.now();
    let request_id = new_request_id(state);
    let query = parse_query(req.query_string());
    let (fault, slow) = roll_faults(state);
    if let Some(d) = slow {
        tokio::time::sleep(d).await;
    }
    let early = match fault {
        Fault::Error5xx => Some(ApiError::internal()),
        Fault::Rate429 => Some(ApiError::too_many()),
        Fault::None | Fault::Drop | Fault::Malformed => None,
    };
    if let Some(e) = early {
        log(state, req, body, e.code, e.http, &request_id, None, None);
        return envelope_response(e.http, e.code, &e.message, &request_id, Value::Null);
    }

    let outcome = authenticate(state, req, &query, body, scope, now);
    let (app, authorization, shop) = match outcome {
        Ok(v) => v,
        Err((e, app_key)) => {
            log(state, req, body, e.code, e.http, &request_id, app_key, None);
            return envelope_response(e.http, e.code, &e.message, &request_id, Value::Null);
        }
    };

    let cfg = state.config();
    let limit_key = match shop {
        Some(s) => format!("shop:{s}:{}", category.as_str()),
        None => format!("auth:{}:{}", authorization.id, category.as_str()),
    };
    if !state.rate_check(&format!("app:{}", app.app_key), cfg.app_rate_limit)
        || !state.rate_check(&limit_key, cfg.rate_limit)
    {
        let e = ApiError::too_many();
        log(
            state,
            req,
            body,
            e.code,
            e.http,
            &request_id,
            Some(app.app_key),
            shop,
        );
        return envelope_response(e.http, e.code, &e.message, &request_id, Value::Null);
    }

    let app_key = app.app_key.clone();
    let mut ctx = Ctx {
        state,
        req,
        app,
        authorization,
        shop,
        query,
        body,
        now,
        request_id: request_id.clone(),
        version: path_version(req.path()),
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(&mut ctx)))
        .unwrap_or_else(|_| {
            tracing::error!(path = %req.path(), %request_id, "sandbox handler panicked");
            Err(ApiError::internal())
        });
    let (http, code, message, data) = match result {
        Ok(data) => (200, 0, "Success".to_string(), data),
        Err(e) => (e.http, e.code, e.message, Value::Null),
    };
    log(
        state,
        req,
        body,
        code,
        http,
        &request_id,
        Some(app_key),
        shop,
    );
    match fault {
        Fault::Drop => dropped_response(),
        Fault::Malformed => HttpResponse::Ok()
            .content_type("application/json")
            .insert_header(("x-tt-logid", request_id.as_str()))
            .body(format!(
                "{{\"code\":0,\"message\":\"Success\",\"request_id\":\"{request_id}\",\"data\":{{\"trunc"
            )),
        Fault::None | Fault::Error5xx | Fault::Rate429 => {
            envelope_response(http, code, &message, &request_id, data)
        }
    }
}

/// Reads a JSON string-or-number id field (`"123"` or `123`).
pub fn json_id(v: &Value) -> Option<Id> {
    match v {
        Value::String(s) => parse_id(s),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// Reads a page token produced by [`page_token`]: (sort value, id).
pub fn parse_page_token(token: &str) -> Result<(i64, Id), ApiError> {
    let bad = || ApiError::invalid("Invalid page_token.");
    let raw = hex::decode(token).map_err(|_| bad())?;
    let s = String::from_utf8(raw).map_err(|_| bad())?;
    let (a, b) = s.split_once(':').ok_or_else(bad)?;
    Ok((a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?))
}

/// An opaque page token that continues after (sort value, id).
pub fn page_token(sort_value: i64, id: Id) -> String {
    hex::encode(format!("{sort_value}:{id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip() {
        let t = page_token(1_700_000_000, 576461413038785752);
        assert_eq!(
            parse_page_token(&t).unwrap(),
            (1_700_000_000, 576461413038785752)
        );
        assert!(parse_page_token("zz").is_err());
        assert!(parse_page_token("").is_err());
    }

    #[test]
    fn envelope_has_null_data_on_failure() {
        let e = envelope(106001, "bad", "rid", json!({"x": 1}));
        assert_eq!(e["data"], Value::Null);
        let ok = envelope(0, "Success", "rid", json!({"x": 1}));
        let absent = envelope(
            0,
            "Success",
            "rid",
            json!({"video": null, "skus": [{"id": "1", "price": null, "list": [null]}], "n": 0}),
        );
        assert_eq!(
            absent["data"],
            json!({"skus": [{"id": "1", "list": [null]}], "n": 0}),
            "absent optional members are left out, at any depth"
        );
        assert_eq!(ok["data"]["x"], 1);
        assert_eq!(ok["request_id"], "rid");
    }

    #[test]
    fn segment_matching_tells_version_from_path() {
        assert!(segments_match(
            "/product/202309/products/{product_id}",
            "/product/202309/products/123",
            false
        ));
        assert!(!segments_match(
            "/product/202309/products/{product_id}",
            "/product/202401/products/123",
            false
        ));
        assert!(segments_match(
            "/product/202309/products/{product_id}",
            "/product/202401/products/123",
            true
        ));
        assert!(!segments_match(
            "/product/202309/products/{product_id}",
            "/product/202309/products",
            true
        ));
    }
}
