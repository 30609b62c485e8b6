//! Deals in orders: a unit ordered while an activity covering its SKU runs carries the deal price and
//! counts against the activity's limits; then the next deal, or the SKU's price. The living shop buys
//! on sale more often.

mod promo;
mod signed_client;

use promo::*;
use serde_json::{Value, json};
use signed_client::{Client, config};
use tiktok_sandbox::start;
use tiktok_sandbox::world::Id;

fn cents(v: &Value) -> i64 {
    let s = v.as_str().unwrap_or_else(|| panic!("not an amount: {v}"));
    let (a, b) = s.split_once('.').unwrap();
    a.parse::<i64>().unwrap() * 100 + b.parse::<i64>().unwrap()
}

/// (sale, original) of each line, in order.
fn lines(o: &Value) -> Vec<(i64, i64)> {
    o["line_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            assert_eq!(
                cents(&l["seller_discount"]),
                cents(&l["original_price"]) - cents(&l["sale_price"])
            );
            (cents(&l["sale_price"]), cents(&l["original_price"]))
        })
        .collect()
}

/// The order's payment agrees with its lines: seller discount = original − deal.
#[track_caller]
fn consistent(o: &Value) {
    let l = lines(o);
    let p = &o["payment"];
    let sale: i64 = l.iter().map(|x| x.0).sum();
    let original: i64 = l.iter().map(|x| x.1).sum();
    assert_eq!(cents(&p["sub_total"]), sale, "{p}");
    assert_eq!(cents(&p["original_total_product_price"]), original, "{p}");
    assert_eq!(cents(&p["seller_discount"]), original - sale, "{p}");
    assert_eq!(
        cents(&p["total_amount"]),
        sale + cents(&p["shipping_fee"]) + cents(&p["tax"]),
        "{p}"
    );
}

