//! Video commerce: the ERP records which of the shop's products a TikTok video shows and when
//! (TikTok links products to videos in its app; its Open API cannot), lists a product's videos, and
//! joins each with the video's figures from the analytics area when they were synced.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::QueryOrder;
use sea_orm::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use entity::{shop, tiktok_product, video_link};

use crate::analytics::model::VideoFigures;
use crate::auth::AuthUser;
use crate::deps::Store;
use crate::error::{Error, Result};

/// The longest video we accept show times for (TikTok's videos run at most 60 minutes).
pub const MAX_SECONDS: i64 = 3_600;
/// The most products one video shows.
pub const MAX_PRODUCTS: usize = 20;

/// When a product shows in the video, in seconds from its start.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShowTime {
    #[schema(pattern = "^[0-9]{1,32}$")]
    pub product_id: String,
    #[schema(minimum = 0, maximum = 3600)]
    pub start_time: i64,
    #[schema(minimum = 1, maximum = 3600)]
    pub end_time: i64,
}

/// A video's products and their show times (the guide's JSON).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"video_id": "7390000000000000001", "product_ids": ["1729592969712207000"], "show_times": [{"product_id": "1729592969712207000", "start_time": 5, "end_time": 15}]}))]
pub struct VideoIn {
    #[schema(pattern = "^[0-9]{1,32}$")]
    pub video_id: String,
    #[schema(min_items = 1, max_items = 20)]
    pub product_ids: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 200)]
    pub show_times: Vec<ShowTime>,
}

/// A replacement of a video's products and show times.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"product_ids": ["1729592969712207000"], "show_times": [{"product_id": "1729592969712207000", "start_time": 5, "end_time": 20}]}))]
pub struct VideoPut {
    #[schema(min_items = 1, max_items = 20)]
    pub product_ids: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 200)]
    pub show_times: Vec<ShowTime>,
}

