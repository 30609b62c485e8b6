//! What can go wrong talking to TikTok, and what the caller should do about it ([`ErrorKind`]).
//!
//! Every message here is safe to log and to show: the transport strips URLs (their queries hold
//! signatures and, on the token host, the app secret) and redacts the call's secrets from anything
//! TikTok or the network stack said.

use std::fmt;

/// TikTok's error codes that the client acts on (tiktok-api.md, "Response envelope and errors").
pub mod codes {
    pub const INVALID_ACCESS_TOKEN_LEGACY: i64 = 101000;
    pub const INVALID_ACCESS_TOKEN: i64 = 105001;
    pub const ACCESS_TOKEN_EXPIRED: i64 = 105002;
    pub const SCOPE_MISSING: i64 = 105005;
    pub const INVALID_SIGN: i64 = 106001;
    pub const SHOP_CIPHER_MISSING: i64 = 106013;
    pub const TOO_MANY_REQUESTS: i64 = 36009002;
    pub const INTERNAL_ERROR: i64 = 36009003;
    pub const INVALID_PARAMETER: i64 = 36009004;
    pub const GATEWAY_TIMEOUT: i64 = 36009007;
    pub const INVALID_PATH: i64 = 36009009;
    pub const INVALID_METHOD: i64 = 36009010;
    pub const INVALID_VERSION: i64 = 36009014;
    /// Token endpoints: no such authorization.
    pub const AUTHORIZATION_NOT_FOUND: i64 = 36004005;
    /// Token endpoints: the refresh token expired.
    pub const REFRESH_TOKEN_EXPIRED: i64 = 36004001;
}

/// The path prefix of the token get/refresh endpoints, where 36004001/36004005 mean "authorize again".
pub(crate) const TOKEN_PATH_PREFIX: &str = "/api/v2/token/";

