//! Black-box tests of the sandbox's order endpoints over real HTTP: search paging and detail.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::json;
use tiktok_sandbox::start;
use tiktok_sandbox::world::OrderStatus;

#[tokio::test]
async fn order_search_pages_each_order_once() {
    let sb = start(small()).await.unwrap();
    let (c, shops) = connected(&sb).await;
    let ci = cipher(&shops[0]);
    for (field, order) in [
        ("create_time", "ASC"),
        ("create_time", "DESC"),
        ("update_time", "ASC"),
        ("update_time", "DESC"),
    ] {
        let mut seen = Vec::new();
        let mut token = String::new();
        let mut total;
        let mut prev: Option<i64> = None;
        loop {
            let mut q = vec![
                ("page_size", "7"),
                ("sort_field", field),
                ("sort_order", order),
            ];
            if !token.is_empty() {
                q.push(("page_token", token.as_str()));
            }
            let a = c
                .call(
                    "POST",
                    "/order/202309/orders/search",
                    Some(&ci),
                    &q,
                    Some(&json!({})),
                )
                .await;
            assert_eq!(a.code(), 0, "{}", a.body);
            total = a.data()["total_count"].as_u64().unwrap();
            for o in a.data()["orders"].as_array().unwrap() {
                seen.push(o["id"].as_str().unwrap().to_string());
                let t = o[field].as_i64().unwrap();
                if let Some(p) = prev {
                    assert!(
                        if order == "ASC" { t >= p } else { t <= p },
                        "sorted by {field} {order}"
                    );
                }
                prev = Some(t);
            }
            token = a.data()["next_page_token"].as_str().unwrap().to_string();
            if token.is_empty() {
                break;
            }
        }
        let unique: BTreeSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "no order twice ({field} {order})");
        assert_eq!(seen.len(), 60);
        assert_eq!(total, 60);
    }
    // Filters: status and a create-time window.
    let a = c
        .call(
            "POST",
            "/order/202309/orders/search",
            Some(&ci),
            &[("page_size", "100")],
            Some(&json!({"order_status": "AWAITING_SHIPMENT"})),
        )
        .await;
    let orders = a.data()["orders"].as_array().unwrap();
    assert!(!orders.is_empty());
    assert!(orders.iter().all(|o| o["status"] == "AWAITING_SHIPMENT"));
    let now = sb.state().now();
    let a = c
        .call(
            "POST",
            "/order/202309/orders/search",
            Some(&ci),
            &[("page_size", "100")],
            Some(&json!({"create_time_ge": now - 3 * 86400, "create_time_lt": now})),
        )
        .await;
    assert!(
        a.data()["orders"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["create_time"].as_i64().unwrap() >= now - 3 * 86400)
    );
    // Bounds and bad input.
    for ps in ["0", "101", "abc"] {
        let a = c
            .call(
                "POST",
                "/order/202309/orders/search",
                Some(&ci),
                &[("page_size", ps)],
                Some(&json!({})),
            )
            .await;
        assert_eq!(a.code(), 36009004, "page_size {ps}");
    }
    let a = c
        .call(
            "POST",
            "/order/202309/orders/search",
            Some(&ci),
            &[],
            Some(&json!({})),
        )
        .await;
    assert_eq!(a.code(), 36009004, "page_size is required");
    let a = c
        .call(
            "POST",
            "/order/202309/orders/search",
            Some(&ci),
            &[("page_size", "10"), ("sort_field", "price")],
            Some(&json!({})),
        )
        .await;
    assert_eq!(a.code(), 36009004);
    let a = c
        .call(
            "POST",
            "/order/202309/orders/search",
            Some(&ci),
            &[("page_size", "10"), ("page_token", "garbage")],
            Some(&json!({})),
        )
        .await;
    assert_eq!(a.code(), 36009004);
    let a = c
        .call(
            "POST",
            "/order/202309/orders/search",
            Some(&ci),
            &[("page_size", "10")],
            Some(&json!({"order_status": "LOST"})),
        )
        .await;
    assert_eq!(a.code(), 36009004);
    sb.stop().await;
}

#[tokio::test]
async fn order_detail_rules_and_shapes() {
    let sb = start(small()).await.unwrap();
    let (c, shops) = connected(&sb).await;
    let ci = cipher(&shops[0]);
    let shop_id: u64 = shops[0]["id"].as_str().unwrap().parse().unwrap();
    let (unpaid, shipped, cod_in_us) = sb.state().with_world(|w| {
        let mine: Vec<_> = w.orders.values().filter(|o| o.shop_id == shop_id).collect();
        (
            mine.iter()
                .find(|o| o.status == OrderStatus::Unpaid)
                .unwrap()
                .id
                .to_string(),
            mine.iter()
                .find(|o| o.status == OrderStatus::InTransit)
                .unwrap()
                .id
                .to_string(),
            mine.iter().any(|o| o.is_cod),
        )
    });
    assert!(!cod_in_us, "no COD in the US");
    let ids = format!("{unpaid},{shipped}");
    for path in ["/order/202309/orders", "/order/202507/orders"] {
        let a = c.call("GET", path, Some(&ci), &[("ids", &ids)], None).await;
        assert_eq!(a.code(), 0, "{}", a.body);
        let orders = a.data()["orders"].as_array().unwrap();
        assert_eq!(orders.len(), 2);
        let u = orders.iter().find(|o| o["id"] == unpaid.as_str()).unwrap();
        assert_eq!(
            u["recipient_address"]["full_address"], "",
            "hidden while UNPAID"
        );
        let s = orders.iter().find(|o| o["id"] == shipped.as_str()).unwrap();
        assert_ne!(s["recipient_address"]["full_address"], "");
        assert!(s["payment"]["total_amount"].is_string());
        assert_eq!(s["payment"]["currency"], "USD");
        for l in s["line_items"].as_array().unwrap() {
            assert!(l.get("quantity").is_none(), "one unit per line item");
            assert!(l["sale_price"].is_string());
        }
        assert!(!s["packages"].as_array().unwrap().is_empty());
    }
    let many: Vec<String> = (0..51)
        .map(|i| (576461413038000000u64 + i).to_string())
        .collect();
    let a = c
        .call(
            "GET",
            "/order/202309/orders",
            Some(&ci),
            &[("ids", &many.join(","))],
            None,
        )
        .await;
    assert_eq!(a.code(), 36009004);
    let a = c
        .call(
            "GET",
            "/order/202309/orders",
            Some(&ci),
            &[("ids", &many[..50].join(","))],
            None,
        )
        .await;
    assert_eq!(a.code(), 0);
    let a = c
        .call("GET", "/order/202309/orders", Some(&ci), &[], None)
        .await;
    assert_eq!(a.code(), 36009004);
    let a = c
        .call(
            "GET",
            "/order/202309/orders",
            Some(&ci),
            &[("ids", "12x")],
            None,
        )
        .await;
    assert_eq!(a.code(), 36009004);
    sb.stop().await;
}
