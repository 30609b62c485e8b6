//! Products: `POST /product/202502/products/search` (newest update first, `page_token` paging, at most
//! 10,000 results per search). A search that hits the cap is continued in the next older window of
//! `update_time`. Each page is saved in one transaction: the product, its SKUs (SKUs TikTok no longer
//! lists are removed) and stock per warehouse, with a stock-history row for every change. Deleted
//! products are read by a second search with `status: DELETED`. A product whose audit FAILED is read
//! one by one as well, for the reasons (the search does not carry them). The high-water mark moves only after
//! the whole walk (the search runs newest first, so no earlier point is safe).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, Iterable, QuerySelect};
use serde_json::Value;

use entity::{sku_stock, stock_history, tiktok_product, tiktok_sku};

use super::job::{JobCtx, JobError};
use super::{Mode, OVERLAP_SECS, Resource, Saved, cursor, non_empty, unix_time};

pub use crate::tiktok::products::SEARCH_PATH;
use crate::tiktok::products::{WireProduct, WireStock};
/// TikTok's largest page of products.
const PAGE_SIZE: u32 = 100;
/// TikTok's product search serves at most this many results.
pub const SEARCH_CAP: u64 = 10_000;

/// A product as our rows.
#[derive(Debug)]
pub struct ProductRows {
    pub product: tiktok_product::Model,
    pub skus: Vec<(tiktok_sku::Model, Vec<WireStock>)>,
    /// Fields this copy of the product did not carry (a search answer has no audit reasons and no
    /// category): the stored values are kept.
    pub keep: Vec<tiktok_product::Column>,
}

pub fn convert(shop_id: &str, raw: Value, now: DateTime<Utc>) -> anyhow::Result<ProductRows> {
    let p: WireProduct = serde_json::from_value(raw)?;
    if p.id.is_empty() {
        anyhow::bail!("product without an id");
    }
    let mut skus = Vec::with_capacity(p.skus.len());
    for s in p.skus {
        if s.id.is_empty() {
            anyhow::bail!("product {}: a SKU without an id", p.id);
        }
        if let Some(bad) = s.inventory.iter().find(|i| i.quantity < 0) {
            anyhow::bail!("SKU {}: negative stock {}", s.id, bad.quantity);
        }
        skus.push((
            tiktok_sku::Model {
                shop_id: shop_id.to_owned(),
                id: s.id,
                product_id: p.id.clone(),
                seller_sku: s.seller_sku,
                currency: s.price.currency,
                sale_price: s.price.sale_price,
                tax_exclusive_price: non_empty(s.price.tax_exclusive_price),
            },
            s.inventory,
        ));
    }
    let mut keep = Vec::new();
    let failed = p.status == "FAILED";
    let audit_failed_reasons = match p.audit_failed_reasons {
        Some(r) if failed && !r.is_empty() => Some(Value::Array(r).to_string()),
        Some(_) => None,
        // Not carried: the stored reasons hold while the audit is still FAILED.
        None if failed => {
            keep.push(tiktok_product::Column::AuditFailedReasons);
            None
        }
        None => None,
    };
    let category_id = match p.category_chains {
        Some(chain) => chain.last().map(|c| c.id.clone()),
        None => {
            keep.push(tiktok_product::Column::CategoryId);
            None
        }
    };
    Ok(ProductRows {
        product: tiktok_product::Model {
            shop_id: shop_id.to_owned(),
            id: p.id,
            title: p.title,
            status: p.status,
            create_time: unix_time(p.create_time)?,
            update_time: unix_time(p.update_time)?,
            synced_at: now,
            audit_status: p.audit.and_then(|a| non_empty(a.status)),
            audit_failed_reasons,
            category_id,
        },
        skus,
        keep,
    })
}

/// Sets a SKU's stock in a warehouse; a change (or a first sighting) adds a stock-history row.
pub async fn set_stock(
    db: &impl ConnectionTrait,
    shop_id: &str,
    sku_id: &str,
    warehouse_id: &str,
    quantity: i64,
    source: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let before = sku_stock::Entity::find_by_id((
        shop_id.to_owned(),
        sku_id.to_owned(),
        warehouse_id.to_owned(),
    ))
    .one(db)
    .await?
    .map(|s| s.quantity);
    if before == Some(quantity) {
        return Ok(false);
    }
    sku_stock::Entity::insert(sku_stock::ActiveModel {
        shop_id: Set(shop_id.to_owned()),
        sku_id: Set(sku_id.to_owned()),
        warehouse_id: Set(warehouse_id.to_owned()),
        quantity: Set(quantity),
        committed: sea_orm::ActiveValue::NotSet,
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            sku_stock::Column::ShopId,
            sku_stock::Column::SkuId,
            sku_stock::Column::WarehouseId,
        ])
        .update_columns([sku_stock::Column::Quantity, sku_stock::Column::UpdatedAt])
        .to_owned(),
    )
    .exec(db)
    .await?;
    stock_history::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        shop_id: Set(shop_id.to_owned()),
        sku_id: Set(sku_id.to_owned()),
        warehouse_id: Set(warehouse_id.to_owned()),
        before: Set(before),
        after: Set(quantity),
        source: Set(source.to_owned()),
        at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(true)
}

