//! The shop's activities as we keep them: saved from TikTok's answer, read back with their status
//! moved on by the clock, listed by status and type.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;
use sea_orm::sea_query::{Condition, OnConflict};

use entity::promotion;

use super::model::{Price, ProductDeal, Promotion, SkuDeal, Status};
use crate::error::{Error, Result};
use crate::pagination::{Cursor, Direction, keyset_page};
use crate::sync::unix_time;
use crate::tiktok::promotions::{ActivityDetail, ActivitySummary, Money};

fn price(m: Option<Money>) -> Option<Price> {
    m.filter(|m| !m.amount.is_empty()).map(|m| Price {
        amount: m.amount,
        currency: m.currency,
    })
}

fn percent(raw: Option<String>) -> Option<i64> {
    raw.and_then(|d| d.trim().parse().ok())
}

/// TikTok's products of an activity as we keep them.
fn deals(detail_products: Vec<crate::tiktok::promotions::ActivityProduct>) -> Vec<ProductDeal> {
    detail_products
        .into_iter()
        .map(|p| ProductDeal {
            product_id: p.id,
            deal_price: price(p.activity_price),
            discount_percent: percent(p.discount),
            quantity_limit: p.quantity_limit.unwrap_or(-1),
            quantity_per_user: p.quantity_per_user.unwrap_or(-1),
            used_quantity: p.used_quantity,
            skus: p
                .skus
                .into_iter()
                .map(|s| SkuDeal {
                    id: s.id,
                    deal_price: price(s.activity_price),
                    discount_percent: percent(s.discount),
                    quantity_limit: s.quantity_limit.unwrap_or(-1),
                    quantity_per_user: s.quantity_per_user.unwrap_or(-1),
                    used_quantity: s.used_quantity,
                })
                .collect(),
        })
        .collect()
}

/// Saves an activity as TikTok gave it with its products.
pub async fn save_detail(
    db: &impl ConnectionTrait,
    shop_id: &str,
    detail: ActivityDetail,
    now: DateTime<Utc>,
) -> Result<promotion::Model> {
    let known = detail.products.is_some();
    let products = deals(detail.products.unwrap_or_default());
    let row = promotion::ActiveModel {
        shop_id: Set(shop_id.to_owned()),
        id: Set(detail.activity_id),
        title: Set(detail.title),
        activity_type: Set(detail.activity_type),
        product_level: Set(detail.product_level),
        status: Set(detail.status),
        begin_time: Set(unix_time(detail.begin_time).map_err(Error::internal)?),
        end_time: Set(unix_time(detail.end_time).map_err(Error::internal)?),
        products: Set(serde_json::to_string(&products).map_err(Error::internal)?),
        products_known: Set(known),
        synced_at: Set(now),
    };
    let saved = promotion::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([promotion::Column::ShopId, promotion::Column::Id])
                .update_columns([
                    promotion::Column::Title,
                    promotion::Column::ActivityType,
                    promotion::Column::ProductLevel,
                    promotion::Column::Status,
                    promotion::Column::BeginTime,
                    promotion::Column::EndTime,
                    promotion::Column::Products,
                    promotion::Column::ProductsKnown,
                    promotion::Column::SyncedAt,
                ])
                .to_owned(),
        )
        .exec_with_returning(db)
        .await?;
    Ok(saved)
}

/// Saves what a search says of an activity whose products we already keep (an ended one).
pub async fn save_summary(
    db: &impl ConnectionTrait,
    shop_id: &str,
    summary: &ActivitySummary,
    now: DateTime<Utc>,
) -> Result<()> {
    promotion::Entity::update_many()
        .col_expr(
            promotion::Column::Status,
            Expr::value(summary.status.clone()),
        )
        .col_expr(promotion::Column::Title, Expr::value(summary.title.clone()))
        .col_expr(promotion::Column::SyncedAt, Expr::value(now))
        .filter(promotion::Column::ShopId.eq(shop_id))
        .filter(promotion::Column::Id.eq(&summary.id))
        .exec(db)
        .await?;
    Ok(())
}

/// The kept products of an activity (none when unreadable: the next sync writes them again).
pub fn products_of(row: &promotion::Model) -> Vec<ProductDeal> {
    serde_json::from_str(&row.products).unwrap_or_default()
}

