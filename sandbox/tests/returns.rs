//! Returns and cancellations over HTTP: search (both versions) with validation, filters and paging;
//! approve and reject with the state rules; the stock and webhooks that go with them.

mod signed_client;

use std::collections::BTreeSet;

use serde_json::{Value, json};
use signed_client::{Client, Receiver, config};
use tiktok_sandbox::routes::returns::{open_cancellation, open_return, set_return_status};
use tiktok_sandbox::world::{CancelStatus, OrderStatus, ReturnStatus, ReturnType};
use tiktok_sandbox::{SandboxConfig, start};

const INVALID: i64 = 36009004;
const NOT_ALLOWED: i64 = 25001004;
const RETURN_NOT_FOUND: i64 = 25001002;
const CANCELLATION_NOT_FOUND: i64 = 25001003;
const CANCEL_NOT_ALLOWED: i64 = 25001001;
const SEARCH: &str = "/return_refund/202309/returns/search";
const CSEARCH: &str = "/return_refund/202309/cancellations/search";

fn bigger() -> SandboxConfig {
    SandboxConfig {
        orders: 120,
        ..config()
    }
}

/// Opens a return on every delivered or completed order of the shop that has none; returns their ids.
fn open_returns(c: &Client, kind: ReturnType) -> Vec<u64> {
    let now = c.state.now();
    c.state.with_world(|w| {
        let orders: Vec<u64> = w
            .orders
            .values()
            .filter(|o| o.shop_id == c.shop_id)
            .filter(|o| matches!(o.status, OrderStatus::Delivered | OrderStatus::Completed))
            .map(|o| o.id)
            .collect();
        orders
            .into_iter()
            .filter_map(|o| open_return(w, o, kind, "Wrong size", now))
            .collect()
    })
}

