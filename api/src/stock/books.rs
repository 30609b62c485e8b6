//! TikTok's books of a shop's SKUs, read with `inventory/search` and kept in `sku_stock`: per SKU and
//! warehouse, `quantity` is TikTok's available and `committed` its committed units.

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::Expr;

use entity::sku_stock;

use crate::deps::TikTokAccess;
use crate::error::{Error, Kind, Result};
use crate::shops::session::ShopSession;
use crate::tiktok::inventory::{self, SearchRequest, SkuBooks};

/// TikTok's books of these SKUs (≤ [`inventory::MAX_SEARCH_SKUS`]).
pub async fn search_skus(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    sku_ids: &[String],
) -> Result<Vec<SkuBooks>> {
    search(
        access,
        session,
        SearchRequest {
            sku_ids: sku_ids.to_vec(),
            ..Default::default()
        },
    )
    .await
}

/// TikTok's books of every SKU of these products (≤ [`inventory::MAX_SEARCH_PRODUCTS`]).
pub async fn search_products(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    product_ids: &[String],
) -> Result<Vec<SkuBooks>> {
    search(
        access,
        session,
        SearchRequest {
            product_ids: product_ids.to_vec(),
            ..Default::default()
        },
    )
    .await
}

async fn search(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    request: SearchRequest,
) -> Result<Vec<SkuBooks>> {
    let answer = inventory::search(&mut session.line(access), &request).await?;
    Ok(inventory::books(answer.data))
}

/// One SKU's books; TikTok not listing it means it does not know the SKU.
pub async fn search_sku(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    sku_id: &str,
) -> Result<SkuBooks> {
    search_skus(access, session, &[sku_id.to_owned()])
        .await?
        .into_iter()
        .find(|b| b.sku_id == sku_id)
        .ok_or_else(|| {
            Error::new(
                Kind::Refused,
                "tiktok_refused",
                format!(
                    "TikTok's inventory search does not list SKU {sku_id}; sync the shop's products (it may have been deleted)"
                ),
            )
        })
}

/// Stores TikTok's figures of a SKU in each warehouse; a change of available is recorded in the
/// stock history with `source`.
pub async fn save(
    db: &impl ConnectionTrait,
    shop_id: &str,
    books: &SkuBooks,
    source: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for (warehouse_id, available, committed) in &books.warehouses {
        crate::sync::products::set_stock(
            db,
            shop_id,
            &books.sku_id,
            warehouse_id,
            *available,
            source,
            now,
        )
        .await?;
        sku_stock::Entity::update_many()
            .col_expr(sku_stock::Column::Committed, Expr::value(Some(*committed)))
            .filter(sku_stock::Column::ShopId.eq(shop_id))
            .filter(sku_stock::Column::SkuId.eq(&books.sku_id))
            .filter(sku_stock::Column::WarehouseId.eq(warehouse_id))
            .exec(db)
            .await?;
    }
    Ok(())
}
