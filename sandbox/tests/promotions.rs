//! Promotions over HTTP: an activity's life through every call (create, get, search, update, products,
//! remove, deactivate), status by the clock, and the read-only coupons in TikTok's shapes.

mod promo;
mod signed_client;

use promo::*;
use serde_json::{Value, json};
use signed_client::{Answer, Client, config};
use tiktok_sandbox::start;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_activity_is_created_found_changed_and_deactivated() {
    let sandbox = start(roomy()).await.unwrap();
    let c = Client::new(&sandbox);
    let now = c.state.now();
    let created = c
        .post(
            ACTIVITIES,
            &[],
            json!({
                "title": "Weekend flash sale",
                "activity_type": "FLASHSALE",
                "product_level": "PRODUCT",
                "begin_time": now + 3600,
                "end_time": now + 2 * 86_400,
                "participation_limit": [{"type": "BUYER_NO_LIMIT"}],
            }),
        )
        .await;
    let d = created.ok();
    let id = d["activity_id"].as_str().unwrap().to_string();
    assert_eq!(d["status"], "NOT_START");
    // The create answer is in seconds; get and search are in milliseconds.
    assert_eq!(d["create_time"], now);
    assert_eq!(d["update_time"], now);

    let g = get(&c, &id).await;
    assert_eq!(g["activity_id"], id);
    assert!(g.get("id").is_none(), "get names it activity_id: {g}");
    assert_eq!(g["title"], "Weekend flash sale");
    assert_eq!(g["activity_type"], "FLASHSALE");
    assert_eq!(g["product_level"], "PRODUCT");
    assert_eq!(g["duration_type"], "NORMAL");
    assert_eq!(g["begin_time"], now + 3600);
    assert_eq!(g["create_time"], now * 1000);
    assert_eq!(
        g["participation_limit"],
        json!([{"type": "BUYER_NO_LIMIT"}])
    );
    assert!(g.get("products").is_none(), "no products: left out, {g}");
    assert!(g.get("discount").is_none());
    c.get(&format!("{ACTIVITIES}/123"), &[])
        .await
        .refused(NOT_FOUND);

    // Search: paging in the body, the exact title, ms times, no products.
    let s = c
        .post(
            &format!("{ACTIVITIES}/search"),
            &[],
            json!({"activity_title": "Weekend flash sale", "status": "NOT_START"}),
        )
        .await;
    let found = s.ok()["activities"].as_array().unwrap().clone();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], id);
    assert_eq!(found[0]["update_time"], now * 1000);
    assert!(found[0].get("products").is_none());
    let partial = c
        .post(
            &format!("{ACTIVITIES}/search"),
            &[],
            json!({"activity_title": "weekend"}),
        )
        .await;
    assert_eq!(partial.ok()["total_count"], 0, "the title matches exactly");
    assert!(partial.ok().get("activities").is_none(), "empty: left out");
    for bad in [
        json!({"status": "LIVE"}),
        json!({"status": "DRAFT"}),
        json!({"page_size": 101}),
        json!({"page_size": -1}),
        json!({"activity_type": "BOGO"}),
        json!({"page_token": "nothex"}),
    ] {
        c.post(&format!("{ACTIVITIES}/search"), &[], bad)
            .await
            .refused(INVALID);
    }
    // page_size 0 (or none) is 10.
    let zero = c
        .post(
            &format!("{ACTIVITIES}/search"),
            &[],
            json!({"page_size": 0}),
        )
        .await;
    let first = zero.ok().clone();
    assert!(
        first["total_count"].as_u64().unwrap() >= 6,
        "the world's and ours"
    );
    let two = c
        .post(
            &format!("{ACTIVITIES}/search"),
            &[],
            json!({"page_size": 2, "page_token": ""}),
        )
        .await;
    let page = two.ok().clone();
    assert_eq!(page["activities"].as_array().unwrap().len(), 2);
    let token = page["next_page_token"].as_str().unwrap();
    let next = c
        .post(
            &format!("{ACTIVITIES}/search"),
            &[],
            json!({"page_size": 2, "page_token": token}),
        )
        .await;
    assert_ne!(
        next.ok()["activities"][0]["id"],
        page["activities"][0]["id"]
    );
    // Omitted status = NOT_START, ONGOING, EXPIRED, DEACTIVATED.
    let statuses: Vec<String> = first["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap().to_string())
        .collect();
    assert!(
        statuses
            .iter()
            .all(|s| ["NOT_START", "ONGOING", "EXPIRED", "DEACTIVATED"].contains(&s.as_str()))
    );

    // Update: title and both times are required; only they apply to a flash sale.
    let one = format!("{ACTIVITIES}/{id}");
    let u = c
        .call(
            "PUT",
            &one,
            &[],
            Some(&json!({"title": "Sunday flash sale", "begin_time": now + 7200,
                          "end_time": now + 86_400, "participation_limit": [{"type": "BUYER_LIMIT_ONLY_ONE"}]})),
        )
        .await;
    assert_eq!(u.ok()["title"], "Sunday flash sale");
    assert_eq!(u.ok()["update_time"], now);
    let g = get(&c, &id).await;
    assert_eq!(g["begin_time"], now + 7200);
    assert_eq!(g["participation_limit"][0]["type"], "BUYER_NO_LIMIT");

    // Products: a deal price below every SKU's price.
    let (pid, _, prices) = free_product(&c, 1, &[]);
    let low = *prices.iter().min().unwrap();
    let sale = dollars(low * 8 / 10);
    let put = put_products(&c, &id, json!([priced(pid, &sale, 20, 2)])).await;
    let p = put.ok();
    assert_eq!(p["total_count"], 1);
    assert_eq!(p["title"], "Sunday flash sale");
    assert_eq!(p["status"], "NOT_START");
    let g = get(&c, &id).await;
    let gp = &g["products"][0];
    assert_eq!(gp["id"], pid.to_string());
    assert_eq!(
        gp["activity_price"],
        json!({"amount": sale, "currency": "USD"})
    );
    assert_eq!(gp["quantity_limit"], 20);
    assert_eq!(gp["quantity_per_user"], 2);
    assert_eq!(gp["used_quantity"], 0);
    assert!(gp.get("skus").is_none(), "SKUs only at VARIATION level");
    // Omitting the list (or sending it empty) leaves the products alone.
    for body in [
        json!({"activity_id": id}),
        json!({"activity_id": id, "products": []}),
    ] {
        let a = c
            .call("PUT", &format!("{one}/products"), &[], Some(&body))
            .await;
        assert_eq!(a.ok()["total_count"], 1);
    }

    // Remove: nothing named, nothing happens; then the product goes.
    let d = c
        .call("DELETE", &format!("{one}/products"), &[], Some(&json!({})))
        .await;
    assert_eq!(d.ok()["activity_id"], id);
    assert_eq!(get(&c, &id).await["products"].as_array().unwrap().len(), 1);
    c.call(
        "DELETE",
        &format!("{one}/products"),
        &[],
        Some(&json!({"product_ids": ["123"]})),
    )
    .await
    .refused(PRODUCT_INVALID);
    c.call(
        "DELETE",
        &format!("{one}/products"),
        &[],
        Some(&json!({"sku_ids": ["123"]})),
    )
    .await
    .refused(INVALID);
    c.call(
        "DELETE",
        &format!("{one}/products"),
        &[],
        Some(&json!({"product_ids": [pid.to_string()]})),
    )
    .await
    .ok();
    assert!(get(&c, &id).await.get("products").is_none());

    // Deactivate: final.
    let d = c.post(&format!("{one}/deactivate"), &[], json!({})).await;
    assert_eq!(d.ok()["status"], "DEACTIVATED");
    assert_eq!(d.ok()["title"], "Sunday flash sale");
    c.post(&format!("{one}/deactivate"), &[], json!({}))
        .await
        .refused(STATUS_NOT_ALLOWED);
    c.call("PUT", &one, &[], Some(&json!({"title": "again"})))
        .await
        .refused(STATUS_NOT_ALLOWED);
    put_products(&c, &id, json!([priced(pid, &sale, 20, 2)]))
        .await
        .refused(STATUS_NOT_ALLOWED);
    c.call(
        "DELETE",
        &format!("{one}/products"),
        &[],
        Some(&json!({"product_ids": [pid.to_string()]})),
    )
    .await
    .refused(STATUS_NOT_ALLOWED);
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_discounts_take_a_percentage_and_status_follows_the_clock() {
    let sandbox = start(roomy()).await.unwrap();
    let c = Client::new(&sandbox);
    let id = activity(&c, "10% off", "DIRECT_DISCOUNT", "PRODUCT", 60, 600).await;
    let (pid, _, _) = free_product(&c, 1, &[]);
    let with = |discount: Value| {
        json!([{"id": pid.to_string(), "discount": discount, "quantity_limit": -1,
                "quantity_per_user": -1}])
    };
    for bad in [json!("0"), json!("100"), json!("10.5"), json!(10)] {
        put_products(&c, &id, with(bad)).await.refused(INVALID);
    }
    // A direct discount takes a percentage, not a price.
    put_products(
        &c,
        &id,
        json!([{"id": pid.to_string(), "discount": "10", "activity_price_amount": "1.00",
                "quantity_limit": -1, "quantity_per_user": -1}]),
    )
    .await
    .refused(INVALID);
    put_products(&c, &id, with(json!("10"))).await.ok();
    let g = get(&c, &id).await;
    assert_eq!(g["products"][0]["discount"], "10");
    assert!(g["products"][0].get("activity_price").is_none());

    let status = |a: &Value| a["status"].as_str().unwrap().to_string();
    assert_eq!(status(&get(&c, &id).await), "NOT_START");
    c.state.advance_clock(120);
    assert_eq!(status(&get(&c, &id).await), "ONGOING");
    let found = c
        .post(
            &format!("{ACTIVITIES}/search"),
            &[],
            json!({"status": "ONGOING", "activity_title": "10% off"}),
        )
        .await;
    assert_eq!(found.ok()["total_count"], 1);
    c.state.advance_clock(600);
    assert_eq!(status(&get(&c, &id).await), "EXPIRED");
    // An expired activity cannot change any more.
    c.post(&format!("{ACTIVITIES}/{id}/deactivate"), &[], json!({}))
        .await
        .refused(STATUS_NOT_ALLOWED);
    put_products(&c, &id, with(json!("20")))
        .await
        .refused(STATUS_NOT_ALLOWED);
    sandbox.stop().await;
}

fn no_nulls(v: &Value, at: &str) {
    match v {
        Value::Null => panic!("{at} is null"),
        Value::Object(m) => m
            .iter()
            .for_each(|(k, v)| no_nulls(v, &format!("{at}.{k}"))),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, v)| no_nulls(v, &format!("{at}[{i}]"))),
        _ => {}
    }
}

