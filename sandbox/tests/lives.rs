//! LIVE sessions: recorded through the control plane, orders created inside their window attributed
//! to them, and the analytics LIVE paths (list, overview, products) reporting figures a client can
//! reconcile with its own orders.

mod signed_client;

use serde_json::{Value, json};
use signed_client::{Client, config};
use tiktok_sandbox::start;

const INVALID: i64 = 36009004;
const LIVE_NOT_FOUND: i64 = 35001001;
const LIST: &str = "/analytics/202609/shop_lives/performance";

fn date(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string()
}

fn cents(v: &Value) -> i64 {
    let s = v["amount"]
        .as_str()
        .unwrap_or_else(|| panic!("not money: {v}"));
    let (a, b) = s.split_once('.').unwrap();
    a.parse::<i64>().unwrap() * 100 + b.parse::<i64>().unwrap()
}

async fn record(c: &Client, body: Value) -> (u16, Value) {
    let url = format!("{}/_sandbox/shops/{}/lives", c.base, c.shop_id);
    let resp = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// (GMV, paid orders, units, buyers) of the shop's orders created in [from, to), from the world:
/// what a client computes from its own copy of the orders.
fn own_figures(c: &Client, from: i64, to: i64) -> (i64, i64, i64, usize) {
    c.state.with_world(|w| {
        let sold: Vec<_> = w
            .orders
            .values()
            .filter(|o| o.shop_id == c.shop_id && o.create_time >= from && o.create_time < to)
            // Paid, even if cancelled later: GMV is gross.
            .filter(|o| o.paid_time.is_some())
            .collect();
        let buyers: std::collections::BTreeSet<_> = sold.iter().map(|o| o.user_id).collect();
        (
            sold.iter().map(|o| o.payment.sub_total).sum(),
            sold.len() as i64,
            sold.iter().map(|o| o.line_items.len() as i64).sum(),
            buyers.len(),
        )
    })
}

async fn sessions(c: &Client, from: i64, to: i64, account: &str) -> Vec<Value> {
    let (s, e) = (date(from), date(to));
    let a = c
        .get(
            LIST,
            &[
                ("start_date_ge", s.as_str()),
                ("end_date_lt", e.as_str()),
                ("account_type", account),
                ("page_size", "100"),
            ],
        )
        .await;
    let d = a.ok();
    assert!(d["updated_at"].is_i64());
    d.get("live_stream_sessions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_live_reports_the_orders_placed_during_it() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let now = c.state.now();
    let (start, end) = (now + 60, now + 1860);
    let good = json!({"title": "Spring drop LIVE", "username": "ocean.host",
                      "start_time": start, "end_time": end});
    let (status, made) = record(&c, good.clone()).await;
    assert_eq!(status, 200, "{made}");
    let live_id = made["live_id"].as_str().unwrap().to_string();
    // Refusals: each names what is wrong.
    for (body, code) in [
        (
            json!({"username": "h", "start_time": start, "end_time": end}),
            400,
        ),
        (
            json!({"title": "t", "start_time": start, "end_time": end}),
            400,
        ),
        (
            json!({"title": "t", "username": "h", "start_time": end, "end_time": start}),
            400,
        ),
        (
            json!({"title": "t", "username": "h", "start_time": start}),
            400,
        ),
        (
            json!({"title": "t", "username": "h", "start_time": start, "end_time": end, "account_type": "FRIENDS"}),
            400,
        ),
        (
            json!({"title": "t", "username": "h", "start_time": end - 10, "end_time": end + 600}),
            409,
        ),
    ] {
        let (s, answer) = record(&c, body.clone()).await;
        assert_eq!(s, code, "{body} → {answer}");
        assert!(answer["error"].is_string());
    }
    let listed = c
        .control("GET", &format!("/_sandbox/shops/{}/lives", c.shop_id), None)
        .await;
    assert_eq!(listed["lives"][0]["live_id"], live_id);
    assert_eq!(listed["lives"][0]["ended"], false);

    // During the LIVE: paid orders, an unpaid one, a cancelled one, and the living shop's.
    c.state.advance_clock(120);
    let shop_orders = format!("/_sandbox/shops/{}/orders", c.shop_id);
    c.control(
        "POST",
        &shop_orders,
        Some(json!({"count": 3, "status": "AWAITING_SHIPMENT"})),
    )
    .await;
    c.control("POST", &shop_orders, Some(json!({"count": 1})))
        .await;
    c.control(
        "POST",
        &shop_orders,
        Some(json!({"count": 1, "status": "CANCELLED"})),
    )
    .await;
    c.control(
        "POST",
        "/_sandbox/living/tick",
        Some(json!({"minutes": 15, "orders_per_minute": 1})),
    )
    .await;
    // Not over yet: not reported.
    let c = Client::new(&sandbox);
    assert!(
        sessions(&c, now - 86_400, now + 2 * 86_400, "OFFICIAL_ACCOUNTS")
            .await
            .iter()
            .all(|s| s["id"] != live_id.as_str())
    );
    c.get(
        &format!("/analytics/202512/shop/{live_id}/products_performance"),
        &[],
    )
    .await
    .refused(LIVE_NOT_FOUND);

    // After it: reported, with the figures of its orders (an order after it does not count).
    let left = end - c.state.now() + 1;
    c.state.advance_clock(left);
    c.control(
        "POST",
        &shop_orders,
        Some(json!({"count": 1, "status": "ON_HOLD"})),
    )
    .await;
    let c = Client::new(&sandbox);
    let (gmv, orders, units, buyers) = own_figures(&c, start, end);
    assert!(orders >= 3 && gmv > 0);
    let list = sessions(&c, now - 86_400, now + 2 * 86_400, "OFFICIAL_ACCOUNTS").await;
    let s = list
        .iter()
        .find(|s| s["id"] == live_id.as_str())
        .unwrap_or_else(|| panic!("{live_id} not in {list:?}"));
    assert_eq!(s["title"], "Spring drop LIVE");
    assert_eq!(s["start_time"], start.to_string());
    assert_eq!(s["end_time"], end.to_string());
    assert_eq!(s["creator"]["username"], "ocean.host");
    let sp = &s["sales_performance"];
    assert_eq!(cents(&sp["live_gmv"]), gmv);
    assert_eq!(cents(&sp["live_attributed_gmv"]), gmv);
    assert_eq!(sp["live_gmv"]["currency"], "USD");
    assert_eq!(sp["live_attributed_orders"], orders);
    assert_eq!(sp["live_attributed_items_sold"], units);
    assert_eq!(sp["attributed_customers"], buyers);
    assert!(sp["payment_rate"].as_str().unwrap().starts_with("0."));
    assert!(s["traffic"]["views"].as_i64().unwrap() > 0);
    assert!(s["traffic"]["viewers"].as_i64().unwrap() > 0);
    assert!(s["traffic"]["ctr"].is_string());
    assert!(s["interaction_performance"]["likes"].as_i64().unwrap() > 0);
    // Other account types do not show it.
    assert!(
        sessions(&c, now - 86_400, now + 2 * 86_400, "AFFILIATE_ACCOUNTS")
            .await
            .is_empty()
    );
    // Its products add up to it.
    let p = c
        .get(
            &format!("/analytics/202512/shop/{live_id}/products_performance"),
            &[("page_size", "100")],
        )
        .await;
    let products = p.ok()["products"].as_array().unwrap().clone();
    let sum: i64 = products
        .iter()
        .map(|x| cents(&x["sales"]["direct_gmv"]))
        .sum();
    let items: i64 = products
        .iter()
        .map(|x| x["sales"]["items_sold"].as_i64().unwrap())
        .sum();
    assert_eq!((sum, items), (gmv, units));
    assert!(products[0]["traffic"]["produt_clicks"].is_i64());
    assert!(products[0]["name"].is_string());
    c.get("/analytics/202512/shop/123/products_performance", &[])
        .await
        .refused(LIVE_NOT_FOUND);

    // The overview counts it (with any synthetic LIVE of those days), and the shop's LIVE channel too.
    let (s_d, e_d) = (date(now - 86_400), date(now + 2 * 86_400));
    let o = c
        .get(
            "/analytics/202609/shop_lives/overview_performance",
            &[
                ("start_date_ge", s_d.as_str()),
                ("end_date_lt", e_d.as_str()),
            ],
        )
        .await;
    let iv = &o.ok()["intervals"][0];
    assert!(cents(&iv["live_gmv"]) >= gmv);
    assert!(iv["live_attributed_items_sold"].as_i64().unwrap() >= units);
    assert!(o.ok()["updated_at"].is_i64());
    let aff = c
        .get(
            "/analytics/202609/shop_lives/overview_performance",
            &[
                ("start_date_ge", s_d.as_str()),
                ("end_date_lt", e_d.as_str()),
                ("account_type", "AFFILIATE_ACCOUNTS"),
                ("granularity", "1D"),
            ],
        )
        .await;
    let days = aff.ok()["intervals"].as_array().unwrap();
    assert_eq!(days.len(), 3);
    assert!(days.iter().all(|d| cents(&d["live_gmv"]) == 0));
    let today = c
        .get(
            "/analytics/202609/shop_lives/overview_performance",
            &[("today", "true")],
        )
        .await;
    assert_eq!(today.ok()["intervals"].as_array().unwrap().len(), 1);
    let shop = c
        .get(
            "/analytics/202609/shop/performance",
            &[
                ("start_date_ge", s_d.as_str()),
                ("end_date_lt", e_d.as_str()),
            ],
        )
        .await;
    let live_channel = cents(&shop.ok()["performance"]["intervals"][0]["sales"]["live_gmv"]);
    assert!(live_channel >= gmv);
    let listed = c
        .control("GET", &format!("/_sandbox/shops/{}/lives", c.shop_id), None)
        .await;
    assert_eq!(listed["lives"][0]["ended"], true);
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_paths_check_their_input() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let now = c.state.now();
    let (s, e) = (date(now - 7 * 86_400), date(now + 86_400));
    let base = [("start_date_ge", s.as_str()), ("end_date_lt", e.as_str())];
    for path in [LIST, "/analytics/202509/shop_lives/performance"] {
        // account_type is required.
        c.get(path, &base).await.refused(INVALID);
        for bad in [
            ("account_type", "ALL"),
            ("sort_field", "gmv"),
            ("page_size", "0"),
        ] {
            let mut q = base.to_vec();
            if bad.0 != "account_type" {
                q.push(("account_type", "OFFICIAL_ACCOUNTS"));
            }
            q.push(bad);
            c.get(path, &q).await.refused(INVALID);
        }
        let mut q = base.to_vec();
        q.push(("account_type", "OFFICIAL_ACCOUNTS"));
        q.push(("sort_field", "products_sold"));
        q.push(("sort_order", "ASC"));
        c.get(path, &q).await.ok();
    }
    let overview = "/analytics/202609/shop_lives/overview_performance";
    c.get(overview, &[]).await.refused(INVALID);
    for bad in [
        ("today", "yes"),
        ("granularity", "1H"),
        ("account_type", "OFFICIAL_ACCOUNTS"),
    ] {
        let mut q = base.to_vec();
        q.push(bad);
        c.get(overview, &q).await.refused(INVALID);
    }
    // A record for an unknown shop.
    assert_eq!(
        c.control_status(
            "POST",
            "/_sandbox/shops/1/lives",
            json!({"title": "t", "username": "h", "start_time": now, "end_time": now + 60})
        )
        .await,
        404
    );
    sandbox.stop().await;
}
