//! The inventory books over real HTTP: placing an order (UNPAID included) moves units available →
//! committed in the warehouse they were taken from, cancelling before shipping moves them back,
//! shipping takes them out of committed exactly once; inventory search answers from the books,
//! inventory update and edits set available only; a generated (and living) world keeps consistent
//! books. Also: the token host honours `drop_rate`.

mod common;

use std::collections::HashMap;

use common::*;
use serde_json::{Value, json};
use tiktok_sandbox::state::SandboxState;
use tiktok_sandbox::world::{OrderStatus, PackageStatus};
use tiktok_sandbox::{RunningSandbox, SandboxConfig, living, start};

/// The default seller's first shop, as a signed caller sees it.
struct Shop {
    c: Caller,
    cipher: String,
    id: u64,
    /// Its sales warehouses, the default first.
    warehouses: Vec<u64>,
}

async fn shop(sb: &RunningSandbox) -> Shop {
    let (c, shops) = connected(sb).await;
    let id: u64 = shops[0]["id"].as_str().unwrap().parse().unwrap();
    let warehouses = sb.state().with_world(|w| {
        w.shops[&id]
            .warehouse_ids
            .iter()
            .copied()
            .filter(|x| w.warehouses[x].kind == tiktok_sandbox::world::WarehouseType::Sales)
            .collect()
    });
    Shop {
        cipher: cipher(&shops[0]),
        c,
        id,
        warehouses,
    }
}

