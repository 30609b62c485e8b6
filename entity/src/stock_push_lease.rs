//! Who is pushing a SKU's stock to TikTok right now (one TikTok update sets every warehouse of a
//! SKU, so the lease covers the SKU), across every server process:
//! a lease that runs out on its own if its holder dies.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_push_leases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub sku_id: String,
    /// The holder's token (process id + a random part, one per push).
    pub holder: String,
    pub lease_until: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
