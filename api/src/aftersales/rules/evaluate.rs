//! Which rule decides a request: the facts its conditions need, read once (the request, its order,
//! the order's delivery, the buyer's approved requests of the last 90 days, its products'
//! categories), then the shop's rules tried by priority; the first whose conditions all hold
//! decides. A condition that needs a fact we do not have (an order not synced, a delivery never
//! seen) stops there: the request is left for a person, and the verdict says why.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::prelude::*;
use sea_orm::{QueryOrder, QuerySelect};

use entity::{
    aftersale_rule, order_status_history, tiktok_cancellation, tiktok_order, tiktok_product,
    tiktok_return, tiktok_sku,
};

use super::model::{Action, Definition, RequestKind, When};
use crate::aftersales::decisions::APPROVED_STATUSES;
use crate::catalog::money::minor;
use crate::error::Result;

/// A request as the rules see it.
#[derive(Debug, Clone)]
pub struct Request {
    pub kind: RequestKind,
    pub id: String,
    pub order_id: String,
    pub reason: Option<String>,
    pub reason_text: Option<String>,
    /// The refund asked, as TikTok states it.
    pub refund_total: Option<String>,
    pub currency: Option<String>,
    pub create_time: DateTime<Utc>,
    pub sku_ids: Vec<String>,
}

impl Request {
    pub fn of_return(r: &tiktok_return::Model) -> Option<Self> {
        Some(Self {
            kind: RequestKind::of(Some(&r.return_type))?,
            id: r.id.clone(),
            order_id: r.order_id.clone(),
            reason: r.reason.clone(),
            reason_text: r.reason_text.clone(),
            refund_total: r.refund_total.clone(),
            currency: r.currency.clone(),
            create_time: r.create_time,
            sku_ids: crate::sync::returns::lines_of(&r.line_items)
                .into_iter()
                .map(|l| l.sku_id)
                .collect(),
        })
    }

    pub fn of_cancellation(c: &tiktok_cancellation::Model) -> Self {
        Self {
            kind: RequestKind::Cancellation,
            id: c.id.clone(),
            order_id: c.order_id.clone(),
            reason: c.reason.clone(),
            reason_text: c.reason_text.clone(),
            refund_total: c.refund_total.clone(),
            currency: c.currency.clone(),
            create_time: c.create_time,
            sku_ids: crate::sync::returns::lines_of(&c.line_items)
                .into_iter()
                .map(|l| l.sku_id)
                .collect(),
        }
    }
}

/// What the conditions are checked against.
#[derive(Debug, Clone)]
pub struct Facts {
    pub request: Request,
    pub order_created: Option<DateTime<Utc>>,
    pub delivered: Option<DateTime<Utc>>,
    /// The buyer's approved requests of the 90 days before this one (`None`: the buyer is unknown).
    pub buyer_approved_90d: Option<u64>,
    /// Each SKU's product category, where the product is synced.
    pub categories: HashMap<String, String>,
}

/// Reads the facts about `request` from what is stored.
pub async fn facts(db: &impl ConnectionTrait, shop_id: &str, request: Request) -> Result<Facts> {
    let order = tiktok_order::Entity::find_by_id((shop_id.to_owned(), request.order_id.clone()))
        .one(db)
        .await?;
    let delivered = order_status_history::Entity::find()
        .filter(order_status_history::Column::ShopId.eq(shop_id))
        .filter(order_status_history::Column::OrderId.eq(&request.order_id))
        .filter(order_status_history::Column::ToStatus.eq("DELIVERED"))
        .order_by_asc(order_status_history::Column::ChangedAt)
        .one(db)
        .await?
        .map(|h| h.changed_at);
    let buyer_approved_90d = match &order {
        Some(o) => Some(buyer_approved(db, shop_id, &o.user_id, &request).await?),
        None => None,
    };
    let mut categories = HashMap::new();
    for sku_id in &request.sku_ids {
        let Some(sku) = tiktok_sku::Entity::find_by_id((shop_id.to_owned(), sku_id.clone()))
            .one(db)
            .await?
        else {
            continue;
        };
        let product = tiktok_product::Entity::find_by_id((shop_id.to_owned(), sku.product_id))
            .one(db)
            .await?;
        if let Some(category) = product.and_then(|p| p.category_id) {
            categories.insert(sku_id.clone(), category);
        }
    }
    Ok(Facts {
        order_created: order.as_ref().map(|o| o.create_time),
        delivered,
        buyer_approved_90d,
        categories,
        request,
    })
}