fn used(g: &Value) -> i64 {
    g["products"][0]["used_quantity"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flash_sale_prices_orders_until_its_limits_are_used_up() {
    let sandbox = start(roomy()).await.unwrap();
    let c = Client::new(&sandbox);
    let (pid, skus, prices) = free_product(&c, 2, &[]);
    let low = *prices.iter().min().unwrap();
    let deal = low / 2;
    let flash = activity(&c, "Flash in orders", "FLASHSALE", "PRODUCT", 60, 3600).await;
    put_products(&c, &flash, json!([priced(pid, &dollars(deal), 3, 2)]))
        .await
        .ok();
    // Not started: the SKU's price.
    let o = order(&c, &[skus[0]], None).await;
    assert_eq!(lines(&o), [(prices[0], prices[0])]);
    consistent(&o);
    assert_eq!(used(&get(&c, &flash).await), 0);

    c.state.advance_clock(61);
    assert_eq!(get(&c, &flash).await["status"], "ONGOING");
    // A buyer gets two units at the deal (quantity_per_user 2), the third at the price.
    let o = order(
        &c,
        &[skus[0], skus[0], skus[0]],
        Some("7021436810468999001"),
    )
    .await;
    assert_eq!(
        lines(&o),
        [(deal, prices[0]), (deal, prices[0]), (prices[0], prices[0])]
    );
    consistent(&o);
    assert_eq!(used(&get(&c, &flash).await), 2);
    // The same buyer again: no more at the deal.
    let o = order(&c, &[skus[1]], Some("7021436810468999001")).await;
    assert_eq!(lines(&o), [(prices[1], prices[1])]);
    // Another buyer takes the last unit of the limit (3); then the price again.
    let o = order(&c, &[skus[1], skus[1]], Some("7021436810468999002")).await;
    assert_eq!(lines(&o), [(deal, prices[1]), (prices[1], prices[1])]);
    consistent(&o);
    let g = get(&c, &flash).await;
    assert_eq!(used(&g), 3);
    let o = order(&c, &[skus[0]], None).await;
    assert_eq!(lines(&o), [(prices[0], prices[0])]);

    // The order as the API reads it carries the same amounts.
    let oid = o["id"].as_str().unwrap();
    let api = c.get("/order/202309/orders", &[("ids", oid)]).await;
    let a = &api.ok()["orders"][0];
    assert_eq!(
        a["payment"]["seller_discount"],
        o["payment"]["seller_discount"]
    );

    // Expired: the price.
    c.state.advance_clock(3600);
    let c = Client::new(&sandbox);
    assert_eq!(get(&c, &flash).await["status"], "EXPIRED");
    let o = order(&c, &[skus[0]], Some("7021436810468999003")).await;
    assert_eq!(lines(&o), [(prices[0], prices[0])]);
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_flash_price_wins_then_the_product_discount_then_the_price() {
    let sandbox = start(roomy()).await.unwrap();
    let c = Client::new(&sandbox);
    let (pid, skus, prices) = free_product(&c, 2, &[]);
    let list = prices[0];
    let fixed_price = list * 7 / 10;
    let flash_price = list / 2;
    let low = *prices.iter().min().unwrap();
    let fixed = activity(&c, "Fixed under flash", "FIXED_PRICE", "PRODUCT", 60, 7200).await;
    put_products(
        &c,
        &fixed,
        json!([priced(pid, &dollars(fixed_price.min(low - 1)), -1, -1)]),
    )
    .await
    .ok();
    let flash = activity(&c, "Flash over fixed", "FLASHSALE", "VARIATION", 60, 3600).await;
    put_products(
        &c,
        &flash,
        json!([{"id": pid.to_string(), "quantity_limit": -1, "quantity_per_user": -1,
                "skus": [{"id": skus[0].to_string(), "activity_price_amount": dollars(flash_price),
                          "quantity_limit": 1, "quantity_per_user": -1}]}]),
    )
    .await
    .ok();
    c.state.advance_clock(61);
    let fixed_deal = fixed_price.min(low - 1);
    // SKU 0: the flash price for the one unit it has, then the fixed price; SKU 1: the fixed price.
    let o = order(&c, &[skus[0], skus[0], skus[1]], None).await;
    assert_eq!(
        lines(&o),
        [
            (flash_price, list),
            (fixed_deal, list),
            (fixed_deal, prices[1])
        ]
    );
    consistent(&o);
    let g = get(&c, &flash).await;
    assert_eq!(g["products"][0]["skus"][0]["used_quantity"], 1);
    assert_eq!(g["products"][0]["used_quantity"], 1);
    assert_eq!(used(&get(&c, &fixed).await), 2);

    // A direct discount takes a percentage off, rounded to the cent.
    let (qid, qskus, qprices) = free_product(&c, 1, &[pid]);
    let direct = activity(&c, "15 percent", "DIRECT_DISCOUNT", "PRODUCT", 60, 3600).await;
    put_products(
        &c,
        &direct,
        json!([{"id": qid.to_string(), "discount": "15", "quantity_limit": -1, "quantity_per_user": -1}]),
    )
    .await
    .ok();
    c.state.advance_clock(61);
    let o = order(&c, &[qskus[0]], None).await;
    let expected = (qprices[0] * 85 + 50) / 100;
    assert_eq!(lines(&o), [(expected, qprices[0])]);
    consistent(&o);
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_order_per_buyer_when_the_activity_says_so() {
    let sandbox = start(roomy()).await.unwrap();
    let c = Client::new(&sandbox);
    let (pid, skus, prices) = free_product(&c, 1, &[]);
    let now = c.state.now();
    let id = create(
        &c,
        json!({"title": "Once per buyer", "activity_type": "FLASHSALE", "product_level": "PRODUCT",
               "begin_time": now + 60, "end_time": now + 3600,
               "participation_limit": [{"type": "BUYER_LIMIT_ONLY_ONE"}]}),
    )
    .await;
    let deal = prices.iter().min().unwrap() / 2;
    put_products(&c, &id, json!([priced(pid, &dollars(deal), -1, -1)]))
        .await
        .ok();
    c.state.advance_clock(61);
    let buyer = Some("7021436810468999100");
    let o = order(&c, &[skus[0], skus[0]], buyer).await;
    assert_eq!(lines(&o), [(deal, prices[0]), (deal, prices[0])]);
    let o = order(&c, &[skus[0]], buyer).await;
    assert_eq!(lines(&o), [(prices[0], prices[0])]);
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_living_shop_buys_on_sale_more_often() {
    let sandbox = start(config()).await.unwrap();
    let c = Client::new(&sandbox);
    // The generated world has a flash sale and a direct discount running.
    let (deal_skus, flash): (Vec<Id>, Id) = c.state.with_world(|w| {
        let flash = w
            .promotions
            .values()
            .find(|p| p.shop_id == c.shop_id && p.title == "Summer Flash Sale")
            .unwrap()
            .id;
        (
            w.deal_skus(c.shop_id, w.promotions[&flash].begin_time + 1),
            flash,
        )
    });
    assert!(!deal_skus.is_empty());
    let report = c
        .control(
            "POST",
            "/_sandbox/living/tick",
            Some(json!({"minutes": 30, "orders_per_minute": 2, "advance_clock": false})),
        )
        .await;
    let created: Vec<String> = report["created"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let (mine, on_sale) = c.state.with_world(|w| {
        let mine: Vec<_> = created
            .iter()
            .filter_map(|id| w.orders.get(&id.parse().unwrap()))
            .filter(|o| o.shop_id == c.shop_id)
            .collect();
        for o in &mine {
            let sale: i64 = o.line_items.iter().map(|l| l.sale_price).sum();
            let original: i64 = o.line_items.iter().map(|l| l.original_price).sum();
            assert_eq!(o.payment.sub_total, sale);
            assert_eq!(o.payment.seller_discount, original - sale);
        }
        let on_sale = mine
            .iter()
            .filter(|o| o.line_items.iter().any(|l| deal_skus.contains(&l.sku_id)))
            .count();
        (mine.len(), on_sale)
    });
    assert!(mine >= 40, "{mine} orders");
    assert!(
        on_sale * 100 >= mine * 45,
        "{on_sale} of {mine} orders bought a SKU on sale"
    );
    let used = c.state.with_world(|w| {
        w.promotions[&flash]
            .products
            .iter()
            .map(|p| p.used_quantity)
            .sum::<i64>()
    });
    assert!(used > 0, "the flash sale sold");
    sandbox.stop().await;
}