async fn coupons(c: &Client, query: &[(&str, &str)], body: Value) -> Answer {
    c.post("/promotion/202406/coupons/search", query, body)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coupons_are_searched_and_read_in_tiktoks_shapes() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let all = coupons(&c, &[("page_size", "50")], json!({})).await;
    no_nulls(all.data(), "data");
    let list = all.ok()["coupons"].as_array().unwrap().clone();
    assert!(list.len() >= 5);
    let mut displays = std::collections::BTreeSet::new();
    for cp in &list {
        assert!(cp["id"].is_string() && cp["title"].is_string());
        displays.insert(cp["display_type"].as_str().unwrap().to_string());
        assert!(["AMOUNT_OFF", "PERCENT_OFF"].contains(&cp["discount"]["type"].as_str().unwrap()));
        assert!(
            ["FULL_SHOP", "SPECIFIC_PRODUCTS"].contains(&cp["product_scope"].as_str().unwrap())
        );
        assert!(["NONE", "MIN_SPEND"].contains(&cp["threshold"]["type"].as_str().unwrap()));
        assert!(cp["claim_duration"]["start_time"].is_i64());
        // Coupon times are milliseconds; claim and redemption times are seconds.
        assert!(cp["create_time"].as_i64().unwrap() > 1_000_000_000_000);
        assert!(cp["claim_duration"]["end_time"].as_i64().unwrap() < 10_000_000_000);
        assert!(
            ["ABSOLUTE", "RELATIVE"].contains(&cp["redemption_duration"]["type"].as_str().unwrap())
        );
        assert!(cp["usage_limits"]["total_claim_limit"].is_i64());
        assert!(
            cp.get("usage_limits")
                .unwrap()
                .get("redemption_limit")
                .is_none(),
            "US: no SEA limit"
        );
        assert!(cp.get("usage_stats").is_none(), "get adds usage_stats");
        assert!(cp.get("product_ids").is_none(), "get adds product_ids");
        assert_eq!(
            cp.get("promo_code").is_some(),
            cp["display_type"] == "PROMO_CODE"
        );
        match cp["discount"]["type"].as_str().unwrap() {
            "AMOUNT_OFF" => assert_eq!(cp["discount"]["reduction_amount"]["currency"], "USD"),
            _ => assert!(cp["discount"]["percentage"].is_string()),
        }
    }
    assert_eq!(displays.len(), 5, "{displays:?}");

    // Filters: values ORed, filters ANDed.
    let ongoing = coupons(&c, &[], json!({"status": ["ONGOING", "NOT_START"]})).await;
    for cp in ongoing.ok()["coupons"].as_array().unwrap() {
        assert!(["ONGOING", "NOT_START"].contains(&cp["status"].as_str().unwrap()));
    }
    let both = coupons(
        &c,
        &[],
        json!({"status": ["ONGOING"], "display_type": ["REGULAR"]}),
    )
    .await;
    for cp in both.ok()["coupons"].as_array().unwrap() {
        assert_eq!(
            (cp["status"].as_str(), cp["display_type"].as_str()),
            (Some("ONGOING"), Some("REGULAR"))
        );
    }
    let prefix = coupons(&c, &[], json!({"title_keyword": "orders ov"})).await;
    let titles: Vec<&str> = prefix.ok()["coupons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["15% off orders over 50"]);
    let none = coupons(&c, &[], json!({"title_keyword": "rders"})).await;
    assert!(
        none.ok().get("coupons").is_none(),
        "a phrase prefix, not a substring"
    );
    assert_eq!(none.ok()["total_count"], 0);
    for (q, body) in [
        (vec![], json!({"status": ["SOMETIMES"]})),
        (vec![], json!({"display_type": ["BANNER"]})),
        (vec![], json!({"title_keyword": ""})),
        (vec![], json!({"title_keyword": "x".repeat(101)})),
        (vec![("page_size", "500")], json!({})),
        (vec![("page_size", "0")], json!({})),
    ] {
        coupons(&c, &q, body).await.refused(INVALID);
    }
    let paged = coupons(&c, &[("page_size", "2")], json!({})).await;
    let token = paged.ok()["next_page_token"].as_str().unwrap().to_string();
    assert!(!token.is_empty());
    let more = coupons(&c, &[("page_size", "2"), ("page_token", &token)], json!({})).await;
    assert_ne!(
        more.ok()["coupons"][0]["id"],
        paged.ok()["coupons"][0]["id"]
    );

    // Get adds product_ids, display_channels, usage_stats, seller_tnc, live_tasks.
    let specific = list
        .iter()
        .find(|c| c["product_scope"] == "SPECIFIC_PRODUCTS")
        .unwrap();
    let id = specific["id"].as_str().unwrap();
    let one = c.get(&format!("/promotion/202406/coupons/{id}"), &[]).await;
    no_nulls(one.data(), "data");
    let cp = &one.ok()["coupon"];
    assert_eq!(cp["id"], id);
    assert!(!cp["product_ids"].as_array().unwrap().is_empty());
    assert!(cp["display_channels"].is_array());
    assert!(cp["usage_stats"]["claimed_count"].is_i64());
    assert!(cp["usage_stats"]["redeemed_count"].is_i64());
    let live = list.iter().find(|c| c["display_type"] == "LIVE").unwrap();
    let one = c
        .get(
            &format!("/promotion/202406/coupons/{}", live["id"].as_str().unwrap()),
            &[],
        )
        .await;
    assert_eq!(
        one.ok()["coupon"]["live_tasks"][0],
        json!({"type": "WATCH_FOR_MIN_TIME", "min_watch_time": 60})
    );
    c.get("/promotion/202406/coupons/42", &[])
        .await
        .refused(17000004);
    // No path creates a coupon.
    let create = c.post("/promotion/202406/coupons", &[], json!({})).await;
    assert_ne!(create.code(), 0);

    // Coupon status follows the clock: the NOT_START one starts.
    let waiting = coupons(&c, &[], json!({"status": ["NOT_START"]})).await;
    let id = waiting.ok()["coupons"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    c.state.advance_clock(21 * 86_400);
    // (A new token: the first one expired meanwhile.)
    let c = Client::new(&sandbox);
    let one = c.get(&format!("/promotion/202406/coupons/{id}"), &[]).await;
    assert_eq!(one.ok()["coupon"]["status"], "ONGOING");
    sandbox.stop().await;
}
