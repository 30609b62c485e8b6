//! One write the ERP made through us: who, when, what, TikTok's request id and the outcome.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub shop_id: String,
    /// The JWT subject.
    pub actor: String,
    pub role: String,
    /// e.g. `stock.set`, `stock.adjust`.
    pub action: String,
    /// What was written, e.g. `sku 1729…/warehouse 7068…`.
    pub target: String,
    /// The request as JSON.
    pub request: String,
    /// succeeded · failed
    pub outcome: String,
    pub tiktok_request_id: Option<String>,
    pub error: Option<String>,
    /// Our request id (`x-request-id`).
    pub request_id: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
