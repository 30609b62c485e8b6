//! The edge of errors: each [`Kind`] as its HTTP status, and an [`Error`] as its answer (the
//! envelope, with the request id). An error on our side is logged here, once, with its cause.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::error::{Error, Kind};

impl Kind {
    /// The HTTP status of an answer of this kind.
    pub fn status(self) -> StatusCode {
        match self {
            Kind::Invalid => StatusCode::BAD_REQUEST,
            Kind::Unauthorized => StatusCode::UNAUTHORIZED,
            Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Kind::Timeout => StatusCode::REQUEST_TIMEOUT,
            Kind::Conflict => StatusCode::CONFLICT,
            Kind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Kind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Kind::Refused => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Kind::Upstream => StatusCode::BAD_GATEWAY,
            Kind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Kind::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
        }
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        self.kind.status()
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(cause) = self.cause() {
            tracing::error!(
                error = format!("{cause:#}"),
                code = self.code,
                "request failed"
            );
        } else if self.kind.is_server_side() {
            tracing::error!(code = self.code, message = %self.message, "request failed");
        }
        HttpResponse::build(self.kind.status()).json(self.envelope())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_side_kinds_are_the_5xx() {
        for kind in [
            Kind::Invalid,
            Kind::Unauthorized,
            Kind::Forbidden,
            Kind::NotFound,
            Kind::MethodNotAllowed,
            Kind::Timeout,
            Kind::Conflict,
            Kind::TooLarge,
            Kind::UnsupportedMediaType,
            Kind::Refused,
            Kind::TooManyRequests,
            Kind::Internal,
            Kind::Upstream,
            Kind::Unavailable,
            Kind::UpstreamTimeout,
        ] {
            assert_eq!(
                kind.is_server_side(),
                kind.status().is_server_error(),
                "{kind:?}"
            );
        }
    }
}
