//! Stock that never oversells: pushes read TikTok's committed units (placed orders not yet shipped,
//! unpaid included) and tell TikTok `on_hand − committed − buffer`; random interleavings of orders,
//! payments, cancellations, shipments and ERP counts never leave TikTok selling more; the inventory
//! sync finds and corrects drift; two server processes pushing one SKU take turns.

use std::sync::Arc;

use api::app::Application;
use api::auth::Role;
use api::config::Settings;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use tiktok_sandbox::world::OrderStatus;
use tiktok_sandbox::world::ops::{Handover, NewOrder};

use crate::helpers::*;
use crate::sandbox_env::*;
use crate::stock::{Target, sandbox_committed, stock_env, stock_path, tiktok_stock};
use crate::sync::{drain, operator, sandbox_shop, sync};

/// TikTok's (available, committed) of the SKU in the warehouse.
fn books(env: &SandboxEnv, t: &Target) -> (i64, i64) {
    env.sandbox
        .state()
        .stock_of(t.sku_id.parse().unwrap())
        .into_iter()
        .find(|(w, _, _)| w.to_string() == t.warehouse_id)
        .map_or((0, 0), |(_, a, c)| (a, c))
}

async fn set_count(env: &SandboxEnv, t: &Target, warehouse_id: &str, on_hand: i64) {
    let (status, body) = env
        .app
        .put(
            &stock_path(env, t),
            &operator(env),
            json!({"warehouse_id": warehouse_id, "on_hand": on_hand}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// A small deterministic generator, so that a failing case can be run again.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// The ERP counts every other warehouse of the SKU as empty, so TikTok sells only from `t`'s.
async fn only_one_warehouse_sells(env: &SandboxEnv, t: &Target) {
    for (w, _, committed) in env.sandbox.state().stock_of(t.sku_id.parse().unwrap()) {
        if w.to_string() != t.warehouse_id {
            set_count(env, t, &w.to_string(), committed).await;
        }
    }
}

#[tokio::test]
async fn random_orders_cancels_shipments_and_counts_never_leave_tiktok_selling_more_than_the_shelf()
{
    const BUFFER: i64 = 1;
    for seed in [3_u64, 11, 29] {
        let (env, t) = stock_env().await;
        let (status, body) = env
            .app
            .put(
                &env.shop_path("/inventory-settings"),
                &env.app.admin(),
                json!({"safety_buffer": BUFFER}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        only_one_warehouse_sells(&env, &t).await;
        let shop = sandbox_shop(&env).await;
        let sku: u64 = t.sku_id.parse().unwrap();
        let state = env.sandbox.state();
        // The units already committed are on the shelf too.
        let mut on_hand = 20 + books(&env, &t).1;
        set_count(&env, &t, &t.warehouse_id, on_hand).await;
        let mut rng = Lcg(seed);
        let mut placed: Vec<u64> = Vec::new();
        let mut shipped = 0;
        for step in 0..45 {
            let now = state.now();
            let what = rng.below(6);
            match what {
                // A buyer places an order (it stays unpaid for now).
                0 | 1 => {
                    let units = 1 + rng.below(2) as usize;
                    let order = state.with_world(|w| {
                        w.create_order(
                            shop,
                            now,
                            NewOrder {
                                sku_ids: vec![sku; units],
                                ..Default::default()
                            },
                        )
                    });
                    if let Ok(id) = order {
                        placed.push(id);
                    }
                }
                // A buyer pays.
                2 => {
                    if let Some(&id) = placed.get(rng.below(placed.len().max(1) as u64) as usize) {
                        let _ = state.with_world(|w| w.pay_order(id, now));
                    }
                }
                // A buyer cancels before shipping.
                3 => {
                    if let Some(&id) = placed.get(rng.below(placed.len().max(1) as u64) as usize) {
                        let _ = state
                            .with_world(|w| w.cancel_order(id, &[], "BUYER", "changed mind", now));
                    }
                }
                // The warehouse ships an order and the ERP takes its units off the shelf.
                4 => {
                    if let Some(&id) = placed.get(rng.below(placed.len().max(1) as u64) as usize) {
                        let shipped_units = state.with_world(|w| {
                            let _ = w.pay_order(id, now);
                            let _ = w.release_hold(id, now);
                            let package = w.ensure_package(id, now)?;
                            w.ship_package(shop, package, Handover::DropOff, now).ok()?;
                            let o = &w.orders[&id];
                            Some(
                                o.line_items
                                    .iter()
                                    .filter(|l| !l.is_cancelled && l.sku_id == sku)
                                    .count() as i64,
                            )
                        });
                        if let Some(units) = shipped_units {
                            on_hand -= units;
                            shipped += 1;
                        }
                    }
                }
                // Goods received, or a recount.
                _ => {
                    on_hand = (on_hand + rng.below(9) as i64 - 3).max(0);
                }
            }
            // The push that follows the change.
            set_count(&env, &t, &t.warehouse_id, on_hand).await;
            let (available, committed) = books(&env, &t);
            assert_eq!(
                available,
                (on_hand - committed - BUFFER).max(0),
                "seed {seed}, step {step} (op {what}): TikTok sells exactly what is on the shelf, less what its placed orders hold and the buffer"
            );
        }
        let (available, committed) = books(&env, &t);
        assert!(shipped > 0, "seed {seed}: the run shipped orders");
        assert!(
            placed.iter().any(|id| state
                .with_world(|w| w.orders[id].status == OrderStatus::Unpaid
                    || w.orders[id].status == OrderStatus::Cancelled)),
            "seed {seed}: the run placed orders and left or cancelled some"
        );
        if on_hand >= committed + BUFFER {
            assert_eq!(
                available + committed + BUFFER,
                on_hand,
                "seed {seed}: TikTok's books end equal to the ERP's count"
            );
        } else {
            assert_eq!(available, 0, "seed {seed}");
        }
    }
}

#[tokio::test]
async fn a_push_counts_an_order_tiktok_took_that_we_never_synced() {
    let (env, t) = stock_env().await;
    set_count(&env, &t, &t.warehouse_id, 10).await;
    let committed = sandbox_committed(&env, &t).await;
    assert_eq!(tiktok_stock(&env, &t).await, 10 - committed);
    // A buyer orders two units (unpaid); nothing of it reaches our database.
    let state = env.sandbox.state();
    let shop = sandbox_shop(&env).await;
    let sku: u64 = t.sku_id.parse().unwrap();
    state
        .with_world(|w| {
            w.create_order(
                shop,
                state.now(),
                NewOrder {
                    sku_ids: vec![sku, sku],
                    ..Default::default()
                },
            )
        })
        .unwrap();
    // The ERP recounts the same shelf: TikTok must not get the two units back to sell again.
    let (status, level) = env
        .app
        .put(
            &stock_path(&env, &t),
            &operator(&env),
            json!({"warehouse_id": t.warehouse_id, "on_hand": 10}),
        )
        .await;
    assert_eq!(status, 200, "{level}");
    assert_eq!(level["committed"], committed + 2, "{level}");
    assert_eq!(level["pushed"], 10 - committed - 2, "{level}");
    assert_eq!(level["tiktok_available"], 10 - committed - 2, "{level}");
    assert_eq!(tiktok_stock(&env, &t).await, 10 - committed - 2);
    // The stock view shows TikTok's figures beside the ERP's count.
    let (_, page) = env
        .app
        .get(
            &env.shop_path(&format!("/inventory?product_id={}", t.product_id)),
            &operator(&env),
        )
        .await;
    let item = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["sku_id"] == t.sku_id.as_str())
        .unwrap()
        .clone();
    let here = item["stock"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["warehouse_id"] == t.warehouse_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (&here["quantity"], &here["committed"], &here["on_hand"]),
        (
            &json!(10 - committed - 2),
            &json!(committed + 2),
            &json!(10)
        ),
        "{item}"
    );
}

#[tokio::test]
async fn the_inventory_sync_stores_tiktoks_books_and_corrects_drift() {
    let (env, t) = stock_env().await;
    let viewer = env.app.token("acme", Role::Viewer);
    set_count(&env, &t, &t.warehouse_id, 30).await;
    let committed = sandbox_committed(&env, &t).await;
    // Someone sets the stock in Seller Center, behind the ERP's back.
    env.sandbox.state().with_world(|w| {
        let pid = w.sku_owner[&t.sku_id.parse().unwrap()];
        let p = w.products.get_mut(&pid).unwrap();
        let s = p
            .skus
            .iter_mut()
            .find(|s| s.id.to_string() == t.sku_id)
            .unwrap();
        s.inventory
            .iter_mut()
            .find(|i| i.warehouse_id.to_string() == t.warehouse_id)
            .unwrap()
            .quantity = 500;
    });
    let pushes = |env: &SandboxEnv| {
        env.count_requests(&format!(
            "/product/202309/products/{}/inventory/update",
            t.product_id
        ))
    };
    let before = pushes(&env);
    sync(&env, json!({"resources": ["inventory"]})).await;
    drain(&env).await;
    assert_eq!(
        tiktok_stock(&env, &t).await,
        30 - committed,
        "the drift is corrected"
    );
    assert_eq!(pushes(&env) - before, 1, "by one push");
    let (status, drift) = env
        .app
        .get(&env.shop_path("/inventory/drift"), &viewer)
        .await;
    assert_eq!(status, 200, "{drift}");
    let items = drift["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{drift}");
    let d = &items[0];
    assert_eq!(d["sku_id"], t.sku_id.as_str());
    assert_eq!(d["warehouse_id"], t.warehouse_id.as_str());
    assert_eq!(
        (
            &d["on_hand"],
            &d["committed"],
            &d["expected"],
            &d["tiktok_available"]
        ),
        (
            &json!(30),
            &json!(committed),
            &json!(30 - committed),
            &json!(500)
        ),
        "{d}"
    );
    assert!(d["corrected_at"].is_string(), "{d}");
    assert!(d["error"].is_null(), "{d}");

    // Every SKU of the shop has TikTok's committed figure stored, counted by the ERP or not.
    let stored = entity::sku_stock::Entity::find()
        .all(&env.app.state.db)
        .await
        .unwrap();
    assert!(!stored.is_empty());
    assert!(stored.iter().all(|s| s.committed.is_some()), "{stored:?}");

    // Nothing drifted since: a second run finds nothing and pushes nothing.
    let before = pushes(&env);
    sync(&env, json!({"resources": ["inventory"]})).await;
    drain(&env).await;
    assert_eq!(pushes(&env), before);
    let (_, drift) = env
        .app
        .get(&env.shop_path("/inventory/drift"), &viewer)
        .await;
    assert_eq!(drift["items"].as_array().unwrap().len(), 1);

    // Another tenant sees no such shop; a bad cursor is a 400.
    let (status, body) = env
        .app
        .get(
            &env.shop_path("/inventory/drift"),
            &env.app.token("globex", Role::Admin),
        )
        .await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = env
        .app
        .get(&env.shop_path("/inventory/drift?cursor=zzz"), &viewer)
        .await;
    assert_eq!(status, 400, "{body}");
    // With the inventory area off, the view says so.
    let (status, _) = env
        .app
        .put(
            &env.shop_path("/features"),
            &env.app.admin(),
            json!({"features": {"inventory": false}}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = env
        .app
        .get(&env.shop_path("/inventory/drift"), &viewer)
        .await;
    assert_error(status, &body, 409, "feature_disabled");
}

#[tokio::test]
async fn two_server_processes_pushing_one_sku_take_turns_and_end_with_the_last_count() {
    let (env, t) = stock_env().await;
    // A second instance of the service on the same database, as a second process would be.
    let mut second_env = env.app.env.clone();
    second_env.insert("OCEAN_BIND".into(), "127.0.0.1:0".into());
    let second = Application::build_with_clock(
        Settings::from_map(&second_env).unwrap(),
        Arc::new(env.app.clock.clone()),
    )
    .await
    .unwrap();
    let second_url = format!("http://127.0.0.1:{}", second.port());
    let (server, second_workers) = second.into_parts();
    second_workers.cancel();
    tokio::spawn(server);

    set_count(&env, &t, &t.warehouse_id, 300).await;
    let operator = operator(&env);
    let adjust_path = env.shop_path(&format!("/inventory/{}/stock/adjust", t.sku_id));
    let searches_before = env.count_requests("/product/202309/inventory/search");
    let first_seq = env.sandbox.state().requests().last().map_or(0, |r| r.seq);
    let deltas: Vec<i64> = (0..16).map(|i| if i % 3 == 0 { -2 } else { 3 }).collect();
    let sends = deltas.iter().enumerate().map(|(i, d)| {
        let base = if i % 2 == 0 {
            env.app.address.clone()
        } else {
            second_url.clone()
        };
        let client = env.app.client.clone();
        let body = json!({"warehouse_id": t.warehouse_id, "delta": d});
        let url = format!("{base}{adjust_path}");
        let token = operator.clone();
        async move {
            let res = client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    });
    for (status, body) in futures_util::future::join_all(sends).await {
        assert_eq!(status, 200, "{body}");
    }
    let on_hand = 300 + deltas.iter().sum::<i64>();
    let committed = sandbox_committed(&env, &t).await;
    assert_eq!(
        tiktok_stock(&env, &t).await,
        on_hand - committed,
        "TikTok ends with the last count"
    );
    assert!(env.count_requests("/product/202309/inventory/search") > searches_before);
    // Pushes of the SKU never crossed: every update is read back before the next update starts.
    let update_path = format!("/product/202309/products/{}/inventory/update", t.product_id);
    let calls: Vec<bool> = env
        .sandbox
        .state()
        .requests()
        .into_iter()
        .filter(|r| r.seq > first_seq)
        .filter(|r| {
            r.path == update_path
                || (r.path == "/product/202309/inventory/search" && r.body.contains(&t.sku_id))
        })
        .map(|r| r.path == update_path)
        .collect();
    assert!(
        calls.windows(2).all(|w| !(w[0] && w[1])),
        "two updates of one SKU back to back: pushes crossed ({calls:?})"
    );
    assert_eq!(
        entity::stock_push_lease::Entity::find()
            .count(&env.app.state.db)
            .await
            .unwrap(),
        0,
        "every lease is given back"
    );
}

#[tokio::test]
async fn the_push_lease_of_a_process_that_died_is_taken_over_once_it_runs_out() {
    use api::clock::Clock;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let (env, t) = stock_env().await;
    // A process died mid-push: its lease is still in the table, run out.
    let shop_row = env.shop_row().await;
    entity::stock_push_lease::ActiveModel {
        shop_id: Set(shop_row.id.clone()),
        sku_id: Set(t.sku_id.clone()),
        holder: Set("a-process-that-died".into()),
        lease_until: Set(env.app.clock.now() - chrono::Duration::seconds(1)),
    }
    .insert(&env.app.state.db)
    .await
    .unwrap();
    set_count(&env, &t, &t.warehouse_id, 25).await;
    let committed = sandbox_committed(&env, &t).await;
    assert_eq!(tiktok_stock(&env, &t).await, 25 - committed);
    assert_eq!(
        entity::stock_push_lease::Entity::find()
            .count(&env.app.state.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_drift_tiktok_refuses_to_correct_is_recorded_with_its_error_and_the_sync_goes_on() {
    let (env, t) = stock_env().await;
    set_count(&env, &t, &t.warehouse_id, 30).await;
    // Behind the ERP's back the stock moves, and the product is frozen: TikTok refuses edits.
    env.sandbox.state().with_world(|w| {
        let p = w.products.get_mut(&t.product_id.parse().unwrap()).unwrap();
        p.status = tiktok_sandbox::world::ProductStatus::Freeze;
        let s = p
            .skus
            .iter_mut()
            .find(|s| s.id.to_string() == t.sku_id)
            .unwrap();
        s.inventory
            .iter_mut()
            .find(|i| i.warehouse_id.to_string() == t.warehouse_id)
            .unwrap()
            .quantity = 500;
    });
    let accepted = sync(&env, json!({"resources": ["inventory"]})).await;
    drain(&env).await;
    let job = crate::sync::job(&env, accepted["job_id"].as_str().unwrap()).await;
    assert_eq!(
        job["state"], "succeeded",
        "one refusal does not fail the sync: {job}"
    );
    let (_, drift) = env
        .app
        .get(
            &env.shop_path("/inventory/drift"),
            &env.app.token("acme", Role::Viewer),
        )
        .await;
    let d = &drift["items"][0];
    assert_eq!(d["tiktok_available"], 500, "{drift}");
    assert!(d["corrected_at"].is_null(), "{d}");
    assert!(
        d["error"].as_str().unwrap().contains("tiktok_refused"),
        "{d}"
    );
    assert_eq!(
        tiktok_stock(&env, &t).await,
        500,
        "TikTok refused: unchanged"
    );
}
