//! Returns and cancellations (TikTok's after-sales requests): `POST /return_refund/202602/returns/search`
//! and `…/cancellations/search`, sorted by `update_time` ascending, paged with `page_token`, each page
//! saved in one transaction with the high-water mark, as orders are. Both kinds read into one
//! [`Record`] and are upserted by (shop, TikTok id) only when they are not older than the stored row,
//! so a slow page or a late webhook refetch never puts an older state over a newer one.

mod convert;
pub mod restock;

use sea_orm::prelude::*;
use sea_orm::sea_query::{Alias, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, Iterable};
use serde_json::Value;

use entity::{shop, tiktok_cancellation, tiktok_return};

pub use convert::{Line, Record, Refund, convert, lines_of};

use super::job::{JobCtx, JobError};
use super::{Mode, OVERLAP_SECS, Resource, cursor};
use crate::deps::{Store, TikTokAccess};
use crate::shops::session::ShopSession;
use crate::shops::{Feature, Features, ShopStatus};
use crate::tiktok::wire::id_text;

pub use crate::tiktok::returns::{
    CANCELLATIONS_SEARCH_PATH as CANCELLATIONS_PATH, RETURNS_SEARCH_PATH as RETURNS_PATH,
};
/// TikTok allows 10..50 for returns and 1..50 for cancellations.
const PAGE_SIZE: u32 = 50;
/// The smallest page TikTok accepts for returns; enough for a refetch by id.
const REFETCH_PAGE_SIZE: u32 = 10;

/// Which of the two after-sales requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Return,
    Cancellation,
}

impl Kind {
    pub fn resource(self) -> Resource {
        match self {
            Kind::Return => Resource::Returns,
            Kind::Cancellation => Resource::Cancellations,
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            Kind::Return => "return",
            Kind::Cancellation => "cancellation",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Kind::Return => RETURNS_PATH,
            Kind::Cancellation => CANCELLATIONS_PATH,
        }
    }

    /// The list in a search answer.
    fn list_key(self) -> &'static str {
        match self {
            Kind::Return => "return_orders",
            Kind::Cancellation => "cancellations",
        }
    }

    /// The id field of a record, and of a webhook event's data.
    pub fn id_key(self) -> &'static str {
        match self {
            Kind::Return => "return_id",
            Kind::Cancellation => "cancel_id",
        }
    }

    /// The search filter by ids.
    /// The search for one record of this kind.
    fn ids_filter(self, id: String) -> crate::tiktok::returns::SearchFilter {
        let mut filter = crate::tiktok::returns::SearchFilter::default();
        match self {
            Kind::Return => filter.return_ids.push(id),
            Kind::Cancellation => filter.cancel_ids.push(id),
        }
        filter
    }
}

/// Inserts or updates the row unless the stored one is newer (by TikTok's `update_time`): the
/// comparison is in the upsert itself (`ON CONFLICT … DO UPDATE … WHERE stored <= incoming`), so it
/// holds between concurrent writers on SQLite and PostgreSQL. Returns whether the row was written.
pub async fn save(db: &impl ConnectionTrait, r: &Record) -> Result<bool, DbErr> {
    let lines = serde_json::to_string(&r.lines).unwrap_or_else(|_| "[]".into());
    let (currency, total, subtotal, shipping_fee, tax) = match &r.refund {
        Some(f) => (
            Some(f.currency.clone()),
            Some(f.total.clone()),
            f.subtotal.clone(),
            f.shipping_fee.clone(),
            f.tax.clone(),
        ),
        None => (None, None, None, None, None),
    };
    let written = match r.kind {
        Kind::Return => {
            use tiktok_return::{ActiveModel, Column, Entity};
            let am = ActiveModel {
                shop_id: Set(r.shop_id.clone()),
                id: Set(r.id.clone()),
                order_id: Set(r.order_id.clone()),
                return_type: Set(r.kind_type.clone()),
                status: Set(r.status.clone()),
                role: Set(r.role.clone()),
                reason: Set(r.reason.clone()),
                reason_text: Set(r.reason_text.clone()),
                currency: Set(currency),
                refund_total: Set(total),
                refund_subtotal: Set(subtotal),
                refund_shipping_fee: Set(shipping_fee),
                refund_tax: Set(tax),
                line_items: Set(lines),
                create_time: Set(r.create_time),
                update_time: Set(r.update_time),
                synced_at: Set(r.synced_at),
                next_action: Set(r.pending.as_ref().map(|p| p.action.clone())),
                decide_by: Set(r.pending.as_ref().and_then(|p| p.decide_by)),
                return_tracking_number: Set(r.shipment.as_ref().map(|s| s.tracking_number.clone())),
                return_provider_name: Set(r
                    .shipment
                    .as_ref()
                    .and_then(|s| s.provider_name.clone())),
                restocked_at: sea_orm::ActiveValue::NotSet,
            };
            Entity::insert(am)
                .on_conflict(
                    OnConflict::columns([Column::ShopId, Column::Id])
                        // The restock mark is ours, not TikTok's: a newer record keeps it.
                        .update_columns(Column::iter().filter(|c| {
                            !matches!(c, Column::ShopId | Column::Id | Column::RestockedAt)
                        }))
                        .action_and_where(
                            Expr::col((Entity, Column::UpdateTime))
                                .lte(Expr::col((Alias::new("excluded"), Column::UpdateTime))),
                        )
                        .to_owned(),
                )
                .exec_without_returning(db)
                .await
        }
        Kind::Cancellation => {
            use tiktok_cancellation::{ActiveModel, Column, Entity};
            let am = ActiveModel {
                shop_id: Set(r.shop_id.clone()),
                id: Set(r.id.clone()),
                order_id: Set(r.order_id.clone()),
                cancel_type: Set(r.kind_type.clone()),
                status: Set(r.status.clone()),
                role: Set(r.role.clone()),
                reason: Set(r.reason.clone()),
                reason_text: Set(r.reason_text.clone()),
                currency: Set(currency),
                refund_total: Set(total),
                refund_subtotal: Set(subtotal),
                refund_shipping_fee: Set(shipping_fee),
                refund_tax: Set(tax),
                line_items: Set(lines),
                create_time: Set(r.create_time),
                update_time: Set(r.update_time),
                synced_at: Set(r.synced_at),
                next_action: Set(r.pending.as_ref().map(|p| p.action.clone())),
                decide_by: Set(r.pending.as_ref().and_then(|p| p.decide_by)),
            };
            Entity::insert(am)
                .on_conflict(
                    OnConflict::columns([Column::ShopId, Column::Id])
                        .update_columns(
                            Column::iter().filter(|c| !matches!(c, Column::ShopId | Column::Id)),
                        )
                        .action_and_where(
                            Expr::col((Entity, Column::UpdateTime))
                                .lte(Expr::col((Alias::new("excluded"), Column::UpdateTime))),
                        )
                        .to_owned(),
                )
                .exec_without_returning(db)
                .await
        }
    };
    match written {
        Ok(n) => Ok(n > 0),
        // Some drivers report "no row written" as an error rather than a count of 0.
        Err(DbErr::RecordNotInserted) => Ok(false),
        Err(e) => Err(e),
    }
}

