//! A TikTok return (or refund-only request, or replacement) as last synced, keyed by our shop and
//! TikTok's return id. Refund amounts are TikTok's decimal strings in `currency` (all none when TikTok
//! gives no refund amount); `line_items` is the JSON list of the lines it covers.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_returns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub order_id: String,
    /// REFUND, RETURN_AND_REFUND or REPLACEMENT.
    pub return_type: String,
    pub status: String,
    /// BUYER, SELLER or SYSTEM.
    pub role: Option<String>,
    pub reason: Option<String>,
    pub reason_text: Option<String>,
    pub currency: Option<String>,
    pub refund_total: Option<String>,
    pub refund_subtotal: Option<String>,
    pub refund_shipping_fee: Option<String>,
    pub refund_tax: Option<String>,
    pub line_items: String,
    pub create_time: DateTimeUtc,
    pub update_time: DateTimeUtc,
    pub synced_at: DateTimeUtc,
    /// The decision TikTok awaits from the seller (its `seller_next_action_response`), if any.
    pub next_action: Option<String>,
    /// By when; past it, TikTok decides for the seller.
    pub decide_by: Option<DateTimeUtc>,
    /// The shipment back, once the buyer sent it.
    pub return_tracking_number: Option<String>,
    pub return_provider_name: Option<String>,
    /// When its units went back on the ERP's shelf (once, on receipt).
    pub restocked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
