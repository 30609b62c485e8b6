//! Inventory: each SKU's stock per warehouse as TikTok last reported it (sync, webhooks, stock
//! pushes: its available and committed units) beside the ERP's own count, with a low-stock flag. A SKU is low when its stock across warehouses is at or below its threshold: the
//! SKU's own when it has one, else the shop's ([`DEFAULT_LOW_STOCK_THRESHOLD`] until an admin sets it).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, PaginatorTrait, QueryOrder, QuerySelect};

use entity::{
    erp_stock, inventory_setting, sku_stock, sku_stock_threshold, tiktok_product, tiktok_sku,
};

use crate::error::{Error, Result};
use crate::pagination::Cursor;

pub const DEFAULT_LOW_STOCK_THRESHOLD: i64 = 5;
pub const MAX_LOW_STOCK_THRESHOLD: i64 = 1_000_000;

/// Where a SKU's threshold comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdSource {
    Shop,
    Sku,
}

impl ThresholdSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ThresholdSource::Shop => "shop",
            ThresholdSource::Sku => "sku",
        }
    }
}

/// One SKU with its stock and whether it is low.
#[derive(Debug)]
pub struct InventoryItem {
    pub sku: tiktok_sku::Model,
    pub product_title: String,
    pub stock: Vec<sku_stock::Model>,
    /// The ERP's counts of the SKU, per warehouse.
    pub counts: Vec<erp_stock::Model>,
    pub total: i64,
    pub threshold: i64,
    pub threshold_source: ThresholdSource,
    pub low_stock: bool,
}

#[derive(Debug, Default)]
pub struct InventoryFilter {
    /// Only SKUs at or below their threshold.
    pub low_stock: bool,
    pub seller_sku: Option<String>,
    pub product_id: Option<String>,
}

pub fn check_threshold(field: &str, value: i64) -> Result<i64> {
    if (0..=MAX_LOW_STOCK_THRESHOLD).contains(&value) {
        Ok(value)
    } else {
        Err(Error::invalid_field(
            field,
            format!("{value} is out of range; use 0 to {MAX_LOW_STOCK_THRESHOLD} units"),
        ))
    }
}

/// The shop's threshold (the default until one is set).
pub async fn shop_threshold(db: &impl ConnectionTrait, shop_id: &str) -> Result<i64, DbErr> {
    Ok(settings(db, shop_id).await?.low_stock_threshold)
}

/// What becomes of a returned item's units when TikTok confirms the package received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Restock {
    /// They go back on the ERP's count of the order's warehouse (and TikTok is told).
    #[default]
    OnReceipt,
    /// The ERP counts them itself.
    Never,
}

impl Restock {
    pub fn as_str(self) -> &'static str {
        match self {
            Restock::OnReceipt => "on_receipt",
            Restock::Never => "never",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self> {
        match raw {
            "on_receipt" => Ok(Restock::OnReceipt),
            "never" => Ok(Restock::Never),
            _ => Err(Error::invalid_field(field, "use on_receipt or never")),
        }
    }

    fn from_column(raw: &str) -> Self {
        Self::parse("restock_returns", raw).unwrap_or_default()
    }
}

/// A shop's inventory settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub low_stock_threshold: i64,
    /// Units held back from what TikTok is told, per SKU and warehouse.
    pub safety_buffer: i64,
    pub restock_returns: Restock,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            low_stock_threshold: DEFAULT_LOW_STOCK_THRESHOLD,
            safety_buffer: 0,
            restock_returns: Restock::default(),
        }
    }
}

/// The settings to change; `None` keeps one.
#[derive(Debug, Clone, Copy, Default)]
pub struct SettingsEdit {
    pub low_stock_threshold: Option<i64>,
    pub safety_buffer: Option<i64>,
    pub restock_returns: Option<Restock>,
}

/// The shop's inventory settings (the defaults until an admin sets them).
pub async fn settings(db: &impl ConnectionTrait, shop_id: &str) -> Result<Settings, DbErr> {
    Ok(inventory_setting::Entity::find_by_id(shop_id.to_owned())
        .one(db)
        .await?
        .map_or_else(Settings::default, |s| Settings {
            low_stock_threshold: s.low_stock_threshold,
            safety_buffer: s.safety_buffer,
            restock_returns: Restock::from_column(&s.restock_returns),
        }))
}

