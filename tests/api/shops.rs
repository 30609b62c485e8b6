//! The Configure step: every shops endpoint's happy and 4xx paths.

use api::auth::Role;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn an_admin_configures_a_shop_and_reads_it_back() {
    let app = spawn_app().await;
    let token = app.admin();
    let shop = app
        .create_shop(
            &token,
            json!({"service_id": "7100000000000000001", "shop_id": "7494049642642441621", "features": {"returns": true}, "sync_interval": 30}),
        )
        .await;
    assert_eq!(shop["status"], "configured");
    assert_eq!(shop["region"], "US");
    assert_eq!(shop["region_info"]["currency"], "USD");
    assert_eq!(shop["region_info"]["cod_available"], false);
    assert_eq!(shop["app_secret_set"], true);
    // No part of the secret: a keyed fingerprint (8 hex characters) tells secrets apart.
    assert!(shop.get("app_secret_last4").is_none(), "{shop}");
    let fingerprint = shop["app_secret_fingerprint"].as_str().unwrap().to_owned();
    assert_eq!(fingerprint.len(), 8);
    assert!(fingerprint.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(!without_stamps(&shop).contains("4242"), "{shop}");
    assert!(!shop.to_string().contains("Secret"), "{shop}");
    assert_eq!(shop["features"]["products"], true);
    assert_eq!(shop["features"]["returns"], true);
    assert_eq!(shop["features"]["analytics"], false);
    assert_eq!(shop["sync_interval"], 30);
    assert!(shop.get("app_secret").is_none());

    let id = shop["id"].as_str().unwrap();
    let (status, read) = app.get(&format!("{SHOPS}/{id}"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(read, shop);

    let viewer = app.token("acme", Role::Viewer);
    let (status, list) = app.get(SHOPS, &viewer).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["next_cursor"], serde_json::Value::Null);
}

#[tokio::test]
async fn defaults_apply_when_optional_fields_are_left_out() {
    let app = spawn_app().await;
    let shop = app.create_shop(&app.admin(), json!({"region": "id"})).await;
    assert_eq!(shop["region"], "ID");
    assert_eq!(shop["region_info"]["cod_available"], true);
    assert_eq!(shop["sync_interval"], 15);
    let on: Vec<_> = shop["features"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| v.as_bool() == Some(true))
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(on, ["inventory", "orders", "products"]);
    assert_eq!(shop["features"].as_object().unwrap().len(), 9);
}

#[tokio::test]
async fn every_invalid_field_is_a_400_naming_it_and_nothing_is_stored() {
    let app = spawn_app().await;
    let token = app.admin();
    let cases = [
        (json!({"name": ""}), "name"),
        (json!({"name": "a\u{0}b"}), "name"),
        (json!({"name": "x".repeat(101)}), "name"),
        (json!({"app_key": "has spaces"}), "app_key"),
        (json!({"app_secret": "short"}), "app_secret"),
        (json!({"service_id": "abc"}), "service_id"),
        (json!({"shop_id": "12-34"}), "shop_id"),
        (json!({"region": "FR"}), "region"),
        (json!({"features": {"teleport": true}}), "features"),
        (json!({"features": {"orders": "yes"}}), "features.orders"),
        (json!({"sync_interval": 7}), "sync_interval"),
        (json!({"sync_interval": "hourly"}), "sync_interval"),
        (json!({"region": 5}), "region"),
        (json!({"surprise": 1}), "surprise"),
    ];
    for (overrides, field) in cases {
        let mut body = shop_body();
        merge(&mut body, overrides.clone());
        let (status, err) = app.post(SHOPS, &token, body).await;
        assert_eq!(status, 400, "{overrides} → {err}");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(field),
            "{overrides}: `{message}` should name {field}"
        );
    }
    let mut missing = shop_body();
    missing.as_object_mut().unwrap().remove("app_secret");
    let (status, err) = app.post(SHOPS, &token, missing).await;
    assert_eq!(status, 400);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("app_secret")
    );
    assert_eq!(
        app.shop_count().await,
        0,
        "a refused request changes nothing"
    );
}

