//! The category cache: fetched once and then served from the database (browse by parent, search by
//! name, a category's attributes and rules), fetched again after 24 h or on refresh; and the checks a
//! product passes against it before TikTok is called (a 400 that names the field; TikTok not called).

use api::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sandbox_env::*;
use crate::sync::{advance_both, sandbox_shop};

pub(crate) const TREE: &str = "/product/202309/categories";
pub(crate) const CREATE: &str = "/product/202309/products";

/// A leaf category of the sandbox's catalogue: id, its sales attributes (id, value ids) and its
/// product attribute (id, value ids).
pub(crate) struct Leaf {
    pub id: String,
    pub sales: Vec<(String, Vec<String>)>,
    pub material: (String, Vec<String>),
}

/// A leaf with sales attributes, whose rules do (`dims`) or do not ask for package dimensions.
pub(crate) fn leaf(env: &SandboxEnv, dims: bool) -> Leaf {
    env.sandbox.state().with_world(|w| {
        let c = w
            .categories
            .values()
            .filter(|c| c.is_leaf && c.rules.package_dimension_required == dims)
            .find(|c| {
                c.attributes
                    .iter()
                    .filter(|a| a.kind.as_str() == "SALES_PROPERTY")
                    .count()
                    >= 1
            })
            .expect("a leaf with sales attributes");
        let ids = |a: &tiktok_sandbox::world::Attribute| {
            (
                a.id.to_string(),
                a.values.iter().map(|v| v.0.to_string()).collect::<Vec<_>>(),
            )
        };
        Leaf {
            id: c.id.to_string(),
            sales: c
                .attributes
                .iter()
                .filter(|a| a.kind.as_str() == "SALES_PROPERTY")
                .map(ids)
                .collect(),
            material: c
                .attributes
                .iter()
                .find(|a| a.kind.as_str() == "PRODUCT_PROPERTY")
                .map(ids)
                .unwrap(),
        }
    })
}

/// A category that is not a leaf.
pub(crate) fn branch(env: &SandboxEnv) -> String {
    env.sandbox.state().with_world(|w| {
        w.categories
            .values()
            .find(|c| !c.is_leaf)
            .unwrap()
            .id
            .to_string()
    })
}

/// The shop's currency and default sales warehouse.
pub(crate) async fn shop_facts(env: &SandboxEnv) -> (String, String) {
    let shop = sandbox_shop(env).await;
    env.sandbox.state().with_world(|w| {
        (
            w.region_of(shop).currency().to_owned(),
            w.default_warehouse(shop).unwrap().id.to_string(),
        )
    })
}

/// A product with two variations in the leaf.
pub(crate) async fn new_product(env: &SandboxEnv, leaf: &Leaf, title: &str) -> Value {
    let (currency, warehouse) = shop_facts(env).await;
    let (attr, values) = &leaf.sales[0];
    let sku = |n: usize| {
        json!({
            "seller_sku": format!("{title}-{n}"),
            "sales_attributes": [{"id": attr, "value_id": values[n]}],
            "price": {"amount": "19.99", "currency": currency},
            "inventory": [{"warehouse_id": warehouse, "quantity": 10 + n}],
        })
    };
    let brand = env
        .sandbox
        .state()
        .with_world(|w| w.brands.keys().next().unwrap().to_string());
    json!({
        "title": title,
        "description": "<p>Soft.</p>",
        "category_id": leaf.id,
        "brand_id": brand,
        "main_images": [{"uri": "img/front"}, {"uri": "img/back"}],
        "video": {"id": "v0001"},
        "package_weight": {"value": "0.3", "unit": "KILOGRAM"},
        "package_dimensions": {"length": "30", "width": "20", "height": "3", "unit": "CENTIMETER"},
        "product_attributes": [{"id": leaf.material.0, "values": [{"id": leaf.material.1[0]}]}],
        "skus": [sku(0), sku(1)],
    })
}

async fn connected() -> SandboxEnv {
    let env = crate::sync::connected_with(|c| {
        c.orders = 0;
        c.products = 2;
    })
    .await;
    crate::sync::drive_by_hand(&env);
    env
}

