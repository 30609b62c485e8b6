//! Affiliate, the seller's side, over HTTP: open collaborations (rates, search, removal through the
//! clock), sample rules, target collaborations (create with conflicts and invalid ids, search, get,
//! update, delete through the clock) and sample applications (search, review).

mod signed_client;

use serde_json::{Value, json};
use signed_client::{Client, config};
use tiktok_sandbox::start;
use tiktok_sandbox::world::ProductStatus;

const INVALID: i64 = 36009004;
const PRODUCT_NOT_FOUND: i64 = 12052048;
const NOT_ELIGIBLE: i64 = 16011001;
const OPEN_NOT_NORMAL: i64 = 16011002;
const NO_OPEN: i64 = 16011003;
const TARGET_NOT_FOUND: i64 = 16011004;
const TARGET_NOT_EDITABLE: i64 = 16011005;
const SAMPLE_NOT_FOUND: i64 = 16011006;
const SAMPLE_NOT_PENDING: i64 = 16011007;
const DAY: i64 = 86_400;

const CREATE_OPEN: &str = "/affiliate_seller/202412/open_collaborations";
const SEARCH_OPEN: &str = "/affiliate_seller/202412/open_collaborations/search";
const RULES: &str = "/affiliate_seller/202410/open_collaborations/sample_rules";
const TARGETS: &str = "/affiliate_seller/202508/target_collaborations";
const SAMPLES: &str = "/affiliate_seller/202508/sample_applications/search";

fn remove_path(pid: u64) -> String {
    format!("/affiliate_seller/202409/open_collaborations/products/{pid}")
}

/// (active products not in open collaboration, one that is not active).
fn products(c: &Client) -> (Vec<u64>, Option<u64>) {
    c.state.with_world(|w| {
        let book = w.affiliate.get(&c.shop_id).cloned().unwrap_or_default();
        let mine: Vec<_> = w
            .products
            .values()
            .filter(|p| p.shop_id == c.shop_id)
            .collect();
        (
            mine.iter()
                .filter(|p| p.status == ProductStatus::Activate && book.latest_open(p.id).is_none())
                .map(|p| p.id)
                .collect(),
            mine.iter()
                .find(|p| p.status != ProductStatus::Activate)
                .map(|p| p.id),
        )
    })
}

async fn creators(c: &Client) -> Vec<Value> {
    c.control("GET", "/_sandbox/creators", None).await["creators"]
        .as_array()
        .unwrap()
        .clone()
}

