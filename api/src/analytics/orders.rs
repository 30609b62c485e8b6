//! Statistics of the shop's own orders (no TikTok call; the `orders` area): counts, units, GMV,
//! buyers, cancellations, returns and the cash-on-delivery share, by day, status or SKU. They count
//! what TikTok's analytics count (paid orders, by the day they were placed, GMV as the products'
//! value after the seller's discounts), so the two reconcile.

use std::collections::{BTreeMap, HashSet};

use chrono::{NaiveDate, Utc};
use sea_orm::QuerySelect;
use sea_orm::prelude::*;

use entity::{shop, tiktok_order, tiktok_order_line, tiktok_return};

use super::model::{OrderGroup, Report};
use super::store::currency;
use crate::catalog::money::{format_minor, minor};
use crate::error::Result;
use crate::promotions::model::Price;

/// How `…/analytics/orders` groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Day,
    Status,
    Sku,
}

#[derive(Default)]
struct Tally {
    orders: HashSet<String>,
    units: i64,
    gmv: i64,
    buyers: HashSet<String>,
    cancelled: HashSet<String>,
    returned: HashSet<String>,
    cod: HashSet<String>,
}

impl Tally {
    fn add(&mut self, o: &tiktok_order::Model, units: i64, value: i64, returned: bool) {
        if self.orders.insert(o.id.clone()) {
            self.buyers.insert(o.user_id.clone());
            if o.status == "CANCELLED" {
                self.cancelled.insert(o.id.clone());
            }
            if returned {
                self.returned.insert(o.id.clone());
            }
            if o.is_cod {
                self.cod.insert(o.id.clone());
            }
        }
        self.units += units;
        self.gmv += value;
    }

    fn group(self, currency: &str) -> OrderGroup {
        let orders = self.orders.len() as i64;
        OrderGroup {
            date: None,
            status: None,
            sku_id: None,
            orders,
            units: self.units,
            gmv: Price {
                amount: format_minor(self.gmv, currency),
                currency: currency.to_owned(),
            },
            buyers: self.buyers.len() as i64,
            cancellations: self.cancelled.len() as i64,
            returns: self.returned.len() as i64,
            cod_share: if orders == 0 {
                0.0
            } else {
                self.cod.len() as f64 / orders as f64
            },
        }
    }
}

/// An order TikTok's analytics count: paid (placed and paid for; a later cancellation does not take
/// it out of the day it was placed).
fn counts(o: &tiktok_order::Model) -> bool {
    o.paid_time.is_some()
}

pub async fn stats(
    db: &DatabaseConnection,
    shop: &shop::Model,
    (from, to): (NaiveDate, NaiveDate),
    group_by: GroupBy,
    now: chrono::DateTime<Utc>,
) -> Result<Report<OrderGroup>> {
    let currency = currency(shop);
    let start = from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let end = to.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let orders: Vec<tiktok_order::Model> = tiktok_order::Entity::find()
        .filter(tiktok_order::Column::ShopId.eq(&shop.id))
        .filter(tiktok_order::Column::CreateTime.gte(start))
        .filter(tiktok_order::Column::CreateTime.lt(end))
        .all(db)
        .await?
        .into_iter()
        .filter(counts)
        .collect();
    let ids: Vec<&str> = orders.iter().map(|o| o.id.as_str()).collect();
    let mut returned: HashSet<String> = HashSet::new();
    let mut lines: Vec<(String, String, String)> = Vec::new();
    for chunk in ids.chunks(500) {
        let found: Vec<String> = tiktok_return::Entity::find()
            .select_only()
            .column(tiktok_return::Column::OrderId)
            .filter(tiktok_return::Column::ShopId.eq(&shop.id))
            .filter(tiktok_return::Column::OrderId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        returned.extend(found);
        if group_by == GroupBy::Sku {
            let found: Vec<(String, String, String)> = tiktok_order_line::Entity::find()
                .select_only()
                .column(tiktok_order_line::Column::OrderId)
                .column(tiktok_order_line::Column::SkuId)
                .column(tiktok_order_line::Column::SalePrice)
                .filter(tiktok_order_line::Column::ShopId.eq(&shop.id))
                .filter(tiktok_order_line::Column::OrderId.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(db)
                .await?;
            lines.extend(found);
        }
    }
    let unit_counts: BTreeMap<String, i64> = if group_by == GroupBy::Sku {
        BTreeMap::new()
    } else {
        let mut counts = BTreeMap::new();
        for chunk in ids.chunks(500) {
            let found: Vec<String> = tiktok_order_line::Entity::find()
                .select_only()
                .column(tiktok_order_line::Column::OrderId)
                .filter(tiktok_order_line::Column::ShopId.eq(&shop.id))
                .filter(tiktok_order_line::Column::OrderId.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(db)
                .await?;
            for o in found {
                *counts.entry(o).or_insert(0) += 1;
            }
        }
        counts
    };
    let mut groups: BTreeMap<String, Tally> = BTreeMap::new();
    match group_by {
        GroupBy::Sku => {
            let by_id: BTreeMap<&str, &tiktok_order::Model> =
                orders.iter().map(|o| (o.id.as_str(), o)).collect();
            for (order_id, sku, price) in &lines {
                if let Some(o) = by_id.get(order_id.as_str()) {
                    groups.entry(sku.clone()).or_default().add(
                        o,
                        1,
                        minor(price).unwrap_or(0),
                        returned.contains(order_id),
                    );
                }
            }
        }
        GroupBy::Day | GroupBy::Status => {
            for o in &orders {
                let key = if group_by == GroupBy::Day {
                    o.create_time.date_naive().to_string()
                } else {
                    o.status.clone()
                };
                groups.entry(key).or_default().add(
                    o,
                    unit_counts.get(&o.id).copied().unwrap_or(0),
                    minor(&o.sub_total).unwrap_or(0),
                    returned.contains(&o.id),
                );
            }
        }
    }
    let items = groups
        .into_iter()
        .map(|(key, tally)| {
            let mut g = tally.group(&currency);
            match group_by {
                GroupBy::Day => g.date = key.parse().ok(),
                GroupBy::Status => g.status = Some(key),
                GroupBy::Sku => g.sku_id = Some(key),
            }
            g
        })
        .collect();
    Ok(Report {
        from,
        to,
        currency,
        fetched_at: Some(now),
        items,
    })
}
