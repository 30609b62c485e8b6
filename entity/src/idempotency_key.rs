//! A write sent with an `Idempotency-Key`: the request's fingerprint and, once done, its answer.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub method: String,
    pub path: String,
    /// SHA-256 of the request body, hex.
    pub body_hash: String,
    /// None while the first request is still running.
    pub status: Option<i32>,
    pub response: Option<String>,
    pub created_at: DateTimeUtc,
    /// While the first request runs, it renews this; a key whose lease ran out (its request died
    /// with its process) may be taken by the same request sent again.
    pub lease_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
