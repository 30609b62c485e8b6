//! Affiliate orders over HTTP: the sheet's answer (SKU rows paged before grouping), commissions that
//! are exactly the orders' paid value × the rate in force when each was created, and a settlement that
//! moves with the order.

mod signed_client;

use std::collections::BTreeMap;

use serde_json::{Value, json};
use signed_client::{Client, config};
use tiktok_sandbox::{SandboxConfig, start};

const INVALID: i64 = 36009004;
const DAY: i64 = 86_400;
const PATH: &str = "/affiliate_seller/202410/orders/search";

fn cents(v: &Value) -> i64 {
    let s = v["amount"]
        .as_str()
        .unwrap_or_else(|| panic!("not money: {v}"));
    let (a, b) = s.split_once('.').unwrap();
    a.parse::<i64>().unwrap() * 100 + b.parse::<i64>().unwrap()
}

/// Every page: (orders as grouped per page, SKU rows with their order id, total_count).
async fn all_rows(
    c: &Client,
    page_size: &str,
    body: Value,
) -> (Vec<Value>, Vec<(String, Value)>, u64) {
    let (mut orders, mut rows) = (Vec::new(), Vec::new());
    let mut token = String::new();
    loop {
        let mut q = vec![("page_size", page_size)];
        if !token.is_empty() {
            q.push(("page_token", token.as_str()));
        }
        let a = c.post(PATH, &q, body.clone()).await;
        let d = a.ok().clone();
        for o in d["orders"].as_array().cloned().unwrap_or_default() {
            for s in o["skus"].as_array().unwrap() {
                rows.push((o["id"].as_str().unwrap().to_string(), s.clone()));
            }
            orders.push(o);
        }
        token = d["next_page_token"].as_str().unwrap_or("").to_string();
        if token.is_empty() {
            return (orders, rows, d["total_count"].as_u64().unwrap());
        }
    }
}

