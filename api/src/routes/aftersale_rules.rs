//! `…/shops/{id}/aftersale-rules`: the shop's automatic decision rules for returns and cancellations
//! (admin keeps them, anyone reads them), a replay of a period through them (`…/simulate`), and what
//! they made of each request (`…/aftersale-decisions`). The returns area.

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use entity::aftersale_rule_run;

use crate::aftersales::rules::{self, Action, Money, Rule, RuleIn, Simulated, Then, When};
use crate::audit::{self, Entry};
use crate::error::{ErrorEnvelope, Result};
use crate::pagination::{Cursor, Page, PageQuery};
use crate::routes::json::ApiJson;
use crate::routes::schema::responses::{NeedsAdmin, ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::state::AppState;

/// A rule as stored.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0b6f9a1e-5a4e-4c8e-9d1a-3f2b1c0d9e8f", "name": "Small refunds", "priority": 10, "dry_run": false, "when": {"kinds": ["refund_only"], "max_refund": {"amount": "15.00", "currency": "USD"}, "reasons": [], "within_hours_of_delivery": 72, "within_hours_of_order": null, "max_buyer_requests_90d": 2, "skus": [], "exclude_skus": [], "categories": [], "exclude_categories": []}, "then": {"action": "approve"}, "created_at": "2026-12-07T10:00:00Z", "updated_at": "2026-12-07T10:00:00Z"}))]
pub struct RuleOut {
    pub id: String,
    pub name: String,
    pub priority: i32,
    pub dry_run: bool,
    pub when: When,
    pub then: Then,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Rule> for RuleOut {
    fn from(r: Rule) -> Self {
        Self {
            id: r.model.id,
            name: r.model.name,
            priority: r.model.priority,
            dry_run: r.model.dry_run,
            when: r.definition.when,
            then: r.definition.then,
            created_at: r.model.created_at,
            updated_at: r.model.updated_at,
        }
    }
}

/// The period whose requests to replay: created at or after `from`, before `to`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}))]
pub struct SimulateIn {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// What the current rules would have decided for one request.
#[derive(Debug, Serialize, ToSchema)]
pub struct SimulatedOut {
    /// `refund_only`, `return_and_refund`, `replacement` or `cancellation`.
    pub kind: &'static str,
    /// TikTok's return or cancel id.
    pub id: String,
    pub order_id: String,
    pub created_at: DateTime<Utc>,
    pub refund: Option<Money>,
    pub rule_id: Option<String>,
    pub rule_name: Option<String>,
    /// `approve`, `reject` or `manual` (a person decides).
    pub action: &'static str,
    /// Why a person would decide.
    pub why: Option<String>,
}

/// A count of requests and the refunds they ask.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotalOut {
    pub count: u64,
    /// In the shop's currency.
    pub refund: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TotalsOut {
    pub approved: TotalOut,
    pub rejected: TotalOut,
    /// Left for a person.
    pub left: TotalOut,
    pub currency: String,
}

/// The replay: each request of the period, oldest first, and the totals.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"kind": "refund_only", "id": "4035318504502940111", "order_id": "576461413038785752", "created_at": "2026-11-24T08:00:00Z", "refund": {"amount": "12.50", "currency": "USD"}, "rule_id": "0b6f9a1e-5a4e-4c8e-9d1a-3f2b1c0d9e8f", "rule_name": "Small refunds", "action": "approve", "why": null}], "totals": {"approved": {"count": 1, "refund": "12.50"}, "rejected": {"count": 0, "refund": "0.00"}, "left": {"count": 0, "refund": "0.00"}, "currency": "USD"}}))]
pub struct SimulationOut {
    pub items: Vec<SimulatedOut>,
    pub totals: TotalsOut,
}

/// What the rules made of one request awaiting one decision.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"request_kind": "return", "request_id": "4035318504502940111", "pending_action": "SELLER_RESPOND_REFUND", "rule_id": "0b6f9a1e-5a4e-4c8e-9d1a-3f2b1c0d9e8f", "action": "approve", "dry_run": false, "outcome": "decided", "detail": "RETURN_OR_REFUND_REQUEST_SUCCESS", "at": "2026-12-07T10:00:01Z"}))]
pub struct RuleRunOut {
    /// `return` or `cancellation`.
    pub request_kind: String,
    pub request_id: String,
    pub pending_action: String,
    pub rule_id: Option<String>,
    /// `approve`, `reject` or `manual`.
    pub action: String,
    pub dry_run: bool,
    /// `decided`, `recorded` (dry run), `left` (for a person) or `failed`.
    pub outcome: String,
    /// Why it was left, the failure, or the request's status once decided.
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<aftersale_rule_run::Model> for RuleRunOut {
    fn from(r: aftersale_rule_run::Model) -> Self {
        Self {
            request_kind: r.request_kind,
            request_id: r.request_id,
            pending_action: r.pending_action,
            rule_id: r.rule_id,
            action: r.action,
            dry_run: r.dry_run,
            outcome: r.outcome,
            detail: r.detail,
            at: r.at,
        }
    }
}

async fn audited(
    state: &AppState,
    scope: &ShopScope<Admin, Returns>,
    action: &'static str,
    rule_id: &str,
    request: serde_json::Value,
) -> Result<()> {
    audit::record(
        &state.db,
        &scope.user,
        Entry {
            shop_id: &scope.shop.id,
            action,
            target: format!("aftersale rule {rule_id}"),
            request,
            tiktok_request_id: None,
            error: None,
        },
        state.clock.now(),
    )
    .await?;
    Ok(())
}

/// The shop's rules, in the order they are tried (ascending priority).
#[utoipa::path(
    tag = "returns",
    params(("id" = String, Path, description = "Our shop id")),
    responses(
        (status = 200, description = "The rules (one page: `next_cursor` is null)", body = Page<RuleOut>),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The returns area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/aftersale-rules")]
pub async fn list_rules(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Returns>,
) -> Result<web::Json<Page<RuleOut>>> {
    let rules = rules::list(&state.db, &scope.shop.id).await?;
    Ok(web::Json(Page {
        items: rules.into_iter().map(RuleOut::from).collect(),
        next_cursor: None,
    }))
}

/// Add a rule. It decides requests that arrive from now on (by webhook or sync).
#[utoipa::path(
    tag = "returns",
    params(("id" = String, Path, description = "Our shop id")),
    request_body = RuleIn,
    responses(
        (status = 201, description = "The rule", body = RuleOut),
        (status = 400, description = "A bad field (named in `details`): a limit in another currency than the shop's, a rejection without its reason, …", body = ErrorEnvelope),
        Unauthorized,
        NeedsAdmin,
        ShopNotFound,
        (status = 409, description = "The returns area is disabled (`feature_disabled`), or the shop keeps 100 rules already (`too_many_rules`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/aftersale-rules")]
pub async fn create_rule(
    state: web::Data<AppState>,
    scope: ShopScope<Admin, Returns>,
    body: ApiJson<RuleIn>,
) -> Result<HttpResponse> {
    let request = serde_json::to_value(&body.0).unwrap_or_default();
    let rule = rules::create(&state.db, &scope.shop, body.0, state.clock.now()).await?;
    audited(
        &state,
        &scope,
        "aftersale_rule.create",
        &rule.model.id,
        request,
    )
    .await?;
    Ok(HttpResponse::Created().json(RuleOut::from(rule)))
}

/// One rule.
#[utoipa::path(
    tag = "returns",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("rule_id" = String, Path, description = "The rule's id"),
    ),
    responses(
        (status = 200, description = "The rule", body = RuleOut),
        Unauthorized,
        (status = 404, description = "No such shop for this tenant, or no such rule of it", body = ErrorEnvelope),
        (status = 409, description = "The returns area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/aftersale-rules/{rule_id}")]
pub async fn get_rule(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Returns>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<RuleOut>> {
    let rule = rules::get(&state.db, &scope.shop.id, &path.1).await?;
    Ok(web::Json(rule.into()))
}

/// Replace a rule whole.
#[utoipa::path(
    tag = "returns",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("rule_id" = String, Path, description = "The rule's id"),
    ),
    request_body = RuleIn,
    responses(
        (status = 200, description = "The rule", body = RuleOut),
        (status = 400, description = "A bad field (named in `details`)", body = ErrorEnvelope),
        Unauthorized,
        NeedsAdmin,
        (status = 404, description = "No such shop for this tenant, or no such rule of it", body = ErrorEnvelope),
        (status = 409, description = "The returns area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"]))
)]
#[put("/api/integrations/tiktok/shops/{id}/aftersale-rules/{rule_id}")]
pub async fn replace_rule(
    state: web::Data<AppState>,
    scope: ShopScope<Admin, Returns>,
    path: web::Path<(String, String)>,
    body: ApiJson<RuleIn>,
) -> Result<web::Json<RuleOut>> {
    let request = serde_json::to_value(&body.0).unwrap_or_default();
    let rule = rules::replace(&state.db, &scope.shop, &path.1, body.0, state.clock.now()).await?;
    audited(
        &state,
        &scope,
        "aftersale_rule.replace",
        &rule.model.id,
        request,
    )
    .await?;
    Ok(web::Json(rule.into()))
}

/// Delete a rule.
#[utoipa::path(
    tag = "returns",
    params(
        ("id" = String, Path, description = "Our shop id"),
        ("rule_id" = String, Path, description = "The rule's id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        Unauthorized,
        NeedsAdmin,
        (status = 404, description = "No such shop for this tenant, or no such rule of it", body = ErrorEnvelope),
        (status = 409, description = "The returns area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"]))
)]
#[delete("/api/integrations/tiktok/shops/{id}/aftersale-rules/{rule_id}")]
pub async fn delete_rule(
    state: web::Data<AppState>,
    scope: ShopScope<Admin, Returns>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    rules::delete(&state.db, &scope.shop.id, &path.1).await?;
    audited(
        &state,
        &scope,
        "aftersale_rule.delete",
        &path.1,
        serde_json::json!({}),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replay the requests created in a period through the current rules: what each rule would have
/// decided, with totals. Nothing is sent or recorded.
#[utoipa::path(
    tag = "returns",
    params(("id" = String, Path, description = "Our shop id")),
    request_body = SimulateIn,
    responses(
        (status = 200, description = "The replay", body = SimulationOut),
        (status = 400, description = "`from` not before `to`, or more than 2,000 requests in the period", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The returns area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[post("/api/integrations/tiktok/shops/{id}/aftersale-rules/simulate")]
pub async fn simulate_rules(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Returns>,
    body: ApiJson<SimulateIn>,
) -> Result<web::Json<SimulationOut>> {
    let replay = rules::simulate(&state.db, &scope.shop, body.0.from, body.0.to).await?;
    Ok(web::Json(simulation_out(replay)))
}

fn simulation_out(replay: rules::Simulation) -> SimulationOut {
    let total = |action: Action| {
        let picked: Vec<&Simulated> = replay.items.iter().filter(|s| s.action == action).collect();
        TotalOut {
            count: picked.len() as u64,
            refund: rules::refund_sum(
                &replay.currency,
                picked
                    .iter()
                    .filter_map(|s| s.request.refund_total.as_deref()),
            ),
        }
    };
    let totals = TotalsOut {
        approved: total(Action::Approve),
        rejected: total(Action::Reject),
        left: total(Action::Manual),
        currency: replay.currency.clone(),
    };
    let items = replay
        .items
        .into_iter()
        .map(|s| SimulatedOut {
            kind: s.request.kind.as_str(),
            refund: s
                .request
                .refund_total
                .clone()
                .zip(s.request.currency.clone())
                .map(|(amount, currency)| Money { amount, currency }),
            id: s.request.id,
            order_id: s.request.order_id,
            created_at: s.request.create_time,
            rule_id: s.rule.as_ref().map(|r| r.id.clone()),
            rule_name: s.rule.map(|r| r.name),
            action: s.action.as_str(),
            why: s.why,
        })
        .collect();
    SimulationOut { items, totals }
}

/// What the rules made of the shop's requests, newest first: decided, recorded (dry run), left for a
/// person (and why) or failed.
#[utoipa::path(
    tag = "returns",
    params(("id" = String, Path, description = "Our shop id"), PageQuery),
    responses(
        (status = 200, description = "A page of the rules' runs", body = Page<RuleRunOut>),
        (status = 400, description = "A bad limit or cursor", body = ErrorEnvelope),
        Unauthorized,
        ShopNotFound,
        (status = 409, description = "The returns area is disabled (`feature_disabled`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}/aftersale-decisions")]
pub async fn list_rule_runs(
    state: web::Data<AppState>,
    scope: ShopScope<Viewer, Returns>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<RuleRunOut>>> {
    let (rows, next) =
        rules::runs(&state.db, &scope.shop.id, query.limit()?, query.cursor()?).await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(RuleRunOut::from).collect(),
        next_cursor: next.map(|c: Cursor| c.encode()),
    }))
}
