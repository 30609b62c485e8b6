//! The rules at work. When requests that await the seller's decision on them are saved (by the sync
//! or a webhook), the shop's rules decide each, once per pending decision: the first matching rule's
//! action is sent as the seller's (audited with the rule as its actor), or only recorded when the
//! rule runs in dry run; a request no rule decides (none matched, a rule said `manual`, a rule could
//! not be evaluated, TikTok refused) is left for a person, and the record says why. A returned
//! package's receipt is never decided by rules.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;
use sea_orm::sea_query::OnConflict;

use entity::{aftersale_rule, aftersale_rule_run, shop, tiktok_cancellation, tiktok_return};

use super::evaluate::{Request, Verdict, facts, rules_of, verdict};
use super::model::Action;
use crate::aftersales::decisions::{Decision, decide};
use crate::auth::{AuthUser, Role};
use crate::deps::TikTokAccess;
use crate::error::Result;
use crate::sync::returns::Kind;

pub const DECIDED: &str = "decided";
pub const RECORDED: &str = "recorded";
pub const LEFT: &str = "left";
pub const FAILED: &str = "failed";

/// The pending actions of a return the rules decide: the request itself (not a package's receipt).
const RULED_RETURN_ACTIONS: [&str; 3] = [
    "SELLER_RESPOND_REFUND",
    "SELLER_RESPOND_RETURN",
    "SELLER_RESPOND_REPLACEMENT",
];

/// Runs the shop's rules on every stored request that awaits a decision they make and that they
/// have not run on yet (for this pending decision). Called after a returns or cancellations sync,
/// and after a webhook brought a request (and its order) up to date. A shop without rules records
/// nothing. Answers how many requests the rules ran on.
pub async fn run_pending(access: TikTokAccess<'_>, shop: &shop::Model) -> Result<usize> {
    let rules = rules_of(access.db, &shop.id).await?;
    if rules.is_empty() {
        return Ok(0);
    }
    let now = access.clock.now();
    let returns = tiktok_return::Entity::find()
        .filter(tiktok_return::Column::ShopId.eq(&shop.id))
        .filter(tiktok_return::Column::NextAction.is_in(RULED_RETURN_ACTIONS))
        .all(access.db)
        .await?;
    let cancellations = tiktok_cancellation::Entity::find()
        .filter(tiktok_cancellation::Column::ShopId.eq(&shop.id))
        .filter(tiktok_cancellation::Column::NextAction.is_not_null())
        .all(access.db)
        .await?;
    let mut waiting: Vec<(Kind, Request, String)> = Vec::new();
    for r in returns {
        // Past its deadline TikTok decides for the seller: not the rules' any more.
        if r.decide_by.is_some_and(|d| d <= now) {
            continue;
        }
        if let (Some(request), Some(pending)) = (Request::of_return(&r), r.next_action.clone()) {
            waiting.push((Kind::Return, request, pending));
        }
    }
    for c in cancellations {
        if c.decide_by.is_some_and(|d| d <= now) {
            continue;
        }
        if let Some(pending) = c.next_action.clone() {
            waiting.push((Kind::Cancellation, Request::of_cancellation(&c), pending));
        }
    }
    // Those the rules ran on already, for the same pending decision, are not tried again.
    let done: std::collections::HashSet<(String, String, String)> =
        aftersale_rule_run::Entity::find()
            .filter(aftersale_rule_run::Column::ShopId.eq(&shop.id))
            .filter(
                aftersale_rule_run::Column::RequestId
                    .is_in(waiting.iter().map(|(_, r, _)| r.id.clone())),
            )
            .all(access.db)
            .await?
            .into_iter()
            .map(|r| (r.request_kind, r.request_id, r.pending_action))
            .collect();
    waiting.retain(|(kind, r, pending)| {
        !done.contains(&(kind.noun().to_owned(), r.id.clone(), pending.clone()))
    });
    let mut ran = 0;
    for (kind, request, pending) in waiting {
        if decide_one(access, shop, &rules, kind, request, &pending).await? {
            ran += 1;
        }
    }
    Ok(ran)
}

