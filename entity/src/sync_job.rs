//! A sync job: one resource of one shop, incremental or full, claimed by a worker with a lease.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub shop_id: String,
    /// orders · products · warehouses
    pub resource: String,
    /// incremental · full
    pub mode: String,
    /// queued · running · succeeded · failed · cancelled
    pub state: String,
    /// JSON: {pages, items, total, skipped, resume_from}
    pub progress: String,
    /// Runs started (a run cut short by its process dying counts too).
    pub attempts: i32,
    /// Runs whose work failed; the job gives up at `max_attempts` of them.
    pub failures: i32,
    pub max_attempts: i32,
    pub error: Option<String>,
    /// Not claimable before this (back-off after a failure).
    pub run_after: DateTimeUtc,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