#[tokio::test]
async fn the_category_tree_is_cached_browsed_searched_and_refreshed() {
    let env = connected().await;
    let viewer = env.app.token("acme", Role::Viewer);
    let before = env.count_requests(TREE);
    let (roots, children, leaf_name) = env.sandbox.state().with_world(|w| {
        let roots: Vec<String> = w
            .categories
            .values()
            .filter(|c| c.parent_id == 0)
            .map(|c| c.id.to_string())
            .collect();
        let first = w.categories.values().find(|c| c.parent_id == 0).unwrap().id;
        let children: Vec<String> = w
            .categories
            .values()
            .filter(|c| c.parent_id == first)
            .map(|c| c.id.to_string())
            .collect();
        let leaf = w.categories.values().find(|c| c.is_leaf).unwrap();
        (
            roots,
            (first.to_string(), children),
            leaf.local_name.clone(),
        )
    });

    let (status, body) = env.app.get(&env.shop_path("/categories"), &viewer).await;
    assert_eq!(status, 200, "{body}");
    let mut got: Vec<String> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    got.sort();
    let mut want = roots.clone();
    want.sort();
    assert_eq!(got, want, "the roots");
    assert_eq!(env.count_requests(TREE), before + 1, "fetched once");

    let (status, body) = env
        .app
        .get(
            &env.shop_path(&format!("/categories?parent_id={}", children.0)),
            &viewer,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"].as_array().unwrap().len(), children.1.len());
    let needle = leaf_name[1..4].to_uppercase();
    let (status, body) = env
        .app
        .get(
            &env.shop_path(&format!("/categories?name={needle}")),
            &viewer,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["local_name"] == leaf_name.as_str() && c["is_leaf"] == true),
        "{needle} finds {leaf_name}: {body}"
    );
    assert_eq!(
        env.count_requests(TREE),
        before + 1,
        "served from the cache"
    );

    // A category's attributes and rules: fetched once, then cached.
    let l = leaf(&env, true);
    let attributes = format!("{TREE}/{}/attributes", l.id);
    let (status, body) = env
        .app
        .get(&env.shop_path(&format!("/categories/{}", l.id)), &viewer)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["category"]["is_leaf"], true);
    assert_eq!(body["rules"]["package_dimensions_required"], true);
    assert!(
        body["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == l.material.0.as_str() && a["type"] == "PRODUCT_PROPERTY"),
        "{body}"
    );
    env.app
        .get(&env.shop_path(&format!("/categories/{}", l.id)), &viewer)
        .await;
    assert_eq!(env.count_requests(&attributes), 1);
    let (status, body) = env
        .app
        .get(&env.shop_path("/categories/424242"), &viewer)
        .await;
    assert_error(status, &body, 404, "not_found");

    // After 24 hours the next read fetches the tree again.
    advance_both(&env, chrono::Duration::hours(25)).await;
    let (status, body) = env.app.get(&env.shop_path("/categories"), &viewer).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        env.count_requests(TREE),
        before + 2,
        "expired, fetched again"
    );

    // Refresh on demand (operator).
    let (status, body) = env
        .app
        .post(&env.shop_path("/categories/refresh"), &viewer, json!({}))
        .await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body) = env
        .app
        .post(
            &env.shop_path("/categories/refresh"),
            &env.app.token("acme", Role::Operator),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["count"].as_i64().unwrap() > roots.len() as i64);
    assert_eq!(env.count_requests(TREE), before + 3);

    // Brands, from TikTok, by name.
    let brand = env
        .sandbox
        .state()
        .with_world(|w| w.brands.values().next().unwrap().name.clone());
    let (status, body) = env
        .app
        .get(
            &env.shop_path(&format!("/brands?name={}", &brand[..3])),
            &viewer,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["name"] == brand.as_str()),
        "{body}"
    );
    let (status, body) = env
        .app
        .get(&env.shop_path("/brands?limit=0"), &viewer)
        .await;
    assert_error(status, &body, 400, "invalid_field");

    // Another tenant's shop does not exist; a disabled area is refused.
    let (status, body) = env
        .app
        .get(
            &env.shop_path("/categories"),
            &env.app.token("globex", Role::Admin),
        )
        .await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/features"),
            &env.app.admin(),
            json!({"features": {"products": false}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = env.app.get(&env.shop_path("/categories"), &viewer).await;
    assert_error(status, &body, 409, "feature_disabled");
}

#[tokio::test]
async fn a_product_that_breaks_the_category_is_refused_before_tiktok_is_called() {
    let env = connected().await;
    let operator = env.app.token("acme", Role::Operator);
    let l = leaf(&env, false);
    let with_dims = leaf(&env, true);
    let good = new_product(&env, &l, "Checked").await;
    let bad_value = format!("{}9", l.material.1[0]);
    let mut cases: Vec<(Value, &str)> = Vec::new();
    let mut case = |pointer: &str, value: Value, field: &'static str| {
        let mut p = good.clone();
        *p.pointer_mut(pointer).unwrap() = value;
        cases.push((p, field));
    };
    case("/category_id", json!(branch(&env)), "category_id");
    case("/category_id", json!("424242"), "category_id");
    case(
        "/main_images",
        json!(
            (0..10)
                .map(|i| json!({"uri": format!("img/{i}")}))
                .collect::<Vec<_>>()
        ),
        "main_images",
    );
    case(
        "/product_attributes/0/values/0/id",
        json!(bad_value),
        "product_attributes[0].values[0]",
    );
    case(
        "/product_attributes/0/id",
        json!("1"),
        "product_attributes[0].id",
    );
    case(
        "/skus/1/sales_attributes/0/id",
        json!("1"),
        "skus[1].sales_attributes[0].id",
    );
    case(
        "/skus/1/sales_attributes",
        good["skus"][0]["sales_attributes"].clone(),
        "skus[1].sales_attributes",
    );
    case(
        "/skus/1/sales_attributes",
        json!([]),
        "skus[1].sales_attributes",
    );
    case(
        "/package_weight/unit",
        json!("STONE"),
        "package_weight.unit",
    );
    case("/skus/0/price/amount", json!("-3"), "skus[0].price.amount");
    let mut no_dims = new_product(&env, &with_dims, "Mug").await;
    no_dims
        .as_object_mut()
        .unwrap()
        .remove("package_dimensions");
    cases.push((no_dims, "package_dimensions"));
    let mut no_title = good.clone();
    no_title.as_object_mut().unwrap().remove("title");
    cases.push((no_title, "title"));

    for (body, field) in cases {
        let (status, answer) = env
            .app
            .post(&env.shop_path("/products"), &operator, body.clone())
            .await;
        assert_error(status, &answer, 400, "invalid_field");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("{field}: ")),
            "{field}: {message}"
        );
        assert_eq!(answer["error"]["details"][0]["field"], field);
    }
    assert_eq!(env.count_requests(CREATE), 0, "TikTok was not called");
    let (_, audit) = env.app.get(&env.shop_path("/audit"), &operator).await;
    assert_eq!(audit["items"], json!([]), "nothing was written");
}

