//! The `tracking` resource (the logistics area): orders on their way to the buyer (awaiting
//! collection or in transit) are read again from TikTok, the longest-unchanged first and at most
//! [`PER_RUN`] a run, so a delivery shows in the ERP on the shop's sync interval even when its
//! webhook never came.

use sea_orm::prelude::*;
use sea_orm::{QueryOrder, QuerySelect};

use entity::tiktok_order;

use super::job::{JobCtx, JobError};

/// The most orders one run reads again.
pub const PER_RUN: u64 = 200;

const ON_THE_WAY: [&str; 2] = ["AWAITING_COLLECTION", "IN_TRANSIT"];

pub async fn sync(ctx: &mut JobCtx<'_>) -> Result<(), JobError> {
    let access = ctx.access;
    let ids: Vec<String> = tiktok_order::Entity::find()
        .select_only()
        .column(tiktok_order::Column::Id)
        .filter(tiktok_order::Column::ShopId.eq(ctx.shop_id()))
        .filter(tiktok_order::Column::Status.is_in(ON_THE_WAY))
        .order_by_asc(tiktok_order::Column::UpdateTime)
        .limit(PER_RUN)
        .into_tuple()
        .all(access.db)
        .await?;
    ctx.progress.total = Some(ids.len() as u64);
    for chunk in ids.chunks(crate::tiktok::orders::MAX_DETAIL_IDS) {
        let read = Box::pin(super::orders::refresh(access, &mut ctx.session, chunk)).await?;
        ctx.progress.items += read.len() as u64;
        ctx.progress.pages += 1;
        ctx.checkpoint().await?;
    }
    Ok(())
}
