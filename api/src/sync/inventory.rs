//! Inventory: TikTok's books (available and committed per SKU and warehouse) read with
//! `inventory/search`, up to 100 products a call, for every product of the shop, and stored in
//! `sku_stock`. For each SKU the ERP counts, TikTok's available is compared with
//! `on_hand − committed − safety_buffer`; a difference (a drift) is corrected by a push and recorded
//! in `inventory_drift`. Full and incremental are the same here: TikTok's books have no "changed
//! since", and reading them all costs one call per 100 products.

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, QueryOrder, QuerySelect};

use entity::{erp_stock, inventory_drift, tiktok_product, tiktok_sku};

use super::job::{JobCtx, JobError};
use crate::deps::TikTokAccess;
use crate::pagination::{Cursor, Direction, keyset_page};
use crate::shops::session::ShopSession;
use crate::stock;
use crate::tiktok::inventory::{MAX_SEARCH_PRODUCTS, SkuBooks};

pub async fn sync(ctx: &mut JobCtx<'_>) -> Result<(), JobError> {
    let access = ctx.access;
    let shop_id = ctx.shop_id().to_owned();
    let product_ids: Vec<String> = tiktok_product::Entity::find()
        .select_only()
        .column(tiktok_product::Column::Id)
        .filter(tiktok_product::Column::ShopId.eq(&shop_id))
        .filter(tiktok_product::Column::Status.ne("DELETED"))
        .order_by_asc(tiktok_product::Column::Id)
        .into_tuple()
        .all(access.db)
        .await?;
    ctx.progress.total = Some(product_ids.len() as u64);
    let buffer = crate::inventory::settings(access.db, &shop_id)
        .await?
        .safety_buffer;
    // A resumed job starts again: reading the books is idempotent.
    ctx.progress.items = 0;
    ctx.progress.pages = 0;
    for chunk in product_ids.chunks(MAX_SEARCH_PRODUCTS) {
        let books = stock::search_products(access, &mut ctx.session, chunk).await?;
        let now = access.clock.now();
        let txn = super::begin_write(access.db).await?;
        for b in &books {
            stock::save_books(&txn, &shop_id, b, "sync", now).await?;
        }
        txn.commit().await?;
        for b in &books {
            correct_drift(access, &mut ctx.session, &shop_id, b, buffer).await?;
        }
        ctx.progress.items += chunk.len() as u64;
        ctx.progress.pages += 1;
        ctx.checkpoint().await?;
    }
    Ok(())
}

/// Compares TikTok's available with what the ERP's count says it should be, in each warehouse the
/// ERP counts; pushes the SKU when they differ, and records the drift with the push's outcome.
async fn correct_drift(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    shop_id: &str,
    books: &SkuBooks,
    buffer: i64,
) -> Result<(), JobError> {
    let counts = erp_stock::Entity::find()
        .filter(erp_stock::Column::ShopId.eq(shop_id))
        .filter(erp_stock::Column::SkuId.eq(&books.sku_id))
        .all(access.db)
        .await?;
    let drifts: Vec<(erp_stock::Model, i64, i64, i64)> = counts
        .into_iter()
        // A count in a warehouse TikTok has not assigned to the SKU is not TikTok's to correct
        // (the ERP's write of it was refused, or the warehouse was unassigned since).
        .filter(|c| books.assigned_to(&c.warehouse_id))
        .filter_map(|c| {
            let tiktok = books.in_warehouse(&c.warehouse_id);
            let expected = stock::sellable(c.on_hand, tiktok.committed, buffer);
            (expected != tiktok.available).then_some((
                c,
                expected,
                tiktok.available,
                tiktok.committed,
            ))
        })
        .collect();
    let Some((first, ..)) = drifts.first() else {
        return Ok(());
    };
    let detected_at = access.clock.now();
    let sku = tiktok_sku::Entity::find_by_id((shop_id.to_owned(), books.sku_id.clone()))
        .one(access.db)
        .await?;
    // One push sets every warehouse of the SKU.
    let outcome = match sku {
        Some(sku) => stock::push(access, session, shop_id, &sku, &first.warehouse_id)
            .await
            .map(|_| ())
            .map_err(|e| format!("{}: {}", e.code, e.message)),
        None => Err("the SKU is not synced yet; sync products".to_owned()),
    };
    let corrected_at = access.clock.now();
    for (count, expected, available, committed) in &drifts {
        tracing::warn!(
            sku = %books.sku_id,
            warehouse = %count.warehouse_id,
            expected,
            tiktok_available = available,
            corrected = outcome.is_ok(),
            "inventory drift"
        );
        record(
            access.db,
            Drift {
                count,
                committed: *committed,
                buffer,
                expected: *expected,
                tiktok_available: *available,
                detected_at,
                outcome: outcome
                    .as_ref()
                    .map(|()| corrected_at)
                    .map_err(Clone::clone),
            },
        )
        .await?;
    }
    metrics::counter!("ocean_inventory_drift_total", "shop" => shop_id.to_owned())
        .increment(drifts.len() as u64);
    // A push TikTok refused stays recorded; the sync goes on with the other SKUs.
    Ok(())
}

struct Drift<'a> {
    count: &'a erp_stock::Model,
    committed: i64,
    buffer: i64,
    expected: i64,
    tiktok_available: i64,
    detected_at: DateTime<Utc>,
    outcome: Result<DateTime<Utc>, String>,
}

async fn record(db: &DatabaseConnection, d: Drift<'_>) -> Result<(), DbErr> {
    inventory_drift::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        shop_id: Set(d.count.shop_id.clone()),
        sku_id: Set(d.count.sku_id.clone()),
        warehouse_id: Set(d.count.warehouse_id.clone()),
        on_hand: Set(d.count.on_hand),
        committed: Set(d.committed),
        safety_buffer: Set(d.buffer),
        expected: Set(d.expected),
        tiktok_available: Set(d.tiktok_available),
        detected_at: Set(d.detected_at),
        corrected_at: Set(d.outcome.as_ref().ok().copied()),
        error: Set(d.outcome.err()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A page of the shop's drifts, newest first.
pub async fn list_drift(
    db: &DatabaseConnection,
    shop_id: &str,
    limit: u64,
    after: Option<Cursor>,
) -> crate::error::Result<(Vec<inventory_drift::Model>, Option<Cursor>)> {
    let query = inventory_drift::Entity::find().filter(inventory_drift::Column::ShopId.eq(shop_id));
    Ok(keyset_page(
        db,
        query,
        (
            inventory_drift::Column::DetectedAt,
            inventory_drift::Column::Id,
        ),
        Direction::NewestFirst,
        limit,
        after,
        |r| Cursor {
            at: r.detected_at,
            id: r.id.clone(),
        },
    )
    .await?)
}
