//! The `promotions` resource (the promotions area): every activity TikTok lists for the shop, each
//! read with its products (an ended activity we already keep is not read again), then the shop's
//! coupons. Activities never leave TikTok's lists, so nothing is deleted here.

use std::collections::HashMap;

use sea_orm::prelude::*;

use entity::promotion;

use super::job::{JobCtx, JobError};
use crate::promotions::coupons::{self, Coupon};
use crate::promotions::store;
use crate::tiktok::promotions as wire;

pub async fn sync(ctx: &mut JobCtx<'_>) -> Result<(), JobError> {
    let access = ctx.access;
    let shop_id = ctx.shop_id().to_owned();
    let kept: HashMap<String, promotion::Model> = promotion::Entity::find()
        .filter(promotion::Column::ShopId.eq(&shop_id))
        .all(access.db)
        .await?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    let mut token = String::new();
    loop {
        let page = wire::search(
            &mut ctx.session.line(access),
            &wire::ActivitySearch {
                status: None,
                activity_type: None,
                activity_title: None,
                page_size: wire::PAGE_SIZE,
                page_token: &token,
            },
        )
        .await?
        .data;
        if let Some(total) = page.total_count {
            ctx.progress.total = Some(total);
        }
        for summary in &page.activities {
            let ended = matches!(
                summary.status.as_str(),
                "EXPIRED" | "DEACTIVATED" | "NOT_EFFECTIVE"
            );
            let settled = kept
                .get(&summary.id)
                .is_some_and(|k| ended && k.status == summary.status && k.products_known);
            if settled {
                store::save_summary(access.db, &shop_id, summary, access.clock.now()).await?;
            } else {
                let detail = wire::get(&mut ctx.session.line(access), &summary.id)
                    .await?
                    .data;
                store::save_detail(access.db, &shop_id, detail, access.clock.now()).await?;
            }
            ctx.progress.items += 1;
        }
        ctx.progress.pages += 1;
        ctx.checkpoint().await?;
        match page.next_page_token.filter(|t| !t.is_empty()) {
            Some(next) if !page.activities.is_empty() => token = next,
            _ => break,
        }
    }
    let mut token = String::new();
    loop {
        let page = wire::search_coupons(&mut ctx.session.line(access), &token)
            .await?
            .data;
        let now = access.clock.now();
        for raw in page.coupons {
            match wire::coupon(raw) {
                Ok(c) => {
                    coupons::save(access.db, &shop_id, &Coupon::from_wire(c, now), now).await?
                }
                Err(e) => {
                    tracing::warn!(shop = %shop_id, error = %e, "skipped a coupon TikTok sent that we cannot read");
                    ctx.progress.skipped += 1;
                }
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
