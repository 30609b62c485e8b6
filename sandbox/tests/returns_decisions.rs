//! The seller's decisions on returns and cancellations over HTTP: reject reasons per state, decision
//! eligibility, rejections that must name a current reason, deadlines (late decisions refused, SYSTEM
//! deciding when the clock passes them) and a return's records.

mod signed_client;

use serde_json::{Value, json};
use signed_client::{Client, config};
use tiktok_sandbox::routes::returns::{open_cancellation, open_return, set_return_status};
use tiktok_sandbox::state::SandboxEvent;
use tiktok_sandbox::world::{CancelStatus, OrderStatus, ReturnStatus, ReturnType};
use tiktok_sandbox::{SandboxConfig, start};

const INVALID: i64 = 36009004;
const NOT_ALLOWED: i64 = 25001004;
const DEADLINE_PASSED: i64 = 25001005;
const RETURN_NOT_FOUND: i64 = 25001002;
const CANCELLATION_NOT_FOUND: i64 = 25001003;
const CANCEL_NOT_ALLOWED: i64 = 25001001;
const REASONS: &str = "/return_refund/202309/reject_reasons";
const ELIGIBILITY: &str = "/return_refund/202601/decision_eligibility";
const DAY: i64 = 86_400;

fn bigger() -> SandboxConfig {
    SandboxConfig {
        orders: 120,
        ..config()
    }
}

/// Opens `n` returns of `kind` on the shop's delivered or completed orders that have none.
fn open_returns(c: &Client, kind: ReturnType, n: usize) -> Vec<u64> {
    let now = c.state.now();
    let ids: Vec<u64> = c.state.with_world(|w| {
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
            .take(n)
            .collect()
    });
    assert_eq!(ids.len(), n);
    ids
}

/// Buyers ask to cancel `n` orders awaiting shipment.
fn open_cancellations(c: &Client, n: usize) -> Vec<u64> {
    let now = c.state.now();
    let ids: Vec<u64> = c.state.with_world(|w| {
        let orders: Vec<u64> = w
            .orders
            .values()
            .filter(|o| o.shop_id == c.shop_id && o.status == OrderStatus::AwaitingShipment)
            .filter(|o| !w.cancellations.values().any(|x| x.order_id == o.id))
            .map(|o| o.id)
            .collect();
        orders
            .into_iter()
            .filter_map(|o| {
                open_cancellation(
                    w,
                    o,
                    "BUYER",
                    "Buyer changed mind",
                    CancelStatus::RequestPending,
                    now,
                )
            })
            .take(n)
            .collect()
    });
    assert_eq!(ids.len(), n);
    ids
}

fn ship_back(c: &Client, id: u64) {
    let now = c.state.now();
    c.state
        .with_world(|w| set_return_status(w, id, ReturnStatus::BuyerShippedItem, now));
}

async fn reason_names(c: &Client, id: u64) -> Option<Vec<String>> {
    let a = c
        .get(
            REASONS,
            &[
                ("return_or_cancel_id", &id.to_string()),
                ("locale", "en-US"),
            ],
        )
        .await;
    let reasons = a.ok().get("reasons")?.as_array().unwrap().clone();
    assert!(!reasons.is_empty(), "an empty list is left out");
    Some(
        reasons
            .iter()
            .map(|r| {
                assert!(r["text"].as_str().is_some_and(|t| !t.is_empty()), "{r}");
                r["name"].as_str().unwrap().to_string()
            })
            .collect(),
    )
}

async fn eligibility(c: &Client, id: u64, decisions: &[&str]) -> Vec<Value> {
    let id = id.to_string();
    let mut q = vec![("return_or_cancel_id", id.as_str())];
    q.extend(decisions.iter().map(|d| ("check_decisions", *d)));
    let a = c.get(ELIGIBILITY, &q).await;
    a.ok()["decisions"].as_array().unwrap().clone()
}

fn verdict<'a>(all: &'a [Value], decision: &str) -> &'a Value {
    all.iter()
        .find(|v| v["decision"] == decision)
        .unwrap_or_else(|| panic!("{decision} missing from {all:?}"))
}