/// Brings one product up to date from TikTok: reads its detail and saves it (with its SKUs and
/// stock) through [`save`], which never lets an older copy over a newer one. The one way every
/// caller (the sync, a webhook, the ERP's writes) refreshes a product; `source` names it in the
/// stock history. A TikTok failure is the outer error; an answer we cannot read, the inner one.
pub async fn refresh(
    access: crate::deps::TikTokAccess<'_>,
    session: &mut crate::shops::session::ShopSession,
    product_id: &str,
    source: &str,
) -> crate::error::Result<anyhow::Result<()>> {
    let answer = crate::tiktok::products::detail(&mut session.line(access), product_id).await?;
    let now = access.clock.now();
    let rows = match convert(&session.shop.id, answer.data, now) {
        Ok(rows) => rows,
        Err(e) => return Ok(Err(e)),
    };
    let txn = super::begin_write(access.db).await?;
    save(&txn, rows, source, now).await?;
    txn.commit().await?;
    Ok(Ok(()))
}

/// Upserts one product with its SKUs and stock; stock changes are recorded with `source` (`sync`,
/// `webhook`). A product older than the stored one is left alone ([`Saved::Stale`]).
pub async fn save(
    db: &impl ConnectionTrait,
    rows: ProductRows,
    source: &str,
    now: DateTime<Utc>,
) -> Result<Saved, DbErr> {
    let p = rows.product;
    let keep = rows.keep;
    let (shop_id, product_id) = (p.shop_id.clone(), p.id.clone());
    let mut stored = tiktok_product::Entity::find_by_id((shop_id.clone(), product_id.clone()));
    // Locked until the transaction ends on PostgreSQL, as in `orders::save_page`.
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        stored = stored.lock(sea_orm::sea_query::LockType::Update);
    }
    let stored = stored.one(db).await?.map(|s| s.update_time);
    let saved = Saved::compare(stored, p.update_time);
    if saved == Saved::Stale {
        return Ok(saved);
    }
    tiktok_product::Entity::insert(tiktok_product::ActiveModel::from(p))
        .on_conflict(
            OnConflict::columns([tiktok_product::Column::ShopId, tiktok_product::Column::Id])
                .update_columns(tiktok_product::Column::iter().filter(|c| {
                    !matches!(
                        c,
                        tiktok_product::Column::ShopId | tiktok_product::Column::Id
                    ) && !keep
                        .iter()
                        .any(|k| std::mem::discriminant(k) == std::mem::discriminant(c))
                }))
                .to_owned(),
        )
        .exec(db)
        .await?;
    let keep: HashSet<String> = rows.skus.iter().map(|(s, _)| s.id.clone()).collect();
    let gone: Vec<String> = tiktok_sku::Entity::find()
        .filter(tiktok_sku::Column::ShopId.eq(&shop_id))
        .filter(tiktok_sku::Column::ProductId.eq(&product_id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .filter(|id| !keep.contains(id))
        .collect();
    if !gone.is_empty() {
        tiktok_sku::Entity::delete_many()
            .filter(tiktok_sku::Column::ShopId.eq(&shop_id))
            .filter(tiktok_sku::Column::Id.is_in(gone.clone()))
            .exec(db)
            .await?;
        sku_stock::Entity::delete_many()
            .filter(sku_stock::Column::ShopId.eq(&shop_id))
            .filter(sku_stock::Column::SkuId.is_in(gone))
            .exec(db)
            .await?;
    }
    for (sku, stock) in rows.skus {
        let sku_id = sku.id.clone();
        tiktok_sku::Entity::insert(tiktok_sku::ActiveModel::from(sku))
            .on_conflict(
                OnConflict::columns([tiktok_sku::Column::ShopId, tiktok_sku::Column::Id])
                    .update_columns(tiktok_sku::Column::iter().filter(|c| {
                        !matches!(c, tiktok_sku::Column::ShopId | tiktok_sku::Column::Id)
                    }))
                    .to_owned(),
            )
            .exec(db)
            .await?;
        for s in stock {
            set_stock(
                db,
                &shop_id,
                &sku_id,
                &s.warehouse_id,
                s.quantity,
                source,
                now,
            )
            .await?;
        }
    }
    Ok(saved)
}

/// One walk of the search (newest first) within `[from, ..]`, continued in older windows when the
/// 10,000 cap cuts it. Returns the newest `update_time` seen.
async fn walk(
    ctx: &mut JobCtx<'_>,
    from: Option<i64>,
    status: Option<&str>,
) -> Result<Option<i64>, JobError> {
    let access = ctx.access;
    let shop_id = ctx.shop_id().to_owned();
    let mut newest: Option<i64> = None;
    let mut upper: Option<i64> = None;
    loop {
        let filter = crate::tiktok::products::SearchFilter {
            update_time_ge: from,
            update_time_le: upper,
            status: status.map(str::to_owned),
        };
        let mut page_token: Option<String> = None;
        let mut served: u64 = 0;
        let mut oldest: Option<i64> = None;
        let mut window_total: u64;
        loop {
            let mut query = vec![("page_size".to_owned(), PAGE_SIZE.to_string())];
            if let Some(t) = &page_token {
                query.push(("page_token".to_owned(), t.clone()));
            }
            let page =
                crate::tiktok::products::search(&mut ctx.session.line(access), query, &filter)
                    .await?
                    .data;
            window_total = page.total_count.unwrap_or(0);
            if ctx.progress.total.is_none() && status.is_none() {
                ctx.progress.total = page.total_count;
            }
            let now = access.clock.now();
            let mut failed_audits = Vec::new();
            let txn = super::begin_write(access.db).await?;
            for raw in page.products {
                served += 1;
                if let Some(t) = raw.get("update_time").and_then(Value::as_i64) {
                    newest = newest.max(Some(t));
                    oldest = Some(oldest.map_or(t, |o: i64| o.min(t)));
                }
                let id = raw
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_owned();
                match convert(&shop_id, raw, now) {
                    Ok(rows) => {
                        let failed = rows.product.status == "FAILED";
                        let saved = save(&txn, rows, "sync", now).await?;
                        if failed && saved.is_news() {
                            failed_audits.push(id);
                        }
                        ctx.progress.count(saved);
                    }
                    Err(e) => {
                        tracing::warn!(product = %id, error = %e, "skipping a product TikTok sent that we cannot read");
                        ctx.progress.skipped += 1;
                    }
                }
            }
            txn.commit().await?;
            // The search does not say why an audit failed; the product's own read does.
            for id in failed_audits {
                if let Err(e) = refresh(access, &mut ctx.session, &id, "sync").await? {
                    tracing::warn!(product = %id, error = %e, "a product's detail TikTok sent cannot be read");
                }
            }
            ctx.progress.pages += 1;
            ctx.checkpoint().await?;
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(t) => page_token = Some(t),
                None => break,
            }
        }
        // Cut by the cap: go on below the oldest product served (its second again: upserts are free).
        if served >= SEARCH_CAP.min(window_total) && window_total > served {
            match oldest {
                Some(o) if upper != Some(o) => upper = Some(o),
                Some(o) => {
                    tracing::warn!(
                        update_time = o,
                        "more than 10,000 products share one update_time; some are not read"
                    );
                    upper = Some(o - 1);
                }
                None => return Ok(newest),
            }
            continue;
        }
        return Ok(newest);
    }
}

