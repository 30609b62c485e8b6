//! Carrying a session out at TikTok: `apply` makes its activities (a FLASHSALE per flash-sale
//! window with its lines, a FIXED_PRICE over the whole session for the other lines) with the
//! line-up's prices and limits; `cancel` deactivates them. Each made activity is recorded as soon
//! as it exists, so a retry after a crash or a lost answer continues instead of making it twice;
//! when TikTok refuses part, what was made is deactivated and the answer names the lines.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;
use serde_json::json;

use entity::{live_session, shop};

use super::model::*;
use super::plan;
use crate::audit::{self, Entry};
use crate::auth::AuthUser;
use crate::deps::TikTokAccess;
use crate::error::{Error, Result};
use crate::promotions::checks;
use crate::promotions::model::{ActivityType, ProductLevel};
use crate::promotions::writes::{make, refetch};
use crate::shops::session::ShopSession;
use crate::tiktok::promotions as wire;

/// How many titles a session's activity tries (each refused apply leaves one taken).
const MAX_TRIES: usize = 20;

/// One activity to make: its type, window and lines.
struct Planned {
    kind: ActivityType,
    begin: DateTime<Utc>,
    end: DateTime<Utc>,
    lines: Vec<usize>,
}

fn plan_of(row: &live_session::Model, lines: &[Line]) -> Vec<Planned> {
    let mut windows: BTreeMap<(DateTime<Utc>, i64), Vec<usize>> = BTreeMap::new();
    let mut rest = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        match l.flash_sale {
            Some(f) => windows
                .entry((f.start, f.duration_seconds))
                .or_default()
                .push(i),
            None => rest.push(i),
        }
    }
    let mut planned: Vec<Planned> = windows
        .into_iter()
        .map(|((start, secs), lines)| Planned {
            kind: ActivityType::FlashSale,
            begin: start,
            end: start + Duration::seconds(secs),
            lines,
        })
        .collect();
    if !rest.is_empty() {
        planned.push(Planned {
            kind: ActivityType::FixedPrice,
            begin: row.scheduled_start,
            end: plan::ends_at(row),
            lines: rest,
        });
    }
    planned
}

/// A title unique to the session and the activity, within TikTok's length for the type.
fn title_for(row: &live_session::Model, kind: ActivityType, n: usize, attempt: usize) -> String {
    // A refused apply's deactivated activities keep their titles at TikTok: a later try takes the next.
    let retry = if attempt == 0 {
        String::new()
    } else {
        format!("·{}", attempt + 1)
    };
    let tag = match kind {
        ActivityType::FlashSale => format!(" F{}·{}{retry}", n + 1, &row.id[..6]),
        _ => format!(" LIVE·{}{retry}", &row.id[..6]),
    };
    let room = kind.max_title() - tag.chars().count();
    let mut title: String = row.title.chars().take(room).collect();
    title.push_str(&tag);
    title
}

fn deals(lines: &[Line], which: &[usize]) -> Vec<wire::DealProduct> {
    let mut products: BTreeMap<&str, Vec<wire::DealSku>> = BTreeMap::new();
    for &i in which {
        let l = &lines[i];
        products
            .entry(&l.product_id)
            .or_default()
            .push(wire::DealSku {
                id: l.sku_id.clone(),
                // TikTok limits a deal to 99 units (or none); a larger line is held by its stock limit
                // on the board and by the stock it was checked against.
                quantity_limit: if l.stock_limit <= 99 {
                    l.stock_limit
                } else {
                    -1
                },
                quantity_per_user: -1,
                activity_price_amount: Some(l.special_price.amount.clone()),
                discount: None,
            });
    }
    products
        .into_iter()
        .map(|(id, skus)| wire::DealProduct {
            id: id.to_owned(),
            quantity_limit: -1,
            quantity_per_user: -1,
            activity_price_amount: None,
            discount: None,
            skus,
        })
        .collect()
}