pub fn answer(row: promotion::Model, now: DateTime<Utc>) -> Promotion {
    let products = products_of(&row);
    Promotion {
        status: Status::at(&row.status, row.begin_time, row.end_time, now),
        id: row.id,
        title: row.title,
        activity_type: row.activity_type,
        product_level: row.product_level,
        begin_time: row.begin_time,
        end_time: row.end_time,
        products,
        products_known: row.products_known,
        synced_at: row.synced_at,
    }
}

/// One activity of the shop (404 otherwise).
pub async fn row(
    db: &impl ConnectionTrait,
    shop_id: &str,
    activity_id: &str,
) -> Result<promotion::Model> {
    promotion::Entity::find_by_id((shop_id.to_owned(), activity_id.to_owned()))
        .one(db)
        .await?
        .ok_or_else(|| {
            Error::not_found("promotion activity (sync the shop's promotions if it is new)")
        })
}

/// Every activity of the shop that may still hold SKUs at `now` (not ended by status or time).
pub async fn live_rows(
    db: &impl ConnectionTrait,
    shop_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<promotion::Model>> {
    Ok(promotion::Entity::find()
        .filter(promotion::Column::ShopId.eq(shop_id))
        .filter(promotion::Column::EndTime.gt(now))
        .filter(promotion::Column::Status.is_in(["DRAFT", "NOT_START", "ONGOING"]))
        .all(db)
        .await?)
}

/// Every title the shop's activities use (TikTok wants them unique).
pub async fn titles(db: &impl ConnectionTrait, shop_id: &str) -> Result<Vec<(String, String)>> {
    Ok(promotion::Entity::find()
        .filter(promotion::Column::ShopId.eq(shop_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.title))
        .collect())
}

/// The SQL form of "its status now is `status`" (see [`Status::at`]).
fn status_is(status: Status, now: DateTime<Utc>) -> Condition {
    use promotion::Column as C;
    let pending = || C::Status.is_in(["NOT_START", "ONGOING"]);
    match status {
        Status::NotStart => Condition::all()
            .add(C::Status.eq("NOT_START"))
            .add(C::BeginTime.gt(now)),
        Status::Ongoing => Condition::all()
            .add(pending())
            .add(C::BeginTime.lte(now))
            .add(C::EndTime.gt(now)),
        Status::Expired => Condition::any()
            .add(C::Status.eq("EXPIRED"))
            .add(Condition::all().add(pending()).add(C::EndTime.lte(now))),
        other => Condition::all().add(C::Status.eq(other.as_str())),
    }
}

/// A page of the shop's activities, the latest begin first.
pub async fn list(
    db: &DatabaseConnection,
    shop_id: &str,
    status: Option<Status>,
    activity_type: Option<&str>,
    limit: u64,
    after: Option<Cursor>,
    now: DateTime<Utc>,
) -> Result<(Vec<Promotion>, Option<Cursor>)> {
    let mut query = promotion::Entity::find().filter(promotion::Column::ShopId.eq(shop_id));
    if let Some(s) = status {
        query = query.filter(status_is(s, now));
    }
    if let Some(t) = activity_type {
        query = query.filter(promotion::Column::ActivityType.eq(t));
    }
    let (rows, next) = keyset_page(
        db,
        query,
        (promotion::Column::BeginTime, promotion::Column::Id),
        Direction::NewestFirst,
        limit,
        after,
        |r| Cursor {
            at: r.begin_time,
            id: r.id.clone(),
        },
    )
    .await?;
    Ok((rows.into_iter().map(|r| answer(r, now)).collect(), next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_moves_a_status_as_tiktok_does() {
        let t = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
        let (begin, end) = (t(1_000), t(2_000));
        assert_eq!(
            Status::at("NOT_START", begin, end, t(999)),
            Status::NotStart
        );
        assert_eq!(
            Status::at("NOT_START", begin, end, t(1_000)),
            Status::Ongoing
        );
        assert_eq!(Status::at("ONGOING", begin, end, t(2_000)), Status::Expired);
        assert_eq!(
            Status::at("NOT_START", begin, end, t(5_000)),
            Status::Expired
        );
        assert_eq!(
            Status::at("DEACTIVATED", begin, end, t(1_500)),
            Status::Deactivated
        );
        assert_eq!(
            Status::at("garbage", begin, end, t(1_500)),
            Status::NotEffective
        );
    }
}
