#![allow(dead_code)] // each test target uses only some of these
//! The sync tests' shared steps: a connected shop, the queue driven by hand, both clocks moved together,
//! and the checks that local orders, products and warehouses equal the sandbox's. Shared by the `api`
//! and `stress` test targets.

use std::collections::BTreeMap;

use api::auth::Role;
use api::sync::jobs;
use entity::{
    sku_stock, sync_job, tiktok_order, tiktok_order_line, tiktok_product, tiktok_sku,
    tiktok_warehouse,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tiktok_sandbox::world::{ProductStatus, format_amount};

use crate::sandbox_env::*;

pub(crate) async fn connected_with(
    config: impl FnOnce(&mut tiktok_sandbox::SandboxConfig),
) -> SandboxEnv {
    let env = sandbox_env_with(config, |_| {}).await;
    env.connect().await;
    env
}

/// Stops the app's background workers (sync workers, scheduler) so the test alone drives the queue;
/// the clock keeps moving itself to the client's back-off deadlines.
pub(crate) fn drive_by_hand(env: &SandboxEnv) {
    env.app.workers.cancel();
    auto_advance(
        env.app.clock.clone(),
        tokio_util::sync::CancellationToken::new(),
    );
}

/// Moves our clock and the sandbox's together, as time moves for both in the world.
pub(crate) async fn advance_both(env: &SandboxEnv, by: chrono::Duration) {
    env.app.clock.advance(by);
    env.control(
        "/_sandbox/clock",
        json!({"advance_seconds": by.num_seconds()}),
    )
    .await;
}

pub(crate) fn operator(env: &SandboxEnv) -> String {
    env.app.token("acme", Role::Operator)
}

pub(crate) async fn runnable_jobs(env: &SandboxEnv) -> u64 {
    let now = env.app.state.clock.now();
    let all = sync_job::Entity::find()
        .all(&env.app.state.db)
        .await
        .unwrap();
    all.iter()
        .filter(|j| j.state == jobs::RUNNING || (j.state == jobs::QUEUED && j.run_after <= now))
        .count() as u64
}

/// Runs jobs until none is runnable (also while background workers take some).
pub(crate) async fn drain(env: &SandboxEnv) {
    for _ in 0..2000 {
        if jobs::run_once(env.app.state.worker()).await {
            continue;
        }
        if runnable_jobs(env).await == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the sync queue did not drain");
}

pub(crate) async fn sync(env: &SandboxEnv, body: Value) -> Value {
    let (status, body) = env
        .app
        .post(&env.shop_path("/sync"), &operator(env), body)
        .await;
    assert_eq!(status, 202, "{body}");
    body
}

pub(crate) async fn job(env: &SandboxEnv, id: &str) -> Value {
    let (status, body) = env
        .app
        .get(
            &env.shop_path(&format!("/sync/jobs/{id}")),
            &env.app.token("acme", Role::Viewer),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

pub(crate) async fn sandbox_shop(env: &SandboxEnv) -> u64 {
    env.tiktok_shop_id().await.parse().unwrap()
}

type OrderView = (String, i64, usize, String, String);

pub(crate) async fn assert_orders_match(env: &SandboxEnv) {
    let shop = sandbox_shop(env).await;
    let expected: BTreeMap<String, OrderView> = env.sandbox.state().with_world(|w| {
        let region = w.region_of(shop);
        w.orders
            .values()
            .filter(|o| o.shop_id == shop)
            .map(|o| {
                (
                    o.id.to_string(),
                    (
                        o.status.as_str().to_owned(),
                        o.update_time,
                        o.line_items.len(),
                        format_amount(o.payment.total_amount, region),
                        format_amount(o.payment.sub_total, region),
                    ),
                )
            })
            .collect()
    });
    assert!(!expected.is_empty());
    let db = &env.app.state.db;
    let lines = tiktok_order_line::Entity::find()
        .filter(tiktok_order_line::Column::ShopId.eq(&env.shop_id))
        .all(db)
        .await
        .unwrap();
    let mut per_order: BTreeMap<String, usize> = BTreeMap::new();
    for l in &lines {
        *per_order.entry(l.order_id.clone()).or_default() += 1;
    }
    let local: BTreeMap<String, OrderView> = tiktok_order::Entity::find()
        .filter(tiktok_order::Column::ShopId.eq(&env.shop_id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| {
            (
                o.id.clone(),
                (
                    o.status,
                    o.update_time.timestamp(),
                    per_order.get(&o.id).copied().unwrap_or(0),
                    o.total_amount,
                    o.sub_total,
                ),
            )
        })
        .collect();
    assert_eq!(local, expected);
}

type ProductView = (String, BTreeMap<String, (String, BTreeMap<String, i64>)>);

pub(crate) async fn assert_products_match(env: &SandboxEnv) {
    let shop = sandbox_shop(env).await;
    let expected: BTreeMap<String, ProductView> = env.sandbox.state().with_world(|w| {
        w.products
            .values()
            .filter(|p| p.shop_id == shop && p.status != ProductStatus::Deleted)
            .map(|p| {
                let skus = p
                    .skus
                    .iter()
                    .map(|s| {
                        let stock = s
                            .inventory
                            .iter()
                            .map(|i| (i.warehouse_id.to_string(), i.quantity))
                            .collect();
                        (s.id.to_string(), (s.seller_sku.clone(), stock))
                    })
                    .collect();
                (p.id.to_string(), (p.status.as_str().to_owned(), skus))
            })
            .collect()
    });
    assert!(!expected.is_empty());
    let db = &env.app.state.db;
    let stock = sku_stock::Entity::find()
        .filter(sku_stock::Column::ShopId.eq(&env.shop_id))
        .all(db)
        .await
        .unwrap();
    let skus = tiktok_sku::Entity::find()
        .filter(tiktok_sku::Column::ShopId.eq(&env.shop_id))
        .all(db)
        .await
        .unwrap();
    let mut local: BTreeMap<String, ProductView> = tiktok_product::Entity::find()
        .filter(tiktok_product::Column::ShopId.eq(&env.shop_id))
        .filter(tiktok_product::Column::Status.ne("DELETED"))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.id, (p.status, BTreeMap::new())))
        .collect();
    for s in skus {
        let levels = stock
            .iter()
            .filter(|x| x.sku_id == s.id)
            .map(|x| (x.warehouse_id.clone(), x.quantity))
            .collect();
        if let Some(p) = local.get_mut(&s.product_id) {
            p.1.insert(s.id, (s.seller_sku, levels));
        }
    }
    assert_eq!(local, expected);
}

pub(crate) async fn assert_warehouses_match(env: &SandboxEnv) {
    let shop = sandbox_shop(env).await;
    let mut expected: Vec<String> = env.sandbox.state().with_world(|w| {
        w.shops[&shop]
            .warehouse_ids
            .iter()
            .map(|i| i.to_string())
            .collect()
    });
    expected.sort();
    let mut local: Vec<String> = tiktok_warehouse::Entity::find()
        .filter(tiktok_warehouse::Column::ShopId.eq(&env.shop_id))
        .all(&env.app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.id)
        .collect();
    local.sort();
    assert!(!expected.is_empty());
    assert_eq!(local, expected);
}

/// The sandbox's clock catches up with ours (the client's back-off moved ours), as time moves for
/// both in the world: TikTok refuses timestamps more than 30 s ahead of its clock.
pub(crate) async fn catch_up(env: &SandboxEnv) {
    let res = reqwest::get(format!("{}/_sandbox/clock", env.sandbox.base_url()))
        .await
        .unwrap();
    let theirs = res.json::<serde_json::Value>().await.unwrap()["now"]
        .as_i64()
        .unwrap();
    let ahead = env.app.state.clock.now().timestamp() - theirs;
    if ahead > 0 {
        env.control("/_sandbox/clock", json!({"advance_seconds": ahead}))
            .await;
    }
}

/// Runs the queue until every job has finished, moving both clocks over each job's back-off.
pub(crate) async fn run_to_the_end(env: &SandboxEnv) -> Vec<sync_job::Model> {
    for _ in 0..50 {
        catch_up(env).await;
        drain(env).await;
        let all = sync_job::Entity::find()
            .all(&env.app.state.db)
            .await
            .unwrap();
        let waiting = all
            .iter()
            .filter(|j| j.state == jobs::QUEUED)
            .map(|j| j.run_after)
            .min();
        match waiting {
            None => return all,
            Some(at) => {
                let wait = at - env.app.state.clock.now();
                advance_both(
                    env,
                    wait.max(chrono::Duration::zero()) + chrono::Duration::seconds(1),
                )
                .await;
            }
        }
    }
    panic!("jobs still waiting after 50 rounds");
}

/// Every item of a paged list, following `next_cursor`.
pub(crate) async fn all_pages(env: &SandboxEnv, path: &str) -> Vec<Value> {
    let viewer = env.app.token("acme", Role::Viewer);
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=7&cursor={c}"),
            None => format!("{path}{sep}limit=7"),
        };
        let (status, page) = env.app.get(&env.shop_path(&url), &viewer).await;
        assert_eq!(status, 200, "{url}: {page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
}
