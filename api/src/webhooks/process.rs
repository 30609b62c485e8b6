//! Processing stored webhook events in the background: claimed by the batch with a short lease (so
//! several server processes share the work), in the order they were received, retried with back-off,
//! and dead-lettered with their error after the last attempt. Events of a disabled area are kept and
//! marked `skipped`.

use std::collections::HashMap;

use futures_util::StreamExt;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Order, Query};
use sea_orm::{DatabaseBackend, FromQueryResult, TransactionTrait};

use entity::{shop, tiktok_grant, webhook_event};

use super::receive::STATE_RECEIVED;
use super::{EventType, id_text};
use crate::deps::{Store, TikTokAccess, Worker};
use crate::shops::session::ShopSession;
use crate::shops::{Features, ShopStatus};

pub const STATE_PROCESSED: &str = "processed";
pub const STATE_SKIPPED: &str = "skipped";
pub const STATE_DEAD: &str = "dead";
/// No longer produced (every event type has a processor); rows stored by earlier versions may carry it.
pub const STATE_UNHANDLED: &str = "unhandled";

pub const MAX_ATTEMPTS: i32 = 8;
/// The processor's pause between batches while deliveries are arriving.
pub const INGEST_FIRST_PAUSE: StdDuration = StdDuration::from_millis(25);
/// Events of a batch worked at once.
const CONCURRENT_EVENTS: usize = 8;

/// What became of one event.
enum Outcome {
    Processed,
    Skipped(String),
}

fn backoff(attempts: i32) -> Duration {
    Duration::seconds(5 * 2_i64.pow(u32::try_from(attempts.clamp(0, 12)).unwrap_or(0)))
}

/// Processes every due event (up to `limit`); returns how many it finished (in any final state or retry).
///
/// The batch is claimed in one statement: the due events (oldest due first, read along the
/// `(state, next_attempt_at)` index, so a long backlog costs no sort; `SKIP LOCKED` on PostgreSQL)
/// get this claim's token and a deadline, and come back with `RETURNING`. One that outlives its
/// deadline (its processor died) is due again and another claim takes it. Each event is then
/// finished only if this claim still holds it. Processing is idempotent (a refetch of TikTok's
/// current state, saved through upserts that never go back in time), so an event processed twice
/// after a lost claim does no harm.
pub async fn process_due(worker: Worker<'_>, limit: u64) -> Result<usize, DbErr> {
    process_due_until(worker, limit, &tokio_util::sync::CancellationToken::new()).await
}