pub async fn sync(ctx: &mut JobCtx<'_>) -> Result<(), JobError> {
    let access = ctx.access;
    let shop_id = ctx.shop_id().to_owned();
    let from = match ctx.mode {
        Mode::Incremental => cursor::get(access.db, &shop_id, Resource::Products)
            .await?
            .map(|h| h - OVERLAP_SECS),
        Mode::Full => None,
    };
    let newest = walk(ctx, from, None).await?;
    let deleted = walk(ctx, from, Some("DELETED")).await?;
    if let Some(h) = newest.max(deleted) {
        cursor::advance(
            access.db,
            &shop_id,
            Resource::Products,
            h,
            access.clock.now(),
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_product_becomes_rows_and_a_bad_one_is_refused() {
        let good = json!({
            "id": "1729382476852855000", "title": "Tee", "status": "ACTIVATE",
            "create_time": 1_764_000_000, "update_time": 1_764_000_600,
            "skus": [{"id": "1729382476852921560", "seller_sku": "TEE-M",
                "price": {"currency": "USD", "sale_price": "19.99", "tax_exclusive_price": ""},
                "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 7}]}]
        });
        let rows = convert("shop", good.clone(), Utc::now()).unwrap();
        assert_eq!(rows.skus.len(), 1);
        assert_eq!(rows.skus[0].0.tax_exclusive_price, None);
        assert_eq!(rows.skus[0].1[0].quantity, 7);
        for (path, value) in [
            ("/skus/0/inventory/0/quantity", json!(-1)),
            ("/skus/0/inventory/0/quantity", json!("7")),
            ("/skus/0/id", json!("")),
            ("/skus/0/price", json!(null)),
            ("/status", json!(null)),
        ] {
            let mut bad = good.clone();
            *bad.pointer_mut(path).unwrap() = value.clone();
            assert!(
                convert("shop", bad, Utc::now()).is_err(),
                "{path} = {value}"
            );
        }
    }
}