/// What a failed call means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// 105002: refresh the token once and retry once.
    AccessTokenExpired,
    /// 105001, 101000: refresh once; if that fails, the shop needs authorizing again.
    AccessTokenInvalid,
    /// 105005: the app lacks the scope for this API; no retry.
    ScopeMissing,
    /// 106001: a bug or a wrong app secret; no retry.
    InvalidSign,
    /// 36009002 or HTTP 429: retried with back-off by the client.
    RateLimited,
    /// 36009003, 36009007, HTTP 5xx, timeouts, connection errors, an undecodable answer: retried.
    Transient,
    /// 36009004, 106013, 36009009/10/14 and other 4xx: the request is wrong; no retry.
    InvalidRequest,
    /// 36004005, 36004001 on the token endpoints: the seller must authorize again.
    AuthorizationGone,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// Stable snake_case name, for logs, metrics labels and API error details.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::AccessTokenExpired => "access_token_expired",
            ErrorKind::AccessTokenInvalid => "access_token_invalid",
            ErrorKind::ScopeMissing => "scope_missing",
            ErrorKind::InvalidSign => "invalid_sign",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Transient => "transient",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::AuthorizationGone => "authorization_gone",
            ErrorKind::Other => "other",
        }
    }

    /// Whether the client itself retries (with back-off) on this kind.
    pub fn is_retryable(self) -> bool {
        match self {
            ErrorKind::RateLimited | ErrorKind::Transient => true,
            ErrorKind::AccessTokenExpired
            | ErrorKind::AccessTokenInvalid
            | ErrorKind::ScopeMissing
            | ErrorKind::InvalidSign
            | ErrorKind::InvalidRequest
            | ErrorKind::AuthorizationGone
            | ErrorKind::Other => false,
        }
    }

    /// The kind for TikTok's `code` (when it answered with one) and the HTTP status.
    pub fn classify(path: &str, code: Option<i64>, status: Option<u16>) -> ErrorKind {
        use codes::*;
        let token_endpoint = path.starts_with(TOKEN_PATH_PREFIX);
        match code {
            Some(ACCESS_TOKEN_EXPIRED) => return ErrorKind::AccessTokenExpired,
            Some(INVALID_ACCESS_TOKEN | INVALID_ACCESS_TOKEN_LEGACY) => {
                return ErrorKind::AccessTokenInvalid;
            }
            Some(SCOPE_MISSING) => return ErrorKind::ScopeMissing,
            Some(INVALID_SIGN) => return ErrorKind::InvalidSign,
            Some(TOO_MANY_REQUESTS) => return ErrorKind::RateLimited,
            Some(INTERNAL_ERROR | GATEWAY_TIMEOUT) => return ErrorKind::Transient,
            Some(
                INVALID_PARAMETER | SHOP_CIPHER_MISSING | INVALID_PATH | INVALID_METHOD
                | INVALID_VERSION,
            ) => return ErrorKind::InvalidRequest,
            Some(AUTHORIZATION_NOT_FOUND | REFRESH_TOKEN_EXPIRED) if token_endpoint => {
                return ErrorKind::AuthorizationGone;
            }
            // Codes we do not know: the HTTP status decides.
            Some(_) | None => {}
        }
        match status {
            Some(429) => ErrorKind::RateLimited,
            Some(s) if s >= 500 => ErrorKind::Transient,
            Some(s) if s >= 400 => ErrorKind::InvalidRequest,
            // A business refusal ("a frozen product cannot be edited"): TikTok answers those with
            // HTTP 200 and its code; asking again would be refused again.
            _ if code.is_some_and(|c| c != 0) => ErrorKind::InvalidRequest,
            Some(_) | None => ErrorKind::Other,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed TikTok call. Carries TikTok's code, message and request_id when TikTok answered, the
/// HTTP status when there was one, and the path (never the query: it holds the signature).
#[derive(Debug, Clone, thiserror::Error)]
pub enum TikTokError {
    /// TikTok answered with its envelope and a `code` other than 0 (whatever the HTTP status).
    #[error(
        "TikTok refused {path}: code {code}: {message} (HTTP {status}, request_id {request_id})"
    )]
    Api {
        path: String,
        status: u16,
        code: i64,
        message: String,
        request_id: String,
    },
    /// An HTTP error status whose body is not TikTok's envelope (a proxy page, an empty 502…).
    #[error("TikTok answered HTTP {status} without its envelope for {path}")]
    Http { path: String, status: u16 },
    /// No answer within the client's timeout.
    #[error("TikTok did not answer {path} in time")]
    Timeout { path: String },
    /// Connecting, sending or reading failed. `unsent`: the connection was never made, so TikTok
    /// provably never saw the request.
    #[error("could not reach TikTok for {path}: {detail}")]
    Transport {
        path: String,
        detail: String,
        unsent: bool,
    },
    /// A success status whose body is not TikTok's envelope.
    #[error("TikTok's answer to {path} (HTTP {status}) is not its envelope: {detail}")]
    Undecodable {
        path: String,
        status: u16,
        detail: String,
    },
    /// TikTok said success (`code` 0) but `data` does not have the shape we expect: a wire-type bug
    /// or an API change, never retried (the call may have had an effect).
    #[error("TikTok's data for {path} has an unexpected shape (request_id {request_id}): {detail}")]
    UnexpectedData {
        path: String,
        request_id: String,
        detail: String,
    },
    /// We could not build the request (a bad path or base URL): a bug on our side.
    #[error("cannot build a request for {path}: {detail}")]
    InvalidInput { path: String, detail: String },
}

