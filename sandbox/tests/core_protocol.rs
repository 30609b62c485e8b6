//! Black-box tests of the sandbox's protocol over real HTTP: envelope and signature, timestamp window,
//! tokens and ciphers, token expiry and revocation, unknown path/version/method, rate limits, faults and
//! the request log, several apps.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};
use tiktok_sandbox::{SandboxConfig, SandboxEvent, start};

#[tokio::test]
async fn envelope_and_signature() {
    let sb = start(small()).await.unwrap();
    let (c, shops) = connected(&sb).await;
    assert_eq!(
        shops.len(),
        2,
        "one authorization covers the seller's two shops"
    );
    let regions: BTreeSet<&str> = shops
        .iter()
        .map(|s| s["region"].as_str().unwrap())
        .collect();
    assert_eq!(regions, BTreeSet::from(["UK", "US"]));
    for s in &shops {
        for k in ["id", "name", "region", "seller_type", "cipher", "code"] {
            assert!(s[k].is_string(), "{k} in {s}");
        }
    }
    let ok = c
        .call("GET", "/authorization/202309/shops", None, &[], None)
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body["message"], "Success");
    assert!(ok.body["request_id"].as_str().unwrap().len() > 10);

    // A wrong secret: 106001, HTTP 401, data null.
    let mut bad = c.clone();
    bad.secret = "not_the_secret".into();
    let a = bad
        .call("GET", "/authorization/202309/shops", None, &[], None)
        .await;
    assert_eq!((a.status, a.code()), (401, 106001));
    assert!(a.body["data"].is_null());
    assert!(a.body["request_id"].is_string());

    // The body is signed: changing it after signing fails.
    let cipher = cipher(&shops[0]);
    let ts = c.state.now().to_string();
    let mut q = vec![
        ("app_key".to_string(), c.app_key.clone()),
        ("timestamp".to_string(), ts),
        ("shop_cipher".to_string(), cipher.clone()),
        ("page_size".to_string(), "10".to_string()),
    ];
    let signed_body = r#"{"order_status":"UNPAID"}"#;
    q.push((
        "sign".into(),
        sign(
            &c.secret,
            "/order/202309/orders/search",
            &q,
            signed_body.as_bytes(),
        ),
    ));
    let a = c
        .send(
            "POST",
            "/order/202309/orders/search",
            &q,
            signed_body.to_string(),
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    let a = c
        .send(
            "POST",
            "/order/202309/orders/search",
            &q,
            r#"{"order_status":"CANCELLED"}"#.into(),
        )
        .await;
    assert_eq!(a.code(), 106001);

    // access_token and sign in the query are not signed (excluded), so adding access_token is fine.
    let a = c
        .call(
            "GET",
            "/logistics/202309/warehouses",
            Some(&cipher),
            &[("access_token", "whatever")],
            None,
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    sb.stop().await;
}

#[tokio::test]
async fn timestamp_window_edges() {
    let sb = start(small()).await.unwrap();
    let (c, _) = connected(&sb).await;
    // The clock is frozen? No: it is system time + offset; read it once and stay well inside a second.
    let at = |d: i64| (c.state.now() + d).to_string();
    let p = "/authorization/202309/shops";
    assert_eq!(
        c.call_at("GET", p, None, &[], None, &at(-295)).await.code(),
        0
    );
    assert_eq!(
        c.call_at("GET", p, None, &[], None, &at(-305)).await.code(),
        36009004
    );
    assert_eq!(
        c.call_at("GET", p, None, &[], None, &at(25)).await.code(),
        0
    );
    assert_eq!(
        c.call_at("GET", p, None, &[], None, &at(35)).await.code(),
        36009004
    );
    assert_eq!(
        c.call_at("GET", p, None, &[], None, "yesterday")
            .await
            .code(),
        36009004
    );
    // Moving the sandbox clock moves the window.
    sb.state().advance_clock(3600);
    assert_eq!(
        c.call_at(
            "GET",
            p,
            None,
            &[],
            None,
            &(chrono::Utc::now().timestamp()).to_string()
        )
        .await
        .code(),
        36009004
    );
    assert_eq!(c.call("GET", p, None, &[], None).await.code(), 0);
    // Missing app_key / unknown app_key.
    let mut other = c.clone();
    other.app_key = "nobody".into();
    assert_eq!(other.call("GET", p, None, &[], None).await.code(), 36009004);
    sb.stop().await;
}

#[tokio::test]
async fn tokens_and_ciphers() {
    let sb = start(SandboxConfig {
        access_token_ttl: Duration::from_secs(120),
        ..small()
    })
    .await
    .unwrap();
    let (c, shops) = connected(&sb).await;
    let us = cipher(&shops[0]);
    let p = "/logistics/202309/warehouses";
    // Missing and unknown tokens: 105001.
    let mut none = c.clone();
    none.token = None;
    assert_eq!(
        none.call("GET", p, Some(&us), &[], None).await.code(),
        105001
    );
    let mut unknown = c.clone();
    unknown.token = Some("ROW_nope".into());
    let a = unknown.call("GET", p, Some(&us), &[], None).await;
    assert_eq!((a.status, a.code()), (401, 105001));
    // Cipher rules.
    assert_eq!(c.call("GET", p, None, &[], None).await.code(), 106013);
    assert_eq!(
        c.call("GET", "/authorization/202309/shops", Some(&us), &[], None)
            .await
            .code(),
        36009004
    );
    assert_eq!(
        c.call("GET", "/seller/202309/shops", Some(&us), &[], None)
            .await
            .code(),
        36009004
    );
    assert_eq!(
        c.call("GET", p, Some("ROW_unknown"), &[], None)
            .await
            .code(),
        36009004
    );
    assert_eq!(c.call("GET", p, Some(&us), &[], None).await.code(), 0);
    // A shop the token's authorization does not cover (the second seller's): refused.
    let other_cipher = sb.state().with_world(|w| {
        let seller = w.sellers.values().nth(1).unwrap();
        w.shops[&seller.shop_ids[0]].cipher.clone()
    });
    assert_eq!(
        c.call("GET", p, Some(&other_cipher), &[], None)
            .await
            .code(),
        36009004
    );
    // Expiry by the clock: 105002.
    sb.state().advance_clock(121);
    let a = c.call("GET", p, Some(&us), &[], None).await;
    assert_eq!(a.code(), 105002, "{}", a.body);
    sb.stop().await;
}

#[tokio::test]
async fn expire_and_revoke_through_control() {
    let sb = start(small()).await.unwrap();
    let (c, shops) = connected(&sb).await;
    let us = cipher(&shops[0]);
    let shop_id = shops[0]["id"].as_str().unwrap().to_string();
    let base = sb.base_url();
    let r: Value = http()
        .post(format!("{base}/_sandbox/shops/{shop_id}/expire-token"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["expired"], 1);
    assert_eq!(
        c.call("GET", "/logistics/202309/warehouses", Some(&us), &[], None)
            .await
            .code(),
        105002
    );

    let (c2, _) = connected(&sb).await;
    let mut events = sb.state().subscribe_events();
    let r: Value = http()
        .post(format!("{base}/_sandbox/shops/{shop_id}/revoke"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["revoked_for_apps"], json!([sb.app_key()]));
    // The US shop is gone from the authorization; the UK shop remains.
    assert_eq!(
        c2.call("GET", "/logistics/202309/warehouses", Some(&us), &[], None)
            .await
            .code(),
        36009004
    );
    let shops = c2
        .call("GET", "/authorization/202309/shops", None, &[], None)
        .await;
    assert_eq!(shops.data()["shops"].as_array().unwrap().len(), 1);
    let ev = events.try_recv().unwrap();
    assert!(matches!(ev, SandboxEvent::SellerDeauthorization { .. }));
    assert_eq!(ev.type_code(), 6);
    sb.stop().await;
}

#[tokio::test]
async fn unknown_path_version_and_method() {
    let sb = start(small()).await.unwrap();
    let (c, shops) = connected(&sb).await;
    let ci = cipher(&shops[0]);
    let a = c
        .call("POST", "/product/202309/nothing/here", Some(&ci), &[], None)
        .await;
    assert_eq!((a.status, a.code()), (404, 36009009));
    assert!(a.body["data"].is_null());
    let a = c
        .call(
            "POST",
            "/product/202401/products/search",
            Some(&ci),
            &[("page_size", "5")],
            None,
        )
        .await;
    assert_eq!((a.status, a.code()), (404, 36009014));
    let a = c
        .call("GET", "/order/202309/orders/search", Some(&ci), &[], None)
        .await;
    assert_eq!(a.code(), 36009010);
    // Newer versions are served.
    let a = c
        .call(
            "POST",
            "/product/202502/products/search",
            Some(&ci),
            &[("page_size", "5")],
            Some(&json!({})),
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    sb.stop().await;
}

#[tokio::test]
async fn rate_limits_per_shop_category_and_app() {
    let sb = start(SandboxConfig {
        rate_limit: 5,
        app_rate_limit: 12,
        ..small()
    })
    .await
    .unwrap();
    let (c, shops) = connected(&sb).await;
    let (us, uk) = (cipher(&shops[0]), cipher(&shops[1]));
    // Align to the start of a minute so the window does not roll over mid-test.
    let now = sb.state().now();
    sb.state().advance_clock(60 - now.rem_euclid(60));
    let p = "/logistics/202309/warehouses";
    for _ in 0..5 {
        assert_eq!(c.call("GET", p, Some(&us), &[], None).await.code(), 0);
    }
    let a = c.call("GET", p, Some(&us), &[], None).await;
    assert_eq!((a.status, a.code()), (429, 36009002));
    // Another category, and another shop, have their own windows.
    assert_eq!(
        c.call("GET", "/product/202309/categories", Some(&us), &[], None)
            .await
            .code(),
        0
    );
    assert_eq!(c.call("GET", p, Some(&uk), &[], None).await.code(), 0);
    // The app limit (12 per minute; 8 counted so far plus the refused one).
    let mut last = 0;
    for _ in 0..6 {
        last = c
            .call(
                "GET",
                "/product/202309/brands",
                Some(&uk),
                &[("page_size", "10")],
                None,
            )
            .await
            .code();
    }
    assert_eq!(last, 36009002);
    // A new minute by the sandbox clock.
    sb.state().advance_clock(60);
    assert_eq!(c.call("GET", p, Some(&us), &[], None).await.code(), 0);
    sb.stop().await;
}

#[tokio::test]
async fn faults_and_request_log() {
    let sb = start(small()).await.unwrap();
    let (c, shops) = connected(&sb).await;
    let ci = cipher(&shops[0]);
    let base = sb.base_url();
    let set = |v: Value| {
        let base = base.clone();
        async move {
            let r = http()
                .post(format!("{base}/_sandbox/faults"))
                .json(&v)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200);
        }
    };
    let p = "/logistics/202309/warehouses";
    set(json!({"error_5xx": 1.0})).await;
    let a = c.call("GET", p, Some(&ci), &[], None).await;
    assert_eq!((a.status, a.code()), (500, 36009003));
    set(json!({"error_5xx": 0.0, "rate_429": 1.0})).await;
    let a = c.call("GET", p, Some(&ci), &[], None).await;
    assert_eq!((a.status, a.code()), (429, 36009002));
    set(json!({"rate_429": 0.0, "malformed_rate": 1.0})).await;
    let a = c.call("GET", p, Some(&ci), &[], None).await;
    assert!(a.body.is_string(), "malformed body is not JSON: {}", a.body);
    set(json!({"malformed_rate": 0.0, "drop_rate": 1.0})).await;
    let url = format!("{base}{p}");
    let ts = c.state.now().to_string();
    let mut q = vec![
        ("app_key".to_string(), c.app_key.clone()),
        ("timestamp".to_string(), ts),
        ("shop_cipher".to_string(), ci.clone()),
    ];
    q.push(("sign".into(), sign(&c.secret, p, &q, b"")));
    let r = http()
        .get(url)
        .query(&q)
        .header("x-tts-access-token", c.token.clone().unwrap())
        .send()
        .await;
    let failed = match r {
        Err(_) => true,
        Ok(resp) => resp.text().await.is_err(),
    };
    assert!(failed, "a dropped connection fails on the client");
    set(json!({"drop_rate": 0.0, "slow_ms": 300, "slow_rate": 1.0})).await;
    let t = Instant::now();
    assert_eq!(c.call("GET", p, Some(&ci), &[], None).await.code(), 0);
    assert!(t.elapsed() >= Duration::from_millis(300));
    set(json!({"slow_rate": 0.0})).await;
    // Bad input to the control plane.
    let r = http()
        .post(format!("{base}/_sandbox/faults"))
        .json(&json!({"error_5xx": 2.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);

    let log: Value = http()
        .get(format!("{base}/_sandbox/requests?path=warehouses"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<i64> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_i64().unwrap())
        .collect();
    assert!(
        codes.contains(&36009003) && codes.contains(&36009002) && codes.contains(&0),
        "{codes:?}"
    );
    let first = &log["requests"][0];
    for k in ["method", "path", "query", "body", "code", "seq"] {
        assert!(!first[k].is_null(), "{k}");
    }
    sb.stop().await;
}

#[tokio::test]
async fn several_apps() {
    let sb = start(small()).await.unwrap();
    let base = sb.base_url();
    let r = http()
        .post(format!("{base}/_sandbox/apps"))
        .json(&json!({"app_key": "second_app", "app_secret": "second_secret", "service_id": "7000000000000000002", "redirect_url": "http://127.0.0.1:9/cb"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // The consent page finds the app by service_id.
    let page = http()
        .get(format!(
            "{base}/open/authorize?service_id=7000000000000000002&state=x"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let code = consent(&base, "second_app", &[]).await;
    // Another app cannot redeem it.
    let t = token_get(&base, sb.app_key(), sb.app_secret(), &code).await;
    assert_eq!(t["code"], 36004005);
    let t = token_get(&base, "second_app", "second_secret", &code).await;
    assert_eq!(t["code"], 0);
    let token = t["data"]["access_token"].as_str().unwrap().to_string();
    let mut c = Caller::new(&sb, Some(token));
    // The default app's key with the second app's token: refused.
    assert_eq!(
        c.call("GET", "/authorization/202309/shops", None, &[], None)
            .await
            .code(),
        105001
    );
    c.app_key = "second_app".into();
    c.secret = "second_secret".into();
    assert_eq!(
        c.call("GET", "/authorization/202309/shops", None, &[], None)
            .await
            .code(),
        0
    );
    sb.stop().await;
}
