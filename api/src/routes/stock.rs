//! The ERP's stock writes (`…/inventory/{sku_id}/stock`, `…/inventory/batch`) and the audit log
//! (`…/audit`). Writes take an `Idempotency-Key` header and need the operator role.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit;
use crate::error::{Error, ErrorEnvelope, Result};
use crate::pagination::{Page, PageQuery};
use crate::routes::batch::{self, batch_answer};
use crate::routes::idempotency;
use crate::routes::json::{RawJson, parse_json};
use crate::routes::schema::responses::{NeedsOperator, ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::state::AppState;
use crate::stock::{self, Change, StockLevel, StockWrite};

pub const MAX_BATCH: usize = 100;

/// Set the count of a SKU in a warehouse.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"warehouse_id": "7068517275539719942", "on_hand": 40}))]
pub struct SetStockIn {
    pub warehouse_id: String,
    /// Units on the shelf, 0 to 999,999.
    #[schema(minimum = 0, maximum = 999_999)]
    pub on_hand: i64,
}

/// Move the count of a SKU in a warehouse.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"warehouse_id": "7068517275539719942", "delta": -2}))]
pub struct AdjustStockIn {
    pub warehouse_id: String,
    /// Units received (positive) or gone (negative); not 0.
    #[schema(schema_with = crate::routes::schema::rules::stock_delta)]
    pub delta: i64,
}

/// One write of a batch: `on_hand` sets, `delta` adjusts (exactly one of them).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"sku_id": "1729382476852921560", "warehouse_id": "7068517275539719942", "on_hand": 40}))]
pub struct BatchItemIn {
    pub sku_id: String,
    pub warehouse_id: String,
    #[schema(minimum = 0, maximum = 999_999)]
    pub on_hand: Option<i64>,
    #[schema(schema_with = crate::routes::schema::rules::stock_delta_or_null)]
    pub delta: Option<i64>,
}

/// Up to 100 writes, each done (or refused) on its own.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [
    {"sku_id": "1729382476852921560", "warehouse_id": "7068517275539719942", "on_hand": 40},
    {"sku_id": "1729382476852921561", "warehouse_id": "7068517275539719942", "delta": -1}
]}))]
pub struct BatchIn {
    #[schema(min_items = 1, max_items = 100)]
    pub items: Vec<BatchItemIn>,
}

/// A SKU's stock in a warehouse after a write.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "sku_id": "1729382476852921560", "warehouse_id": "7068517275539719942",
    "on_hand": 40, "committed": 3, "safety_buffer": 2, "pushed": 35, "tiktok_available": 35,
    "tiktok_request_id": "20261124210005000102030405060708"
}))]
pub struct StockLevelOut {
    pub sku_id: String,
    pub warehouse_id: String,
    /// The ERP's count.
    pub on_hand: i64,
    /// TikTok's committed units in this warehouse: placed orders (unpaid included) not yet
    /// shipped, as TikTok read them back after the push.
    pub committed: i64,
    /// The shop's safety buffer.
    pub safety_buffer: i64,
    /// What TikTok was told buyers may order: on_hand − committed − safety_buffer, 0 to 999,999.
    pub pushed: i64,
    /// TikTok's available quantity read back after the push (what buyers can order now).
    pub tiktok_available: i64,
    pub tiktok_request_id: Option<String>,
}

impl From<StockLevel> for StockLevelOut {
    fn from(l: StockLevel) -> Self {
        Self {
            sku_id: l.sku_id,
            warehouse_id: l.warehouse_id,
            on_hand: l.on_hand,
            committed: l.committed,
            safety_buffer: l.safety_buffer,
            pushed: l.pushed,
            tiktok_available: l.tiktok_available,
            tiktok_request_id: l.tiktok_request_id,
        }
    }
}

/// Which write of a stock batch an item is.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockItemKey {
    pub sku_id: String,
    pub warehouse_id: String,
}

