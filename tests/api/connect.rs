//! Connect & Authorize against the sandbox: the whole flow through the consent form, each callback
//! failure, TikTok refusing the code, and disconnect.

use api::auth::Role;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::helpers::*;
use crate::sandbox_env::*;

async fn grant_count(env: &SandboxEnv) -> u64 {
    entity::tiktok_grant::Entity::find()
        .count(&env.app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_seller_authorizes_through_the_consent_form_and_both_shops_connect() {
    let env = sandbox_env().await;
    let url = env.authorize_url().await;
    let q = query_of(&url);
    assert_eq!(q["service_id"], SERVICE_ID);
    assert!(q["state"].len() >= 22, "at least 128 random bits");
    let (_, shop) = env.app.get(&env.shop_path(""), &env.token).await;
    assert_eq!(shop["status"], "authorizing");

    let outcome = env.connect().await;
    assert_eq!(outcome["shop_id"], env.shop_id);
    assert_eq!(
        outcome["shops"], "2",
        "the sandbox seller has two shops; one authorization covers both"
    );

    let status = env.status().await;
    assert_eq!(status["status"], "connected");
    assert!(
        status["seller_name"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert!(status["tiktok_shop_id"].as_str().is_some());
    assert!(
        status["granted_scopes"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
    );
    let expires =
        chrono::DateTime::parse_from_rfc3339(status["access_token_expires_at"].as_str().unwrap())
            .unwrap();
    assert!(
        expires > chrono::Utc::now() + chrono::Duration::days(6),
        "absolute expiry read as a timestamp"
    );
    assert_eq!(status["warnings"], json!([]));

    let (_, list) = env.app.get(SHOPS, &env.token).await;
    let shops = list["items"].as_array().unwrap();
    assert_eq!(shops.len(), 2);
    assert!(shops.iter().all(|s| s["status"] == "connected"));
    assert_ne!(shops[0]["shop_id"], shops[1]["shop_id"]);

    // Tokens are sealed at rest.
    let grant = entity::tiktok_grant::Entity::find()
        .one(&env.app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(grant.access_token_sealed.unwrap().starts_with("v1."));
    assert!(grant.refresh_token_sealed.unwrap().starts_with("v1."));

    // The connected shop really works: a signed call with its cipher and token.
    let mut session = env.session().await;
    let warehouses: serde_json::Value = session
        .call(
            env.app.state.access(),
            reqwest::Method::GET,
            "/logistics/202309/warehouses",
            vec![],
            None,
        )
        .await
        .unwrap()
        .data;
    assert!(
        warehouses["warehouses"]
            .as_array()
            .is_some_and(|w| w.len() >= 2)
    );
}

#[tokio::test]
async fn every_callback_failure_stores_nothing_and_says_why() {
    let env = sandbox_env().await;
    let callback = |query: &str| {
        env.app
            .url(&format!("/api/integrations/tiktok/callback{query}"))
    };

    let q = env.follow_callback(&callback("")).await;
    assert_eq!(
        (q["tiktok_connect"].as_str(), q["reason"].as_str()),
        ("error", "state_missing")
    );
    let q = env
        .follow_callback(&callback("?code=abc&state=forged-state"))
        .await;
    assert_eq!(q["reason"], "state_unknown");

    // The seller presses Deny.
    let url = env.authorize_url().await;
    let denied = env.consent(&url, "deny").await;
    assert_eq!(query_of(&denied)["error"], "auth_denied");
    let q = env.follow_callback(&denied).await;
    assert_eq!(q["reason"], "auth_denied");
    let (_, shop) = env.app.get(&env.shop_path(""), &env.token).await;
    assert_eq!(shop["status"], "configured", "back to where it was");

    // A used state cannot be replayed.
    let url = env.authorize_url().await;
    let good = env.consent(&url, "authorize").await;
    let replay_state = query_of(&url)["state"].clone();
    env.follow_callback(&good).await;
    let q = env
        .follow_callback(&callback(&format!("?code=x&state={replay_state}")))
        .await;
    assert_eq!(q["reason"], "state_used");
    assert_eq!(
        grant_count(&env).await,
        1,
        "only the successful attempt stored anything"
    );
}

#[tokio::test]
async fn an_expired_state_is_refused() {
    let env = sandbox_env().await;
    let url = env.authorize_url().await;
    let callback = env.consent(&url, "authorize").await;
    env.app.clock.advance(chrono::Duration::minutes(11));
    let q = env.follow_callback(&callback).await;
    assert_eq!(q["reason"], "state_expired");
    assert_eq!(grant_count(&env).await, 0);
}

#[tokio::test]
async fn a_code_tiktok_refuses_comes_back_with_tiktoks_code_and_request_id() {
    let env = sandbox_env().await;
    let url = env.authorize_url().await;
    let callback = env.consent(&url, "authorize").await;
    let mut tampered = url::Url::parse(&callback).unwrap();
    let state = query_of(&callback)["state"].clone();
    tampered.set_query(Some(&format!(
        "code=not-a-code-tiktok-issued&state={state}"
    )));
    let q = env.follow_callback(tampered.as_str()).await;
    assert_eq!(q["reason"], "tiktok_refused_code", "{q:?}");
    assert_eq!(q["tiktok_code"], "36004005");
    assert!(q.get("tiktok_request_id").is_some_and(|r| !r.is_empty()));
    assert_eq!(grant_count(&env).await, 0);
    let (_, shop) = env.app.get(&env.shop_path(""), &env.token).await;
    assert_eq!(shop["status"], "configured");
}

#[tokio::test]
async fn a_configured_shop_id_the_seller_did_not_authorize_is_refused() {
    let env = sandbox_env().await;
    let (status, _) = env
        .app
        .patch(
            &env.shop_path(""),
            &env.token,
            json!({"shop_id": "123456789"}),
        )
        .await;
    assert_eq!(status, 200);
    let url = env.authorize_url().await;
    let callback = env.consent(&url, "authorize").await;
    let q = env.follow_callback(&callback).await;
    assert_eq!(q["reason"], "shop_not_authorized");
    assert!(q["message"].contains("123456789"));
    assert_eq!(grant_count(&env).await, 0);
}

#[tokio::test]
async fn connect_needs_an_admin_and_the_tenants_own_shop() {
    let env = sandbox_env().await;
    for role in [Role::Viewer, Role::Operator] {
        let (status, err) = env
            .app
            .post(
                &env.shop_path("/connect"),
                &env.app.token("acme", role),
                json!({}),
            )
            .await;
        assert_error(status, &err, 403, "forbidden");
    }
    let (status, err) = env
        .app
        .post(
            &env.shop_path("/connect"),
            &env.app.token("globex", Role::Admin),
            json!({}),
        )
        .await;
    assert_error(status, &err, 404, "not_found");
    let (status, err) = env
        .app
        .get(
            &env.shop_path("/status"),
            &env.app.token("globex", Role::Admin),
        )
        .await;
    assert_error(status, &err, 404, "not_found");
}

#[tokio::test]
async fn disconnect_erases_the_tokens_and_keeps_the_shop() {
    let env = sandbox_env().await;
    env.connect().await;
    // Disconnect both shops of the authorization: the tokens go with the last one.
    let (_, list) = env.app.get(SHOPS, &env.token).await;
    for shop in list["items"].as_array().unwrap() {
        let (status, body) = env
            .app
            .post(
                &format!("{SHOPS}/{}/disconnect", shop["id"].as_str().unwrap()),
                &env.token,
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "disconnected");
    }
    let grant = entity::tiktok_grant::Entity::find()
        .one(&env.app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grant.access_token_sealed, None);
    assert_eq!(grant.refresh_token_sealed, None);
    let status = env.status().await;
    assert_eq!(status["status"], "disconnected");
    assert!(status["tiktok_shop_id"].is_string(), "history kept");
    // And it can connect again.
    env.connect().await;
}

#[tokio::test]
async fn a_refresh_token_close_to_expiry_shows_a_warning() {
    let env = sandbox_env_with(
        |c| c.refresh_token_ttl = std::time::Duration::from_secs(3 * 24 * 3600),
        |_| {},
    )
    .await;
    env.connect().await;
    let status = env.status().await;
    let warnings = status["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{status}");
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .contains("connect the shop again")
    );
}

#[tokio::test]
async fn a_tiktok_shop_has_one_owner() {
    let env = sandbox_env().await;
    env.connect().await;
    let tiktok_shop = env.tiktok_shop_id().await;

    // Another tenant configures the same app and authorizes the same seller: refused at the
    // callback, with the reason, and nothing of theirs is connected.
    let globex = env.app.token("globex", Role::Admin);
    let theirs = env
        .app
        .create_shop(
            &globex,
            json!({"app_key": APP_KEY, "app_secret": APP_SECRET_TT, "service_id": SERVICE_ID}),
        )
        .await;
    let theirs_path = format!("{SHOPS}/{}", theirs["id"].as_str().unwrap());
    let (status, body) = env
        .app
        .post(&format!("{theirs_path}/connect"), &globex, json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let callback = env
        .consent(body["authorize_url"].as_str().unwrap(), "authorize")
        .await;
    let outcome = env.follow_callback(&callback).await;
    assert_eq!(outcome["tiktok_connect"], "error", "{outcome:?}");
    assert_eq!(outcome["reason"], "shop_connected_elsewhere", "{outcome:?}");
    assert!(outcome["message"].contains(&tiktok_shop), "{outcome:?}");
    let (_, mine) = env.app.get(&theirs_path, &globex).await;
    assert_eq!(mine["status"], "configured", "{mine}");
    let (_, list) = env.app.get(SHOPS, &globex).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "no shop of the seller's was taken along: {list}"
    );
    assert_eq!(
        env.status().await["status"],
        "connected",
        "the owner keeps it"
    );

    // In one tenant a TikTok shop is configured once, whatever the app key.
    let (status, body) = env
        .app
        .post(
            SHOPS,
            &env.token,
            json!({"name": "Twin", "app_key": "another_app", "app_secret": "another-secret-1234",
                   "region": "US", "shop_id": tiktok_shop}),
        )
        .await;
    assert_error(status, &body, 409, "shop_exists");

    // Once the owner disconnects, the other tenant may connect it.
    let (status, body) = env
        .app
        .post(&env.shop_path("/disconnect"), &env.token, json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, list) = env.app.get(SHOPS, &env.token).await;
    for shop in list["items"].as_array().unwrap() {
        let path = format!("{SHOPS}/{}/disconnect", shop["id"].as_str().unwrap());
        env.app.post(&path, &env.token, json!({})).await;
    }
    let (_, body) = env
        .app
        .post(&format!("{theirs_path}/connect"), &globex, json!({}))
        .await;
    let callback = env
        .consent(body["authorize_url"].as_str().unwrap(), "authorize")
        .await;
    let outcome = env.follow_callback(&callback).await;
    assert_eq!(outcome["tiktok_connect"], "success", "{outcome:?}");
}
