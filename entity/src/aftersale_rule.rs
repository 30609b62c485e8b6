//! A shop's automatic decision rule for after-sales requests: when its conditions hold for a request
//! that awaits the seller, its action decides it (or, in dry run, is only recorded). Rules are tried
//! by ascending `priority`; the first that matches decides.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "aftersale_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub shop_id: String,
    pub name: String,
    pub priority: i32,
    pub dry_run: bool,
    /// The rule's `when` and `then`, as JSON.
    pub definition: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
