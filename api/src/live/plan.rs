//! Sessions kept in the ERP: made, read, changed while planned, deleted; each line checked against
//! the shop's catalogue and stock, and against the other sessions' line-ups at the same time.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;
use sea_orm::{QueryOrder, sea_query::Condition};

use entity::{erp_stock, live_session, shop, sku_stock, tiktok_sku, tiktok_warehouse};

use super::model::*;
use crate::auth::AuthUser;
use crate::catalog::money::{check_price, format_minor, minor};
use crate::deps::Store;
use crate::error::{Error, Result};
use crate::pagination::{Cursor, Direction, keyset_page};
use crate::promotions::model::Price;
use crate::shops::Region;

pub fn lines_of(row: &live_session::Model) -> Vec<Line> {
    serde_json::from_str(&row.lines).unwrap_or_default()
}

pub fn made_of(row: &live_session::Model) -> Vec<Made> {
    serde_json::from_str(&row.activity_ids).unwrap_or_default()
}

pub fn ends_at(row: &live_session::Model) -> DateTime<Utc> {
    row.scheduled_start + Duration::minutes(i64::from(row.duration_minutes))
}

pub fn state(row: &live_session::Model, now: DateTime<Utc>) -> State {
    if row.cancelled_at.is_some() {
        State::Cancelled
    } else if row.applied_at.is_none() {
        State::Planned
    } else if now < row.scheduled_start {
        State::Scheduled
    } else if now < ends_at(row) {
        State::Live
    } else {
        State::Ended
    }
}

