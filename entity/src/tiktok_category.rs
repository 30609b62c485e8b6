//! A category of a shop's TikTok category tree, as last fetched; `attributes` and `rules` (JSON) are
//! fetched when first needed and kept with `details_fetched_at`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_categories")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// "0" at the root.
    pub parent_id: String,
    pub local_name: String,
    pub is_leaf: bool,
    /// JSON array of TikTok's permission statuses (AVAILABLE, INVITE_ONLY, NON_MAIN_CATEGORY).
    pub permission_statuses: String,
    pub attributes: Option<String>,
    pub rules: Option<String>,
    pub details_fetched_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