async fn search_open(c: &Client, pid: u64) -> Vec<Value> {
    let a = c
        .post(
            SEARCH_OPEN,
            &[("page_size", "20")],
            json!({"keyword_type": "PRODUCT_ID", "keyword": pid.to_string()}),
        )
        .await;
    a.ok()["open_collaborations"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_collaborations_are_validated_created_and_found() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let (free, inactive) = products(&c);
    let active = free[0];
    for body in [
        json!({}),
        json!({"product_id": active.to_string()}),
        json!({"product_id": active.to_string(), "commission_rate": 99}),
        json!({"product_id": active.to_string(), "commission_rate": 8001}),
        json!({"product_id": active.to_string(), "commission_rate": "ten"}),
        json!({"product_id": active.to_string(), "commission_rate": "1500"}),
        json!({"product_id": active.to_string(), "commission_rate": 15.5}),
        json!({"product_id": "x", "commission_rate": 1000}),
    ] {
        c.post(CREATE_OPEN, &[], body.clone())
            .await
            .refused(INVALID);
    }
    let refused = c
        .post(
            CREATE_OPEN,
            &[],
            json!({"product_id": active.to_string(), "commission_rate": 99}),
        )
        .await;
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("commission_rate")
    );
    c.post(
        CREATE_OPEN,
        &[],
        json!({"product_id": "1", "commission_rate": 1000}),
    )
    .await
    .refused(PRODUCT_NOT_FOUND);
    if let Some(p) = inactive {
        c.post(
            CREATE_OPEN,
            &[],
            json!({"product_id": p.to_string(), "commission_rate": 1000}),
        )
        .await
        .refused(NOT_ELIGIBLE);
    }
    let made = c
        .post(
            CREATE_OPEN,
            &[],
            json!({"product_id": active.to_string(), "commission_rate": 1550}),
        )
        .await;
    let oc = made.ok()["open_collaboration"].clone();
    assert_eq!(oc["product_id"], active.to_string());
    assert!(oc["effective_time"].is_i64());
    // A new rate keeps the collaboration.
    let again = c
        .post(
            CREATE_OPEN,
            &[],
            json!({"product_id": active.to_string(), "commission_rate": 2000}),
        )
        .await;
    assert_eq!(again.ok()["open_collaboration"]["id"], oc["id"]);

    c.post(SEARCH_OPEN, &[], json!({})).await.refused(INVALID);
    let list = search_open(&c, active).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["status"], "NORMAL");
    assert_eq!(list[0]["current_commission"]["rate"], 2000);
    assert!(list[0]["current_commission"].get("end_time").is_none());
    assert_eq!(list[0]["product"]["id"], active.to_string());
    assert!(list[0]["product"]["original_price"]["minimum_amount"].is_string());
    let all = c.post(SEARCH_OPEN, &[("page_size", "50")], json!({})).await;
    assert!(
        all.ok()["total_count"].as_u64().unwrap() >= 2,
        "seeded ones plus ours"
    );
    c.post(
        SEARCH_OPEN,
        &[("page_size", "20")],
        json!({"keyword_type": "SKU"}),
    )
    .await
    .refused(INVALID);

    // The marketplace view, filtered by rate (the seeded open rates are at most 15%).
    let path = "/affiliate_seller/202405/open_collaborations/products/search";
    let p = c
        .post(
            path,
            &[("page_size", "20")],
            json!({"commission_rate_range": {"rate_ge": 1800}}),
        )
        .await;
    let items = p.ok()["products"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], active.to_string());
    assert_eq!(items[0]["commission"]["rate"], 2000);
    assert!(
        items[0]["commission"]["amount"]
            .as_str()
            .unwrap()
            .contains(" - ")
    );
    c.post(path, &[("page_size", "21")], json!({}))
        .await
        .refused(INVALID);
    c.post(
        path,
        &[("page_size", "20"), ("sort_field", "vibes")],
        json!({}),
    )
    .await
    .refused(INVALID);
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_open_collaboration_ends_at_the_next_midnight() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let pid = products(&c).0[0];
    c.delete(&remove_path(pid)).await.refused(NO_OPEN);
    c.post(
        CREATE_OPEN,
        &[],
        json!({"product_id": pid.to_string(), "commission_rate": 1200}),
    )
    .await
    .ok();
    let first_id = search_open(&c, pid).await[0]["id"].clone();
    let now = c.state.now();
    let midnight = (now.div_euclid(DAY) + 1) * DAY;
    let removed = c.delete(&remove_path(pid)).await;
    assert_eq!(removed.ok()["terminated_effective_time"], midnight);
    let list = search_open(&c, pid).await;
    assert_eq!(list[0]["status"], "TERMINATING");
    assert_eq!(list[0]["current_commission"]["end_time"], midnight);
    // Only a NORMAL one can be removed or changed.
    c.delete(&remove_path(pid)).await.refused(OPEN_NOT_NORMAL);
    c.post(
        CREATE_OPEN,
        &[],
        json!({"product_id": pid.to_string(), "commission_rate": 1300}),
    )
    .await
    .refused(OPEN_NOT_NORMAL);
    // Just before midnight it is still there; at midnight it vanishes.
    c.state.advance_clock(midnight - 5 - c.state.now());
    assert_eq!(search_open(&c, pid).await.len(), 1);
    c.state.advance_clock(5);
    assert!(search_open(&c, pid).await.is_empty());
    c.delete(&remove_path(pid)).await.refused(NO_OPEN);
    // It can join again: a new collaboration.
    c.post(
        CREATE_OPEN,
        &[],
        json!({"product_id": pid.to_string(), "commission_rate": 1300}),
    )
    .await
    .ok();
    let again = search_open(&c, pid).await;
    assert_eq!(again[0]["status"], "NORMAL");
    assert_ne!(again[0]["id"], first_id);
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_rules_are_set_and_read() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let seeded: Vec<u64> = c.state.with_world(|w| {
        w.affiliate[&c.shop_id]
            .sample_rules
            .keys()
            .copied()
            .collect()
    });
    assert_eq!(seeded.len(), 2);
    c.get(RULES, &[]).await.refused(INVALID);
    c.get(RULES, &[("product_ids", "abc")])
        .await
        .refused(INVALID);
    // Repeated keys and a product without a rule (left out).
    let free = products(&c).0;
    let (a, b, f) = (
        seeded[0].to_string(),
        seeded[1].to_string(),
        free[0].to_string(),
    );
    let got = c
        .get(
            RULES,
            &[
                ("product_ids", a.as_str()),
                ("product_ids", b.as_str()),
                ("product_ids", f.as_str()),
            ],
        )
        .await;
    let rules = got.ok()["sample_rules"].as_array().unwrap().clone();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0]["status"], "ONGOING");
    assert_eq!(rules[0]["sample_quota"], 20);
    assert!(rules[0]["available_quantity"].as_i64().unwrap() <= 20);
    let none = c.get(RULES, &[("product_ids", f.as_str())]).await;
    assert!(none.ok().get("sample_rules").is_none());

    let rule = |status: &str| json!({"activate_status": status, "sample_quota": 5, "is_sample_time_unlimited": true});
    for bad in [
        json!({"sample_rule": rule("ACTIVATE")}),
        json!({"product_id": a, "sample_rule": {"sample_quota": 5}}),
        json!({"product_id": a, "sample_rule": rule("PAUSE")}),
        json!({"product_id": a, "sample_rule": {"activate_status": "ACTIVATE"}}),
        json!({"product_id": a, "sample_rule": {"activate_status": "ACTIVATE", "sample_quota": 0}}),
        json!({"product_id": a, "sample_rule": {"activate_status": "ACTIVATE", "sample_quota": 5, "is_sample_time_unlimited": false}}),
        json!({"product_id": a, "sample_rule": {"activate_status": "ACTIVATE", "sample_quota": 5, "thresholds": {"predicted_fulfillment_rank": "TOP"}}}),
    ] {
        c.post(RULES, &[], bad.clone()).await.refused(INVALID);
    }
    // Only a product in open collaboration.
    c.post(
        RULES,
        &[],
        json!({"product_id": f, "sample_rule": rule("ACTIVATE")}),
    )
    .await
    .refused(NO_OPEN);
    let now = c.state.now();
    c.post(
        RULES,
        &[],
        json!({"product_id": a, "sample_rule": {
            "activate_status": "ACTIVATE", "sample_quota": 3, "is_sample_time_unlimited": false,
            "start_time": now + 3600, "end_time": now + 7 * DAY,
            "thresholds": {"minimum_follower_count": 5000, "predicted_fulfillment_rank": "HIGH", "category_ids": ["600002"]},
        }}),
    )
    .await
    .ok();
    let got = c.get(RULES, &[("product_ids", a.as_str())]).await;
    let r = &got.ok()["sample_rules"][0];
    assert_eq!(r["status"], "NOT_STARTED");
    assert_eq!(r["available_quantity"], 3);
    assert_eq!(r["thresholds"]["predicted_fulfillment_rank"], "HIGH");
    c.post(
        RULES,
        &[],
        json!({"product_id": b, "sample_rule": {"activate_status": "DEACTIVATE"}}),
    )
    .await
    .ok();
    let got = c.get(RULES, &[("product_ids", b.as_str())]).await;
    assert_eq!(got.ok()["sample_rules"][0]["status"], "PLAN_EXCEPTION");
    assert_eq!(got.ok()["sample_rules"][0]["activate_status"], "DEACTIVATE");
    sandbox.stop().await;
}

