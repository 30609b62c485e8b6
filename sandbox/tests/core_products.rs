//! Black-box tests of the sandbox's product endpoints over real HTTP: the product lifecycle.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::json;
use tiktok_sandbox::start;

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
