//! Black-box tests of the sandbox's fulfillment over real HTTP: shipping, the seller's cancel and the
//! stock that goes with them, and ON_HOLD orders released by the clock.

mod common;

use common::*;
use serde_json::{Value, json};
use tiktok_sandbox::start;
use tiktok_sandbox::world::{OrderStatus, ProductStatus};

#[tokio::test]
async fn ship_cancel_and_stock() {
    let sb = start(small()).await.unwrap();
    let (c, shops) = connected(&sb).await;
    let ci = cipher(&shops[0]);
    let shop_id = shops[0]["id"].as_str().unwrap().to_string();
    let base = sb.base_url();
    let state = sb.state();
    let mut events = state.subscribe_events();

    // A fresh order through the control plane takes stock.
    let (sku, stock_before) = state.with_world(|w| {
        let p = w
            .products
            .values()
            .find(|p| {
                p.shop_id.to_string() == shop_id
                    && p.status == ProductStatus::Activate
                    && p.skus[0].inventory[0].quantity > 3
            })
            .unwrap();
        (p.skus[0].id, p.skus[0].total_stock())
    });
    let r: Value = http()
        .post(format!("{base}/_sandbox/shops/{shop_id}/orders"))
        .json(
            &json!({"sku_ids": [sku.to_string(), sku.to_string()], "status": "AWAITING_SHIPMENT"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let order = &r["orders"][0];
    assert_eq!(order["status"], "AWAITING_SHIPMENT", "{r}");
    assert_eq!(order["line_items"].as_array().unwrap().len(), 2);
    let order_id = order["id"].as_str().unwrap().to_string();
    let stock_after = state.with_world(|w| {
        w.find_sku(sku)
            .map(|(p, i)| p.skus[i].total_stock())
            .unwrap()
    });
    assert_eq!(stock_after, stock_before - 2);
    let mut kinds = Vec::new();
    while let Ok(e) = events.try_recv() {
        kinds.push(e.type_code());
    }
    assert!(kinds.contains(&1) && kinds.contains(&4), "{kinds:?}");

    // The seller cancels one unit: that line is cancelled by the seller, the order goes on.
    let first_line = order["line_items"][0]["id"].as_str().unwrap().to_string();
    let a = c
        .call(
            "POST",
            "/return_refund/202602/cancellations",
            Some(&ci),
            &[],
            Some(&json!({"order_id": order_id, "cancel_reason": "x", "order_line_item_ids": [first_line]})),
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    let d = c
        .call(
            "GET",
            "/order/202309/orders",
            Some(&ci),
            &[("ids", &order_id)],
            None,
        )
        .await;
    let o = &d.data()["orders"][0];
    assert_eq!(o["status"], "AWAITING_SHIPMENT", "{o}");
    assert_eq!(o["line_items"][0]["display_status"], "CANCELLED");
    assert_eq!(o["line_items"][0]["cancel_user"], "SELLER");
    assert_eq!(o["line_items"][1]["display_status"], "AWAITING_SHIPMENT");
    assert!(o["line_items"][1]["cancel_user"].is_null());

    // Seller cancel (of the rest) restores stock; then shipping the cancelled order is refused.
    let a = c
        .call(
            "POST",
            "/return_refund/202309/cancellations",
            Some(&ci),
            &[],
            Some(&json!({"order_id": order_id, "cancel_reason": "seller_out_of_stock"})),
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    assert!(a.data()["cancel_id"].is_string());
    let stock_back = state.with_world(|w| {
        w.find_sku(sku)
            .map(|(p, i)| p.skus[i].total_stock())
            .unwrap()
    });
    assert_eq!(stock_back, stock_before);
    let pkg = state.with_world(|w| w.orders[&order_id.parse().unwrap()].package_ids[0]);
    let a = c
        .call(
            "POST",
            &format!("/fulfillment/202309/packages/{pkg}/ship"),
            Some(&ci),
            &[],
            Some(&json!({"handover_method": "PICKUP"})),
        )
        .await;
    assert_eq!(a.code(), 21011004, "{}", a.body);
    let a = c
        .call(
            "POST",
            "/return_refund/202602/cancellations",
            Some(&ci),
            &[],
            Some(&json!({"order_id": order_id, "cancel_reason": "x"})),
        )
        .await;
    assert_ne!(a.code(), 0, "already cancelled");

    // Ship an order awaiting shipment → AWAITING_COLLECTION; again → refused; cancel → refused.
    let r: Value = http()
        .post(format!("{base}/_sandbox/shops/{shop_id}/orders"))
        .json(&json!({"status": "AWAITING_SHIPMENT", "shipping_type": "TIKTOK"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let order_id = r["orders"][0]["id"].as_str().unwrap().to_string();
    let pkg = r["orders"][0]["packages"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let a = c
        .call(
            "GET",
            &format!("/fulfillment/202309/packages/{pkg}/shipping_documents"),
            Some(&ci),
            &[("document_type", "SHIPPING_LABEL")],
            None,
        )
        .await;
    assert_eq!(a.code(), 21011003, "label before shipping");
    let a = c
        .call(
            "POST",
            &format!("/fulfillment/202309/packages/{pkg}/ship"),
            Some(&ci),
            &[],
            Some(&json!({"handover_method": "TELEPORT"})),
        )
        .await;
    assert_eq!(a.code(), 36009004);
    let a = c
        .call(
            "POST",
            &format!("/fulfillment/202309/packages/{pkg}/ship"),
            Some(&ci),
            &[],
            Some(&json!({"handover_method": "DROP_OFF"})),
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    let d = c
        .call(
            "GET",
            "/order/202309/orders",
            Some(&ci),
            &[("ids", &order_id)],
            None,
        )
        .await;
    assert_eq!(d.data()["orders"][0]["status"], "AWAITING_COLLECTION");
    assert_ne!(d.data()["orders"][0]["tracking_number"], "");
    let a = c
        .call(
            "POST",
            &format!("/fulfillment/202309/packages/{pkg}/ship"),
            Some(&ci),
            &[],
            Some(&json!({"handover_method": "PICKUP"})),
        )
        .await;
    assert_eq!(a.code(), 21011005);
    let a = c
        .call(
            "POST",
            "/return_refund/202309/cancellations",
            Some(&ci),
            &[],
            Some(&json!({"order_id": order_id, "cancel_reason": "late"})),
        )
        .await;
    assert_eq!(a.code(), 25001001, "no cancelling a shipped order");
    let p = c
        .call(
            "GET",
            &format!("/fulfillment/202309/packages/{pkg}"),
            Some(&ci),
            &[],
            None,
        )
        .await;
    assert_eq!(p.data()["package_status"], "FULFILLING");

    // The label is a real PDF.
    let a = c
        .call(
            "GET",
            &format!("/fulfillment/202309/packages/{pkg}/shipping_documents"),
            Some(&ci),
            &[("document_type", "SHIPPING_LABEL")],
            None,
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    let url = a.data()["doc_url"].as_str().unwrap();
    let bytes = http().get(url).send().await.unwrap().bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let a = c
        .call(
            "GET",
            &format!("/fulfillment/202309/orders/{order_id}/tracking"),
            Some(&ci),
            &[],
            None,
        )
        .await;
    assert_eq!(a.code(), 0);
    assert!(!a.data()["tracking"].as_array().unwrap().is_empty());

    // Batch ship: per-item errors in a code-0 answer.
    let r: Value = http()
        .post(format!("{base}/_sandbox/shops/{shop_id}/orders"))
        .json(&json!({"status": "AWAITING_SHIPMENT", "shipping_type": "TIKTOK"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let good = r["orders"][0]["packages"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let a = c.call("POST", "/fulfillment/202309/packages/ship", Some(&ci), &[], Some(&json!({"packages": [{"id": good, "handover_method": "PICKUP"}, {"id": pkg}, {"id": "123"}]}))).await;
    assert_eq!(a.code(), 0, "{}", a.body);
    let errors = a.data()["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["detail"]["package_id"], pkg.as_str());

    // Seller-shipped orders need self_shipment with a provider of the region.
    let r: Value = http()
        .post(format!("{base}/_sandbox/shops/{shop_id}/orders"))
        .json(&json!({"status": "AWAITING_SHIPMENT", "shipping_type": "SELLER"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let spkg = r["orders"][0]["packages"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let sorder = r["orders"][0]["id"].as_str().unwrap().to_string();
    let a = c
        .call(
            "POST",
            &format!("/fulfillment/202309/packages/{spkg}/ship"),
            Some(&ci),
            &[],
            Some(&json!({"handover_method": "PICKUP"})),
        )
        .await;
    assert_eq!(a.code(), 36009004);
    let wh = c
        .call("GET", "/logistics/202309/warehouses", Some(&ci), &[], None)
        .await;
    let whs = wh.data()["warehouses"].as_array().unwrap();
    assert!(whs.iter().any(|w| w["type"] == "RETURN_WAREHOUSE"));
    let sales = whs
        .iter()
        .find(|w| w["type"] == "SALES_WAREHOUSE" && w["is_default"] == true)
        .unwrap();
    let opts = c
        .call(
            "GET",
            &format!(
                "/logistics/202309/warehouses/{}/delivery_options",
                sales["id"].as_str().unwrap()
            ),
            Some(&ci),
            &[],
            None,
        )
        .await;
    let opt = opts.data()["delivery_options"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let provs = c
        .call(
            "GET",
            &format!("/logistics/202309/delivery_options/{opt}/shipping_providers"),
            Some(&ci),
            &[],
            None,
        )
        .await;
    let prov = provs.data()["shipping_providers"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let a = c.call("POST", &format!("/fulfillment/202309/packages/{spkg}/ship"), Some(&ci), &[], Some(&json!({"self_shipment": {"tracking_number": "1Z999", "shipping_provider_id": prov}}))).await;
    assert_eq!(a.code(), 0, "{}", a.body);
    let a = c
        .call(
            "POST",
            &format!("/fulfillment/202309/orders/{sorder}/shipping_info/update"),
            Some(&ci),
            &[],
            Some(&json!({"tracking_number": "1Z1000", "shipping_provider_id": prov})),
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    let d = c
        .call(
            "GET",
            "/order/202309/orders",
            Some(&ci),
            &[("ids", &sorder)],
            None,
        )
        .await;
    assert_eq!(d.data()["orders"][0]["tracking_number"], "1Z1000");

    // Advancing through the lifecycle to COMPLETED.
    for want in ["IN_TRANSIT", "DELIVERED", "COMPLETED"] {
        let r: Value = http()
            .post(format!("{base}/_sandbox/orders/{sorder}/advance"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["status"], want);
    }
    let r = http()
        .post(format!("{base}/_sandbox/orders/{sorder}/advance"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 409);
    sb.stop().await;
}

#[tokio::test]
async fn on_hold_is_released_by_the_clock() {
    let sb = start(small()).await.unwrap();
    let shop_id = sb.state().with_world(|w| *w.shops.keys().next().unwrap());
    let r: Value = http()
        .post(format!("{}/_sandbox/shops/{shop_id}/orders", sb.base_url()))
        .json(&json!({"status": "ON_HOLD"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id: u64 = r["orders"][0]["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(r["orders"][0]["is_on_hold_order"], true);
    sb.state().advance_clock(3601);
    let (status, pkgs) = sb
        .state()
        .with_world(|w| (w.orders[&id].status, w.orders[&id].package_ids.len()));
    assert_eq!(status, OrderStatus::AwaitingShipment);
    assert_eq!(pkgs, 1);
    sb.stop().await;
}
