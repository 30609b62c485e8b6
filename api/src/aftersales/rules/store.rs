//! A shop's rules kept (create, read, replace, delete), what they made of each request, and a
//! replay of a period's requests through the current rules (`simulate`).

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;
use sea_orm::{PaginatorTrait, QueryOrder};

use entity::{aftersale_rule, aftersale_rule_run, shop, tiktok_cancellation, tiktok_return};

use super::evaluate::{Request, Verdict, facts, rules_of, verdict};
use super::model::{Action, Definition, RuleIn};
use crate::catalog::money::{format_minor, minor};
use crate::error::{Error, Result};
use crate::pagination::{Cursor, Direction, keyset_page};
use crate::shops::Region;

/// The most rules a shop keeps.
pub const MAX_RULES: u64 = 100;
/// The most requests one simulation replays.
pub const MAX_SIMULATED: usize = 2_000;

/// A stored rule, read back.
#[derive(Debug, Clone)]
pub struct Rule {
    pub model: aftersale_rule::Model,
    pub definition: Definition,
}

fn read(model: aftersale_rule::Model) -> Result<Rule> {
    let definition = serde_json::from_str(&model.definition)
        .map_err(|e| Error::internal(anyhow::anyhow!("rule {}: {e}", model.id)))?;
    Ok(Rule { model, definition })
}

fn currency(shop: &shop::Model) -> &'static str {
    Region::parse(&shop.region)
        .map(|r| r.info().currency)
        .unwrap_or("USD")
}

pub async fn list(db: &DatabaseConnection, shop_id: &str) -> Result<Vec<Rule>> {
    rules_of(db, shop_id).await?.into_iter().map(read).collect()
}

pub async fn get(db: &DatabaseConnection, shop_id: &str, rule_id: &str) -> Result<Rule> {
    let model = aftersale_rule::Entity::find_by_id(rule_id.to_owned())
        .filter(aftersale_rule::Column::ShopId.eq(shop_id))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("after-sales rule"))?;
    read(model)
}

pub async fn create(
    db: &DatabaseConnection,
    shop: &shop::Model,
    input: RuleIn,
    now: DateTime<Utc>,
) -> Result<Rule> {
    let input = input.checked(currency(shop))?;
    let kept = aftersale_rule::Entity::find()
        .filter(aftersale_rule::Column::ShopId.eq(&shop.id))
        .count(db)
        .await?;
    if kept >= MAX_RULES {
        return Err(Error::conflict(
            "too_many_rules",
            format!("a shop keeps at most {MAX_RULES} rules; delete one first"),
        ));
    }
    let model = aftersale_rule::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        shop_id: Set(shop.id.clone()),
        created_at: Set(now),
        ..fields(input, now)
    }
    .insert(db)
    .await?;
    read(model)
}

/// Replaces a rule whole (its id and creation time stay).
pub async fn replace(
    db: &DatabaseConnection,
    shop: &shop::Model,
    rule_id: &str,
    input: RuleIn,
    now: DateTime<Utc>,
) -> Result<Rule> {
    let input = input.checked(currency(shop))?;
    let current = get(db, &shop.id, rule_id).await?.model;
    let model = aftersale_rule::ActiveModel {
        id: Set(current.id),
        shop_id: Set(current.shop_id),
        created_at: Set(current.created_at),
        ..fields(input, now)
    }
    .update(db)
    .await?;
    read(model)
}

fn fields(input: RuleIn, now: DateTime<Utc>) -> aftersale_rule::ActiveModel {
    let definition = Definition {
        when: input.when,
        then: input.then,
    };
    aftersale_rule::ActiveModel {
        name: Set(input.name),
        priority: Set(input.priority),
        dry_run: Set(input.dry_run),
        // Plain strings and numbers: serializing cannot fail.
        definition: Set(serde_json::to_string(&definition).unwrap_or_default()),
        updated_at: Set(now),
        ..Default::default()
    }
}

pub async fn delete(db: &DatabaseConnection, shop_id: &str, rule_id: &str) -> Result<()> {
    let deleted = aftersale_rule::Entity::delete_many()
        .filter(aftersale_rule::Column::Id.eq(rule_id))
        .filter(aftersale_rule::Column::ShopId.eq(shop_id))
        .exec(db)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(Error::not_found("after-sales rule"));
    }
    Ok(())
}