/// [`process_due`] that stops between events once `stop` is cancelled (a graceful shutdown): what
/// it finished is recorded, and the events it claimed but did not reach are handed back at once,
/// so the next process takes them without waiting for the claim to run out.
pub async fn process_due_until(
    worker: Worker<'_>,
    limit: u64,
    stop: &tokio_util::sync::CancellationToken,
) -> Result<usize, DbErr> {
    let access = worker.access;
    let now = access.clock.now();
    // A claimed event stays with its processor this long without renewal before another may take
    // it over (`OCEAN_WORK_LEASE`); renewed every third of it while the batch is worked.
    let lease = worker.lease_span();
    let token = uuid::Uuid::new_v4().to_string();
    let backend = access.db.get_database_backend();
    let mut due = Query::select()
        .column(webhook_event::Column::Id)
        .from(webhook_event::Entity)
        .and_where(webhook_event::Column::State.eq(STATE_RECEIVED))
        .and_where(webhook_event::Column::NextAttemptAt.lte(now))
        .order_by(webhook_event::Column::NextAttemptAt, Order::Asc)
        .limit(limit)
        .to_owned();
    if backend == DatabaseBackend::Postgres {
        // Claims running at once skip each other's rows instead of waiting for them.
        due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    // One statement, so one short write transaction on either database.
    let claim = Query::update()
        .table(webhook_event::Entity)
        .value(webhook_event::Column::NextAttemptAt, now + lease)
        .value(webhook_event::Column::ClaimToken, token.clone())
        .and_where(Expr::col(webhook_event::Column::Id).in_subquery(due))
        .returning_all()
        .to_owned();
    let claim = backend.build(&claim);
    let mut claimed = if backend == DatabaseBackend::Postgres {
        // The due events must be read along the index, oldest first, stopping at the batch's
        // end. Without fresh statistics (autovacuum off or not yet run after a burst) PostgreSQL
        // guesses a handful of due rows and reads the whole backlog into a bitmap and sorts it
        // instead: 18 ms rather than 1.5 ms per claim with 50,000 waiting, growing with the backlog.
        let txn = access.db.begin().await?;
        txn.execute_unprepared("SET LOCAL enable_bitmapscan = off")
            .await?;
        let claimed = webhook_event::Model::find_by_statement(claim)
            .all(&txn)
            .await?;
        txn.commit().await?;
        claimed
    } else {
        webhook_event::Model::find_by_statement(claim)
            .all(access.db)
            .await?
    };
    // In the order they arrived (per order and product, the order TikTok sent them).
    claimed.sort_by(|a, b| {
        (a.received_at, a.event_time, &a.id).cmp(&(b.received_at, b.event_time, &b.id))
    });
    // Several events are worked at once (the shop's rate limiter paces their TikTok calls), so
    // one slow call or back-off does not hold the others; each event's state is written as soon
    // as it is done. They start in arrival order; two events of one order both refetch TikTok's
    // current access, saved newest-wins, so the order they finish in does not matter.
    let shops = std::sync::Mutex::new(ShopCache::new());
    let work = async {
        let finished: Vec<Result<usize, DbErr>> = futures_util::stream::iter(claimed)
            .map(|event| {
                let (shops, token) = (&shops, &token);
                async move {
                    if stop.is_cancelled() {
                        return Ok(0);
                    }
                    let outcome = dispatch(access, shops, &event).await;
                    finish_event(access.store(), token, &event, outcome).await?;
                    Ok(1)
                }
            })
            .buffer_unordered(CONCURRENT_EVENTS)
            .collect()
            .await;
        finished.into_iter().sum::<Result<usize, DbErr>>()
    };
    // The claim is renewed while the batch is worked, so it can be short: a dead processor's
    // events are taken over within the lease.
    let done = crate::heartbeat::renewing(work, worker.lease / 3, || async {
        let renewed = webhook_event::Entity::update_many()
            .col_expr(
                webhook_event::Column::NextAttemptAt,
                Expr::value(access.clock.now() + lease),
            )
            .filter(webhook_event::Column::ClaimToken.eq(&token))
            .filter(webhook_event::Column::State.eq(STATE_RECEIVED))
            .exec(access.db)
            .await;
        if let Err(e) = renewed {
            tracing::warn!(error = %e, "could not renew a webhook batch's claim");
        }
    })
    .await?;
    if stop.is_cancelled() {
        // The events not reached go back to the queue now, not when the claim runs out.
        webhook_event::Entity::update_many()
            .col_expr(
                webhook_event::Column::NextAttemptAt,
                Expr::value(access.clock.now()),
            )
            .col_expr(
                webhook_event::Column::ClaimToken,
                Expr::value(Option::<String>::None),
            )
            .filter(webhook_event::Column::ClaimToken.eq(&token))
            .filter(webhook_event::Column::State.eq(STATE_RECEIVED))
            .exec(access.db)
            .await?;
    }
    Ok(done)
}

/// Records what became of one event, if this claim still holds it: processed or skipped, or a
/// failure (retried after a back-off, out of this claim, or dead-lettered after the last attempt).
async fn finish_event(
    store: Store<'_>,
    token: &str,
    event: &webhook_event::Model,
    outcome: Result<Outcome, String>,
) -> Result<(), DbErr> {
    let update = webhook_event::Entity::update_many()
        .filter(webhook_event::Column::Id.eq(event.id.clone()))
        .filter(webhook_event::Column::ClaimToken.eq(token))
        .col_expr(
            webhook_event::Column::Attempts,
            Expr::value(event.attempts + 1),
        );
    let update = match outcome {
        Ok(done) => {
            let (end_state, why) = match done {
                Outcome::Processed => (STATE_PROCESSED, None),
                Outcome::Skipped(why) => (STATE_SKIPPED, Some(why)),
            };
            update
                .col_expr(webhook_event::Column::State, Expr::value(end_state))
                .col_expr(webhook_event::Column::LastError, Expr::value(why))
                .col_expr(
                    webhook_event::Column::ProcessedAt,
                    Expr::value(Some(store.clock.now())),
                )
        }
        Err(error) => {
            // Out of this claim: its renewals leave the retry's time alone.
            let update = update
                .col_expr(
                    webhook_event::Column::ClaimToken,
                    Expr::value(Option::<String>::None),
                )
                .col_expr(
                    webhook_event::Column::LastError,
                    Expr::value(Some(error.clone())),
                );
            if event.attempts + 1 >= MAX_ATTEMPTS {
                tracing::error!(event = %event.id, %error, "webhook event dead-lettered");
                update.col_expr(webhook_event::Column::State, Expr::value(STATE_DEAD))
            } else {
                tracing::warn!(event = %event.id, %error, "webhook event failed; retrying later");
                update.col_expr(
                    webhook_event::Column::NextAttemptAt,
                    Expr::value(store.clock.now() + backoff(event.attempts)),
                )
            }
        }
    };
    update.exec(store.db).await?;
    Ok(())
}

/// The shops of a batch's events, read once per batch.
type ShopCache = HashMap<String, Option<shop::Model>>;

fn lock(shops: &std::sync::Mutex<ShopCache>) -> std::sync::MutexGuard<'_, ShopCache> {
    shops.lock().unwrap_or_else(|e| e.into_inner())
}

