//! One error type for the whole API, rendered as the envelope of design.md:
//! `{"error": {"code", "message", "details", "request_id"}}`.
//!
//! 4xx errors say what to fix. 5xx errors are logged in full with the request id and answered with an
//! opaque message, so internals never leak.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
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

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Vec<serde_json::Value>,
    /// The cause of a 5xx, for the log only.
    internal: Option<anyhow::Error>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
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
            StatusCode::BAD_REQUEST,
            "invalid_field",
            format!("{field}: {problem}"),
        )
        .with_detail(serde_json::json!({ "field": field }))
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!(
                "{what} was not found; check the id (it may belong to another tenant or have been deleted)"
            ),
        )
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// Something on our side failed; the cause is logged, the caller sees an opaque message.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal_error",
            message: "an internal error occurred; retry later, and give the request_id to support if it persists"
                .into(),
            details: Vec::new(),
            internal: Some(cause.into()),
        }
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::internal(anyhow::Error::new(e).context("database call failed"))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(cause) = &self.internal {
            tracing::error!(
                error = format!("{cause:#}"),
                code = self.code,
                "request failed"
            );
        } else if self.status.is_server_error() {
            tracing::error!(code = self.code, message = %self.message, "request failed");
        }
        HttpResponse::build(self.status).json(self.envelope())
    }
}

impl ApiError {
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

    /// TikTok's request id, when TikTok refused the call.
    pub fn tiktok_request_id(&self) -> Option<String> {
        self.details
            .iter()
            .find_map(|d| d["tiktok_request_id"].as_str().map(str::to_owned))
    }
}

/// TikTok's refusal as our error: `details` carries TikTok's code, message and request_id.
pub fn tiktok_to_api(e: TikTokError) -> ApiError {
    use crate::tiktok::ErrorKind;
    let (status, code, next) = match e.kind() {
        ErrorKind::InvalidRequest => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "tiktok_refused",
            "check the request against TikTok's rules",
        ),
        ErrorKind::ScopeMissing => (
            StatusCode::CONFLICT,
            "tiktok_scope_missing",
            "the app lacks the scope for this API: enable it in TikTok Partner Center and authorize again",
        ),
        ErrorKind::InvalidSign => (
            StatusCode::BAD_GATEWAY,
            "tiktok_signature_rejected",
            "TikTok rejected our signature: check the shop's app secret",
        ),
        ErrorKind::RateLimited => (
            StatusCode::SERVICE_UNAVAILABLE,
            "tiktok_rate_limited",
            "retry in a minute",
        ),
        ErrorKind::Transient | ErrorKind::Other => {
            (StatusCode::BAD_GATEWAY, "tiktok_unavailable", "retry later")
        }
        ErrorKind::AccessTokenExpired
        | ErrorKind::AccessTokenInvalid
        | ErrorKind::AuthorizationGone => (
            StatusCode::CONFLICT,
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
    ApiError::new(status, code, format!("{e}; {next}")).with_detail(detail)
}
