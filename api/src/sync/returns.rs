//! Returns and cancellations (TikTok's after-sales requests): `POST /return_refund/202602/returns/search`
//! and `…/cancellations/search`, sorted by `update_time` ascending, paged with `page_token`, each page
//! saved in one transaction with the high-water mark, as orders are. Both kinds read into one
//! [`Record`] and are upserted by (shop, TikTok id) only when they are not older than the stored row,
//! so a slow page or a late webhook refetch never puts an older state over a newer one.

use chrono::{DateTime, Utc};
use reqwest::Method;
use sea_orm::prelude::*;
use sea_orm::sea_query::{Alias, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, Iterable};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use entity::{shop, tiktok_cancellation, tiktok_return};

use super::jobs::{JobCtx, JobError};
use super::orders::amount;
use super::{Mode, OVERLAP_SECS, Resource, cursor, non_empty, unix_time};
use crate::app::AppState;
use crate::shops::ShopStatus;
use crate::shops::tokens::ShopSession;

pub const RETURNS_PATH: &str = "/return_refund/202602/returns/search";
pub const CANCELLATIONS_PATH: &str = "/return_refund/202602/cancellations/search";
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
    fn ids_filter(self) -> &'static str {
        match self {
            Kind::Return => "return_ids",
            Kind::Cancellation => "cancel_ids",
        }
    }
}

// Wire types: TikTok's shapes (ids strings, amounts decimal strings, times unix seconds).

#[derive(Debug, Deserialize)]
struct WireReturn {
    return_id: String,
    order_id: String,
    return_type: String,
    return_status: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    return_reason: Option<String>,
    #[serde(default)]
    return_reason_text: Option<String>,
    #[serde(default)]
    refund_amount: Option<WireRefund>,
    #[serde(default)]
    return_line_items: Vec<WireLine>,
    create_time: i64,
    update_time: i64,
}

#[derive(Debug, Deserialize)]
struct WireCancellation {
    cancel_id: String,
    order_id: String,
    #[serde(default)]
    cancel_type: Option<String>,
    cancel_status: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    cancel_reason: Option<String>,
    #[serde(default)]
    cancel_reason_text: Option<String>,
    #[serde(default)]
    refund_amount: Option<WireRefund>,
    #[serde(default)]
    cancel_line_items: Vec<WireLine>,
    create_time: i64,
    update_time: i64,
}

#[derive(Debug, Deserialize)]
struct WireRefund {
    currency: String,
    refund_total: String,
    #[serde(default)]
    refund_subtotal: Option<String>,
    #[serde(default)]
    refund_shipping_fee: Option<String>,
    #[serde(default)]
    refund_tax: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireLine {
    #[serde(default)]
    return_line_item_id: Option<String>,
    #[serde(default)]
    cancel_line_item_id: Option<String>,
    #[serde(default)]
    order_line_item_id: String,
    #[serde(default)]
    sku_id: String,
    #[serde(default)]
    seller_sku: String,
    #[serde(default)]
    product_name: String,
    #[serde(default)]
    sku_name: String,
    #[serde(default)]
    refund_amount: Option<WireRefund>,
}

/// A refund as TikTok states it: decimal strings in `currency`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub currency: String,
    pub total: String,
    pub subtotal: Option<String>,
    pub shipping_fee: Option<String>,
    pub tax: Option<String>,
}

/// One line a return or cancellation covers, as stored in its `line_items` JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// TikTok's id of the return's (or cancellation's) own line.
    pub id: String,
    /// The order's line item (one unit).
    pub order_line_item_id: String,
    pub sku_id: String,
    pub seller_sku: String,
    pub product_name: String,
    pub sku_name: String,
    pub currency: Option<String>,
    pub refund_total: Option<String>,
}

/// A return or a cancellation as our row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub kind: Kind,
    pub shop_id: String,
    pub id: String,
    pub order_id: String,
    /// REFUND, RETURN_AND_REFUND, REPLACEMENT; CANCEL or BUYER_CANCEL.
    pub kind_type: String,
    pub status: String,
    pub role: Option<String>,
    pub reason: Option<String>,
    pub reason_text: Option<String>,
    pub refund: Option<Refund>,
    pub lines: Vec<Line>,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub synced_at: DateTime<Utc>,
}

