//! Health, readiness and metrics.

use crate::helpers::*;

#[tokio::test]
async fn health_ready_and_metrics() {
    let app = spawn_app().await;
    let (status, body) = app
        .send(reqwest::Method::GET, "/api/health", None, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    let (status, body) = app
        .send(reqwest::Method::GET, "/api/ready", None, None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["pending_migrations"], 0);

    let _ = app.get(SHOPS, &app.admin()).await;
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("http_requests_total{"), "{text}");
    assert!(
        text.contains(r#"route="/api/integrations/tiktok/shops""#),
        "requests by route"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "a latency histogram"
    );
}

#[tokio::test]
async fn ready_is_503_when_a_migration_is_pending() {
    use migration::MigratorTrait;
    let app = spawn_app().await;
    migration::Migrator::down(&app.state.db, Some(1))
        .await
        .unwrap();
    let (status, body) = app
        .send(reqwest::Method::GET, "/api/ready", None, None)
        .await;
    assert_error(status, &body, 503, "unavailable");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("migrate up")
    );
}