/// A video as recorded, with its figures when the analytics area synced them.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"video_id": "7390000000000000001", "product_ids": ["1729592969712207000"], "show_times": [{"product_id": "1729592969712207000", "start_time": 5, "end_time": 15}], "performance": {"video_id": "7390000000000000001", "product_ids": ["1729592969712207000"], "views": 48210, "gmv": {"amount": "210.50", "currency": "USD"}, "orders": 9, "units": 11}, "created_by": "alice", "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:00:00Z"}))]
pub struct Video {
    pub video_id: String,
    pub product_ids: Vec<String>,
    pub show_times: Vec<ShowTime>,
    /// TikTok's figures for the video over the analytics window (views, GMV, orders attributed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub performance: Option<VideoFigures>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The products and show times once checked: products of the shop, listed once; each show time
/// of a listed product, inside the video, not overlapping another of the same product.
async fn checked(
    db: &impl ConnectionTrait,
    shop_id: &str,
    products: &[String],
    times: &[ShowTime],
) -> Result<(Vec<String>, Vec<ShowTime>)> {
    if products.is_empty() || products.len() > MAX_PRODUCTS {
        return Err(Error::invalid_field(
            "product_ids",
            format!("give 1 to {MAX_PRODUCTS} products"),
        ));
    }
    let mut seen = HashSet::new();
    for (i, id) in products.iter().enumerate() {
        let field = format!("product_ids[{i}]");
        if !seen.insert(id.clone()) {
            return Err(Error::invalid_field(&field, "the product is listed twice"));
        }
        tiktok_product::Entity::find_by_id((shop_id.to_owned(), id.clone()))
            .one(db)
            .await?
            .ok_or_else(|| {
                Error::invalid_field(
                    &field,
                    format!(
                        "{id} is not a product of this shop (sync the shop's products if it is new)"
                    ),
                )
            })?;
    }
    if times.len() > 200 {
        return Err(Error::invalid_field("show_times", "at most 200 show times"));
    }
    let mut sorted = times.to_vec();
    for (i, t) in times.iter().enumerate() {
        let field = format!("show_times[{i}]");
        if !seen.contains(&t.product_id) {
            return Err(Error::invalid_field(
                &format!("{field}.product_id"),
                "a show time names one of the video's product_ids",
            ));
        }
        if t.start_time < 0 || t.end_time <= t.start_time || t.end_time > MAX_SECONDS {
            return Err(Error::invalid_field(
                &format!("{field}.end_time"),
                format!("0 ≤ start_time < end_time ≤ {MAX_SECONDS} seconds into the video"),
            ));
        }
        if let Some((j, _)) = times.iter().enumerate().find(|(j, o)| {
            *j != i
                && o.product_id == t.product_id
                && o.start_time < t.end_time
                && t.start_time < o.end_time
        }) {
            return Err(Error::invalid_field(
                &format!("{field}.start_time"),
                format!("overlaps show_times[{j}] of the same product"),
            ));
        }
    }
    sorted.sort_by_key(|t| (t.start_time, t.product_id.clone()));
    Ok((products.to_vec(), sorted))
}

async fn answer(db: &impl ConnectionTrait, row: video_link::Model) -> Result<Video> {
    let performance = crate::analytics::store::video(db, &row.shop_id, &row.video_id).await?;
    Ok(Video {
        product_ids: serde_json::from_str(&row.product_ids).unwrap_or_default(),
        show_times: serde_json::from_str(&row.show_times).unwrap_or_default(),
        performance,
        video_id: row.video_id,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

async fn row(
    db: &impl ConnectionTrait,
    shop_id: &str,
    video_id: &str,
) -> Result<video_link::Model> {
    video_link::Entity::find_by_id((shop_id.to_owned(), video_id.to_owned()))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("video"))
}

pub async fn create(
    store: Store<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    input: &VideoIn,
) -> Result<Video> {
    let id = input.video_id.trim();
    if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid_field(
            "video_id",
            "TikTok's video id: 1 to 32 digits",
        ));
    }
    let (products, times) =
        checked(store.db, &shop.id, &input.product_ids, &input.show_times).await?;
    if row(store.db, &shop.id, id).await.is_ok() {
        return Err(Error::conflict(
            "video_exists",
            format!("video {id} is recorded already: change it with PUT …/videos/{id}"),
        ));
    }
    let now = store.clock.now();
    let saved = video_link::ActiveModel {
        shop_id: Set(shop.id.clone()),
        video_id: Set(id.to_owned()),
        product_ids: Set(serde_json::to_string(&products).map_err(Error::internal)?),
        show_times: Set(serde_json::to_string(&times).map_err(Error::internal)?),
        created_by: Set(user.sub.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(store.db)
    .await?;
    answer(store.db, saved).await
}

pub async fn replace(
    store: Store<'_>,
    shop: &shop::Model,
    video_id: &str,
    input: &VideoPut,
) -> Result<Video> {
    let current = row(store.db, &shop.id, video_id).await?;
    let (products, times) =
        checked(store.db, &shop.id, &input.product_ids, &input.show_times).await?;
    let mut active: video_link::ActiveModel = current.into();
    active.product_ids = Set(serde_json::to_string(&products).map_err(Error::internal)?);
    active.show_times = Set(serde_json::to_string(&times).map_err(Error::internal)?);
    active.updated_at = Set(store.clock.now());
    answer(store.db, active.update(store.db).await?).await
}

pub async fn get(db: &DatabaseConnection, shop_id: &str, video_id: &str) -> Result<Video> {
    answer(db, row(db, shop_id, video_id).await?).await
}

pub async fn delete(db: &DatabaseConnection, shop_id: &str, video_id: &str) -> Result<()> {
    row(db, shop_id, video_id).await?;
    video_link::Entity::delete_by_id((shop_id.to_owned(), video_id.to_owned()))
        .exec(db)
        .await?;
    Ok(())
}

/// The shop's recorded videos, the latest recorded first; `product_id` narrows to those showing it.
pub async fn list(
    db: &DatabaseConnection,
    shop_id: &str,
    product_id: Option<&str>,
) -> Result<Vec<Video>> {
    let rows = video_link::Entity::find()
        .filter(video_link::Column::ShopId.eq(shop_id))
        .order_by_desc(video_link::Column::CreatedAt)
        .order_by_asc(video_link::Column::VideoId)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let video = answer(db, r).await?;
        if product_id.is_none_or(|p| video.product_ids.iter().any(|id| id == p)) {
            out.push(video);
        }
    }
    Ok(out)
}
