//! What a call sends: the common parameters, the signature over the body as sent, the cipher only where it belongs, and refusals of reserved parameters and bad paths before anything is sent.

use super::*;

#[tokio::test]
async fn common_params_header_and_signature_on_a_shop_call() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |_, _| {
        ok(json!({"orders": [{"id": "1"}]}))
    })
    .await;
    let client = TikTokClient::new(
        server.hosts(),
        options(1, no_limits()),
        Arc::new(clock.clone()),
    );
    let app = app();
    let token = token();
    let request = ApiRequest::new(&app, &token, reqwest::Method::GET, "/order/202309/orders")
        .shop("ROW_test_cipher", "shop-1")
        .query("ids", "576461413038785752")
        .query("ids", "576461413038785753");
    let response: ApiResponse<Value> = client.call(request).await.unwrap();
    assert_eq!(response.request_id, "req-ok");
    assert_eq!(response.data["orders"][0]["id"], "1");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, "/order/202309/orders");
    assert_eq!(r.param("app_key"), Some(APP_KEY));
    assert_eq!(
        r.param("timestamp"),
        Some(clock.now().timestamp().to_string().as_str())
    );
    assert_eq!(r.param("shop_cipher"), Some("ROW_test_cipher"));
    assert_eq!(
        r.param("ids"),
        Some("576461413038785752,576461413038785753"),
        "an array goes once, joined"
    );
    assert_eq!(r.query.iter().filter(|(k, _)| k == "ids").count(), 1);
    assert_eq!(
        r.param("access_token"),
        None,
        "the token travels in the header only"
    );
    assert_eq!(
        r.headers.get("x-tts-access-token").map(String::as_str),
        Some(ACCESS_TOKEN)
    );
    assert_eq!(
        r.headers.get("content-type").map(String::as_str),
        Some("application/json")
    );
    assert!(r.signature_ok(), "the signature verifies: {r:?}");
}

#[tokio::test]
async fn the_body_is_signed_exactly_as_sent() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |_, _| {
        ok(json!({"orders": [], "total_count": 0}))
    })
    .await;
    let client = TikTokClient::new(
        server.hosts(),
        options(1, no_limits()),
        Arc::new(clock.clone()),
    );
    let app = app();
    let token = token();
    let body = json!({"order_status": "AWAITING_SHIPMENT", "create_time_ge": 1699900000, "note": "ünïcode & spaces"});
    let request = ApiRequest::new(
        &app,
        &token,
        reqwest::Method::POST,
        "/order/202309/orders/search",
    )
    .shop("ROW_test_cipher", "shop-1")
    .query("page_size", 50)
    .query("sort_field", "create_time")
    .json(body.clone());
    let _: ApiResponse<Value> = client.call(request).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.body, serde_json::to_vec(&body).unwrap());
    assert_eq!(r.param("page_size"), Some("50"));
    assert!(r.signature_ok());
    // Tampering with one byte of the body breaks the signature.
    let mut tampered = r.clone();
    tampered.body.push(b' ');
    assert!(!tampered.signature_ok());
}

#[tokio::test]
async fn no_shop_cipher_on_authorization_and_seller_paths() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |r, _| {
        if r.path == "/authorization/202309/shops" {
            ok(json!({"shops": [{
                "id": "7494049642642441621", "name": "Maomao beauty shop", "region": "GB",
                "seller_type": "CROSS_BORDER", "cipher": "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3",
                "code": "CNGBCBA4LLU8"
            }]}))
        } else {
            ok(json!({}))
        }
    })
    .await;
    let client = TikTokClient::new(
        server.hosts(),
        options(1, no_limits()),
        Arc::new(clock.clone()),
    );
    let app = app();
    let token = token();

    let shops = client.authorized_shops(&app, &token).await.unwrap();
    assert_eq!(
        shops,
        vec![AuthorizedShop {
            id: "7494049642642441621".into(),
            name: "Maomao beauty shop".into(),
            region: "GB".into(),
            seller_type: "CROSS_BORDER".into(),
            cipher: "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3".into(),
            code: "CNGBCBA4LLU8".into(),
        }]
    );
    // Even when a caller passes a cipher, it is not sent where TikTok refuses it.
    for path in ["/authorization/202309/shops", "/seller/202309/shops"] {
        let request = ApiRequest::new(&app, &token, reqwest::Method::GET, path).shop("ROW_x", "s");
        let _: ApiResponse<Value> = client.call(request).await.unwrap();
    }
    let event = ApiRequest::new(&app, &token, reqwest::Method::GET, "/event/202309/webhooks")
        .shop("ROW_x", "s");
    let _: ApiResponse<Value> = client.call(event).await.unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    for r in &requests[..3] {
        assert_eq!(r.param("shop_cipher"), None, "{}", r.path);
        assert!(r.signature_ok());
    }
    assert_eq!(requests[3].param("shop_cipher"), Some("ROW_x"));
    assert!(requests[3].signature_ok());
}

#[tokio::test]
async fn reserved_parameters_and_bad_paths_are_refused_before_sending() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |_, _| ok(json!({}))).await;
    let client = TikTokClient::new(
        server.hosts(),
        options(1, no_limits()),
        Arc::new(clock.clone()),
    );
    let app = app();
    let token = token();
    for (path, key) in [
        ("/order/202309/orders", "sign"),
        ("/order/202309/orders", "timestamp"),
        ("/order/202309/orders", "access_token"),
        ("order/202309/orders", "x"),
        ("/order/202309/orders?x=1", "y"),
    ] {
        let request = ApiRequest::new(&app, &token, reqwest::Method::GET, path).query(key, "1");
        let err = client.call::<Value>(request).await.unwrap_err();
        assert!(matches!(err, TikTokError::InvalidInput { .. }), "{err}");
    }
    assert_eq!(server.count(), 0);
}
