//! Black-box tests of the sandbox's core over real HTTP: protocol (signature, timestamp window, tokens,
//! ciphers, envelope, unknown path/version/method, rate limits, faults, request log), OAuth, and the
//! products, orders, fulfillment, logistics and seller-cancel endpoints.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};
use tiktok_sandbox::world::{OrderStatus, ProductStatus};
use tiktok_sandbox::{SandboxConfig, SandboxEvent, start};

// ---------------------------------------------------------------------------------------------
// Protocol

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

// ---------------------------------------------------------------------------------------------
// OAuth

#[tokio::test]
async fn oauth_consent_token_refresh() {
    let sb = start(small()).await.unwrap();
    let base = sb.base_url();
    let page = http()
        .get(format!(
            "{}?app_key={}&state=abc",
            sb.authorize_url(),
            sb.app_key()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Ocean Outfitters US") && html.contains("Ocean Outfitters UK"));
    assert_eq!(html.matches("type=\"checkbox\"").count(), 2);
    assert!(html.contains("Authorize") && html.contains("Deny"));
    let unknown = http()
        .get(format!("{}?app_key=zzz&state=abc", sb.authorize_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 400);

    // Deny.
    let r = http()
        .post(sb.authorize_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("app_key={}&state=s1&action=deny", sb.app_key()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 302);
    let loc = r.headers()["location"].to_str().unwrap();
    assert!(loc.starts_with("http://127.0.0.1:8080/api/integrations/tiktok/callback?"));
    assert!(
        loc.contains("code=null") && loc.contains("error=auth_denied") && loc.contains("state=s1"),
        "{loc}"
    );

    // Authorize → code → token.
    let code = consent(&base, sb.app_key(), &[]).await;
    let now = sb.state().now();
    let t = token_get(&base, sb.app_key(), sb.app_secret(), &code).await;
    assert_eq!(t["code"], 0, "{t}");
    let d = &t["data"];
    let access_exp = d["access_token_expire_in"].as_i64().unwrap();
    let refresh_exp = d["refresh_token_expire_in"].as_i64().unwrap();
    assert!(
        (access_exp - (now + 7 * 86400)).abs() <= 5,
        "absolute timestamp"
    );
    assert!((refresh_exp - (now + 90 * 86400)).abs() <= 5);
    for k in [
        "access_token",
        "refresh_token",
        "open_id",
        "seller_name",
        "seller_base_region",
    ] {
        assert!(d[k].as_str().is_some_and(|s| !s.is_empty()), "{k}");
    }
    assert!(d["user_type"].is_number());
    assert!(!d["granted_scopes"].as_array().unwrap().is_empty());
    // The code works once.
    assert_eq!(
        token_get(&base, sb.app_key(), sb.app_secret(), &code).await["code"],
        36004005
    );
    assert_eq!(
        token_get(&base, sb.app_key(), sb.app_secret(), "made-up").await["code"],
        36004005
    );
    // A wrong grant type or secret is an invalid parameter.
    let r: Value = http()
        .get(format!("{base}/api/v2/token/get"))
        .query(&[
            ("app_key", sb.app_key()),
            ("app_secret", "wrong"),
            ("auth_code", "x"),
            ("grant_type", "authorized_code"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["code"], 36009004);
    assert!(r["data"].is_null());

    let old_access = d["access_token"].as_str().unwrap().to_string();
    let old_refresh = d["refresh_token"].as_str().unwrap().to_string();
    // Refresh: a new pair; the old refresh token stops working; the old access token still works.
    let r = token_refresh(&base, sb.app_key(), sb.app_secret(), &old_refresh).await;
    assert_eq!(r["code"], 0, "{r}");
    let new_access = r["data"]["access_token"].as_str().unwrap().to_string();
    let new_refresh = r["data"]["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(new_access, old_access);
    assert_ne!(new_refresh, old_refresh);
    assert_eq!(
        token_refresh(&base, sb.app_key(), sb.app_secret(), &old_refresh).await["code"],
        36004001
    );
    for t in [&old_access, &new_access] {
        let c = Caller::new(&sb, Some(t.clone()));
        assert_eq!(
            c.call("GET", "/authorization/202309/shops", None, &[], None)
                .await
                .code(),
            0
        );
    }
    // POST with a JSON body is accepted too.
    let r: Value = http()
        .post(format!("{base}/api/v2/token/refresh"))
        .json(&json!({"app_key": sb.app_key(), "app_secret": sb.app_secret(), "refresh_token": new_refresh, "grant_type": "refresh_token"}))
        .send().await.unwrap().json().await.unwrap();
    assert_eq!(r["code"], 0, "{r}");

    // A second authorization leaves the first pair valid.
    let code2 = consent(&base, sb.app_key(), &[]).await;
    let t2 = token_get(&base, sb.app_key(), sb.app_secret(), &code2).await;
    assert_eq!(t2["code"], 0);
    let c = Caller::new(&sb, Some(new_access));
    assert_eq!(
        c.call("GET", "/authorization/202309/shops", None, &[], None)
            .await
            .code(),
        0
    );

    // Codes live 30 minutes.
    let code3 = consent(&base, sb.app_key(), &[]).await;
    sb.state().advance_clock(31 * 60);
    assert_eq!(
        token_get(&base, sb.app_key(), sb.app_secret(), &code3).await["code"],
        36004005
    );
    // Refresh tokens expire.
    let refresh2 = t2["data"]["refresh_token"].as_str().unwrap().to_string();
    sb.state().advance_clock(91 * 86400);
    assert_eq!(
        token_refresh(&base, sb.app_key(), sb.app_secret(), &refresh2).await["code"],
        36004001
    );
    sb.stop().await;
}

#[tokio::test]
async fn consent_for_one_shop_only() {
    let sb = start(small()).await.unwrap();
    let shop_ids: Vec<String> = sb.state().with_world(|w| {
        w.sellers
            .values()
            .next()
            .unwrap()
            .shop_ids
            .iter()
            .map(|s| s.to_string())
            .collect()
    });
    let code = consent(&sb.base_url(), sb.app_key(), &[&shop_ids[1]]).await;
    let t = token_get(&sb.base_url(), sb.app_key(), sb.app_secret(), &code).await;
    let c = Caller::new(
        &sb,
        Some(t["data"]["access_token"].as_str().unwrap().into()),
    );
    let a = c
        .call("GET", "/authorization/202309/shops", None, &[], None)
        .await;
    let shops = a.data()["shops"].as_array().unwrap();
    assert_eq!(shops.len(), 1);
    assert_eq!(shops[0]["id"], shop_ids[1].as_str());
    sb.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Orders

#[tokio::test]
async fn order_search_pages_each_order_once() {
    let sb = start(small()).await.unwrap();
    let (c, shops) = connected(&sb).await;
    let ci = cipher(&shops[0]);
    for (field, order) in [
        ("create_time", "ASC"),
        ("create_time", "DESC"),
        ("update_time", "ASC"),
        ("update_time", "DESC"),
    ] {
        let mut seen = Vec::new();
        let mut token = String::new();
        let mut total;
        let mut prev: Option<i64> = None;
        loop {
            let mut q = vec![
                ("page_size", "7"),
                ("sort_field", field),
                ("sort_order", order),
            ];
            if !token.is_empty() {
                q.push(("page_token", token.as_str()));
            }
            let a = c
                .call(
                    "POST",
                    "/order/202309/orders/search",
                    Some(&ci),
                    &q,
                    Some(&json!({})),
                )
                .await;
            assert_eq!(a.code(), 0, "{}", a.body);
            total = a.data()["total_count"].as_u64().unwrap();
            for o in a.data()["orders"].as_array().unwrap() {
                seen.push(o["id"].as_str().unwrap().to_string());
                let t = o[field].as_i64().unwrap();
                if let Some(p) = prev {
                    assert!(
                        if order == "ASC" { t >= p } else { t <= p },
                        "sorted by {field} {order}"
                    );
                }
                prev = Some(t);
            }
            token = a.data()["next_page_token"].as_str().unwrap().to_string();
            if token.is_empty() {
                break;
            }
        }
        let unique: BTreeSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "no order twice ({field} {order})");
        assert_eq!(seen.len(), 60);
        assert_eq!(total, 60);
    }
    // Filters: status and a create-time window.
    let a = c
        .call(
            "POST",
            "/order/202309/orders/search",
            Some(&ci),
            &[("page_size", "100")],
            Some(&json!({"order_status": "AWAITING_SHIPMENT"})),
        )
        .await;
    let orders = a.data()["orders"].as_array().unwrap();
    assert!(!orders.is_empty());
    assert!(orders.iter().all(|o| o["status"] == "AWAITING_SHIPMENT"));
    let now = sb.state().now();
    let a = c
        .call(
            "POST",
            "/order/202309/orders/search",
            Some(&ci),
            &[("page_size", "100")],
            Some(&json!({"create_time_ge": now - 3 * 86400, "create_time_lt": now})),
        )
        .await;
    assert!(
        a.data()["orders"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["create_time"].as_i64().unwrap() >= now - 3 * 86400)
    );
    // Bounds and bad input.
    for ps in ["0", "101", "abc"] {
        let a = c
            .call(
                "POST",
                "/order/202309/orders/search",
                Some(&ci),
                &[("page_size", ps)],
                Some(&json!({})),
            )
            .await;
        assert_eq!(a.code(), 36009004, "page_size {ps}");
    }
    let a = c
        .call(
            "POST",
            "/order/202309/orders/search",
            Some(&ci),
            &[],
            Some(&json!({})),
        )
        .await;
    assert_eq!(a.code(), 36009004, "page_size is required");
    let a = c
        .call(
            "POST",
            "/order/202309/orders/search",
            Some(&ci),
            &[("page_size", "10"), ("sort_field", "price")],
            Some(&json!({})),
        )
        .await;
    assert_eq!(a.code(), 36009004);
    let a = c
        .call(
            "POST",
            "/order/202309/orders/search",
            Some(&ci),
            &[("page_size", "10"), ("page_token", "garbage")],
            Some(&json!({})),
        )
        .await;
    assert_eq!(a.code(), 36009004);
    let a = c
        .call(
            "POST",
            "/order/202309/orders/search",
            Some(&ci),
            &[("page_size", "10")],
            Some(&json!({"order_status": "LOST"})),
        )
        .await;
    assert_eq!(a.code(), 36009004);
    sb.stop().await;
}

#[tokio::test]
async fn order_detail_rules_and_shapes() {
    let sb = start(small()).await.unwrap();
    let (c, shops) = connected(&sb).await;
    let ci = cipher(&shops[0]);
    let shop_id: u64 = shops[0]["id"].as_str().unwrap().parse().unwrap();
    let (unpaid, shipped, cod_in_us) = sb.state().with_world(|w| {
        let mine: Vec<_> = w.orders.values().filter(|o| o.shop_id == shop_id).collect();
        (
            mine.iter()
                .find(|o| o.status == OrderStatus::Unpaid)
                .unwrap()
                .id
                .to_string(),
            mine.iter()
                .find(|o| o.status == OrderStatus::InTransit)
                .unwrap()
                .id
                .to_string(),
            mine.iter().any(|o| o.is_cod),
        )
    });
    assert!(!cod_in_us, "no COD in the US");
    let ids = format!("{unpaid},{shipped}");
    for path in ["/order/202309/orders", "/order/202507/orders"] {
        let a = c.call("GET", path, Some(&ci), &[("ids", &ids)], None).await;
        assert_eq!(a.code(), 0, "{}", a.body);
        let orders = a.data()["orders"].as_array().unwrap();
        assert_eq!(orders.len(), 2);
        let u = orders.iter().find(|o| o["id"] == unpaid.as_str()).unwrap();
        assert_eq!(
            u["recipient_address"]["full_address"], "",
            "hidden while UNPAID"
        );
        let s = orders.iter().find(|o| o["id"] == shipped.as_str()).unwrap();
        assert_ne!(s["recipient_address"]["full_address"], "");
        assert!(s["payment"]["total_amount"].is_string());
        assert_eq!(s["payment"]["currency"], "USD");
        for l in s["line_items"].as_array().unwrap() {
            assert!(l.get("quantity").is_none(), "one unit per line item");
            assert!(l["sale_price"].is_string());
        }
        assert!(!s["packages"].as_array().unwrap().is_empty());
    }
    let many: Vec<String> = (0..51)
        .map(|i| (576461413038000000u64 + i).to_string())
        .collect();
    let a = c
        .call(
            "GET",
            "/order/202309/orders",
            Some(&ci),
            &[("ids", &many.join(","))],
            None,
        )
        .await;
    assert_eq!(a.code(), 36009004);
    let a = c
        .call(
            "GET",
            "/order/202309/orders",
            Some(&ci),
            &[("ids", &many[..50].join(","))],
            None,
        )
        .await;
    assert_eq!(a.code(), 0);
    let a = c
        .call("GET", "/order/202309/orders", Some(&ci), &[], None)
        .await;
    assert_eq!(a.code(), 36009004);
    let a = c
        .call(
            "GET",
            "/order/202309/orders",
            Some(&ci),
            &[("ids", "12x")],
            None,
        )
        .await;
    assert_eq!(a.code(), 36009004);
    sb.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Fulfillment, cancel, stock

#[tokio::test]
async fn ship_cancel_and_stock() {
    let sb = start(small()).await.unwrap();
    let (c, shops) = connected(&sb).await;
    let ci = cipher(&shops[0]);
    let shop_id = shops[0]["id"].as_str().unwrap().to_string();
    let base = sb.base_url();
    let state = sb.state();
    let mut events = state.subscribe_events();

    // A fresh order through the control plane takes stock.
    let (sku, stock_before) = state.with_world(|w| {
        let p = w
            .products
            .values()
            .find(|p| {
                p.shop_id.to_string() == shop_id
                    && p.status == ProductStatus::Activate
                    && p.skus[0].inventory[0].quantity > 3
            })
            .unwrap();
        (p.skus[0].id, p.skus[0].total_stock())
    });
    let r: Value = http()
        .post(format!("{base}/_sandbox/shops/{shop_id}/orders"))
        .json(
            &json!({"sku_ids": [sku.to_string(), sku.to_string()], "status": "AWAITING_SHIPMENT"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let order = &r["orders"][0];
    assert_eq!(order["status"], "AWAITING_SHIPMENT", "{r}");
    assert_eq!(order["line_items"].as_array().unwrap().len(), 2);
    let order_id = order["id"].as_str().unwrap().to_string();
    let stock_after = state.with_world(|w| {
        w.find_sku(sku)
            .map(|(p, i)| p.skus[i].total_stock())
            .unwrap()
    });
    assert_eq!(stock_after, stock_before - 2);
    let mut kinds = Vec::new();
    while let Ok(e) = events.try_recv() {
        kinds.push(e.type_code());
    }
    assert!(kinds.contains(&1) && kinds.contains(&4), "{kinds:?}");

    // The seller cancels one unit: that line is cancelled by the seller, the order goes on.
    let first_line = order["line_items"][0]["id"].as_str().unwrap().to_string();
    let a = c
        .call(
            "POST",
            "/return_refund/202602/cancellations",
            Some(&ci),
            &[],
            Some(&json!({"order_id": order_id, "cancel_reason": "x", "order_line_item_ids": [first_line]})),
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    let d = c
        .call(
            "GET",
            "/order/202309/orders",
            Some(&ci),
            &[("ids", &order_id)],
            None,
        )
        .await;
    let o = &d.data()["orders"][0];
    assert_eq!(o["status"], "AWAITING_SHIPMENT", "{o}");
    assert_eq!(o["line_items"][0]["display_status"], "CANCELLED");
    assert_eq!(o["line_items"][0]["cancel_user"], "SELLER");
    assert_eq!(o["line_items"][1]["display_status"], "AWAITING_SHIPMENT");
    assert!(o["line_items"][1]["cancel_user"].is_null());

    // Seller cancel (of the rest) restores stock; then shipping the cancelled order is refused.
    let a = c
        .call(
            "POST",
            "/return_refund/202309/cancellations",
            Some(&ci),
            &[],
            Some(&json!({"order_id": order_id, "cancel_reason": "seller_out_of_stock"})),
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    assert!(a.data()["cancel_id"].is_string());
    let stock_back = state.with_world(|w| {
        w.find_sku(sku)
            .map(|(p, i)| p.skus[i].total_stock())
            .unwrap()
    });
    assert_eq!(stock_back, stock_before);
    let pkg = state.with_world(|w| w.orders[&order_id.parse().unwrap()].package_ids[0]);
    let a = c
        .call(
            "POST",
            &format!("/fulfillment/202309/packages/{pkg}/ship"),
            Some(&ci),
            &[],
            Some(&json!({"handover_method": "PICKUP"})),
        )
        .await;
    assert_eq!(a.code(), 21011004, "{}", a.body);
    let a = c
        .call(
            "POST",
            "/return_refund/202602/cancellations",
            Some(&ci),
            &[],
            Some(&json!({"order_id": order_id, "cancel_reason": "x"})),
        )
        .await;
    assert_ne!(a.code(), 0, "already cancelled");

    // Ship an order awaiting shipment → AWAITING_COLLECTION; again → refused; cancel → refused.
    let r: Value = http()
        .post(format!("{base}/_sandbox/shops/{shop_id}/orders"))
        .json(&json!({"status": "AWAITING_SHIPMENT", "shipping_type": "TIKTOK"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let order_id = r["orders"][0]["id"].as_str().unwrap().to_string();
    let pkg = r["orders"][0]["packages"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let a = c
        .call(
            "GET",
            &format!("/fulfillment/202309/packages/{pkg}/shipping_documents"),
            Some(&ci),
            &[("document_type", "SHIPPING_LABEL")],
            None,
        )
        .await;
    assert_eq!(a.code(), 21011003, "label before shipping");
    let a = c
        .call(
            "POST",
            &format!("/fulfillment/202309/packages/{pkg}/ship"),
            Some(&ci),
            &[],
            Some(&json!({"handover_method": "TELEPORT"})),
        )
        .await;
    assert_eq!(a.code(), 36009004);
    let a = c
        .call(
            "POST",
            &format!("/fulfillment/202309/packages/{pkg}/ship"),
            Some(&ci),
            &[],
            Some(&json!({"handover_method": "DROP_OFF"})),
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    let d = c
        .call(
            "GET",
            "/order/202309/orders",
            Some(&ci),
            &[("ids", &order_id)],
            None,
        )
        .await;
    assert_eq!(d.data()["orders"][0]["status"], "AWAITING_COLLECTION");
    assert_ne!(d.data()["orders"][0]["tracking_number"], "");
    let a = c
        .call(
            "POST",
            &format!("/fulfillment/202309/packages/{pkg}/ship"),
            Some(&ci),
            &[],
            Some(&json!({"handover_method": "PICKUP"})),
        )
        .await;
    assert_eq!(a.code(), 21011005);
    let a = c
        .call(
            "POST",
            "/return_refund/202309/cancellations",
            Some(&ci),
            &[],
            Some(&json!({"order_id": order_id, "cancel_reason": "late"})),
        )
        .await;
    assert_eq!(a.code(), 25001001, "no cancelling a shipped order");
    let p = c
        .call(
            "GET",
            &format!("/fulfillment/202309/packages/{pkg}"),
            Some(&ci),
            &[],
            None,
        )
        .await;
    assert_eq!(p.data()["package_status"], "FULFILLING");

    // The label is a real PDF.
    let a = c
        .call(
            "GET",
            &format!("/fulfillment/202309/packages/{pkg}/shipping_documents"),
            Some(&ci),
            &[("document_type", "SHIPPING_LABEL")],
            None,
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    let url = a.data()["doc_url"].as_str().unwrap();
    let bytes = http().get(url).send().await.unwrap().bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let a = c
        .call(
            "GET",
            &format!("/fulfillment/202309/orders/{order_id}/tracking"),
            Some(&ci),
            &[],
            None,
        )
        .await;
    assert_eq!(a.code(), 0);
    assert!(!a.data()["tracking"].as_array().unwrap().is_empty());

    // Batch ship: per-item errors in a code-0 answer.
    let r: Value = http()
        .post(format!("{base}/_sandbox/shops/{shop_id}/orders"))
        .json(&json!({"status": "AWAITING_SHIPMENT", "shipping_type": "TIKTOK"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let good = r["orders"][0]["packages"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let a = c.call("POST", "/fulfillment/202309/packages/ship", Some(&ci), &[], Some(&json!({"packages": [{"id": good, "handover_method": "PICKUP"}, {"id": pkg}, {"id": "123"}]}))).await;
    assert_eq!(a.code(), 0, "{}", a.body);
    let errors = a.data()["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["detail"]["package_id"], pkg.as_str());

    // Seller-shipped orders need self_shipment with a provider of the region.
    let r: Value = http()
        .post(format!("{base}/_sandbox/shops/{shop_id}/orders"))
        .json(&json!({"status": "AWAITING_SHIPMENT", "shipping_type": "SELLER"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let spkg = r["orders"][0]["packages"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let sorder = r["orders"][0]["id"].as_str().unwrap().to_string();
    let a = c
        .call(
            "POST",
            &format!("/fulfillment/202309/packages/{spkg}/ship"),
            Some(&ci),
            &[],
            Some(&json!({"handover_method": "PICKUP"})),
        )
        .await;
    assert_eq!(a.code(), 36009004);
    let wh = c
        .call("GET", "/logistics/202309/warehouses", Some(&ci), &[], None)
        .await;
    let whs = wh.data()["warehouses"].as_array().unwrap();
    assert!(whs.iter().any(|w| w["type"] == "RETURN_WAREHOUSE"));
    let sales = whs
        .iter()
        .find(|w| w["type"] == "SALES_WAREHOUSE" && w["is_default"] == true)
        .unwrap();
    let opts = c
        .call(
            "GET",
            &format!(
                "/logistics/202309/warehouses/{}/delivery_options",
                sales["id"].as_str().unwrap()
            ),
            Some(&ci),
            &[],
            None,
        )
        .await;
    let opt = opts.data()["delivery_options"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let provs = c
        .call(
            "GET",
            &format!("/logistics/202309/delivery_options/{opt}/shipping_providers"),
            Some(&ci),
            &[],
            None,
        )
        .await;
    let prov = provs.data()["shipping_providers"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let a = c.call("POST", &format!("/fulfillment/202309/packages/{spkg}/ship"), Some(&ci), &[], Some(&json!({"self_shipment": {"tracking_number": "1Z999", "shipping_provider_id": prov}}))).await;
    assert_eq!(a.code(), 0, "{}", a.body);
    let a = c
        .call(
            "POST",
            &format!("/fulfillment/202309/orders/{sorder}/shipping_info/update"),
            Some(&ci),
            &[],
            Some(&json!({"tracking_number": "1Z1000", "shipping_provider_id": prov})),
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    let d = c
        .call(
            "GET",
            "/order/202309/orders",
            Some(&ci),
            &[("ids", &sorder)],
            None,
        )
        .await;
    assert_eq!(d.data()["orders"][0]["tracking_number"], "1Z1000");

    // Advancing through the lifecycle to COMPLETED.
    for want in ["IN_TRANSIT", "DELIVERED", "COMPLETED"] {
        let r: Value = http()
            .post(format!("{base}/_sandbox/orders/{sorder}/advance"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["status"], want);
    }
    let r = http()
        .post(format!("{base}/_sandbox/orders/{sorder}/advance"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 409);
    sb.stop().await;
}

#[tokio::test]
async fn on_hold_is_released_by_the_clock() {
    let sb = start(small()).await.unwrap();
    let shop_id = sb.state().with_world(|w| *w.shops.keys().next().unwrap());
    let r: Value = http()
        .post(format!("{}/_sandbox/shops/{shop_id}/orders", sb.base_url()))
        .json(&json!({"status": "ON_HOLD"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id: u64 = r["orders"][0]["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(r["orders"][0]["is_on_hold_order"], true);
    sb.state().advance_clock(3601);
    let (status, pkgs) = sb
        .state()
        .with_world(|w| (w.orders[&id].status, w.orders[&id].package_ids.len()));
    assert_eq!(status, OrderStatus::AwaitingShipment);
    assert_eq!(pkgs, 1);
    sb.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Products

#[tokio::test]
async fn products_lifecycle() {
    let sb = start(small()).await.unwrap();
    let (c, shops) = connected(&sb).await;
    let ci = cipher(&shops[0]);
    // Search pages through all non-deleted products once.
    let mut seen = BTreeSet::new();
    let mut token = String::new();
    loop {
        let mut q = vec![("page_size", "4")];
        if !token.is_empty() {
            q.push(("page_token", token.as_str()));
        }
        let a = c
            .call(
                "POST",
                "/product/202309/products/search",
                Some(&ci),
                &q,
                Some(&json!({})),
            )
            .await;
        assert_eq!(a.code(), 0, "{}", a.body);
        for p in a.data()["products"].as_array().unwrap() {
            assert!(seen.insert(p["id"].as_str().unwrap().to_string()));
            assert_ne!(p["status"], "DELETED");
            assert!(p["skus"][0]["price"]["sale_price"].is_string());
        }
        token = a.data()["next_page_token"].as_str().unwrap().to_string();
        if token.is_empty() {
            break;
        }
    }
    assert!(seen.len() >= 10);
    let a = c
        .call(
            "POST",
            "/product/202309/products/search",
            Some(&ci),
            &[("page_size", "101")],
            Some(&json!({})),
        )
        .await;
    assert_eq!(a.code(), 36009004);
    let a = c
        .call(
            "POST",
            "/product/202309/products/search",
            Some(&ci),
            &[("page_size", "100")],
            Some(&json!({"status": "ACTIVATE"})),
        )
        .await;
    assert!(
        a.data()["products"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["status"] == "ACTIVATE")
    );

    // Catalogue.
    let cats = c
        .call("GET", "/product/202309/categories", Some(&ci), &[], None)
        .await;
    let cats = cats.data()["categories"].as_array().unwrap().clone();
    let leaf = cats
        .iter()
        .find(|x| x["is_leaf"] == true && x["local_name"] == "T-shirts")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let parent = cats.iter().find(|x| x["is_leaf"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(cats.iter().any(|x| x["parent_id"] == "0"));
    let attrs = c
        .call(
            "GET",
            &format!("/product/202309/categories/{leaf}/attributes"),
            Some(&ci),
            &[],
            None,
        )
        .await;
    assert_eq!(attrs.code(), 0);
    assert!(
        attrs.data()["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["type"] == "SALES_PROPERTY")
    );
    assert_eq!(
        c.call(
            "GET",
            &format!("/product/202309/categories/{leaf}/rules"),
            Some(&ci),
            &[],
            None
        )
        .await
        .code(),
        0
    );
    assert_eq!(
        c.call(
            "GET",
            "/product/202309/categories/999/rules",
            Some(&ci),
            &[],
            None
        )
        .await
        .code(),
        12019017
    );
    let brands = c
        .call(
            "GET",
            "/product/202309/brands",
            Some(&ci),
            &[("page_size", "3")],
            None,
        )
        .await;
    assert_eq!(brands.data()["brands"].as_array().unwrap().len(), 3);
    assert!(
        !brands.data()["next_page_token"]
            .as_str()
            .unwrap()
            .is_empty()
    );

    // Create: validation, leaf check, success, idempotency.
    let wh = c
        .call("GET", "/logistics/202309/warehouses", Some(&ci), &[], None)
        .await;
    let wh_id = wh.data()["warehouses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["type"] == "SALES_WAREHOUSE")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let product = |cat: &str| {
        json!({
            "title": "Test Tee",
            "description": "<p>Soft.</p>",
            "category_id": cat,
            "main_images": [{"uri": "tos-test/abc"}],
            "package_weight": {"value": "0.3", "unit": "KILOGRAM"},
            "skus": [
                {"seller_sku": "TT-S", "sales_attributes": [{"name": "Size", "value_name": "S"}], "price": {"amount": "12.50", "currency": "USD"}, "inventory": [{"warehouse_id": wh_id, "quantity": 10}]},
                {"seller_sku": "TT-M", "sales_attributes": [{"name": "Size", "value_name": "M"}], "price": {"amount": "12.50", "currency": "USD"}, "inventory": [{"warehouse_id": wh_id, "quantity": 5}]}
            ],
            "idempotency_key": "create-1",
        })
    };
    let mut missing = product(&leaf);
    missing.as_object_mut().unwrap().remove("title");
    assert_eq!(
        c.call(
            "POST",
            "/product/202309/products",
            Some(&ci),
            &[],
            Some(&missing)
        )
        .await
        .code(),
        36009004
    );
    let mut bad_price = product(&leaf);
    bad_price["skus"][0]["price"]["currency"] = json!("GBP");
    assert_eq!(
        c.call(
            "POST",
            "/product/202309/products",
            Some(&ci),
            &[],
            Some(&bad_price)
        )
        .await
        .code(),
        36009004
    );
    let mut neg = product(&leaf);
    neg["skus"][0]["inventory"][0]["quantity"] = json!(-1);
    assert_ne!(
        c.call(
            "POST",
            "/product/202309/products",
            Some(&ci),
            &[],
            Some(&neg)
        )
        .await
        .code(),
        0
    );
    let mut ten_images = product(&leaf);
    ten_images["main_images"] = json!(
        (0..10)
            .map(|i| json!({"uri": format!("u{i}")}))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        c.call(
            "POST",
            "/product/202309/products",
            Some(&ci),
            &[],
            Some(&ten_images)
        )
        .await
        .code(),
        36009004
    );
    assert_eq!(
        c.call(
            "POST",
            "/product/202309/products",
            Some(&ci),
            &[],
            Some(&product(&parent))
        )
        .await
        .code(),
        12019018
    );
    let created = c
        .call(
            "POST",
            "/product/202309/products",
            Some(&ci),
            &[],
            Some(&product(&leaf)),
        )
        .await;
    assert_eq!(created.code(), 0, "{}", created.body);
    let pid = created.data()["product_id"].as_str().unwrap().to_string();
    assert_eq!(created.data()["skus"].as_array().unwrap().len(), 2);
    let again = c
        .call(
            "POST",
            "/product/202309/products",
            Some(&ci),
            &[],
            Some(&product(&leaf)),
        )
        .await;
    assert_eq!(again.data()["product_id"], pid.as_str(), "idempotency_key");
    let got = c
        .call(
            "GET",
            &format!("/product/202309/products/{pid}"),
            Some(&ci),
            &[],
            None,
        )
        .await;
    assert_eq!(got.data()["status"], "PENDING");
    sb.state().advance_clock(61);
    let got = c
        .call(
            "GET",
            &format!("/product/202309/products/{pid}"),
            Some(&ci),
            &[],
            None,
        )
        .await;
    assert_eq!(got.data()["status"], "ACTIVATE", "audit passes with time");
    let sku_m = created.data()["skus"][1]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let sku_s = created.data()["skus"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Full edit (202509): SKUs left out are deleted.
    let mut full = product(&leaf);
    full["skus"] = json!([{"id": sku_s, "seller_sku": "TT-S", "sales_attributes": [{"name": "Size", "value_name": "S"}], "price": {"amount": "13.00", "currency": "USD"}, "inventory": [{"warehouse_id": wh_id, "quantity": 10}]}]);
    let e = c
        .call(
            "PUT",
            &format!("/product/202509/products/{pid}"),
            Some(&ci),
            &[],
            Some(&full),
        )
        .await;
    assert_eq!(e.code(), 0, "{}", e.body);
    let got = c
        .call(
            "GET",
            &format!("/product/202309/products/{pid}"),
            Some(&ci),
            &[],
            None,
        )
        .await;
    assert_eq!(got.data()["skus"].as_array().unwrap().len(), 1);
    assert_eq!(got.data()["skus"][0]["price"]["sale_price"], "13.00");
    // Partial edit: only the title.
    let e = c
        .call(
            "POST",
            &format!("/product/202309/products/{pid}/partial_edit"),
            Some(&ci),
            &[],
            Some(&json!({"title": "Renamed Tee"})),
        )
        .await;
    assert_eq!(e.code(), 0, "{}", e.body);
    let got = c
        .call(
            "GET",
            &format!("/product/202309/products/{pid}"),
            Some(&ci),
            &[],
            None,
        )
        .await;
    assert_eq!(got.data()["title"], "Renamed Tee");
    assert_eq!(got.data()["skus"].as_array().unwrap().len(), 1);
    let e = c
        .call(
            "POST",
            &format!("/product/202509/products/{pid}/partial_edit"),
            Some(&ci),
            &[],
            Some(&json!({"skus": [{"id": sku_m, "price": {"amount": "1.00", "currency": "USD"}}]})),
        )
        .await;
    assert_eq!(e.code(), 12052049, "a deleted SKU is gone");

    // Price and inventory updates.
    let e = c
        .call(
            "POST",
            &format!("/product/202309/products/{pid}/prices/update"),
            Some(&ci),
            &[],
            Some(&json!({"skus": [{"id": sku_s, "price": {"amount": "1.32", "currency": "USD"}}]})),
        )
        .await;
    assert_eq!(e.code(), 0, "{}", e.body);
    let e = c
        .call(
            "POST",
            &format!("/product/202309/products/{pid}/prices/update"),
            Some(&ci),
            &[],
            Some(&json!({"skus": [{"id": sku_s, "price": {"amount": "-1", "currency": "USD"}}]})),
        )
        .await;
    assert_eq!(e.code(), 36009004);
    let inv = json!({"skus": [
        {"id": sku_s, "inventory": [{"warehouse_id": wh_id, "quantity": 7}]},
        {"id": "1", "inventory": [{"warehouse_id": wh_id, "quantity": 7}]},
        {"id": sku_s, "inventory": [{"warehouse_id": wh_id, "quantity": -3}]}
    ]});
    let e = c
        .call(
            "POST",
            &format!("/product/202309/products/{pid}/inventory/update"),
            Some(&ci),
            &[],
            Some(&inv),
        )
        .await;
    assert_eq!(e.code(), 0, "{}", e.body);
    assert_eq!(e.data()["errors"].as_array().unwrap().len(), 2);
    let got = c
        .call(
            "GET",
            &format!("/product/202309/products/{pid}"),
            Some(&ci),
            &[],
            None,
        )
        .await;
    assert_eq!(
        got.data()["skus"][0]["inventory"][0]["quantity"],
        7,
        "never negative"
    );
    assert_eq!(got.data()["skus"][0]["price"]["sale_price"], "1.32");
    let no_wh = json!({"skus": [{"id": sku_s, "inventory": [{"quantity": 7}]}]});
    assert_eq!(
        c.call(
            "POST",
            &format!("/product/202309/products/{pid}/inventory/update"),
            Some(&ci),
            &[],
            Some(&no_wh)
        )
        .await
        .code(),
        36009004
    );
    let s = c
        .call(
            "POST",
            "/product/202309/inventory/search",
            Some(&ci),
            &[],
            Some(&json!({"product_ids": [pid]})),
        )
        .await;
    assert_eq!(
        s.data()["inventory"][0]["skus"][0]["total_available_quantity"],
        7
    );

    // Deactivate / activate: ≤ 20 ids, per-item errors.
    let too_many: Vec<String> = (0..21)
        .map(|i| (1729592969712000000u64 + i).to_string())
        .collect();
    assert_eq!(
        c.call(
            "POST",
            "/product/202309/products/deactivate",
            Some(&ci),
            &[],
            Some(&json!({"product_ids": too_many}))
        )
        .await
        .code(),
        36009004
    );
    let d = c
        .call(
            "POST",
            "/product/202309/products/deactivate",
            Some(&ci),
            &[],
            Some(&json!({"product_ids": [pid, "42"]})),
        )
        .await;
    assert_eq!(d.code(), 0);
    assert_eq!(d.data()["errors"].as_array().unwrap().len(), 1);
    assert_eq!(d.data()["errors"][0]["detail"]["product_id"], "42");
    let got = c
        .call(
            "GET",
            &format!("/product/202309/products/{pid}"),
            Some(&ci),
            &[],
            None,
        )
        .await;
    assert_eq!(got.data()["status"], "SELLER_DEACTIVATED");
    let d = c
        .call(
            "POST",
            "/product/202309/products/activate",
            Some(&ci),
            &[],
            Some(&json!({"product_ids": [pid]})),
        )
        .await;
    assert_eq!(d.data()["errors"], json!([]));
    // Delete.
    let d = c
        .call(
            "DELETE",
            "/product/202309/products",
            Some(&ci),
            &[],
            Some(&json!({"product_ids": [pid]})),
        )
        .await;
    assert_eq!(d.code(), 0);
    let got = c
        .call(
            "GET",
            &format!("/product/202309/products/{pid}"),
            Some(&ci),
            &[],
            None,
        )
        .await;
    assert_eq!(got.data()["status"], "DELETED");
    let e = c
        .call(
            "POST",
            &format!("/product/202309/products/{pid}/partial_edit"),
            Some(&ci),
            &[],
            Some(&json!({"title": "x"})),
        )
        .await;
    assert_eq!(e.code(), 12052220);
    // Another shop's product is not found here.
    let uk = cipher(&shops[1]);
    assert_eq!(
        c.call(
            "GET",
            &format!("/product/202309/products/{pid}"),
            Some(&uk),
            &[],
            None
        )
        .await
        .code(),
        12052048
    );
    sb.stop().await;
}

// ---------------------------------------------------------------------------------------------
// World

#[tokio::test]
async fn determinism_by_seed() {
    let fingerprint = |sb: &tiktok_sandbox::RunningSandbox| {
        sb.state().with_world(|w| {
            (
                w.shops
                    .values()
                    .map(|s| (s.id, s.cipher.clone()))
                    .collect::<Vec<_>>(),
                w.products
                    .values()
                    .map(|p| (p.id, p.title.clone(), p.skus.len()))
                    .collect::<Vec<_>>(),
                w.orders
                    .values()
                    .map(|o| (o.id, o.status, o.line_items.len(), o.payment.total_amount))
                    .collect::<Vec<_>>(),
            )
        })
    };
    let a = start(small()).await.unwrap();
    let b = start(small()).await.unwrap();
    let c = start(SandboxConfig { seed: 7, ..small() }).await.unwrap();
    assert_eq!(fingerprint(&a), fingerprint(&b));
    assert_ne!(fingerprint(&a), fingerprint(&c));
    // Reset gives the same world back.
    let before = fingerprint(&a);
    let shop = a.state().with_world(|w| *w.shops.keys().next().unwrap());
    let r = http()
        .post(format!("{}/_sandbox/shops/{shop}/orders", a.base_url()))
        .json(&json!({"count": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_ne!(fingerprint(&a), before);
    http()
        .post(format!("{}/_sandbox/reset", a.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(fingerprint(&a), before);
    let overview: Value = http()
        .get(format!("{}/_sandbox/", a.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        overview["world"]["sellers"][0]["shops"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(overview["world"]["sellers"][0]["shops"][0]["cipher"].is_string());
    for s in [a, b, c] {
        s.stop().await;
    }
}

#[tokio::test]
async fn starts_with_100k_orders() {
    let t = Instant::now();
    let sb = start(SandboxConfig {
        orders: 100_000,
        products: 50,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    println!(
        "start with 100,000 orders per shop: {:?} (debug build)",
        t.elapsed()
    );
    let (c, shops) = connected(&sb).await;
    let ci = cipher(&shops[0]);
    let t = Instant::now();
    let a = c
        .call(
            "POST",
            "/order/202309/orders/search",
            Some(&ci),
            &[("page_size", "100"), ("sort_field", "update_time")],
            Some(&json!({"order_status": "AWAITING_SHIPMENT"})),
        )
        .await;
    println!("one search page over 100,000 orders: {:?}", t.elapsed());
    assert_eq!(a.code(), 0);
    assert_eq!(a.data()["orders"].as_array().unwrap().len(), 100);
    sb.stop().await;
}

#[tokio::test]
async fn expiry_notice_and_cod_regions() {
    let sb = start(SandboxConfig {
        refresh_token_ttl: Duration::from_secs(10 * 86400),
        ..small()
    })
    .await
    .unwrap();
    let _ = connected(&sb).await;
    let mut events = sb.state().subscribe_events();
    // Three days in, the newest refresh token expires within seven days: the app is told, once per shop.
    sb.state().advance_clock(3 * 86400 + 60);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut notices = 0;
    while Instant::now() < deadline && notices < 2 {
        match tokio::time::timeout(Duration::from_millis(500), events.recv()).await {
            Ok(Ok(SandboxEvent::UpcomingAuthorizationExpiration { app_key, .. })) => {
                assert_eq!(app_key, sb.app_key());
                notices += 1;
            }
            _ => {}
        }
    }
    assert_eq!(notices, 2, "one notice per authorized shop");

    // COD exists only where the region has it (the second seller's Indonesian shop).
    sb.state().with_world(|w| {
        for o in w.orders.values() {
            let region = w.shops[&o.shop_id].region;
            assert!(!o.is_cod || region.has_cod(), "COD in {region:?}");
        }
        assert!(w.orders.values().any(|o| o.is_cod));
        let id_shop = w.shops.values().find(|s| s.region.code() == "ID").unwrap();
        let o = w.orders.values().find(|o| o.shop_id == id_shop.id).unwrap();
        let j = tiktok_sandbox::world::json::order_json(w, o);
        assert_eq!(j["payment"]["currency"], "IDR");
        assert!(!j["payment"]["total_amount"].as_str().unwrap().contains('.'));
    });
    sb.stop().await;
}
