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

    // Each batch documents its own answer: the product batches' items are products, the stock
    // batch's are SKU levels (two structs share a Rust name; the document must not mix them up).
    let answer = |path: &str| {
        doc["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
            ["$ref"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    for op in [
        "create",
        "edit",
        "partial-edit",
        "prices",
        "activate",
        "deactivate",
        "delete",
    ] {
        assert_eq!(
            answer(&format!(
                "/api/integrations/tiktok/shops/{{id}}/products/batch/{op}"
            )),
            "#/components/schemas/ProductBatchOut",
            "products/batch/{op}"
        );
    }
    assert_eq!(
        answer("/api/integrations/tiktok/shops/{id}/inventory/batch"),
        "#/components/schemas/StockBatchOut"
    );
    // Every write that takes an Idempotency-Key documents what the server enforces of it.
    let mut with_key = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(key) = op["parameters"]
                .as_array()
                .and_then(|ps| ps.iter().find(|p| p["name"] == "Idempotency-Key"))
            else {
                continue;
            };
            with_key += 1;
            assert_eq!(key["schema"]["maxLength"], 255, "{method} {path}");
            assert!(key["schema"]["pattern"].is_string(), "{method} {path}");
            let bad = op["responses"]["400"]["description"].as_str().unwrap_or("");
            assert!(
                bad.contains("invalid_idempotency_key"),
                "{method} {path} documents invalid_idempotency_key: {bad}"
            );
        }
    }
    assert!(with_key >= 20, "{with_key} writes take an Idempotency-Key");
    // Page sizes carry the bounds the server enforces.
    for (path, item) in doc["paths"].as_object().unwrap() {
        if let Some(limit) = item["get"]["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == "limit"))
        {
            assert_eq!(limit["schema"]["minimum"], 1, "GET {path}");
            assert!(limit["schema"]["maximum"].is_number(), "GET {path}");
        }
    }
    let product_item = &schemas["ProductBatchOut"]["properties"]["results"]["items"];
    assert!(
        product_item.to_string().contains("BatchItemOut"),
        "{product_item}"
    );
}

#[tokio::test]
async fn the_docs_page_is_served_from_the_binary() {
    let app = spawn_app().await;
    // The address people type leads to the page, and /api says where things are.
    let res = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(res.status(), 308);
    assert_eq!(res.headers()["location"], "/api/docs/");
    let res = app.client.get(app.url("/api")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let index: Value = res.json().await.unwrap();
    assert_eq!(index["docs"], "/api/docs/");
    assert_eq!(index["openapi"], "/api/openapi.json");
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