/// What the rules made of the shop's requests, newest first.
pub async fn runs(
    db: &DatabaseConnection,
    shop_id: &str,
    limit: u64,
    after: Option<Cursor>,
) -> Result<(Vec<aftersale_rule_run::Model>, Option<Cursor>)> {
    let query =
        aftersale_rule_run::Entity::find().filter(aftersale_rule_run::Column::ShopId.eq(shop_id));
    Ok(keyset_page(
        db,
        query,
        (
            aftersale_rule_run::Column::At,
            aftersale_rule_run::Column::Id,
        ),
        Direction::NewestFirst,
        limit,
        after,
        |r| Cursor {
            at: r.at,
            id: r.id.clone(),
        },
    )
    .await?)
}

/// What the current rules would have decided for one request.
#[derive(Debug, Clone)]
pub struct Simulated {
    pub request: Request,
    pub rule: Option<aftersale_rule::Model>,
    pub action: Action,
    /// Why a person would decide (no rule, `manual`, a rule that could not be evaluated).
    pub why: Option<String>,
}

/// A replay: each request, oldest first, in the shop's currency.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub items: Vec<Simulated>,
    pub currency: String,
}

/// Replays the requests created in `[from, to)` through the current rules, oldest first.
pub async fn simulate(
    db: &DatabaseConnection,
    shop: &shop::Model,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Simulation> {
    let shop_id = shop.id.as_str();
    if from >= to {
        return Err(Error::invalid_field("from", "must be before `to`"));
    }
    let returns = tiktok_return::Entity::find()
        .filter(tiktok_return::Column::ShopId.eq(shop_id))
        .filter(tiktok_return::Column::CreateTime.gte(from))
        .filter(tiktok_return::Column::CreateTime.lt(to))
        .order_by_asc(tiktok_return::Column::CreateTime)
        .all(db)
        .await?;
    let cancellations = tiktok_cancellation::Entity::find()
        .filter(tiktok_cancellation::Column::ShopId.eq(shop_id))
        .filter(tiktok_cancellation::Column::CreateTime.gte(from))
        .filter(tiktok_cancellation::Column::CreateTime.lt(to))
        .order_by_asc(tiktok_cancellation::Column::CreateTime)
        .all(db)
        .await?;
    let mut requests: Vec<Request> = returns
        .iter()
        .filter_map(Request::of_return)
        .chain(cancellations.iter().map(Request::of_cancellation))
        .collect();
    if requests.len() > MAX_SIMULATED {
        return Err(Error::invalid_field(
            "from",
            format!(
                "the period holds {} requests; replay at most {MAX_SIMULATED} at once (narrow it)",
                requests.len()
            ),
        ));
    }
    requests.sort_by(|a, b| (a.create_time, &a.id).cmp(&(b.create_time, &b.id)));
    let rules = rules_of(db, shop_id).await?;
    let mut out = Vec::with_capacity(requests.len());
    for request in requests {
        let facts = facts(db, shop_id, request).await?;
        let (rule, action, why) = match verdict(&rules, &facts) {
            Verdict::NoRule => (None, Action::Manual, Some("no rule matched".to_owned())),
            Verdict::Unevaluable { rule, why } => {
                let why = format!("rule {:?} could not be evaluated: {why}", rule.name);
                (Some(rule), Action::Manual, Some(why))
            }
            Verdict::Matched { rule, action, .. } => {
                let why = (action == Action::Manual)
                    .then(|| format!("rule {:?} leaves it for a person", rule.name));
                (Some(rule), action, why)
            }
        };
        out.push(Simulated {
            request: facts.request,
            rule,
            action,
            why,
        });
    }
    Ok(Simulation {
        items: out,
        currency: currency(shop).to_owned(),
    })
}

/// The sum of the refunds asked, as a decimal string with `currency`'s decimals.
pub fn refund_sum<'a>(currency: &str, amounts: impl Iterator<Item = &'a str>) -> String {
    format_minor(amounts.filter_map(minor).sum(), currency)
}
