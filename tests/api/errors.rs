//! The error envelope, request ids, body limits and malformed input.

use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn unknown_routes_answer_the_envelope_with_the_request_id_header() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/api/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "route_not_found");
    assert_eq!(body["error"]["request_id"], id.as_str());
}

#[tokio::test]
async fn a_method_a_route_does_not_take_is_a_405_that_lists_the_ones_it_does() {
    let app = spawn_app().await;
    for (method, path, allow) in [
        ("TRACE", "/api/integrations/tiktok/shops", "GET, POST"),
        ("PUT", "/api/webhooks/tiktok", "POST"),
        (
            "POST",
            "/api/integrations/tiktok/shops/0b9f6a5e-3c1d-4f8e-9a2b-7c6d5e4f3a21",
            "DELETE, GET, PATCH",
        ),
    ] {
        let res = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 405, "{method} {path}");
        assert_eq!(res.headers()["allow"], allow, "{method} {path}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "method_not_allowed");
    }
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let token = app.admin();
    for body in ["[null, null, null, null]", "null", "[]", "\"shop\""] {
        let res = app
            .client
            .post(app.url(SHOPS))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{body}");
        let answer: Value = res.json().await.unwrap();
        assert_eq!(answer["error"]["code"], "invalid_body", "{body}");
    }
    assert_eq!(app.shop_count().await, 0);
}

#[tokio::test]
async fn a_callers_request_id_is_kept_and_a_bad_one_replaced() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/api/health"))
        .header("x-request-id", "erp-trace-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "erp-trace-123");
    let res = app
        .client
        .get(app.url("/api/health"))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    assert_ne!(res.headers()["x-request-id"], "bad id with spaces");
    assert!(
        captured_logs().contains("erp-trace-123"),
        "the id is on the request's log lines"
    );
}

#[tokio::test]
async fn malformed_oversized_and_non_json_bodies_are_4xx_and_store_nothing() {
    let app = spawn_app().await;
    let token = app.admin();
    let send = |body: Vec<u8>, content_type: &'static str| {
        app.client
            .post(app.url(SHOPS))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let res = send(b"{\"name\": ".to_vec(), "application/json")
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "invalid_json"
    );

    let res = send(Vec::new(), "application/json").await.unwrap();
    assert_eq!(res.status(), 400);

    let res = send(b"name=x".to_vec(), "application/x-www-form-urlencoded")
        .await
        .unwrap();
    assert_eq!(res.status(), 415);

    let mut huge = br#"{"name": ""#.to_vec();
    huge.extend(std::iter::repeat_n(b'a', 1024 * 1024 + 10));
    huge.extend(br#""}"#);
    let res = send(huge, "application/json").await.unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "payload_too_large"
    );

    assert_eq!(app.shop_count().await, 0);
}

#[tokio::test]
async fn hostile_paths_and_queries_never_make_a_500() {
    let app = spawn_app().await;
    let token = app.admin();
    for path in [
        format!("{SHOPS}/%00"),
        format!("{SHOPS}/{}", "9".repeat(5000)),
        format!("{SHOPS}/'%20OR%201=1--"),
        format!("{SHOPS}?limit=-1"),
        format!("{SHOPS}?limit=99999999999999999999999"),
        format!("{SHOPS}?cursor=%F0%9F%98%80"),
    ] {
        let (status, body) = app.get(&path, &token).await;
        assert!((400..500).contains(&status), "{path}: {status} {body}");
    }
}