#[tokio::test]
async fn a_sync_shows_each_products_audit_and_why_a_failed_one_failed() {
    let env = crate::sync::connected_with(|c| {
        c.orders = 0;
        c.products = 60;
    })
    .await;
    crate::sync::drive_by_hand(&env);
    let shop = sandbox_shop(&env).await;
    // One product surely FAILED (with the sandbox's reasons).
    let failed = env.sandbox.state().with_world(|w| {
        w.products
            .values()
            .find(|p| p.shop_id == shop && p.status.as_str() == "ACTIVATE")
            .unwrap()
            .id
            .to_string()
    });
    let res = reqwest::Client::new()
        .patch(format!(
            "{}/_sandbox/products/{failed}",
            env.sandbox.base_url()
        ))
        .json(&json!({"status": "FAILED"}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    crate::sync::sync(&env, json!({"resources": ["products"], "mode": "full"})).await;
    crate::sync::drain(&env).await;
    let products = crate::sync::all_pages(&env, "/products").await;
    assert!(!products.is_empty());
    for p in &products {
        let want = match p["status"].as_str().unwrap() {
            "PENDING" => "AUDITING",
            "FAILED" => "REJECTED",
            "DRAFT" => "NONE",
            _ => "APPROVED",
        };
        assert_eq!(p["audit_status"], want, "{p}");
        if p["status"] == "FAILED" {
            assert!(
                !p["audit_failed_reasons"].as_array().unwrap().is_empty(),
                "{p}"
            );
        } else {
            assert_eq!(p["audit_failed_reasons"], Value::Null, "{p}");
        }
    }
    assert!(products.iter().any(|p| p["id"] == failed.as_str()));
}
