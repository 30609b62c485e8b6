//! A seller's authorization of our app (TikTok's token pair), shared by every shop it covers.
//! Tokens are vault-sealed; `token_version` grows with each refresh; the lease makes refresh single-flight.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_grants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub app_key: String,
    pub open_id: String,
    pub seller_name: String,
    pub seller_base_region: String,
    pub user_type: i64,
    /// JSON array of scope names.
    pub granted_scopes: String,
    pub access_token_sealed: Option<String>,
    pub access_token_issued_at: Option<DateTimeUtc>,
    pub access_token_expires_at: Option<DateTimeUtc>,
    pub refresh_token_sealed: Option<String>,
    pub refresh_token_expires_at: Option<DateTimeUtc>,
    pub token_version: i64,
    pub refresh_lease_owner: Option<String>,
    pub refresh_lease_until: Option<DateTimeUtc>,
    pub last_refresh_at: Option<DateTimeUtc>,
    /// Set when a refresh was sent and its answer lost: TikTok may have spent the refresh token.
    /// Cleared by the next successful refresh.
    pub refresh_unknown_at: Option<DateTimeUtc>,
    /// active · revoked (refused refresh, expired refresh token, deauthorized) · erased (disconnected)
    pub status: String,
    /// A warning for the admin, e.g. an upcoming authorization expiry.
    pub warning: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