async fn dispatch(
    access: TikTokAccess<'_>,
    shops: &std::sync::Mutex<ShopCache>,
    event: &webhook_event::Model,
) -> Result<Outcome, String> {
    let Some(kind) = EventType::from_code(i64::from(event.event_type)) else {
        return Ok(Outcome::Skipped(format!(
            "unknown event type {}",
            event.event_type
        )));
    };
    let cached = lock(shops).get(&event.shop_id).cloned();
    let shop = match cached {
        Some(known) => known,
        None => {
            let found = shop::Entity::find_by_id(event.shop_id.clone())
                .one(access.db)
                .await
                .map_err(|e| e.to_string())?;
            lock(shops).insert(event.shop_id.clone(), found.clone());
            found
        }
    };
    if kind == EventType::SellerDeauthorization {
        // It changes the shop: the batch's later events read it again.
        lock(shops).remove(&event.shop_id);
    }
    let Some(shop) = shop.filter(|s| s.deleted_at.is_none()) else {
        return Ok(Outcome::Skipped("the shop was deleted".into()));
    };
    if let Some(feature) = kind.feature() {
        if !Features::from_json(&shop.features).is_enabled(feature) {
            return Ok(Outcome::Skipped(format!(
                "the {} area is disabled for this shop",
                feature.as_str()
            )));
        }
    }
    let body: serde_json::Value =
        serde_json::from_str(&event.payload).map_err(|e| e.to_string())?;
    let data = &body["data"];
    match kind {
        EventType::SellerDeauthorization => {
            let reason = data["message"]
                .as_str()
                .unwrap_or("the seller deauthorized the app on TikTok");
            shop::Entity::update_many()
                .col_expr(
                    shop::Column::Status,
                    Expr::value(ShopStatus::ReauthorizationRequired.as_str()),
                )
                .col_expr(
                    shop::Column::StatusReason,
                    Expr::value(Some(format!("TikTok: {reason}"))),
                )
                .col_expr(shop::Column::UpdatedAt, Expr::value(access.clock.now()))
                .filter(shop::Column::Id.eq(shop.id.clone()))
                .filter(shop::Column::Status.eq(ShopStatus::Connected.as_str()))
                .exec(access.db)
                .await
                .map_err(|e| e.to_string())?;
            tracing::warn!(shop = %shop.id, "the seller deauthorized the app; the shop must be connected again");
            Ok(Outcome::Processed)
        }
        EventType::UpcomingAuthorizationExpiration => {
            let Some(grant_id) = shop.grant_id.clone() else {
                return Ok(Outcome::Skipped("the shop is not connected".into()));
            };
            let when = data["expiration_time"]
                .as_i64()
                .and_then(|t| DateTime::from_timestamp(t, 0))
                .map_or_else(|| "soon".to_owned(), |t| format!("at {}", t.to_rfc3339()));
            tiktok_grant::Entity::update_many()
                .col_expr(
                    tiktok_grant::Column::Warning,
                    Expr::value(Some(format!(
                        "TikTok says the authorization expires {when}; connect the shop again before then"
                    ))),
                )
                .filter(tiktok_grant::Column::Id.eq(grant_id))
                .exec(access.db)
                .await
                .map_err(|e| e.to_string())?;
            Ok(Outcome::Processed)
        }
        EventType::OrderStatusChange
        | EventType::RecipientAddressUpdate
        | EventType::PackageUpdate => refetch_orders(access, shop, &named_orders(kind, data)).await,
        EventType::PromotionActivityStatus | EventType::PromotionActivityChange => {
            refetch_activity(access, shop, id_text(&data["activity_id"])).await
        }
        EventType::ProductStatusChange
        | EventType::ProductInformationChange
        | EventType::ProductCreation
        | EventType::ProductAuditStatusChange => {
            refetch_product(access, shop, id_text(&data["product_id"])).await
        }
        // The request itself, then its order (TikTok's current state of both, saved through the
        // upserts that never put an older state over a newer one).
        EventType::CancellationStatusChange | EventType::ReturnStatusChange => {
            use crate::sync::returns::{Kind, Refetched, refetch_named};
            let which = if matches!(kind, EventType::ReturnStatusChange) {
                Kind::Return
            } else {
                Kind::Cancellation
            };
            let outcome = match refetch_named(access, &shop, which, data).await? {
                Refetched::Orders(ids) if ids.is_empty() => Ok(Outcome::Processed),
                Refetched::Orders(ids) => refetch_orders(access, shop.clone(), &ids).await,
                Refetched::Nothing(why) => return Ok(Outcome::Skipped(why)),
            };
            // The shop's rules decide a request that now awaits the seller (its order is in by now).
            Box::pin(crate::aftersales::rules::run_pending(access, &shop))
                .await
                .map_err(|e| e.to_string())?;
            outcome
        }
    }
}

