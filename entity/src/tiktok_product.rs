//! A TikTok product as last synced.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub title: String,
    pub status: String,
    pub create_time: DateTimeUtc,
    pub update_time: DateTimeUtc,
    pub synced_at: DateTimeUtc,
    /// TikTok's audit status (AUDITING, REJECTED, APPROVED, NONE) when it told us.
    pub audit_status: Option<String>,
    /// JSON array of `{position, reasons[], suggestions[]}` while the audit has FAILED.
    pub audit_failed_reasons: Option<String>,
    /// The leaf category (known once the product was read one by one).
    pub category_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