batch_answer!(
    /// Every item's result, in the order sent (the batch answer's one shape, see the README).
    #[schema(example = json!({"succeeded": 1, "failed": 1, "results": [
        {"index": 0, "sku_id": "1729382476852921560", "warehouse_id": "7068517275539719942", "ok": true, "outcome_unknown": false, "error": null,
         "result": {"sku_id": "1729382476852921560", "warehouse_id": "7068517275539719942", "on_hand": 40, "committed": 0, "safety_buffer": 0, "pushed": 40, "tiktok_available": 40, "tiktok_request_id": "20261124210005000102030405060708"}},
        {"index": 1, "sku_id": "999", "warehouse_id": "7068517275539719942", "ok": false, "outcome_unknown": false, "result": null,
         "error": {"code": "not_found", "message": "SKU (sync the shop's products first if it is new) was not found; check the id (it may belong to another tenant or have been deleted)", "details": []}}
    ]}))]
    StockBatchOut,
    StockBatchItem,
    StockItemKey,
    StockLevelOut
);

/// An audit row: one write the ERP made through us.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "9b2f…", "actor": "alice", "role": "operator", "action": "stock.set",
    "target": "sku 1729382476852921560 / warehouse 7068517275539719942", "request": {"on_hand": 40},
    "outcome": "succeeded", "tiktok_request_id": "20261124210005000102030405060708", "error": null,
    "request_id": "5f0c6c1e-1b7e-4a53-9a43-2f0e8f3e2a10", "at": "2026-11-24T21:00:05Z"
}))]
pub struct AuditOut {
    pub id: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub target: String,
    #[schema(value_type = Object)]
    pub request: serde_json::Value,
    /// succeeded · failed
    pub outcome: String,
    pub tiktok_request_id: Option<String>,
    pub error: Option<String>,
    pub request_id: Option<String>,
    pub at: DateTime<Utc>,
}

fn level_json(level: StockLevel) -> Result<idempotency::Reply> {
    idempotency::Reply::ok(&StockLevelOut::from(level))
}

/// One stock write of a single-SKU route, under its `Idempotency-Key`.
async fn one_write(
    state: &AppState,
    scope: ShopScope<Operator, Inventory>,
    req: &HttpRequest,
    raw: &[u8],
    write: StockWrite,
) -> Result<HttpResponse> {
    let ShopScope { user, shop, .. } = scope;
    let user = &user;
    idempotency::run(
        &state.db,
        &user.tenant,
        req,
        raw,
        state.clock.now(),
        || async { level_json(stock::write(state.access(), user, &shop, &write).await?) },
    )
    .await
}