#[tokio::test]
async fn the_same_tiktok_shop_twice_is_a_409() {
    let app = spawn_app().await;
    let token = app.admin();
    app.create_shop(&token, json!({"shop_id": "111"})).await;
    let mut body = shop_body();
    merge(&mut body, json!({"shop_id": "111"}));
    let (status, err) = app.post(SHOPS, &token, body).await;
    assert_error(status, &err, 409, "shop_exists");
    assert_eq!(app.shop_count().await, 1);
}

#[tokio::test]
async fn patch_edits_fields_and_a_new_secret_is_kept_sealed() {
    let app = spawn_app().await;
    let token = app.admin();
    let shop = app.create_shop(&token, json!({"service_id": "42"})).await;
    let path = format!("{SHOPS}/{}", shop["id"].as_str().unwrap());

    let (status, edited) = app
        .patch(&path, &token, json!({"name": "Renamed", "app_secret": "another-secret-9876", "service_id": null, "region": "UK"}))
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["name"], "Renamed");
    assert!(!without_stamps(&edited).contains("9876"), "{edited}");
    // The same secret in another shop has the same fingerprint: an admin can match them.
    let twin = app
        .create_shop(&token, json!({"app_secret": "another-secret-9876"}))
        .await;
    assert_eq!(
        twin["app_secret_fingerprint"], edited["app_secret_fingerprint"],
        "{twin}"
    );
    let new_print = edited["app_secret_fingerprint"].as_str().unwrap();
    assert_eq!(new_print.len(), 8);
    assert_ne!(
        new_print, shop["app_secret_fingerprint"],
        "another secret, another fingerprint"
    );
    assert_eq!(edited["service_id"], serde_json::Value::Null);
    assert_eq!(edited["region"], "UK");
    assert_eq!(edited["region_info"]["currency"], "GBP");
    assert_eq!(edited["app_key"], shop["app_key"], "fields left out stay");

    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"region": "Mars"}), "region"),
        (json!({"shop_id": "x"}), "shop_id"),
        (json!({"app_secret": "a b c d e f"}), "app_secret"),
        (json!({"status": "connected"}), "status"),
    ] {
        let (status, err) = app.patch(&path, &token, body.clone()).await;
        assert_eq!(status, 400, "{body}: {err}");
        assert!(
            err["error"]["message"].as_str().unwrap().contains(field),
            "{err}"
        );
    }
    let (_, after) = app.get(&path, &token).await;
    assert_eq!(after, edited, "refused edits change nothing");
}

