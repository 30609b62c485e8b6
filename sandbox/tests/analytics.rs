//! Analytics over HTTP in §5's shapes: shop performance, the product and video lists and details.
//! Every sales figure is checked against what a client computes from the orders it reads through the
//! order search: the orders that carry a `paid_time` (paid, even if cancelled later) created in the UTC
//! day(s), their line items' `sale_price`.

mod signed_client;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use signed_client::{Client, config};
use tiktok_sandbox::{SandboxConfig, start};

const INVALID: i64 = 36009004;
const DAY: i64 = 86_400;

fn date(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string()
}

/// Minor units of a USD / GBP `{amount, currency}` or decimal string.
fn cents(v: &Value) -> i64 {
    let s = v["amount"]
        .as_str()
        .or(v.as_str())
        .unwrap_or_else(|| panic!("not money: {v}"));
    let (a, b) = s.split_once('.').unwrap_or((s, "00"));
    a.parse::<i64>().unwrap() * 100 + b.parse::<i64>().unwrap()
}

fn bigger() -> SandboxConfig {
    SandboxConfig {
        orders: 150,
        ..config()
    }
}

/// What a client computes from its synced orders, per UTC day.
#[derive(Default, Debug, PartialEq)]
struct Figures {
    gmv: i64,
    orders: i64,
    items: i64,
    sku_orders: i64,
    customers: BTreeSet<String>,
}

/// The shop's orders created in [from, to), through the signed order search.
async fn orders_between(c: &Client, from: i64, to: i64) -> Vec<Value> {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let mut q = vec![
            ("page_size", "100"),
            ("sort_field", "create_time"),
            ("sort_order", "ASC"),
        ];
        if !token.is_empty() {
            q.push(("page_token", token.as_str()));
        }
        let a = c
            .post(
                "/order/202309/orders/search",
                &q,
                json!({"create_time_ge": from, "create_time_lt": to}),
            )
            .await;
        let d = a.ok().clone();
        out.extend(d["orders"].as_array().cloned().unwrap_or_default());
        token = d["next_page_token"].as_str().unwrap_or("").to_string();
        if token.is_empty() {
            return out;
        }
    }
}

fn paid(o: &Value) -> bool {
    o.get("paid_time").is_some_and(Value::is_i64)
}