/// The rate a collaboration gave at `t`, from the control plane's history.
fn rate_then(books: &Value, row: &Value, t: i64) -> i64 {
    let pick = |rates: &Value| {
        rates
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|r| r["from"].as_i64().unwrap() <= t)
            .map(|r| r["rate"].as_i64().unwrap())
            .unwrap()
    };
    if let Some(id) = row["open_collaboration_id"].as_str() {
        let c = books["open_collaborations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap();
        return pick(&c["rates"]);
    }
    let id = row["target_collaboration_id"]
        .as_str()
        .expect("one of the two");
    let t_ = books["target_collaborations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap();
    let p = t_["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["product_id"] == row["product_id"])
        .unwrap();
    pick(&p["rates"])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commissions_are_the_orders_value_times_the_rate() {
    let sandbox = start(SandboxConfig {
        orders: 150,
        ..config()
    })
    .await
    .unwrap();
    let c = Client::new(&sandbox);
    let now = c.state.now();
    c.post(PATH, &[], json!({})).await.refused(INVALID);
    c.post(PATH, &[("page_size", "51")], json!({}))
        .await
        .refused(INVALID);
    c.post(
        PATH,
        &[("page_size", "20")],
        json!({"create_time_ge": now, "create_time_lt": now - 10}),
    )
    .await
    .refused(INVALID);
    c.post(
        PATH,
        &[("page_size", "20")],
        json!({"create_time_ge": now - 120 * DAY, "create_time_lt": now + 1}),
    )
    .await
    .refused(INVALID);
    let window = json!({"create_time_ge": now - 90 * DAY, "create_time_lt": now + 1});
    let (orders, rows, total) = all_rows(&c, "50", window.clone()).await;
    assert!(
        rows.len() > 5,
        "the seeded collaborations bring affiliate orders: {}",
        rows.len()
    );
    assert_eq!(rows.len() as u64, total, "total_count counts SKU rows");
    // The default window (no bounds) is the last three months: the same rows.
    assert_eq!(all_rows(&c, "50", json!({})).await.1.len(), rows.len());

    // Paging happens before grouping: small pages give the same rows in the same order, and an order
    // can span two pages.
    let (small_orders, small_rows, small_total) = all_rows(&c, "3", window.clone()).await;
    assert_eq!(small_total, total);
    assert_eq!(small_rows, rows);
    assert!(small_orders.len() >= orders.len());

    let books = c
        .control(
            "GET",
            &format!(
                "/_sandbox/shops/{}/affiliate?create_time_ge={}&create_time_lt={}",
                c.shop_id,
                now - 90 * DAY,
                now + 1
            ),
            None,
        )
        .await;
    let mut by_creator: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut statuses = std::collections::BTreeSet::new();
    for o in &orders {
        assert!(
            o.get("status").is_none() && o.get("refunded_quantity").is_none(),
            "no order-level status: {o}"
        );
        assert!(o["create_time"].is_i64());
    }
    for (order_id, s) in &rows {
        let status = s["settlement_status"].as_str().unwrap();
        assert!(
            ["AWAITING PAYMENT", "To-SETTLE", "SETTLED", "INELIGIBLE"].contains(&status),
            "{s}"
        );
        statuses.insert(status.to_string());
        assert!(["LIVE", "VIDEO", "SHOP"].contains(&s["content_type"].as_str().unwrap()));
        assert!(!s["creator_username"].as_str().unwrap().is_empty());
        assert_eq!(
            s["open_collaboration_id"].is_string(),
            !s["target_collaboration_id"].is_string(),
            "{s}"
        );
        assert!(
            s["estimated_commission_base"]
                .as_str()
                .unwrap()
                .starts_with('$')
        );
        assert_eq!(s["commission_model"], "Fixed commission");
        let rate: i64 = s["commission_rate"].as_str().unwrap().parse().unwrap();
        // From the world's order, independently: the SKU's units, their paid value.
        let oid: u64 = order_id.parse().unwrap();
        let sku: u64 = s["sku_id"].as_str().unwrap().parse().unwrap();
        let (created, units, value, back) = c.state.with_world(|w| {
            let o = &w.orders[&oid];
            let lines: Vec<_> = o.line_items.iter().filter(|l| l.sku_id == sku).collect();
            let back: i64 = lines
                .iter()
                .filter(|l| l.is_cancelled)
                .map(|l| l.sale_price)
                .sum();
            (
                o.create_time,
                lines.len() as i64,
                lines.iter().map(|l| l.sale_price).sum::<i64>(),
                back,
            )
        });
        assert_eq!(
            rate,
            rate_then(&books, s, created),
            "the rate in force when the order was created: {s}"
        );
        assert_eq!(s["quantity"], units);
        let estimated = if status == "INELIGIBLE" {
            0
        } else {
            (value * rate + 5_000) / 10_000
        };
        let actual = if status == "SETTLED" {
            ((value - back) * rate + 5_000) / 10_000
        } else {
            0
        };
        assert_eq!(cents(&s["estimated_paid_commission"]), estimated, "{s}");
        assert_eq!(cents(&s["actual_paid_commission"]), actual, "{s}");
        assert_eq!(s["estimated_paid_commission"]["currency"], "USD");
        let e = by_creator
            .entry(s["creator_username"].as_str().unwrap().to_string())
            .or_default();
        e.0 += estimated;
        e.1 += cents(&s["estimated_paid_commission"]);
    }
    assert!(
        statuses.contains("SETTLED") && statuses.contains("To-SETTLE"),
        "{statuses:?}"
    );
    // Each creator's total is exactly the orders' (and the control plane's summary agrees).
    for (name, (want, got)) in &by_creator {
        assert_eq!(want, got, "{name}");
        let summary = books["creators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["username"] == name.as_str())
            .unwrap();
        assert_eq!(cents(&summary["estimated_paid_commission"]), *got, "{name}");
    }
    sandbox.stop().await;
}

async fn row_of(c: &Client, order: &str) -> Value {
    let now = c.state.now();
    let (_, rows, _) = all_rows(
        c,
        "50",
        json!({"create_time_ge": now - 2 * DAY, "create_time_lt": now + 1}),
    )
    .await;
    rows.into_iter()
        .find(|(o, _)| o == order)
        .unwrap_or_else(|| panic!("{order} is an affiliate order"))
        .1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_settlement_moves_with_the_order() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    let shop = c.shop_id;
    let now = c.state.now();
    let creators = c.control("GET", "/_sandbox/creators", None).await;
    let theo = creators["creators"][4].clone();
    assert_eq!(theo["username"], "thrift.theo");
    // A product of our own in open collaboration at 15%.
    let p = c
        .control(
            "POST",
            &format!("/_sandbox/shops/{shop}/products"),
            Some(json!({"title": "Linen tote", "price": "20.00", "quantity": 200})),
        )
        .await;
    let (pid, sku) = (
        p["id"].as_str().unwrap().to_string(),
        p["skus"][0]["id"].as_str().unwrap().to_string(),
    );
    let made = c
        .post(
            "/affiliate_seller/202412/open_collaborations",
            &[],
            json!({"product_id": pid, "commission_rate": 1500}),
        )
        .await;
    let open_id = made.ok()["open_collaboration"]["id"].clone();
    // Theo streams a LIVE for twelve hours: what sells during it is his.
    let live = c
        .control(
            "POST",
            &format!("/_sandbox/shops/{shop}/lives"),
            Some(json!({"title": "Theo's thrift haul", "username": "thrift.theo", "start_time": now - 60, "end_time": now + 12 * 3_600, "account_type": "AFFILIATE_ACCOUNTS"})),
        )
        .await;
    let mut ids = BTreeMap::new();
    for status in ["UNPAID", "DELIVERED", "COMPLETED", "CANCELLED"] {
        let o = c
            .control(
                "POST",
                &format!("/_sandbox/shops/{shop}/orders"),
                Some(json!({"sku_ids": [sku, sku], "status": status})),
            )
            .await;
        ids.insert(status, o["orders"][0]["id"].as_str().unwrap().to_string());
    }
    let row = row_of(&c, &ids["COMPLETED"]).await;
    assert_eq!(row["content_type"], "LIVE");
    assert_eq!(row["content_id"], live["live_id"]);
    assert_eq!(row["creator_username"], "thrift.theo");
    assert_eq!(row["open_collaboration_id"], open_id);
    assert_eq!(row["commission_rate"], "1500");
    assert_eq!(row["quantity"], 2);
    assert_eq!(row["price"], json!({"amount": "20.00", "currency": "USD"}));
    assert_eq!(row["settlement_status"], "SETTLED");
    assert_eq!(row["fully_return"], "No");
    assert_eq!(
        cents(&row["estimated_paid_commission"]),
        600,
        "2 × 20.00 × 15%"
    );
    assert_eq!(
        row["actual_paid_commission"],
        row["estimated_paid_commission"]
    );
    assert_eq!(row["estimated_commission_base"], "$40.00");
    assert_eq!(
        row_of(&c, &ids["UNPAID"]).await["settlement_status"],
        "AWAITING PAYMENT"
    );
    let cancelled = row_of(&c, &ids["CANCELLED"]).await;
    assert_eq!(cancelled["settlement_status"], "INELIGIBLE");
    assert_eq!(cents(&cancelled["estimated_paid_commission"]), 0);
    let delivered = row_of(&c, &ids["DELIVERED"]).await;
    assert_eq!(delivered["settlement_status"], "To-SETTLE");
    assert_eq!(cents(&delivered["actual_paid_commission"]), 0);
    c.control(
        "POST",
        &format!("/_sandbox/orders/{}/advance", ids["DELIVERED"]),
        Some(json!({"to": "COMPLETED"})),
    )
    .await;
    assert_eq!(
        row_of(&c, &ids["DELIVERED"]).await["settlement_status"],
        "SETTLED"
    );

    // A lower open rate from now (a second later: a change applies from its second on) leaves the
    // earlier orders at theirs.
    c.state.advance_clock(1);
    c.post(
        "/affiliate_seller/202412/open_collaborations",
        &[],
        json!({"product_id": pid, "commission_rate": 1000}),
    )
    .await
    .ok();
    assert_eq!(
        row_of(&c, &ids["COMPLETED"]).await["commission_rate"],
        "1500"
    );
    // Invited by a target collaboration at 25%: once he accepts (within hours), his sales earn that.
    let t = c
        .post(
            "/affiliate_seller/202508/target_collaborations",
            &[],
            json!({
                "name": "Theo x tote", "end_time": (now + 30 * DAY).to_string(),
                "products": [{"id": pid, "target_commission_rate": 2500}],
                "creator_user_open_ids": [theo["open_id"]],
                "seller_contact_info": {"email": "partners@ocean.example"},
                "free_sample_rule": {"has_free_sample": false},
            }),
        )
        .await;
    let target = t.ok()["target_collaboration"]["id"].clone();
    c.state.advance_clock(7 * 3_600);
    let o = c
        .control(
            "POST",
            &format!("/_sandbox/shops/{shop}/orders"),
            Some(json!({"sku_ids": [sku], "status": "AWAITING_SHIPMENT"})),
        )
        .await;
    let row = row_of(&c, o["orders"][0]["id"].as_str().unwrap()).await;
    assert_eq!(row["target_collaboration_id"], target);
    assert!(row.get("open_collaboration_id").is_none());
    assert_eq!(row["commission_rate"], "2500");
    assert_eq!(cents(&row["estimated_paid_commission"]), 500);
    sandbox.stop().await;
}