fn refund(field: &str, r: Option<WireRefund>) -> anyhow::Result<Option<Refund>> {
    let Some(r) = r else { return Ok(None) };
    if r.currency.is_empty() {
        anyhow::bail!("{field}: a refund amount without a currency");
    }
    let opt = |name: &str, v: Option<String>| -> anyhow::Result<Option<String>> {
        non_empty(v)
            .map(|s| amount(&format!("{field}.{name}"), Some(s)))
            .transpose()
    };
    Ok(Some(Refund {
        total: amount(&format!("{field}.refund_total"), Some(r.refund_total))?,
        subtotal: opt("refund_subtotal", r.refund_subtotal)?,
        shipping_fee: opt("refund_shipping_fee", r.refund_shipping_fee)?,
        tax: opt("refund_tax", r.refund_tax)?,
        currency: r.currency,
    }))
}

fn required(field: &str, s: String) -> anyhow::Result<String> {
    if s.is_empty() {
        anyhow::bail!("{field} is empty");
    }
    Ok(s)
}

/// Reads one record of a search page; an unreadable record is an error for that record only.
pub fn convert(
    kind: Kind,
    shop_id: &str,
    raw: Value,
    now: DateTime<Utc>,
) -> anyhow::Result<Record> {
    struct Common {
        id: String,
        order_id: String,
        kind_type: String,
        status: String,
        role: Option<String>,
        reason: Option<String>,
        reason_text: Option<String>,
        refund: Option<WireRefund>,
        lines: Vec<WireLine>,
        create_time: i64,
        update_time: i64,
    }
    let c = match kind {
        Kind::Return => {
            let r: WireReturn = serde_json::from_value(raw)?;
            Common {
                id: r.return_id,
                order_id: r.order_id,
                kind_type: r.return_type,
                status: r.return_status,
                role: r.role,
                reason: r.return_reason,
                reason_text: r.return_reason_text,
                refund: r.refund_amount,
                lines: r.return_line_items,
                create_time: r.create_time,
                update_time: r.update_time,
            }
        }
        Kind::Cancellation => {
            let r: WireCancellation = serde_json::from_value(raw)?;
            Common {
                id: r.cancel_id,
                order_id: r.order_id,
                kind_type: non_empty(r.cancel_type).unwrap_or_else(|| "CANCEL".into()),
                status: r.cancel_status,
                role: r.role,
                reason: r.cancel_reason,
                reason_text: r.cancel_reason_text,
                refund: r.refund_amount,
                lines: r.cancel_line_items,
                create_time: r.create_time,
                update_time: r.update_time,
            }
        }
    };
    let id = required(kind.id_key(), c.id)?;
    let mut lines = Vec::with_capacity(c.lines.len());
    for l in c.lines {
        let line_id = non_empty(l.return_line_item_id.or(l.cancel_line_item_id))
            .ok_or_else(|| anyhow::anyhow!("{} {id}: a line item without an id", kind.noun()))?;
        let r = refund("line refund_amount", l.refund_amount)?;
        lines.push(Line {
            id: line_id,
            order_line_item_id: l.order_line_item_id,
            sku_id: l.sku_id,
            seller_sku: l.seller_sku,
            product_name: l.product_name,
            sku_name: l.sku_name,
            currency: r.as_ref().map(|r| r.currency.clone()),
            refund_total: r.map(|r| r.total),
        });
    }
    Ok(Record {
        kind,
        shop_id: shop_id.to_owned(),
        order_id: required("order_id", c.order_id)?,
        kind_type: required("type", c.kind_type)?,
        status: required("status", c.status)?,
        role: non_empty(c.role),
        reason: non_empty(c.reason),
        reason_text: non_empty(c.reason_text),
        refund: refund("refund_amount", c.refund)?,
        lines,
        create_time: unix_time(c.create_time)?,
        update_time: unix_time(c.update_time)?,
        synced_at: now,
        id,
    })
}

