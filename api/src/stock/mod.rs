//! The ERP's stock writes. The ERP keeps its own count of each SKU in each warehouse (`on_hand`, the
//! units on the shelf); TikTok is told what buyers may still order: `on_hand − committed − the shop's
//! safety buffer`, clamped to 0..999,999, where `committed` is TikTok's own figure of the units held
//! by placed orders not yet shipped (UNPAID included), read from TikTok right before each push. An
//! order we have not synced yet is in TikTok's committed all the same, so it is never sold twice.
//!
//! A change is one atomic statement on the count (so two concurrent adjustments never lose one), then
//! a push: read TikTok's books, update, read back. When TikTok's committed or our count moved in the
//! meantime, the push runs again (bounded), so the last push always carries the latest figures.
//! Pushes of one SKU are serialized in the process (a lock) and across processes (a lease row).

mod books;
mod lease;

pub use books::{save as save_books, search_products, search_sku};

use std::collections::HashMap;
use std::sync::{Arc, Mutex as StdMutex, OnceLock};

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, QueryOrder};
use serde_json::json;

use entity::{erp_stock, shop, sku_stock, tiktok_sku, tiktok_warehouse};

use crate::audit::{self, Entry};
use crate::auth::AuthUser;
use crate::deps::{Store, TikTokAccess};
use crate::error::{Error, Kind, Result};
use crate::shops::session::ShopSession;

/// TikTok's largest stock quantity.
pub const MAX_QUANTITY: i64 = 999_999;
/// Rounds of one push before it gives up: each round pushes the newest figures there are.
const PUSH_ROUNDS: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The count is now this.
    Set(i64),
    /// The count moves by this (received +, damaged or counted short −).
    Adjust(i64),
}

#[derive(Debug, Clone)]
pub struct StockWrite {
    pub sku_id: String,
    pub warehouse_id: String,
    pub change: Change,
}

/// A SKU's stock in a warehouse after a write.
#[derive(Debug, Clone)]
pub struct StockLevel {
    pub sku_id: String,
    pub warehouse_id: String,
    pub on_hand: i64,
    /// TikTok's committed units (placed orders not yet shipped), as read back after the push.
    pub committed: i64,
    pub safety_buffer: i64,
    /// What TikTok was told buyers may order.
    pub pushed: i64,
    /// TikTok's available quantity, as read back after the push.
    pub tiktok_available: i64,
    pub tiktok_request_id: Option<String>,
}

/// Applies one write and pushes it; audited whatever the outcome (a refusal before anything changed
/// is not a write and is not audited).
pub async fn write(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    w: &StockWrite,
) -> Result<StockLevel> {
    let sku = check(access.db, shop, w).await?;
    let mut session = ShopSession::open(access, shop.clone()).await?;
    change_count(access.store(), &shop.id, w).await?;
    let outcome = push(access, &mut session, &shop.id, &sku, &w.warehouse_id).await;
    let (action, request) = match w.change {
        Change::Set(n) => ("stock.set", json!({"on_hand": n})),
        Change::Adjust(d) => ("stock.adjust", json!({"delta": d})),
    };
    audit::record(
        access.db,
        user,
        Entry {
            shop_id: &shop.id,
            action,
            target: format!("sku {} / warehouse {}", w.sku_id, w.warehouse_id),
            request,
            tiktok_request_id: match &outcome {
                Ok(l) => l.tiktok_request_id.clone(),
                Err(e) => e.tiktok_request_id(),
            },
            error: outcome.as_ref().err().map(ToString::to_string),
        },
        access.clock.now(),
    )
    .await?;
    // The count stays changed (it is the ERP's truth); the answer says TikTok was not told.
    outcome.map_err(|e| {
        let mut saved = Error::new(
            e.kind,
            e.code,
            format!(
                "the count is saved here, but TikTok was not updated: {}; send the count again (PUT …/stock) to push it",
                e.message
            ),
        );
        saved.details = e.details;
        saved
    })
}