fn target_body(name: &str, products: &[(u64, i64)], creators: &[&str], end: i64) -> Value {
    json!({
        "name": name,
        "message": "We would love to work with you",
        "end_time": end.to_string(),
        "products": products.iter().map(|(p, r)| json!({"id": p.to_string(), "target_commission_rate": r})).collect::<Vec<_>>(),
        "creator_user_open_ids": creators,
        "seller_contact_info": {"email": "partners@ocean.example"},
        "free_sample_rule": {"has_free_sample": true, "is_sample_approval_exempt": false},
    })
}

async fn search_targets(c: &Client, body: Value) -> Vec<Value> {
    let a = c
        .post(&format!("{TARGETS}/search"), &[("page_size", "20")], body)
        .await;
    a.ok()["target_collaborations"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_collaboration_lives_and_conflicts() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let who = creators(&c).await;
    let open_id = |i: usize| who[i]["open_id"].as_str().unwrap().to_string();
    let (mia, dan, hana) = (open_id(0), open_id(1), open_id(3));
    let (free, inactive) = products(&c);
    let (p1, p2) = (free[0], free[1]);
    let now = c.state.now();
    let end = now + 30 * DAY;
    let good = target_body(
        "Autumn creators",
        &[(p1, 1200), (p2, 1500)],
        &[&mia, &dan],
        end,
    );
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    for bad in [
        with("name", json!("")),
        with("name", json!("n".repeat(41))),
        with("end_time", json!(end)),
        with("end_time", json!((now - 1).to_string())),
        with("products", json!([])),
        with(
            "products",
            json!([{"id": p1.to_string(), "target_commission_rate": 50}]),
        ),
        with("creator_user_open_ids", json!([])),
        with("creator_user_open_ids", json!(["nobody"])),
        with("seller_contact_info", json!({"email": "not-an-email"})),
        with("seller_contact_info", json!({})),
        with("free_sample_rule", json!(null)),
        with(
            "products",
            json!([{"id": "1", "target_commission_rate": 1000}]),
        ),
    ] {
        c.post(TARGETS, &[], bad.clone()).await.refused(INVALID);
    }
    // Unknown creators and products that cannot be promoted are listed, not refused.
    let mut first_body = good.clone();
    first_body["creator_user_open_ids"] = json!([mia, dan, "-000unknown"]);
    if let Some(p) = inactive {
        first_body["products"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": p.to_string(), "target_commission_rate": 1000}));
    }
    let first = c.post(TARGETS, &[], first_body).await;
    let d = first.ok().clone();
    let id = d["target_collaboration"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(d.get("target_collaboration_conflicts").is_none());
    assert_eq!(d["invalid_open_id_list"], json!(["-000unknown"]));
    if let Some(p) = inactive {
        assert_eq!(d["invalid_product_id_list"], json!([p.to_string()]));
    }
    assert!((d["create_time"].as_i64().unwrap() - now).abs() <= 2);
    // Dan already has p1 in the first one: a conflict, and the second is made anyway.
    let second = c
        .post(
            TARGETS,
            &[],
            target_body("Second wave", &[(p1, 1800)], &[&dan, &hana], end),
        )
        .await;
    let d2 = second.ok().clone();
    let id2 = d2["target_collaboration"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        d2["target_collaboration_conflicts"],
        json!([{"creator_user_open_id": dan, "product_id": p1.to_string()}])
    );

    // Search: the status is required; both are ONGOING (30 days left), and VALID.
    c.post(&format!("{TARGETS}/search"), &[], json!({}))
        .await
        .refused(INVALID);
    c.post(
        &format!("{TARGETS}/search"),
        &[],
        json!({"collaboration_status": "LIVE"}),
    )
    .await
    .refused(INVALID);
    let ongoing = search_targets(&c, json!({"collaboration_status": "ONGOING"})).await;
    assert!(
        ongoing.iter().any(|t| t["id"] == id.as_str())
            && ongoing.iter().any(|t| t["id"] == id2.as_str())
    );
    let found = search_targets(&c, json!({"collaboration_status": "VALID", "search_param": {"keyword_type": "TARGET_COLLABORATION_NAME", "keyword": "autumn"}})).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["creator_inivited_count"], 2);
    assert_eq!(found[0]["product_count"], 2);
    assert_eq!(found[0]["type"], "STANDARD");
    let by_creator = search_targets(
        &c,
        json!({"collaboration_status": "VALID", "creator_user_open_id": hana}),
    )
    .await;
    assert_eq!(by_creator.len(), 1);
    // The seeded TOP_CREATOR_PROGRAM one has 5 days left: EXPIRING.
    let expiring = search_targets(&c, json!({"collaboration_status": "EXPIRING"})).await;
    assert!(expiring.iter().all(|t| t["type"] == "TOP_CREATOR_PROGRAM") && !expiring.is_empty());

    // Get.
    let got = c.get(&format!("{TARGETS}/{id}"), &[]).await;
    let t = got.ok()["target_collaboration"].clone();
    assert_eq!(t["seller_contact_info"]["email"], "partners@ocean.example");
    assert_eq!(t["creator_invited_count"], 2);
    assert_eq!(t["products"].as_array().unwrap().len(), 2);
    assert_eq!(t["products"][0]["commission"]["rate"], 1200);
    assert!(t["products"][0]["commission"]["effective_time"].is_string());
    assert_eq!(t["products"][0]["collaboration_status"], "NORMAL");
    assert_eq!(t["creators"][0]["creator_open_id"], mia);
    c.get(&format!("{TARGETS}/1"), &[])
        .await
        .refused(TARGET_NOT_FOUND);

    // Update (a full replace): p1 up (at once), p2 down (at 00:00), Dan out, Hana in (she has p1 in
    // the second: a conflict), an unknown creator listed.
    let midnight = (c.state.now().div_euclid(DAY) + 1) * DAY;
    let update = json!({
        "name": "Autumn creators+",
        "end_time": (end + DAY).to_string(),
        "products": [{"id": p1.to_string(), "commission_rate": 1400}, {"id": p2.to_string(), "commission_rate": 1000}],
        "creator_user_open_ids": [mia, hana, "-000ghost"],
        "seller_contact_info": {"email": "partners@ocean.example"},
        "free_sample_rule": {"has_free_sample": false},
    });
    let mut no_email = update.clone();
    no_email["seller_contact_info"] = json!({"phone_number": "+1 555 0100"});
    c.call("PUT", &format!("{TARGETS}/{id}"), &[], Some(&no_email))
        .await
        .refused(INVALID);
    let u = c
        .call("PUT", &format!("{TARGETS}/{id}"), &[], Some(&update))
        .await;
    let d = u.ok().clone();
    assert_eq!(
        d["update_failed"]["invalid_open_id_list"],
        json!(["-000ghost"])
    );
    assert_eq!(
        d["update_failed"]["add_creator_open_ids"],
        json!(["-000ghost"])
    );
    assert_eq!(
        d["target_collaboration_conflicts"],
        json!([{"creator_user_open_id": hana, "product_id": p1.to_string()}])
    );
    let t = c.get(&format!("{TARGETS}/{id}"), &[]).await.ok()["target_collaboration"].clone();
    assert_eq!(t["name"], "Autumn creators+");
    let rate_of = |t: &Value, p: u64| {
        t["products"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == p.to_string().as_str())
            .unwrap()["commission"]
            .clone()
    };
    assert_eq!(rate_of(&t, p1)["rate"], 1400);
    assert_eq!(rate_of(&t, p2)["rate"], 1000);
    assert_eq!(
        rate_of(&t, p2)["effective_time"],
        midnight.to_string(),
        "a cut waits for 00:00"
    );
    let names: Vec<&str> = t["creators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["creator_open_id"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec![mia.as_str(), hana.as_str()]);
    // Dropping p2: DELETING until 00:00.
    let mut drop_p2 = update.clone();
    drop_p2["products"] = json!([{"id": p1.to_string(), "commission_rate": 1400}]);
    c.call("PUT", &format!("{TARGETS}/{id}"), &[], Some(&drop_p2))
        .await
        .ok();
    let t = c.get(&format!("{TARGETS}/{id}"), &[]).await.ok()["target_collaboration"].clone();
    let p2_status = |t: &Value| {
        t["products"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == p2.to_string().as_str())
            .unwrap()["collaboration_status"]
            .clone()
    };
    assert_eq!(p2_status(&t), "DELETING");

    // Delete: CANCELING until 00:00, then COMPLETED.
    c.delete(&format!(
        "/affiliate_seller/202409/target_collaborations/{id2}"
    ))
    .await
    .ok();
    c.delete(&format!(
        "/affiliate_seller/202409/target_collaborations/{id2}"
    ))
    .await
    .refused(TARGET_NOT_EDITABLE);
    let canceling = search_targets(&c, json!({"collaboration_status": "CANCELING"})).await;
    assert_eq!(canceling.len(), 1);
    assert_eq!(canceling[0]["id"], id2.as_str());
    c.call("PUT", &format!("{TARGETS}/{id2}"), &[], Some(&update))
        .await
        .refused(TARGET_NOT_EDITABLE);
    c.state.advance_clock(midnight - c.state.now());
    let completed = search_targets(&c, json!({"collaboration_status": "COMPLETED"})).await;
    assert!(completed.iter().any(|t| t["id"] == id2.as_str()));
    let t = c.get(&format!("{TARGETS}/{id}"), &[]).await.ok()["target_collaboration"].clone();
    assert_eq!(p2_status(&t), "DELETED");
    // TOP_CREATOR_PROGRAM collaborations cannot be updated.
    let top = expiring[0]["id"].as_str().unwrap();
    c.call("PUT", &format!("{TARGETS}/{top}"), &[], Some(&update))
        .await
        .refused(TARGET_NOT_EDITABLE);
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_applications_are_reviewed_once() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let pending = c
        .post(
            SAMPLES,
            &[("page_size", "50")],
            json!({"status": "PENDING"}),
        )
        .await;
    let list = pending.ok()["sample_applications"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(list.len(), 4, "four PENDING at start");
    let a = &list[0];
    assert!(
        a["commission_rate"].as_str().unwrap().starts_with("0."),
        "a fraction: {a}"
    );
    assert_eq!(a["is_approvable"], true);
    assert!(
        a["creator"]["creator_open_id"]
            .as_str()
            .unwrap()
            .starts_with("-000")
    );
    assert!(a["product"]["sku_id"].is_string());
    let everyone = c.post(SAMPLES, &[("page_size", "50")], json!({})).await;
    assert_eq!(everyone.ok()["total_count"], 7);
    let by_creator = c
        .post(
            SAMPLES,
            &[("page_size", "50")],
            json!({"creator_user_oepn_id": a["creator"]["creator_open_id"]}),
        )
        .await;
    assert!(
        by_creator.ok()["sample_applications"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["creator"] == a["creator"])
    );
    c.post(SAMPLES, &[], json!({"status": "SOMEDAY"}))
        .await
        .refused(INVALID);

    let review = |id: &str| format!("/affiliate_seller/202507/sample_applications/{id}/review");
    let (first, second) = (
        list[0]["id"].as_str().unwrap(),
        list[1]["id"].as_str().unwrap(),
    );
    for bad in [
        json!({}),
        json!({"review_result": "MAYBE"}),
        json!({"review_result": "REJECT"}),
        json!({"review_result": "REJECT", "reject_reason": "TOO_SMALL"}),
    ] {
        c.post(&review(first), &[], bad.clone())
            .await
            .refused(INVALID);
    }
    c.post(&review("1"), &[], json!({"review_result": "APPROVE"}))
        .await
        .refused(SAMPLE_NOT_FOUND);
    let mut events = c.state.subscribe_events();
    c.post(&review(first), &[], json!({"review_result": "APPROVE"}))
        .await
        .ok();
    // Webhook 56 announces it.
    let e = events.try_recv().expect("an event");
    assert_eq!(e.type_code(), 56);
    assert_eq!(e.data()["application_id"], first);
    assert_eq!(e.data()["new_status"], "AWAITING_SHIPMENT");
    assert_eq!(
        e.data()["creator"][0]["creator_open_id"],
        list[0]["creator"]["creator_open_id"]
    );
    c.post(
        &review(first),
        &[],
        json!({"review_result": "REJECT", "reject_reason": "OTHER"}),
    )
    .await
    .refused(SAMPLE_NOT_PENDING);
    c.post(
        &review(second),
        &[],
        json!({"review_result": "REJECT", "reject_reason": "NOT_MATCH"}),
    )
    .await
    .ok();
    let status = |id: &str| {
        let id = id.to_string();
        let c = &c;
        async move {
            let all = c
                .post(SAMPLES, &[("page_size", "50")], json!({}))
                .await
                .ok()
                .clone();
            all["sample_applications"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["id"] == id.as_str())
                .unwrap()
                .clone()
        }
    };
    let approved = status(first).await;
    assert_eq!(approved["status"], "AWAITING_SHIPMENT");
    assert_eq!(approved["is_approvable"], false);
    assert!(approved["shipment_expiration_time"].is_i64());
    assert_eq!(status(second).await["status"], "REJECT_CANCELLED");

    // A creator applies through the control plane; unreviewed for three days, it lapses.
    let made = c
        .control(
            "POST",
            &format!("/_sandbox/shops/{}/sample_applications", c.shop_id),
            Some(json!({})),
        )
        .await;
    let new_id = made["application_id"].as_str().unwrap().to_string();
    assert_eq!(status(&new_id).await["status"], "PENDING");
    c.state.advance_clock(3 * DAY + 1);
    assert_eq!(status(&new_id).await["status"], "OVERDUE_CANCELLED");
    c.post(&review(&new_id), &[], json!({"review_result": "APPROVE"}))
        .await
        .refused(SAMPLE_NOT_PENDING);

    // The living shop's creators keep applying.
    let r = c
        .control(
            "POST",
            "/_sandbox/living/tick",
            Some(json!({"minutes": 24 * 60, "orders_per_minute": 0})),
        )
        .await;
    assert!(!r["sample_applications"].as_array().unwrap().is_empty());
    let now_pending = c
        .post(
            SAMPLES,
            &[("page_size", "50")],
            json!({"status": "PENDING"}),
        )
        .await;
    assert!(now_pending.ok()["total_count"].as_u64().unwrap() >= 1);
    sandbox.stop().await;
}