/// Changes the settings given; answers them all.
pub async fn set_settings(
    db: &DatabaseConnection,
    shop_id: &str,
    edit: SettingsEdit,
    now: DateTime<Utc>,
) -> Result<Settings> {
    if edit.low_stock_threshold.is_none()
        && edit.safety_buffer.is_none()
        && edit.restock_returns.is_none()
    {
        return Err(Error::bad_request(
            "invalid_body",
            "give low_stock_threshold, safety_buffer, restock_returns or several",
        ));
    }
    let current = settings(db, shop_id).await?;
    let new = Settings {
        low_stock_threshold: check_threshold(
            "low_stock_threshold",
            edit.low_stock_threshold
                .unwrap_or(current.low_stock_threshold),
        )?,
        safety_buffer: check_threshold(
            "safety_buffer",
            edit.safety_buffer.unwrap_or(current.safety_buffer),
        )?,
        restock_returns: edit.restock_returns.unwrap_or(current.restock_returns),
    };
    inventory_setting::Entity::insert(inventory_setting::ActiveModel {
        shop_id: Set(shop_id.to_owned()),
        low_stock_threshold: Set(new.low_stock_threshold),
        safety_buffer: Set(new.safety_buffer),
        restock_returns: Set(new.restock_returns.as_str().to_owned()),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(inventory_setting::Column::ShopId)
            .update_columns([
                inventory_setting::Column::LowStockThreshold,
                inventory_setting::Column::SafetyBuffer,
                inventory_setting::Column::RestockReturns,
                inventory_setting::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(new)
}

/// Sets (or, with `None`, removes) a SKU's own threshold; answers the SKU as the list shows it.
pub async fn set_sku_threshold(
    db: &DatabaseConnection,
    shop_id: &str,
    sku_id: &str,
    value: Option<i64>,
    now: DateTime<Utc>,
) -> Result<InventoryItem> {
    let value = value
        .map(|v| check_threshold("low_stock_threshold", v))
        .transpose()?;
    let sku = tiktok_sku::Entity::find_by_id((shop_id.to_owned(), sku_id.to_owned()))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("SKU (sync the shop's products first if it is new)"))?;
    match value {
        Some(v) => {
            sku_stock_threshold::Entity::insert(sku_stock_threshold::ActiveModel {
                shop_id: Set(shop_id.to_owned()),
                sku_id: Set(sku_id.to_owned()),
                low_stock_threshold: Set(v),
                updated_at: Set(now),
            })
            .on_conflict(
                OnConflict::columns([
                    sku_stock_threshold::Column::ShopId,
                    sku_stock_threshold::Column::SkuId,
                ])
                .update_columns([
                    sku_stock_threshold::Column::LowStockThreshold,
                    sku_stock_threshold::Column::UpdatedAt,
                ])
                .to_owned(),
            )
            .exec(db)
            .await?;
        }
        None => {
            sku_stock_threshold::Entity::delete_by_id((shop_id.to_owned(), sku_id.to_owned()))
                .exec(db)
                .await?;
        }
    }
    let mut items = describe(db, shop_id, vec![sku]).await?;
    Ok(items.remove(0))
}

/// A page of the shop's SKUs (by TikTok SKU id), skipping those of deleted products.
pub async fn list(
    db: &DatabaseConnection,
    shop_id: &str,
    filter: &InventoryFilter,
    limit: u64,
    after: Option<Cursor>,
) -> Result<(Vec<InventoryItem>, Option<Cursor>)> {
    let mut query = tiktok_sku::Entity::find()
        .filter(tiktok_sku::Column::ShopId.eq(shop_id))
        .filter(not_deleted());
    if let Some(s) = &filter.seller_sku {
        query = query.filter(tiktok_sku::Column::SellerSku.eq(s));
    }
    if let Some(p) = &filter.product_id {
        query = query.filter(tiktok_sku::Column::ProductId.eq(p));
    }
    if filter.low_stock {
        let shop_default = shop_threshold(db, shop_id).await?;
        query = query.filter(is_low(shop_default));
    }
    if let Some(c) = after {
        query = query.filter(tiktok_sku::Column::Id.gt(c.id));
    }
    let mut skus = query
        .order_by_asc(tiktok_sku::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let next = if skus.len() as u64 > limit {
        skus.truncate(limit as usize);
        skus.last().map(|s| id_cursor(&s.id))
    } else {
        None
    };
    Ok((describe(db, shop_id, skus).await?, next))
}

/// A SKU row of `tiktok_skus` is low: the rule of [`describe`], in SQL, so that a page holds `limit`
/// low SKUs. The threshold is an integer we validated, so it is written into the SQL as a literal
/// (placeholders inside custom SQL differ between SQLite and PostgreSQL).
fn is_low(shop_default: i64) -> Expr {
    Expr::cust(format!(
        "(SELECT COALESCE(SUM(q.quantity), 0) FROM sku_stock q \
           WHERE q.shop_id = tiktok_skus.shop_id AND q.sku_id = tiktok_skus.id) \
         <= COALESCE((SELECT t.low_stock_threshold FROM sku_stock_thresholds t \
           WHERE t.shop_id = tiktok_skus.shop_id AND t.sku_id = tiktok_skus.id), {shop_default})"
    ))
}

fn not_deleted() -> Expr {
    Expr::cust(
        "tiktok_skus.product_id NOT IN (SELECT p.id FROM tiktok_products p \
         WHERE p.shop_id = tiktok_skus.shop_id AND p.status = 'DELETED')",
    )
}

/// How many of the shop's SKUs are low.
pub async fn count_low(db: &impl ConnectionTrait, shop_id: &str) -> Result<u64, DbErr> {
    let shop_default = shop_threshold(db, shop_id).await?;
    tiktok_sku::Entity::find()
        .filter(tiktok_sku::Column::ShopId.eq(shop_id))
        .filter(not_deleted())
        .filter(is_low(shop_default))
        .count(db)
        .await
}

/// Publishes `ocean_low_stock_skus{shop}` for every connected shop with the inventory area on.
pub async fn publish_low_stock(db: &DatabaseConnection) -> Result<(), DbErr> {
    use crate::shops::{Feature, Features, ShopStatus};
    let shops = entity::shop::Entity::find()
        .filter(entity::shop::Column::DeletedAt.is_null())
        .filter(entity::shop::Column::Status.eq(ShopStatus::Connected.as_str()))
        .all(db)
        .await?;
    for shop in shops {
        if Features::from_json(&shop.features).is_enabled(Feature::Inventory) {
            let low = count_low(db, &shop.id).await?;
            metrics::gauge!("ocean_low_stock_skus", "shop" => shop.id).set(low as f64);
        }
    }
    Ok(())
}

/// Lists ordered by an id alone carry the epoch as the cursor's time.
fn id_cursor(id: &str) -> Cursor {
    Cursor {
        at: DateTime::UNIX_EPOCH,
        id: id.to_owned(),
    }
}

/// Stock, product title and threshold for each SKU.
async fn describe(
    db: &impl ConnectionTrait,
    shop_id: &str,
    skus: Vec<tiktok_sku::Model>,
) -> Result<Vec<InventoryItem>, DbErr> {
    if skus.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = skus.iter().map(|s| s.id.clone()).collect();
    let product_ids: Vec<String> = skus.iter().map(|s| s.product_id.clone()).collect();
    let mut stock: HashMap<String, Vec<sku_stock::Model>> = HashMap::new();
    for s in sku_stock::Entity::find()
        .filter(sku_stock::Column::ShopId.eq(shop_id))
        .filter(sku_stock::Column::SkuId.is_in(ids.clone()))
        .order_by_asc(sku_stock::Column::WarehouseId)
        .all(db)
        .await?
    {
        stock.entry(s.sku_id.clone()).or_default().push(s);
    }
    let mut counts: HashMap<String, Vec<erp_stock::Model>> = HashMap::new();
    for c in erp_stock::Entity::find()
        .filter(erp_stock::Column::ShopId.eq(shop_id))
        .filter(erp_stock::Column::SkuId.is_in(ids.clone()))
        .order_by_asc(erp_stock::Column::WarehouseId)
        .all(db)
        .await?
    {
        counts.entry(c.sku_id.clone()).or_default().push(c);
    }
    let own: HashMap<String, i64> = sku_stock_threshold::Entity::find()
        .filter(sku_stock_threshold::Column::ShopId.eq(shop_id))
        .filter(sku_stock_threshold::Column::SkuId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.sku_id, t.low_stock_threshold))
        .collect();
    let titles: HashMap<String, String> = tiktok_product::Entity::find()
        .filter(tiktok_product::Column::ShopId.eq(shop_id))
        .filter(tiktok_product::Column::Id.is_in(product_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect();
    let shop_default = shop_threshold(db, shop_id).await?;
    Ok(skus
        .into_iter()
        .map(|sku| {
            let stock = stock.remove(&sku.id).unwrap_or_default();
            let total = stock.iter().map(|s| s.quantity).sum();
            let (threshold, threshold_source) = match own.get(&sku.id) {
                Some(t) => (*t, ThresholdSource::Sku),
                None => (shop_default, ThresholdSource::Shop),
            };
            InventoryItem {
                product_title: titles.get(&sku.product_id).cloned().unwrap_or_default(),
                stock,
                counts: counts.remove(&sku.id).unwrap_or_default(),
                total,
                threshold,
                threshold_source,
                low_stock: total <= threshold,
                sku,
            }
        })
        .collect())
}
