//! The token host: getting and refreshing tokens, and never sending again a token call TikTok may have acted on.

use super::*;

#[tokio::test]
async fn token_get_and_refresh() {
    let clock = manual_clock();
    let now = clock.now();
    let server = TestServer::start(Arc::new(clock.clone()), move |r, _| {
        if r.path == "/api/v2/token/get" {
            ok(json!({
                "access_token": "NEW_ACCESS", "access_token_expire_in": 1_773_000_000,
                "refresh_token": "NEW_REFRESH", "refresh_token_expire_in": 1_780_000_000,
                "open_id": "open-1", "seller_name": "Jjj test shop", "seller_base_region": "GB",
                "user_type": 0, "granted_scopes": ["seller.authorization.info", "seller.order.info"]
            }))
        } else if r.param("refresh_token") == Some(REFRESH_TOKEN) {
            // Durations (below 10^9), and numbers as strings: both accepted.
            ok(json!({
                "access_token": "NEWER_ACCESS", "access_token_expire_in": 604800,
                "refresh_token": "NEWER_REFRESH", "refresh_token_expire_in": "31536000",
                "open_id": "open-1", "seller_name": "Jjj test shop", "seller_base_region": "GB",
                "user_type": 1, "granted_scopes": null
            }))
        } else {
            fail(200, 36004001, "refresh token expired")
        }
    })
    .await;
    let client = TikTokClient::new(
        server.hosts(),
        options(5, no_limits()),
        Arc::new(clock.clone()),
    );
    let app = app();

    let grant = client.get_token(&app, AUTH_CODE).await.unwrap();
    use secrecy::ExposeSecret;
    assert_eq!(grant.access_token.expose_secret(), "NEW_ACCESS");
    assert_eq!(grant.refresh_token.expose_secret(), "NEW_REFRESH");
    assert_eq!(grant.access_token_expires_at.timestamp(), 1_773_000_000);
    assert_eq!(grant.refresh_token_expires_at.timestamp(), 1_780_000_000);
    assert_eq!(grant.open_id, "open-1");
    assert_eq!(grant.seller_name, "Jjj test shop");
    assert_eq!(grant.seller_base_region, "GB");
    assert_eq!(grant.user_type, 0);
    assert_eq!(
        grant.granted_scopes,
        vec!["seller.authorization.info", "seller.order.info"]
    );
    let debug = format!("{grant:?}");
    assert!(
        !debug.contains("NEW_ACCESS") && !debug.contains("NEW_REFRESH"),
        "{debug}"
    );

    let r = &server.requests()[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.param("app_key"), Some(APP_KEY));
    assert_eq!(r.param("app_secret"), Some(APP_SECRET));
    assert_eq!(r.param("auth_code"), Some(AUTH_CODE));
    assert_eq!(r.param("grant_type"), Some("authorized_code"));
    assert_eq!(r.param("sign"), None);
    assert_eq!(r.param("timestamp"), None);

    let refreshed = client
        .refresh_token(&app, &SecretString::from(REFRESH_TOKEN))
        .await
        .unwrap();
    assert_eq!(refreshed.access_token.expose_secret(), "NEWER_ACCESS");
    assert_eq!(
        refreshed.access_token_expires_at,
        now + chrono::Duration::seconds(604800)
    );
    assert_eq!(
        refreshed.refresh_token_expires_at,
        now + chrono::Duration::seconds(31_536_000)
    );
    assert_eq!(refreshed.user_type, 1);
    assert!(refreshed.granted_scopes.is_empty());
    let r = &server.requests()[1];
    assert_eq!(r.path, "/api/v2/token/refresh");
    assert_eq!(r.param("refresh_token"), Some(REFRESH_TOKEN));
    assert_eq!(r.param("grant_type"), Some("refresh_token"));

    let err = client
        .refresh_token(&app, &SecretString::from("an-old-refresh-token"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AuthorizationGone);
    assert_eq!(err.code(), Some(36004001));
    assert_eq!(server.count(), 3, "not retried");
}

#[tokio::test]
async fn a_token_call_tiktok_may_have_acted_on_is_not_sent_again() {
    let clock = manual_clock();
    let _advance = AutoAdvance::start(clock.clone());
    let server = TestServer::start(Arc::new(clock.clone()), |_, _| {
        fail(500, 36009003, "internal error")
    })
    .await;
    let client = TikTokClient::new(
        server.hosts(),
        options(4, no_limits()),
        Arc::new(clock.clone()),
    );
    let app = app();
    let err = client
        .refresh_token(&app, &SecretString::from(REFRESH_TOKEN))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert!(!err.never_acted());
    assert_eq!(server.requests().len(), 1, "a refresh token is spent once");
    let err = client.get_token(&app, AUTH_CODE).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert_eq!(server.requests().len(), 2, "so is an authorization code");
    // A signed API call is retried as before.
    let token = token();
    let request = ApiRequest::new(&app, &token, reqwest::Method::GET, "/order/202309/orders");
    client.call::<Value>(request).await.unwrap_err();
    assert_eq!(server.requests().len(), 2 + 4);
}

#[tokio::test]
async fn a_token_call_that_never_connected_is_sent_again() {
    let hosts = unreachable_hosts();
    let clock = manual_clock();
    let started = clock.now();
    let _advance = AutoAdvance::start(clock.clone());
    let client = TikTokClient::new(hosts, options(3, no_limits()), Arc::new(clock.clone()));
    let err = client
        .refresh_token(&app(), &SecretString::from(REFRESH_TOKEN))
        .await
        .unwrap_err();
    assert!(err.never_acted(), "{err:?}");
    // Each retry waits out a back-off on the clock (at least half the 1 s base, then 1 s).
    assert!(
        clock.now() - started >= chrono::Duration::milliseconds(1500),
        "it waited and tried again: {}",
        clock.now() - started
    );
}
