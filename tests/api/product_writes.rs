//! The ERP's product writes against the sandbox: each changes TikTok and, at once, our rows (read back
//! after the write), with an audit row; TikTok's refusals come back with its code; a lost answer and a
//! resend make one product, not two; bulk writes report every item; roles, tenants, the area switch
//! and `Idempotency-Key` are enforced.

use api::auth::Role;
use serde_json::{Value, json};

use crate::catalog::{CREATE, leaf, new_product, shop_facts};
use crate::helpers::*;
use crate::sandbox_env::*;
use crate::sync::sandbox_shop;

async fn connected(products: usize) -> SandboxEnv {
    let env = crate::sync::connected_with(|c| {
        c.orders = 0;
        c.products = products;
    })
    .await;
    crate::sync::drive_by_hand(&env);
    env
}

fn operator(env: &SandboxEnv) -> String {
    env.app.token("acme", Role::Operator)
}

/// The sandbox's view of a product: (status, title, SKU count, first SKU's price in minor units).
fn tiktok_product(env: &SandboxEnv, id: &str) -> (String, String, usize, i64) {
    env.sandbox.state().with_world(|w| {
        let p = &w.products[&id.parse().unwrap()];
        (
            p.status.as_str().to_owned(),
            p.title.clone(),
            p.skus.len(),
            p.skus[0].price,
        )
    })
}

fn titled(env: &SandboxEnv, title: &str) -> usize {
    env.sandbox
        .state()
        .with_world(|w| w.products.values().filter(|p| p.title == title).count())
}