/// The buyer's approved returns and cancellations at this shop in the 90 days before `request`.
async fn buyer_approved(
    db: &impl ConnectionTrait,
    shop_id: &str,
    user_id: &str,
    request: &Request,
) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    let orders: Vec<String> = tiktok_order::Entity::find()
        .select_only()
        .column(tiktok_order::Column::Id)
        .filter(tiktok_order::Column::ShopId.eq(shop_id))
        .filter(tiktok_order::Column::UserId.eq(user_id))
        .into_tuple()
        .all(db)
        .await?;
    let since = request.create_time - Duration::days(90);
    let mut count = 0;
    for chunk in orders.chunks(500) {
        count += tiktok_return::Entity::find()
            .filter(tiktok_return::Column::ShopId.eq(shop_id))
            .filter(tiktok_return::Column::OrderId.is_in(chunk.to_vec()))
            .filter(tiktok_return::Column::Id.ne(&request.id))
            .filter(tiktok_return::Column::Status.is_in(APPROVED_STATUSES))
            .filter(tiktok_return::Column::CreateTime.gte(since))
            .filter(tiktok_return::Column::CreateTime.lte(request.create_time))
            .count(db)
            .await?;
        count += tiktok_cancellation::Entity::find()
            .filter(tiktok_cancellation::Column::ShopId.eq(shop_id))
            .filter(tiktok_cancellation::Column::OrderId.is_in(chunk.to_vec()))
            .filter(tiktok_cancellation::Column::Id.ne(&request.id))
            .filter(tiktok_cancellation::Column::Status.is_in(APPROVED_STATUSES))
            .filter(tiktok_cancellation::Column::CreateTime.gte(since))
            .filter(tiktok_cancellation::Column::CreateTime.lte(request.create_time))
            .count(db)
            .await?;
    }
    Ok(count)
}

/// What the rules make of a request.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// This rule's conditions hold: its action decides.
    Matched {
        rule: aftersale_rule::Model,
        action: Action,
        reason: Option<String>,
    },
    /// No rule matched: a person decides.
    NoRule,
    /// This rule needs a fact we do not have: a person decides, and why.
    Unevaluable {
        rule: aftersale_rule::Model,
        why: String,
    },
}

/// The shop's rules, in the order they are tried.
pub async fn rules_of(
    db: &impl ConnectionTrait,
    shop_id: &str,
) -> Result<Vec<aftersale_rule::Model>> {
    Ok(aftersale_rule::Entity::find()
        .filter(aftersale_rule::Column::ShopId.eq(shop_id))
        .order_by_asc(aftersale_rule::Column::Priority)
        .order_by_asc(aftersale_rule::Column::CreatedAt)
        .order_by_asc(aftersale_rule::Column::Id)
        .all(db)
        .await?)
}

/// The first rule whose conditions hold decides.
pub fn verdict(rules: &[aftersale_rule::Model], facts: &Facts) -> Verdict {
    for rule in rules {
        let Ok(definition) = serde_json::from_str::<Definition>(&rule.definition) else {
            return Verdict::Unevaluable {
                rule: rule.clone(),
                why: "the rule's stored definition cannot be read".into(),
            };
        };
        match holds(&definition.when, facts) {
            Ok(true) => {
                return Verdict::Matched {
                    rule: rule.clone(),
                    action: definition.then.action,
                    reason: definition.then.reason,
                };
            }
            Ok(false) => {}
            Err(why) => {
                return Verdict::Unevaluable {
                    rule: rule.clone(),
                    why,
                };
            }
        }
    }
    Verdict::NoRule
}