#[tokio::test]
async fn features_and_sync_settings() {
    let app = spawn_app().await;
    let token = app.admin();
    let shop = app.create_shop(&token, json!({})).await;
    let id = shop["id"].as_str().unwrap();

    let (status, s) = app
        .put(
            &format!("{SHOPS}/{id}/features"),
            &token,
            json!({"features": {"analytics": true, "orders": false}}),
        )
        .await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["features"]["analytics"], true);
    assert_eq!(s["features"]["orders"], false);
    assert_eq!(
        s["features"]["products"], true,
        "names left out keep their value"
    );

    let (status, err) = app
        .put(
            &format!("{SHOPS}/{id}/features"),
            &token,
            json!({"features": {"bogus": true}}),
        )
        .await;
    assert_error(status, &err, 400, "invalid_field");
    assert!(err["error"]["message"].as_str().unwrap().contains("bogus"));
    let (status, err) = app
        .put(&format!("{SHOPS}/{id}/features"), &token, json!({}))
        .await;
    assert_eq!(status, 400, "{err}");

    let (status, s) = app
        .put(
            &format!("{SHOPS}/{id}/sync-settings"),
            &token,
            json!({"sync_interval": "manual"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(s["sync_interval"], "manual");
    let (status, s) = app
        .put(
            &format!("{SHOPS}/{id}/sync-settings"),
            &token,
            json!({"sync_interval": 60}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(s["sync_interval"], 60);
    for bad in [
        json!({"sync_interval": 10}),
        json!({"sync_interval": "weekly"}),
        json!({"sync_interval": true}),
        json!({}),
    ] {
        let (status, err) = app
            .put(&format!("{SHOPS}/{id}/sync-settings"), &token, bad.clone())
            .await;
        assert_eq!(status, 400, "{bad}: {err}");
        assert!(
            err["error"]["message"]
                .as_str()
                .unwrap()
                .contains("sync_interval"),
            "{err}"
        );
    }
    let (_, s) = app.get(&format!("{SHOPS}/{id}"), &token).await;
    assert_eq!(s["sync_interval"], 60);
}

#[tokio::test]
async fn delete_hides_the_shop_and_erases_its_secret() {
    let app = spawn_app().await;
    let token = app.admin();
    let shop = app.create_shop(&token, json!({})).await;
    let id = shop["id"].as_str().unwrap();
    let (status, _) = app.delete(&format!("{SHOPS}/{id}"), &token).await;
    assert_eq!(status, 204);
    let (status, err) = app.get(&format!("{SHOPS}/{id}"), &token).await;
    assert_error(status, &err, 404, "not_found");
    let (status, err) = app.delete(&format!("{SHOPS}/{id}"), &token).await;
    assert_error(status, &err, 404, "not_found");
    let (_, list) = app.get(SHOPS, &token).await;
    assert!(list["items"].as_array().unwrap().is_empty());

    use sea_orm::EntityTrait;
    let row = entity::shop::Entity::find_by_id(id.to_owned())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.app_secret_sealed, None);
    assert_eq!(row.app_secret_fingerprint, None);
    assert!(row.deleted_at.is_some());
}

#[tokio::test]
async fn lists_page_with_a_cursor() {
    let app = spawn_app().await;
    let token = app.admin();
    for i in 0..5 {
        app.create_shop(&token, json!({"name": format!("shop {i}")}))
            .await;
        app.clock.advance(chrono::Duration::seconds(1));
    }
    let mut seen = Vec::new();
    let mut path = format!("{SHOPS}?limit=2");
    loop {
        let (status, page) = app.get(&path, &token).await;
        assert_eq!(status, 200, "{page}");
        for s in page["items"].as_array().unwrap() {
            seen.push(s["name"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("{SHOPS}?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ["shop 0", "shop 1", "shop 2", "shop 3", "shop 4"]);

    for bad in ["?limit=0", "?limit=201", "?limit=abc", "?cursor=zzz"] {
        let (status, err) = app.get(&format!("{SHOPS}{bad}"), &token).await;
        assert_eq!(status, 400, "{bad}: {err}");
    }
}

#[tokio::test]
async fn another_tenants_shop_is_a_404_for_every_verb() {
    let app = spawn_app().await;
    let shop = app.create_shop(&app.admin(), json!({})).await;
    let id = shop["id"].as_str().unwrap();
    let intruder = app.token("globex", Role::Admin);
    let path = format!("{SHOPS}/{id}");
    let checks = [
        app.get(&path, &intruder).await,
        app.patch(&path, &intruder, json!({"name": "mine now"}))
            .await,
        app.put(
            &format!("{path}/features"),
            &intruder,
            json!({"features": {"returns": true}}),
        )
        .await,
        app.put(
            &format!("{path}/sync-settings"),
            &intruder,
            json!({"sync_interval": 5}),
        )
        .await,
        app.delete(&path, &intruder).await,
    ];
    for (status, err) in checks {
        assert_error(status, &err, 404, "not_found");
    }
    let (_, list) = app.get(SHOPS, &intruder).await;
    assert!(list["items"].as_array().unwrap().is_empty());
    let (_, still) = app.get(&path, &app.admin()).await;
    assert_eq!(still, shop, "nothing changed");
}

/// A shop as text without its timestamps, whose nanoseconds can hold any four digits.
fn without_stamps(shop: &serde_json::Value) -> String {
    let mut shown = shop.clone();
    for stamp in ["created_at", "updated_at"] {
        shown.as_object_mut().unwrap().remove(stamp);
    }
    shown.to_string()
}
