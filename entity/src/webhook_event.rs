//! One webhook delivery from TikTok, stored verbatim before it is answered.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    /// Our shop id.
    pub shop_id: String,
    /// TikTok's `tts_notification_id`, or `sha256:<hex>` of the body when it has none.
    pub notification_id: String,
    /// TikTok's type code (1 ORDER_STATUS_CHANGE, 6 SELLER_DEAUTHORIZATION, …).
    pub event_type: i32,
    pub event_name: String,
    /// The body's `timestamp` (unix seconds).
    pub event_time: i64,
    /// The raw body, as signed.
    pub payload: String,
    /// received · processed · skipped · dead
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTimeUtc,
    pub received_at: DateTimeUtc,
    pub processed_at: Option<DateTimeUtc>,
    /// The claim of the processor holding the event (a token per claimed batch).
    pub claim_token: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