/// Refuses a write that names an unknown SKU or warehouse, or an impossible quantity; changes nothing.
async fn check(
    db: &DatabaseConnection,
    shop: &shop::Model,
    w: &StockWrite,
) -> Result<tiktok_sku::Model> {
    match w.change {
        Change::Set(n) if !(0..=MAX_QUANTITY).contains(&n) => {
            return Err(Error::invalid_field(
                "on_hand",
                format!("{n} is out of range; use 0 to {MAX_QUANTITY}"),
            ));
        }
        Change::Adjust(0) => {
            return Err(Error::invalid_field("delta", "0 changes nothing"));
        }
        Change::Adjust(d) if d.abs() > MAX_QUANTITY => {
            return Err(Error::invalid_field(
                "delta",
                format!("{d} is out of range; use −{MAX_QUANTITY} to {MAX_QUANTITY}"),
            ));
        }
        _ => {}
    }
    let sku = tiktok_sku::Entity::find_by_id((shop.id.clone(), w.sku_id.clone()))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("SKU (sync the shop's products first if it is new)"))?;
    let sales_warehouse =
        tiktok_warehouse::Entity::find_by_id((shop.id.clone(), w.warehouse_id.clone()))
            .one(db)
            .await?
            .is_some_and(|wh| wh.kind == "SALES_WAREHOUSE");
    if !sales_warehouse {
        return Err(Error::invalid_field(
            "warehouse_id",
            format!(
                "{} is not a sales warehouse of this shop; GET …/warehouses lists them (sync warehouses if one is new)",
                w.warehouse_id
            ),
        ));
    }
    // TikTok's update names every warehouse assigned to the SKU and no other: a count in another
    // warehouse could never reach buyers. Known from TikTok's books as last synced; a SKU whose books
    // were never read is checked by the push against a fresh read.
    let assigned: Vec<String> = sku_stock::Entity::find()
        .filter(sku_stock::Column::ShopId.eq(&shop.id))
        .filter(sku_stock::Column::SkuId.eq(&w.sku_id))
        .all(db)
        .await?
        .into_iter()
        .map(|b| b.warehouse_id)
        .collect();
    if !assigned.is_empty() && !assigned.contains(&w.warehouse_id) {
        return Err(not_assigned(&sku, &w.warehouse_id));
    }
    Ok(sku)
}

/// The count names a warehouse TikTok has not assigned to the SKU.
fn not_assigned(sku: &tiktok_sku::Model, warehouse_id: &str) -> Error {
    Error::conflict(
        "warehouse_not_assigned",
        format!(
            "TikTok has not assigned SKU {} to warehouse {warehouse_id}, so its stock there cannot be sold: add the warehouse to the SKU's inventory (PUT …/products/{} or Seller Center), sync the shop's products, then set the count",
            sku.id, sku.product_id
        ),
    )
}

/// One atomic statement on the count.
async fn change_count(store: Store<'_>, shop_id: &str, w: &StockWrite) -> Result<()> {
    let now = store.clock.now();
    match w.change {
        Change::Set(n) => {
            erp_stock::Entity::insert(erp_stock::ActiveModel {
                shop_id: Set(shop_id.to_owned()),
                sku_id: Set(w.sku_id.clone()),
                warehouse_id: Set(w.warehouse_id.clone()),
                on_hand: Set(n),
                version: Set(1),
                pushed_quantity: Set(None),
                pushed_version: Set(0),
                pushed_at: Set(None),
                push_error: Set(None),
                updated_at: Set(now),
            })
            .on_conflict(
                OnConflict::columns([
                    erp_stock::Column::ShopId,
                    erp_stock::Column::SkuId,
                    erp_stock::Column::WarehouseId,
                ])
                .update_columns([erp_stock::Column::OnHand, erp_stock::Column::UpdatedAt])
                .value(
                    erp_stock::Column::Version,
                    Expr::col((erp_stock::Entity, erp_stock::Column::Version)).add(1),
                )
                .to_owned(),
            )
            .exec(store.db)
            .await?;
        }
        Change::Adjust(d) => {
            let moved = erp_stock::Entity::update_many()
                .col_expr(
                    erp_stock::Column::OnHand,
                    Expr::col(erp_stock::Column::OnHand).add(d),
                )
                .col_expr(
                    erp_stock::Column::Version,
                    Expr::col(erp_stock::Column::Version).add(1),
                )
                .col_expr(erp_stock::Column::UpdatedAt, Expr::value(now))
                .filter(erp_stock::Column::ShopId.eq(shop_id))
                .filter(erp_stock::Column::SkuId.eq(&w.sku_id))
                .filter(erp_stock::Column::WarehouseId.eq(&w.warehouse_id))
                .filter(Expr::col(erp_stock::Column::OnHand).add(d).gte(0))
                .filter(
                    Expr::col(erp_stock::Column::OnHand)
                        .add(d)
                        .lte(MAX_QUANTITY),
                )
                .exec(store.db)
                .await?;
            if moved.rows_affected == 0 {
                return Err(
                    match count(store.db, shop_id, &w.sku_id, &w.warehouse_id).await? {
                        None => Error::conflict(
                            "stock_not_counted",
                            "this SKU has no count in this warehouse yet; set it first (PUT …/stock with on_hand)",
                        ),
                        Some(c) => Error::conflict(
                            "stock_out_of_range",
                            format!(
                                "on hand is {}; moving it by {d} would leave {}, outside 0 to {MAX_QUANTITY}",
                                c.on_hand,
                                c.on_hand + d
                            ),
                        ),
                    },
                );
            }
        }
    }
    Ok(())
}

