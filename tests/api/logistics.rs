//! The logistics area against the sandbox: a warehouse with its delivery options and the carriers a
//! shop can ship with, read from TikTok and kept for hours; in-transit orders read again by the
//! `tracking` sync so a delivery shows without its webhook; what cash-on-delivery orders are due, in
//! the regions that have COD; the toggle.

use api::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sandbox_env::*;
use crate::sync::{
    advance_both, connected_with, drain, drive_by_hand, operator, sandbox_shop, sync,
};

async fn logistics_env() -> SandboxEnv {
    let env = connected_with(|c| {
        c.orders = 10;
        c.products = 5;
    })
    .await;
    drive_by_hand(&env);
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/features"),
            &env.app.admin(),
            json!({"features": {"logistics": true}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    sync(
        &env,
        json!({"resources": ["warehouses", "orders"], "mode": "full"}),
    )
    .await;
    drain(&env).await;
    env
}

/// The sandbox's (TikTok's) delivery options of a warehouse and the carriers of each, by id.
fn sandbox_setup(env: &SandboxEnv, warehouse: &str) -> Vec<(String, Vec<String>)> {
    env.sandbox.state().with_world(|w| {
        w.warehouses[&warehouse.parse().unwrap()]
            .delivery_option_ids
            .iter()
            .map(|d| {
                let option = &w.delivery_options[d];
                (
                    d.to_string(),
                    option
                        .shipping_provider_ids
                        .iter()
                        .map(|p| p.to_string())
                        .collect(),
                )
            })
            .collect()
    })
}

#[tokio::test]
async fn a_warehouse_shows_its_delivery_options_and_the_carriers_are_kept_for_hours() {
    let env = logistics_env().await;
    let shop = sandbox_shop(&env).await;
    let warehouse = env.sandbox.state().with_world(|w| {
        w.shops[&shop]
            .warehouse_ids
            .iter()
            .find(|id| w.warehouses[id].kind == tiktok_sandbox::world::WarehouseType::Sales)
            .unwrap()
            .to_string()
    });
    let want = sandbox_setup(&env, &warehouse);
    assert!(
        !want.is_empty(),
        "the sandbox's warehouse has delivery options"
    );
    let viewer = env.app.token("acme", Role::Viewer);
    let (status, body) = env
        .app
        .get(&env.shop_path(&format!("/warehouses/{warehouse}")), &viewer)
        .await;
    assert_eq!(status, 200, "{body}");
    let options: Vec<&str> = body["delivery_options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        options,
        want.iter().map(|(d, _)| d.as_str()).collect::<Vec<_>>()
    );
    assert!(body["delivery_options"][0]["name"].is_string(), "{body}");

    let carriers = env.shop_path(&format!(
        "/logistics/shipping-providers?warehouse_id={warehouse}"
    ));
    let (status, body) = env.app.get(&carriers, &viewer).await;
    assert_eq!(status, 200, "{body}");
    let items = body["items"].as_array().unwrap();
    let mut got: Vec<(String, String)> = items
        .iter()
        .map(|c| {
            assert_eq!(c["warehouse_id"], warehouse.as_str());
            (
                c["delivery_option_id"].as_str().unwrap().to_owned(),
                c["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut expected: Vec<(String, String)> = want
        .iter()
        .flat_map(|(d, ps)| ps.iter().map(move |p| (d.clone(), p.clone())))
        .collect();
    got.sort();
    expected.sort();
    assert_eq!(got, expected);

    // Kept: asking again reads nothing from TikTok; hours later it reads again.
    let reads = || {
        env.count_requests(&format!(
            "/logistics/202309/warehouses/{warehouse}/delivery_options"
        ))
    };
    let before = reads();
    let (_, again) = env.app.get(&carriers, &viewer).await;
    assert_eq!(again, body);
    assert_eq!(reads(), before);
    advance_both(&env, chrono::Duration::hours(7)).await;
    env.app.get(&carriers, &viewer).await;
    assert_eq!(reads(), before + 1);

    // Every sales warehouse's, when none is named.
    let (status, all) = env
        .app
        .get(&env.shop_path("/logistics/shipping-providers"), &viewer)
        .await;
    assert_eq!(status, 200, "{all}");
    assert!(all["items"].as_array().unwrap().len() >= items.len());

    for (path, status, code) in [
        (format!("/warehouses/4242"), 404, "not_found"),
        (format!("/warehouses/not-an-id"), 400, "invalid_field"),
        (
            format!("/logistics/shipping-providers?warehouse_id=abc"),
            400,
            "invalid_field",
        ),
    ] {
        let (got, body) = env.app.get(&env.shop_path(&path), &viewer).await;
        assert_error(got, &body, status, code);
    }
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/features"),
            &env.app.admin(),
            json!({"features": {"logistics": false}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = env.app.get(&carriers, &viewer).await;
    assert_error(status, &body, 409, "feature_disabled");
}

#[tokio::test]
async fn the_tracking_sync_shows_a_delivery_whose_webhook_never_came() {
    let env = logistics_env().await;
    let shop = sandbox_shop(&env).await;
    let placed = env
        .control(
            &format!("/_sandbox/shops/{shop}/orders"),
            json!({"count": 2, "status": "IN_TRANSIT"}),
        )
        .await;
    let ids: Vec<String> = placed["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    advance_both(&env, chrono::Duration::minutes(1)).await;
    sync(&env, json!({"resources": ["orders"]})).await;
    drain(&env).await;
    // TikTok delivers them; no webhook reaches us.
    for id in &ids {
        env.control(
            &format!("/_sandbox/orders/{id}/advance"),
            json!({"to": "DELIVERED"}),
        )
        .await;
    }
    let body = sync(&env, json!({"resources": ["tracking"]})).await;
    assert_eq!(body["jobs"][0]["resource"], "tracking", "{body}");
    drain(&env).await;
    for id in &ids {
        let (status, order) = env
            .app
            .get(&env.shop_path(&format!("/orders/{id}")), &operator(&env))
            .await;
        assert_eq!(status, 200, "{order}");
        assert_eq!(
            order["order"]["status"]
                .as_str()
                .or(order["status"].as_str()),
            Some("DELIVERED"),
            "{order}"
        );
    }
}

#[tokio::test]
async fn the_cod_summary_counts_what_cod_orders_are_due_where_cod_exists() {
    let env = logistics_env().await;
    let viewer = env.app.token("acme", Role::Viewer);
    let now = chrono::Utc::now();
    let period = |from: chrono::DateTime<chrono::Utc>, to: chrono::DateTime<chrono::Utc>| {
        env.shop_path(&format!(
            "/logistics/cod-summary?from={}&to={}",
            from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                .replace('+', "%2B"),
            to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                .replace('+', "%2B"),
        ))
    };
    let year = period(
        now - chrono::Duration::days(3650),
        now + chrono::Duration::days(3650),
    );
    let (status, body) = env.app.get(&year, &viewer).await;
    assert_error(status, &body, 409, "cod_unavailable");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("US"),
        "{body}"
    );

    // A shop in Indonesia, with COD orders (the sandbox's shop is in the US, where TikTok has no
    // COD: three of the synced orders are made COD orders here, as an Indonesian shop's would be).
    let (status, body) = env
        .app
        .patch(
            &env.shop_path(""),
            &env.app.admin(),
            json!({"region": "ID"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let ids: Vec<String> = entity::tiktok_order::Entity::find()
        .select_only()
        .column(entity::tiktok_order::Column::Id)
        .filter(entity::tiktok_order::Column::ShopId.eq(&env.shop_id))
        .limit(3)
        .into_tuple()
        .all(&env.app.state.db)
        .await
        .unwrap();
    entity::tiktok_order::Entity::update_many()
        .col_expr(entity::tiktok_order::Column::IsCod, Expr::value(true))
        .filter(entity::tiktok_order::Column::ShopId.eq(&env.shop_id))
        .filter(entity::tiktok_order::Column::Id.is_in(ids))
        .exec(&env.app.state.db)
        .await
        .unwrap();
    let cod = entity::tiktok_order::Entity::find()
        .filter(entity::tiktok_order::Column::ShopId.eq(&env.shop_id))
        .filter(entity::tiktok_order::Column::IsCod.eq(true))
        .all(&env.app.state.db)
        .await
        .unwrap();
    assert_eq!(cod.len(), 3, "{cod:?}");
    let (status, body) = env.app.get(&year, &viewer).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["currency"], "IDR");
    assert_eq!(body["total"]["count"], cod.len() as u64);
    let status_of = &cod[0].status;
    let of_status = cod.iter().filter(|o| &o.status == status_of).count() as u64;
    let line = body["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| &s["status"] == status_of)
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(line["count"], of_status, "{body}");
    let counted: u64 = body["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["count"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, 3);
    let (status, body) = env.app.get(&period(now, now), &viewer).await;
    assert_error(status, &body, 400, "invalid_field");
    let (status, body) = env
        .app
        .get(&env.shop_path("/logistics/cod-summary"), &viewer)
        .await;
    assert_eq!(status, 400, "{body}");
    // The orders show what they are due.
    let (status, order) = env
        .app
        .get(&env.shop_path(&format!("/orders/{}", cod[0].id)), &viewer)
        .await;
    assert_eq!(status, 200, "{order}");
    let o = if order["order"].is_object() {
        &order["order"]
    } else {
        &order
    };
    assert_eq!(o["is_cod"], true, "{order}");
    assert_eq!(o["cod_amount_due"], cod[0].total_amount.as_str(), "{order}");
}
