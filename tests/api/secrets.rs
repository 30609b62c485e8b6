//! The app secret never leaves the vault: not in responses, logs or the database's raw bytes;
//! and `keys rotate` re-seals every secret under a new key.

use api::vault::Vault;
use secrecy::ExposeSecret;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_app_secret_is_in_no_response_log_or_database_byte() {
    let app = spawn_app().await;
    let token = app.admin();
    let shop = app.create_shop(&token, json!({})).await;
    let id = shop["id"].as_str().unwrap();
    let (_, edited) = app
        .patch(
            &format!("{SHOPS}/{id}"),
            &token,
            json!({"app_secret": format!("{APP_SECRET}-v2")}),
        )
        .await;
    let (_, list) = app.get(SHOPS, &token).await;
    let (_, one) = app.get(&format!("{SHOPS}/{id}"), &token).await;
    let doc = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for body in [
        shop.to_string(),
        edited.to_string(),
        list.to_string(),
        one.to_string(),
        doc,
    ] {
        assert!(
            !body.contains("SuperSecret"),
            "a response shows the secret: {body}"
        );
    }
    // A bad request that carries the secret does not echo it either.
    let (status, err) = app
        .post(
            SHOPS,
            &token,
            json!({"name": "", "app_key": "k", "app_secret": APP_SECRET, "region": "US"}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(!err.to_string().contains("SuperSecret"));

    assert!(
        !captured_logs().contains("SuperSecret"),
        "a log line shows the secret"
    );

    if let Some(file) = app.db.sqlite_file() {
        use sea_orm::ConnectionTrait;
        app.state
            .db
            .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .unwrap();
        let mut raw = std::fs::read(&file).unwrap();
        if let Ok(wal) = std::fs::read(file.with_extension("db-wal")) {
            raw.extend(wal);
        }
        let needle = b"SuperSecret";
        assert!(
            !raw.windows(needle.len()).any(|w| w == needle),
            "the database file holds the secret in clear"
        );
        assert!(
            raw.windows(2).any(|w| w == b"v1"),
            "the sealed form is there"
        );
    }
}

#[tokio::test]
async fn keys_rotate_reseals_every_secret_under_the_new_key() {
    let app = spawn_app().await;
    let token = app.admin();
    let a = app.create_shop(&token, json!({"name": "a"})).await;
    app.create_shop(&token, json!({"name": "b", "app_key": "otherkey"}))
        .await;

    let old_key =
        api::config::MasterKey::parse("OCEAN_MASTER_KEY", &app.env["OCEAN_MASTER_KEY"]).unwrap();
    let new_key = api::config::MasterKey::parse("OCEAN_MASTER_KEY", &random_key()).unwrap();
    let rotating = Vault::with_old_key(&new_key, &old_key);
    assert_eq!(
        api::keys::rotate(&app.state.db, &rotating).await.unwrap(),
        2
    );
    assert_eq!(
        api::keys::rotate(&app.state.db, &rotating).await.unwrap(),
        0,
        "a second run has nothing to do"
    );

    use sea_orm::EntityTrait;
    let row = entity::shop::Entity::find_by_id(a["id"].as_str().unwrap().to_owned())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let sealed = row.app_secret_sealed.unwrap();
    let new_only = Vault::new(&new_key);
    let opened = new_only
        .open(api::shops::credentials::app_secret_at(&row.id), &sealed)
        .unwrap();
    assert_eq!(opened.expose_secret(), APP_SECRET);
    assert!(
        Vault::new(&old_key)
            .open(api::shops::credentials::app_secret_at(&row.id), &sealed)
            .is_err()
    );
}

#[tokio::test]
async fn keys_rotate_with_the_wrong_old_key_changes_nothing() {
    let app = spawn_app().await;
    let shop = app.create_shop(&app.admin(), json!({})).await;
    let wrong_old = api::config::MasterKey::parse("k", &random_key()).unwrap();
    let new_key = api::config::MasterKey::parse("k", &random_key()).unwrap();
    let err = api::keys::rotate(&app.state.db, &Vault::with_old_key(&new_key, &wrong_old))
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains(shop["id"].as_str().unwrap()));
    // Still readable with the original key: the transaction rolled back.
    let (status, _) = app
        .get(
            &format!("{SHOPS}/{}", shop["id"].as_str().unwrap()),
            &app.admin(),
        )
        .await;
    assert_eq!(status, 200);
}