fn return_path(id: u64, what: &str) -> String {
    let v = if what == "reject" { "202606" } else { "202309" };
    format!("/return_refund/{v}/returns/{id}/{what}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reject_reasons_follow_the_pending_decision() {
    let sandbox = start(bigger()).await.unwrap();
    let c = Client::new(&sandbox);
    let refund = open_returns(&c, ReturnType::Refund, 1)[0];
    let ret = open_returns(&c, ReturnType::ReturnAndRefund, 2);
    let replacement = open_returns(&c, ReturnType::Replacement, 1)[0];
    let cancel = open_cancellations(&c, 1)[0];
    ship_back(&c, ret[1]);

    let mut sets = Vec::new();
    for id in [refund, ret[0], replacement, ret[1], cancel] {
        let names = reason_names(&c, id).await.expect("a decision is pending");
        assert!((3..=5).contains(&names.len()), "{names:?}");
        for n in &names {
            assert!(
                n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{n}"
            );
        }
        sets.push(names);
    }
    assert!(sets[1].contains(&"seller_reject_apply_product_has_been_used".to_string()));
    assert!(sets[3].contains(&"seller_reject_apply_product_not_returned".to_string()));
    assert!(sets[4].contains(&"seller_reject_apply_product_has_been_packed".to_string()));
    for i in 0..sets.len() {
        for j in i + 1..sets.len() {
            assert_ne!(sets[i], sets[j], "each state has its own set");
        }
    }

    // Nothing pending (approved, awaiting the buyer's parcel): the list is left out.
    c.post(
        &return_path(ret[0], "approve"),
        &[],
        json!({"decision": "APPROVE_RETURN"}),
    )
    .await
    .ok();
    assert_eq!(reason_names(&c, ret[0]).await, None);
    let a = c
        .get(REASONS, &[("return_or_cancel_id", &ret[0].to_string())])
        .await;
    assert_eq!(a.ok(), &json!({}));

    // Validation and ownership.
    c.get(REASONS, &[]).await.refused(INVALID);
    c.get(REASONS, &[("return_or_cancel_id", "12x")])
        .await
        .refused(INVALID);
    c.get(REASONS, &[("return_or_cancel_id", "999")])
        .await
        .refused(RETURN_NOT_FOUND);
    let (seller, shops) = sandbox.state().with_world(|w| {
        let s = w.sellers.values().next().unwrap();
        (s.id, s.shop_ids.clone())
    });
    let other = Client::for_shops(&sandbox, seller, shops, 1);
    other
        .get(REASONS, &[("return_or_cancel_id", &refund.to_string())])
        .await
        .refused(RETURN_NOT_FOUND);
    other
        .get(REASONS, &[("return_or_cancel_id", &cancel.to_string())])
        .await
        .refused(CANCELLATION_NOT_FOUND);
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decision_eligibility_follows_the_approve_and_reject_rules() {
    let sandbox = start(bigger()).await.unwrap();
    let c = Client::new(&sandbox);
    let ret = open_returns(&c, ReturnType::ReturnAndRefund, 1)[0];
    let cancels = open_cancellations(&c, 2);

    // None asked: every return decision of the 202601 list, one each.
    let all = eligibility(&c, ret, &[]).await;
    let names: Vec<&str> = all
        .iter()
        .map(|v| v["decision"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 10, "{names:?}");
    for d in ["OFFER_PARTIAL_REFUND", "APPROVE_REQUEST_CANCEL"] {
        assert!(!names.contains(&d));
    }
    let approve = verdict(&all, "APPROVE_RETURN");
    assert_eq!(approve["eligible"], true);
    for f in [
        "ineligible_code",
        "ineligible_reason",
        "available_reject_reasons",
    ] {
        assert!(approve.get(f).is_none(), "{f}: {approve}");
    }
    let reject = verdict(&all, "REJECT_RETURN");
    assert_eq!(reject["eligible"], true);
    let offered: Vec<&str> = reject["available_reject_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        Some(offered.iter().map(|s| s.to_string()).collect()),
        reason_names(&c, ret).await
    );
    let refund = verdict(&all, "APPROVE_REFUND");
    assert_eq!(refund["eligible"], false);
    assert_eq!(refund["ineligible_code"], NOT_ALLOWED);
    assert!(
        refund["ineligible_reason"]
            .as_str()
            .unwrap()
            .contains("RETURN_AND_REFUND")
    );
    assert!(refund.get("available_reject_reasons").is_none());
    assert_eq!(verdict(&all, "REJECT_RECEIVED_PACKAGE")["eligible"], false);
    assert_eq!(verdict(&all, "DIRECT_REFUND")["eligible"], false);

    // Asked as repeated keys or comma-joined: the same answer, in the order asked, once each.
    let repeated = eligibility(
        &c,
        ret,
        &["REJECT_RETURN", "APPROVE_REFUND", "REJECT_RETURN"],
    )
    .await;
    let joined = eligibility(&c, ret, &["REJECT_RETURN,APPROVE_REFUND"]).await;
    assert_eq!(repeated, joined);
    assert_eq!(repeated.len(), 2);
    assert_eq!(repeated[0]["decision"], "REJECT_RETURN");
    // A cancellation's decision on a return is not eligible; unknown values are refused.
    let v = eligibility(&c, ret, &["APPROVE_REQUEST_CANCEL"]).await;
    assert_eq!(v[0]["eligible"], false);
    for bad in ["MAYBE", "OFFER_PARTIAL_REFUND"] {
        c.get(
            ELIGIBILITY,
            &[
                ("return_or_cancel_id", &ret.to_string()),
                ("check_decisions", bad),
            ],
        )
        .await
        .refused(INVALID);
    }
    c.get(ELIGIBILITY, &[]).await.refused(INVALID);
    c.get(ELIGIBILITY, &[("return_or_cancel_id", "999")])
        .await
        .refused(RETURN_NOT_FOUND);

    // After approving, approving again is what the approve call refuses too.
    c.post(
        &return_path(ret, "approve"),
        &[],
        json!({"decision": "APPROVE_RETURN"}),
    )
    .await
    .ok();
    let v = eligibility(&c, ret, &["APPROVE_RETURN", "REJECT_RETURN"]).await;
    for x in &v {
        assert_eq!(x["eligible"], false, "{x}");
        assert_eq!(x["ineligible_code"], NOT_ALLOWED);
    }
    // Once the buyer shipped: the package decisions.
    ship_back(&c, ret);
    let v = eligibility(
        &c,
        ret,
        &["APPROVE_RECEIVED_PACKAGE", "REJECT_RECEIVED_PACKAGE"],
    )
    .await;
    assert_eq!(v[0]["eligible"], true);
    assert!(
        v[1]["available_reject_reasons"]
            .as_array()
            .is_some_and(|r| r.len() >= 3)
    );

    // Cancellations: both decisions by default; a shipped order can only be refused.
    let all = eligibility(&c, cancels[0], &[]).await;
    assert_eq!(all.len(), 2);
    assert_eq!(verdict(&all, "APPROVE_REQUEST_CANCEL")["eligible"], true);
    assert_eq!(verdict(&all, "REJECT_REQUEST_CANCEL")["eligible"], true);
    let v = eligibility(&c, cancels[0], &["APPROVE_RETURN"]).await;
    assert_eq!(v[0]["eligible"], false);
    let now = c.state.now();
    let order = c.state.with_world(|w| {
        let o = w.cancellations[&cancels[1]].order_id;
        w.set_order_status(o, OrderStatus::AwaitingCollection, now);
        o
    });
    assert!(order > 0);
    let all = eligibility(&c, cancels[1], &[]).await;
    let approve = verdict(&all, "APPROVE_REQUEST_CANCEL");
    assert_eq!(approve["eligible"], false);
    assert_eq!(approve["ineligible_code"], CANCEL_NOT_ALLOWED);
    assert_eq!(verdict(&all, "REJECT_REQUEST_CANCEL")["eligible"], true);
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_must_name_a_current_reason() {
    let sandbox = start(bigger()).await.unwrap();
    let c = Client::new(&sandbox);
    let ret = open_returns(&c, ReturnType::ReturnAndRefund, 1)[0];
    let cancel = open_cancellations(&c, 1)[0];
    let cancel_reject = format!("/return_refund/202309/cancellations/{cancel}/reject");

    // Another state's reason, an invented one: refused, naming the field; nothing changes.
    for reason in [
        "seller_reject_apply_product_not_returned",
        "seller_reject_apply_product_has_been_packed",
        "wrong_size",
    ] {
        for path in [
            return_path(ret, "reject"),
            format!("/return_refund/202309/returns/{ret}/reject"),
        ] {
            let a = c
                .post(
                    &path,
                    &[],
                    json!({"decision": "REJECT_RETURN", "reject_reason": reason}),
                )
                .await;
            a.refused(INVALID);
            let msg = a.body["message"].as_str().unwrap();
            assert!(
                msg.contains("reject_reason") && msg.contains("reject_reasons"),
                "{msg}"
            );
        }
    }
    let a = c
        .post(
            &cancel_reject,
            &[],
            json!({"reject_reason": "seller_reject_apply_product_has_been_used"}),
        )
        .await;
    a.refused(INVALID);
    let (rs, cs) = c.state.with_world(|w| {
        (
            (w.returns[&ret].status, w.returns[&ret].records.len()),
            w.cancellations[&cancel].status,
        )
    });
    assert_eq!(rs, (ReturnStatus::RequestPending, 1));
    assert_eq!(cs, CancelStatus::RequestPending);

    // A fetched name works.
    let names = reason_names(&c, ret).await.unwrap();
    c.post(
        &return_path(ret, "reject"),
        &[],
        json!({"decision": "REJECT_RETURN", "reject_reason": names[1], "comment": "Tags removed"}),
    )
    .await
    .ok();
    let names = reason_names(&c, cancel).await.unwrap();
    c.post(&cancel_reject, &[], json!({"reject_reason": names[0]}))
        .await
        .ok();
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_answers_leave_absent_fields_out() {
    let sandbox = start(bigger()).await.unwrap();
    let c = Client::new(&sandbox);
    let refund = open_returns(&c, ReturnType::Refund, 1)[0];
    let ret = open_returns(&c, ReturnType::ReturnAndRefund, 1)[0];
    let cancel = open_cancellations(&c, 1)[0];
    let find = |id: u64| {
        let c = &c;
        async move {
            let a = c
                .post(
                    "/return_refund/202602/returns/search",
                    &[("page_size", "10")],
                    json!({"return_ids": [id.to_string()]}),
                )
                .await;
            a.ok()["return_orders"][0].clone()
        }
    };
    let r = find(refund).await;
    for f in [
        "arbitration_status",
        "shipment_type",
        "handover_method",
        "return_method",
        "return_tracking_number",
        "return_provider_id",
        "return_provider_name",
    ] {
        assert!(r.get(f).is_none(), "{f}: {r}");
    }
    let next = &r["seller_next_action_response"][0];
    assert_eq!(next["action"], "SELLER_RESPOND_REFUND");
    assert_eq!(
        next["deadline"],
        r["update_time"].as_i64().unwrap() + 2 * DAY
    );

    let r = find(ret).await;
    assert_eq!(r["shipment_type"], "PLATFORM");
    assert!(r.get("return_tracking_number").is_none());
    ship_back(&c, ret);
    let r = find(ret).await;
    assert!(r["return_tracking_number"].is_string());
    assert!(
        r["return_provider_id"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert!(
        r["return_provider_name"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert_eq!(
        r["seller_next_action_response"][0]["action"],
        "SELLER_RESPOND_RECEIVE_PACKAGE"
    );

    let a = c
        .post(
            "/return_refund/202602/cancellations/search",
            &[("page_size", "10")],
            json!({"cancel_ids": [cancel.to_string()]}),
        )
        .await;
    let x = &a.ok()["cancellations"][0];
    let next = &x["seller_next_action_response"][0];
    assert_eq!(next["action"], "SELLER_RESPOND_BUYER_CANCEL");
    assert_eq!(
        next["deadline"],
        x["create_time"].as_i64().unwrap() + 2 * DAY
    );
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_deadline_system_decides_and_the_seller_is_too_late() {
    let sandbox = start(bigger()).await.unwrap();
    let c = Client::new(&sandbox);
    let state = sandbox.state();
    let refund = open_returns(&c, ReturnType::Refund, 1)[0];
    let rets = open_returns(&c, ReturnType::ReturnAndRefund, 3);
    let replacement = open_returns(&c, ReturnType::Replacement, 1)[0];
    let cancels = open_cancellations(&c, 2);
    ship_back(&c, rets[1]);
    // One answered in time stays as the seller left it.
    let names = reason_names(&c, rets[2]).await.unwrap();
    c.post(
        &return_path(rets[2], "reject"),
        &[],
        json!({"decision": "REJECT_RETURN", "reject_reason": names[0]}),
    )
    .await
    .ok();
    // The second cancellation's order ships meanwhile.
    let now = c.state.now();
    c.state.with_world(|w| {
        let o = w.cancellations[&cancels[1]].order_id;
        w.set_order_status(o, OrderStatus::AwaitingCollection, now);
    });
    let (sku_stock, skus, units) = c.state.with_world(|w| {
        let r = &w.returns[&rets[1]];
        let mut skus: Vec<u64> = w.orders[&r.order_id]
            .line_items
            .iter()
            .filter(|l| r.line_item_ids.contains(&l.id))
            .map(|l| l.sku_id)
            .collect();
        let units = skus.len() as i64;
        skus.sort_unstable();
        skus.dedup();
        let total: i64 = skus
            .iter()
            .map(|s| {
                let (p, i) = w.find_sku(*s).unwrap();
                p.skus[i].total_stock()
            })
            .sum();
        (total, skus, units)
    });

    // Just before the deadline nothing happens.
    let mut events = state.subscribe_events();
    state.advance_clock(2 * DAY - 120);
    let status = |id: u64| c.state.with_world(|w| w.returns[&id].status);
    assert_eq!(status(refund), ReturnStatus::RequestPending);
    // Past it, SYSTEM approves as the seller would have.
    state.advance_clock(240);
    assert_eq!(status(refund), ReturnStatus::RequestSuccess);
    assert_eq!(status(rets[0]), ReturnStatus::AwaitingBuyerShip);
    assert_eq!(status(rets[1]), ReturnStatus::RequestSuccess);
    assert_eq!(status(rets[2]), ReturnStatus::RequestReject);
    assert_eq!(status(replacement), ReturnStatus::AwaitingBuyerShip);
    let (c0, c1, order0) = c.state.with_world(|w| {
        let c0 = &w.cancellations[&cancels[0]];
        (
            c0.status,
            w.cancellations[&cancels[1]].status,
            w.orders[&c0.order_id].status,
        )
    });
    assert_eq!(c0, CancelStatus::RequestComplete);
    assert_eq!(order0, OrderStatus::Cancelled);
    // The order shipped: the buyer's request is closed, not granted.
    assert_eq!(c1, CancelStatus::RequestReject);
    // The accepted package is back in stock.
    let after: i64 = c.state.with_world(|w| {
        skus.iter()
            .map(|s| {
                let (p, i) = w.find_sku(*s).unwrap();
                p.skus[i].total_stock()
            })
            .sum()
    });
    assert_eq!(after, sku_stock + units);

    // Each decision went out as its webhook event.
    let mut changes = Vec::new();
    while let Ok(e) = events.try_recv() {
        match e {
            SandboxEvent::ReturnStatusChange {
                return_id,
                return_status,
                ..
            } => changes.push((return_id, return_status)),
            SandboxEvent::CancellationStatusChange {
                cancel_id,
                cancel_status,
                ..
            } => changes.push((cancel_id, cancel_status)),
            _ => {}
        }
    }
    for (id, st) in [
        (refund, "RETURN_OR_REFUND_REQUEST_SUCCESS"),
        (rets[0], "AWAITING_BUYER_SHIP"),
        (rets[1], "RETURN_OR_REFUND_REQUEST_SUCCESS"),
        (replacement, "AWAITING_BUYER_SHIP"),
        (cancels[0], "CANCELLATION_REQUEST_COMPLETE"),
        (cancels[1], "CANCELLATION_REQUEST_REJECT"),
    ] {
        assert!(
            changes.contains(&(id, st.to_string())),
            "{id} {st}: {changes:?}"
        );
    }
    assert!(!changes.iter().any(|(id, _)| *id == rets[2]));

    // The seller's late answer is refused as late; nothing changes.
    for (path, body) in [
        (
            return_path(refund, "approve"),
            json!({"decision": "APPROVE_REFUND"}),
        ),
        (
            return_path(rets[0], "reject"),
            json!({"decision": "REJECT_RETURN", "reject_reason": "seller_reject_apply_product_has_been_used"}),
        ),
        (
            return_path(rets[1], "approve"),
            json!({"decision": "APPROVE_RECEIVED_PACKAGE"}),
        ),
        (
            format!("/return_refund/202309/cancellations/{}/approve", cancels[0]),
            json!({}),
        ),
        (
            format!("/return_refund/202309/cancellations/{}/reject", cancels[1]),
            json!({"reject_reason": "seller_reject_apply_product_has_been_shipped"}),
        ),
    ] {
        let a = c.post(&path, &[], body).await;
        a.refused(DEADLINE_PASSED);
        assert_eq!(a.body["message"], "The deadline to respond has passed.");
    }
    // A decision that never fitted is still the status refusal.
    c.post(
        &return_path(rets[0], "approve"),
        &[],
        json!({"decision": "APPROVE_REFUND"}),
    )
    .await
    .refused(NOT_ALLOWED);
    let v = eligibility(&c, refund, &["APPROVE_REFUND"]).await;
    assert_eq!(v[0]["ineligible_code"], DEADLINE_PASSED);
    assert_eq!(status(rets[0]), ReturnStatus::AwaitingBuyerShip);

    // The next decision has its own deadline, from the change that asked for it.
    ship_back(&c, rets[0]);
    c.post(
        &return_path(rets[0], "approve"),
        &[],
        json!({"decision": "APPROVE_RECEIVED_PACKAGE"}),
    )
    .await
    .ok();
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_return_records_every_change_oldest_first() {
    let sandbox = start(bigger()).await.unwrap();
    let c = Client::new(&sandbox);
    let rets = open_returns(&c, ReturnType::ReturnAndRefund, 3);
    let records = |id: u64| {
        let c = &c;
        async move {
            let a = c
                .get(
                    &format!("/return_refund/202309/returns/{id}/records"),
                    &[("locale", "en-US")],
                )
                .await;
            a.ok()["records"].as_array().unwrap().clone()
        }
    };
    let events = |rs: &[Value]| -> Vec<(String, String)> {
        rs.iter()
            .map(|r| {
                assert!(r["description"].as_str().is_some_and(|d| !d.is_empty()));
                assert!(r["create_time"].is_i64());
                for f in ["images", "videos"] {
                    assert!(r.get(f).is_none());
                }
                (
                    r["event"].as_str().unwrap().to_string(),
                    r["role"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };

    // Opened by the buyer, with the reason.
    let rs = records(rets[0]).await;
    assert_eq!(events(&rs), [("REQUEST_SUBMITTED".into(), "BUYER".into())]);
    assert_eq!(rs[0]["reason_text"], "Wrong size");
    assert!(rs[0].get("note").is_none());

    // The whole way: approved, shipped back, received, refunded.
    c.post(
        &return_path(rets[0], "approve"),
        &[],
        json!({"decision": "APPROVE_RETURN"}),
    )
    .await
    .ok();
    ship_back(&c, rets[0]);
    c.post(
        &return_path(rets[0], "approve"),
        &[],
        json!({"decision": "APPROVE_RECEIVED_PACKAGE"}),
    )
    .await
    .ok();
    let now = c.state.now();
    c.state
        .with_world(|w| set_return_status(w, rets[0], ReturnStatus::RequestComplete, now));
    let rs = records(rets[0]).await;
    let want: Vec<(String, String)> = [
        ("REQUEST_SUBMITTED", "BUYER"),
        ("REQUEST_APPROVED", "SELLER"),
        ("BUYER_SHIPPED_ITEM", "BUYER"),
        ("PACKAGE_RECEIVED", "SELLER"),
        ("REFUND_COMPLETED", "SYSTEM"),
    ]
    .iter()
    .map(|(e, r)| (e.to_string(), r.to_string()))
    .collect();
    assert_eq!(events(&rs), want);
    let times: Vec<i64> = rs
        .iter()
        .map(|r| r["create_time"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|p| p[0] <= p[1]), "{times:?}");

    // A rejection carries its reason's text and the seller's comment.
    let name = "seller_reject_apply_product_has_been_used";
    let text = c
        .get(REASONS, &[("return_or_cancel_id", &rets[1].to_string())])
        .await
        .ok()["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap()["text"]
        .clone();
    c.post(
        &return_path(rets[1], "reject"),
        &[],
        json!({"decision": "REJECT_RETURN", "reject_reason": name, "comment": "Worn twice"}),
    )
    .await
    .ok();
    let rs = records(rets[1]).await;
    let last = rs.last().unwrap();
    assert_eq!(last["event"], "REQUEST_REJECTED");
    assert_eq!(last["role"], "SELLER");
    assert_eq!(last["reason_text"], text);
    assert_eq!(last["note"], "Worn twice");

    // SYSTEM's decision at the deadline.
    sandbox.state().advance_clock(2 * DAY + 60);
    let rs = records(rets[2]).await;
    let last = rs.last().unwrap();
    assert_eq!(last["event"], "REQUEST_APPROVED");
    assert_eq!(last["role"], "SYSTEM");

    // Generated returns come with their history too.
    let generated: Vec<u64> = c.state.with_world(|w| {
        w.returns
            .values()
            .filter(|r| r.shop_id == c.shop_id && !rets.contains(&r.id))
            .map(|r| r.id)
            .collect()
    });
    for id in generated {
        let rs = records(id).await;
        assert_eq!(rs[0]["event"], "REQUEST_SUBMITTED");
    }

    c.get("/return_refund/202309/returns/999/records", &[])
        .await
        .refused(RETURN_NOT_FOUND);
    sandbox.stop().await;
}
