//! A pending OAuth authorization: the hash of the `state` we sent the seller away with, bound to the
//! tenant, shop and user that asked; single-use, short-lived.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_states")]
pub struct Model {
    /// Hex SHA-256 of the state; the state itself is never stored.
    #[sea_orm(primary_key, auto_increment = false)]
    pub state_hash: String,
    pub tenant_id: String,
    pub shop_id: String,
    pub user_sub: String,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