fn stock_of(c: &Client, sku: u64) -> i64 {
    c.state.with_world(|w| {
        let (p, i) = w.find_sku(sku).unwrap();
        p.skus[i].total_stock()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn return_search_validates_filters_and_pages() {
    let sandbox = start(bigger()).await.unwrap();
    let c = Client::new(&sandbox);
    let opened = open_returns(&c, ReturnType::ReturnAndRefund);
    assert!(opened.len() > 12, "{}", opened.len());

    for q in [
        vec![],
        vec![("page_size", "5")],
        vec![("page_size", "51")],
        vec![("page_size", "x")],
    ] {
        c.post(SEARCH, &q, json!({})).await.refused(INVALID);
    }
    for (q, body) in [
        (
            vec![("page_size", "10")],
            json!({"return_status": ["NOPE"]}),
        ),
        (
            vec![("page_size", "10")],
            json!({"return_types": ["EXCHANGE"]}),
        ),
        (vec![("page_size", "10")], json!({"order_ids": ["12x"]})),
        (
            vec![("page_size", "10")],
            json!({"create_time_ge": "yesterday"}),
        ),
        (
            vec![("page_size", "10"), ("sort_field", "price")],
            json!({}),
        ),
        (vec![("page_size", "10"), ("sort_order", "UP")], json!({})),
        (
            vec![("page_size", "10"), ("page_token", "garbage")],
            json!({}),
        ),
    ] {
        c.post(SEARCH, &q, body.clone()).await.refused(INVALID);
    }

    // Every return of the shop, once, over pages of 10, on both versions.
    for path in [SEARCH, "/return_refund/202602/returns/search"] {
        let mut seen = Vec::new();
        let mut token = String::new();
        let mut total;
        loop {
            let mut q = vec![
                ("page_size", "10"),
                ("sort_field", "create_time"),
                ("sort_order", "ASC"),
            ];
            if !token.is_empty() {
                q.push(("page_token", token.as_str()));
            }
            let a = c.post(path, &q, json!({})).await;
            let d = a.ok().clone();
            total = d["total_count"].as_u64().unwrap();
            let page = d["return_orders"].as_array().unwrap();
            assert!(page.len() <= 10);
            seen.extend(
                page.iter()
                    .map(|r| r["return_id"].as_str().unwrap().to_string()),
            );
            token = d["next_page_token"].as_str().unwrap().to_string();
            if token.is_empty() {
                break;
            }
        }
        let unique: BTreeSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "no duplicates");
        assert_eq!(seen.len() as u64, total);
        for id in &opened {
            assert!(unique.contains(&id.to_string()));
        }
    }

    // The real shape.
    let a = c
        .post(
            SEARCH,
            &[("page_size", "10")],
            json!({"return_ids": [opened[0].to_string()]}),
        )
        .await;
    let r = &a.ok()["return_orders"][0];
    assert_eq!(r["return_id"], opened[0].to_string());
    assert_eq!(r["return_type"], "RETURN_AND_REFUND");
    assert_eq!(r["return_status"], "RETURN_OR_REFUND_REQUEST_PENDING");
    assert_eq!(r["role"], "BUYER");
    assert!(r["order_id"].is_string());
    let refund = &r["refund_amount"];
    assert!(refund["currency"].is_string() && refund["refund_total"].is_string());
    let lines = r["return_line_items"].as_array().unwrap();
    assert!(!lines.is_empty());
    for l in lines {
        for f in [
            "return_line_item_id",
            "order_line_item_id",
            "sku_id",
            "product_name",
            "seller_sku",
        ] {
            assert!(l[f].is_string(), "{f}: {l}");
        }
    }
    assert_eq!(
        r["seller_next_action_response"][0]["action"],
        "SELLER_RESPOND_RETURN"
    );
    assert!(r["create_time"].is_i64() && r["update_time"].is_i64());

    // Filters.
    let pending = c
        .post(
            SEARCH,
            &[("page_size", "50")],
            json!({"return_status": ["RETURN_OR_REFUND_REQUEST_PENDING"], "return_types": ["RETURN_AND_REFUND"]}),
        )
        .await;
    for r in pending.ok()["return_orders"].as_array().unwrap() {
        assert_eq!(r["return_status"], "RETURN_OR_REFUND_REQUEST_PENDING");
        assert_eq!(r["return_type"], "RETURN_AND_REFUND");
    }
    let future = c.state.now() + 3600;
    let none = c
        .post(
            SEARCH,
            &[("page_size", "10")],
            json!({"create_time_ge": future}),
        )
        .await;
    assert_eq!(none.ok()["total_count"], 0);
    assert_eq!(none.ok()["return_orders"], json!([]));
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn returns_follow_the_state_rules_and_announce_each_change() {
    let sandbox = start(bigger()).await.unwrap();
    let c = Client::new(&sandbox);
    let rx = Receiver::start(200).await;
    c.call(
        "PUT",
        "/event/202309/webhooks",
        &[],
        Some(&json!({"address": rx.url, "event_type": "RETURN_STATUS_CHANGE"})),
    )
    .await
    .ok();
    let returns = open_returns(&c, ReturnType::ReturnAndRefund);
    let (a, b) = (returns[0], returns[1]);
    let approve = |id: u64| format!("/return_refund/202309/returns/{id}/approve");
    let reject = |v: &str, id: u64| format!("/return_refund/{v}/returns/{id}/reject");

    // Validation.
    c.post(&approve(a), &[], json!({})).await.refused(INVALID);
    c.post(&approve(a), &[], json!({"decision": "MAYBE"}))
        .await
        .refused(INVALID);
    c.post(
        "/return_refund/202309/returns/abc/approve",
        &[],
        json!({"decision": "APPROVE_RETURN"}),
    )
    .await
    .refused(INVALID);
    c.post(&approve(999), &[], json!({"decision": "APPROVE_RETURN"}))
        .await
        .refused(RETURN_NOT_FOUND);
    // A refund decision does not fit a return-and-refund request.
    c.post(&approve(a), &[], json!({"decision": "APPROVE_REFUND"}))
        .await
        .refused(NOT_ALLOWED);

    // Approve once; twice is refused.
    c.post(&approve(a), &[], json!({"decision": "APPROVE_RETURN"}))
        .await
        .ok();
    c.post(&approve(a), &[], json!({"decision": "APPROVE_RETURN"}))
        .await
        .refused(NOT_ALLOWED);
    let status = |id: u64| c.state.with_world(|w| w.returns[&id].status);
    assert_eq!(status(a), ReturnStatus::AwaitingBuyerShip);
    // Receiving the package is not possible before the buyer ships it.
    c.post(
        &approve(a),
        &[],
        json!({"decision": "APPROVE_RECEIVED_PACKAGE"}),
    )
    .await
    .refused(NOT_ALLOWED);

    // The buyer ships; accepting the package puts the units back in stock.
    let now = c.state.now();
    c.state
        .with_world(|w| set_return_status(w, a, ReturnStatus::BuyerShippedItem, now));
    let skus: Vec<u64> = c.state.with_world(|w| {
        let r = &w.returns[&a];
        w.orders[&r.order_id]
            .line_items
            .iter()
            .filter(|l| r.line_item_ids.contains(&l.id))
            .map(|l| l.sku_id)
            .collect()
    });
    let before: Vec<i64> = skus.iter().map(|s| stock_of(&c, *s)).collect();
    c.post(
        &approve(a),
        &[],
        json!({"decision": "APPROVE_RECEIVED_PACKAGE"}),
    )
    .await
    .ok();
    assert_eq!(status(a), ReturnStatus::RequestSuccess);
    let mut expected = before.clone();
    for (i, s) in skus.iter().enumerate() {
        // Several units of one SKU each come back.
        let n = skus.iter().filter(|x| *x == s).count() as i64;
        expected[i] = before[i] + n;
    }
    let after: Vec<i64> = skus.iter().map(|s| stock_of(&c, *s)).collect();
    assert_eq!(after, expected);

    // Reject needs a reason; the newest version works the same.
    c.post(
        &reject("202309", b),
        &[],
        json!({"decision": "REJECT_RETURN"}),
    )
    .await
    .refused(INVALID);
    c.post(&reject("202606", b), &[], json!({"decision": "REJECT_REFUND", "reject_reason": "seller_reject_apply_product_has_been_used"}))
        .await
        .refused(NOT_ALLOWED);
    c.post(
        &reject("202606", b),
        &[],
        json!({"decision": "REJECT_RETURN", "reject_reason": "seller_reject_apply_product_has_been_used", "comment": "Worn"}),
    )
    .await
    .ok();
    assert_eq!(status(b), ReturnStatus::RequestReject);
    c.post(
        &reject("202309", b),
        &[],
        json!({"decision": "REJECT_RETURN", "reject_reason": "x"}),
    )
    .await
    .refused(NOT_ALLOWED);
    c.post(&approve(b), &[], json!({"decision": "APPROVE_RETURN"}))
        .await
        .refused(NOT_ALLOWED);

    // Every change went out as RETURN_STATUS_CHANGE (type 12): opened ×n, approved, shipped,
    // received, rejected.
    c.control("POST", "/_sandbox/webhooks/flush", None).await;
    let hooks = rx.wait_for(returns.len() + 4).await;
    let about_a: Vec<&Value> = hooks
        .iter()
        .filter(|h| h.body["data"]["return_id"].as_str() == Some(a.to_string().as_str()))
        .map(|h| &h.body)
        .collect();
    let statuses: Vec<&str> = about_a
        .iter()
        .map(|b| b["data"]["return_status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "RETURN_OR_REFUND_REQUEST_PENDING",
            "AWAITING_BUYER_SHIP",
            "BUYER_SHIPPED_ITEM",
            "RETURN_OR_REFUND_REQUEST_SUCCESS"
        ]
    );
    let d = &about_a[1]["data"];
    assert_eq!(about_a[1]["type"], 12);
    assert_eq!(d["return_role"], "BUYER");
    assert_eq!(d["return_type"], "RETURN_AND_REFUND");
    assert!(d["order_id"].is_string() && d["create_time"].is_i64() && d["update_time"].is_i64());
    assert!(hooks.iter().any(|h| h.body["data"]["return_id"].as_str()
        == Some(b.to_string().as_str())
        && h.body["data"]["return_status"] == "REFUND_OR_RETURN_REQUEST_REJECT"));

    // Another shop's return is not found from this shop.
    let (seller, shops) = sandbox.state().with_world(|w| {
        let s = w.sellers.values().next().unwrap();
        (s.id, s.shop_ids.clone())
    });
    let other = Client::for_shops(&sandbox, seller, shops, 1);
    other
        .post(&approve(b), &[], json!({"decision": "APPROVE_RETURN"}))
        .await
        .refused(RETURN_NOT_FOUND);
    rx.stop().await;
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refund_only_requests_are_approved_with_approve_refund() {
    let sandbox = start(bigger()).await.unwrap();
    let c = Client::new(&sandbox);
    let ids = open_returns(&c, ReturnType::Refund);
    let path = format!("/return_refund/202309/returns/{}/approve", ids[0]);
    c.post(&path, &[], json!({"decision": "APPROVE_RETURN"}))
        .await
        .refused(NOT_ALLOWED);
    c.post(&path, &[], json!({"decision": "APPROVE_REFUND"}))
        .await
        .ok();
    let st = c.state.with_world(|w| w.returns[&ids[0]].status);
    assert_eq!(st, ReturnStatus::RequestSuccess);
    sandbox.stop().await;
}

fn awaiting_shipment_orders(c: &Client) -> Vec<u64> {
    c.state.with_world(|w| {
        w.orders
            .values()
            .filter(|o| o.shop_id == c.shop_id && o.status == OrderStatus::AwaitingShipment)
            .filter(|o| !w.cancellations.values().any(|x| x.order_id == o.id))
            .map(|o| o.id)
            .collect()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellations_search_approve_and_reject() {
    let sandbox = start(bigger()).await.unwrap();
    let c = Client::new(&sandbox);
    let orders = awaiting_shipment_orders(&c);
    assert!(orders.len() >= 3, "{}", orders.len());
    let now = c.state.now();
    let ids: Vec<u64> = c.state.with_world(|w| {
        orders[..3]
            .iter()
            .map(|o| {
                open_cancellation(
                    w,
                    *o,
                    "BUYER",
                    "Buyer changed mind",
                    CancelStatus::RequestPending,
                    now,
                )
                .unwrap()
            })
            .collect()
    });

    // Search, both versions, with validation.
    for q in [vec![("page_size", "0")], vec![("page_size", "51")], vec![]] {
        c.post(CSEARCH, &q, json!({})).await.refused(INVALID);
    }
    c.post(
        CSEARCH,
        &[("page_size", "10")],
        json!({"cancel_status": ["WHATEVER"]}),
    )
    .await
    .refused(INVALID);
    for path in [CSEARCH, "/return_refund/202602/cancellations/search"] {
        let a = c
            .post(
                path,
                &[("page_size", "50")],
                json!({"cancel_status": ["CANCELLATION_REQUEST_PENDING"]}),
            )
            .await;
        let found: BTreeSet<String> = a.ok()["cancellations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                assert_eq!(x["cancel_status"], "CANCELLATION_REQUEST_PENDING");
                assert!(
                    x["cancel_line_items"]
                        .as_array()
                        .is_some_and(|l| !l.is_empty())
                );
                assert!(x["refund_amount"]["refund_total"].is_string());
                x["cancel_id"].as_str().unwrap().to_string()
            })
            .collect();
        for id in &ids {
            assert!(found.contains(&id.to_string()));
        }
    }

    let approve = |id: u64| format!("/return_refund/202309/cancellations/{id}/approve");
    let reject = |id: u64| format!("/return_refund/202309/cancellations/{id}/reject");
    c.post(&approve(1), &[], json!({}))
        .await
        .refused(CANCELLATION_NOT_FOUND);

    // Approve: the order is cancelled and its units go back to stock.
    let (order0, skus) = c.state.with_world(|w| {
        let o = &w.orders[&orders[0]];
        (
            o.id,
            o.line_items.iter().map(|l| l.sku_id).collect::<Vec<_>>(),
        )
    });
    let total = |c: &Client| -> i64 {
        skus.iter()
            .collect::<BTreeSet<_>>()
            .iter()
            .map(|s| stock_of(c, **s))
            .sum()
    };
    let before = total(&c);
    c.post(&approve(ids[0]), &[], json!({})).await.ok();
    c.post(&approve(ids[0]), &[], json!({}))
        .await
        .refused(NOT_ALLOWED);
    let (st, cst) = c
        .state
        .with_world(|w| (w.orders[&order0].status, w.cancellations[&ids[0]].status));
    assert_eq!(st, OrderStatus::Cancelled);
    assert_eq!(cst, CancelStatus::RequestComplete);
    assert_eq!(total(&c), before + skus.len() as i64);

    // Reject: needs a reason; the order carries on.
    c.post(&reject(ids[1]), &[], json!({}))
        .await
        .refused(INVALID);
    // A reason that is not one of the request's current reasons is refused; nothing changes.
    c.post(
        &reject(ids[1]),
        &[],
        json!({"reject_reason": "seller_reject_cancel_already_shipped"}),
    )
    .await
    .refused(INVALID);
    c.post(
        &reject(ids[1]),
        &[],
        json!({"reject_reason": "seller_reject_apply_product_has_been_packed"}),
    )
    .await
    .ok();
    c.post(&reject(ids[1]), &[], json!({"reject_reason": "again"}))
        .await
        .refused(NOT_ALLOWED);
    let st = c.state.with_world(|w| w.orders[&orders[1]].status);
    assert_eq!(st, OrderStatus::AwaitingShipment);

    // A shipped order can no longer be cancelled.
    let now = c.state.now();
    c.state
        .with_world(|w| w.set_order_status(orders[2], OrderStatus::AwaitingCollection, now));
    c.post(&approve(ids[2]), &[], json!({}))
        .await
        .refused(CANCEL_NOT_ALLOWED);
    sandbox.stop().await;
}
