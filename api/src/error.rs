//! One error type for the whole service: what went wrong in the service's words (its [`Kind`], a
//! stable code, a message with the next step, details). The edge (`routes/error.rs`) gives each kind
//! its HTTP status and renders the envelope of design.md:
//! `{"error": {"code", "message", "details", "request_id"}}`.
//!
//! Errors of the caller's request say what to fix. Errors on our side are logged in full with the
//! request id and answered with an opaque message, so internals never leak.

use serde::Serialize;
use utoipa::ToSchema;

use crate::telemetry::current_request_id;
use crate::tiktok::TikTokError;

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

/// What went wrong, in a stable machine code and a human message with the next step.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "invalid_field", "message": "region: `XX` is not a supported region; use one of US, UK, ID, SG, MY, TH, VN, PH", "details": [{"field": "region"}], "request_id": "5f0c6c1e-1b7e-4a53-9a43-2f0e8f3e2a10"}))]
pub struct ErrorBody {
    /// Stable snake_case reason, e.g. `invalid_field`, `not_found`, `forbidden`.
    pub code: String,
    /// What went wrong and what to do.
    pub message: String,
    /// Extra structured facts: the field at fault, or TikTok's code, message and request_id.
    pub details: Vec<serde_json::Value>,
    /// The request id, also in the `x-request-id` header and on every log line of the request.
    pub request_id: String,
}

/// The error code of a write whose outcome at TikTok is unknown (its answer was lost): like an
/// internal error, it frees its `Idempotency-Key`, so the same request can be sent again and settle it.
pub const OUTCOME_UNKNOWN: &str = "tiktok_outcome_unknown";

/// What kind of failure: the caller's request, or our side's, or TikTok's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The request is malformed or a field is wrong.
    Invalid,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    /// The request (its body) did not arrive in time.
    Timeout,
    /// The request conflicts with the state of things (a reused key, a disabled area, a refusal).
    Conflict,
    TooLarge,
    UnsupportedMediaType,
    /// TikTok refused what was asked.
    Refused,
    TooManyRequests,
    /// Our side failed.
    Internal,
    /// TikTok failed or could not be reached.
    Upstream,
    /// Not available now; try again later.
    Unavailable,
    /// TikTok did not answer in time.
    UpstreamTimeout,
}

impl Kind {
    /// Our side or TikTok's failed, not the caller's request: the same request may succeed later.
    pub fn is_server_side(self) -> bool {
        matches!(
            self,
            Kind::Internal | Kind::Upstream | Kind::Unavailable | Kind::UpstreamTimeout
        )
    }
}

#[derive(Debug)]
pub struct Error {
    pub kind: Kind,
    pub code: &'static str,
    pub message: String,
    pub details: Vec<serde_json::Value>,
    /// The cause of a 5xx, for the log only.
    internal: Option<anyhow::Error>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: Kind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
            details: Vec::new(),
            internal: None,
        }
    }

    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.details.push(detail);
        self
    }

    /// A field of the request is invalid; the message names the field.
    pub fn invalid_field(field: &str, problem: impl std::fmt::Display) -> Self {
        Self::new(
            Kind::Invalid,
            "invalid_field",
            format!("{field}: {problem}"),
        )
        .with_detail(serde_json::json!({ "field": field }))
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Kind::Invalid, code, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            Kind::NotFound,
            "not_found",
            format!(
                "{what} was not found; check the id (it may belong to another tenant or have been deleted)"
            ),
        )
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Kind::Conflict, code, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(Kind::Unauthorized, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(Kind::Forbidden, "forbidden", message)
    }

    /// Something on our side failed; the cause is logged, the caller sees an opaque message.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self {
            kind: Kind::Internal,
            code: "internal_error",
            message: "an internal error occurred; retry later, and give the request_id to support if it persists"
                .into(),
            details: Vec::new(),
            internal: Some(cause.into()),
        }
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(Kind::Unavailable, "unavailable", message)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::internal(anyhow::Error::new(e).context("database call failed"))
    }
}

impl Error {
    /// The body this error answers with.
    pub fn envelope(&self) -> ErrorEnvelope {
        ErrorEnvelope {
            error: ErrorBody {
                code: self.code.to_owned(),
                message: self.message.clone(),
                details: self.details.clone(),
                request_id: current_request_id(),
            },
        }
    }

    /// The cause of an error on our side, for the log.
    pub fn cause(&self) -> Option<&anyhow::Error> {
        self.internal.as_ref()
    }

    /// TikTok's request id, when TikTok refused the call.
    pub fn tiktok_request_id(&self) -> Option<String> {
        self.details
            .iter()
            .find_map(|d| d["tiktok_request_id"].as_str().map(str::to_owned))
    }
}

/// TikTok's refusal as our error: `details` carries TikTok's code, message and request_id.
pub fn tiktok_to_api(e: TikTokError) -> Error {
    use crate::tiktok::ErrorKind;
    let (kind, code, next) = match e.kind() {
        ErrorKind::InvalidRequest => (
            Kind::Refused,
            "tiktok_refused",
            "check the request against TikTok's rules",
        ),
        ErrorKind::ScopeMissing => (
            Kind::Conflict,
            "tiktok_scope_missing",
            "the app lacks the scope for this API: enable it in TikTok Partner Center and authorize again",
        ),
        ErrorKind::InvalidSign => (
            Kind::Upstream,
            "tiktok_signature_rejected",
            "TikTok rejected our signature: check the shop's app secret",
        ),
        ErrorKind::RateLimited => (
            Kind::Unavailable,
            "tiktok_rate_limited",
            "retry in a minute",
        ),
        ErrorKind::Transient | ErrorKind::Other => {
            (Kind::Upstream, "tiktok_unavailable", "retry later")
        }
        ErrorKind::AccessTokenExpired
        | ErrorKind::AccessTokenInvalid
        | ErrorKind::AuthorizationGone => (
            Kind::Conflict,
            "reauthorization_required",
            "an admin must connect the shop again",
        ),
    };
    let mut detail = serde_json::json!({"tiktok_message": e.message()});
    if let Some(c) = e.code() {
        detail["tiktok_code"] = c.into();
    }
    if let Some(r) = e.request_id() {
        detail["tiktok_request_id"] = r.into();
    }
    Error::new(kind, code, format!("{e}; {next}")).with_detail(detail)
}
