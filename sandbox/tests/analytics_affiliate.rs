//! Analytics and affiliate over HTTP: figures derived from the world (and stable for a seed),
//! validation, paging, and the affiliate collaborations' rules.

mod signed_client;

use std::collections::BTreeSet;

use serde_json::{Value, json};
use signed_client::{Client, config};
use tiktok_sandbox::world::{OrderStatus, ProductStatus};
use tiktok_sandbox::{SandboxConfig, start};

const INVALID: i64 = 36009004;

fn date(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string()
}

fn window(c: &Client, days_back: i64) -> (String, String) {
    let now = c.state.now();
    (date(now - days_back * 86_400), date(now + 86_400))
}

fn bigger() -> SandboxConfig {
    SandboxConfig {
        orders: 150,
        ..config()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shop_performance_adds_up_the_world_orders() {
    let sandbox = start(bigger()).await.unwrap();
    let c = Client::new(&sandbox);
    let (start_d, end_d) = window(&c, 100);
    let q = [
        ("start_date_ge", start_d.as_str()),
        ("end_date_lt", end_d.as_str()),
    ];

    for path in [
        "/analytics/202509/shop/performance",
        "/analytics/202609/shop/performance",
    ] {
        let a = c.get(path, &q).await;
        let p = a.ok()["performance"]["intervals"][0].clone();
        // The same count, straight from the world.
        let (orders, units) = c.state.with_world(|w| {
            let sold: Vec<_> = w
                .orders
                .values()
                .filter(|o| o.shop_id == c.shop_id && o.paid_time.is_some())
                .filter(|o| !matches!(o.status, OrderStatus::Cancelled | OrderStatus::Unpaid))
                .collect();
            (
                sold.len() as u64,
                sold.iter().map(|o| o.line_items.len() as u64).sum::<u64>(),
            )
        });
        assert!(orders > 0);
        assert_eq!(p["orders"], orders);
        assert_eq!(p["units_sold"], units);
        assert_eq!(p["gmv"]["currency"], "USD");
        let gmv: f64 = p["gmv"]["amount"].as_str().unwrap().parse().unwrap();
        let parts: f64 = p["gmv_breakdowns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["amount"].as_str().unwrap().parse::<f64>().unwrap())
            .sum();
        assert!((gmv - parts).abs() < 0.011, "{gmv} vs {parts}");
        assert!(p["buyers"].as_u64().unwrap() <= orders);
        assert!(p["product_page_views"].as_i64().unwrap() > 0);
        assert!(a.ok()["latest_available_date"].is_string());
    }

    // Daily granularity: one interval a day, and they add up to the whole.
    let (s7, e7) = window(&c, 6);
    let daily = c
        .get(
            "/analytics/202509/shop/performance",
            &[
                ("start_date_ge", s7.as_str()),
                ("end_date_lt", e7.as_str()),
                ("granularity", "1D"),
                ("with_comparison", "true"),
            ],
        )
        .await;
    let perf = daily.ok()["performance"].clone();
    let days = perf["intervals"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    assert_eq!(perf["comparison_intervals"].as_array().unwrap().len(), 7);
    let whole = c
        .get(
            "/analytics/202509/shop/performance",
            &[("start_date_ge", s7.as_str()), ("end_date_lt", e7.as_str())],
        )
        .await;
    let sum: u64 = days.iter().map(|d| d["orders"].as_u64().unwrap()).sum();
    assert_eq!(whole.ok()["performance"]["intervals"][0]["orders"], sum);

    // Validation.
    for q in [
        vec![],
        vec![("start_date_ge", s7.as_str())],
        vec![
            ("start_date_ge", "2025-13-01"),
            ("end_date_lt", e7.as_str()),
        ],
        vec![("start_date_ge", e7.as_str()), ("end_date_lt", s7.as_str())],
        vec![
            ("start_date_ge", "2020-01-01"),
            ("end_date_lt", "2023-01-01"),
        ],
        vec![
            ("start_date_ge", s7.as_str()),
            ("end_date_lt", e7.as_str()),
            ("granularity", "1H"),
        ],
        vec![
            ("start_date_ge", s7.as_str()),
            ("end_date_lt", e7.as_str()),
            ("currency", "EUR"),
        ],
    ] {
        c.get("/analytics/202509/shop/performance", &q)
            .await
            .refused(INVALID);
    }
    sandbox.stop().await;
}

async fn all_pages(c: &Client, path: &str, q: &[(&str, &str)], key: &str) -> (Vec<Value>, u64) {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let mut qq: Vec<(&str, &str)> = q.to_vec();
        if !token.is_empty() {
            qq.push(("page_token", token.as_str()));
        }
        let a = c.get(path, &qq).await;
        let d = a.ok().clone();
        out.extend(d[key].as_array().unwrap().iter().cloned());
        token = d["next_page_token"].as_str().unwrap().to_string();
        if token.is_empty() {
            return (out, d["total_count"].as_u64().unwrap());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn product_video_and_live_lists_page_and_sort() {
    let sandbox = start(bigger()).await.unwrap();
    let c = Client::new(&sandbox);
    let (s, e) = window(&c, 60);
    for (path, key) in [
        ("/analytics/202509/shop_products/performance", "products"),
        ("/analytics/202605/shop_products/performance", "products"),
        ("/analytics/202509/shop_videos/performance", "videos"),
        ("/analytics/202605/shop_videos/performance", "videos"),
        (
            "/analytics/202509/shop_lives/performance",
            "live_stream_sessions",
        ),
        (
            "/analytics/202609/shop_lives/performance",
            "live_stream_sessions",
        ),
    ] {
        let lives = key == "live_stream_sessions";
        // The LIVE list needs an account_type and sorts by its own field names.
        let mut q = vec![
            ("start_date_ge", s.as_str()),
            ("end_date_lt", e.as_str()),
            ("page_size", "4"),
            (
                "sort_field",
                if lives { "live_attributed_gmv" } else { "gmv" },
            ),
            ("sort_order", "DESC"),
        ];
        if lives {
            q.push(("account_type", "OFFICIAL_ACCOUNTS"));
        }
        let (items, total) = all_pages(&c, path, &q, key).await;
        assert!(!items.is_empty(), "{path}");
        assert_eq!(items.len() as u64, total, "{path}");
        let ids: BTreeSet<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), items.len(), "{path}: no duplicates");
        let gmv: Vec<f64> = items
            .iter()
            .map(|i| {
                let g = if lives {
                    &i["sales_performance"]["live_gmv"]
                } else {
                    &i["gmv"]
                };
                g["amount"].as_str().unwrap().parse().unwrap()
            })
            .collect();
        assert!(
            gmv.windows(2).all(|w| w[0] >= w[1]),
            "{path}: sorted by gmv, descending: {gmv:?}"
        );
        assert!(gmv.iter().any(|g| *g > 0.0), "{path}: some sales");
        for bad in [
            ("page_size", "0"),
            ("page_size", "101"),
            ("sort_field", "mood"),
            ("sort_order", "SIDEWAYS"),
        ] {
            let mut q = vec![("start_date_ge", s.as_str()), ("end_date_lt", e.as_str())];
            if lives {
                q.push(("account_type", "OFFICIAL_ACCOUNTS"));
            }
            q.push(bad);
            c.get(path, &q).await.refused(INVALID);
        }
    }
    // Product figures add up to the shop's.
    let q = [
        ("start_date_ge", s.as_str()),
        ("end_date_lt", e.as_str()),
        ("page_size", "100"),
    ];
    let (products, _) = all_pages(
        &c,
        "/analytics/202509/shop_products/performance",
        &q,
        "products",
    )
    .await;
    let units: u64 = products
        .iter()
        .map(|p| p["units_sold"].as_u64().unwrap())
        .sum();
    let shop = c
        .get(
            "/analytics/202509/shop/performance",
            &[("start_date_ge", s.as_str()), ("end_date_lt", e.as_str())],
        )
        .await;
    assert_eq!(
        shop.ok()["performance"]["intervals"][0]["units_sold"],
        units
    );
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_are_the_same_for_the_same_seed() {
    async fn figures(seed: u64) -> Value {
        let sandbox = start(SandboxConfig { seed, ..bigger() }).await.unwrap();
        let c = Client::new(&sandbox);
        let (s, e) = window(&c, 30);
        let a = c
            .get(
                "/analytics/202509/shop_products/performance",
                &[
                    ("start_date_ge", s.as_str()),
                    ("end_date_lt", e.as_str()),
                    ("page_size", "100"),
                ],
            )
            .await;
        let mut v = a.ok().clone();
        // Ids are the same for a seed; strip nothing else.
        v.as_object_mut().unwrap().remove("latest_available_date");
        sandbox.stop().await;
        v
    }
    assert_eq!(figures(3).await, figures(3).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_collaborations_are_validated_created_and_found() {
    let sandbox = start(bigger()).await.unwrap();
    let c = Client::new(&sandbox);
    let (active, inactive) = c.state.with_world(|w| {
        let mine: Vec<_> = w
            .products
            .values()
            .filter(|p| p.shop_id == c.shop_id)
            .collect();
        (
            mine.iter()
                .rfind(|p| p.status == ProductStatus::Activate)
                .map(|p| p.id)
                .unwrap(),
            mine.iter()
                .find(|p| p.status != ProductStatus::Activate)
                .map(|p| p.id),
        )
    });
    let create = "/affiliate_seller/202412/open_collaborations";
    for body in [
        json!({}),
        json!({"product_id": active.to_string()}),
        json!({"product_id": active.to_string(), "commission_rate": 99}),
        json!({"product_id": active.to_string(), "commission_rate": 8001}),
        json!({"product_id": active.to_string(), "commission_rate": "ten"}),
        json!({"product_id": "x", "commission_rate": 1000}),
    ] {
        c.post(create, &[], body.clone()).await.refused(INVALID);
    }
    c.post(
        create,
        &[],
        json!({"product_id": "1", "commission_rate": 1000}),
    )
    .await
    .refused(12052048);
    if let Some(p) = inactive {
        c.post(
            create,
            &[],
            json!({"product_id": p.to_string(), "commission_rate": 1000}),
        )
        .await
        .refused(16011001);
    }
    let made = c
        .post(
            create,
            &[],
            json!({"product_id": active.to_string(), "commission_rate": 1500}),
        )
        .await;
    let oc = made.ok()["open_collaboration"].clone();
    assert_eq!(oc["product_id"], active.to_string());
    // Setting a new rate keeps the collaboration.
    let again = c
        .post(
            create,
            &[],
            json!({"product_id": active.to_string(), "commission_rate": 2000}),
        )
        .await;
    assert_eq!(again.ok()["open_collaboration"]["id"], oc["id"]);

    let search = "/affiliate_seller/202412/open_collaborations/search";
    c.post(search, &[], json!({})).await.refused(INVALID);
    let found = c
        .post(
            search,
            &[("page_size", "20")],
            json!({"keyword_type": "PRODUCT_ID", "keyword": active.to_string()}),
        )
        .await;
    let list = found.ok()["open_collaborations"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["current_commission"]["rate"], 2000);
    assert_eq!(list[0]["product"]["id"], active.to_string());
    let all = c.post(search, &[("page_size", "20")], json!({})).await;
    assert!(
        all.ok()["total_count"].as_u64().unwrap() >= 2,
        "seeded ones plus ours"
    );
    c.post(
        search,
        &[("page_size", "20")],
        json!({"keyword_type": "SKU"}),
    )
    .await
    .refused(INVALID);

    // Products in open collaboration, filtered by rate.
    let products = "/affiliate_seller/202405/open_collaborations/products/search";
    let p = c
        .post(
            products,
            &[("page_size", "20")],
            json!({"commission_rate_range": {"rate_ge": 1600}}),
        )
        .await;
    let items = p.ok()["products"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], active.to_string());
    assert_eq!(items[0]["commission"]["rate"], 2000);
    assert!(items[0]["sales_price"]["minimum_amount"].is_string());
    c.post(products, &[("page_size", "21")], json!({}))
        .await
        .refused(INVALID);
    c.post(
        products,
        &[("page_size", "20"), ("sort_field", "vibes")],
        json!({}),
    )
    .await
    .refused(INVALID);
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn target_collaborations_are_validated_and_report_conflicts() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let pid = c.state.with_world(|w| {
        w.products
            .values()
            .find(|p| p.shop_id == c.shop_id && p.status == ProductStatus::Activate)
            .unwrap()
            .id
    });
    let end = c.state.now() + 30 * 86_400;
    let good = json!({
        "name": "Autumn creators",
        "message": "We would love to work with you",
        "end_time": end,
        "products": [{"id": pid.to_string(), "target_commission_rate": 1200}],
        "creator_user_ids": ["7494049642642441000"],
        "seller_contact_info": {"email": "partners@ocean.example"},
        "free_sample_rule": {"has_free_sample": false, "is_sample_approval_exempt": false},
    });
    let path = "/affiliate_seller/202508/target_collaborations";
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    for bad in [
        with("name", json!("")),
        with("name", json!("n".repeat(41))),
        with("end_time", json!(c.state.now() - 1)),
        with("products", json!([])),
        with(
            "products",
            json!([{"id": pid.to_string(), "target_commission_rate": 50}]),
        ),
        with("creator_user_ids", json!([])),
        with("creator_user_ids", json!(["@someone"])),
        with("seller_contact_info", json!({"email": "not-an-email"})),
    ] {
        c.post(path, &[], bad.clone()).await.refused(INVALID);
    }
    let first = c.post(path, &[], good.clone()).await;
    assert!(first.ok()["target_collaboration"]["id"].is_string());
    assert_eq!(first.ok()["target_collaboration_conflicts"], json!([]));
    let second = c.post(path, &[], good.clone()).await;
    let conflicts = second.ok()["target_collaboration_conflicts"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0]["product_id"], pid.to_string());
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn affiliate_orders_carry_the_commission() {
    let sandbox = start(bigger()).await.unwrap();
    let c = Client::new(&sandbox);
    let path = "/affiliate_seller/202410/orders/search";
    c.post(path, &[], json!({})).await.refused(INVALID);
    let now = c.state.now();
    c.post(
        path,
        &[("page_size", "20")],
        json!({"create_time_ge": now, "create_time_lt": now - 10}),
    )
    .await
    .refused(INVALID);
    let q = [("page_size", "50")];
    let a = c
        .post(
            path,
            &q,
            json!({"create_time_ge": now - 120 * 86_400, "create_time_lt": now + 1}),
        )
        .await;
    let orders = a.ok()["orders"].as_array().unwrap().clone();
    assert!(
        !orders.is_empty(),
        "the seeded open collaborations bring some affiliate orders"
    );
    for o in &orders {
        let known = c.state.with_world(|w| {
            w.orders
                .contains_key(&o["id"].as_str().unwrap().parse::<u64>().unwrap())
        });
        assert!(known);
        for s in o["skus"].as_array().unwrap() {
            let rate: i64 = s["commission_rate"].as_str().unwrap().parse().unwrap();
            let base: f64 = s["estimated_commission_base"]["amount"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            let paid: f64 = s["estimated_paid_commission"]["amount"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((base * rate as f64 / 10_000.0 - paid).abs() < 0.011, "{s}");
            assert!(s["creator_username"].is_string() && s["quantity"].as_i64().unwrap() >= 1);
        }
    }
    sandbox.stop().await;
}
