//! Black-box tests of the sandbox's OAuth over real HTTP: consent, token get and refresh, and consent for
//! one shop only.

mod common;

use common::*;
use serde_json::{Value, json};
use tiktok_sandbox::start;

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
