//! The rules of tiktok-api-areas.md §3, one refusal at a time: create, products, update, deactivate,
//! republish. Every refusal names its field.

mod promo;
mod signed_client;

use promo::*;
use serde_json::{Value, json};
use signed_client::{Answer, Client};
use tiktok_sandbox::start;

const DAY: i64 = 86_400;

#[track_caller]
fn refused_naming(a: &Answer, code: i64, field: &str) {
    a.refused(code);
    let msg = a.body["message"].as_str().unwrap();
    assert!(msg.contains(field), "{field:?} not named in {msg:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_follows_the_rules() {
    let sandbox = start(roomy()).await.unwrap();
    let c = Client::new(&sandbox);
    let now = c.state.now();
    let good = json!({
        "title": "Rules flash sale",
        "activity_type": "FLASHSALE",
        "product_level": "VARIATION",
        "begin_time": now + 60,
        "end_time": now + 660,
    });
    let with = |pairs: &[(&str, Value)]| {
        let mut b = good.clone();
        for (k, v) in pairs {
            if v.is_null() {
                b.as_object_mut().unwrap().remove(*k);
            } else {
                b[*k] = v.clone();
            }
        }
        b
    };
    let cases: Vec<(Value, &str)> = vec![
        (with(&[("title", Value::Null)]), "title"),
        (with(&[("title", json!("  "))]), "title"),
        (with(&[("title", json!("x".repeat(51)))]), "title"),
        (with(&[("title", json!(7))]), "title"),
        (with(&[("activity_type", Value::Null)]), "activity_type"),
        (with(&[("activity_type", json!("BOGO"))]), "activity_type"),
        (with(&[("product_level", json!("SHOP"))]), "product_level"),
        (with(&[("product_level", json!("SKU"))]), "product_level"),
        (
            with(&[("activity_type", json!("SHIPPING_DISCOUNT"))]),
            "product_level",
        ),
        (
            with(&[
                ("activity_type", json!("GIFT_WITH_PURCHASE")),
                ("product_level", json!("SHOP")),
            ]),
            "product_level",
        ),
        (with(&[("begin_time", Value::Null)]), "begin_time"),
        (with(&[("begin_time", json!("soon"))]), "begin_time"),
        (with(&[("begin_time", json!(now))]), "begin_time"),
        (with(&[("begin_time", json!(now - 60))]), "begin_time"),
        (with(&[("end_time", Value::Null)]), "end_time"),
        (with(&[("end_time", json!(now + 659))]), "end_time"),
        (
            with(&[("end_time", json!(now + 60 + 3 * DAY + 1))]),
            "end_time",
        ),
        (
            with(&[("duration_type", json!("INDEFINITE"))]),
            "duration_type",
        ),
        (
            with(&[("discount", json!({"shipping_discount": {}}))]),
            "discount",
        ),
        (
            with(&[("participation_limit", json!([{"type": "ONCE"}]))]),
            "participation_limit",
        ),
        (
            with(&[("target_user_info", json!({"user_type": "VIP"}))]),
            "target_user_info.user_type",
        ),
        (
            with(&[("auction_support_type", json!("EXCLUDE_AUCTION"))]),
            "auction_support_type",
        ),
        // The other types need their discount object, rightly filled.
        (
            with(&[
                ("activity_type", json!("BUY_MORE_SAVE_MORE")),
                ("product_level", json!("PRODUCT")),
                ("participation_limit", json!([{"type": "BUYER_NO_LIMIT"}])),
            ]),
            "discount.bmsm_discount",
        ),
        (
            with(&[
                ("activity_type", json!("BUY_MORE_SAVE_MORE")),
                ("product_level", json!("PRODUCT")),
                (
                    "discount",
                    json!({"bmsm_discount": {"details": [
                    {"tier": 1, "threshold_type": "MINIMAL_ITEM_QUANTITY", "threshold_value": "2", "type": "PERCENTAGE_OFF", "value": "10"}]}}),
                ),
            ]),
            "participation_limit",
        ),
        (
            with(&[
                ("activity_type", json!("BUY_MORE_SAVE_MORE")),
                ("product_level", json!("PRODUCT")),
                ("participation_limit", json!([{"type": "BUYER_NO_LIMIT"}])),
                (
                    "discount",
                    json!({"bmsm_discount": {"details": [
                    {"tier": 1, "threshold_type": "MINIMAL_ITEM_QUANTITY", "threshold_value": "2", "type": "PERCENTAGE_OFF", "value": "10"},
                    {"tier": 2, "threshold_type": "MINIMAL_ITEM_QUANTITY", "threshold_value": "3", "type": "PERCENTAGE_OFF", "value": "5"}]}}),
                ),
            ]),
            "discount.bmsm_discount.details[1].value",
        ),
        (
            with(&[
                ("activity_type", json!("SHIPPING_DISCOUNT")),
                ("product_level", json!("PRODUCT")),
                (
                    "discount",
                    json!({"shipping_discount": {"threshold_type": "MINIMAL_ORDER_AMOUNT",
                    "threshold_value": "50", "type": "FREE_SHIPPING", "area_scope": {"type": "WHOLE"}}}),
                ),
            ]),
            "discount.shipping_discount.threshold_type",
        ),
    ];
    for (body, field) in cases {
        let a = c.post(ACTIVITIES, &[], body.clone()).await;
        refused_naming(&a, INVALID, field);
    }

    // Good ones: the edges are allowed.
    let id = create(&c, with(&[("end_time", json!(now + 60 + 3 * DAY))])).await;
    let fixed = create(
        &c,
        with(&[
            ("title", json!("x".repeat(100))),
            ("activity_type", json!("FIXED_PRICE")),
            ("end_time", json!(now + 660)),
        ]),
    )
    .await;
    assert_ne!(id, fixed);
    c.post(
        ACTIVITIES,
        &[],
        with(&[
            ("title", json!("y".repeat(101))),
            ("activity_type", json!("FIXED_PRICE")),
        ]),
    )
    .await
    .refused(INVALID);
    // Titles are unique in the shop.
    let dup = c.post(ACTIVITIES, &[], good.clone()).await;
    refused_naming(&dup, TITLE_TAKEN, "title");
    // An indefinite shipping discount runs at once.
    let ship = c
        .post(
            ACTIVITIES,
            &[],
            json!({"title": "Free shipping, always", "activity_type": "SHIPPING_DISCOUNT",
                   "product_level": "SHOP", "duration_type": "INDEFINITE", "begin_time": 0, "end_time": 0,
                   "auction_support_type": "EXCLUDE_AUCTION",
                   "discount": {"shipping_discount": {"threshold_type": "MINIMAL_ORDER_AMOUNT",
                       "threshold_value": "25.50", "type": "DISCOUNT_SHIPPING_FEE", "value": "5",
                       "area_scope": {"type": "WHOLE"}}}}),
        )
        .await;
    assert_eq!(ship.ok()["status"], "ONGOING");
    let sid = ship.ok()["activity_id"].as_str().unwrap().to_string();
    let g = get(&c, &sid).await;
    assert_eq!(g["duration_type"], "INDEFINITE");
    assert_eq!(g["auction_support_type"], "EXCLUDE_AUCTION");
    assert_eq!(g["discount"]["shipping_discount"]["value"], "5");
    // A SHOP-level shipping discount takes no products.
    let (pid, _, _) = free_product(&c, 1, &[]);
    let a = put_products(
        &c,
        &sid,
        json!([{"id": pid.to_string(), "quantity_limit": -1, "quantity_per_user": -1}]),
    )
    .await;
    refused_naming(&a, INVALID, "products");
    // Its update answer has no title.
    let u = c
        .call(
            "PUT",
            &format!("{ACTIVITIES}/{sid}"),
            &[],
            Some(&json!({"title": "Free shipping, still", "begin_time": 0, "end_time": 0})),
        )
        .await;
    assert!(u.ok().get("title").is_none(), "{}", u.body);
    // A BMSM with its tiers.
    let bmsm = c
        .post(
            ACTIVITIES,
            &[],
            json!({"title": "Buy more", "activity_type": "BUY_MORE_SAVE_MORE", "product_level": "PRODUCT",
                   "begin_time": now + 60, "end_time": now + DAY,
                   "participation_limit": [{"type": "BUYER_NO_LIMIT"}],
                   "discount": {"bmsm_discount": {"details": [
                       {"tier": 1, "threshold_type": "MINIMAL_ITEM_QUANTITY", "threshold_value": "2", "type": "PERCENTAGE_OFF", "value": "5"},
                       {"tier": 2, "threshold_type": "MINIMAL_ITEM_QUANTITY", "threshold_value": "3", "type": "PERCENTAGE_OFF", "value": "10"}]}}}),
        )
        .await;
    assert_eq!(bmsm.ok()["status"], "NOT_START");
    // A gift with purchase names gift SKUs of the shop's products.
    let (gift, gift_skus, _) = free_product(&c, 1, &[pid]);
    let gwp = |sku: u64| {
        json!({"title": format!("Gift {sku}"), "activity_type": "GIFT_WITH_PURCHASE", "product_level": "PRODUCT",
               "begin_time": now + 60, "end_time": now + DAY,
               "participation_limit": [{"type": "BUYER_LIMIT_ONLY_ONE"}],
               "discount": {"gift_discount": {"gift_receiving_type": "ALL_RECEIVE", "gift_infos": [
                   {"tier": 1, "threshold_type": "MINIMAL_ORDER_AMOUNT", "threshold_value": "30",
                    "gift_details": [{"product_id": gift.to_string(), "sku_id": sku.to_string(),
                                      "total_claim_limit": "100"}]}]}}})
    };
    refused_naming(
        &c.post(ACTIVITIES, &[], gwp(123)).await,
        PRODUCT_INVALID,
        "gift_details[0].sku_id",
    );
    let g = create(&c, gwp(gift_skus[0])).await;
    let d = get(&c, &g).await;
    assert_eq!(d["participation_limit"][0]["type"], "BUYER_LIMIT_ONLY_ONE");
    assert_eq!(
        d["discount"]["gift_discount"]["gift_infos"][0]["gift_details"][0]["sku_id"],
        gift_skus[0].to_string()
    );
    // A SHOP-level buy-x-get-y takes benefit and excluded products, not products.
    let bxgy = create(
        &c,
        json!({"title": "Buy 2 get 1", "activity_type": "BUY_X_GET_Y", "product_level": "SHOP",
               "begin_time": now + 60, "end_time": now + DAY,
               "participation_limit": [{"type": "BUYER_NO_LIMIT"}],
               "discount": {"bxgy_discount": {"threshold_type": "MINIMAL_ITEM_QUANTITY", "threshold_value": "2",
                   "discount_type": "FREE", "discount_value": "0", "benefit_max_applicable_quantity": 1}}}),
    )
    .await;
    let a = c
        .call(
            "PUT",
            &format!("{ACTIVITIES}/{bxgy}/products"),
            &[],
            Some(
                &json!({"activity_id": bxgy, "benefit_product_ids": [gift.to_string()],
                          "exclude_product_ids": [pid.to_string()]}),
            ),
        )
        .await;
    assert_eq!(a.ok()["total_count"], 0);
    let d = get(&c, &bxgy).await;
    assert_eq!(d["benefit_products"], json!([{"id": gift.to_string()}]));
    let a = c
        .call(
            "PUT",
            &format!("{ACTIVITIES}/{g}/products"),
            &[],
            Some(&json!({"activity_id": g, "benefit_product_ids": [gift.to_string()]})),
        )
        .await;
    refused_naming(&a, INVALID, "benefit_product_ids");
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn products_follow_the_rules() {
    let sandbox = start(roomy()).await.unwrap();
    let c = Client::new(&sandbox);
    let (pid, skus, prices) = free_product(&c, 2, &[]);
    let (other, other_skus, _) = free_product(&c, 1, &[pid]);
    let low = *prices.iter().min().unwrap();
    let fixed = activity(&c, "Fixed rules", "FIXED_PRICE", "PRODUCT", 60, DAY).await;
    let var = activity(&c, "Variation rules", "FLASHSALE", "VARIATION", 60, DAY).await;
    let ok_price = dollars(low / 2);
    let product = |extra: &[(&str, Value)]| {
        let mut p = priced(pid, &ok_price, 10, 2);
        for (k, v) in extra {
            if v.is_null() {
                p.as_object_mut().unwrap().remove(*k);
            } else {
                p[*k] = v.clone();
            }
        }
        json!([p])
    };
    let sku = |i: usize, price: &str, limit: i64| {
        json!({"id": skus[i].to_string(), "activity_price_amount": price, "quantity_limit": limit,
               "quantity_per_user": 1})
    };
    let variation = |skus: Value| json!([{"id": pid.to_string(), "quantity_limit": -1, "quantity_per_user": -1, "skus": skus}]);
    // The body names the activity.
    let path = format!("{ACTIVITIES}/{fixed}/products");
    for body in [
        json!({"products": []}),
        json!({"activity_id": "1", "products": []}),
    ] {
        let a = c.call("PUT", &path, &[], Some(&body)).await;
        refused_naming(&a, INVALID, "activity_id");
    }
    let many: Vec<Value> = (0..301).map(|_| priced(pid, &ok_price, 1, 1)).collect();
    refused_naming(
        &put_products(&c, &fixed, json!(many)).await,
        INVALID,
        "products",
    );
    let cases: Vec<(&str, Value, i64, &str)> = vec![
        (
            &fixed,
            json!([{"quantity_limit": 1}]),
            INVALID,
            "products[0].id",
        ),
        (
            &fixed,
            json!([priced(123, "1.00", 1, 1)]),
            PRODUCT_INVALID,
            "products[0].id",
        ),
        (
            &fixed,
            product(&[("quantity_limit", Value::Null)]),
            INVALID,
            "products[0].quantity_limit",
        ),
        (
            &fixed,
            product(&[("quantity_limit", json!(0))]),
            INVALID,
            "products[0].quantity_limit",
        ),
        (
            &fixed,
            product(&[("quantity_limit", json!(100))]),
            INVALID,
            "products[0].quantity_limit",
        ),
        (
            &fixed,
            product(&[("quantity_per_user", json!(-2))]),
            INVALID,
            "products[0].quantity_per_user",
        ),
        (
            &fixed,
            product(&[("activity_price_amount", Value::Null)]),
            INVALID,
            "products[0].activity_price_amount",
        ),
        (
            &fixed,
            product(&[("activity_price_amount", json!(dollars(low)))]),
            INVALID,
            "products[0].activity_price_amount",
        ),
        (
            &fixed,
            product(&[("activity_price_amount", json!("0"))]),
            INVALID,
            "products[0].activity_price_amount",
        ),
        (
            &fixed,
            product(&[("activity_price_amount", json!("1.234"))]),
            INVALID,
            "products[0].activity_price_amount",
        ),
        (
            &fixed,
            product(&[("discount", json!("10"))]),
            INVALID,
            "products[0].discount",
        ),
        (
            &fixed,
            product(&[("skus", json!([{"id": skus[0].to_string()}]))]),
            INVALID,
            "products[0].skus",
        ),
        (
            &fixed,
            product(&[("skus", json!([{"id": other_skus[0].to_string()}]))]),
            PRODUCT_INVALID,
            "products[0].skus[0].id",
        ),
        (&var, variation(json!([])), INVALID, "products[0].skus"),
        (
            &var,
            json!([{"id": pid.to_string(), "quantity_limit": 5, "quantity_per_user": -1,
                       "skus": [sku(0, "1.00", 5)]}]),
            INVALID,
            "products[0].quantity_limit",
        ),
        (
            &var,
            variation(json!([sku(0, &dollars(prices[0]), 5)])),
            INVALID,
            "products[0].skus[0].activity_price_amount",
        ),
        (
            &var,
            variation(
                json!([{"id": skus[0].to_string(), "quantity_limit": 5, "quantity_per_user": 1}]),
            ),
            INVALID,
            "products[0].skus[0].activity_price_amount",
        ),
        (
            &var,
            variation(json!([sku(0, "1.00", 5), sku(0, "1.00", 5)])),
            INVALID,
            "products[0].skus[1].id",
        ),
        (
            &var,
            json!([{"id": pid.to_string(), "activity_price_amount": "1.00", "quantity_limit": -1,
                       "quantity_per_user": -1, "skus": [sku(0, "1.00", 5)]}]),
            INVALID,
            "products[0]",
        ),
    ];
    for (id, products, code, field) in cases {
        refused_naming(&put_products(&c, id, products).await, code, field);
    }
    // Another shop's product is not this shop's.
    let uk = c.state.with_world(|w| {
        w.products
            .values()
            .find(|p| p.shop_id != c.shop_id)
            .map(|p| p.id)
            .unwrap()
    });
    refused_naming(
        &put_products(&c, &fixed, json!([priced(uk, "1.00", 1, 1)])).await,
        PRODUCT_INVALID,
        "products[0].id",
    );

    // Limits can only grow (−1, no limit, is the most).
    put_products(&c, &fixed, product(&[])).await.ok();
    refused_naming(
        &put_products(&c, &fixed, product(&[("quantity_limit", json!(5))])).await,
        LIMIT_DECREASED,
        "products[0].quantity_limit",
    );
    put_products(&c, &fixed, product(&[("quantity_limit", json!(-1))]))
        .await
        .ok();
    refused_naming(
        &put_products(&c, &fixed, product(&[("quantity_limit", json!(99))])).await,
        LIMIT_DECREASED,
        "products[0].quantity_limit",
    );
    // A second product joins; the first stays (omitting never removes).
    let both = put_products(&c, &fixed, json!([priced(other, &dollars(1), 3, 1)])).await;
    assert_eq!(both.ok()["total_count"], 2);

    // VARIATION: SKUs add up, each with its own price and limits.
    let a = put_products(&c, &var, variation(json!([sku(0, "1.00", 5)]))).await;
    assert_eq!(a.ok()["total_count"], 1);
    let a = put_products(&c, &var, variation(json!([sku(1, "1.50", 7)]))).await;
    assert_eq!(a.ok()["total_count"], 2, "SKUs at VARIATION level");
    let g = get(&c, &var).await;
    let gs = g["products"][0]["skus"].as_array().unwrap();
    assert_eq!(gs.len(), 2);
    assert_eq!(gs[0]["activity_price"]["amount"], "1.00");
    assert_eq!(gs[1]["quantity_limit"], 7);
    assert_eq!(g["products"][0]["quantity_limit"], -1);
    refused_naming(
        &put_products(&c, &var, variation(json!([sku(1, "1.50", 6)]))).await,
        LIMIT_DECREASED,
        "products[0].skus[0].quantity_limit",
    );

    // An ONGOING flash sale takes new products and SKUs, not changes to the ones it has.
    c.state.advance_clock(120);
    assert_eq!(get(&c, &var).await["status"], "ONGOING");
    refused_naming(
        &put_products(&c, &var, variation(json!([sku(0, "1.10", 5)]))).await,
        FLASH_LOCKED,
        "products[0].skus[0]",
    );
    refused_naming(
        &put_products(&c, &var, variation(json!([sku(0, "1.00", 9)]))).await,
        FLASH_LOCKED,
        "products[0].skus[0]",
    );
    // The same values again change nothing: fine.
    put_products(&c, &var, variation(json!([sku(0, "1.00", 5)])))
        .await
        .ok();
    let added = put_products(
        &c,
        &var,
        json!([{"id": other.to_string(), "quantity_limit": -1, "quantity_per_user": -1,
                "skus": [{"id": other_skus[0].to_string(), "activity_price_amount": "0.50",
                          "quantity_limit": 2, "quantity_per_user": 1}]}]),
    )
    .await;
    assert_eq!(added.ok()["total_count"], 3);

    // Remove by SKU at VARIATION level: the product stays while it has SKUs.
    let del = format!("{ACTIVITIES}/{var}/products");
    c.call(
        "DELETE",
        &del,
        &[],
        Some(&json!({"sku_ids": [skus[1].to_string()]})),
    )
    .await
    .ok();
    let g = get(&c, &var).await;
    assert_eq!(g["products"][0]["skus"].as_array().unwrap().len(), 1);
    let a = c
        .call(
            "DELETE",
            &format!("{ACTIVITIES}/{fixed}/products"),
            &[],
            Some(&json!({"sku_ids": [skus[0].to_string()]})),
        )
        .await;
    refused_naming(&a, INVALID, "sku_ids");
    let too_many: Vec<String> = (0..301).map(|i| i.to_string()).collect();
    let a = c
        .call("DELETE", &del, &[], Some(&json!({"product_ids": too_many})))
        .await;
    refused_naming(&a, INVALID, "product_ids");
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_deactivate_and_republish_follow_the_rules() {
    let sandbox = start(roomy()).await.unwrap();
    let c = Client::new(&sandbox);
    let now = c.state.now();
    let id = activity(&c, "Update rules", "FIXED_PRICE", "PRODUCT", 600, DAY).await;
    activity(&c, "Taken title", "FIXED_PRICE", "PRODUCT", 600, DAY).await;
    let one = format!("{ACTIVITIES}/{id}");
    let body = |title: &str, begin: i64, end: i64| json!({"title": title, "begin_time": begin, "end_time": end});
    let cases: Vec<(Value, i64, &str)> = vec![
        (
            json!({"begin_time": now + 600, "end_time": now + DAY}),
            INVALID,
            "title",
        ),
        (
            json!({"title": "x", "end_time": now + DAY}),
            INVALID,
            "begin_time",
        ),
        (
            json!({"title": "x", "begin_time": now + 600}),
            INVALID,
            "end_time",
        ),
        (
            body("Update rules", now - 1, now + DAY),
            INVALID,
            "begin_time",
        ),
        (
            body("Update rules", now + 600, now + 1199),
            INVALID,
            "end_time",
        ),
        (
            body("Update rules", now + 600, now + 600 + 181 * DAY),
            INVALID,
            "end_time",
        ),
        (
            body("Taken title", now + 600, now + DAY),
            TITLE_TAKEN,
            "title",
        ),
    ];
    for (b, code, field) in cases {
        refused_naming(&c.call("PUT", &one, &[], Some(&b)).await, code, field);
    }
    // Upcoming: everything of the three may move; other settings are not applied.
    let u = c
        .call(
            "PUT",
            &one,
            &[],
            Some(
                &json!({"title": "Updated", "begin_time": now + 300, "end_time": now + 2 * DAY,
                          "participation_limit": [{"type": "BUYER_LIMIT_ONLY_ONE"}]}),
            ),
        )
        .await;
    assert_eq!(u.ok()["title"], "Updated");
    let g = get(&c, &id).await;
    assert_eq!(
        (g["begin_time"].as_i64(), g["end_time"].as_i64()),
        (Some(now + 300), Some(now + 2 * DAY))
    );
    assert_eq!(g["participation_limit"][0]["type"], "BUYER_NO_LIMIT");
    assert_eq!(g["update_time"], now * 1000);

    // Ongoing: begin_time stays; the end can move (still ≥ begin + 10 min, in the future).
    c.state.advance_clock(400);
    let now2 = c.state.now();
    assert_eq!(get(&c, &id).await["status"], "ONGOING");
    refused_naming(
        &c.call(
            "PUT",
            &one,
            &[],
            Some(&body("Updated", now2 + 60, now + 2 * DAY)),
        )
        .await,
        INVALID,
        "begin_time",
    );
    refused_naming(
        &c.call(
            "PUT",
            &one,
            &[],
            Some(&body("Updated", now + 300, now2 - 1)),
        )
        .await,
        INVALID,
        "end_time",
    );
    c.call(
        "PUT",
        &one,
        &[],
        Some(&body("Updated", now + 300, now + 3 * DAY)),
    )
    .await
    .ok();
    assert_eq!(get(&c, &id).await["end_time"], now + 3 * DAY);

    // Deactivate: NOT_START and ONGOING only.
    let upcoming = activity(&c, "Deactivate me", "DIRECT_DISCOUNT", "PRODUCT", 600, DAY).await;
    let d = c
        .post(
            &format!("{ACTIVITIES}/{upcoming}/deactivate"),
            &[],
            json!({}),
        )
        .await;
    assert_eq!(d.ok()["status"], "DEACTIVATED");
    let d = c.post(&format!("{one}/deactivate"), &[], json!({})).await;
    assert_eq!(d.ok()["status"], "DEACTIVATED");
    let short = activity(&c, "Runs out", "FLASHSALE", "PRODUCT", 60, 600).await;
    let (pid, _, prices) = free_product(&c, 1, &[]);
    put_products(
        &c,
        &short,
        json!([priced(pid, &dollars(prices[0] / 2), 5, 1)]),
    )
    .await
    .ok();
    c.state.advance_clock(700);
    assert_eq!(get(&c, &short).await["status"], "EXPIRED");
    c.post(&format!("{ACTIVITIES}/{short}/deactivate"), &[], json!({}))
        .await
        .refused(STATUS_NOT_ALLOWED);

    // Republish (202607): an expired flash sale runs again, same id, products kept.
    let now3 = c.state.now();
    let rp = |id: &str| format!("/promotion/202607/activities/{id}/republish");
    for (b, field) in [
        (json!({"end_time": now3 + 3600}), "begin_time"),
        (
            json!({"begin_time": now3 - 1, "end_time": now3 + 3600}),
            "begin_time",
        ),
        (
            json!({"begin_time": now3 + 60, "end_time": now3 + 600}),
            "end_time",
        ),
        (
            json!({"begin_time": now3 + 60, "end_time": now3 + 60 + 3 * DAY + 1}),
            "end_time",
        ),
    ] {
        refused_naming(&c.post(&rp(&short), &[], b).await, INVALID, field);
    }
    // Not expired or deactivated: refused.
    let fresh = activity(&c, "Fresh", "FIXED_PRICE", "PRODUCT", 600, DAY).await;
    c.post(
        &rp(&fresh),
        &[],
        json!({"begin_time": now3 + 60, "end_time": now3 + 3600}),
    )
    .await
    .refused(STATUS_NOT_ALLOWED);
    let r = c
        .post(
            &rp(&short),
            &[],
            json!({"begin_time": now3 + 60, "end_time": now3 + 3600}),
        )
        .await;
    assert_eq!(r.ok()["status"], "NOT_START");
    let g = get(&c, &short).await;
    assert_eq!(g["activity_id"], short);
    assert_eq!(g["status"], "NOT_START");
    assert_eq!(g["products"][0]["id"], pid.to_string());
    // More than 7 days after it ended: too late.
    c.post(&format!("{ACTIVITIES}/{short}/deactivate"), &[], json!({}))
        .await
        .ok();
    c.state.advance_clock(8 * DAY);
    let c = Client::new(&sandbox);
    let now4 = c.state.now();
    c.post(
        &rp(&short),
        &[],
        json!({"begin_time": now4 + 60, "end_time": now4 + 3600}),
    )
    .await
    .refused(STATUS_NOT_ALLOWED);
    sandbox.stop().await;
}
