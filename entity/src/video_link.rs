//! A TikTok video the ERP records as showing some of the shop's products, and when each shows
//! (TikTok links products to videos in its app; the Open API cannot).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "video_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub video_id: String,
    /// JSON array of product ids.
    pub product_ids: String,
    /// JSON array of `{product_id, start_time, end_time}` (seconds into the video).
    pub show_times: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
