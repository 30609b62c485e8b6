//! What TikTok would refuse, found before it is called, each a 400 naming the field: the title,
//! the times, each deal against the shop's catalogue, and a SKU already held by an overlapping
//! activity TikTok does not allow beside this one (a 409 naming that activity).

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;

use entity::{shop, tiktok_product, tiktok_sku};

use super::model::*;
use super::store;
use crate::catalog::money::{check_price, minor};
use crate::error::{Error, Result};
use crate::shops::Region;
use crate::tiktok::promotions::{DealProduct, DealSku};

/// The title, trimmed, when TikTok would take it: not empty, short enough for the type, unique in
/// the shop (`own` is the activity being changed).
pub async fn title(
    db: &impl ConnectionTrait,
    shop_id: &str,
    raw: &str,
    kind: ActivityType,
    own: Option<&str>,
) -> Result<String> {
    let title = raw.trim();
    let max = kind.max_title();
    if title.is_empty() || title.chars().count() > max {
        return Err(Error::invalid_field(
            "title",
            format!(
                "give 1 to {max} characters (TikTok's limit for a {})",
                kind.as_str()
            ),
        ));
    }
    if let Some((id, _)) = store::titles(db, shop_id)
        .await?
        .into_iter()
        .find(|(id, t)| t == title && Some(id.as_str()) != own)
    {
        return Err(Error::invalid_field(
            "title",
            format!(
                "activity {id} already has this title; TikTok wants each activity's title unique in the shop"
            ),
        ));
    }
    Ok(title.to_owned())
}

/// TikTok's time rules: a begin in the future (unless the activity runs already and keeps its
/// begin), at least 10 minutes long, a flash sale at most 3 days.
pub fn window(
    kind: ActivityType,
    begin: DateTime<Utc>,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
    begin_kept: bool,
) -> Result<()> {
    if !begin_kept && begin <= now {
        return Err(Error::invalid_field(
            "begin_time",
            "must be in the future (TikTok starts an activity only ahead of time)",
        ));
    }
    if end < begin + MIN_DURATION {
        return Err(Error::invalid_field(
            "end_time",
            "must be at least 10 minutes after begin_time (TikTok's shortest activity)",
        ));
    }
    if kind == ActivityType::FlashSale && end - begin > MAX_FLASH_SALE {
        return Err(Error::invalid_field(
            "end_time",
            "a flash sale lasts at most 3 days after begin_time",
        ));
    }
    Ok(())
}

/// A unit limit: 1 to 99, or −1 for none (left out: none).
fn units(field: &str, value: Option<i64>) -> Result<i64> {
    match value.unwrap_or(-1) {
        v @ (-1 | 1..=MAX_UNITS) => Ok(v),
        v => Err(Error::invalid_field(
            field,
            format!("{v} is out of TikTok's range: 1 to {MAX_UNITS}, or -1 for no limit"),
        )),
    }
}

/// A deal (price or percentage, by type) for an item whose lowest price is `floor` (minor units).
fn deal(
    field: &str,
    kind: ActivityType,
    price: &Option<crate::catalog::input::PriceIn>,
    percent: Option<i64>,
    floor: i64,
    region: Region,
) -> Result<(Option<String>, Option<String>)> {
    if kind.is_percent() {
        if price.is_some() {
            return Err(Error::invalid_field(
                &format!("{field}.deal_price"),
                "a DIRECT_DISCOUNT takes discount_percent, not a deal price",
            ));
        }
        return match percent {
            Some(p @ 1..=99) => Ok((None, Some(p.to_string()))),
            Some(p) => Err(Error::invalid_field(
                &format!("{field}.discount_percent"),
                format!("{p} is out of range: 1 to 99 percent off"),
            )),
            None => Err(Error::invalid_field(
                &format!("{field}.discount_percent"),
                "a DIRECT_DISCOUNT needs the percentage off",
            )),
        };
    }
    if percent.is_some() {
        return Err(Error::invalid_field(
            &format!("{field}.discount_percent"),
            format!("a {} takes a deal_price, not a percentage", kind.as_str()),
        ));
    }
    let Some(price) = price else {
        return Err(Error::invalid_field(
            &format!("{field}.deal_price"),
            format!("a {} needs the deal price", kind.as_str()),
        ));
    };
    check_price(&format!("{field}.deal_price"), price, region)?;
    if minor(&price.amount).is_none_or(|p| p >= floor) {
        return Err(Error::invalid_field(
            &format!("{field}.deal_price.amount"),
            format!(
                "{} is not below the price ({}): a deal must lower it",
                price.amount,
                crate::catalog::money::format_minor(floor, &price.currency)
            ),
        ));
    }
    Ok((Some(price.amount.clone()), None))
}

