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
        product_item.to_string().contains("ProductBatchItem"),
        "{product_item}"
    );
    // Every batch answers in one shape: its item's keys, then index, ok, outcome_unknown, result
    // and error.
    assert_eq!(
        answer("/api/integrations/tiktok/shops/{id}/orders/ship"),
        "#/components/schemas/BatchShipOut"
    );
    for (item, keys) in [
        ("StockBatchItem", &["sku_id", "warehouse_id"][..]),
        ("ProductBatchItem", &["product_id"][..]),
        ("BatchShipItem", &["order_id", "package_id"][..]),
    ] {
        // The keys are flattened in through a `$ref` (allOf): read the schemas it names too.
        let mut schema = schemas[item].to_string();
        for part in schemas[item]["allOf"].as_array().into_iter().flatten() {
            if let Some(name) = part["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
                schema.push_str(&schemas[name].to_string());
            }
        }
        for field in ["index", "ok", "outcome_unknown", "result", "error"]
            .iter()
            .chain(keys)
        {
            assert!(
                schema.contains(&format!("\"{field}\"")),
                "{item} has {field}: {schema}"
            );
        }
    }
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

/// The rules the server enforces and the fuzzer (tests/stress/fuzz) found missing from the document:
/// closed sets, bounds, id patterns, batch sizes, the 1 MiB body limit.
#[tokio::test]
async fn the_document_states_the_rules_the_server_enforces() {
    let app = spawn_app().await;
    let (_, doc) = app
        .send(reqwest::Method::GET, "/api/openapi.json", None, None)
        .await;
    let schemas = &doc["components"]["schemas"];
    let shops = "/api/integrations/tiktok/shops/{id}";
    let query = |path: &str, name: &str| -> Value {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{path} {name}"))["schema"]
            .clone()
    };
    let text = |v: &Value| v.to_string();
    // Closed sets.
    assert!(text(&schemas["ShopIn"]["properties"]["region"]).contains("\"VN\""));
    assert!(text(&schemas["ShopPatch"]["properties"]["region"]).contains("null"));
    assert_eq!(
        schemas["FeaturesIn"]["properties"]["features"]["additionalProperties"],
        false
    );
    assert!(text(&schemas["SyncSettingsIn"]["properties"]["sync_interval"]).contains("manual"));
    assert!(text(&query(&format!("{shops}/orders"), "status")).contains("AWAITING_SHIPMENT"));
    assert!(text(&query(&format!("{shops}/returns"), "status")).contains("enum"));
    assert!(text(&query(&format!("{shops}/cancellations"), "status")).contains("enum"));
    assert!(text(&query(&format!("{shops}/webhooks/events"), "state")).contains("unhandled"));
    assert!(
        text(&query(&format!("{shops}/webhooks/events"), "type")).contains("ORDER_STATUS_CHANGE")
    );
    assert!(
        text(&query(
            &format!("{shops}/orders/{{order_id}}/label"),
            "size"
        ))
        .contains("A5")
    );
    // Bounds, lengths and patterns.
    assert_eq!(schemas["ShopIn"]["properties"]["name"]["maxLength"], 100);
    assert!(schemas["ShopIn"]["properties"]["app_key"]["pattern"].is_string());
    assert!(schemas["ShopIn"]["properties"]["app_secret"]["pattern"].is_string());
    assert!(text(&schemas["InventorySettingsIn"]).contains("1000000"));
    assert!(text(&schemas["InventorySettingsIn"]).contains("anyOf"));
    assert_eq!(
        schemas["SkuThresholdIn"]["properties"]["low_stock_threshold"]["maximum"],
        1_000_000
    );
    assert_eq!(
        schemas["SetStockIn"]["properties"]["on_hand"]["maximum"],
        999_999
    );
    assert!(text(&schemas["AdjustStockIn"]["properties"]["delta"]).contains("oneOf"));
    assert!(query(&format!("{shops}/categories"), "name")["pattern"].is_string());
    assert!(
        query(&format!("{shops}/orders/{{order_id}}/label"), "package_id")["pattern"].is_string()
    );
    assert!(schemas["ShippingInfoIn"]["properties"]["tracking_number"]["pattern"].is_string());
    assert!(text(&schemas["CancelIn"]["properties"]["line_item_ids"]).contains("pattern"));
    assert!(text(&schemas["ReportIn"]["properties"]["erp_skus"]).contains("10000"));
    assert!(text(&schemas["BatchIdsIn"]["properties"]["product_ids"]).contains("pattern"));
    // Batch sizes.
    assert_eq!(
        schemas["BatchShipIn"]["properties"]["items"]["maxItems"],
        50
    );
    assert_eq!(schemas["BatchShipIn"]["properties"]["items"]["minItems"], 1);
    // Every operation that reads a body documents the 413 past 1 MiB.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op["requestBody"].is_object() {
                assert!(op["responses"]["413"].is_object(), "{method} {path}");
            }
        }
    }
}

/// An app secret is what the document's pattern `^[!-~]{8,128}$` says, in every regex dialect:
/// 8 to 128 visible ASCII characters. Longer, shorter, spaced or non-ASCII secrets are a 400 that
/// names the field, and create nothing.
#[tokio::test]
async fn an_app_secret_is_visible_ascii_as_documented() {
    let app = spawn_app().await;
    let token = app.admin();
    let create = |secret: String| serde_json::json!({"name": "Secret", "app_key": "key1", "app_secret": secret, "region": "US"});
    let shops = "/api/integrations/tiktok/shops";
    for refused in [
        "é".repeat(8),
        "abc\u{85}defgh".to_owned(),
        "abc defgh".to_owned(),
        "x".repeat(7),
        "x".repeat(129),
    ] {
        let (status, body) = app
            .send(
                reqwest::Method::POST,
                shops,
                Some(&token),
                Some(create(refused.clone())),
            )
            .await;
        assert_eq!(status, 400, "{refused:?}: {body}");
        assert_eq!(body["error"]["details"][0]["field"], "app_secret", "{body}");
    }
    let (_, list) = app
        .send(reqwest::Method::GET, shops, Some(&token), None)
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "{list}");
    for taken in [
        "!".repeat(8),
        "~".repeat(128),
        "a1B2-c3_D4.e5/f6".to_owned(),
    ] {
        let (status, body) = app
            .send(
                reqwest::Method::POST,
                shops,
                Some(&token),
                Some(create(taken)),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
}