/// Whether every condition holds; `Err` names the fact a condition needs and nobody has.
pub fn holds(when: &When, f: &Facts) -> std::result::Result<bool, String> {
    let r = &f.request;
    if !when.kinds.is_empty() && !when.kinds.contains(&r.kind) {
        return Ok(false);
    }
    if !when.reasons.is_empty() {
        let said = |v: &Option<String>| {
            v.as_deref().is_some_and(|s| {
                when.reasons
                    .iter()
                    .any(|want| want.trim().eq_ignore_ascii_case(s.trim()))
            })
        };
        if !said(&r.reason) && !said(&r.reason_text) {
            return Ok(false);
        }
    }
    if let Some(max) = &when.max_refund {
        let asked = r
            .refund_total
            .as_deref()
            .and_then(minor)
            .ok_or("the request states no refund amount")?;
        if r.currency.as_deref() != Some(max.currency.as_str()) {
            return Err(format!(
                "the refund is in {}, the rule's limit in {}",
                r.currency.as_deref().unwrap_or("no currency"),
                max.currency
            ));
        }
        if asked > minor(&max.amount).unwrap_or(i64::MAX) {
            return Ok(false);
        }
    }
    if let Some(hours) = when.within_hours_of_delivery {
        let delivered = f
            .delivered
            .ok_or("the order's delivery is not known (sync its orders)")?;
        if r.create_time - delivered > Duration::hours(hours.into()) {
            return Ok(false);
        }
    }
    if let Some(hours) = when.within_hours_of_order {
        let placed = f
            .order_created
            .ok_or("the order is not synced (sync its orders)")?;
        if r.create_time - placed > Duration::hours(hours.into()) {
            return Ok(false);
        }
    }
    if let Some(max) = when.max_buyer_requests_90d {
        let n = f
            .buyer_approved_90d
            .ok_or("the buyer is not known: the order is not synced (sync its orders)")?;
        if n > u64::from(max) {
            return Ok(false);
        }
    }
    if r.sku_ids.is_empty() && !(when.skus.is_empty() && when.categories.is_empty()) {
        return Err("the request names no SKU".into());
    }
    if !when.skus.is_empty() && !r.sku_ids.iter().all(|s| when.skus.contains(s)) {
        return Ok(false);
    }
    if r.sku_ids.iter().any(|s| when.exclude_skus.contains(s)) {
        return Ok(false);
    }
    if !when.categories.is_empty() || !when.exclude_categories.is_empty() {
        let mut categories = Vec::with_capacity(r.sku_ids.len());
        for sku in &r.sku_ids {
            categories.push(f.categories.get(sku).ok_or_else(|| {
                format!("the category of SKU {sku} is not known (sync the shop's products)")
            })?);
        }
        if !when.categories.is_empty() && !categories.iter().all(|c| when.categories.contains(c)) {
            return Ok(false);
        }
        if categories
            .iter()
            .any(|c| when.exclude_categories.contains(c))
        {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aftersales::rules::model::Money;

    fn facts() -> Facts {
        let at = |h: i64| DateTime::from_timestamp(1_765_000_000 + h * 3600, 0).unwrap();
        Facts {
            request: Request {
                kind: RequestKind::RefundOnly,
                id: "1".into(),
                order_id: "2".into(),
                reason: Some("damaged".into()),
                reason_text: Some("Damaged".into()),
                refund_total: Some("12.50".into()),
                currency: Some("USD".into()),
                create_time: at(48),
                sku_ids: vec!["11".into(), "12".into()],
            },
            order_created: Some(at(0)),
            delivered: Some(at(24)),
            buyer_approved_90d: Some(1),
            categories: [
                ("11".to_owned(), "600".to_owned()),
                ("12".to_owned(), "601".to_owned()),
            ]
            .into(),
        }
    }

    #[test]
    fn every_condition_given_must_hold() {
        let f = facts();
        let yes = |w: When| assert_eq!(holds(&w, &f), Ok(true), "{w:?}");
        let no = |w: When| assert_eq!(holds(&w, &f), Ok(false), "{w:?}");
        let money = |a: &str| {
            Some(Money {
                amount: a.into(),
                currency: "USD".into(),
            })
        };
        yes(When::default());
        yes(When {
            kinds: vec![RequestKind::RefundOnly],
            ..Default::default()
        });
        no(When {
            kinds: vec![RequestKind::Cancellation],
            ..Default::default()
        });
        yes(When {
            max_refund: money("12.50"),
            ..Default::default()
        });
        no(When {
            max_refund: money("12.49"),
            ..Default::default()
        });
        yes(When {
            reasons: vec!["DAMAGED".into()],
            ..Default::default()
        });
        no(When {
            reasons: vec!["wrong_size".into()],
            ..Default::default()
        });
        yes(When {
            within_hours_of_delivery: Some(24),
            ..Default::default()
        });
        no(When {
            within_hours_of_delivery: Some(23),
            ..Default::default()
        });
        yes(When {
            within_hours_of_order: Some(48),
            ..Default::default()
        });
        no(When {
            within_hours_of_order: Some(47),
            ..Default::default()
        });
        yes(When {
            max_buyer_requests_90d: Some(1),
            ..Default::default()
        });
        no(When {
            max_buyer_requests_90d: Some(0),
            ..Default::default()
        });
        yes(When {
            skus: vec!["11".into(), "12".into(), "13".into()],
            ..Default::default()
        });
        no(When {
            skus: vec!["11".into()],
            ..Default::default()
        });
        no(When {
            exclude_skus: vec!["12".into()],
            ..Default::default()
        });
        yes(When {
            categories: vec!["600".into(), "601".into()],
            ..Default::default()
        });
        no(When {
            categories: vec!["600".into()],
            ..Default::default()
        });
        no(When {
            exclude_categories: vec!["601".into()],
            ..Default::default()
        });
    }

    #[test]
    fn a_condition_without_its_fact_cannot_be_evaluated() {
        let mut f = facts();
        f.delivered = None;
        f.categories.clear();
        let w = When {
            within_hours_of_delivery: Some(72),
            ..Default::default()
        };
        assert!(holds(&w, &f).unwrap_err().contains("delivery"));
        let w = When {
            exclude_categories: vec!["1".into()],
            ..Default::default()
        };
        assert!(holds(&w, &f).unwrap_err().contains("category"));
        let w = When {
            max_refund: Some(Money {
                amount: "1".into(),
                currency: "GBP".into(),
            }),
            ..Default::default()
        };
        assert!(holds(&w, &f).unwrap_err().contains("GBP"));
    }
}