/// Set the ERP's count of a SKU in a warehouse and push what can be sold to TikTok.
#[utoipa::path(
    tag = "inventory",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("sku_id" = String, Path, description = "TikTok's SKU id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409"),
    ),
    request_body = SetStockIn,
    responses(
        (status = 200, description = "Saved and pushed", body = StockLevelOut),
        (status = 400, description = "A bad count or warehouse; nothing changed", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such SKU synced", body = ErrorEnvelope),
        (status = 409, description = "Area disabled (`feature_disabled`), shop not connected, the warehouse not assigned to the SKU on TikTok (`warehouse_not_assigned`), or the Idempotency-Key reused (`idempotency_key_reused`) or in progress", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused the update (`tiktok_refused`); the count is saved", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable; the count is saved, send it again", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[put("/api/integrations/tiktok/shops/{id}/inventory/{sku_id}/stock")]
pub async fn set_stock(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Inventory>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let input: SetStockIn = parse_json(&body.0)?;
    let (_, sku_id) = path.into_inner();
    let write = StockWrite {
        sku_id,
        warehouse_id: input.warehouse_id,
        change: Change::Set(input.on_hand),
    };
    one_write(&state, scope, &req, &body.0, write).await
}

/// Move the ERP's count of a SKU in a warehouse and push what can be sold to TikTok.
#[utoipa::path(
    tag = "inventory",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("sku_id" = String, Path, description = "TikTok's SKU id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again (the count moves once); same key, other body: 409"),
    ),
    request_body = AdjustStockIn,
    responses(
        (status = 200, description = "Saved and pushed", body = StockLevelOut),
        (status = 400, description = "A bad delta or warehouse; nothing changed", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        (status = 404, description = "No such shop for this tenant, or no such SKU synced", body = ErrorEnvelope),
        (status = 409, description = "No count yet (`stock_not_counted`), the result would be out of range (`stock_out_of_range`), the warehouse not assigned to the SKU on TikTok (`warehouse_not_assigned`), area disabled, shop not connected, or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
        (status = 422, description = "TikTok refused the update (`tiktok_refused`); the count is saved", body = ErrorEnvelope),
        (status = 502, description = "TikTok unavailable; the count is saved, send it again", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/inventory/{sku_id}/stock/adjust")]
pub async fn adjust_stock(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Inventory>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let input: AdjustStockIn = parse_json(&body.0)?;
    let (_, sku_id) = path.into_inner();
    let write = StockWrite {
        sku_id,
        warehouse_id: input.warehouse_id,
        change: Change::Adjust(input.delta),
    };
    one_write(&state, scope, &req, &body.0, write).await
}

/// Up to 100 stock writes; each is done or refused on its own, and the answer lists every result.
#[utoipa::path(
    tag = "inventory",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the first answer again; same key, other body: 409"),
    ),
    request_body = BatchIn,
    responses(
        (status = 200, description = "Every item's result (some may have failed)", body = StockBatchOut),
        (status = 400, description = "Not 1 to 100 items, or an item with neither or both of on_hand and delta; nothing changed", body = ErrorEnvelope),
        Unauthorized,
        NeedsOperator,
        ShopNotFound,
        (status = 409, description = "Area disabled, or the Idempotency-Key reused or in progress", body = ErrorEnvelope),
    ),
    security(("bearer" = ["operator"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/inventory/batch")]
pub async fn batch_stock(
    state: web::Data<AppState>,
    scope: ShopScope<Operator, Inventory>,
    req: HttpRequest,
    body: RawJson,
) -> Result<HttpResponse> {
    let ShopScope { user, shop, .. } = scope;
    let writes = parse_json::<BatchIn>(&body.0)?.writes()?;
    idempotency::run(
        &state.db,
        &user.tenant,
        &req,
        &body.0,
        state.clock.now(),
        || async {
            // A stock write is not repeated as a whole (a delta would apply twice): every answer
            // is kept under the key, so `outcome_unknown` is never set here.
            let done = batch::run(&writes, batch::never_unknown, |w| async {
                let key = StockItemKey {
                    sku_id: w.sku_id.clone(),
                    warehouse_id: w.warehouse_id.clone(),
                };
                (key, stock::write(state.access(), &user, &shop, w).await)
            })
            .await;
            StockBatchOut::reply(done)
        },
    )
    .await
}

impl BatchIn {
    /// The writes the batch asks for, each checked (an item with neither or both of `on_hand` and
    /// `delta` is a 400 that names it).
    fn writes(self) -> Result<Vec<StockWrite>> {
        if self.items.is_empty() || self.items.len() > MAX_BATCH {
            return Err(Error::invalid_field(
                "items",
                format!("send 1 to {MAX_BATCH} items (got {})", self.items.len()),
            ));
        }
        let mut writes = Vec::with_capacity(self.items.len());
        for (i, item) in self.items.into_iter().enumerate() {
            let change = match (item.on_hand, item.delta) {
                (Some(n), None) => Change::Set(n),
                (None, Some(d)) => Change::Adjust(d),
                _ => {
                    return Err(Error::invalid_field(
                        &format!("items[{i}]"),
                        "give exactly one of on_hand (set) and delta (adjust)",
                    ));
                }
            };
            writes.push(StockWrite {
                sku_id: item.sku_id,
                warehouse_id: item.warehouse_id,
                change,
            });
        }
        Ok(writes)
    }
}

/// The shop's audit log: every write made through us, newest first.
#[utoipa::path(
    tag = "inventory",
    params(("id" = String, Path, description = "Our shop id"), PageQuery),
    responses(
        (status = 200, description = "A page of audit rows", body = Page<AuditOut>),
        (status = 400, description = "A bad limit or cursor", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, AnyArea>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<AuditOut>>> {
    let ShopScope { shop, .. } = scope;
    let (rows, next) = audit::list(&state.db, &shop.id, query.limit()?, query.cursor()?).await?;
    Ok(web::Json(Page {
        items: rows
            .into_iter()
            .map(|r| AuditOut {
                request: serde_json::from_str(&r.request).unwrap_or(serde_json::Value::Null),
                id: r.id,
                actor: r.actor,
                role: r.role,
                action: r.action,
                target: r.target,
                outcome: r.outcome,
                tiktok_request_id: r.tiktok_request_id,
                error: r.error,
                request_id: r.request_id,
                at: r.at,
            })
            .collect(),
        next_cursor: next.map(|c| c.encode()),
    }))
}
