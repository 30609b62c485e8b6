//! TikTok leaves an absent optional field out of its answers: no answer of any API route carries a
//! `null` under `data`. The test walks every registered route with real ids from the world.

mod common;

use std::collections::HashMap;

use common::*;
use serde_json::{Value, json};
use tiktok_sandbox::protocol::registered_routes;
use tiktok_sandbox::start;

/// Where a `null` sits in a value ("data.orders[0].cancel_reason"), if anywhere.
fn first_null(v: &Value, at: &str) -> Option<String> {
    match v {
        Value::Null => Some(at.to_owned()),
        Value::Object(m) => m
            .iter()
            .find_map(|(k, v)| first_null(v, &format!("{at}.{k}"))),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| first_null(v, &format!("{at}[{i}]"))),
        _ => None,
    }
}

#[tokio::test]
async fn no_answer_of_any_route_carries_a_null() {
    let sb = start(small()).await.unwrap();
    let (caller, shops) = connected(&sb).await;
    let shop = &shops[0];
    let shop_id: u64 = shop["id"].as_str().unwrap().parse().unwrap();
    let cipher = cipher(shop);
    let ids: HashMap<&str, String> = sb.state().with_world(|w| {
        let first = |ids: Vec<u64>| ids.first().map_or("1".to_owned(), u64::to_string);
        let order = w.orders.values().filter(|o| o.shop_id == shop_id);
        HashMap::from([
            ("order_id", first(order.clone().map(|o| o.id).collect())),
            (
                "package_id",
                first(order.flat_map(|o| o.package_ids.clone()).collect()),
            ),
            (
                "product_id",
                first(
                    w.products
                        .values()
                        .filter(|p| p.shop_id == shop_id)
                        .map(|p| p.id)
                        .collect(),
                ),
            ),
            (
                "category_id",
                first(
                    w.categories
                        .values()
                        .filter(|c| c.is_leaf)
                        .map(|c| c.id)
                        .collect(),
                ),
            ),
            (
                "return_id",
                first(
                    w.returns
                        .values()
                        .filter(|r| r.shop_id == shop_id)
                        .map(|r| r.id)
                        .collect(),
                ),
            ),
            (
                "cancel_id",
                first(
                    w.cancellations
                        .values()
                        .filter(|c| c.shop_id == shop_id)
                        .map(|c| c.id)
                        .collect(),
                ),
            ),
            (
                "activity_id",
                first(
                    w.promotions
                        .values()
                        .filter(|p| p.shop_id == shop_id)
                        .map(|p| p.id)
                        .collect(),
                ),
            ),
            (
                "coupon_id",
                first(
                    w.coupons
                        .values()
                        .filter(|c| c.shop_id == shop_id)
                        .map(|c| c.id)
                        .collect(),
                ),
            ),
            (
                "warehouse_id",
                w.default_warehouse(shop_id)
                    .map_or("1".to_owned(), |wh| wh.id.to_string()),
            ),
            ("delivery_option_id", "1".to_owned()),
        ])
    });
    let routes = registered_routes();
    assert!(routes.len() > 40, "{} routes", routes.len());
    let mut answered = Vec::new();
    // Reads first: the writes (delete, cancel, ship…) would change what the reads see.
    let (reads, writes): (Vec<_>, Vec<_>) = routes
        .into_iter()
        .partition(|(m, p)| m == "GET" || p.contains("search"));
    for (method, pattern) in reads.into_iter().chain(writes) {
        let path = pattern
            .split('/')
            .map(
                |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => ids.get(name).cloned().unwrap_or_else(|| "1".to_owned()),
                    None => seg.to_owned(),
                },
            )
            .collect::<Vec<_>>()
            .join("/");
        let shop_scoped = !(path.starts_with("/authorization/") || path.starts_with("/seller/"));
        let body = (method != "GET").then(|| json!({}));
        let today = "2026-11-30";
        let answer = caller
            .call(
                &method,
                &path,
                shop_scoped.then_some(cipher.as_str()),
                &[
                    ("page_size", "10"),
                    ("start_date_ge", today),
                    ("end_date_lt", "2026-12-01"),
                ],
                body.as_ref(),
            )
            .await;
        if answer.code() == 0 {
            if let Some(at) = first_null(answer.data(), "data") {
                panic!("{method} {path}: {at} is null in {}", answer.body);
            }
            answered.push(format!("{method} {pattern}"));
        }
    }
    assert!(
        answered.len() >= 25,
        "too few routes answered successfully to prove much: {answered:?}"
    );
}