async fn count(
    db: &DatabaseConnection,
    shop_id: &str,
    sku_id: &str,
    warehouse_id: &str,
) -> Result<Option<erp_stock::Model>, DbErr> {
    erp_stock::Entity::find_by_id((
        shop_id.to_owned(),
        sku_id.to_owned(),
        warehouse_id.to_owned(),
    ))
    .one(db)
    .await
}

/// What TikTok is told buyers may order.
pub fn sellable(on_hand: i64, committed: i64, buffer: i64) -> i64 {
    (on_hand - committed - buffer).clamp(0, MAX_QUANTITY)
}

/// One lock per SKU of a shop in this process, so that two pushes of the same SKU never cross.
fn sku_lock(shop_id: &str, sku_id: &str) -> Arc<tokio::sync::Mutex<()>> {
    static LOCKS: OnceLock<SkuLocks> = OnceLock::new();
    LOCKS.get_or_init(SkuLocks::default).get(shop_id, sku_id)
}

/// Above this many entries, the locks nobody holds or waits for are dropped: the map stays about
/// as large as the SKUs being pushed at once, not every SKU ever pushed. Walking a few hundred
/// entries costs little beside the TikTok call each lock guards.
const SKU_LOCKS_KEPT: usize = 256;

#[derive(Default)]
struct SkuLocks(StdMutex<HashMap<(String, String), Arc<tokio::sync::Mutex<()>>>>);

