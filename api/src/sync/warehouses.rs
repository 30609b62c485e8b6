//! Warehouses: `GET /logistics/202309/warehouses` (one call, no paging), upserted by (shop, TikTok id).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Iterable};
use serde::Deserialize;
use serde_json::Value;

use entity::tiktok_warehouse;

use super::job::{JobCtx, JobError};

pub use crate::tiktok::logistics::WAREHOUSES_PATH as LIST_PATH;

#[derive(Debug, Deserialize)]
pub struct WireWarehouse {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub effect_status: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub address: Option<Value>,
}

pub fn convert(
    shop_id: &str,
    raw: Value,
    now: DateTime<Utc>,
) -> anyhow::Result<tiktok_warehouse::Model> {
    let w: WireWarehouse = serde_json::from_value(raw)?;
    if w.id.is_empty() {
        anyhow::bail!("warehouse without an id");
    }
    Ok(tiktok_warehouse::Model {
        shop_id: shop_id.to_owned(),
        id: w.id,
        name: w.name,
        effect_status: w.effect_status,
        kind: w.kind,
        is_default: w.is_default,
        address: w.address.unwrap_or(Value::Null).to_string(),
        synced_at: now,
    })
}

pub async fn save(db: &impl ConnectionTrait, row: tiktok_warehouse::Model) -> Result<(), DbErr> {
    tiktok_warehouse::Entity::insert(tiktok_warehouse::ActiveModel::from(row))
        .on_conflict(
            OnConflict::columns([
                tiktok_warehouse::Column::ShopId,
                tiktok_warehouse::Column::Id,
            ])
            .update_columns(tiktok_warehouse::Column::iter().filter(|c| {
                !matches!(
                    c,
                    tiktok_warehouse::Column::ShopId | tiktok_warehouse::Column::Id
                )
            }))
            .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

pub async fn sync(ctx: &mut JobCtx<'_>) -> Result<(), JobError> {
    let access = ctx.access;
    let shop_id = ctx.shop_id().to_owned();
    let data = crate::tiktok::logistics::warehouses(&mut ctx.session.line(access))
        .await?
        .data;
    let now = access.clock.now();
    ctx.progress.total = Some(data.warehouses.len() as u64);
    let txn = super::begin_write(access.db).await?;
    for raw in data.warehouses {
        let id = raw
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned();
        match convert(&shop_id, raw, now) {
            Ok(row) => {
                save(&txn, row).await?;
                ctx.progress.items += 1;
            }
            Err(e) => {
                tracing::warn!(warehouse = %id, error = %e, "skipping a warehouse TikTok sent that we cannot read");
                ctx.progress.skipped += 1;
            }
        }
    }
    txn.commit().await?;
    ctx.progress.pages += 1;
    ctx.checkpoint().await
}