/// The orders an order event names.
fn named_orders(kind: EventType, data: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> = match kind {
        EventType::PackageUpdate => data["package_list"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|p| p["order_id_list"].as_array().cloned().unwrap_or_default())
            .filter_map(|v| id_text(&v))
            .collect(),
        _ => id_text(&data["order_id"]).into_iter().collect(),
    };
    ids.sort();
    ids.dedup();
    ids
}

/// Refetches the orders from TikTok and saves them: the answer is TikTok's current state, so a late
/// or repeated event can never put an older state over a newer one.
async fn refetch_orders(
    access: TikTokAccess<'_>,
    shop: shop::Model,
    ids: &[String],
) -> Result<Outcome, String> {
    if ids.is_empty() {
        return Ok(Outcome::Skipped("the event names no order".into()));
    }
    if ShopStatus::from_column(&shop.status) != ShopStatus::Connected {
        return Ok(Outcome::Skipped("the shop is not connected".into()));
    }
    let mut session = ShopSession::open(access, shop)
        .await
        .map_err(|e| e.to_string())?;
    crate::sync::orders::refresh(access, &mut session, ids)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Outcome::Processed)
}

/// Refetches a product (with its SKUs and stock) and saves it, like [`refetch_orders`].
async fn refetch_product(
    access: TikTokAccess<'_>,
    shop: shop::Model,
    id: Option<String>,
) -> Result<Outcome, String> {
    let Some(id) = id else {
        return Ok(Outcome::Skipped("the event names no product".into()));
    };
    if ShopStatus::from_column(&shop.status) != ShopStatus::Connected {
        return Ok(Outcome::Skipped("the shop is not connected".into()));
    }
    let mut session = ShopSession::open(access, shop)
        .await
        .map_err(|e| e.to_string())?;
    crate::sync::products::refresh(access, &mut session, &id, "webhook")
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    Ok(Outcome::Processed)
}

/// Reads an activity TikTok says changed (a status, or a change made in Seller Center) and keeps it.
async fn refetch_activity(
    access: TikTokAccess<'_>,
    shop: shop::Model,
    id: Option<String>,
) -> Result<Outcome, String> {
    let Some(id) = id else {
        return Ok(Outcome::Skipped("the event names no activity".into()));
    };
    if ShopStatus::from_column(&shop.status) != ShopStatus::Connected {
        return Ok(Outcome::Skipped("the shop is not connected".into()));
    }
    let mut session = ShopSession::open(access, shop)
        .await
        .map_err(|e| e.to_string())?;
    crate::promotions::writes::refetch(access, &mut session, &id)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Outcome::Processed)
}

/// Puts an event back in the queue (after a fix, or for a dead or unhandled one).
pub async fn replay(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    event: webhook_event::Model,
) -> Result<webhook_event::Model, DbErr> {
    let mut model: webhook_event::ActiveModel = event.into();
    model.state = sea_orm::ActiveValue::Set(STATE_RECEIVED.to_owned());
    model.attempts = sea_orm::ActiveValue::Set(0);
    model.next_attempt_at = sea_orm::ActiveValue::Set(now);
    model.processed_at = sea_orm::ActiveValue::Set(None);
    use sea_orm::ActiveModelTrait;
    model.update(db).await
}