async fn sandbox_patch(env: &SandboxEnv, path: &str, body: Value) {
    let res = reqwest::Client::new()
        .patch(format!("{}{path}", env.sandbox.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
}

async fn audit(env: &SandboxEnv) -> Vec<Value> {
    let (status, body) = env
        .app
        .get(&env.shop_path("/audit?limit=200"), &operator(env))
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

async fn local(env: &SandboxEnv, id: &str) -> Value {
    let (status, body) = env
        .app
        .get(&env.shop_path(&format!("/products/{id}")), &operator(env))
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn each_product_write_changes_tiktok_and_our_rows_at_once() {
    let env = connected(2).await;
    let op = operator(&env);
    let l = leaf(&env, false);
    let (currency, _) = shop_facts(&env).await;

    // Create: in audit at TikTok, and here at once.
    let (status, made) = env
        .app
        .post(
            &env.shop_path("/products"),
            &op,
            new_product(&env, &l, "Ocean tee").await,
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let id = made["product_id"].as_str().unwrap().to_owned();
    assert_eq!(made["skus"].as_array().unwrap().len(), 2);
    assert_eq!(tiktok_product(&env, &id).0, "PENDING");
    let (brand, images, video) = env.sandbox.state().with_world(|w| {
        let p = &w.products[&id.parse().unwrap()];
        (p.brand_id, p.main_images.len(), p.video.is_some())
    });
    assert!(
        brand.is_some() && images == 2 && video,
        "brand, images and video reach TikTok"
    );
    assert_eq!(made["product"]["status"], "PENDING");
    assert_eq!(made["product"]["audit_status"], "AUDITING");
    assert_eq!(made["product"]["category_id"], l.id.as_str());
    let row = local(&env, &id).await;
    assert_eq!(row["skus"].as_array().unwrap().len(), 2);
    assert_eq!(row["skus"][0]["sale_price"], "19.99");

    // The audit fails: the reasons show once we read the product again (a partial edit does).
    sandbox_patch(
        &env,
        &format!("/_sandbox/products/{id}"),
        json!({"status": "FAILED"}),
    )
    .await;
    let (status, body) = env
        .app
        .patch(
            &env.shop_path(&format!("/products/{id}")),
            &op,
            json!({"title": "Ocean tee (organic)"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(tiktok_product(&env, &id).1, "Ocean tee (organic)");
    let row = local(&env, &id).await;
    assert_eq!(row["title"], "Ocean tee (organic)");
    assert_eq!(row["status"], "FAILED");
    assert_eq!(row["audit_status"], "REJECTED");
    assert!(
        !row["audit_failed_reasons"].as_array().unwrap().is_empty(),
        "{row}"
    );

    // A full edit: one SKU left, back to audit, the reasons gone.
    let mut full = new_product(&env, &l, "Ocean tee v2").await;
    full["skus"].as_array_mut().unwrap().truncate(1);
    let (status, body) = env
        .app
        .put(&env.shop_path(&format!("/products/{id}")), &op, full)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(tiktok_product(&env, &id).2, 1);
    let row = local(&env, &id).await;
    assert_eq!(
        (&row["status"], row["skus"].as_array().unwrap().len()),
        (&json!("PENDING"), 1)
    );
    assert_eq!(row["audit_failed_reasons"], Value::Null);

    // Prices.
    let sku = row["skus"][0]["id"].as_str().unwrap().to_owned();
    let (status, body) = env
        .app
        .post(
            &env.shop_path(&format!("/products/{id}/prices")),
            &op,
            json!({"skus": [{"id": sku, "price": {"amount": "17.50", "currency": currency}}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(local(&env, &id).await["skus"][0]["sale_price"], "17.50");
    // A SKU of another product is refused here.
    let (status, body) = env
        .app
        .post(
            &env.shop_path(&format!("/products/{id}/prices")),
            &op,
            json!({"skus": [{"id": "1", "price": {"amount": "1.00", "currency": currency}}]}),
        )
        .await;
    assert_error(status, &body, 400, "invalid_field");

    // Deactivate, activate, delete.
    for (verb, want) in [
        ("deactivate", "SELLER_DEACTIVATED"),
        ("activate", "ACTIVATE"),
    ] {
        let (status, body) = env
            .app
            .post(
                &env.shop_path(&format!("/products/{id}/{verb}")),
                &op,
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{verb}: {body}");
        assert_eq!(tiktok_product(&env, &id).0, want);
        assert_eq!(local(&env, &id).await["status"], want);
    }
    let (status, body) = env
        .app
        .delete(&env.shop_path(&format!("/products/{id}")), &op)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(tiktok_product(&env, &id).0, "DELETED");
    assert_eq!(local(&env, &id).await["status"], "DELETED");

    let rows = audit(&env).await;
    let mut actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    actions.sort();
    assert_eq!(
        actions,
        [
            "product.activate",
            "product.create",
            "product.deactivate",
            "product.delete",
            "product.edit",
            "product.partial_edit",
            "product.prices"
        ]
    );
    assert!(
        rows.iter()
            .all(|r| r["outcome"] == "succeeded" && r["tiktok_request_id"].is_string()),
        "{rows:?}"
    );
}

#[tokio::test]
async fn tiktok_refusing_is_answered_with_its_code_and_audited() {
    let env = connected(2).await;
    let op = operator(&env);
    let l = leaf(&env, false);
    let mut body = new_product(&env, &l, "Nowhere tee").await;
    body["skus"][0]["inventory"][0]["warehouse_id"] = json!("123456789");
    let (status, answer) = env.app.post(&env.shop_path("/products"), &op, body).await;
    assert_error(status, &answer, 422, "tiktok_refused");
    assert_eq!(answer["error"]["details"][0]["tiktok_code"], 12052230);
    assert!(answer["error"]["details"][0]["tiktok_request_id"].is_string());
    assert_eq!(titled(&env, "Nowhere tee"), 0);

    // A frozen product takes no edits.
    let (status, made) = env
        .app
        .post(
            &env.shop_path("/products"),
            &op,
            new_product(&env, &l, "Cold tee").await,
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let id = made["product_id"].as_str().unwrap();
    sandbox_patch(
        &env,
        &format!("/_sandbox/products/{id}"),
        json!({"status": "FREEZE"}),
    )
    .await;
    let (status, answer) = env
        .app
        .patch(
            &env.shop_path(&format!("/products/{id}")),
            &op,
            json!({"title": "Warm tee"}),
        )
        .await;
    assert_error(status, &answer, 422, "tiktok_refused");
    let (status, answer) = env
        .app
        .post(
            &env.shop_path(&format!("/products/{id}/activate")),
            &op,
            json!({}),
        )
        .await;
    assert_error(status, &answer, 422, "tiktok_refused");
    assert_eq!(answer["error"]["details"][0]["tiktok_code"], 12052220);

    let rows = audit(&env).await;
    let failed: Vec<&str> = rows
        .iter()
        .filter(|r| r["outcome"] == "failed")
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(failed.len(), 3, "{rows:?}");
    assert!(
        rows.iter()
            .filter(|r| r["outcome"] == "failed")
            .all(|r| r["tiktok_request_id"].is_string() && r["error"].is_string())
    );
}

#[tokio::test]
async fn a_lost_answer_and_a_resend_make_exactly_one_product() {
    let env = connected(2).await;
    let op = operator(&env);
    let l = leaf(&env, false);
    let body = new_product(&env, &l, "Once tee").await;
    // The category is cached first, so that only the create meets the fault.
    let (status, _) = env
        .app
        .get(&env.shop_path(&format!("/categories/{}", l.id)), &op)
        .await;
    assert_eq!(status, 200);
    env.control("/_sandbox/faults", json!({"drop_rate": 1.0, "seed": 3}))
        .await;
    let send = || {
        env.app
            .client
            .post(env.app.url(&env.shop_path("/products")))
            .bearer_auth(&op)
            .header("idempotency-key", "create-once-1")
            .json(&body)
            .send()
    };
    let lost = send().await.unwrap();
    assert_eq!(lost.status(), 502, "{}", lost.text().await.unwrap());
    assert!(env.count_requests(CREATE) >= 1);
    assert_eq!(
        titled(&env, "Once tee"),
        1,
        "TikTok made it, the answer was lost"
    );

    env.control("/_sandbox/faults", json!({"drop_rate": 0.0}))
        .await;
    let again = send().await.unwrap();
    assert_eq!(again.status(), 201);
    assert!(
        again.headers().get("idempotent-replayed").is_none(),
        "run again, not replayed"
    );
    let made: Value = again.json().await.unwrap();
    assert_eq!(titled(&env, "Once tee"), 1, "still one product");
    let id = made["product_id"].as_str().unwrap();
    assert_eq!(local(&env, id).await["title"], "Once tee");

    // Now the key is bound to its answer: the same request replays it, another body is refused.
    let replay = send().await.unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.json::<Value>().await.unwrap(), made);
    let other = env
        .app
        .client
        .post(env.app.url(&env.shop_path("/products")))
        .bearer_auth(&op)
        .header("idempotency-key", "create-once-1")
        .json(&new_product(&env, &l, "Twice tee").await)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 409);
    assert_eq!(titled(&env, "Twice tee"), 0);

    // In a batch too: an item whose answer was lost keeps the batch's key free for a resend.
    let batch = json!({"items": [new_product(&env, &l, "Batch once tee").await]});
    let send_batch = || {
        env.app
            .client
            .post(env.app.url(&env.shop_path("/products/batch/create")))
            .bearer_auth(&op)
            .header("idempotency-key", "batch-once-1")
            .json(&batch)
            .send()
    };
    env.control("/_sandbox/faults", json!({"drop_rate": 1.0, "seed": 4}))
        .await;
    let lost: Value = send_batch().await.unwrap().json().await.unwrap();
    assert_eq!(lost["results"][0]["outcome_unknown"], true, "{lost}");
    assert_eq!(titled(&env, "Batch once tee"), 1);
    env.control("/_sandbox/faults", json!({"drop_rate": 0.0}))
        .await;
    let again = send_batch().await.unwrap();
    assert!(again.headers().get("idempotent-replayed").is_none());
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["succeeded"], 1, "{again}");
    assert_eq!(titled(&env, "Batch once tee"), 1, "still one product");
}

#[tokio::test]
async fn bulk_writes_answer_one_result_per_item_and_report_failures() {
    let env = connected(24).await;
    let op = operator(&env);
    let l = leaf(&env, false);
    let shop = sandbox_shop(&env).await;

    let mut bad = new_product(&env, &l, "Bulk bad").await;
    bad["main_images"] = json!([]);
    let items = json!([
        new_product(&env, &l, "Bulk one").await,
        bad,
        new_product(&env, &l, "Bulk two").await,
    ]);
    let (status, body) = env
        .app
        .post(
            &env.shop_path("/products/batch/create"),
            &op,
            json!({"items": items}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["succeeded"], &body["failed"]),
        (&json!(2), &json!(1))
    );
    assert_eq!(body["results"][1]["ok"], false);
    assert_eq!(body["results"][1]["error"]["code"], "invalid_field");
    assert_eq!(
        env.count_requests(CREATE),
        2,
        "the bad one never reached TikTok"
    );
    let made: Vec<String> = [0, 2]
        .iter()
        .map(|i| {
            body["results"][*i]["product_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();

    // Partial edits: one of a product TikTok does not have.
    let (status, body) = env
        .app
        .post(
            &env.shop_path("/products/batch/partial-edit"),
            &op,
            json!({"items": [
                {"product_id": made[0], "product": {"title": "Bulk one+"}},
                {"product_id": "1", "product": {"title": "Ghost"}},
            ]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["succeeded"], &body["failed"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(body["results"][1]["error"]["code"], "tiktok_refused");
    assert_eq!(local(&env, &made[0]).await["title"], "Bulk one+");

    // Deactivate 23 ids: TikTok is called 20 at a time; an unknown id fails on its own.
    let mut ids: Vec<String> = env.sandbox.state().with_world(|w| {
        w.products
            .values()
            .filter(|p| p.shop_id == shop && p.status.as_str() == "ACTIVATE")
            .map(|p| p.id.to_string())
            .take(20)
            .collect()
    });
    ids.extend(made.iter().cloned());
    ids.push("1".into());
    let calls = env.count_requests("/product/202309/products/deactivate");
    let (status, body) = env
        .app
        .post(
            &env.shop_path("/products/batch/deactivate"),
            &op,
            json!({"product_ids": ids}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), ids.len());
    assert_eq!(
        env.count_requests("/product/202309/products/deactivate") - calls,
        ids.len().div_ceil(20)
    );
    let last = results.last().unwrap();
    assert_eq!(
        (&last["ok"], &last["product_id"]),
        (&json!(false), &json!("1"))
    );
    assert_eq!(last["error"]["details"][0]["tiktok_code"], 12052048);
    assert_eq!(body["failed"], 1, "{body}");
    for id in &ids[..ids.len() - 1] {
        assert_eq!(tiktok_product(&env, id).0, "SELLER_DEACTIVATED");
    }
    assert_eq!(local(&env, &made[1]).await["status"], "SELLER_DEACTIVATED");

    // Prices and deletes in bulk.
    let (currency, _) = shop_facts(&env).await;
    let sku = local(&env, &made[0]).await["skus"][0]["id"].clone();
    let (status, body) = env
        .app
        .post(
            &env.shop_path("/products/batch/prices"),
            &op,
            json!({"items": [
                {"product_id": made[0], "skus": [{"id": sku, "price": {"amount": "9.99", "currency": currency}}]},
                {"product_id": made[1], "skus": [{"id": sku, "price": {"amount": "0", "currency": currency}}]},
            ]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["succeeded"], &body["failed"]),
        (&json!(1), &json!(1))
    );
    let (status, body) = env
        .app
        .post(
            &env.shop_path("/products/batch/delete"),
            &op,
            json!({"product_ids": made}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["succeeded"], 2);
    assert_eq!(tiktok_product(&env, &made[0]).0, "DELETED");

    // Not an id, or over 100 of them: refused whole.
    let (status, body) = env
        .app
        .post(
            &env.shop_path("/products/batch/activate"),
            &op,
            json!({"product_ids": [made[0], "x1"]}),
        )
        .await;
    assert_error(status, &body, 400, "invalid_field");
    assert_eq!(body["error"]["details"][0]["field"], "product_ids[1]");
    let (status, body) = env
        .app
        .patch(&env.shop_path("/products/abc"), &op, json!({"title": "x"}))
        .await;
    assert_error(status, &body, 400, "invalid_field");
    let (status, body) = env
        .app
        .post(
            &env.shop_path("/products/batch/activate"),
            &op,
            json!({"product_ids": vec!["1"; 101]}),
        )
        .await;
    assert_error(status, &body, 400, "invalid_field");
}

#[tokio::test]
async fn product_writes_need_the_operator_the_tenant_and_the_area() {
    let env = connected(2).await;
    let l = leaf(&env, false);
    let body = new_product(&env, &l, "Guarded tee").await;
    let (status, answer) = env
        .app
        .post(
            &env.shop_path("/products"),
            &env.app.token("acme", Role::Viewer),
            body.clone(),
        )
        .await;
    assert_error(status, &answer, 403, "forbidden");
    let (status, answer) = env
        .app
        .post(
            &env.shop_path("/products"),
            &env.app.token("globex", Role::Admin),
            body.clone(),
        )
        .await;
    assert_error(status, &answer, 404, "not_found");
    let (status, answer) = env
        .app
        .put(
            &env.shop_path("/features"),
            &env.app.admin(),
            json!({"features": {"products": false}}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    for (method, path) in [
        (reqwest::Method::POST, "/products".to_owned()),
        (reqwest::Method::POST, "/products/1/activate".to_owned()),
        (reqwest::Method::DELETE, "/products/1".to_owned()),
        (reqwest::Method::POST, "/products/batch/delete".to_owned()),
    ] {
        let (status, answer) = env
            .app
            .send(
                method,
                &env.shop_path(&path),
                Some(&operator(&env)),
                Some(json!({"product_ids": ["1"]})),
            )
            .await;
        assert_error(status, &answer, 409, "feature_disabled");
    }
    assert_eq!(env.count_requests(CREATE), 0);
    assert_eq!(titled(&env, "Guarded tee"), 0);
}

#[tokio::test]
async fn tiktoks_audit_of_a_created_product_reaches_our_rows_by_webhook() {
    let env = connected(2).await;
    let l = leaf(&env, false);
    let (status, made) = env
        .app
        .post(
            &env.shop_path("/products"),
            &operator(&env),
            new_product(&env, &l, "Audited tee").await,
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let id = made["product_id"].as_str().unwrap().to_owned();
    assert_eq!(local(&env, &id).await["audit_status"], "AUDITING");
    // TikTok finishes the audit a minute later and pushes the status change.
    crate::sync::advance_both(&env, chrono::Duration::seconds(61)).await;
    assert_eq!(tiktok_product(&env, &id).0, "ACTIVATE");
    env.control("/_sandbox/webhooks/flush", json!({})).await;
    crate::webhooks::settle(&env).await;
    let row = local(&env, &id).await;
    assert_eq!(
        (&row["status"], &row["audit_status"]),
        (&json!("ACTIVATE"), &json!("APPROVED")),
        "{row}"
    );
}

#[tokio::test]
async fn prices_are_checked_against_the_shops_currency_before_tiktok_is_called() {
    let env = connected(2).await;
    crate::sync::sync(&env, json!({"resources": ["products"], "mode": "full"})).await;
    crate::sync::drain(&env).await;
    let op = operator(&env);
    let (currency, _) = shop_facts(&env).await;
    assert_eq!(currency, "USD", "the US shop");
    let (_, page) = env.app.get(&env.shop_path("/products?limit=1"), &op).await;
    let product = &page["items"][0];
    let id = product["id"].as_str().unwrap().to_owned();
    let sku = product["skus"][0]["id"].as_str().unwrap().to_owned();
    let tiktok_calls = |env: &SandboxEnv| {
        env.count_requests(&format!("/product/202309/products/{id}/prices/update"))
            + env.count_requests(CREATE)
    };
    let before = tiktok_calls(&env);
    for (price, field, hint) in [
        (
            json!({"amount": "17.50", "currency": "GBP"}),
            "skus[0].price.currency",
            "USD",
        ),
        (
            json!({"amount": "17.505", "currency": "USD"}),
            "skus[0].price.amount",
            "at most 2 decimals",
        ),
        (
            json!({"amount": "0.00", "currency": "USD"}),
            "skus[0].price.amount",
            "above 0",
        ),
        (
            json!({"amount": "-3", "currency": "USD"}),
            "skus[0].price.amount",
            "above 0",
        ),
        (
            json!({"amount": "100000000", "currency": "USD"}),
            "skus[0].price.amount",
            "at most",
        ),
        (
            json!({"amount": "1,50", "currency": "USD"}),
            "skus[0].price.amount",
            "decimal string",
        ),
    ] {
        let (status, body) = env
            .app
            .post(
                &env.shop_path(&format!("/products/{id}/prices")),
                &op,
                json!({"skus": [{"id": sku, "price": price}]}),
            )
            .await;
        assert_error(status, &body, 400, "invalid_field");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(field), "{field}: {message}");
        assert!(message.contains(hint), "{hint}: {message}");
    }
    // A new product priced in another currency is refused the same way.
    let leaf = leaf(&env, false);
    let mut product = new_product(&env, &leaf, "Wrong money").await;
    product["skus"][1]["price"]["currency"] = json!("IDR");
    let (status, body) = env
        .app
        .post(&env.shop_path("/products"), &op, product)
        .await;
    assert_error(status, &body, 400, "invalid_field");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("skus[1].price.currency"),
        "{body}"
    );
    assert_eq!(tiktok_calls(&env), before, "TikTok was not called");
    assert_eq!(titled(&env, "Wrong money"), 0);
}
