//! The OpenAPI document: complete, 3.1, with examples and errors; and the docs page works offline.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::*;

/// Every `#[get("…")]`-style route in api/src/routes, as (method, path).
fn routes_in_source() -> BTreeSet<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/api/src/routes");
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines().map(str::trim) {
            for method in ["get", "post", "put", "patch", "delete"] {
                if let Some(rest) = line.strip_prefix(&format!("#[{method}(\"")) {
                    let path = rest.split('"').next().unwrap();
                    found.insert((method.to_owned(), path.to_owned()));
                }
            }
        }
    }
    found
}

#[tokio::test]
async fn every_registered_route_is_documented_with_errors_and_examples() {
    let app = spawn_app().await;
    let (status, doc) = app
        .send(reqwest::Method::GET, "/api/openapi.json", None, None)
        .await;
    assert_eq!(status, 200);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );

    let routes = routes_in_source();
    assert!(routes.len() >= 11, "the scan found the routes: {routes:?}");
    for (method, path) in &routes {
        let op = &doc["paths"][path][method];
        assert!(
            op.is_object(),
            "{method} {path} is registered but missing from the OpenAPI document"
        );
        let responses = op["responses"].as_object().unwrap();
        // Every ERP route needs a token; the OAuth callback is proven by its state instead.
        if path.starts_with("/api/integrations") && !path.ends_with("/callback") {
            assert!(
                responses.contains_key("401"),
                "{method} {path} documents 401"
            );
            assert!(
                op["security"].is_array(),
                "{method} {path} documents its security"
            );
            assert!(
                responses.keys().any(|k| k.starts_with('4')),
                "{method} {path} documents its errors"
            );
        }
    }
    // Every schema a request or response uses carries an example.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "ShopIn",
        "ShopOut",
        "ShopPatch",
        "FeaturesIn",
        "SyncSettingsIn",
        "ErrorBody",
        "Health",
    ] {
        assert!(
            !schemas[name]["example"].is_null() || !schemas[name]["examples"].is_null(),
            "{name} has an example"
        );
    }
    assert!(!schemas.contains_key("app_secret_sealed"));
}

#[tokio::test]
async fn the_docs_page_is_served_from_the_binary() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger"), "the Swagger UI page");
    assert!(!html.contains("cdn."), "no CDN: the page works offline");
    let res = app
        .client
        .get(app.url("/api/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("/api/openapi.json"));
    let res = app
        .client
        .get(app.url("/api/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let _: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
}