/// What saving a page did.
struct PageSaved {
    saved: u64,
    /// Of them, new or newer than stored.
    changed: u64,
    skipped: u64,
    /// The page's newest `update_time`.
    high: Option<i64>,
    /// The returns whose package TikTok confirmed received, for the restock.
    received: Vec<Record>,
}

/// Saves one page's records in one transaction with the high-water mark; a record that cannot be
/// read is logged and skipped.
async fn save_page(
    store: Store<'_>,
    kind: Kind,
    shop_id: &str,
    records: Vec<Value>,
) -> Result<PageSaved, DbErr> {
    let now = store.clock.now();
    let txn = super::begin_write(store.db).await?;
    let (mut saved, mut changed, mut skipped, mut high) = (0, 0, 0, None::<i64>);
    let mut received = Vec::new();
    for raw in records {
        let update_time = raw.get("update_time").and_then(Value::as_i64);
        let id = raw
            .get(kind.id_key())
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned();
        match convert(kind, shop_id, raw, now) {
            Ok(record) => {
                if stored_update_time(&txn, &record).await? < Some(record.update_time) {
                    changed += 1;
                }
                save(&txn, &record).await?;
                saved += 1;
                if restock::received(&record) {
                    received.push(record);
                }
            }
            Err(e) => {
                tracing::warn!(kind = kind.noun(), id = %id, error = %e, "skipping a record TikTok sent that we cannot read");
                skipped += 1;
            }
        }
        // Past an unreadable record too: reading it again cannot make it readable.
        if let Some(t) = update_time {
            high = Ord::max(high, Some(t));
        }
    }
    if let Some(h) = high {
        cursor::advance(&txn, shop_id, kind.resource(), h, now).await?;
    }
    txn.commit().await?;
    Ok(PageSaved {
        saved,
        changed,
        skipped,
        high,
        received,
    })
}

