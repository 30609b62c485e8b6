//! The shop's vouchers (TikTok's coupons), read-only: TikTok's Open API cannot create one (Seller
//! Center, the seller app or TikTok's CRM can). Synced with the activities.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;
use sea_orm::sea_query::OnConflict;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use entity::coupon;

use super::model::Price;
use crate::error::{Error, Result};
use crate::pagination::{Cursor, Direction, keyset_page};
use crate::tiktok::promotions as wire;

/// A voucher as kept and answered.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "7400000000000000001", "title": "5 off 50", "status": "ONGOING", "display_type": "REGULAR", "discount": {"type": "AMOUNT_OFF", "amount": {"amount": "5.00", "currency": "USD"}}, "threshold": {"type": "MIN_SPEND", "min_spend": {"amount": "50.00", "currency": "USD"}}, "claim_start": "2026-12-01T00:00:00Z", "claim_end": "2026-12-31T00:00:00Z", "usage_limits": {"single_buyer_claim_limit": 1, "total_claim_limit": 1000}, "product_scope": "FULL_SHOP", "creation_source": "SELLER_CENTER", "updated_at": "2026-12-01T09:00:00Z"}))]
pub struct Coupon {
    pub id: String,
    pub title: String,
    /// NOT_START, ONGOING, EXPIRED or DEACTIVATED.
    pub status: String,
    /// REGULAR, LIVE, CREATOR_EXCLUSIVE, CHAT or PROMO_CODE.
    pub display_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promo_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<CouponDiscount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<CouponThreshold>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_start: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_end: Option<DateTime<Utc>>,
    /// ABSOLUTE (between `redeem_start` and `redeem_end`) or RELATIVE (`redeem_within_days` of the claim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redemption_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redeem_start: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redeem_end: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redeem_within_days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_buyer_segment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_limits: Option<UsageLimits>,
    /// FULL_SHOP or SPECIFIC_PRODUCTS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_scope: Option<String>,
    /// SELLER_CENTER, SELLER_APP or TTS_CRM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_source: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CouponDiscount {
    /// AMOUNT_OFF or PERCENT_OFF.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_discount: Option<Price>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CouponThreshold {
    /// NONE or MIN_SPEND.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_spend: Option<Price>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UsageLimits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub single_buyer_claim_limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_claim_limit: Option<i64>,
    /// SEA only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redemption_limit: Option<i64>,
}

fn at(secs: Option<i64>) -> Option<DateTime<Utc>> {
    secs.filter(|s| *s > 0)
        .and_then(|s| DateTime::from_timestamp(s, 0))
}

fn price(m: Option<wire::Money>) -> Option<Price> {
    m.map(|m| Price {
        amount: m.amount,
        currency: m.currency,
    })
}

impl Coupon {
    pub fn from_wire(c: wire::Coupon, now: DateTime<Utc>) -> Self {
        let redemption = c.redemption_duration;
        Coupon {
            id: c.id,
            title: c.title,
            status: c.status,
            display_type: c.display_type,
            promo_code: c.promo_code.filter(|p| !p.is_empty()),
            discount: c.discount.map(|d| CouponDiscount {
                kind: d.kind.unwrap_or_default(),
                amount: price(d.reduction_amount),
                percentage: d.percentage,
                max_discount: price(d.max_discount),
            }),
            threshold: c.threshold.map(|t| CouponThreshold {
                kind: t.kind.unwrap_or_default(),
                min_spend: price(t.min_spend),
            }),
            claim_start: at(c.claim_duration.as_ref().and_then(|d| d.start_time)),
            claim_end: at(c.claim_duration.as_ref().and_then(|d| d.end_time)),
            redemption_type: redemption.as_ref().and_then(|r| r.kind.clone()),
            redeem_start: at(redemption.as_ref().and_then(|r| r.start_time)),
            redeem_end: at(redemption.as_ref().and_then(|r| r.end_time)),
            redeem_within_days: redemption.as_ref().and_then(|r| r.relative_time),
            target_buyer_segment: c.target_buyer_segment,
            usage_limits: c.usage_limits.map(|u| UsageLimits {
                single_buyer_claim_limit: u.single_buyer_claim_limit,
                total_claim_limit: u.total_claim_limit,
                redemption_limit: u.redemption_limit,
            }),
            product_scope: c.product_scope,
            creation_source: c.creation_source,
            updated_at: c
                .update_time
                .and_then(DateTime::from_timestamp_millis)
                .unwrap_or(now),
        }
    }
}

pub async fn save(
    db: &impl ConnectionTrait,
    shop_id: &str,
    coupon: &Coupon,
    now: DateTime<Utc>,
) -> Result<()> {
    coupon::Entity::insert(coupon::ActiveModel {
        shop_id: Set(shop_id.to_owned()),
        id: Set(coupon.id.clone()),
        title: Set(coupon.title.clone()),
        status: Set(coupon.status.clone()),
        display_type: Set(coupon.display_type.clone()),
        body: Set(serde_json::to_string(coupon).map_err(Error::internal)?),
        updated_at: Set(coupon.updated_at),
        synced_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([coupon::Column::ShopId, coupon::Column::Id])
            .update_columns([
                coupon::Column::Title,
                coupon::Column::Status,
                coupon::Column::DisplayType,
                coupon::Column::Body,
                coupon::Column::UpdatedAt,
                coupon::Column::SyncedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

fn read(row: coupon::Model) -> Result<Coupon> {
    serde_json::from_str(&row.body)
        .map_err(|e| Error::internal(anyhow::anyhow!("coupon {}: {e}", row.id)))
}

/// A page of the shop's vouchers, the latest changed first.
pub async fn list(
    db: &DatabaseConnection,
    shop_id: &str,
    status: Option<&str>,
    limit: u64,
    after: Option<Cursor>,
) -> Result<(Vec<Coupon>, Option<Cursor>)> {
    let mut query = coupon::Entity::find().filter(coupon::Column::ShopId.eq(shop_id));
    if let Some(s) = status {
        query = query.filter(coupon::Column::Status.eq(s));
    }
    let (rows, next) = keyset_page(
        db,
        query,
        (coupon::Column::UpdatedAt, coupon::Column::Id),
        Direction::NewestFirst,
        limit,
        after,
        |r| Cursor {
            at: r.updated_at,
            id: r.id.clone(),
        },
    )
    .await?;
    Ok((rows.into_iter().map(read).collect::<Result<_>>()?, next))
}

pub async fn get(db: &DatabaseConnection, shop_id: &str, coupon_id: &str) -> Result<Coupon> {
    let row = coupon::Entity::find_by_id((shop_id.to_owned(), coupon_id.to_owned()))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("coupon (sync the shop's promotions if it is new)"))?;
    read(row)
}