/// The figures of the paid orders, for the lines `keep` selects (all, or one product's).
fn figures(orders: &[Value], keep: impl Fn(&Value) -> bool) -> Figures {
    let mut f = Figures::default();
    for o in orders.iter().filter(|o| paid(o)) {
        let lines: Vec<&Value> = o["line_items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| keep(l))
            .collect();
        if lines.is_empty() {
            continue;
        }
        f.orders += 1;
        f.items += lines.len() as i64;
        f.gmv += lines.iter().map(|l| cents(&l["sale_price"])).sum::<i64>();
        f.sku_orders += lines
            .iter()
            .map(|l| l["sku_id"].as_str().unwrap())
            .collect::<BTreeSet<_>>()
            .len() as i64;
        f.customers
            .insert(o["user_id"].as_str().unwrap().to_string());
    }
    f
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
        out.extend(d[key].as_array().cloned().unwrap_or_default());
        token = d["next_page_token"].as_str().unwrap().to_string();
        if token.is_empty() {
            return (out, d["total_count"].as_u64().unwrap());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shop_performance_is_the_sum_of_the_paid_orders() {
    let sandbox = start(bigger()).await.unwrap();
    let c = Client::new(&sandbox);
    let now = c.state.now();
    let today = now.div_euclid(DAY) * DAY;
    let (s, e) = (date(today - 99 * DAY), date(today + DAY));
    let orders = orders_between(&c, today - 99 * DAY, today + DAY).await;
    let want = figures(&orders, |_| true);
    assert!(want.orders > 20, "{want:?}");
    assert!(
        orders.iter().any(|o| paid(o) && o["status"] == "CANCELLED"),
        "paid orders cancelled later still count: the window has some"
    );
    for path in [
        "/analytics/202509/shop/performance",
        "/analytics/202609/shop/performance",
    ] {
        let a = c
            .get(
                path,
                &[("start_date_ge", s.as_str()), ("end_date_lt", e.as_str())],
            )
            .await;
        let d = a.ok();
        assert_eq!(d["latest_available_date"], date(now));
        let iv = &d["performance"]["intervals"][0];
        assert_eq!(
            (iv["start_date"].as_str(), iv["end_date"].as_str()),
            (Some(s.as_str()), Some(e.as_str()))
        );
        let sales = &iv["sales"];
        assert_eq!(sales["gmv"]["currency"], "USD");
        assert_eq!(cents(&sales["gmv"]), want.gmv, "{path}");
        assert_eq!(sales["orders_count"], want.orders);
        assert_eq!(sales["items_sold"], want.items);
        assert_eq!(sales["sku_orders_count"], want.sku_orders);
        assert_eq!(sales["customers_count"], want.customers.len());
        // The channels split the GMV exactly, each into the seller's and creators'.
        let parts = cents(&sales["live_gmv"])
            + cents(&sales["video_gmv"])
            + cents(&sales["product_card_attributed_gmv"]);
        assert_eq!(parts, want.gmv);
        assert_eq!(
            cents(&sales["live_gmv"]),
            cents(&sales["creator_live_gmv"]) + cents(&sales["seller_live_gmv"])
        );
        assert_eq!(
            cents(&sales["video_gmv"]),
            cents(&sales["creator_video_gmv"]) + cents(&sales["seller_video_gmv"])
        );
        let b = &iv["breakdowns"];
        let content: i64 = b["content_breakdown"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| cents(&x["gmv"]))
            .sum();
        assert_eq!(
            content,
            cents(&sales["live_gmv"]) + cents(&sales["video_gmv"])
        );
        assert_eq!(
            cents(&b["seller_product_card_gmv"])
                + cents(&b["affiliate_product_card_attributed_gmv"]),
            cents(&sales["product_card_attributed_gmv"])
        );
        let tab = &b["shop_tab_and_search"];
        assert_eq!(
            cents(&tab["shop_tab_attributed"])
                + cents(&tab["search_attributed"])
                + cents(&tab["others"]),
            cents(&b["seller_product_card_gmv"])
        );
        assert!(
            cents(&sales["video_gmv"]) > 0
                && cents(&b["affiliate_product_card_attributed_gmv"]) > 0
        );
        assert!(iv["traffic"]["product_impressions"].as_i64().unwrap() > 0);
        assert!(iv["traffic"]["avg_conversation_rate"].is_string());
        // The old flat shape is gone.
        assert!(iv.get("gmv").is_none() && iv.get("units_sold").is_none());
    }

    // Day by day over the last week: each day is its own orders' sum, and traffic adds up too.
    let (s7, e7) = (date(today - 6 * DAY), date(today + DAY));
    let daily = c
        .get(
            "/analytics/202609/shop/performance",
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
    for (k, d) in days.iter().enumerate() {
        let start = today - 6 * DAY + k as i64 * DAY;
        assert_eq!(d["start_date"], date(start));
        let want = figures(&orders_between(&c, start, start + DAY).await, |_| true);
        assert_eq!(cents(&d["sales"]["gmv"]), want.gmv, "day {}", date(start));
        assert_eq!(d["sales"]["orders_count"], want.orders);
        assert_eq!(d["sales"]["items_sold"], want.items);
    }
    let whole = c
        .get(
            "/analytics/202609/shop/performance",
            &[("start_date_ge", s7.as_str()), ("end_date_lt", e7.as_str())],
        )
        .await;
    let w = &whole.ok()["performance"]["intervals"][0];
    let sum = |f: &dyn Fn(&Value) -> i64| days.iter().map(f).sum::<i64>();
    assert_eq!(
        w["sales"]["orders_count"].as_i64().unwrap(),
        sum(&|d| d["sales"]["orders_count"].as_i64().unwrap())
    );
    assert_eq!(
        w["traffic"]["product_impressions"].as_i64().unwrap(),
        sum(&|d| d["traffic"]["product_impressions"].as_i64().unwrap())
    );

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
        c.get("/analytics/202609/shop/performance", &q)
            .await
            .refused(INVALID);
    }
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_products_figures_are_its_paid_lines() {
    let sandbox = start(bigger()).await.unwrap();
    let c = Client::new(&sandbox);
    let today = c.state.now().div_euclid(DAY) * DAY;
    let (from, to) = (today - 29 * DAY, today + DAY);
    let (s, e) = (date(from), date(to));
    let orders = orders_between(&c, from, to).await;
    // The best-selling product of the window, from the orders.
    let mut units: BTreeMap<String, i64> = BTreeMap::new();
    for o in orders.iter().filter(|o| paid(o)) {
        for l in o["line_items"].as_array().unwrap() {
            *units
                .entry(l["product_id"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    let (pid, _) = units
        .iter()
        .max_by_key(|(p, n)| (**n, (*p).clone()))
        .unwrap();
    let want = figures(&orders, |l| l["product_id"] == pid.as_str());

    let q = [
        ("start_date_ge", s.as_str()),
        ("end_date_lt", e.as_str()),
        ("page_size", "100"),
    ];
    for path in [
        "/analytics/202605/shop_products/performance",
        "/analytics/202509/shop_products/performance",
    ] {
        let (products, total) = all_pages(&c, path, &q, "products").await;
        assert_eq!(products.len() as u64, total);
        let p = products
            .iter()
            .find(|p| p["id"] == pid.as_str())
            .expect("listed");
        let t = &p["total_performance"];
        assert_eq!(cents(&t["gmv"]), want.gmv, "{path}");
        assert_eq!(t["orders"], want.orders);
        assert_eq!(t["items_sold"], want.items);
        assert_eq!(t["sku_orders"], want.sku_orders);
        assert_eq!(t["estimated_customers"], want.customers.len());
        // The channel objects split it exactly.
        let part = |k: &str| cents(&p[k]["attributed_gmv"]);
        assert_eq!(
            part("seller_live_performance")
                + part("seller_video_performance")
                + part("seller_product_card_performance")
                + part("affiliate_total_performance"),
            want.gmv
        );
        // And the products add up to the shop.
        let all: i64 = products
            .iter()
            .map(|p| cents(&p["total_performance"]["gmv"]))
            .sum();
        let shop = c
            .get(
                "/analytics/202609/shop/performance",
                &[("start_date_ge", s.as_str()), ("end_date_lt", e.as_str())],
            )
            .await;
        assert_eq!(
            all,
            cents(&shop.ok()["performance"]["intervals"][0]["sales"]["gmv"])
        );
    }

    // The detail: the range, and the days, each from the orders.
    let path = format!("/analytics/202509/shop_products/{pid}/performance");
    let d = c
        .get(
            &path,
            &[("start_date_ge", s.as_str()), ("end_date_lt", e.as_str())],
        )
        .await;
    let perf = d.ok()["performance"].clone();
    let iv = &perf["intervals"][0]["sales"];
    assert_eq!(cents(&iv["gmv"]), want.gmv);
    assert_eq!(iv["orders"], want.orders);
    assert_eq!(iv["items_sold"], want.items);
    let by: i64 = iv["breakdowns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| cents(&b["sales"]["gmv"]))
        .sum();
    assert_eq!(by, want.gmv);
    assert_eq!(perf["ratings"].as_array().unwrap().len(), 5);
    let daily = c
        .get(
            &path,
            &[
                ("start_date_ge", s.as_str()),
                ("end_date_lt", e.as_str()),
                ("granularity", "1D"),
            ],
        )
        .await;
    let days = daily.ok()["performance"]["intervals"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(days.len(), 30);
    for (k, day) in days.iter().enumerate() {
        let start = from + k as i64 * DAY;
        let want = figures(&orders_between(&c, start, start + DAY).await, |l| {
            l["product_id"] == pid.as_str()
        });
        assert_eq!(cents(&day["sales"]["gmv"]), want.gmv, "{}", date(start));
        assert_eq!(day["sales"]["items_sold"], want.items);
    }
    c.get(
        "/analytics/202509/shop_products/1/performance",
        &[("start_date_ge", s.as_str()), ("end_date_lt", e.as_str())],
    )
    .await
    .refused(12052048);
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_page_and_sort() {
    let sandbox = start(bigger()).await.unwrap();
    let c = Client::new(&sandbox);
    let now = c.state.now();
    let (s, e) = (date(now - 60 * DAY), date(now + DAY));
    for (path, key, field) in [
        (
            "/analytics/202509/shop_products/performance",
            "products",
            "gmv",
        ),
        (
            "/analytics/202605/shop_products/performance",
            "products",
            "gmv",
        ),
        ("/analytics/202509/shop_videos/performance", "videos", "gmv"),
        ("/analytics/202605/shop_videos/performance", "videos", "gmv"),
        (
            "/analytics/202509/shop_lives/performance",
            "live_stream_sessions",
            "live_attributed_gmv",
        ),
        (
            "/analytics/202609/shop_lives/performance",
            "live_stream_sessions",
            "live_attributed_gmv",
        ),
    ] {
        let lives = key == "live_stream_sessions";
        let mut q = vec![
            ("start_date_ge", s.as_str()),
            ("end_date_lt", e.as_str()),
            ("page_size", "4"),
            ("sort_field", field),
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
        let gmv: Vec<i64> = items
            .iter()
            .map(|i| match key {
                "live_stream_sessions" => cents(&i["sales_performance"]["live_gmv"]),
                "products" => cents(&i["total_performance"]["gmv"]),
                _ => cents(&i["gmv"]),
            })
            .collect();
        assert!(
            gmv.windows(2).all(|w| w[0] >= w[1]),
            "{path}: sorted by gmv, descending: {gmv:?}"
        );
        assert!(gmv.iter().any(|g| *g > 0), "{path}: some sales");
        let old_field = if key == "products" {
            "units_sold"
        } else {
            "mood"
        };
        for bad in [
            ("page_size", "0"),
            ("page_size", "101"),
            ("sort_field", old_field),
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
    let q = [
        ("start_date_ge", s.as_str()),
        ("end_date_lt", e.as_str()),
        ("product_status_filter", "ACTIVATE"),
    ];
    c.get("/analytics/202605/shop_products/performance", &q)
        .await
        .refused(INVALID);
    let q = [
        ("start_date_ge", s.as_str()),
        ("end_date_lt", e.as_str()),
        ("account_type", "LINKED_ACCOUNTS"),
    ];
    c.get("/analytics/202605/shop_videos/performance", &q)
        .await
        .refused(INVALID);
    sandbox.stop().await;
}

async fn videos_list(c: &Client, s: &str, e: &str, account: &str) -> Vec<Value> {
    let q = [
        ("start_date_ge", s),
        ("end_date_lt", e),
        ("page_size", "100"),
        ("account_type", account),
    ];
    all_pages(c, "/analytics/202605/shop_videos/performance", &q, "videos")
        .await
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn videos_sell_what_the_orders_say() {
    let sandbox = start(bigger()).await.unwrap();
    let c = Client::new(&sandbox);
    let now = c.state.now();
    let (s, e) = (date(now - 30 * DAY), date(now + DAY));
    let all = videos_list(&c, &s, &e, "ALL").await;
    let gmv = |vs: &[Value]| vs.iter().map(|v| cents(&v["gmv"])).sum::<i64>();
    let shop = c
        .get(
            "/analytics/202609/shop/performance",
            &[("start_date_ge", s.as_str()), ("end_date_lt", e.as_str())],
        )
        .await;
    let sales = shop.ok()["performance"]["intervals"][0]["sales"].clone();
    assert!(gmv(&all) > 0);
    assert_eq!(
        gmv(&all),
        cents(&sales["video_gmv"]),
        "the videos' GMV is the shop's VIDEO GMV"
    );
    let (official, affiliate) = (
        videos_list(&c, &s, &e, "OFFICIAL_ACCOUNTS").await,
        videos_list(&c, &s, &e, "AFFILIATE_ACCOUNTS").await,
    );
    assert_eq!(official.len() + affiliate.len(), all.len());
    assert_eq!(gmv(&affiliate), cents(&sales["creator_video_gmv"]));
    assert!(
        videos_list(&c, &s, &e, "MARKETING_ACCOUNTS")
            .await
            .is_empty()
    );
    for v in &all {
        assert!(
            v["video_post_time"].is_i64() && v["duration"].is_i64(),
            "{v}"
        );
        assert!(!v["products"].as_array().unwrap().is_empty());
        assert!(v["products"][0]["name"].is_string());
        assert!(v["creator"]["user_name"] == v["username"]);
        assert_eq!(v["gmv"], v["attributed_gmv"]);
    }
    // The best video's detail says the same, day by day too.
    let top = all.iter().max_by_key(|v| cents(&v["gmv"])).unwrap();
    let path = format!(
        "/analytics/202509/shop_videos/{}/performance",
        top["id"].as_str().unwrap()
    );
    let d = c
        .get(
            &path,
            &[("start_date_ge", s.as_str()), ("end_date_lt", e.as_str())],
        )
        .await;
    let perf = d.ok()["performance"].clone();
    let overall = &perf["intervals"][0]["sales"]["overall"];
    assert_eq!(cents(&overall["gmv"]), cents(&top["gmv"]));
    assert_eq!(overall["items_sold"], top["items_sold"]);
    assert_eq!(perf["intervals"][0]["traffic"]["views"], top["views"]);
    let by_product: i64 = perf["intervals"][0]["sales"]["breakdowns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| cents(&b["gmv"]))
        .sum();
    assert_eq!(by_product, cents(&top["gmv"]));
    assert_eq!(perf["viewer_profile"].as_array().unwrap().len(), 2);
    let daily = c
        .get(
            &path,
            &[
                ("start_date_ge", s.as_str()),
                ("end_date_lt", e.as_str()),
                ("granularity", "1D"),
            ],
        )
        .await;
    let days = daily.ok()["performance"]["intervals"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        days.iter()
            .map(|d| cents(&d["sales"]["overall"]["gmv"]))
            .sum::<i64>(),
        cents(&top["gmv"])
    );
    assert_eq!(
        days.iter()
            .map(|d| d["traffic"]["views"].as_i64().unwrap())
            .sum::<i64>(),
        top["views"].as_i64().unwrap()
    );
    c.get(
        "/analytics/202509/shop_videos/7420000000000000001/performance",
        &[("start_date_ge", s.as_str()), ("end_date_lt", e.as_str())],
    )
    .await
    .refused(35001002);
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_are_the_same_for_the_same_seed() {
    async fn figures(seed: u64) -> Value {
        let sandbox = start(SandboxConfig { seed, ..bigger() }).await.unwrap();
        let c = Client::new(&sandbox);
        let now = c.state.now();
        let (s, e) = (date(now - 30 * DAY), date(now + DAY));
        let q = [
            ("start_date_ge", s.as_str()),
            ("end_date_lt", e.as_str()),
            ("page_size", "100"),
        ];
        let p = c
            .get("/analytics/202509/shop_products/performance", &q)
            .await
            .ok()
            .clone();
        let v = c
            .get("/analytics/202605/shop_videos/performance", &q)
            .await
            .ok()
            .clone();
        sandbox.stop().await;
        json!([p["products"], v["videos"]])
    }
    assert_eq!(figures(3).await, figures(3).await);
}
