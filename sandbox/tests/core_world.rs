//! Black-box tests of the sandbox's world over real HTTP: determinism by seed, a 100k-order start, the
//! authorization expiry notice and cash-on-delivery regions.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};
use tiktok_sandbox::{SandboxConfig, SandboxEvent, start};

#[tokio::test]
async fn determinism_by_seed() {
    let fingerprint = |sb: &tiktok_sandbox::RunningSandbox| {
        sb.state().with_world(|w| {
            (
                w.shops
                    .values()
                    .map(|s| (s.id, s.cipher.clone()))
                    .collect::<Vec<_>>(),
                w.products
                    .values()
                    .map(|p| (p.id, p.title.clone(), p.skus.len()))
                    .collect::<Vec<_>>(),
                w.orders
                    .values()
                    .map(|o| (o.id, o.status, o.line_items.len(), o.payment.total_amount))
                    .collect::<Vec<_>>(),
            )
        })
    };
    let a = start(small()).await.unwrap();
    let b = start(small()).await.unwrap();
    let c = start(SandboxConfig { seed: 7, ..small() }).await.unwrap();
    assert_eq!(fingerprint(&a), fingerprint(&b));
    assert_ne!(fingerprint(&a), fingerprint(&c));
    // Reset gives the same world back.
    let before = fingerprint(&a);
    let shop = a.state().with_world(|w| *w.shops.keys().next().unwrap());
    let r = http()
        .post(format!("{}/_sandbox/shops/{shop}/orders", a.base_url()))
        .json(&json!({"count": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_ne!(fingerprint(&a), before);
    http()
        .post(format!("{}/_sandbox/reset", a.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(fingerprint(&a), before);
    let overview: Value = http()
        .get(format!("{}/_sandbox/", a.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        overview["world"]["sellers"][0]["shops"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(overview["world"]["sellers"][0]["shops"][0]["cipher"].is_string());
    for s in [a, b, c] {
        s.stop().await;
    }
}

#[tokio::test]
async fn starts_with_100k_orders() {
    let t = Instant::now();
    let sb = start(SandboxConfig {
        orders: 100_000,
        products: 50,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    println!(
        "start with 100,000 orders per shop: {:?} (debug build)",
        t.elapsed()
    );
    let (c, shops) = connected(&sb).await;
    let ci = cipher(&shops[0]);
    let t = Instant::now();
    let a = c
        .call(
            "POST",
            "/order/202309/orders/search",
            Some(&ci),
            &[("page_size", "100"), ("sort_field", "update_time")],
            Some(&json!({"order_status": "AWAITING_SHIPMENT"})),
        )
        .await;
    println!("one search page over 100,000 orders: {:?}", t.elapsed());
    assert_eq!(a.code(), 0);
    assert_eq!(a.data()["orders"].as_array().unwrap().len(), 100);
    sb.stop().await;
}

#[tokio::test]
async fn expiry_notice_and_cod_regions() {
    let sb = start(SandboxConfig {
        refresh_token_ttl: Duration::from_secs(10 * 86400),
        ..small()
    })
    .await
    .unwrap();
    let _ = connected(&sb).await;
    let mut events = sb.state().subscribe_events();
    // Three days in, the newest refresh token expires within seven days: the app is told, once per shop.
    sb.state().advance_clock(3 * 86400 + 60);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut notices = 0;
    while Instant::now() < deadline && notices < 2 {
        match tokio::time::timeout(Duration::from_millis(500), events.recv()).await {
            Ok(Ok(SandboxEvent::UpcomingAuthorizationExpiration { app_key, .. })) => {
                assert_eq!(app_key, sb.app_key());
                notices += 1;
            }
            _ => {}
        }
    }
    assert_eq!(notices, 2, "one notice per authorized shop");

    // COD exists only where the region has it (the second seller's Indonesian shop).
    sb.state().with_world(|w| {
        for o in w.orders.values() {
            let region = w.shops[&o.shop_id].region;
            assert!(!o.is_cod || region.has_cod(), "COD in {region:?}");
        }
        assert!(w.orders.values().any(|o| o.is_cod));
        let id_shop = w.shops.values().find(|s| s.region.code() == "ID").unwrap();
        let o = w.orders.values().find(|o| o.shop_id == id_shop.id).unwrap();
        let j = tiktok_sandbox::world::json::order_json(w, o);
        assert_eq!(j["payment"]["currency"], "IDR");
        assert!(!j["payment"]["total_amount"].as_str().unwrap().contains('.'));
    });
    sb.stop().await;
}
