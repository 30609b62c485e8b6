//! Helpers for the promotion tests: products free of any activity, money strings, activities set up
//! through the signed API, orders through the control plane.
#![allow(dead_code)]

use serde_json::{Value, json};
use tiktok_sandbox::SandboxConfig;
use tiktok_sandbox::world::ProductStatus;

use crate::signed_client::{Answer, Client, config};

pub const INVALID: i64 = 36009004;
pub const NOT_FOUND: i64 = 17000001;
pub const STATUS_NOT_ALLOWED: i64 = 17000002;
pub const PRODUCT_INVALID: i64 = 17000003;
pub const TITLE_TAKEN: i64 = 17000005;
pub const SKU_CONFLICT: i64 = 17000006;
pub const FLASH_LOCKED: i64 = 17000007;
pub const LIMIT_DECREASED: i64 = 17000008;
pub const ACTIVITIES: &str = "/promotion/202309/activities";

/// A world with enough products that some are in no activity.
pub fn roomy() -> SandboxConfig {
    SandboxConfig {
        products: 40,
        ..config()
    }
}

/// An active product with stock, in no activity, with at least `min_skus` SKUs, not in `except`:
/// (product id, SKU ids, SKU prices in minor units).
pub fn free_product(c: &Client, min_skus: usize, except: &[u64]) -> (u64, Vec<u64>, Vec<i64>) {
    c.state.with_world(|w| {
        let p = w
            .products
            .values()
            .find(|p| {
                p.shop_id == c.shop_id
                    && p.status == ProductStatus::Activate
                    && p.skus.len() >= min_skus
                    && p.skus.iter().all(|s| s.total_stock() >= 5)
                    && !w.promotion_index.by_product.contains_key(&p.id)
                    && !except.contains(&p.id)
            })
            .expect("a free product");
        (
            p.id,
            p.skus.iter().map(|s| s.id).collect(),
            p.skus.iter().map(|s| s.price).collect(),
        )
    })
}

/// Minor units as a USD string.
pub fn dollars(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

pub async fn create(c: &Client, body: Value) -> String {
    let a = c.post(ACTIVITIES, &[], body).await;
    a.ok()["activity_id"].as_str().unwrap().to_string()
}

/// A new activity of `kind` at `level`, starting in `starts_in` seconds, lasting `length`.
pub async fn activity(
    c: &Client,
    title: &str,
    kind: &str,
    level: &str,
    starts_in: i64,
    length: i64,
) -> String {
    let now = c.state.now();
    create(
        c,
        json!({"title": title, "activity_type": kind, "product_level": level,
               "begin_time": now + starts_in, "end_time": now + starts_in + length}),
    )
    .await
}

pub async fn put_products(c: &Client, id: &str, products: Value) -> Answer {
    c.call(
        "PUT",
        &format!("{ACTIVITIES}/{id}/products"),
        &[],
        Some(&json!({"activity_id": id, "products": products})),
    )
    .await
}

pub async fn get(c: &Client, id: &str) -> Value {
    c.get(&format!("{ACTIVITIES}/{id}"), &[]).await.ok().clone()
}

/// One PRODUCT-level entry with a price (FIXED_PRICE, FLASHSALE).
pub fn priced(pid: u64, price: &str, limit: i64, per_user: i64) -> Value {
    json!({"id": pid.to_string(), "activity_price_amount": price, "quantity_limit": limit,
           "quantity_per_user": per_user, "skus": []})
}

/// Places one order through the control plane: one unit per SKU listed, for `user` when given.
pub async fn order(c: &Client, skus: &[u64], user: Option<&str>) -> Value {
    let mut body = json!({"sku_ids": skus.iter().map(u64::to_string).collect::<Vec<_>>()});
    if let Some(u) = user {
        body["user_id"] = json!(u);
    }
    let r = c
        .control(
            "POST",
            &format!("/_sandbox/shops/{}/orders", c.shop_id),
            Some(body),
        )
        .await;
    r["orders"][0].clone()
}
