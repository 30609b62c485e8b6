//! The logistics area: a warehouse's delivery options and the carriers a shop can ship with (read
//! from TikTok and kept a few hours, since they change seldom and a screen asks for them often), and
//! cash on delivery (what COD orders are due, by status, in the regions that have it).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;
use sea_orm::sea_query::OnConflict;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use entity::{logistics_cache, shop, tiktok_order, tiktok_warehouse};

use crate::catalog::money::{format_minor, minor};
use crate::deps::TikTokAccess;
use crate::error::{Error, Result};
use crate::shops::Region;
use crate::shops::session::ShopSession;

/// How long a read of TikTok's logistics setup is kept.
const KEEP_FOR_HOURS: i64 = 6;

/// A way a warehouse ships (TikTok's delivery option).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliveryOption {
    pub id: String,
    pub name: String,
    /// STANDARD, EXPRESS, ECONOMY, SEND_BY_SELLER, …
    pub kind: Option<String>,
    pub description: Option<String>,
}

/// A carrier of a delivery option of a warehouse.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Carrier {
    pub id: String,
    pub name: String,
    pub warehouse_id: String,
    pub delivery_option_id: String,
    pub delivery_option_name: String,
}

/// `key`'s value as kept, while fresh; else `fetch`es it and keeps it.
async fn kept<T, F>(access: TikTokAccess<'_>, shop_id: &str, key: &str, fetch: F) -> Result<T>
where
    T: Serialize + DeserializeOwned,
    F: std::future::Future<Output = Result<T>>,
{
    let now = access.clock.now();
    let row = logistics_cache::Entity::find_by_id((shop_id.to_owned(), key.to_owned()))
        .one(access.db)
        .await?;
    if let Some(row) = row
        && now - row.fetched_at < Duration::hours(KEEP_FOR_HOURS)
        && let Ok(value) = serde_json::from_str(&row.body)
    {
        return Ok(value);
    }
    let value = fetch.await?;
    logistics_cache::Entity::insert(logistics_cache::ActiveModel {
        shop_id: Set(shop_id.to_owned()),
        key: Set(key.to_owned()),
        body: Set(serde_json::to_string(&value).unwrap_or_default()),
        fetched_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            logistics_cache::Column::ShopId,
            logistics_cache::Column::Key,
        ])
        .update_columns([
            logistics_cache::Column::Body,
            logistics_cache::Column::FetchedAt,
        ])
        .to_owned(),
    )
    .exec(access.db)
    .await?;
    Ok(value)
}

/// A synced warehouse of the shop (404 otherwise).
async fn warehouse_row(
    db: &DatabaseConnection,
    shop_id: &str,
    warehouse_id: &str,
) -> Result<tiktok_warehouse::Model> {
    tiktok_warehouse::Entity::find_by_id((shop_id.to_owned(), warehouse_id.to_owned()))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("warehouse (sync the shop's warehouses if it is new)"))
}

async fn options_of(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    warehouse_id: &str,
) -> Result<Vec<DeliveryOption>> {
    let shop_id = session.shop.id.clone();
    kept(
        access,
        &shop_id,
        &format!("delivery_options:{warehouse_id}"),
        async {
            let answer =
                crate::tiktok::logistics::delivery_options(&mut session.line(access), warehouse_id)
                    .await?;
            Ok(answer
                .data
                .delivery_options
                .into_iter()
                .filter_map(|d| {
                    Some(DeliveryOption {
                        id: d.id?,
                        name: d.name.unwrap_or_default(),
                        kind: d.kind,
                        description: d.description,
                    })
                })
                .collect())
        },
    )
    .await
}

/// A warehouse of the shop with its delivery options.
pub async fn warehouse(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    warehouse_id: &str,
) -> Result<(tiktok_warehouse::Model, Vec<DeliveryOption>)> {
    let row = warehouse_row(access.db, &shop.id, warehouse_id).await?;
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let options = options_of(access, &mut session, warehouse_id).await?;
    Ok((row, options))
}

/// The carriers of every delivery option of the shop's sales warehouses (or of one of them).
pub async fn carriers(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    warehouse_id: Option<&str>,
) -> Result<Vec<Carrier>> {
    let warehouses = match warehouse_id {
        Some(id) => vec![warehouse_row(access.db, &shop.id, id).await?],
        None => {
            tiktok_warehouse::Entity::find()
                .filter(tiktok_warehouse::Column::ShopId.eq(&shop.id))
                .filter(tiktok_warehouse::Column::Kind.eq("SALES_WAREHOUSE"))
                .all(access.db)
                .await?
        }
    };
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let mut out = Vec::new();
    for wh in warehouses {
        for option in options_of(access, &mut session, &wh.id).await? {
            let key = format!("carriers:{}", option.id);
            let option_id = option.id.clone();
            let line = &mut session.line(access);
            let providers: Vec<(String, String)> = kept(access, &shop.id, &key, async {
                let answer = crate::tiktok::logistics::shipping_providers(line, &option_id).await?;
                Ok(answer
                    .data
                    .shipping_providers
                    .into_iter()
                    .filter_map(|p| Some((p.id?, p.name.unwrap_or_default())))
                    .collect())
            })
            .await?;
            out.extend(providers.into_iter().map(|(id, name)| Carrier {
                id,
                name,
                warehouse_id: wh.id.clone(),
                delivery_option_id: option.id.clone(),
                delivery_option_name: option.name.clone(),
            }));
        }
    }
    Ok(out)
}

/// COD orders of one status: how many, and what they are due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodLine {
    pub status: String,
    pub count: u64,
    pub amount: String,
}

/// What the shop's COD orders placed in a period are due, by status and in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodSummary {
    pub currency: String,
    pub statuses: Vec<CodLine>,
    /// Every status (`ALL`).
    pub total: CodLine,
}

/// What the shop's COD orders placed in `[from, to)` are due, by status, in its currency.
pub async fn cod_summary(
    db: &DatabaseConnection,
    shop: &shop::Model,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<CodSummary> {
    let region = Region::parse(&shop.region).map_err(|e| Error::internal(anyhow::anyhow!(e)))?;
    let info = region.info();
    if !info.cod_available {
        return Err(Error::conflict(
            "cod_unavailable",
            format!(
                "TikTok has no cash on delivery in {} (it has it in ID, TH, VN, PH and MY); this shop has no COD orders",
                region.as_str()
            ),
        ));
    }
    if from >= to {
        return Err(Error::invalid_field("from", "must be before `to`"));
    }
    let orders = tiktok_order::Entity::find()
        .filter(tiktok_order::Column::ShopId.eq(&shop.id))
        .filter(tiktok_order::Column::IsCod.eq(true))
        .filter(tiktok_order::Column::CreateTime.gte(from))
        .filter(tiktok_order::Column::CreateTime.lt(to))
        .all(db)
        .await?;
    let mut by_status: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    for o in &orders {
        let e = by_status.entry(o.status.clone()).or_default();
        e.0 += 1;
        e.1 += minor(&o.total_amount).unwrap_or(0);
    }
    let currency = info.currency.to_owned();
    let total = CodLine {
        status: "ALL".into(),
        count: by_status.values().map(|(n, _)| n).sum(),
        amount: format_minor(by_status.values().map(|(_, m)| m).sum(), &currency),
    };
    let statuses = by_status
        .into_iter()
        .map(|(status, (count, minor))| CodLine {
            status,
            count,
            amount: format_minor(minor, &currency),
        })
        .collect();
    Ok(CodSummary {
        currency,
        statuses,
        total,
    })
}