pub fn answer(row: live_session::Model, now: DateTime<Utc>) -> LiveSession {
    let made = made_of(&row);
    LiveSession {
        state: state(&row, now),
        ends_at: ends_at(&row),
        lines: lines_of(&row),
        activity_ids: made.iter().map(|m| m.activity_id.clone()).collect(),
        activities: made,
        id: row.id,
        title: row.title,
        host: row.host,
        scheduled_start: row.scheduled_start,
        duration_minutes: i64::from(row.duration_minutes),
        applied_at: row.applied_at,
        cancelled_at: row.cancelled_at,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

pub async fn row(
    db: &impl ConnectionTrait,
    shop_id: &str,
    id: &str,
) -> Result<live_session::Model> {
    live_session::Entity::find_by_id(id.to_owned())
        .filter(live_session::Column::ShopId.eq(shop_id))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("live session"))
}

/// A page of the shop's sessions, the latest start first.
pub async fn list(
    db: &DatabaseConnection,
    shop_id: &str,
    limit: u64,
    after: Option<Cursor>,
    now: DateTime<Utc>,
) -> Result<(Vec<LiveSession>, Option<Cursor>)> {
    let (rows, next) = keyset_page(
        db,
        live_session::Entity::find().filter(live_session::Column::ShopId.eq(shop_id)),
        (
            live_session::Column::ScheduledStart,
            live_session::Column::Id,
        ),
        Direction::NewestFirst,
        limit,
        after,
        |r| Cursor {
            at: r.scheduled_start,
            id: r.id.clone(),
        },
    )
    .await?;
    Ok((rows.into_iter().map(|r| answer(r, now)).collect(), next))
}

/// What the ERP can sell of a SKU in a warehouse: its count less TikTok's committed units and the
/// shop's safety buffer, or TikTok's own available figure where the ERP keeps no count.
pub async fn available(
    db: &impl ConnectionTrait,
    shop_id: &str,
    sku_id: &str,
    warehouse_id: &str,
) -> Result<(i64, Option<i64>)> {
    let key = (
        shop_id.to_owned(),
        sku_id.to_owned(),
        warehouse_id.to_owned(),
    );
    let tiktok = sku_stock::Entity::find_by_id(key.clone()).one(db).await?;
    let erp = erp_stock::Entity::find_by_id(key).one(db).await?;
    let buffer = crate::inventory::settings(db, shop_id).await?.safety_buffer;
    let ours = match &erp {
        Some(c) => crate::stock::sellable(
            c.on_hand,
            tiktok.as_ref().and_then(|t| t.committed).unwrap_or(0),
            buffer,
        ),
        None => tiktok.as_ref().map_or(0, |t| t.quantity),
    };
    Ok((ours, tiktok.map(|t| t.quantity)))
}

fn check_host(host: &str) -> Result<String> {
    let host = host.trim();
    let handle_ok = host.strip_prefix('@').is_some_and(|h| {
        (2..=24).contains(&h.len())
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
    });
    if host == "shop" || handle_ok {
        Ok(host.to_owned())
    } else {
        Err(Error::invalid_field(
            "host",
            "a creator's handle (`@name`, 2 to 24 letters, digits, `.` or `_`) or `shop`",
        ))
    }
}

/// A session's fields once checked.
pub struct Checked {
    pub title: String,
    pub host: String,
    pub start: DateTime<Utc>,
    pub minutes: i64,
    pub lines: Vec<Line>,
}

/// Checks a whole session (`own` is the session being changed): every bad field is a 400 that
/// names it; a SKU another session sells at the same time is a 409 naming that session.
#[allow(clippy::too_many_arguments)]
pub async fn check(
    db: &impl ConnectionTrait,
    shop: &shop::Model,
    title: &str,
    host: &str,
    start: DateTime<Utc>,
    minutes: i64,
    lines: &[LineIn],
    own: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Checked> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(Error::invalid_field("title", "give 1 to 100 characters"));
    }
    let host = check_host(host)?;
    if start <= now {
        return Err(Error::invalid_field(
            "scheduled_start",
            "must be in the future (TikTok starts the session's activities only ahead of time)",
        ));
    }
    if !(MIN_MINUTES..=MAX_MINUTES).contains(&minutes) {
        return Err(Error::invalid_field(
            "duration_minutes",
            format!(
                "{MIN_MINUTES} to {MAX_MINUTES} minutes (TikTok's shortest activity is 10 minutes)"
            ),
        ));
    }
    if lines.is_empty() || lines.len() > MAX_LINES {
        return Err(Error::invalid_field(
            "lines",
            format!("give 1 to {MAX_LINES} lines"),
        ));
    }
    let end = start + Duration::minutes(minutes);
    let region = Region::parse(&shop.region).map_err(|e| Error::internal(anyhow::anyhow!(e)))?;
    let default_warehouse = tiktok_warehouse::Entity::find()
        .filter(tiktok_warehouse::Column::ShopId.eq(&shop.id))
        .filter(tiktok_warehouse::Column::Kind.eq("SALES_WAREHOUSE"))
        .order_by_desc(tiktok_warehouse::Column::IsDefault)
        .order_by_asc(tiktok_warehouse::Column::Id)
        .one(db)
        .await?;
    let mut seen = HashSet::new();
    let mut checked = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let field = format!("lines[{i}]");
        let sku = tiktok_sku::Entity::find_by_id((shop.id.clone(), l.sku_id.clone()))
            .one(db)
            .await?
            .filter(|s| s.product_id == l.product_id)
            .ok_or_else(|| {
                Error::invalid_field(
                    &format!("{field}.sku_id"),
                    format!(
                        "{} is not a SKU of product {} in this shop (sync the shop's products if it is new)",
                        l.sku_id, l.product_id
                    ),
                )
            })?;
        if !seen.insert(l.sku_id.clone()) {
            return Err(Error::invalid_field(
                &format!("{field}.sku_id"),
                "the SKU is on two lines",
            ));
        }
        check_price(&format!("{field}.special_price"), &l.special_price, region)?;
        let price = minor(&sku.sale_price).unwrap_or(i64::MAX);
        if minor(&l.special_price.amount).is_none_or(|p| p >= price) {
            return Err(Error::invalid_field(
                &format!("{field}.special_price.amount"),
                format!(
                    "{} is not below the SKU's price ({}): a special price must lower it",
                    l.special_price.amount,
                    format_minor(price, &sku.currency)
                ),
            ));
        }
        let warehouse_id = match &l.warehouse_id {
            Some(w) => tiktok_warehouse::Entity::find_by_id((shop.id.clone(), w.clone()))
                .one(db)
                .await?
                .map(|w| w.id)
                .ok_or_else(|| {
                    Error::invalid_field(
                        &format!("{field}.warehouse_id"),
                        format!(
                            "{w} is not a warehouse of this shop (sync its warehouses if it is new)"
                        ),
                    )
                })?,
            None => default_warehouse
                .as_ref()
                .map(|w| w.id.clone())
                .ok_or_else(|| {
                    Error::invalid_field(
                        &format!("{field}.warehouse_id"),
                        "the shop has no sales warehouse synced: sync its warehouses, or name one",
                    )
                })?,
        };
        if !(1..=100_000).contains(&l.stock_limit) {
            return Err(Error::invalid_field(
                &format!("{field}.stock_limit"),
                "1 to 100000 units",
            ));
        }
        let (has, _) = available(db, &shop.id, &l.sku_id, &warehouse_id).await?;
        if l.stock_limit > has {
            return Err(Error::invalid_field(
                &format!("{field}.stock_limit"),
                format!(
                    "{} units are more than the {has} available for SKU {} in warehouse {warehouse_id}: lower the limit or add stock",
                    l.stock_limit, l.sku_id
                ),
            ));
        }
        let flash_sale = match &l.flash_sale {
            None => None,
            Some(f) => {
                let flash = FlashSale {
                    start: f.start,
                    duration_seconds: f.duration_seconds,
                };
                if f.duration_seconds < MIN_MINUTES * 60 {
                    return Err(Error::invalid_field(
                        &format!("{field}.flash_sale.duration_seconds"),
                        "at least 600 seconds: TikTok's shortest flash sale is 10 minutes",
                    ));
                }
                if f.start < start || f.duration_seconds > minutes * 60 || flash.end() > end {
                    return Err(Error::invalid_field(
                        &format!("{field}.flash_sale.start"),
                        "the flash sale must start and end inside the session",
                    ));
                }
                Some(flash)
            }
        };
        checked.push(Line {
            product_id: l.product_id.clone(),
            sku_id: l.sku_id.clone(),
            special_price: Price {
                amount: l.special_price.amount.clone(),
                currency: l.special_price.currency.clone(),
            },
            stock_limit: l.stock_limit,
            warehouse_id,
            flash_sale,
        });
    }
    overlapping(db, &shop.id, (start, end), &checked, own).await?;
    Ok(Checked {
        title: title.to_owned(),
        host,
        start,
        minutes,
        lines: checked,
    })
}