/// The stored `line_items` JSON back as lines (an unreadable column reads as none).
pub fn lines_of(column: &str) -> Vec<Line> {
    serde_json::from_str(column).unwrap_or_default()
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

/// Saves one page's records in one transaction with the high-water mark; a record that cannot be
/// read is logged and skipped. Returns (saved, skipped).
async fn save_page(
    state: &AppState,
    kind: Kind,
    shop_id: &str,
    records: Vec<Value>,
    advance_cursor: bool,
) -> Result<(u64, u64, Option<i64>), DbErr> {
    let now = state.clock.now();
    let txn = super::begin_write(&state.db).await?;
    let (mut saved, mut skipped, mut high) = (0, 0, None::<i64>);
    for raw in records {
        let update_time = raw.get("update_time").and_then(Value::as_i64);
        let id = raw
            .get(kind.id_key())
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned();
        match convert(kind, shop_id, raw, now) {
            Ok(record) => {
                save(&txn, &record).await?;
                saved += 1;
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
    if advance_cursor && let Some(h) = high {
        cursor::advance(&txn, shop_id, kind.resource(), h, now).await?;
    }
    txn.commit().await?;
    Ok((saved, skipped, high))
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

#[derive(Debug, Deserialize)]
struct SearchPage {
    #[serde(default)]
    next_page_token: Option<String>,
    #[serde(default)]
    total_count: Option<u64>,
    #[serde(flatten)]
    rest: serde_json::Map<String, Value>,
}

impl SearchPage {
    fn records(&mut self, kind: Kind) -> Vec<Value> {
        match self.rest.remove(kind.list_key()) {
            Some(Value::Array(list)) => list,
            _ => Vec::new(),
        }
    }
}

/// Incremental: from the high-water mark minus the overlap. Full: from the beginning, or from where
/// an interrupted attempt of this job got to.
pub async fn sync(ctx: &mut JobCtx<'_>, kind: Kind) -> Result<(), JobError> {
    let state = ctx.state;
    let shop_id = ctx.shop_id().to_owned();
    let from = match ctx.mode {
        Mode::Incremental => cursor::get(&state.db, &shop_id, kind.resource())
            .await?
            .map(|h| h - OVERLAP_SECS),
        Mode::Full => ctx.progress.resume_from,
    };
    let body = match from {
        Some(t) => json!({"update_time_ge": t}),
        None => json!({}),
    };
    let mut page_token: Option<String> = None;
    loop {
        let mut page = ctx
            .session
            .call::<SearchPage>(
                state,
                Method::POST,
                kind.path(),
                search_query(PAGE_SIZE, page_token.as_deref()),
                Some(body.clone()),
            )
            .await?
            .data;
        let records = page.records(kind);
        let (saved, skipped, high) = save_page(state, kind, &shop_id, records, true).await?;
        ctx.progress.items += saved;
        ctx.progress.skipped += skipped;
        if high.is_some() {
            ctx.progress.resume_from = high;
        }
        ctx.progress.pages += 1;
        if page.total_count.is_some() {
            ctx.progress.total = page.total_count;
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
    /// Saved (or found older than what is stored); these orders should be refetched too.
    Orders(Vec<String>),
    /// Nothing to do, and why.
    Nothing(String),
}

/// TikTok's ids arrive as strings, and sometimes as numbers.
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// For CANCELLATION_STATUS_CHANGE and RETURN_STATUS_CHANGE: refetches the named cancellation or return
/// (TikTok's current state) and saves it through the same guarded upsert as sync, so a late or
/// repeated event never undoes a newer state. Answers the orders to refetch with it.
pub async fn refetch_named(
    state: &AppState,
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
    let mut session = ShopSession::open(state, shop.clone())
        .await
        .map_err(|e| e.to_string())?;
    let mut page = session
        .call::<SearchPage>(
            state,
            Method::POST,
            kind.path(),
            search_query(REFETCH_PAGE_SIZE, None),
            Some(json!({ kind.ids_filter(): [id] })),
        )
        .await
        .map_err(|e| e.to_string())?
        .data;
    let mut records = page.records(kind);
    records.retain(|r| id_text(&r[kind.id_key()]).as_deref() == Some(id.as_str()));
    let Some(raw) = records.pop() else {
        // Not visible yet (or gone): worth a retry later; the next sync catches it meanwhile.
        return Err(format!("TikTok does not list {} {id}", kind.noun()));
    };
    let record = convert(kind, &shop.id, raw, state.clock.now()).map_err(|e| e.to_string())?;
    save(&state.db, &record).await.map_err(|e| e.to_string())?;
    let mut orders = vec![record.order_id];
    if let Some(named) = id_text(&data["order_id"])
        && !orders.contains(&named)
    {
        orders.push(named);
    }
    Ok(Refetched::Orders(orders))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a_return() -> Value {
        json!({
            "return_id": "4035318504502940111", "order_id": "576461413038785752",
            "return_type": "RETURN_AND_REFUND", "return_status": "AWAITING_BUYER_SHIP", "role": "BUYER",
            "return_reason": "wrong_size", "return_reason_text": "Wrong size", "arbitration_status": "",
            "create_time": 1_764_000_000, "update_time": 1_764_000_600,
            "refund_amount": {"currency": "USD", "refund_total": "19.99", "refund_subtotal": "19.99",
                "refund_shipping_fee": "0.00", "refund_tax": "0.00", "buyer_service_fee": "0.00"},
            "return_line_items": [{"return_line_item_id": "1", "order_line_item_id": "577086512123755123",
                "sku_id": "11", "seller_sku": "TEE-M", "product_name": "Tee", "sku_name": "M",
                "refund_amount": {"currency": "USD", "refund_total": "19.99"}}]
        })
    }

    fn a_cancellation() -> Value {
        json!({
            "cancel_id": "4035318504502940222", "order_id": "576461413038785752", "cancel_type": "CANCEL",
            "cancel_status": "CANCELLATION_REQUEST_PENDING", "role": "BUYER", "cancel_reason": "",
            "create_time": 1_764_000_000, "update_time": 1_764_000_000,
            "refund_amount": {"currency": "USD", "refund_total": "46.18"},
            "cancel_line_items": [{"cancel_line_item_id": "2", "order_line_item_id": "577086512123755124"}]
        })
    }

    #[test]
    fn a_return_and_a_cancellation_become_records_with_amounts_as_given() {
        let r = convert(Kind::Return, "shop", a_return(), Utc::now()).unwrap();
        assert_eq!(r.id, "4035318504502940111");
        assert_eq!(r.kind_type, "RETURN_AND_REFUND");
        assert_eq!(r.refund.as_ref().unwrap().total, "19.99");
        assert_eq!(r.refund.as_ref().unwrap().tax.as_deref(), Some("0.00"));
        assert_eq!(r.lines.len(), 1);
        assert_eq!(r.lines[0].refund_total.as_deref(), Some("19.99"));
        assert_eq!(r.update_time.timestamp(), 1_764_000_600);
        let c = convert(Kind::Cancellation, "shop", a_cancellation(), Utc::now()).unwrap();
        assert_eq!(c.status, "CANCELLATION_REQUEST_PENDING");
        assert_eq!(c.reason, None, "empty strings are none");
        assert_eq!(c.refund.as_ref().unwrap().subtotal, None);
        assert_eq!(c.lines[0].id, "2");
        assert_eq!(c.lines[0].refund_total, None);
        let mut no_refund = a_return();
        no_refund.as_object_mut().unwrap().remove("refund_amount");
        assert_eq!(
            convert(Kind::Return, "shop", no_refund, Utc::now())
                .unwrap()
                .refund,
            None
        );
        // The stored JSON reads back as the same lines.
        let stored = serde_json::to_string(&r.lines).unwrap();
        assert_eq!(lines_of(&stored), r.lines);
        assert!(lines_of("garbage").is_empty());
    }

    #[test]
    fn a_bad_record_is_an_error_for_that_record_only() {
        for (kind, record, path, value) in [
            (Kind::Return, a_return(), "/return_id", json!("")),
            (Kind::Return, a_return(), "/return_id", json!(null)),
            (Kind::Return, a_return(), "/order_id", json!("")),
            (Kind::Return, a_return(), "/return_status", json!(7)),
            (
                Kind::Return,
                a_return(),
                "/refund_amount/refund_total",
                json!(19.99),
            ),
            (
                Kind::Return,
                a_return(),
                "/refund_amount/refund_total",
                json!("19,99"),
            ),
            (
                Kind::Return,
                a_return(),
                "/refund_amount/currency",
                json!(""),
            ),
            (
                Kind::Return,
                a_return(),
                "/refund_amount/refund_tax",
                json!("1e3"),
            ),
            (
                Kind::Return,
                a_return(),
                "/return_line_items/0/return_line_item_id",
                json!(""),
            ),
            (
                Kind::Return,
                a_return(),
                "/return_line_items/0/refund_amount/refund_total",
                json!("x"),
            ),
            (Kind::Return, a_return(), "/update_time", json!("yesterday")),
            (Kind::Return, a_return(), "/create_time", json!(i64::MAX)),
            (
                Kind::Cancellation,
                a_cancellation(),
                "/cancel_id",
                json!(""),
            ),
            (
                Kind::Cancellation,
                a_cancellation(),
                "/cancel_status",
                json!(""),
            ),
            (
                Kind::Cancellation,
                a_cancellation(),
                "/cancel_line_items/0/cancel_line_item_id",
                json!(null),
            ),
        ] {
            let mut bad = record;
            *bad.pointer_mut(path).unwrap() = value.clone();
            assert!(
                convert(kind, "shop", bad, Utc::now()).is_err(),
                "{kind:?} {path} = {value}"
            );
        }
        // A return's shape is not a cancellation.
        assert!(convert(Kind::Cancellation, "shop", a_return(), Utc::now()).is_err());
    }
}
