//! The returns tests' shared checks: local returns and cancellations equal the sandbox's. Shared by
//! the `api` and `stress` test targets.
#![allow(dead_code)] // each test target uses only some of these

use std::collections::BTreeMap;

use api::sync::returns::{self as after_sales, Kind};
use entity::{tiktok_cancellation, tiktok_return};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tiktok_sandbox::world::format_amount;

use crate::sandbox_env::*;
use crate::sync_env::sandbox_shop;

/// (order id, status, type, update_time, refund total, line items)
pub(crate) type View = (String, String, String, i64, String, usize);

pub(crate) async fn expected(env: &SandboxEnv, kind: Kind) -> BTreeMap<String, View> {
    let shop = sandbox_shop(env).await;
    env.sandbox.state().with_world(|w| {
        let region = w.region_of(shop);
        let lines = |order: u64, ids: &[u64]| {
            w.orders.get(&order).map_or(0, |o| {
                o.line_items.iter().filter(|l| ids.contains(&l.id)).count()
            })
        };
        match kind {
            Kind::Return => w
                .returns
                .values()
                .filter(|r| r.shop_id == shop)
                .map(|r| {
                    (
                        r.id.to_string(),
                        (
                            r.order_id.to_string(),
                            r.status.as_str().to_owned(),
                            r.return_type.as_str().to_owned(),
                            r.update_time,
                            format_amount(r.refund_total, region),
                            lines(r.order_id, &r.line_item_ids),
                        ),
                    )
                })
                .collect(),
            Kind::Cancellation => w
                .cancellations
                .values()
                .filter(|c| c.shop_id == shop)
                .map(|c| {
                    (
                        c.id.to_string(),
                        (
                            c.order_id.to_string(),
                            c.status.as_str().to_owned(),
                            "CANCEL".to_owned(),
                            c.update_time,
                            format_amount(c.refund_total, region),
                            lines(c.order_id, &c.line_item_ids),
                        ),
                    )
                })
                .collect(),
        }
    })
}

pub(crate) async fn local(env: &SandboxEnv, kind: Kind) -> BTreeMap<String, View> {
    let db = &env.app.state.db;
    match kind {
        Kind::Return => tiktok_return::Entity::find()
            .filter(tiktok_return::Column::ShopId.eq(&env.shop_id))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| {
                let lines = after_sales::lines_of(&r.line_items).len();
                (
                    r.id,
                    (
                        r.order_id,
                        r.status,
                        r.return_type,
                        r.update_time.timestamp(),
                        r.refund_total.unwrap_or_default(),
                        lines,
                    ),
                )
            })
            .collect(),
        Kind::Cancellation => tiktok_cancellation::Entity::find()
            .filter(tiktok_cancellation::Column::ShopId.eq(&env.shop_id))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| {
                let lines = after_sales::lines_of(&c.line_items).len();
                (
                    c.id,
                    (
                        c.order_id,
                        c.status,
                        c.cancel_type,
                        c.update_time.timestamp(),
                        c.refund_total.unwrap_or_default(),
                        lines,
                    ),
                )
            })
            .collect(),
    }
}

pub(crate) async fn assert_match(env: &SandboxEnv, kind: Kind) {
    let want = expected(env, kind).await;
    assert!(!want.is_empty(), "{kind:?}: the sandbox has none");
    assert_eq!(local(env, kind).await, want, "{kind:?}");
}