impl TikTokError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            TikTokError::Api {
                path, status, code, ..
            } => ErrorKind::classify(path, Some(*code), Some(*status)),
            TikTokError::Http { path, status } => ErrorKind::classify(path, None, Some(*status)),
            TikTokError::Timeout { .. }
            | TikTokError::Transport { .. }
            | TikTokError::Undecodable { .. } => ErrorKind::Transient,
            TikTokError::UnexpectedData { .. } | TikTokError::InvalidInput { .. } => {
                ErrorKind::Other
            }
        }
    }

    /// TikTok's error code, when it answered with its envelope.
    pub fn code(&self) -> Option<i64> {
        match self {
            TikTokError::Api { code, .. } => Some(*code),
            TikTokError::Http { .. }
            | TikTokError::Timeout { .. }
            | TikTokError::Transport { .. }
            | TikTokError::Undecodable { .. }
            | TikTokError::UnexpectedData { .. }
            | TikTokError::InvalidInput { .. } => None,
        }
    }

    /// TikTok's message, when it answered with its envelope.
    pub fn message(&self) -> Option<&str> {
        match self {
            TikTokError::Api { message, .. } => Some(message),
            TikTokError::Http { .. }
            | TikTokError::Timeout { .. }
            | TikTokError::Transport { .. }
            | TikTokError::Undecodable { .. }
            | TikTokError::UnexpectedData { .. }
            | TikTokError::InvalidInput { .. } => None,
        }
    }

    /// TikTok's request_id, when it answered with one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            TikTokError::Api { request_id, .. }
            | TikTokError::UnexpectedData { request_id, .. } => Some(request_id)
                .filter(|r| !r.is_empty())
                .map(String::as_str),
            TikTokError::Http { .. }
            | TikTokError::Timeout { .. }
            | TikTokError::Transport { .. }
            | TikTokError::Undecodable { .. }
            | TikTokError::InvalidInput { .. } => None,
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            TikTokError::Api { status, .. }
            | TikTokError::Http { status, .. }
            | TikTokError::Undecodable { status, .. } => Some(*status),
            TikTokError::UnexpectedData { .. } => Some(200),
            TikTokError::Timeout { .. }
            | TikTokError::Transport { .. }
            | TikTokError::InvalidInput { .. } => None,
        }
    }

    /// TikTok provably did not act on the request: the connection was never made, or TikTok
    /// refused it for the rate limit before doing anything. Only such a call may be sent again
    /// when its effect cannot repeat (a code exchange, a refresh token spent).
    pub fn never_acted(&self) -> bool {
        matches!(self, TikTokError::Transport { unsent: true, .. })
            || self.kind() == ErrorKind::RateLimited
    }

    /// The API path called (no host, no query).
    pub fn path(&self) -> &str {
        match self {
            TikTokError::Api { path, .. }
            | TikTokError::Http { path, .. }
            | TikTokError::Timeout { path }
            | TikTokError::Transport { path, .. }
            | TikTokError::Undecodable { path, .. }
            | TikTokError::UnexpectedData { path, .. }
            | TikTokError::InvalidInput { path, .. } => path,
        }
    }

    /// Replaces every occurrence of each secret in the free-text fields with `***`.
    pub(crate) fn redact(mut self, secrets: &[&str]) -> Self {
        let scrub = |text: &mut String| {
            for secret in secrets.iter().filter(|s| s.len() >= 4) {
                if text.contains(secret) {
                    *text = text.replace(secret, "***");
                }
            }
        };
        match &mut self {
            TikTokError::Api { message, .. } => scrub(message),
            TikTokError::Transport { detail, .. }
            | TikTokError::Undecodable { detail, .. }
            | TikTokError::UnexpectedData { detail, .. }
            | TikTokError::InvalidInput { detail, .. } => scrub(detail),
            TikTokError::Http { .. } | TikTokError::Timeout { .. } => {}
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_table() {
        use ErrorKind::*;
        let api = "/order/202309/orders";
        let token = "/api/v2/token/refresh";
        let cases: &[(&str, Option<i64>, Option<u16>, ErrorKind)] = &[
            (api, Some(105002), Some(200), AccessTokenExpired),
            (api, Some(105002), Some(401), AccessTokenExpired),
            (api, Some(105001), Some(200), AccessTokenInvalid),
            (api, Some(101000), Some(401), AccessTokenInvalid),
            (api, Some(105005), Some(403), ScopeMissing),
            (api, Some(106001), Some(401), InvalidSign),
            (api, Some(36009002), Some(429), RateLimited),
            (api, Some(36009002), Some(200), RateLimited),
            (api, None, Some(429), RateLimited),
            (api, Some(36009003), Some(500), Transient),
            (api, Some(36009007), Some(504), Transient),
            (api, Some(36009003), Some(200), Transient),
            (api, None, Some(500), Transient),
            (api, None, Some(503), Transient),
            (api, Some(36009004), Some(400), InvalidRequest),
            (api, Some(36009004), Some(200), InvalidRequest),
            (api, Some(106013), Some(200), InvalidRequest),
            (api, Some(36009009), Some(404), InvalidRequest),
            (api, Some(36009010), Some(405), InvalidRequest),
            (api, Some(36009014), Some(400), InvalidRequest),
            (api, None, Some(404), InvalidRequest),
            (api, Some(12345), Some(400), InvalidRequest),
            (api, Some(12345), Some(200), InvalidRequest),
            (api, None, Some(200), Other),
            (token, Some(36004005), Some(200), AuthorizationGone),
            (token, Some(36004001), Some(200), AuthorizationGone),
            (token, Some(36004001), Some(400), AuthorizationGone),
            // Outside the token endpoints these codes mean nothing documented: a refusal like any
            // other unknown code TikTok answers with HTTP 200.
            (api, Some(36004001), Some(200), InvalidRequest),
            (token, Some(36009003), Some(500), Transient),
        ];
        for (path, code, status, want) in cases {
            assert_eq!(
                ErrorKind::classify(path, *code, *status),
                *want,
                "{path} code {code:?} status {status:?}"
            );
        }
    }

    #[test]
    fn only_a_call_tiktok_never_acted_on_counts_as_unsent() {
        let p = || "/api/v2/token/refresh".to_owned();
        let transport = |unsent| TikTokError::Transport {
            path: p(),
            detail: "x".into(),
            unsent,
        };
        assert!(transport(true).never_acted(), "never connected");
        assert!(!transport(false).never_acted(), "cut after sending");
        assert!(!TikTokError::Timeout { path: p() }.never_acted());
        assert!(
            !TikTokError::Http {
                path: p(),
                status: 502
            }
            .never_acted()
        );
        assert!(
            TikTokError::Http {
                path: p(),
                status: 429
            }
            .never_acted(),
            "refused for the rate limit"
        );
        assert!(
            !TikTokError::Undecodable {
                path: p(),
                status: 200,
                detail: "cut".into()
            }
            .never_acted()
        );
    }

    #[test]
    fn error_variants_classify() {
        let p = || "/product/202309/products".to_owned();
        assert_eq!(
            TikTokError::Timeout { path: p() }.kind(),
            ErrorKind::Transient
        );
        assert_eq!(
            TikTokError::Transport {
                path: p(),
                detail: "connection refused".into(),
                unsent: true,
            }
            .kind(),
            ErrorKind::Transient
        );
        assert_eq!(
            TikTokError::Undecodable {
                path: p(),
                status: 200,
                detail: "x".into()
            }
            .kind(),
            ErrorKind::Transient
        );
        assert_eq!(
            TikTokError::Http {
                path: p(),
                status: 502
            }
            .kind(),
            ErrorKind::Transient
        );
        assert_eq!(
            TikTokError::Http {
                path: p(),
                status: 429
            }
            .kind(),
            ErrorKind::RateLimited
        );
        assert_eq!(
            TikTokError::UnexpectedData {
                path: p(),
                request_id: "r".into(),
                detail: "x".into()
            }
            .kind(),
            ErrorKind::Other
        );
        assert!(ErrorKind::RateLimited.is_retryable());
        assert!(ErrorKind::Transient.is_retryable());
        assert!(!ErrorKind::InvalidRequest.is_retryable());
        assert!(!ErrorKind::AccessTokenExpired.is_retryable());
    }

    #[test]
    fn redaction_removes_secrets_from_messages() {
        let e = TikTokError::Api {
            path: "/p".into(),
            status: 401,
            code: 105001,
            message: "token TTP_secret_token_value is invalid".into(),
            request_id: "req".into(),
        }
        .redact(&["TTP_secret_token_value"]);
        assert!(!e.to_string().contains("TTP_secret_token_value"));
        assert!(!format!("{e:?}").contains("TTP_secret_token_value"));
        assert_eq!(e.request_id(), Some("req"));
        assert_eq!(e.code(), Some(105001));
    }
}
