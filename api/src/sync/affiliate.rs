//! The `affiliate_orders` resource (the affiliate area): TikTok's affiliate orders of the last
//! [`WINDOW_DAYS`] days (the longest window TikTok gives in one search), read again each run since a
//! commission settles (or becomes ineligible) as its order moves. One row per order and SKU.

use chrono::Duration;
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;
use sea_orm::sea_query::OnConflict;

use entity::affiliate_order;

use super::job::{JobCtx, JobError};
use crate::tiktok::affiliate as wire;

/// TikTok searches at most three months at a time.
pub const WINDOW_DAYS: i64 = 90;

pub async fn sync(ctx: &mut JobCtx<'_>) -> Result<(), JobError> {
    let access = ctx.access;
    let shop_id = ctx.shop_id().to_owned();
    let now = access.clock.now();
    let window = wire::OrderSearch {
        create_time_ge: (now - Duration::days(WINDOW_DAYS)).timestamp(),
        create_time_lt: now.timestamp() + 1,
    };
    let mut token = String::new();
    loop {
        let page = wire::search_orders(&mut ctx.session.line(access), &window, &token)
            .await?
            .data;
        if let Some(total) = page.total_count {
            ctx.progress.total = Some(total);
        }
        let synced = access.clock.now();
        for order in page.orders {
            let Some(created) = order
                .create_time
                .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
            else {
                ctx.progress.skipped += 1;
                continue;
            };
            for sku in order.skus {
                let price = sku.price.as_ref();
                let commission = sku
                    .actual_paid_commission
                    .as_ref()
                    .filter(|m| !m.amount.is_empty())
                    .or(sku.estimated_paid_commission.as_ref());
                let row = affiliate_order::ActiveModel {
                    shop_id: Set(shop_id.clone()),
                    order_id: Set(order.id.clone()),
                    sku_id: Set(sku.sku_id.clone()),
                    product_id: Set(sku.product_id.clone().unwrap_or_default()),
                    creator: Set(sku.creator_username.clone().unwrap_or_default()),
                    content_type: Set(sku.content_type.clone().unwrap_or_default()),
                    quantity: Set(sku.quantity.unwrap_or(0)),
                    price: Set(price
                        .map(|p| p.amount.clone())
                        .unwrap_or_else(|| "0".into())),
                    currency: Set(price.map(|p| p.currency.clone()).unwrap_or_default()),
                    commission_rate: Set(sku.commission_rate.unwrap_or(0)),
                    commission: Set(commission
                        .map(|m| m.amount.clone())
                        .unwrap_or_else(|| "0".into())),
                    settlement_status: Set(sku.settlement_status.clone().unwrap_or_default()),
                    created_at: Set(created),
                    synced_at: Set(synced),
                };
                affiliate_order::Entity::insert(row)
                    .on_conflict(
                        OnConflict::columns([
                            affiliate_order::Column::ShopId,
                            affiliate_order::Column::OrderId,
                            affiliate_order::Column::SkuId,
                        ])
                        .update_columns([
                            affiliate_order::Column::ProductId,
                            affiliate_order::Column::Creator,
                            affiliate_order::Column::ContentType,
                            affiliate_order::Column::Quantity,
                            affiliate_order::Column::Price,
                            affiliate_order::Column::Currency,
                            affiliate_order::Column::CommissionRate,
                            affiliate_order::Column::Commission,
                            affiliate_order::Column::SettlementStatus,
                            affiliate_order::Column::CreatedAt,
                            affiliate_order::Column::SyncedAt,
                        ])
                        .to_owned(),
                    )
                    .exec(access.db)
                    .await?;
                ctx.progress.items += 1;
            }
        }
        ctx.progress.pages += 1;
        ctx.checkpoint().await?;
        match page.next_page_token.filter(|t| !t.is_empty()) {
            Some(next) => token = next,
            None => break,
        }
    }
    Ok(())
}
