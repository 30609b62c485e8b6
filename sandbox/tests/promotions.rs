//! Promotions over HTTP: activities (create, search, get, update, products, deactivate) with their
//! validation and state rules, and coupons.

mod signed_client;

use serde_json::{Value, json};
use signed_client::{Client, config};
use tiktok_sandbox::start;
use tiktok_sandbox::world::ProductStatus;

const INVALID: i64 = 36009004;
const NOT_FOUND: i64 = 17000001;
const STATUS_NOT_ALLOWED: i64 = 17000002;
const PRODUCT_INVALID: i64 = 17000003;
const ACTIVITIES: &str = "/promotion/202309/activities";

/// An active product of the shop with its cheapest SKU's price (minor units) and its SKU ids.
fn a_product(c: &Client) -> (u64, i64, Vec<u64>) {
    c.state.with_world(|w| {
        let p = w
            .products
            .values()
            .find(|p| {
                p.shop_id == c.shop_id && p.status == ProductStatus::Activate && p.skus.len() > 1
            })
            .expect("an active product with variations");
        (
            p.id,
            p.skus.iter().map(|s| s.price).min().unwrap(),
            p.skus.iter().map(|s| s.id).collect(),
        )
    })
}

fn dollars(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

async fn create(c: &Client, body: Value) -> String {
    let a = c.post(ACTIVITIES, &[], body).await;
    a.ok()["activity_id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activities_are_validated_created_found_and_changed() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let now = c.state.now();
    let good = json!({
        "title": "Weekend flash sale",
        "activity_type": "FLASHSALE",
        "product_level": "PRODUCT",
        "begin_time": now + 3600,
        "end_time": now + 2 * 86_400,
        "participation_limit": [{"type": "BUYER_NO_LIMIT"}],
    });

    // Validation of create.
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = good.clone();
        b.as_object_mut().unwrap().remove(k);
        b
    };
    for bad in [
        without("title"),
        with("title", json!("")),
        with("title", json!("x".repeat(51))),
        without("activity_type"),
        with("activity_type", json!("BOGO")),
        with("product_level", json!("SHOP")),
        without("begin_time"),
        with("end_time", json!(now + 1800)),
        with("end_time", json!(now - 10)),
        // A flash sale lasts at most three days.
        with("end_time", json!(now + 5 * 86_400)),
        with("begin_time", json!("soon")),
    ] {
        c.post(ACTIVITIES, &[], bad.clone()).await.refused(INVALID);
    }

    let id = create(&c, good.clone()).await;
    let got = c.get(&format!("{ACTIVITIES}/{id}"), &[]).await;
    let g = got.ok();
    assert_eq!(g["activity_id"], id);
    assert_eq!(g["title"], "Weekend flash sale");
    assert_eq!(g["activity_type"], "FLASHSALE");
    assert_eq!(g["status"], "NOT_START");
    assert_eq!(g["products"], json!([]));
    c.get(&format!("{ACTIVITIES}/123"), &[])
        .await
        .refused(NOT_FOUND);

    // Search: by status, type and title, paged.
    let s = c
        .post(
            &format!("{ACTIVITIES}/search"),
            &[],
            json!({"activity_title": "weekend", "status": "NOT_START"}),
        )
        .await;
    let found = s.ok()["activities"].as_array().unwrap().clone();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], id);
    c.post(
        &format!("{ACTIVITIES}/search"),
        &[],
        json!({"status": "LIVE"}),
    )
    .await
    .refused(INVALID);
    c.post(
        &format!("{ACTIVITIES}/search"),
        &[],
        json!({"page_size": 0}),
    )
    .await
    .refused(INVALID);
    let all = c
        .post(
            &format!("{ACTIVITIES}/search"),
            &[],
            json!({"page_size": 2}),
        )
        .await;
    let first = all.ok().clone();
    assert!(
        first["total_count"].as_u64().unwrap() >= 6,
        "the world has some, plus ours"
    );
    let token = first["next_page_token"].as_str().unwrap();
    assert!(!token.is_empty());
    let next = c
        .post(
            &format!("{ACTIVITIES}/search"),
            &[],
            json!({"page_size": 2, "page_token": token}),
        )
        .await;
    assert_ne!(
        next.ok()["activities"][0]["id"],
        first["activities"][0]["id"]
    );

    // Update.
    c.call(
        "PUT",
        &format!("{ACTIVITIES}/{id}"),
        &[],
        Some(&json!({"title": ""})),
    )
    .await
    .refused(INVALID);
    c.call(
        "PUT",
        &format!("{ACTIVITIES}/{id}"),
        &[],
        Some(&json!({"end_time": now + 30 * 86_400})),
    )
    .await
    .refused(INVALID);
    let u = c
        .call(
            "PUT",
            &format!("{ACTIVITIES}/{id}"),
            &[],
            Some(&json!({"title": "Sunday flash sale", "end_time": now + 86_400})),
        )
        .await;
    assert_eq!(u.ok()["title"], "Sunday flash sale");

    // Products: prices must be below the product's price; a flash sale needs a price.
    let (pid, price, skus) = a_product(&c);
    let products = format!("{ACTIVITIES}/{id}/products");
    for (body, code) in [
        (json!({"products": []}), INVALID),
        (
            json!({"products": [{"id": pid.to_string(), "quantity_limit": 10, "quantity_per_user": 1}]}),
            INVALID,
        ),
        (
            json!({"products": [{"id": pid.to_string(), "activity_price_amount": dollars(price), "quantity_limit": 10, "quantity_per_user": 1}]}),
            INVALID,
        ),
        (
            json!({"products": [{"id": pid.to_string(), "activity_price_amount": "abc", "quantity_limit": 10, "quantity_per_user": 1}]}),
            INVALID,
        ),
        (
            json!({"products": [{"id": pid.to_string(), "activity_price_amount": "1.00", "quantity_limit": 0, "quantity_per_user": 1}]}),
            INVALID,
        ),
        (
            json!({"products": [{"id": "123", "activity_price_amount": "1.00", "quantity_limit": 10, "quantity_per_user": 1}]}),
            PRODUCT_INVALID,
        ),
        (
            json!({"products": [{"id": pid.to_string(), "activity_price_amount": "1.00", "skus": [{"id": "1"}]}]}),
            PRODUCT_INVALID,
        ),
    ] {
        c.call("PUT", &products, &[], Some(&body))
            .await
            .refused(code);
    }
    let sale = dollars(price * 8 / 10);
    let ok = c
        .call(
            "PUT",
            &products,
            &[],
            Some(&json!({"products": [{"id": pid.to_string(), "activity_price_amount": sale, "quantity_limit": 100, "quantity_per_user": 2, "skus": [{"id": skus[0].to_string()}]}]})),
        )
        .await;
    assert_eq!(ok.ok()["total_count"], 1);
    let g = c.get(&format!("{ACTIVITIES}/{id}"), &[]).await;
    let p = &g.ok()["products"][0];
    assert_eq!(p["id"], pid.to_string());
    assert_eq!(p["activity_price"]["amount"], sale);
    assert_eq!(p["quantity_per_user"], 2);
    assert_eq!(p["skus"][0]["id"], skus[0].to_string());

    // Remove.
    c.call("DELETE", &products, &[], Some(&json!({})))
        .await
        .refused(INVALID);
    c.call(
        "DELETE",
        &products,
        &[],
        Some(&json!({"product_ids": ["123"]})),
    )
    .await
    .refused(PRODUCT_INVALID);
    c.call(
        "DELETE",
        &products,
        &[],
        Some(&json!({"product_ids": [pid.to_string()]})),
    )
    .await
    .ok();
    let g = c.get(&format!("{ACTIVITIES}/{id}"), &[]).await;
    assert_eq!(g.ok()["products"], json!([]));

    // Deactivate: final.
    let d = c
        .post(&format!("{ACTIVITIES}/{id}/deactivate"), &[], json!({}))
        .await;
    assert_eq!(d.ok()["status"], "DEACTIVATED");
    c.post(&format!("{ACTIVITIES}/{id}/deactivate"), &[], json!({}))
        .await
        .refused(STATUS_NOT_ALLOWED);
    c.call(
        "PUT",
        &format!("{ACTIVITIES}/{id}"),
        &[],
        Some(&json!({"title": "again"})),
    )
    .await
    .refused(STATUS_NOT_ALLOWED);
    c.call(
        "PUT",
        &products,
        &[],
        Some(&json!({"products": [{"id": pid.to_string(), "activity_price_amount": sale}]})),
    )
    .await
    .refused(STATUS_NOT_ALLOWED);
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_discounts_take_a_percentage_and_status_follows_the_clock() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let now = c.state.now();
    let id = create(
        &c,
        json!({"title": "10% off", "activity_type": "DIRECT_DISCOUNT", "product_level": "PRODUCT",
               "begin_time": now + 60, "end_time": now + 600}),
    )
    .await;
    let (pid, _, _) = a_product(&c);
    let products = format!("{ACTIVITIES}/{id}/products");
    c.call(
        "PUT",
        &products,
        &[],
        Some(&json!({"products": [{"id": pid.to_string(), "discount": "0"}]})),
    )
    .await
    .refused(INVALID);
    c.call(
        "PUT",
        &products,
        &[],
        Some(&json!({"products": [{"id": pid.to_string(), "discount": "100"}]})),
    )
    .await
    .refused(INVALID);
    c.call(
        "PUT",
        &products,
        &[],
        Some(&json!({"products": [{"id": pid.to_string(), "discount": "10"}]})),
    )
    .await
    .ok();
    let status = |a: &signed_client::Answer| a.ok()["status"].as_str().unwrap().to_string();
    assert_eq!(
        status(&c.get(&format!("{ACTIVITIES}/{id}"), &[]).await),
        "NOT_START"
    );
    c.state.advance_clock(120);
    assert_eq!(
        status(&c.get(&format!("{ACTIVITIES}/{id}"), &[]).await),
        "ONGOING"
    );
    c.state.advance_clock(600);
    assert_eq!(
        status(&c.get(&format!("{ACTIVITIES}/{id}"), &[]).await),
        "EXPIRED"
    );
    // An expired activity cannot change any more.
    c.post(&format!("{ACTIVITIES}/{id}/deactivate"), &[], json!({}))
        .await
        .refused(STATUS_NOT_ALLOWED);
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coupons_can_be_searched_and_read() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let search = "/promotion/202406/coupons/search";
    let all = c.post(search, &[("page_size", "50")], json!({})).await;
    let coupons = all.ok()["coupons"].as_array().unwrap().clone();
    assert!(coupons.len() >= 3);
    for cp in &coupons {
        assert!(cp["id"].is_string() && cp["title"].is_string());
        assert!(cp["discount"]["type"].is_string());
        assert!(cp["claim_duration"]["start_time"].is_i64());
    }
    let ongoing = c
        .post(
            search,
            &[("page_size", "50")],
            json!({"status": ["ONGOING"]}),
        )
        .await;
    assert!(
        ongoing.ok()["coupons"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "ONGOING")
    );
    c.post(
        search,
        &[("page_size", "50")],
        json!({"status": ["SOMETIMES"]}),
    )
    .await
    .refused(INVALID);
    c.post(search, &[("page_size", "500")], json!({}))
        .await
        .refused(INVALID);
    let paged = c.post(search, &[("page_size", "1")], json!({})).await;
    assert!(!paged.ok()["next_page_token"].as_str().unwrap().is_empty());

    let id = coupons[0]["id"].as_str().unwrap();
    let one = c.get(&format!("/promotion/202406/coupons/{id}"), &[]).await;
    assert_eq!(one.ok()["coupon"]["id"], id);
    c.get("/promotion/202406/coupons/42", &[])
        .await
        .refused(17000004);
    sandbox.stop().await;
}
