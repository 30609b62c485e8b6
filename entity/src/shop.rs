//! A TikTok shop configured by a tenant: its app credentials (the secret sealed by the vault),
//! region, feature toggles and sync settings.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shops")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub app_key: String,
    /// Vault-sealed app secret; `None` once the shop is deleted.
    pub app_secret_sealed: Option<String>,
    /// A few hex characters of an HMAC of the secret under the master key: tells two secrets
    /// apart without showing either (no part of the secret is stored in the clear).
    pub app_secret_fingerprint: Option<String>,
    pub service_id: Option<String>,
    /// TikTok's shop id; optional until authorization.
    pub shop_id: Option<String>,
    pub region: String,
    pub status: String,
    /// JSON object of the nine feature toggles.
    pub features: String,
    /// Minutes between automatic syncs; `None` means manual only.
    pub sync_interval_minutes: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
    /// The TikTok authorization this shop's calls use (one may cover several shops).
    pub grant_id: Option<String>,
    /// TikTok's shop cipher, sent on every shop-scoped call.
    pub shop_cipher: Option<String>,
    pub tiktok_shop_name: Option<String>,
    /// LOCAL or CROSS_BORDER.
    pub seller_type: Option<String>,
    pub connected_at: Option<DateTimeUtc>,
    /// Why the shop is in its status (e.g. why it needs authorizing again).
    pub status_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