/// A product of the shop with its SKUs' prices (minor units), from the synced catalogue.
struct Known {
    skus: BTreeMap<String, i64>,
}

async fn catalogue(
    db: &impl ConnectionTrait,
    shop_id: &str,
    products: &[ProductDealIn],
) -> Result<BTreeMap<String, Known>> {
    let ids: Vec<&str> = products.iter().map(|p| p.product_id.as_str()).collect();
    let found: HashSet<String> = tiktok_product::Entity::find()
        .filter(tiktok_product::Column::ShopId.eq(shop_id))
        .filter(tiktok_product::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let mut known: BTreeMap<String, Known> = found
        .into_iter()
        .map(|id| {
            (
                id,
                Known {
                    skus: BTreeMap::new(),
                },
            )
        })
        .collect();
    for sku in tiktok_sku::Entity::find()
        .filter(tiktok_sku::Column::ShopId.eq(shop_id))
        .filter(tiktok_sku::Column::ProductId.is_in(ids))
        .all(db)
        .await?
    {
        if let Some(p) = known.get_mut(&sku.product_id) {
            p.skus
                .insert(sku.id, minor(&sku.sale_price).unwrap_or(i64::MAX));
        }
    }
    Ok(known)
}

/// The deals as TikTok takes them, once each is checked; `kept` are the activity's deals so far
/// (limits only grow; a running flash sale's deals do not change), and `covered` receives each
/// (product, SKU) the deals cover.
#[allow(clippy::too_many_arguments)]
pub async fn deals(
    db: &impl ConnectionTrait,
    shop: &shop::Model,
    kind: ActivityType,
    level: ProductLevel,
    products: &[ProductDealIn],
    kept: &[ProductDeal],
    frozen: bool,
    covered: &mut Vec<(String, String)>,
) -> Result<Vec<DealProduct>> {
    let region = Region::parse(&shop.region).map_err(|e| Error::internal(anyhow::anyhow!(e)))?;
    if products.is_empty() || products.len() > MAX_PRODUCTS {
        return Err(Error::invalid_field(
            "products",
            format!("give 1 to {MAX_PRODUCTS} products"),
        ));
    }
    let skus: usize = products.iter().map(|p| p.skus.len()).sum();
    if skus > MAX_PRODUCTS {
        return Err(Error::invalid_field(
            "products",
            format!("at most {MAX_PRODUCTS} SKUs in one call (TikTok's limit)"),
        ));
    }
    let known = catalogue(db, &shop.id, products).await?;
    let mut seen = HashSet::new();
    let mut wire = Vec::with_capacity(products.len());
    for (i, p) in products.iter().enumerate() {
        let field = format!("products[{i}]");
        let Some(product) = known.get(&p.product_id) else {
            return Err(Error::invalid_field(
                &format!("{field}.product_id"),
                format!(
                    "{} is not a product of this shop (sync the shop's products if it is new)",
                    p.product_id
                ),
            ));
        };
        if !seen.insert(p.product_id.clone()) {
            return Err(Error::invalid_field(
                &format!("{field}.product_id"),
                "the product is listed twice",
            ));
        }
        let before = kept.iter().find(|k| k.product_id == p.product_id);
        match level {
            ProductLevel::Product => {
                if !p.skus.is_empty() {
                    return Err(Error::invalid_field(
                        &format!("{field}.skus"),
                        "a PRODUCT-level deal covers every SKU: leave `skus` out",
                    ));
                }
                let floor = product.skus.values().copied().min().unwrap_or(i64::MAX);
                let (price, discount) = deal(
                    &field,
                    kind,
                    &p.deal_price,
                    p.discount_percent,
                    floor,
                    region,
                )?;
                let limit = units(&format!("{field}.quantity_limit"), p.quantity_limit)?;
                let per_user = units(&format!("{field}.quantity_per_user"), p.quantity_per_user)?;
                if let Some(b) = before {
                    grows(
                        &field,
                        (b.quantity_limit, b.quantity_per_user),
                        (limit, per_user),
                    )?;
                    unchanged_if(
                        frozen,
                        &field,
                        b.deal_price.as_ref().map(|d| &d.amount),
                        b.discount_percent,
                        &price,
                        &discount,
                        (b.quantity_limit, b.quantity_per_user),
                        (limit, per_user),
                    )?;
                }
                covered.extend(
                    product
                        .skus
                        .keys()
                        .map(|s| (p.product_id.clone(), s.clone())),
                );
                wire.push(DealProduct {
                    id: p.product_id.clone(),
                    quantity_limit: limit,
                    quantity_per_user: per_user,
                    activity_price_amount: price,
                    discount,
                    skus: vec![],
                });
            }
            ProductLevel::Variation => {
                if p.deal_price.is_some() || p.discount_percent.is_some() {
                    return Err(Error::invalid_field(
                        &field,
                        "at VARIATION level the deal is set on each SKU (`skus[].deal_price` or `skus[].discount_percent`)",
                    ));
                }
                if p.quantity_limit.is_some_and(|l| l != -1)
                    || p.quantity_per_user.is_some_and(|l| l != -1)
                {
                    return Err(Error::invalid_field(
                        &format!("{field}.quantity_limit"),
                        "at VARIATION level the limits are set on each SKU (TikTok wants -1 on the product)",
                    ));
                }
                if p.skus.is_empty() {
                    return Err(Error::invalid_field(
                        &format!("{field}.skus"),
                        "a VARIATION-level deal lists at least one SKU",
                    ));
                }
                let mut wire_skus = Vec::with_capacity(p.skus.len());
                for (j, s) in p.skus.iter().enumerate() {
                    let field = format!("{field}.skus[{j}]");
                    let Some(&sku_price) = product.skus.get(&s.id) else {
                        return Err(Error::invalid_field(
                            &format!("{field}.id"),
                            format!("{} is not a SKU of product {}", s.id, p.product_id),
                        ));
                    };
                    if !seen.insert(format!("sku:{}", s.id)) {
                        return Err(Error::invalid_field(
                            &format!("{field}.id"),
                            "the SKU is listed twice",
                        ));
                    }
                    let (price, discount) = deal(
                        &field,
                        kind,
                        &s.deal_price,
                        s.discount_percent,
                        sku_price,
                        region,
                    )?;
                    let limit = units(&format!("{field}.quantity_limit"), s.quantity_limit)?;
                    let per_user =
                        units(&format!("{field}.quantity_per_user"), s.quantity_per_user)?;
                    if let Some(b) = before.and_then(|b| b.skus.iter().find(|k| k.id == s.id)) {
                        grows(
                            &field,
                            (b.quantity_limit, b.quantity_per_user),
                            (limit, per_user),
                        )?;
                        unchanged_if(
                            frozen,
                            &field,
                            b.deal_price.as_ref().map(|d| &d.amount),
                            b.discount_percent,
                            &price,
                            &discount,
                            (b.quantity_limit, b.quantity_per_user),
                            (limit, per_user),
                        )?;
                    }
                    covered.push((p.product_id.clone(), s.id.clone()));
                    wire_skus.push(DealSku {
                        id: s.id.clone(),
                        quantity_limit: limit,
                        quantity_per_user: per_user,
                        activity_price_amount: price,
                        discount,
                    });
                }
                wire.push(DealProduct {
                    id: p.product_id.clone(),
                    quantity_limit: -1,
                    quantity_per_user: -1,
                    activity_price_amount: None,
                    discount: None,
                    skus: wire_skus,
                });
            }
        }
    }
    Ok(wire)
}

/// −1 (no limit) is the most; TikTok lets a limit only grow.
fn grows(field: &str, before: (i64, i64), after: (i64, i64)) -> Result<()> {
    let rank = |v: i64| if v == -1 { i64::MAX } else { v };
    if rank(after.0) < rank(before.0) {
        return Err(Error::invalid_field(
            &format!("{field}.quantity_limit"),
            format!("TikTok lets a deal's limit only grow (now {})", before.0),
        ));
    }
    if rank(after.1) < rank(before.1) {
        return Err(Error::invalid_field(
            &format!("{field}.quantity_per_user"),
            format!(
                "TikTok lets a deal's limit per buyer only grow (now {})",
                before.1
            ),
        ));
    }
    Ok(())
}

/// A running flash sale takes new products and SKUs, not changes to those it has.
#[allow(clippy::too_many_arguments)]
fn unchanged_if(
    frozen: bool,
    field: &str,
    price_before: Option<&String>,
    percent_before: Option<i64>,
    price: &Option<String>,
    percent: &Option<String>,
    limits_before: (i64, i64),
    limits: (i64, i64),
) -> Result<()> {
    let same_price = match (price_before, price) {
        (Some(a), Some(b)) => minor(a) == minor(b),
        (None, None) => true,
        _ => false,
    };
    let same_percent = percent_before.map(|p| p.to_string()) == *percent;
    if frozen && !(same_price && same_percent && limits_before == limits) {
        return Err(Error::invalid_field(
            field,
            "the flash sale is running: TikTok takes new products and SKUs but no change to a deal it has",
        ));
    }
    Ok(())
}

/// Refuses a SKU another activity of the shop holds over an overlapping time when TikTok does not
/// allow the two types together (a 409 naming that activity).
pub async fn conflicts(
    db: &impl ConnectionTrait,
    shop_id: &str,
    kind: ActivityType,
    (begin, end): (DateTime<Utc>, DateTime<Utc>),
    covered: &[(String, String)],
    own: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let group = conflict_group(kind.as_str());
    for other in store::live_rows(db, shop_id, now).await? {
        if Some(other.id.as_str()) == own
            || conflict_group(&other.activity_type) != group
            || other.begin_time >= end
            || other.end_time <= begin
        {
            continue;
        }
        let products = store::products_of(&other);
        let whole_products = other.product_level == "PRODUCT";
        let held = covered.iter().find(|(product, sku)| {
            products.iter().any(|p| {
                // An empty SKU stands for the whole product (a PRODUCT-level deal of ours).
                &p.product_id == product
                    && (whole_products || sku.is_empty() || p.skus.iter().any(|s| &s.id == sku))
            })
        });
        if let Some((product, sku)) = held {
            let sku = if sku.is_empty() { product } else { sku };
            let mut e = Error::conflict(
                "promotion_conflict",
                format!(
                    "SKU {sku} is already in {} activity {} (\"{}\", {} to {}), which TikTok does not allow beside a {} at the same time: remove it there, or choose other times",
                    other.activity_type,
                    other.id,
                    other.title,
                    other.begin_time.to_rfc3339(),
                    other.end_time.to_rfc3339(),
                    kind.as_str()
                ),
            );
            e.details
                .push(serde_json::json!({"sku_id": sku, "activity_id": other.id}));
            return Err(e);
        }
    }
    Ok(())
}