fn line_names(lines: &[Line], which: &[usize]) -> String {
    which
        .iter()
        .map(|&i| format!("lines[{i}] (SKU {})", lines[i].sku_id))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn save_made(
    db: &impl ConnectionTrait,
    id: &str,
    made: &[Made],
    now: DateTime<Utc>,
) -> Result<()> {
    live_session::Entity::update_many()
        .col_expr(
            live_session::Column::ActivityIds,
            Expr::value(serde_json::to_string(made).map_err(Error::internal)?),
        )
        .col_expr(live_session::Column::UpdatedAt, Expr::value(now))
        .filter(live_session::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Makes the session's activities at TikTok (see the module). A session already scheduled answers
/// as it is.
pub async fn apply(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    id: &str,
) -> Result<LiveSession> {
    let now = access.clock.now();
    let row = plan::row(access.db, &shop.id, id).await?;
    match plan::state(&row, now) {
        State::Planned => {}
        State::Scheduled | State::Live => return Ok(plan::answer(row, now)),
        s => {
            return Err(Error::conflict(
                "live_session_not_planned",
                format!("the session is {}: nothing to apply", s.as_str()),
            ));
        }
    }
    if row.scheduled_start <= now {
        return Err(Error::conflict(
            "live_session_started",
            "the session's start has passed: TikTok starts an activity only ahead of time; move the session (PATCH) and apply again",
        ));
    }
    let lines = plan::lines_of(&row);
    // The stock and the other sessions may have moved since it was planned.
    let again: Vec<LineIn> = lines
        .iter()
        .map(|l| LineIn {
            product_id: l.product_id.clone(),
            sku_id: l.sku_id.clone(),
            special_price: crate::catalog::input::PriceIn {
                amount: l.special_price.amount.clone(),
                currency: l.special_price.currency.clone(),
            },
            stock_limit: l.stock_limit,
            warehouse_id: Some(l.warehouse_id.clone()),
            flash_sale: l.flash_sale.map(|f| FlashSaleIn {
                start: f.start,
                duration_seconds: f.duration_seconds,
            }),
        })
        .collect();
    plan::check(
        access.db,
        shop,
        &row.title,
        &row.host,
        row.scheduled_start,
        i64::from(row.duration_minutes),
        &again,
        Some(id),
        now,
    )
    .await?;
    let planned = plan_of(&row, &lines);
    let mut made = plan::made_of(&row);
    for p in &planned {
        if made.iter().any(|m| m.lines == p.lines) {
            continue;
        }
        let covered: Vec<(String, String)> = p
            .lines
            .iter()
            .map(|&i| (lines[i].product_id.clone(), lines[i].sku_id.clone()))
            .collect();
        // The session's own activities hold other lines (a SKU is on one line), so they never
        // conflict with each other.
        checks::conflicts(
            access.db,
            &shop.id,
            p.kind,
            (p.begin, p.end),
            &covered,
            None,
            now,
        )
        .await
        .map_err(|mut e| {
            e.message = format!("{}: {}", line_names(&lines, &p.lines), e.message);
            e
        })?;
    }
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let outcome: Result<()> = async {
        for (n, p) in planned.iter().enumerate() {
            if made.iter().any(|m| m.lines == p.lines) {
                continue;
            }
            let failed = |e: Error| {
                let mut e = e;
                e.message = format!(
                    "TikTok refused the {} for {}: {}",
                    p.kind.as_str(),
                    line_names(&lines, &p.lines),
                    e.message
                );
                e
            };
            // A title an earlier, undone try left at TikTok is taken: the next try's title is free.
            let mut attempt = 0;
            let (title, activity_id) = loop {
                let title = title_for(&row, p.kind, n, attempt);
                let window = (p.begin, p.end);
                match make(
                    access,
                    &mut session,
                    &title,
                    p.kind,
                    ProductLevel::Variation,
                    window,
                )
                .await
                {
                    Ok(id) => break (title, id),
                    Err(e) if e.code == "invalid_field" && attempt < MAX_TRIES => attempt += 1,
                    Err(e) => return Err(failed(e)),
                }
            };
            made.push(Made {
                activity_id: activity_id.clone(),
                activity_type: p.kind.as_str().to_owned(),
                title,
                lines: p.lines.clone(),
            });
            save_made(access.db, id, &made, access.clock.now()).await?;
            wire::set_products(
                &mut session.line(access),
                &wire::ProductsUpdate {
                    activity_id: activity_id.clone(),
                    products: deals(&lines, &p.lines),
                },
            )
            .await
            .map_err(|e| failed(Error::from(e)))?;
            refetch(access, &mut session, &activity_id).await?;
        }
        Ok(())
    }
    .await;
    let outcome = match outcome {
        Ok(()) => {
            live_session::Entity::update_many()
                .col_expr(
                    live_session::Column::AppliedAt,
                    Expr::value(Some(access.clock.now())),
                )
                .col_expr(
                    live_session::Column::UpdatedAt,
                    Expr::value(access.clock.now()),
                )
                .filter(live_session::Column::Id.eq(id))
                .exec(access.db)
                .await?;
            Ok(())
        }
        Err(e)
            if e.code == crate::error::OUTCOME_UNKNOWN
                || e.kind == crate::error::Kind::Internal =>
        {
            // What was made is recorded: the same request again continues where this one stopped.
            Err(e)
        }
        Err(e) => Err(undo_all(access, &mut session, id, &mut made, e).await),
    };
    audit::record(
        access.db,
        user,
        Entry {
            shop_id: &shop.id,
            action: "live_session.apply",
            target: format!("live session {id}"),
            request: json!({"activities": made.iter().map(|m| &m.activity_id).collect::<Vec<_>>()}),
            tiktok_request_id: outcome.as_ref().err().and_then(|e| e.tiktok_request_id()),
            error: outcome.as_ref().err().map(ToString::to_string),
        },
        access.clock.now(),
    )
    .await?;
    outcome?;
    Ok(plan::answer(
        plan::row(access.db, &shop.id, id).await?,
        access.clock.now(),
    ))
}

/// Deactivates every activity made for the session after a refusal, and forgets them.
async fn undo_all(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    id: &str,
    made: &mut Vec<Made>,
    failure: Error,
) -> Error {
    let mut left = Vec::new();
    for m in made.iter() {
        if let Err(e) = end_activity(access, session, &m.activity_id).await {
            tracing::warn!(activity = %m.activity_id, error = %e, "could not deactivate a live session's activity");
            left.push(m.clone());
        }
    }
    let undone = made.len() - left.len();
    *made = left;
    if let Err(e) = save_made(access.db, id, made, access.clock.now()).await {
        tracing::warn!(session = id, error = %e, "could not record a live session's undone activities");
    }
    let mut failure = failure;
    failure.message = if made.is_empty() {
        format!(
            "{} (the {undone} activities made for the session were deactivated: nothing is left half-made)",
            failure.message
        )
    } else {
        format!(
            "{} ({} activities could not be deactivated; cancel the session to try again)",
            failure.message,
            made.len()
        )
    };
    failure
}

/// Deactivates an activity unless TikTok shows it ended already.
async fn end_activity(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    activity_id: &str,
) -> Result<()> {
    let now = access.clock.now();
    let row = refetch(access, session, activity_id).await?;
    let status =
        crate::promotions::model::Status::at(&row.status, row.begin_time, row.end_time, now);
    if status.is_live() {
        wire::deactivate(&mut session.line(access), activity_id).await?;
        refetch(access, session, activity_id).await?;
    }
    Ok(())
}

/// Cancels a session: its activities at TikTok are deactivated. A cancelled session answers as it is.
pub async fn cancel(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    id: &str,
) -> Result<LiveSession> {
    let now = access.clock.now();
    let row = plan::row(access.db, &shop.id, id).await?;
    match plan::state(&row, now) {
        State::Cancelled => return Ok(plan::answer(row, now)),
        State::Ended => {
            return Err(Error::conflict(
                "live_session_ended",
                "the session has ended: nothing to cancel",
            ));
        }
        _ => {}
    }
    let made = plan::made_of(&row);
    let outcome: Result<()> = async {
        if !made.is_empty() {
            let mut session = ShopSession::open(access, shop.clone()).await?;
            for m in &made {
                end_activity(access, &mut session, &m.activity_id).await?;
            }
        }
        Ok(())
    }
    .await;
    if outcome.is_ok() {
        let mut active: live_session::ActiveModel = row.into();
        active.cancelled_at = Set(Some(access.clock.now()));
        active.updated_at = Set(access.clock.now());
        active.update(access.db).await?;
    }
    audit::record(
        access.db,
        user,
        Entry {
            shop_id: &shop.id,
            action: "live_session.cancel",
            target: format!("live session {id}"),
            request: json!({"activities": made.iter().map(|m| &m.activity_id).collect::<Vec<_>>()}),
            tiktok_request_id: outcome.as_ref().err().and_then(|e| e.tiktok_request_id()),
            error: outcome.as_ref().err().map(ToString::to_string),
        },
        access.clock.now(),
    )
    .await?;
    outcome?;
    Ok(plan::answer(
        plan::row(access.db, &shop.id, id).await?,
        access.clock.now(),
    ))
}