/// The rules on one request, once per pending decision: `false` when an earlier run took it.
async fn decide_one(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    rules: &[aftersale_rule::Model],
    kind: Kind,
    request: Request,
    pending: &str,
) -> Result<bool> {
    let now = access.clock.now();
    let Some(run_id) = claim(access.db, &shop.id, kind, &request.id, pending, now).await? else {
        return Ok(false);
    };
    let id = request.id.clone();
    let facts = facts(access.db, &shop.id, request).await?;
    let (rule_id, action, dry_run, outcome, detail) = match verdict(rules, &facts) {
        Verdict::NoRule => (
            None,
            Action::Manual,
            false,
            LEFT,
            Some("no rule matched".to_owned()),
        ),
        Verdict::Unevaluable { rule, why } => (
            Some(rule.id.clone()),
            Action::Manual,
            rule.dry_run,
            LEFT,
            Some(format!(
                "rule {:?} could not be evaluated: {why}",
                rule.name
            )),
        ),
        Verdict::Matched {
            rule,
            action: Action::Manual,
            ..
        } => (
            Some(rule.id.clone()),
            Action::Manual,
            rule.dry_run,
            LEFT,
            Some(format!("rule {:?} leaves it for a person", rule.name)),
        ),
        Verdict::Matched { rule, action, .. } if rule.dry_run => {
            (Some(rule.id.clone()), action, true, RECORDED, None)
        }
        Verdict::Matched {
            rule,
            action,
            reason,
        } => {
            let decision = match (action, reason.as_deref()) {
                (Action::Reject, Some(reason)) => Decision::Reject {
                    reason,
                    comment: None,
                },
                _ => Decision::Approve,
            };
            let actor = AuthUser {
                sub: format!("rule:{}", rule.id),
                tenant: shop.tenant_id.clone(),
                role: Role::Operator,
            };
            match Box::pin(decide(access, &actor, shop, kind, &id, decision)).await {
                Ok(d) => (
                    Some(rule.id.clone()),
                    action,
                    false,
                    DECIDED,
                    Some(d.status),
                ),
                Err(e) => (
                    Some(rule.id.clone()),
                    action,
                    false,
                    FAILED,
                    Some(format!("{}: {} (left for a person)", e.code, e.message)),
                ),
            }
        }
    };
    tracing::info!(request = %id, rule = ?rule_id, action = action.as_str(), outcome, dry_run, "after-sales rules ran");
    aftersale_rule_run::Entity::update_many()
        .col_expr(aftersale_rule_run::Column::RuleId, Expr::value(rule_id))
        .col_expr(
            aftersale_rule_run::Column::Action,
            Expr::value(action.as_str()),
        )
        .col_expr(aftersale_rule_run::Column::DryRun, Expr::value(dry_run))
        .col_expr(aftersale_rule_run::Column::Outcome, Expr::value(outcome))
        .col_expr(aftersale_rule_run::Column::Detail, Expr::value(detail))
        .col_expr(
            aftersale_rule_run::Column::At,
            Expr::value(access.clock.now()),
        )
        .filter(aftersale_rule_run::Column::Id.eq(run_id))
        .exec(access.db)
        .await?;
    Ok(true)
}

/// Takes the request's pending decision for this run: `None` when another report took it first.
async fn claim(
    db: &DatabaseConnection,
    shop_id: &str,
    kind: Kind,
    request_id: &str,
    pending: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    let id = uuid::Uuid::new_v4().to_string();
    let inserted = aftersale_rule_run::Entity::insert(aftersale_rule_run::ActiveModel {
        id: Set(id.clone()),
        shop_id: Set(shop_id.to_owned()),
        request_kind: Set(kind.noun().to_owned()),
        request_id: Set(request_id.to_owned()),
        pending_action: Set(pending.to_owned()),
        rule_id: Set(None),
        action: Set(Action::Manual.as_str().to_owned()),
        dry_run: Set(false),
        outcome: Set(LEFT.to_owned()),
        detail: Set(Some("being decided".to_owned())),
        at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            aftersale_rule_run::Column::ShopId,
            aftersale_rule_run::Column::RequestKind,
            aftersale_rule_run::Column::RequestId,
            aftersale_rule_run::Column::PendingAction,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await;
    match inserted {
        Ok(1) => Ok(Some(id)),
        Ok(_) | Err(DbErr::RecordNotInserted) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
