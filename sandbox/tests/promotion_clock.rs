//! Activities and the clock: status moves NOT_START → ONGOING → EXPIRED on every read, webhooks 39
//! (status) and 63 (change) announce it, and the conflict rule keeps one deal per SKU and group.

mod promo;
mod signed_client;

use promo::*;
use serde_json::{Value, json};
use signed_client::{Client, Receiver, hmac_hex};
use tiktok_sandbox::start;
use tiktok_sandbox::state::SandboxEvent;
use tokio::sync::broadcast;

const DAY: i64 = 86_400;

/// The promotion events received so far: (type, data).
fn drain(rx: &mut broadcast::Receiver<SandboxEvent>) -> Vec<(u32, Value)> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        if matches!(e.type_code(), 39 | 63) {
            out.push((e.type_code(), e.data()));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_follows_the_clock_and_webhooks_39_and_63_tell() {
    let sandbox = start(roomy()).await.unwrap();
    let c = Client::new(&sandbox);
    let mut rx = c.state.subscribe_events();
    let now = c.state.now();
    let id = activity(&c, "Clockwork", "FLASHSALE", "PRODUCT", 100, 1000).await;
    let ev = drain(&mut rx);
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0].0, 63);
    // The create's time is the sandbox's clock when it ran, which may have ticked past `now`.
    let made = ev[0].1["update_time"].as_i64().unwrap();
    assert!((now..=now + 5).contains(&made), "{ev:?}");
    assert_eq!(
        ev[0].1,
        json!({"activity_id": id, "change_type": "CREATE", "update_time": made})
    );

    let (pid, _, prices) = free_product(&c, 1, &[]);
    put_products(&c, &id, json!([priced(pid, &dollars(prices[0] / 2), 5, 1)]))
        .await
        .ok();
    let ev = drain(&mut rx);
    assert_eq!(ev[0].0, 63);
    assert_eq!(ev[0].1["change_type"], "UPDATE");
    assert_eq!(
        ev[0].1["product_update_list"],
        json!({"product_ids": [pid.to_string()]})
    );
    assert!(ev[0].1.get("product_remove_list").is_none());

    // Every read sees the status of the moment; the change is announced once, at its own time.
    assert_eq!(get(&c, &id).await["status"], "NOT_START");
    c.state.advance_clock(150);
    assert_eq!(get(&c, &id).await["status"], "ONGOING");
    let s = c
        .post(
            &format!("{ACTIVITIES}/search"),
            &[],
            json!({"activity_title": "Clockwork"}),
        )
        .await;
    assert_eq!(s.ok()["activities"][0]["status"], "ONGOING");
    let ev = drain(&mut rx);
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(
        ev[0],
        (
            39,
            json!({"activity_id": id, "activity_type": "FLASHSALE", "product_level": "PRODUCT",
                   "status": "ONGOING", "update_time": now + 100})
        )
    );
    // A jump over both edges announces both, in order.
    let later = activity(&c, "Jumped over", "FIXED_PRICE", "PRODUCT", 60, 600).await;
    drain(&mut rx);
    c.state.advance_clock(2000);
    let ev = drain(&mut rx);
    let statuses: Vec<(&str, &str)> = ev
        .iter()
        .map(|(_, d)| {
            (
                d["activity_id"].as_str().unwrap(),
                d["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(ev.iter().all(|(t, _)| *t == 39));
    assert!(statuses.contains(&(id.as_str(), "EXPIRED")), "{statuses:?}");
    let mine: Vec<&str> = statuses
        .iter()
        .filter(|(a, _)| *a == later)
        .map(|(_, s)| *s)
        .collect();
    assert_eq!(mine, ["ONGOING", "EXPIRED"]);
    assert_eq!(get(&c, &later).await["status"], "EXPIRED");

    // Update, remove, deactivate.
    let c = Client::new(&sandbox);
    let up = activity(&c, "To change", "DIRECT_DISCOUNT", "PRODUCT", 600, DAY).await;
    put_products(
        &c,
        &up,
        json!([{"id": pid.to_string(), "discount": "5", "quantity_limit": -1, "quantity_per_user": -1}]),
    )
    .await
    .ok();
    drain(&mut rx);
    let now = c.state.now();
    c.call(
        "PUT",
        &format!("{ACTIVITIES}/{up}"),
        &[],
        Some(&json!({"title": "Changed", "begin_time": now + 600, "end_time": now + DAY})),
    )
    .await
    .ok();
    c.call(
        "DELETE",
        &format!("{ACTIVITIES}/{up}/products"),
        &[],
        Some(&json!({"product_ids": [pid.to_string()]})),
    )
    .await
    .ok();
    c.post(&format!("{ACTIVITIES}/{up}/deactivate"), &[], json!({}))
        .await
        .ok();
    let ev = drain(&mut rx);
    let kinds: Vec<(u32, String)> = ev
        .iter()
        .map(|(t, d)| {
            let what = d
                .get("change_type")
                .or(d.get("status"))
                .unwrap()
                .as_str()
                .unwrap();
            (*t, what.to_string())
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (63, "UPDATE".to_string()),
            (63, "UPDATE".to_string()),
            (39, "DEACTIVATED".to_string()),
            (63, "DEACTIVATE".to_string())
        ]
    );
    assert_eq!(
        ev[1].1["product_remove_list"],
        json!({"product_ids": [pid.to_string()]})
    );
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_39_and_63_are_pushed_to_partner_center_addresses() {
    let sandbox = start(roomy()).await.unwrap();
    let c = Client::new(&sandbox);
    let rx = Receiver::start(200).await;
    // They have no topic name in the subscription API…
    for name in [
        "PROMOTION_ACTIVITY_STATUS_CHANGE",
        "PROMOTION_ACTIVITY_CHANGE",
        "39",
    ] {
        c.call(
            "PUT",
            "/event/202309/webhooks",
            &[],
            Some(&json!({"address": rx.url, "event_type": name})),
        )
        .await
        .refused(INVALID);
    }
    // …so they are set app-wide, as in Partner Center.
    for t in [json!(39), json!("PROMOTION_ACTIVITY_CHANGE")] {
        let set = c
            .control(
                "PUT",
                "/_sandbox/webhooks/partner_center",
                Some(json!({"event_type": t, "address": rx.url})),
            )
            .await;
        assert_eq!(set["address"], rx.url.as_str());
    }
    assert_eq!(
        c.control_status(
            "PUT",
            "/_sandbox/webhooks/partner_center",
            json!({"event_type": 2, "address": rx.url})
        )
        .await,
        400
    );
    let listed = c
        .control("GET", "/_sandbox/webhooks/partner_center", None)
        .await;
    assert_eq!(listed["webhooks"].as_array().unwrap().len(), 2);
    // The API's own list is per shop and topic: it does not show them.
    let api = c.get("/event/202309/webhooks", &[]).await;
    assert_eq!(api.ok()["webhooks"], json!([]));

    let id = activity(&c, "Pushed", "FIXED_PRICE", "PRODUCT", 60, 3600).await;
    c.state.advance_clock(61);
    get(&c, &id).await;
    c.control("POST", "/_sandbox/webhooks/flush", None).await;
    let hooks = rx.wait_for(2).await;
    let mut types: Vec<u64> = hooks
        .iter()
        .map(|h| h.body["type"].as_u64().unwrap())
        .collect();
    types.sort();
    assert_eq!(types, [39, 63]);
    for h in &hooks {
        let mut msg = c.app_key.as_bytes().to_vec();
        msg.extend_from_slice(&h.raw);
        assert_eq!(h.authorization, hmac_hex(&c.app_secret, &msg));
        assert_eq!(h.body["shop_id"], c.shop_id.to_string());
        assert_eq!(h.body["data"]["activity_id"], id);
    }
    let status = hooks.iter().find(|h| h.body["type"] == 39).unwrap();
    assert_eq!(status.body["data"]["status"], "ONGOING");
    assert_eq!(status.body["data"]["activity_type"], "FIXED_PRICE");
    assert_eq!(
        c.control_status(
            "DELETE",
            "/_sandbox/webhooks/partner_center",
            json!({"event_type": 39})
        )
        .await,
        200
    );
    rx.stop().await;
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sku_is_in_one_deal_per_group_at_a_time() {
    let sandbox = start(roomy()).await.unwrap();
    let c = Client::new(&sandbox);
    let (pid, skus, prices) = free_product(&c, 2, &[]);
    let low = *prices.iter().min().unwrap();
    let price = dollars(low / 2);
    let fixed = activity(&c, "Fixed A", "FIXED_PRICE", "PRODUCT", 1000, 1000).await;
    put_products(&c, &fixed, json!([priced(pid, &price, 10, 1)]))
        .await
        .ok();
    let direct_product = |pid: u64| json!([{"id": pid.to_string(), "discount": "15", "quantity_limit": -1, "quantity_per_user": -1}]);

    // Same group, overlapping: refused, naming the SKU and the activity.
    let overlap = activity(&c, "Direct B", "DIRECT_DISCOUNT", "PRODUCT", 1100, 800).await;
    let a = put_products(&c, &overlap, direct_product(pid)).await;
    a.refused(SKU_CONFLICT);
    let msg = a.body["message"].as_str().unwrap();
    assert!(
        msg.contains(&fixed) && msg.contains(&skus[0].to_string()),
        "{msg}"
    );
    // Back to back ([begin, end) windows): fine.
    let after = activity(&c, "Direct C", "DIRECT_DISCOUNT", "PRODUCT", 2000, 1000).await;
    put_products(&c, &after, direct_product(pid)).await.ok();
    // A flash sale may run over a product discount…
    let flash = activity(&c, "Flash D", "FLASHSALE", "VARIATION", 1200, 600).await;
    let sku_entry = |i: usize, p: &str| json!({"id": skus[i].to_string(), "activity_price_amount": p, "quantity_limit": 5, "quantity_per_user": 1});
    put_products(
        &c,
        &flash,
        json!([{"id": pid.to_string(), "quantity_limit": -1, "quantity_per_user": -1,
                "skus": [sku_entry(0, &price)]}]),
    )
    .await
    .ok();
    // …but not over another flash sale on the same SKU; another SKU of the product is free.
    let flash2 = activity(&c, "Flash E", "FLASHSALE", "VARIATION", 1500, 600).await;
    let a = put_products(
        &c,
        &flash2,
        json!([{"id": pid.to_string(), "quantity_limit": -1, "quantity_per_user": -1,
                "skus": [sku_entry(0, &price)]}]),
    )
    .await;
    a.refused(SKU_CONFLICT);
    assert!(a.body["message"].as_str().unwrap().contains(&flash));
    put_products(
        &c,
        &flash2,
        json!([{"id": pid.to_string(), "quantity_limit": -1, "quantity_per_user": -1,
                "skus": [sku_entry(1, &price)]}]),
    )
    .await
    .ok();
    // A PRODUCT-level flash sale covers every SKU: both are taken.
    let flash3 = activity(&c, "Flash F", "FLASHSALE", "PRODUCT", 1300, 600).await;
    put_products(&c, &flash3, json!([priced(pid, &price, 5, 1)]))
        .await
        .refused(SKU_CONFLICT);

    // Moving an activity's times into a conflict is refused too.
    let now = c.state.now();
    let u = c
        .call(
            "PUT",
            &format!("{ACTIVITIES}/{after}"),
            &[],
            Some(&json!({"title": "Direct C", "begin_time": now + 1900, "end_time": now + 3000})),
        )
        .await;
    u.refused(SKU_CONFLICT);
    assert!(u.body["message"].as_str().unwrap().contains(&fixed));
    // Once the first is deactivated, its SKUs are free again.
    c.post(&format!("{ACTIVITIES}/{fixed}/deactivate"), &[], json!({}))
        .await
        .ok();
    put_products(&c, &overlap, direct_product(pid)).await.ok();
    sandbox.stop().await;
}
