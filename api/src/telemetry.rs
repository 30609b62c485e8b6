//! Logs, request ids and metrics.
//!
//! Every request gets an id (the caller's `x-request-id` when it is sane, else a new one), a span that
//! carries it (plus tenant and shop once known) on every log line, the id back in the response header,
//! and a count and latency in `/metrics`.

use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing::Instrument;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served, or "" outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

/// JSON logs to stdout, and to `log_file` too when given. Call once per process.
pub fn init(filter: &str, log_file: Option<&str>) -> anyhow::Result<()> {
    let file_layer = match log_file {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| {
                    anyhow::anyhow!("OCEAN_LOG_FILE {path}: cannot open for appending: {e}")
                })?;
            Some(json_layer(Mutex::new(file)))
        }
        None => None,
    };
    tracing_subscriber::registry()
        .with(env_filter(filter)?)
        .with(json_layer(std::io::stdout))
        .with(file_layer)
        .try_init()
        .map_err(|e| anyhow::anyhow!("logging already initialised: {e}"))
}

/// JSON logs to any writer (tests capture them to assert what never appears in a log).
pub fn init_with_writer<W>(filter: &str, writer: W) -> anyhow::Result<()>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::registry()
        .with(env_filter(filter)?)
        .with(json_layer(writer))
        .try_init()
        .map_err(|e| anyhow::anyhow!("logging already initialised: {e}"))
}

fn env_filter(filter: &str) -> anyhow::Result<EnvFilter> {
    EnvFilter::try_new(filter)
        .map_err(|e| anyhow::anyhow!("OCEAN_LOG `{filter}` is not a valid filter: {e}"))
}

fn json_layer<S, W>(writer: W) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_writer(writer)
}

/// The process-wide Prometheus recorder (installed once, shared by every app in the process).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    &[
                        0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                    ],
                )
                .expect("static bucket list is not empty");
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be set (e.g. by an embedding test); keep ours for rendering.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

fn sane_request_id(value: &HeaderValue) -> Option<String> {
    let s = value.to_str().ok()?;
    let ok = !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    ok.then(|| s.to_owned())
}

/// The request middleware: id, span, header, metrics, and one log line per request.
pub async fn observe_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(sane_request_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().to_string();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %method,
        route = %route,
        tenant = tracing::field::Empty,
        shop = tracing::field::Empty,
    );
    let started = Instant::now();
    let result = REQUEST_ID
        .scope(request_id.clone(), next.call(req).instrument(span.clone()))
        .await;
    let elapsed = started.elapsed();
    let mut res = result?;
    let status = res.status().as_u16();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    let labels = [
        ("method", method),
        ("route", route),
        ("status", status.to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels[..2])
        .record(elapsed.as_secs_f64());
    span.in_scope(|| {
        tracing::info!(
            status,
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request finished"
        )
    });
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_go_to_the_log_file_as_json_too() {
        let path = std::env::temp_dir().join(format!("ocean-log-{}.log", uuid::Uuid::new_v4()));
        init("info", Some(path.to_str().unwrap())).unwrap();
        tracing::info!(shop = "s-1", "integration event");
        let text = std::fs::read_to_string(&path).unwrap();
        let line: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        assert_eq!(line["fields"]["message"], "integration event");
        assert_eq!(line["fields"]["shop"], "s-1");
        assert!(
            init("info", None).is_err(),
            "a second init is refused, not silently ignored"
        );
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn only_sane_request_ids_are_kept() {
        assert_eq!(
            sane_request_id(&HeaderValue::from_static("abc-123_x.y:z")).as_deref(),
            Some("abc-123_x.y:z")
        );
        assert_eq!(
            sane_request_id(&HeaderValue::from_static("has space")),
            None
        );
        assert_eq!(
            sane_request_id(&HeaderValue::from_str(&"a".repeat(129)).unwrap()),
            None
        );
    }
}
