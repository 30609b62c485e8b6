//! A difference the inventory sync found between what TikTok lets buyers order and what it should
//! (`on_hand − committed − safety_buffer`), and whether the push that followed corrected it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inventory_drift")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub shop_id: String,
    pub sku_id: String,
    pub warehouse_id: String,
    /// The ERP's count when the drift was found.
    pub on_hand: i64,
    /// TikTok's committed units when the drift was found.
    pub committed: i64,
    pub safety_buffer: i64,
    /// What TikTok should have had available.
    pub expected: i64,
    /// What TikTok had available.
    pub tiktok_available: i64,
    pub detected_at: DateTimeUtc,
    /// When a push set TikTok right; `None` while it is not corrected (see `error`).
    pub corrected_at: Option<DateTimeUtc>,
    pub error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
