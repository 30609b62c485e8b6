//! Logs at every level never show a secret, a token or a signature.

use super::*;

/// A writer the log capture shares with the test.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_debug_and_errors_never_show_a_secret_token_or_signature() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |r, i| {
        if r.path.starts_with("/api/v2/token/") {
            // A host that echoes what it got must not get it into our messages.
            return fail(
                200,
                36004005,
                &format!(
                    "no authorization for {}",
                    r.param("app_secret").unwrap_or("")
                ),
            );
        }
        match i {
            0 => fail(
                200,
                105001,
                &format!("invalid token {}", r.headers["x-tts-access-token"]),
            ),
            _ => ok(json!({"ok": true})),
        }
    })
    .await;
    let client = TikTokClient::new(
        server.hosts(),
        options(1, RateLimits::default()),
        Arc::new(clock.clone()),
    );
    let app = app();
    let token = token();
    let refresh = SecretString::from(REFRESH_TOKEN);

    let mut shown = String::new();
    let e1 = client
        .call::<Value>(
            ApiRequest::new(&app, &token, reqwest::Method::GET, "/order/202309/orders")
                .shop("ROW_c", "s"),
        )
        .await
        .unwrap_err();
    assert_eq!(e1.kind(), ErrorKind::AccessTokenInvalid);
    client
        .call::<Value>(
            ApiRequest::new(&app, &token, reqwest::Method::GET, "/order/202309/orders")
                .shop("ROW_c", "s"),
        )
        .await
        .unwrap();
    let e2 = client.refresh_token(&app, &refresh).await.unwrap_err();
    assert_eq!(e2.kind(), ErrorKind::AuthorizationGone);
    let e3 = client.get_token(&app, AUTH_CODE).await.unwrap_err();
    let request = ApiRequest::new(&app, &token, reqwest::Method::GET, "/x");
    for e in [&e1, &e2, &e3] {
        shown.push_str(&format!("{e}\n{e:?}\n"));
    }
    shown.push_str(&format!("{app:?}\n{request:?}\n{client:?}\n"));
    shown.push_str(&String::from_utf8(capture.0.lock().unwrap().clone()).unwrap());

    let signs: Vec<String> = server
        .requests()
        .iter()
        .filter_map(|r| r.param("sign").map(str::to_owned))
        .collect();
    assert_eq!(signs.len(), 2);
    assert!(
        shown.contains("/order/202309/orders"),
        "the calls were logged: {shown}"
    );
    assert!(
        shown.contains("req-ok") && shown.contains("req-fail"),
        "with request ids: {shown}"
    );
    for secret in [APP_SECRET, ACCESS_TOKEN, REFRESH_TOKEN, AUTH_CODE]
        .into_iter()
        .chain(signs.iter().map(String::as_str))
    {
        assert!(!shown.contains(secret), "{secret} shown in:\n{shown}");
    }
}
