//! Reports of the synced affiliate orders (no TikTok call): the orders by creator and period, the
//! commission by creator, product or day with totals, and the creators who sold for the shop.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::QueryOrder;
use sea_orm::prelude::*;

use entity::{affiliate_order, shop};

use super::model::*;
use crate::analytics::store::currency;
use crate::catalog::money::{format_minor, minor};
use crate::error::{Error, Result};
use crate::promotions::model::Price;

async fn rows(
    db: &impl ConnectionTrait,
    shop_id: &str,
    creator: Option<&str>,
    (from, to): (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
) -> Result<Vec<affiliate_order::Model>> {
    let mut query =
        affiliate_order::Entity::find().filter(affiliate_order::Column::ShopId.eq(shop_id));
    if let Some(c) = creator {
        query = query.filter(affiliate_order::Column::Creator.eq(c));
    }
    if let Some(f) = from {
        query = query.filter(affiliate_order::Column::CreatedAt.gte(f));
    }
    if let Some(t) = to {
        query = query.filter(affiliate_order::Column::CreatedAt.lt(t));
    }
    Ok(query
        .order_by_desc(affiliate_order::Column::CreatedAt)
        .order_by_asc(affiliate_order::Column::OrderId)
        .order_by_asc(affiliate_order::Column::SkuId)
        .all(db)
        .await?)
}

fn money(amount: i64, currency: &str) -> Price {
    Price {
        amount: format_minor(amount, currency),
        currency: currency.to_owned(),
    }
}

/// The synced affiliate orders (one item per order and SKU), newest first; at most `limit`.
pub async fn orders(
    db: &impl ConnectionTrait,
    shop: &shop::Model,
    creator: Option<&str>,
    period: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    limit: usize,
) -> Result<Vec<AffiliateOrderOut>> {
    let currency = currency(shop);
    Ok(rows(db, &shop.id, creator, period)
        .await?
        .into_iter()
        .take(limit)
        .map(|r| AffiliateOrderOut {
            price: Price {
                amount: r.price,
                currency: if r.currency.is_empty() {
                    currency.clone()
                } else {
                    r.currency.clone()
                },
            },
            commission: Price {
                amount: r.commission,
                currency: if r.currency.is_empty() {
                    currency.clone()
                } else {
                    r.currency
                },
            },
            commission_rate: r.commission_rate as f64 / 100.0,
            order_id: r.order_id,
            sku_id: r.sku_id,
            product_id: r.product_id,
            creator: r.creator,
            content_type: r.content_type,
            quantity: r.quantity,
            settlement_status: r.settlement_status,
            created_at: r.created_at,
        })
        .collect())
}

#[derive(Default)]
struct Sum {
    orders: HashSet<String>,
    units: i64,
    gmv: i64,
    commission: i64,
}

impl Sum {
    fn add(&mut self, r: &affiliate_order::Model) {
        self.orders.insert(r.order_id.clone());
        self.units += r.quantity;
        self.gmv += minor(&r.price).unwrap_or(0) * r.quantity;
        self.commission += minor(&r.commission).unwrap_or(0);
    }

    fn line(self, key: String, currency: &str) -> CommissionLine {
        CommissionLine {
            key,
            orders: self.orders.len() as i64,
            units: self.units,
            gmv: money(self.gmv, currency),
            commission: money(self.commission, currency),
        }
    }
}

/// The commission over a period by creator, product or day, with totals (an ineligible
/// commission, of a cancelled or returned order, counts for nothing).
pub async fn commissions(
    db: &impl ConnectionTrait,
    shop: &shop::Model,
    period: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    group_by: &str,
) -> Result<CommissionReport> {
    let currency = currency(shop);
    let key: fn(&affiliate_order::Model) -> String = match group_by {
        "creator" => |r| r.creator.clone(),
        "product" => |r| r.product_id.clone(),
        "day" => |r| r.created_at.date_naive().to_string(),
        _ => {
            return Err(Error::invalid_field(
                "group_by",
                "one of creator, product, day",
            ));
        }
    };
    let mut groups: BTreeMap<String, Sum> = BTreeMap::new();
    let mut total = Sum::default();
    for r in rows(db, &shop.id, None, period).await? {
        if r.settlement_status == "INELIGIBLE" {
            continue;
        }
        groups.entry(key(&r)).or_default().add(&r);
        total.add(&r);
    }
    Ok(CommissionReport {
        group_by: group_by.to_owned(),
        items: groups
            .into_iter()
            .map(|(k, s)| s.line(k, &currency))
            .collect(),
        total: total.line("total".into(), &currency),
        currency,
    })
}

/// The creators who sold for the shop, the biggest sellers first.
pub async fn creators(
    db: &impl ConnectionTrait,
    shop: &shop::Model,
) -> Result<Vec<CommissionLine>> {
    let mut report = commissions(db, shop, (None, None), "creator").await?;
    report.items.retain(|l| !l.key.is_empty());
    report
        .items
        .sort_by_key(|l| std::cmp::Reverse(minor(&l.gmv.amount).unwrap_or(0)));
    Ok(report.items)
}
