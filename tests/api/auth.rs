//! Authentication and role guards over HTTP.

use api::auth::Role;
use base64::Engine;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn no_token_or_a_bad_one_is_a_401() {
    let app = spawn_app().await;
    let (status, err) = app.send(reqwest::Method::GET, SHOPS, None, None).await;
    assert_error(status, &err, 401, "unauthorized");
    let (status, err) = app.get(SHOPS, "not-a-jwt").await;
    assert_error(status, &err, 401, "unauthorized");

    let expired = app
        .jwt
        .mint("acme", "a", Role::Admin, chrono::Duration::hours(-2))
        .unwrap();
    let (status, err) = app.get(SHOPS, &expired).await;
    assert_error(status, &err, 401, "token_expired");

    let foreign = api::auth::JwtKeys::new(&api::config::JwtSettings {
        secret: secrecy::SecretSlice::from(b"some-other-secret-some-other-secret".to_vec()),
        issuer: None,
        audience: None,
    })
    .mint("acme", "a", Role::Admin, chrono::Duration::hours(1))
    .unwrap();
    let (status, err) = app.get(SHOPS, &foreign).await;
    assert_error(status, &err, 401, "unauthorized");

    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let exp = chrono::Utc::now().timestamp() + 3600;
    let none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(format!(
            r#"{{"sub":"a","tenant":"acme","role":"admin","exp":{exp}}}"#
        ))
    );
    let (status, err) = app.get(SHOPS, &none).await;
    assert_error(status, &err, 401, "unauthorized");
}

#[tokio::test]
async fn viewers_and_operators_cannot_configure() {
    let app = spawn_app().await;
    let shop = app.create_shop(&app.admin(), json!({})).await;
    let path = format!("{SHOPS}/{}", shop["id"].as_str().unwrap());
    for role in [Role::Viewer, Role::Operator] {
        let t = app.token("acme", role);
        let (status, err) = app.post(SHOPS, &t, shop_body()).await;
        assert_error(status, &err, 403, "forbidden");
        let (status, err) = app.patch(&path, &t, json!({"name": "nope"})).await;
        assert_error(status, &err, 403, "forbidden");
        let (status, err) = app
            .put(&format!("{path}/features"), &t, json!({"features": {}}))
            .await;
        assert_error(status, &err, 403, "forbidden");
        let (status, err) = app.delete(&path, &t).await;
        assert_error(status, &err, 403, "forbidden");
        let (status, _) = app.get(&path, &t).await;
        assert_eq!(status, 200, "{role:?} reads");
    }
    assert_eq!(app.shop_count().await, 1);
}
