//! What the transport retries and what it does not: TikTok's refusals, undecodable answers, server errors, rate limits, timeouts, unreachable hosts, and the worst case of one call.

use super::*;

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
