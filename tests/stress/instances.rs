//! Two `serve` processes on one database (as two replicas behind a load balancer): each sync job
//! runs once, an expired token is refreshed once however many callers race for it, the two stay
//! within TikTok's rate limits together, and a SKU's stock pushed from both is never left stale.

use std::time::{Duration, Instant};

use api::auth::Role;
use entity::{erp_stock, sku_stock, sync_job};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::SHOPS;
use crate::process::{Serve, serve_env};
use crate::sync_env::{assert_orders_match, assert_products_match, connected_with, sandbox_shop};

async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = client.request(method, url).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_run_each_job_once_refresh_once_hold_the_limits_and_push_no_stale_stock() {
    let env = connected_with(|c| {
        c.orders = 600;
        c.products = 20;
    })
    .await;
    env.app.workers.cancel();
    let process_env = serve_env(&env.app.env, &[("OCEAN_WORK_LEASE", "4s")]);
    let a = Serve::start(&process_env, None).await;
    let b = Serve::start(&process_env, None).await;
    let client = reqwest::Client::new();
    let operator = env.app.token("acme", Role::Operator);
    let shop_url =
        |serve: &Serve, suffix: &str| format!("{}{SHOPS}/{}{suffix}", serve.base, env.shop_id);
    let first_call = env.sandbox.state().requests().len();

    // Each job once: a full sync of everything, queued through one instance, worked by both.
    let (status, queued) = call(
        &client,
        reqwest::Method::POST,
        shop_url(&a, "/sync"),
        &operator,
        Some(
            json!({"resources": ["orders", "products", "warehouses", "inventory"], "mode": "full"}),
        ),
    )
    .await;
    assert_eq!(status, 202, "{queued}");
    let ids: Vec<String> = queued["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_owned())
        .collect();
    let started = Instant::now();
    let jobs = loop {
        let jobs = sync_job::Entity::find()
            .filter(sync_job::Column::Id.is_in(ids.clone()))
            .all(&env.app.state.db)
            .await
            .unwrap();
        if jobs
            .iter()
            .all(|j| j.state != "queued" && j.state != "running")
        {
            break jobs;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "{jobs:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for j in &jobs {
        assert_eq!((j.state.as_str(), j.attempts), ("succeeded", 1), "{j:?}");
    }
    let log = env.sandbox.state().requests();
    let first_pages = log[first_call..]
        .iter()
        .filter(|r| r.path == "/order/202309/orders/search" && !r.query.contains("page_token"))
        .count();
    assert_eq!(first_pages, 1, "the orders were walked once");
    assert_orders_match(&env).await;
    assert_products_match(&env).await;

    // Each refresh once: TikTok expires the access token, and 16 callers on the two instances meet
    // the refusal at once.
    let shop = sandbox_shop(&env).await;
    env.control(&format!("/_sandbox/shops/{shop}/expire-token"), json!({}))
        .await;
    let refreshes_before = env.count_requests("/api/v2/token/refresh");
    let order_id = env.sandbox.state().with_world(|w| {
        w.orders
            .values()
            .find(|o| o.shop_id == shop)
            .unwrap()
            .id
            .to_string()
    });
    let viewer = env.app.token("acme", Role::Viewer);
    let callers: Vec<_> = (0..16)
        .map(|i| {
            let url = shop_url(
                if i % 2 == 0 { &a } else { &b },
                &format!("/orders/{order_id}/tracking"),
            );
            let (client, viewer) = (client.clone(), viewer.clone());
            tokio::spawn(
                async move { call(&client, reqwest::Method::GET, url, &viewer, None).await },
            )
        })
        .collect();
    for c in callers {
        let (status, body) = c.await.unwrap();
        assert_eq!(status, 200, "{body}");
    }
    let refreshes = env.count_requests("/api/v2/token/refresh") - refreshes_before;
    assert_eq!(refreshes, 1, "16 callers on two instances refreshed once");

    // A SKU's stock set 40 times through both instances at once: TikTok ends with the last count
    // the ERP holds, less what TikTok has committed.
    let row = sku_stock::Entity::find()
        .filter(sku_stock::Column::ShopId.eq(&env.shop_id))
        .one(&env.app.state.db)
        .await
        .unwrap()
        .unwrap();
    let writes: Vec<_> = (0..40)
        .map(|i| {
            let url = shop_url(
                if i % 2 == 0 { &a } else { &b },
                &format!("/inventory/{}/stock", row.sku_id),
            );
            let (client, operator) = (client.clone(), operator.clone());
            let body = json!({"warehouse_id": row.warehouse_id, "on_hand": 100 + i});
            tokio::spawn(async move {
                call(&client, reqwest::Method::PUT, url, &operator, Some(body)).await
            })
        })
        .collect();
    for w in writes {
        let (status, body) = w.await.unwrap();
        assert_eq!(status, 200, "{body}");
    }
    let on_hand = erp_stock::Entity::find()
        .filter(erp_stock::Column::ShopId.eq(&env.shop_id))
        .filter(erp_stock::Column::SkuId.eq(&row.sku_id))
        .filter(erp_stock::Column::WarehouseId.eq(&row.warehouse_id))
        .one(&env.app.state.db)
        .await
        .unwrap()
        .expect("the ERP's count")
        .on_hand;
    let (available, committed) = env
        .sandbox
        .state()
        .stock_of(row.sku_id.parse().unwrap())
        .into_iter()
        .find(|(w, _, _)| w.to_string() == row.warehouse_id)
        .map(|(_, available, committed)| (available, committed))
        .unwrap();
    assert_eq!(
        available,
        on_hand - committed,
        "TikTok sells what the shelf holds"
    );

    // Limits held: TikTok's limiter refused none of the two instances' calls.
    let log = env.sandbox.state().requests();
    let calls = &log[first_call..];
    let refused = calls.iter().filter(|r| r.http_status == 429).count();
    assert_eq!(refused, 0, "TikTok refused calls for the rate limit");
    let mut per_minute = std::collections::BTreeMap::<(String, i64), usize>::new();
    for r in calls {
        *per_minute.entry((r.path.clone(), r.time / 60)).or_default() += 1;
    }
    let busiest = per_minute.values().max().copied().unwrap_or(0);
    figures!(
        "two instances: 4 jobs run once each, 1 refresh for 16 racing callers, 40 racing stock writes ended exact; \
         {} TikTok calls, 0 refused, busiest API-minute {busiest} calls (limit 600)",
        calls.len()
    );
    drop((a, b));
}
