//! What the shop's rules made of one request awaiting one decision (at most one row per request and
//! pending action): the rule that matched, its action, and what came of it (decided, recorded in dry
//! run, left for a person and why, or failed).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "aftersale_rule_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub shop_id: String,
    /// `return` or `cancellation`.
    pub request_kind: String,
    pub request_id: String,
    /// The decision TikTok awaited (SELLER_RESPOND_REFUND, …).
    pub pending_action: String,
    pub rule_id: Option<String>,
    /// `approve`, `reject` or `manual`.
    pub action: String,
    pub dry_run: bool,
    /// `decided`, `recorded` (dry run), `left` (for a person) or `failed`.
    pub outcome: String,
    /// Why it was left, or the failure; the decision's status when decided.
    pub detail: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
