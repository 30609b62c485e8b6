//! `ApiJson<T>`: the JSON body extractor of every route (and `RawJson`, its bytes unparsed). Bodies over 1 MiB are a 413; malformed JSON
//! or a field of the wrong type, missing or unknown is a 400 that names the field (by its path).

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::{Error, Kind};

pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let raw = RawJson::from_request(req, payload);
        Box::pin(async move { parse_json(&raw.await?.0).map(ApiJson) })
    }
}

/// The exact bytes of a JSON body (1 MiB at most), for handlers that verify a signature over them.
pub struct RawJson(pub Vec<u8>);

impl FromRequest for RawJson {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let declared_len = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let is_json = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|ct| ct.starts_with("application/json") || ct.contains("+json"));
        let mut payload = payload.take();
        let (idle, deadline) = req
            .app_data::<actix_web::web::Data<crate::state::AppState>>()
            .map_or(
                (
                    std::time::Duration::from_secs(5),
                    std::time::Duration::from_secs(30),
                ),
                |s| (s.settings.body_idle_timeout, s.settings.body_deadline),
            );
        Box::pin(async move {
            if !is_json {
                return Err(Error::new(
                    Kind::UnsupportedMediaType,
                    "unsupported_media_type",
                    "send the body as JSON with `Content-Type: application/json`",
                ));
            }
            if declared_len.is_some_and(|n| n > MAX_BODY_BYTES) {
                return Err(too_large());
            }
            let mut body = Vec::with_capacity(declared_len.unwrap_or(0).min(MAX_BODY_BYTES));
            // A client that stalls or trickles its body would hold the connection (and a file
            // descriptor) for ever: silence and slowness both end with a 408.
            let ends_at = tokio::time::Instant::now() + deadline;
            loop {
                let wait = idle.min(ends_at.saturating_duration_since(tokio::time::Instant::now()));
                let Ok(next) = tokio::time::timeout(wait, payload.next()).await else {
                    return Err(body_timeout(idle, deadline));
                };
                let Some(chunk) = next else { break };
                let chunk = chunk.map_err(|_| {
                    Error::bad_request("invalid_body", "the request body could not be read")
                })?;
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(RawJson(body))
        })
    }
}

fn body_timeout(idle: std::time::Duration, deadline: std::time::Duration) -> Error {
    Error::new(
        Kind::Timeout,
        "request_timeout",
        format!(
            "the request body did not arrive in time (at most {} ms of silence, {} ms in all); send it again at once",
            idle.as_millis(),
            deadline.as_millis()
        ),
    )
}

fn too_large() -> Error {
    Error::new(
        Kind::TooLarge,
        "payload_too_large",
        format!(
            "the body is larger than {MAX_BODY_BYTES} bytes; send less per request (use the batch endpoints' pages)"
        ),
    )
}

/// Parses a JSON body, naming the field at fault.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::bad_request(
            "invalid_body",
            "the request needs a JSON body",
        ));
    }
    // Every body of this API is a JSON object; serde would also read a struct from an array of its
    // fields (`[null, null]`), which no client means.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(Error::bad_request(
            "invalid_body",
            "the body must be a JSON object ({…})",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    let first = match serde_path_to_error::deserialize(de) {
        Ok(parsed) => return Ok(parsed),
        Err(e) => e,
    };
    // JSON Schema's `integer` is any number with no fractional part, so `5.0` is a valid count.
    // serde refuses it for an integer field: read such numbers as integers and try once more.
    if first
        .inner()
        .to_string()
        .starts_with("invalid type: floating point")
        && let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(body)
        && whole_floats_as_integers(&mut value)
        && let Ok(parsed) = serde_path_to_error::deserialize(value)
    {
        return Ok(parsed);
    }
    Err(field_error(first))
}

fn field_error(e: serde_path_to_error::Error<serde_json::Error>) -> Error {
    let path = e.path().to_string();
    let inner = e.into_inner();
    if inner.is_syntax() || inner.is_eof() {
        Error::bad_request(
            "invalid_json",
            format!("the body is not valid JSON: {inner}"),
        )
    } else if path == "." {
        // A missing or unknown field is reported at the parent; serde's message names it.
        Error::bad_request("invalid_field", inner.to_string())
    } else {
        Error::invalid_field(&path, inner)
    }
}

/// Rewrites every float with no fractional part (within i64) as an integer; says whether any was.
fn whole_floats_as_integers(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 => {
                *value = Value::from(f as i64);
                true
            }
            _ => false,
        },
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |any, v| whole_floats_as_integers(v) | any),
        Value::Object(fields) => fields
            .values_mut()
            .fold(false, |any, v| whole_floats_as_integers(v) | any),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn errors_name_the_field() {
        let e = parse_json::<Body>(br#"{"name": 5}"#).unwrap_err();
        assert!(e.message.starts_with("name:"), "{}", e.message);
        let e = parse_json::<Body>(br#"{"name": "a", "inner": {"count": -1}}"#).unwrap_err();
        assert!(e.message.starts_with("inner.count:"), "{}", e.message);
        let e = parse_json::<Body>(br#"{"name": "a", "bogus": 1}"#).unwrap_err();
        assert!(e.message.contains("bogus"), "{}", e.message);
        let e = parse_json::<Body>(br#"{}"#).unwrap_err();
        assert!(e.message.contains("name"), "{}", e.message);
        assert_eq!(
            parse_json::<Body>(b"{nope").unwrap_err().code,
            "invalid_json"
        );
        assert_eq!(parse_json::<Body>(b"").unwrap_err().code, "invalid_body");
    }

    #[test]
    fn only_an_object_is_a_body() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Two {
            a: Option<u32>,
            b: Option<u32>,
        }
        for not_an_object in [&b"[null, null]"[..], b" [1, 2]", b"null", b"7", b"\"x\""] {
            let e = parse_json::<Two>(not_an_object).unwrap_err();
            assert_eq!(e.code, "invalid_body", "{not_an_object:?}");
        }
        assert!(parse_json::<Two>(b" \n{\"a\": 1}").is_ok());
    }

    #[test]
    fn a_whole_float_is_an_integer() {
        let body = parse_json::<Body>(br#"{"name": "a", "inner": {"count": 34225.0}}"#).unwrap();
        assert_eq!(body.inner.unwrap().count, 34225);
        // A fraction is still refused, naming the field; so is a whole float out of the field's range.
        let e = parse_json::<Body>(br#"{"name": "a", "inner": {"count": 1.5}}"#).unwrap_err();
        assert!(e.message.starts_with("inner.count:"), "{}", e.message);
        let e = parse_json::<Body>(br#"{"name": "a", "inner": {"count": -1.0}}"#).unwrap_err();
        assert!(e.message.starts_with("inner.count:"), "{}", e.message);
        // Reading numbers again changes nothing else: a duplicate field stays an error.
        let e = parse_json::<Body>(br#"{"name": "a", "name": "b", "inner": {"count": 1.0}}"#)
            .unwrap_err();
        assert!(e.message.contains("duplicate"), "{}", e.message);
    }
}
