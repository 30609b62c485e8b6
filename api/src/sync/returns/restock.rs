//! Returned units back on the shelf. When TikTok confirms a returned package received, the units of
//! the return go back on the ERP's count of the order's warehouse (the shop's `restock_returns`
//! setting: `on_receipt`, or `never`) and TikTok is told by the usual push (its stock history names
//! the source `return`). Whatever reports the receipt first (the sync, a webhook, the ERP's own
//! decision) restocks; a mark on the return, set in the same transaction as the counts, makes it
//! once.

use std::collections::BTreeMap;

use sea_orm::TransactionTrait;
use sea_orm::prelude::*;
use sea_orm::sea_query::{Expr, ExprTrait};

use entity::{erp_stock, tiktok_order, tiktok_return, tiktok_sku};

use super::{Kind, Record};
use crate::deps::TikTokAccess;
use crate::error::Result;
use crate::inventory::Restock;
use crate::shops::session::ShopSession;

/// Whether the record shows a returned package received: an item that travelled back (it has a
/// return shipment) in a request approved past the receipt.
pub fn received(record: &Record) -> bool {
    record.kind == Kind::Return
        && matches!(
            record.kind_type.as_str(),
            "RETURN_AND_REFUND" | "REPLACEMENT"
        )
        && record.shipment.is_some()
        && matches!(
            record.status.as_str(),
            "RETURN_OR_REFUND_REQUEST_SUCCESS"
                | "RETURN_OR_REFUND_REQUEST_COMPLETE"
                | "REPLACEMENT_REQUEST_COMPLETE"
        )
}

/// Puts the units of a received return back on the ERP's counts, once, and pushes each SKU. A
/// return not received, or a shop that restocks `never`, restocks nothing; nor does a SKU the ERP
/// does not count in the order's warehouse.
#[tracing::instrument(skip_all, fields(shop = %record.shop_id, return_id = %record.id))]
pub async fn restock(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    record: &Record,
) -> Result<()> {
    if !received(record) {
        return Ok(());
    }
    let shop_id = &record.shop_id;
    if crate::inventory::settings(access.db, shop_id)
        .await?
        .restock_returns
        == Restock::Never
    {
        return Ok(());
    }
    let Some(warehouse_id) = order_warehouse(access, session, shop_id, &record.order_id).await?
    else {
        tracing::warn!("the return's order names no warehouse; nothing restocked");
        return Ok(());
    };
    let mut units: BTreeMap<&str, i64> = BTreeMap::new();
    for line in &record.lines {
        *units.entry(line.sku_id.as_str()).or_default() += 1;
    }
    let now = access.clock.now();
    let txn = access.db.begin().await?;
    let marked = tiktok_return::Entity::update_many()
        .col_expr(tiktok_return::Column::RestockedAt, Expr::value(Some(now)))
        .filter(tiktok_return::Column::ShopId.eq(shop_id))
        .filter(tiktok_return::Column::Id.eq(&record.id))
        .filter(tiktok_return::Column::RestockedAt.is_null())
        .exec(&txn)
        .await?;
    if marked.rows_affected == 0 {
        // Restocked already (or the row is not saved yet: it is saved before this is called).
        return Ok(());
    }
    let mut counted = Vec::new();
    for (sku_id, n) in units {
        let moved = erp_stock::Entity::update_many()
            .col_expr(
                erp_stock::Column::OnHand,
                Expr::col(erp_stock::Column::OnHand).add(n),
            )
            .col_expr(
                erp_stock::Column::Version,
                Expr::col(erp_stock::Column::Version).add(1),
            )
            .col_expr(erp_stock::Column::UpdatedAt, Expr::value(now))
            .filter(erp_stock::Column::ShopId.eq(shop_id))
            .filter(erp_stock::Column::SkuId.eq(sku_id))
            .filter(erp_stock::Column::WarehouseId.eq(&warehouse_id))
            .exec(&txn)
            .await?;
        if moved.rows_affected == 1 {
            counted.push((sku_id.to_owned(), n));
        }
    }
    txn.commit().await?;
    for (sku_id, n) in counted {
        tracing::info!(sku = %sku_id, warehouse = %warehouse_id, units = n, "returned units restocked");
        let sku = tiktok_sku::Entity::find_by_id((shop_id.clone(), sku_id.clone()))
            .one(access.db)
            .await?;
        let Some(sku) = sku else { continue };
        // The count is the ERP's truth now; a push that fails is retried by the next drift check.
        if let Err(e) =
            crate::stock::push_from(access, session, shop_id, &sku, &warehouse_id, "return").await
        {
            tracing::warn!(sku = %sku_id, error = %e, "pushing restocked units failed; the inventory sync corrects it");
        }
    }
    Ok(())
}

/// The warehouse the order shipped from, refreshing the order from TikTok when it is not synced yet.
async fn order_warehouse(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    shop_id: &str,
    order_id: &str,
) -> Result<Option<String>> {
    let find = || tiktok_order::Entity::find_by_id((shop_id.to_owned(), order_id.to_owned()));
    if let Some(order) = find().one(access.db).await? {
        return Ok(order.warehouse_id);
    }
    crate::sync::orders::refresh(access, session, &[order_id.to_owned()]).await?;
    Ok(find().one(access.db).await?.and_then(|o| o.warehouse_id))
}