impl SkuLocks {
    fn get(&self, shop_id: &str, sku_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if locks.len() > SKU_LOCKS_KEPT {
            // Only the map holds such a lock: no push has it or waits for it, and the next push of
            // that SKU makes a new one.
            locks.retain(|_, lock| Arc::strong_count(lock) > 1);
        }
        locks
            .entry((shop_id.to_owned(), sku_id.to_owned()))
            .or_default()
            .clone()
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// Pushes the SKU until TikTok has the latest figures; answers the level in `warehouse_id`.
/// TikTok's update names every warehouse of the SKU: those the ERP counts get
/// `on_hand − committed − buffer`; the others keep what TikTok has.
pub async fn push(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    shop_id: &str,
    sku: &tiktok_sku::Model,
    warehouse_id: &str,
) -> Result<StockLevel> {
    push_from(access, session, shop_id, sku, warehouse_id, "erp").await
}

/// [`push`] for a change that came from `source` (`erp`, `return`), as the stock history names it.
pub async fn push_from(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    shop_id: &str,
    sku: &tiktok_sku::Model,
    warehouse_id: &str,
    source: &'static str,
) -> Result<StockLevel> {
    let local = sku_lock(shop_id, &sku.id);
    let _held = local.lock().await;
    let lease =
        lease::PushLease::acquire(access.store(), access.instance_id, shop_id, &sku.id).await?;
    let pushed = lease
        .hold_while(
            access.store(),
            push_holding_lease(access, session, &lease, shop_id, sku, warehouse_id, source),
        )
        .await;
    lease.release(access.db).await;
    pushed
}

async fn push_holding_lease(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    lease: &lease::PushLease,
    shop_id: &str,
    sku: &tiktok_sku::Model,
    warehouse_id: &str,
    source: &'static str,
) -> Result<StockLevel> {
    let buffer = crate::inventory::settings(access.db, shop_id)
        .await?
        .safety_buffer;
    let mut before = search_sku(access, session, &sku.id).await?;
    if !before.assigned_to(warehouse_id) {
        let refused = not_assigned(sku, warehouse_id);
        note_push_error(
            access.db,
            shop_id,
            &sku.id,
            &refused.message,
            access.clock.now(),
        )
        .await?;
        return Err(refused);
    }
    for round in 0..PUSH_ROUNDS {
        if round > 0 {
            lease.renew(access.store()).await?;
        }
        let counts = counts_of(access.db, shop_id, &sku.id).await?;
        let target = counts
            .iter()
            .find(|c| c.warehouse_id == warehouse_id)
            .ok_or_else(|| Error::internal(anyhow::anyhow!("the stock count vanished")))?;
        let quantities = quantities(&before, &counts, buffer);
        let body = crate::tiktok::inventory::update_body(&sku.id, &quantities);
        let answer =
            crate::tiktok::inventory::update(&mut session.line(access), &sku.product_id, &body)
                .await
                .map_err(Error::from);
        let now = access.clock.now();
        let answer = match answer {
            Ok(a) => a,
            Err(e) => {
                note_push_error(access.db, shop_id, &sku.id, &e.message, now).await?;
                return Err(e);
            }
        };
        if let Some(refusal) = crate::tiktok::inventory::refusal(&answer.data) {
            note_push_error(access.db, shop_id, &sku.id, &refusal.message, now).await?;
            return Err(Error::new(
                Kind::Refused,
                "tiktok_refused",
                format!("TikTok refused the stock update: {}", refusal.message),
            )
            .with_detail(json!({
                "tiktok_code": refusal.code,
                "tiktok_message": refusal.message,
                "tiktok_request_id": answer.request_id,
            })));
        }
        let after = search_sku(access, session, &sku.id).await?;
        let txn = crate::sync::begin_write(access.db).await?;
        for c in &counts {
            if let Some((_, q)) = quantities.iter().find(|(w, _)| *w == c.warehouse_id) {
                mark_pushed(&txn, c, *q, now).await?;
            }
        }
        save_books(&txn, shop_id, &after, source, now).await?;
        txn.commit().await?;
        // An order placed or cancelled between the read and the update changed committed (and
        // TikTok's available with it): what was pushed is off by that much, so push again.
        let committed_moved = counts.iter().any(|c| {
            before.in_warehouse(&c.warehouse_id).committed
                != after.in_warehouse(&c.warehouse_id).committed
        });
        // A count written meanwhile needs no round of ours: its own write pushes next, after this
        // lease, with the newer figure (a push of one SKU waits for the one before it).
        if !committed_moved {
            let books = after.in_warehouse(warehouse_id);
            return Ok(StockLevel {
                sku_id: sku.id.clone(),
                warehouse_id: warehouse_id.to_owned(),
                on_hand: target.on_hand,
                committed: books.committed,
                safety_buffer: buffer,
                pushed: quantities
                    .iter()
                    .find(|(w, _)| w == warehouse_id)
                    .map_or(0, |(_, q)| *q),
                tiktok_available: books.available,
                tiktok_request_id: Some(answer.request_id),
            });
        }
        before = after;
    }
    Err(Error::unavailable(
        "TikTok's committed stock kept changing while the count was pushed; send it again",
    ))
}

/// What one update sends: each warehouse TikTok lists for the SKU (every one assigned to it, as
/// TikTok requires, and no other), with `on_hand − committed − buffer` where the ERP counts it and
/// TikTok's own figure elsewhere.
fn quantities(
    books: &crate::tiktok::inventory::SkuBooks,
    counts: &[erp_stock::Model],
    buffer: i64,
) -> Vec<(String, i64)> {
    books
        .warehouses
        .iter()
        .map(|(w, _, _)| w.as_str())
        .map(|w| {
            let tiktok = books.in_warehouse(w);
            let quantity = match counts.iter().find(|c| c.warehouse_id == w) {
                Some(c) => sellable(c.on_hand, tiktok.committed, buffer),
                None => tiktok.available,
            };
            (w.to_owned(), quantity)
        })
        .collect()
}

/// The ERP's counts of a SKU in every warehouse, by warehouse id.
async fn counts_of(
    db: &DatabaseConnection,
    shop_id: &str,
    sku_id: &str,
) -> Result<Vec<erp_stock::Model>, DbErr> {
    erp_stock::Entity::find()
        .filter(erp_stock::Column::ShopId.eq(shop_id))
        .filter(erp_stock::Column::SkuId.eq(sku_id))
        .order_by_asc(erp_stock::Column::WarehouseId)
        .all(db)
        .await
}

/// TikTok has this version of the count.
async fn mark_pushed(
    db: &impl ConnectionTrait,
    count: &erp_stock::Model,
    quantity: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    erp_stock::Entity::update_many()
        .col_expr(
            erp_stock::Column::PushedQuantity,
            Expr::value(Some(quantity)),
        )
        .col_expr(erp_stock::Column::PushedVersion, Expr::value(count.version))
        .col_expr(erp_stock::Column::PushedAt, Expr::value(Some(now)))
        .col_expr(
            erp_stock::Column::PushError,
            Expr::value(Option::<String>::None),
        )
        .filter(erp_stock::Column::ShopId.eq(&count.shop_id))
        .filter(erp_stock::Column::SkuId.eq(&count.sku_id))
        .filter(erp_stock::Column::WarehouseId.eq(&count.warehouse_id))
        .filter(erp_stock::Column::PushedVersion.lte(count.version))
        .exec(db)
        .await?;
    Ok(())
}

/// A failed push shows on every count of the SKU (one update carries them all).
async fn note_push_error(
    db: &DatabaseConnection,
    shop_id: &str,
    sku_id: &str,
    message: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    erp_stock::Entity::update_many()
        .col_expr(
            erp_stock::Column::PushError,
            Expr::value(Some(format!("{}: {message}", now.to_rfc3339()))),
        )
        .filter(erp_stock::Column::ShopId.eq(shop_id))
        .filter(erp_stock::Column::SkuId.eq(sku_id))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiktok_is_told_what_can_be_sold_never_below_zero() {
        assert_eq!(sellable(10, 3, 2), 5);
        assert_eq!(sellable(4, 3, 2), 0);
        assert_eq!(sellable(0, 0, 0), 0);
        assert_eq!(sellable(MAX_QUANTITY + 5, 0, 0), MAX_QUANTITY);
    }

    fn count(warehouse: &str, on_hand: i64) -> erp_stock::Model {
        erp_stock::Model {
            shop_id: "s".into(),
            sku_id: "k".into(),
            warehouse_id: warehouse.into(),
            on_hand,
            version: 1,
            pushed_quantity: None,
            pushed_version: 0,
            pushed_at: None,
            push_error: None,
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn an_update_names_every_warehouse_with_the_erps_figure_where_it_counts() {
        let books = crate::tiktok::inventory::SkuBooks {
            product_id: "p".into(),
            sku_id: "k".into(),
            warehouses: vec![("w1".into(), 9, 3), ("w2".into(), 4, 1)],
        };
        // w1 counted by the ERP: 20 on the shelf, 3 committed, buffer 2. w2 not counted: kept.
        assert_eq!(
            quantities(&books, &[count("w1", 20)], 2),
            [("w1".to_owned(), 15), ("w2".to_owned(), 4)]
        );
        // Both counted; committed above the shelf never pushes below 0.
        assert_eq!(
            quantities(&books, &[count("w1", 2), count("w2", 7)], 0),
            [("w1".to_owned(), 0), ("w2".to_owned(), 6)]
        );
        // A count in a warehouse TikTok has not assigned to the SKU is never sent: TikTok's update
        // names the assigned warehouses and no other.
        assert_eq!(
            quantities(&books, &[count("w1", 5), count("w3", 5)], 0),
            [("w1".to_owned(), 2), ("w2".to_owned(), 4)]
        );
    }

    #[test]
    fn sku_locks_are_shared_while_held_and_forgotten_once_nobody_needs_them() {
        let locks = SkuLocks::default();
        let held = locks.get("shop", "sku-held");
        assert!(
            Arc::ptr_eq(&held, &locks.get("shop", "sku-held")),
            "one lock per SKU"
        );
        assert!(
            !Arc::ptr_eq(&held, &locks.get("other", "sku-held")),
            "per shop"
        );
        for n in 0..1000 {
            drop(locks.get("shop", &format!("sku-{n}")));
        }
        assert!(locks.len() <= SKU_LOCKS_KEPT + 1, "{} kept", locks.len());
        assert!(
            Arc::ptr_eq(&held, &locks.get("shop", "sku-held")),
            "a held lock is never dropped, so its SKU's pushes still wait for it"
        );
    }
}