/// Refuses a SKU another session (not cancelled) sells over an overlapping time.
async fn overlapping(
    db: &impl ConnectionTrait,
    shop_id: &str,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    lines: &[Line],
    own: Option<&str>,
) -> Result<()> {
    // A session lasts at most MAX_MINUTES: one starting that long before ours cannot reach it.
    let others = live_session::Entity::find()
        .filter(live_session::Column::ShopId.eq(shop_id))
        .filter(live_session::Column::CancelledAt.is_null())
        .filter(
            Condition::all()
                .add(live_session::Column::ScheduledStart.lt(end))
                .add(
                    live_session::Column::ScheduledStart.gt(start - Duration::minutes(MAX_MINUTES)),
                ),
        )
        .all(db)
        .await?;
    for other in others {
        if Some(other.id.as_str()) == own || ends_at(&other) <= start {
            continue;
        }
        let theirs = lines_of(&other);
        if let Some((i, l)) = lines
            .iter()
            .enumerate()
            .find(|(_, l)| theirs.iter().any(|t| t.sku_id == l.sku_id))
        {
            let mut e = Error::conflict(
                "live_session_conflict",
                format!(
                    "lines[{i}]: SKU {} is already in session {} (\"{}\", {} to {}) at the same time: take it out there, or choose another time",
                    l.sku_id,
                    other.id,
                    other.title,
                    other.scheduled_start.to_rfc3339(),
                    ends_at(&other).to_rfc3339()
                ),
            );
            e.details.push(
                serde_json::json!({"field": format!("lines[{i}].sku_id"), "session_id": other.id}),
            );
            return Err(e);
        }
    }
    Ok(())
}