/// The stored row's `update_time`, if there is one.
async fn stored_update_time(
    db: &impl ConnectionTrait,
    r: &Record,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, DbErr> {
    let key = (r.shop_id.clone(), r.id.clone());
    Ok(match r.kind {
        Kind::Return => tiktok_return::Entity::find_by_id(key)
            .one(db)
            .await?
            .map(|row| row.update_time),
        Kind::Cancellation => tiktok_cancellation::Entity::find_by_id(key)
            .one(db)
            .await?
            .map(|row| row.update_time),
    })
}

fn search_query(page_size: u32, page_token: Option<&str>) -> Vec<(String, String)> {
    let mut query = vec![
        ("page_size".to_owned(), page_size.to_string()),
        ("sort_field".to_owned(), "update_time".to_owned()),
        ("sort_order".to_owned(), "ASC".to_owned()),
    ];
    if let Some(t) = page_token {
        query.push(("page_token".to_owned(), t.to_owned()));
    }
    query
}

/// Incremental: from the high-water mark minus the overlap. Full: from the beginning, or from where
/// an interrupted attempt of this job got to.
pub async fn sync(ctx: &mut JobCtx<'_>, kind: Kind) -> Result<(), JobError> {
    let access = ctx.access;
    let shop_id = ctx.shop_id().to_owned();
    let from = match ctx.mode {
        Mode::Incremental => cursor::get(access.db, &shop_id, kind.resource())
            .await?
            .map(|h| h - OVERLAP_SECS),
        Mode::Full => ctx.progress.resume_from,
    };
    let filter = crate::tiktok::returns::SearchFilter {
        update_time_ge: from,
        ..Default::default()
    };
    // A run that resumes an interrupted one counts on from it: done and total both include what
    // the earlier runs did (TikTok's total_count is what is left from where this run starts).
    let done_before = ctx.progress.items;
    let mut page_token: Option<String> = None;
    loop {
        let mut page = crate::tiktok::returns::search(
            &mut ctx.session.line(access),
            kind.path(),
            search_query(PAGE_SIZE, page_token.as_deref()),
            &filter,
        )
        .await?
        .data;
        let records = page.records(kind.list_key());
        let page_saved = save_page(access.store(), kind, &shop_id, records).await?;
        for record in &page_saved.received {
            // Boxed: the push it makes is a large future, and a job's future is polled deep.
            Box::pin(restock::restock(access, &mut ctx.session, record)).await?;
        }
        ctx.progress.items += page_saved.saved;
        ctx.progress.changed += page_saved.changed;
        ctx.progress.skipped += page_saved.skipped;
        if page_saved.high.is_some() {
            ctx.progress.resume_from = page_saved.high;
        }
        ctx.progress.pages += 1;
        if let Some(left) = page.total_count {
            ctx.progress.total = Some(done_before + left);
        }
        ctx.checkpoint().await?;
        match page.next_page_token.filter(|t| !t.is_empty()) {
            Some(t) => page_token = Some(t),
            None => return Ok(()),
        }
    }
}

/// What a webhook refetch found.
#[derive(Debug)]
pub enum Refetched {
    /// Saved (or found older than what is stored); these orders should be refetched too (none while
    /// the orders area is off).
    Orders(Vec<String>),
    /// Nothing to do, and why.
    Nothing(String),
}

/// Brings one return or cancellation up to date: TikTok's current record, saved through the same
/// guarded upsert as sync. Answers it, and TikTok's record as read (its pending seller action); `None`
/// when TikTok does not list it.
pub async fn refresh(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    kind: Kind,
    id: &str,
) -> crate::error::Result<Option<(Record, Value)>> {
    let mut page = crate::tiktok::returns::search(
        &mut session.line(access),
        kind.path(),
        search_query(REFETCH_PAGE_SIZE, None),
        &kind.ids_filter(id.to_owned()),
    )
    .await?
    .data;
    let mut records = page.records(kind.list_key());
    records.retain(|r| id_text(&r[kind.id_key()]).as_deref() == Some(id));
    let Some(raw) = records.pop() else {
        return Ok(None);
    };
    let record = convert(kind, &session.shop.id, raw.clone(), access.clock.now())
        .map_err(crate::error::Error::internal)?;
    save(access.db, &record).await?;
    Box::pin(restock::restock(access, session, &record)).await?;
    Ok(Some((record, raw)))
}

/// For CANCELLATION_STATUS_CHANGE and RETURN_STATUS_CHANGE: refetches the named cancellation or return
/// (TikTok's current access) and saves it through the same guarded upsert as sync, so a late or
/// repeated event never undoes a newer state. Answers the orders to refetch with it.
pub async fn refetch_named(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    kind: Kind,
    data: &Value,
) -> Result<Refetched, String> {
    let Some(id) = id_text(&data[kind.id_key()]).filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
    else {
        return Ok(Refetched::Nothing(format!(
            "the event names no {}",
            kind.noun()
        )));
    };
    if ShopStatus::from_column(&shop.status) != ShopStatus::Connected {
        return Ok(Refetched::Nothing("the shop is not connected".into()));
    }
    let mut session = ShopSession::open(access, shop.clone())
        .await
        .map_err(|e| e.to_string())?;
    let Some((record, _)) = refresh(access, &mut session, kind, &id)
        .await
        .map_err(|e| e.to_string())?
    else {
        // Not visible yet (or gone): worth a retry later; the next sync catches it meanwhile.
        return Err(format!("TikTok does not list {} {id}", kind.noun()));
    };
    if !Features::from_json(&shop.features).is_enabled(Feature::Orders) {
        return Ok(Refetched::Orders(Vec::new()));
    }
    let mut orders = vec![record.order_id];
    if let Some(named) = id_text(&data["order_id"])
        && !orders.contains(&named)
    {
        orders.push(named);
    }
    Ok(Refetched::Orders(orders))
}