/// A control-plane call; answers (HTTP status, body).
async fn control(sb: &RunningSandbox, method: &str, path: &str, body: Value) -> (u16, Value) {
    let r = http()
        .request(method.parse().unwrap(), format!("{}{path}", sb.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

/// A one-SKU product with `quantity` available in the shop's default warehouse: (product id, SKU id).
async fn product(sb: &RunningSandbox, s: &Shop, quantity: i64) -> (String, u64) {
    let (status, p) = control(
        sb,
        "POST",
        &format!("/_sandbox/shops/{}/products", s.id),
        json!({"quantity": quantity}),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    let sku = p["skus"][0]["id"].as_str().unwrap().parse().unwrap();
    (p["id"].as_str().unwrap().to_string(), sku)
}

/// Places one order of these units (one SKU id per unit), walked to `status`.
async fn place(sb: &RunningSandbox, s: &Shop, units: &[u64], status: &str) -> Value {
    let skus: Vec<String> = units.iter().map(|u| u.to_string()).collect();
    let (code, body) = control(
        sb,
        "POST",
        &format!("/_sandbox/shops/{}/orders", s.id),
        json!({"sku_ids": skus, "status": status}),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let o = body["orders"][0].clone();
    assert_eq!(o["status"], status);
    o
}

async fn seller_cancel(s: &Shop, order: &Value, lines: &[&Value]) -> Answer {
    let mut body = json!({"order_id": order["id"], "cancel_reason": "Out of stock"});
    if !lines.is_empty() {
        body["order_line_item_ids"] = json!(lines);
    }
    s.c.call(
        "POST",
        "/return_refund/202309/cancellations",
        Some(&s.cipher),
        &[],
        Some(&body),
    )
    .await
}

async fn search(s: &Shop, body: Value) -> Answer {
    s.c.call(
        "POST",
        "/product/202309/inventory/search",
        Some(&s.cipher),
        &[],
        Some(&body),
    )
    .await
}

#[tokio::test]
async fn an_unpaid_order_commits_its_units_and_cancels_release_them() {
    let sb = start(small()).await.unwrap();
    let s = shop(&sb).await;
    let state = sb.state();
    let wh = s.warehouses[0];
    let (_, sku) = product(&sb, &s, 10).await;
    assert_eq!(state.stock_of(sku), vec![(wh, 10, 0)]);

    // UNPAID already holds the units: out of available, into committed, in the order's warehouse.
    let o = place(&sb, &s, &[sku, sku, sku], "UNPAID").await;
    assert_eq!(state.stock_of(sku), vec![(wh, 7, 3)]);

    // A partial cancel puts that unit back.
    let a = seller_cancel(&s, &o, &[&o["line_items"][0]["id"]]).await;
    assert_eq!(a.code(), 0, "{}", a.body);
    assert_eq!(state.stock_of(sku), vec![(wh, 8, 2)]);

    // The whole order: the rest comes back; cancelling again is refused and changes nothing.
    let a = seller_cancel(&s, &o, &[]).await;
    assert_eq!(a.code(), 0, "{}", a.body);
    assert_eq!(state.stock_of(sku), vec![(wh, 10, 0)]);
    assert_ne!(seller_cancel(&s, &o, &[]).await.code(), 0);
    assert_eq!(state.stock_of(sku), vec![(wh, 10, 0)]);

    // Paid and held, then released by the clock: still committed until it ships.
    let o = place(&sb, &s, &[sku, sku], "ON_HOLD").await;
    assert_eq!(state.stock_of(sku), vec![(wh, 8, 2)]);
    state.advance_clock(2 * 3600);
    let status = state.with_world(|w| w.orders[&o["id"].as_str().unwrap().parse().unwrap()].status);
    assert_eq!(status, OrderStatus::AwaitingShipment);
    assert_eq!(state.stock_of(sku), vec![(wh, 8, 2)]);
    // A buyer's cancellation approved by the seller releases them too.
    let (code, _) = control(
        &sb,
        "PATCH",
        &format!("/_sandbox/orders/{}", o["id"].as_str().unwrap()),
        json!({"request_cancel": true}),
    )
    .await;
    assert_eq!(code, 200);
    let cancel_id = state.with_world(|w| {
        w.cancellations
            .values()
            .find(|c| c.order_id.to_string() == o["id"].as_str().unwrap())
            .unwrap()
            .id
    });
    let a =
        s.c.call(
            "POST",
            &format!("/return_refund/202309/cancellations/{cancel_id}/approve"),
            Some(&s.cipher),
            &[],
            Some(&json!({})),
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    assert_eq!(state.stock_of(sku), vec![(wh, 10, 0)]);
    sb.stop().await;
}

#[tokio::test]
async fn shipping_takes_units_out_of_committed_once() {
    let sb = start(small()).await.unwrap();
    let s = shop(&sb).await;
    let state = sb.state();
    let wh = s.warehouses[0];
    let (_, sku) = product(&sb, &s, 10).await;

    // Shipped through the API: the units leave the warehouse; available does not move.
    let o = place(&sb, &s, &[sku, sku], "AWAITING_SHIPMENT").await;
    assert_eq!(state.stock_of(sku), vec![(wh, 8, 2)]);
    let pkg = o["packages"][0]["id"].as_str().unwrap();
    let a =
        s.c.call(
            "POST",
            &format!("/fulfillment/202309/packages/{pkg}/ship"),
            Some(&s.cipher),
            &[],
            Some(&json!({"handover_method": "DROP_OFF"})),
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    assert_eq!(state.stock_of(sku), vec![(wh, 8, 0)]);
    // The order moving on (collection, delivery) takes nothing more; a cancel is refused.
    let (code, body) = control(
        &sb,
        "POST",
        &format!("/_sandbox/orders/{}/advance", o["id"].as_str().unwrap()),
        json!({"to": "COMPLETED"}),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_ne!(seller_cancel(&s, &o, &[]).await.code(), 0);
    assert_eq!(state.stock_of(sku), vec![(wh, 8, 0)]);

    // Shipped by the lifecycle (the control plane's walk): the same, once.
    place(&sb, &s, &[sku], "IN_TRANSIT").await;
    assert_eq!(state.stock_of(sku), vec![(wh, 7, 0)]);

    // A cancelled unit never ships: cancel one of two, ship the other.
    let o = place(&sb, &s, &[sku, sku], "UNPAID").await;
    seller_cancel(&s, &o, &[&o["line_items"][1]["id"]]).await;
    assert_eq!(state.stock_of(sku), vec![(wh, 6, 1)]);
    let (code, body) = control(
        &sb,
        "POST",
        &format!("/_sandbox/orders/{}/advance", o["id"].as_str().unwrap()),
        json!({"to": "DELIVERED"}),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(state.stock_of(sku), vec![(wh, 6, 0)]);

    // PARTIALLY_SHIPPING (a generated order: one package shipped, one not): only the units of the
    // package still waiting are committed; shipping it takes them, moving on takes nothing more.
    let (order_id, waiting) = state.with_world(|w| {
        let o = w
            .orders
            .values()
            .find(|o| o.shop_id == s.id && o.status == OrderStatus::PartiallyShipping)
            .unwrap();
        let mut waiting: HashMap<u64, i64> = HashMap::new();
        for l in &o.line_items {
            let pkg = w.packages[&l.package_id.unwrap()].status;
            if pkg == PackageStatus::Processing && !l.is_cancelled {
                *waiting.entry(l.sku_id).or_default() += 1;
            }
        }
        (o.id, waiting)
    });
    assert!(!waiting.is_empty());
    let before: HashMap<u64, Vec<(u64, i64, i64)>> =
        waiting.keys().map(|k| (*k, state.stock_of(*k))).collect();
    let (code, body) = control(
        &sb,
        "POST",
        &format!("/_sandbox/orders/{order_id}/advance"),
        json!({}),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["status"], "AWAITING_COLLECTION");
    let check = |state: &SandboxState| {
        for (sku, n) in &waiting {
            let (b, a) = (&before[sku], state.stock_of(*sku));
            let sum = |v: &[(u64, i64, i64)], f: fn(&(u64, i64, i64)) -> i64| -> i64 {
                v.iter().map(f).sum()
            };
            assert_eq!(sum(&a, |x| x.1), sum(b, |x| x.1), "available unchanged");
            assert_eq!(sum(&a, |x| x.2), sum(b, |x| x.2) - n, "committed −{n}");
        }
    };
    check(&state);
    let (code, _) = control(
        &sb,
        "POST",
        &format!("/_sandbox/orders/{order_id}/advance"),
        json!({"to": "DELIVERED"}),
    )
    .await;
    assert_eq!(code, 200);
    check(&state);
    sb.stop().await;
}

#[tokio::test]
async fn inventory_search_answers_from_the_books() {
    let sb = start(small()).await.unwrap();
    let s = shop(&sb).await;
    let state = sb.state();
    let (wh0, wh1) = (s.warehouses[0], s.warehouses[1]);
    let (pid, sku) = product(&sb, &s, 10).await;
    // One unit left in the default warehouse, five in the other.
    let (code, _) = control(
        &sb,
        "PATCH",
        &format!("/_sandbox/products/{pid}"),
        json!({"stock": [
            {"sku_id": sku.to_string(), "warehouse_id": wh0.to_string(), "quantity": 1},
            {"sku_id": sku.to_string(), "warehouse_id": wh1.to_string(), "quantity": 5},
        ]}),
    )
    .await;
    assert_eq!(code, 200);
    // Two units: the first from the order's warehouse, the second where there is one left.
    let o = place(&sb, &s, &[sku, sku], "UNPAID").await;
    assert_eq!(state.stock_of(sku), vec![(wh0, 0, 1), (wh1, 4, 1)]);

    let a = search(&s, json!({"sku_ids": [sku.to_string()]})).await;
    assert_eq!(a.code(), 0, "{}", a.body);
    let seller_sku = format!("SBX-{pid}-1");
    assert_eq!(
        a.data(),
        &json!({"inventory": [{
            "product_id": pid,
            "skus": [{
                "id": sku.to_string(),
                "seller_sku": seller_sku,
                "total_available_quantity": 4,
                "total_committed_quantity": 2,
                "total_available_inventory_distribution": {"in_shop_inventory": {"quantity": 4}},
                "warehouse_inventory": [
                    {"warehouse_id": wh0.to_string(), "available_quantity": 0, "committed_quantity": 1},
                    {"warehouse_id": wh1.to_string(), "available_quantity": 4, "committed_quantity": 1},
                ],
            }],
        }]})
    );

    // Each unit goes back where it was held.
    seller_cancel(&s, &o, &[]).await;
    assert_eq!(state.stock_of(sku), vec![(wh0, 1, 0), (wh1, 5, 0)]);

    // With both lists, sku_ids wins and product_ids is ignored (even over its limit).
    let many: Vec<String> = (0..101).map(|i| (1_000 + i).to_string()).collect();
    let a = search(
        &s,
        json!({"product_ids": many, "sku_ids": [sku.to_string()]}),
    )
    .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    assert_eq!(a.data()["inventory"].as_array().unwrap().len(), 1);
    assert_eq!(a.data()["inventory"][0]["product_id"], pid.as_str());
    // Neither, or too many: refused.
    for body in [
        json!({}),
        json!({"product_ids": many}),
        json!({"sku_ids": (0..601).map(|i| (1_000 + i).to_string()).collect::<Vec<_>>()}),
    ] {
        assert_eq!(search(&s, body).await.code(), 36009004);
    }

    // The generated catalogue with its generated orders: every SKU as the books say.
    let pids: Vec<String> = state.with_world(|w| {
        w.products
            .values()
            .filter(|p| p.shop_id == s.id)
            .map(|p| p.id.to_string())
            .collect()
    });
    let a = search(&s, json!({"product_ids": pids})).await;
    assert_eq!(a.code(), 0, "{}", a.body);
    let mut committed = 0;
    for p in a.data()["inventory"].as_array().unwrap() {
        for k in p["skus"].as_array().unwrap() {
            let id: u64 = k["id"].as_str().unwrap().parse().unwrap();
            let books = state.stock_of(id);
            let listed: Vec<(u64, i64, i64)> = k["warehouse_inventory"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["warehouse_id"].as_str().unwrap().parse().unwrap(),
                        e["available_quantity"].as_i64().unwrap(),
                        e["committed_quantity"].as_i64().unwrap(),
                    )
                })
                .collect();
            assert_eq!(listed, books);
            let avail: i64 = books.iter().map(|b| b.1).sum();
            let held: i64 = books.iter().map(|b| b.2).sum();
            assert_eq!(k["total_available_quantity"], avail);
            assert_eq!(k["total_committed_quantity"], held);
            assert_eq!(
                k["total_available_inventory_distribution"]["in_shop_inventory"]["quantity"],
                avail
            );
            committed += held;
        }
    }
    assert!(committed > 0, "generated open orders hold units");
    sb.stop().await;
}

#[tokio::test]
async fn inventory_update_and_edits_set_available_only() {
    let sb = start(small()).await.unwrap();
    let s = shop(&sb).await;
    let state = sb.state();
    let (wh0, wh1) = (s.warehouses[0], s.warehouses[1]);
    let (pid, sku) = product(&sb, &s, 10).await;
    let o = place(&sb, &s, &[sku, sku, sku], "UNPAID").await;
    assert_eq!(state.stock_of(sku), vec![(wh0, 7, 3)]);

    let a =
        s.c.call(
            "POST",
            &format!("/product/202309/products/{pid}/inventory/update"),
            Some(&s.cipher),
            &[],
            Some(&json!({"skus": [{"id": sku.to_string(), "inventory": [{"warehouse_id": wh0.to_string(), "quantity": 42}]}]})),
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    assert_eq!(state.stock_of(sku), vec![(wh0, 42, 3)]);
    let got =
        s.c.call(
            "GET",
            &format!("/product/202309/products/{pid}"),
            Some(&s.cipher),
            &[],
            None,
        )
        .await;
    assert_eq!(
        got.data()["skus"][0]["inventory"],
        json!([{"warehouse_id": wh0.to_string(), "quantity": 42}]),
        "Get Product shows available only"
    );

    // The control plane sets available too, and shows the committed units beside it.
    let (code, view) = control(
        &sb,
        "PATCH",
        &format!("/_sandbox/products/{pid}"),
        json!({"stock": [{"sku_id": sku.to_string(), "warehouse_id": wh0.to_string(), "quantity": 5}]}),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(
        view["skus"][0]["inventory"],
        json!([{"warehouse_id": wh0.to_string(), "quantity": 5, "committed_quantity": 3}])
    );
    let (_, view) = control(&sb, "GET", &format!("/_sandbox/products/{pid}"), json!({})).await;
    assert_eq!(view["skus"][0]["inventory"][0]["committed_quantity"], 3);

    // An edit that moves the SKU to the other warehouse: the units held for buyers stay where they
    // are (nothing available there any more) until they ship or are cancelled.
    let a =
        s.c.call(
            "POST",
            &format!("/product/202309/products/{pid}/partial_edit"),
            Some(&s.cipher),
            &[],
            Some(&json!({"skus": [{"id": sku.to_string(), "inventory": [{"warehouse_id": wh1.to_string(), "quantity": 6}]}]})),
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    assert_eq!(state.stock_of(sku), vec![(wh1, 6, 0), (wh0, 0, 3)]);
    seller_cancel(&s, &o, &[&o["line_items"][0]["id"]]).await;
    assert_eq!(state.stock_of(sku), vec![(wh1, 6, 0), (wh0, 1, 2)]);
    let (code, _) = control(
        &sb,
        "POST",
        &format!("/_sandbox/orders/{}/advance", o["id"].as_str().unwrap()),
        json!({"to": "AWAITING_COLLECTION"}),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(state.stock_of(sku), vec![(wh1, 6, 0), (wh0, 1, 0)]);
    sb.stop().await;
}

/// An inventory update names every warehouse assigned to the SKU and no other: one that names a
/// warehouse the SKU is not in, or leaves out one it is in, is refused for that SKU, its faults listed
/// per warehouse, and changes nothing; the envelope's code stays 0 (a partial failure).
#[tokio::test]
async fn an_inventory_update_names_every_assigned_warehouse_and_no_other() {
    let sb = start(small()).await.unwrap();
    let s = shop(&sb).await;
    let state = sb.state();
    let (wh0, wh1) = (s.warehouses[0], s.warehouses[1]);
    let (pid, sku) = product(&sb, &s, 10).await;
    let update = |inventory: Value| {
        let body = json!({"skus": [{"id": sku.to_string(), "inventory": inventory}]});
        let (c, cipher, path) = (
            &s.c,
            s.cipher.clone(),
            format!("/product/202309/products/{pid}/inventory/update"),
        );
        async move { c.call("POST", &path, Some(&cipher), &[], Some(&body)).await }
    };

    // Another sales warehouse of the shop, not assigned to the SKU, beside the assigned one.
    let a = update(json!([
        {"warehouse_id": wh0.to_string(), "quantity": 4},
        {"warehouse_id": wh1.to_string(), "quantity": 9}
    ]))
    .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    let error = &a.data()["errors"][0];
    assert_eq!(error["code"], 12052232, "{}", a.body);
    assert_eq!(error["detail"]["sku_id"], sku.to_string());
    assert_eq!(
        error["detail"]["extra_errors"][0]["warehouse_id"],
        wh1.to_string()
    );
    assert_eq!(state.stock_of(sku), vec![(wh0, 10, 0)], "nothing applied");

    // Only the unassigned warehouse: the assigned one is missing too.
    let a = update(json!([{"warehouse_id": wh1.to_string(), "quantity": 9}])).await;
    let faults: Vec<i64> = a.data()["errors"][0]["detail"]["extra_errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_i64().unwrap())
        .collect();
    assert_eq!(faults, [12052232, 12052233], "{}", a.body);
    assert_eq!(state.stock_of(sku), vec![(wh0, 10, 0)], "nothing applied");

    // Exactly the assigned warehouses: applied.
    let a = update(json!([{"warehouse_id": wh0.to_string(), "quantity": 4}])).await;
    assert!(
        a.data()
            .get("errors")
            .is_none_or(|e| e.as_array().unwrap().is_empty()),
        "{}",
        a.body
    );
    assert_eq!(state.stock_of(sku), vec![(wh0, 4, 0)]);
    sb.stop().await;
}

/// For every SKU: committed (per warehouse, from the record of held lines, and in total, from the
/// orders themselves) is what the books say; nothing is negative.
fn assert_consistent_books(state: &SandboxState) {
    state.with_world(|w| {
        let mut open: HashMap<u64, i64> = HashMap::new();
        for o in w.orders.values() {
            if o.status == OrderStatus::Cancelled || o.status.is_shipped() {
                continue;
            }
            for l in o.line_items.iter().filter(|l| !l.is_cancelled) {
                let shipped = l
                    .package_id
                    .and_then(|p| w.packages.get(&p))
                    .is_some_and(|p| {
                        matches!(
                            p.status,
                            PackageStatus::Fulfilling | PackageStatus::Completed
                        )
                    });
                if !shipped && w.find_sku(l.sku_id).is_some() {
                    *open.entry(l.sku_id).or_default() += 1;
                }
            }
        }
        let mut held: HashMap<(u64, u64), i64> = HashMap::new();
        for u in w.committed_lines.values() {
            *held.entry((u.sku_id, u.warehouse_id)).or_default() += 1;
        }
        let mut total = 0;
        for p in w.products.values() {
            for s in &p.skus {
                assert_eq!(
                    s.total_committed(),
                    open.get(&s.id).copied().unwrap_or(0),
                    "SKU {}",
                    s.id
                );
                for st in &s.inventory {
                    assert!(st.quantity >= 0 && st.committed >= 0, "SKU {}", s.id);
                    assert_eq!(
                        st.committed,
                        held.get(&(s.id, st.warehouse_id)).copied().unwrap_or(0)
                    );
                }
                total += s.total_committed();
            }
        }
        assert!(total > 0, "open orders hold units");
        assert_eq!(total as usize, w.committed_lines.len());
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_and_living_worlds_keep_consistent_books() {
    let sb = start(SandboxConfig {
        orders: 300,
        products: 12,
        ..small()
    })
    .await
    .unwrap();
    let state = sb.state();
    assert_consistent_books(&state);
    // Three days of trade: orders placed, paid, cancelled, shipped, delivered, returned.
    let (mut created, mut cancelled, mut shipped) = (0, 0, 0);
    for _ in 0..72 {
        state.clock().advance(3600);
        let now = state.now();
        let r = living::tick_at_rate(&state, now, 0.2);
        (created, cancelled, shipped) = (
            created + r.created.len(),
            cancelled + r.cancelled,
            shipped + r.shipped,
        );
    }
    assert!(created > 0 && cancelled > 0 && shipped > 0);
    assert_consistent_books(&state);
    sb.stop().await;
}

/// Whether a GET's answer never arrives whole (a reset connection or a cut body).
async fn answer_is_cut(url: String, query: &[(&str, String)]) -> bool {
    match http().get(url).query(query).send().await {
        Err(_) => true,
        Ok(r) => r.text().await.is_err(),
    }
}

#[tokio::test]
async fn the_token_host_cuts_answers_at_drop_rate_after_doing_the_work() {
    let sb = start(small()).await.unwrap();
    let base = sb.base_url();
    let (key, secret) = (sb.app_key().to_string(), sb.app_secret().to_string());
    let code = consent(&base, &key, &[]).await;
    let tok = token_get(&base, &key, secret.as_str(), &code).await;
    assert_eq!(tok["code"], 0, "{tok}");
    let refresh = tok["data"]["refresh_token"].as_str().unwrap().to_string();
    let faults = |rate: f64| {
        let sb = &sb;
        async move {
            let (code, _) =
                control(sb, "POST", "/_sandbox/faults", json!({"drop_rate": rate})).await;
            assert_eq!(code, 200);
        }
    };
    faults(1.0).await;
    let issued_before = sb.state().auth().refresh_tokens.len();
    let lost = answer_is_cut(
        format!("{base}/api/v2/token/refresh"),
        &[
            ("app_key", key.clone()),
            ("app_secret", secret.clone()),
            ("refresh_token", refresh.clone()),
            ("grant_type", "refresh_token".into()),
        ],
    )
    .await;
    assert!(lost, "the refresh answer is cut");
    {
        let state = sb.state();
        let auth = state.auth();
        assert!(
            auth.refresh_tokens[&refresh].spent,
            "the refresh token was spent"
        );
        assert_eq!(
            auth.refresh_tokens.len(),
            issued_before + 1,
            "a new pair stored"
        );
    }
    let code2 = consent(&base, &key, &[]).await;
    let lost = answer_is_cut(
        format!("{base}/api/v2/token/get"),
        &[
            ("app_key", key.clone()),
            ("app_secret", secret.clone()),
            ("auth_code", code2.clone()),
            ("grant_type", "authorized_code".into()),
        ],
    )
    .await;
    assert!(lost, "the token answer is cut");

    // The answers were lost, the work was not: the spent refresh token and code are refused.
    faults(0.0).await;
    let again = token_refresh(&base, &key, &secret, &refresh).await;
    assert_eq!(again["code"], 36004001, "{again}");
    assert_eq!(
        token_get(&base, &key, &secret, &code2).await["code"],
        36004005
    );
    // The log shows both calls succeeded.
    let codes = logged_codes(&base, "/api/v2/token/").await;
    assert_eq!(codes, vec![0, 0, 0, 36004001, 36004005]);

    // With drop_rate 0, get and refresh answer as usual.
    let code3 = consent(&base, &key, &[]).await;
    let tok = token_get(&base, &key, &secret, &code3).await;
    assert_eq!(tok["code"], 0, "{tok}");
    let r = token_refresh(
        &base,
        &key,
        &secret,
        tok["data"]["refresh_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(r["code"], 0, "{r}");
    sb.stop().await;
}