pub async fn create(
    store: Store<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    input: &LiveSessionIn,
) -> Result<LiveSession> {
    let now = store.clock.now();
    let c = check(
        store.db,
        shop,
        &input.title,
        &input.host,
        input.scheduled_start,
        input.duration_minutes,
        &input.lines,
        None,
        now,
    )
    .await?;
    let row = live_session::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        shop_id: Set(shop.id.clone()),
        title: Set(c.title),
        host: Set(c.host),
        scheduled_start: Set(c.start),
        duration_minutes: Set(c.minutes as i32),
        lines: Set(serde_json::to_string(&c.lines).map_err(Error::internal)?),
        activity_ids: Set("[]".into()),
        applied_at: Set(None),
        cancelled_at: Set(None),
        created_by: Set(user.sub.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(store.db)
    .await?;
    Ok(answer(row, now))
}

/// Changes a planned session; once applied, cancel it first.
pub async fn update(
    store: Store<'_>,
    shop: &shop::Model,
    id: &str,
    patch: &LiveSessionPatch,
) -> Result<LiveSession> {
    let now = store.clock.now();
    let row = row(store.db, &shop.id, id).await?;
    let state = state(&row, now);
    if state != State::Planned || !made_of(&row).is_empty() {
        return Err(Error::conflict(
            "live_session_not_planned",
            format!(
                "the session is {}: only a planned session changes (cancel it and plan another)",
                state.as_str()
            ),
        ));
    }
    let lines: Vec<LineIn> = match &patch.lines {
        Some(l) => l.clone(),
        None => lines_of(&row)
            .into_iter()
            .map(|l| LineIn {
                product_id: l.product_id,
                sku_id: l.sku_id,
                special_price: crate::catalog::input::PriceIn {
                    amount: l.special_price.amount,
                    currency: l.special_price.currency,
                },
                stock_limit: l.stock_limit,
                warehouse_id: Some(l.warehouse_id),
                flash_sale: l.flash_sale.map(|f| FlashSaleIn {
                    start: f.start,
                    duration_seconds: f.duration_seconds,
                }),
            })
            .collect(),
    };
    let c = check(
        store.db,
        shop,
        patch.title.as_deref().unwrap_or(&row.title),
        patch.host.as_deref().unwrap_or(&row.host),
        patch.scheduled_start.unwrap_or(row.scheduled_start),
        patch
            .duration_minutes
            .unwrap_or(i64::from(row.duration_minutes)),
        &lines,
        Some(id),
        now,
    )
    .await?;
    let mut active: live_session::ActiveModel = row.into();
    active.title = Set(c.title);
    active.host = Set(c.host);
    active.scheduled_start = Set(c.start);
    active.duration_minutes = Set(c.minutes as i32);
    active.lines = Set(serde_json::to_string(&c.lines).map_err(Error::internal)?);
    active.updated_at = Set(now);
    Ok(answer(active.update(store.db).await?, now))
}

/// Deletes a session that holds nothing at TikTok (planned, cancelled or ended).
pub async fn delete(store: Store<'_>, shop: &shop::Model, id: &str) -> Result<()> {
    let now = store.clock.now();
    let row = row(store.db, &shop.id, id).await?;
    let state = state(&row, now);
    // A session whose apply stopped part-way holds activities too.
    let holds = !made_of(&row).is_empty() && state == State::Planned;
    if matches!(state, State::Scheduled | State::Live) || holds {
        return Err(Error::conflict(
            "live_session_applied",
            format!(
                "the session is {}: its activities run at TikTok; cancel it first (POST …/cancel)",
                state.as_str()
            ),
        ));
    }
    live_session::Entity::delete_by_id(id.to_owned())
        .exec(store.db)
        .await?;
    Ok(())
}
