//! SKU mapping: the ERP's SKU codes ↔ TikTok's SKU ids. By default a code maps to the TikTok SKU whose
//! `seller_sku` equals it; a mapping set by hand overrides that. A TikTok SKU has one code at most: its
//! manual one, else its `seller_sku` unless a manual mapping took that code for another SKU.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, QueryOrder, QuerySelect};

use entity::{sku_mapping, tiktok_sku};

use crate::error::{Error, Result};
use crate::pagination::Cursor;

pub const MAX_CODE_LEN: usize = 100;
pub const MAX_REPORT_CODES: usize = 10_000;

/// Where a SKU's ERP code comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Manual,
    SellerSku,
    /// No code: unmapped.
    None,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Manual => "manual",
            Source::SellerSku => "seller_sku",
            Source::None => "none",
        }
    }
}

#[derive(Debug)]
pub struct Mapping {
    pub erp_sku: Option<String>,
    pub sku: tiktok_sku::Model,
    pub source: Source,
}

/// What the ERP's list of codes and TikTok's SKUs do not agree on.
#[derive(Debug, Default)]
pub struct Report {
    /// ERP codes that map to no TikTok SKU.
    pub unmapped_erp_skus: Vec<String>,
    /// ERP codes whose `seller_sku` match is not unique (map them by hand).
    pub ambiguous_erp_skus: Vec<String>,
    /// TikTok SKUs that none of the ERP's codes maps to (with the code they have here, if any).
    pub unmapped_tiktok_skus: Vec<Mapping>,
}

pub fn check_code(field: &str, code: &str) -> Result<()> {
    if code.is_empty() || code.chars().count() > MAX_CODE_LEN || code.trim() != code {
        return Err(Error::invalid_field(
            field,
            format!(
                "an ERP SKU code is 1 to {MAX_CODE_LEN} characters, without spaces at either end"
            ),
        ));
    }
    Ok(())
}

async fn manual(
    db: &impl ConnectionTrait,
    shop_id: &str,
) -> Result<Vec<sku_mapping::Model>, DbErr> {
    sku_mapping::Entity::find()
        .filter(sku_mapping::Column::ShopId.eq(shop_id))
        .all(db)
        .await
}

/// Each SKU with its code, by the rule in the module's comment.
fn effective(skus: Vec<tiktok_sku::Model>, manual: &[sku_mapping::Model]) -> Vec<Mapping> {
    let by_sku: HashMap<&str, &str> = manual
        .iter()
        .map(|m| (m.tiktok_sku_id.as_str(), m.erp_sku.as_str()))
        .collect();
    let taken: HashSet<&str> = manual.iter().map(|m| m.erp_sku.as_str()).collect();
    skus.into_iter()
        .map(|sku| {
            let (erp_sku, source) = match by_sku.get(sku.id.as_str()) {
                Some(code) => (Some((*code).to_owned()), Source::Manual),
                None if !sku.seller_sku.is_empty() && !taken.contains(sku.seller_sku.as_str()) => {
                    (Some(sku.seller_sku.clone()), Source::SellerSku)
                }
                None => (None, Source::None),
            };
            Mapping {
                erp_sku,
                sku,
                source,
            }
        })
        .collect()
}

/// A page of the shop's TikTok SKUs (by SKU id) with their ERP codes.
pub async fn list(
    db: &DatabaseConnection,
    shop_id: &str,
    limit: u64,
    after: Option<Cursor>,
) -> Result<(Vec<Mapping>, Option<Cursor>)> {
    let mut query = tiktok_sku::Entity::find().filter(tiktok_sku::Column::ShopId.eq(shop_id));
    if let Some(c) = after {
        query = query.filter(tiktok_sku::Column::Id.gt(c.id));
    }
    let mut skus = query
        .order_by_asc(tiktok_sku::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let next = if skus.len() as u64 > limit {
        skus.truncate(limit as usize);
        skus.last().map(|s| Cursor {
            at: DateTime::UNIX_EPOCH,
            id: s.id.clone(),
        })
    } else {
        None
    };
    Ok((effective(skus, &manual(db, shop_id).await?), next))
}

/// Maps `erp_sku` to a TikTok SKU by hand (replacing the code's earlier mapping), as `user`, and
/// records it in the shop's audit log.
pub async fn set(
    db: &DatabaseConnection,
    user: &crate::auth::AuthUser,
    shop_id: &str,
    erp_sku: &str,
    tiktok_sku_id: &str,
    now: DateTime<Utc>,
) -> Result<Mapping> {
    let by = user.sub.as_str();
    check_code("erp_sku", erp_sku)?;
    let sku = tiktok_sku::Entity::find_by_id((shop_id.to_owned(), tiktok_sku_id.to_owned()))
        .one(db)
        .await?
        .ok_or_else(|| {
            Error::not_found("TikTok SKU (sync the shop's products first if it is new)")
        })?;
    if let Some(other) = sku_mapping::Entity::find()
        .filter(sku_mapping::Column::ShopId.eq(shop_id))
        .filter(sku_mapping::Column::TiktokSkuId.eq(tiktok_sku_id))
        .one(db)
        .await?
        .filter(|m| m.erp_sku != erp_sku)
    {
        return Err(Error::conflict(
            "sku_already_mapped",
            format!(
                "TikTok SKU {tiktok_sku_id} is mapped to ERP SKU {:?}; remove that mapping first",
                other.erp_sku
            ),
        ));
    }
    sku_mapping::Entity::insert(sku_mapping::ActiveModel {
        shop_id: Set(shop_id.to_owned()),
        erp_sku: Set(erp_sku.to_owned()),
        tiktok_sku_id: Set(tiktok_sku_id.to_owned()),
        updated_by: Set(by.to_owned()),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([sku_mapping::Column::ShopId, sku_mapping::Column::ErpSku])
            .update_columns([
                sku_mapping::Column::TiktokSkuId,
                sku_mapping::Column::UpdatedBy,
                sku_mapping::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    crate::audit::record(
        db,
        user,
        crate::audit::Entry {
            shop_id,
            action: "sku_mapping.set",
            target: format!("erp sku {erp_sku}"),
            request: serde_json::json!({"tiktok_sku_id": tiktok_sku_id}),
            tiktok_request_id: None,
            error: None,
        },
        now,
    )
    .await?;
    Ok(Mapping {
        erp_sku: Some(erp_sku.to_owned()),
        sku,
        source: Source::Manual,
    })
}

/// Removes a mapping set by hand: the code maps by `seller_sku` again.
pub async fn remove(db: &DatabaseConnection, shop_id: &str, erp_sku: &str) -> Result<()> {
    let gone = sku_mapping::Entity::delete_by_id((shop_id.to_owned(), erp_sku.to_owned()))
        .exec(db)
        .await?;
    if gone.rows_affected == 0 {
        return Err(Error::not_found("SKU mapping set by hand"));
    }
    Ok(())
}

/// Compares the ERP's codes with the shop's TikTok SKUs.
pub async fn report(db: &DatabaseConnection, shop_id: &str, erp_skus: &[String]) -> Result<Report> {
    if erp_skus.len() > MAX_REPORT_CODES {
        return Err(Error::invalid_field(
            "erp_skus",
            format!("send at most {MAX_REPORT_CODES} codes per report"),
        ));
    }
    for (i, code) in erp_skus.iter().enumerate() {
        check_code(&format!("erp_skus[{i}]"), code)?;
    }
    let skus = tiktok_sku::Entity::find()
        .filter(tiktok_sku::Column::ShopId.eq(shop_id))
        .order_by_asc(tiktok_sku::Column::Id)
        .all(db)
        .await?;
    let mappings = effective(skus, &manual(db, shop_id).await?);
    let mut per_code: HashMap<&str, usize> = HashMap::new();
    for m in &mappings {
        if let Some(code) = &m.erp_sku {
            *per_code.entry(code.as_str()).or_default() += 1;
        }
    }
    let wanted: HashSet<&str> = erp_skus.iter().map(String::as_str).collect();
    let mut report = Report::default();
    let mut seen = HashSet::new();
    for code in erp_skus {
        if !seen.insert(code.as_str()) {
            continue;
        }
        match per_code.get(code.as_str()) {
            None => report.unmapped_erp_skus.push(code.clone()),
            Some(n) if *n > 1 => report.ambiguous_erp_skus.push(code.clone()),
            Some(_) => {}
        }
    }
    report.unmapped_tiktok_skus = mappings
        .into_iter()
        .filter(|m| m.erp_sku.as_deref().is_none_or(|c| !wanted.contains(c)))
        .collect();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sku(id: &str, seller_sku: &str) -> tiktok_sku::Model {
        tiktok_sku::Model {
            shop_id: "s".into(),
            id: id.into(),
            product_id: "p".into(),
            seller_sku: seller_sku.into(),
            currency: "USD".into(),
            sale_price: "1.00".into(),
            tax_exclusive_price: None,
        }
    }

    fn by_hand(code: &str, sku_id: &str) -> sku_mapping::Model {
        sku_mapping::Model {
            shop_id: "s".into(),
            erp_sku: code.into(),
            tiktok_sku_id: sku_id.into(),
            updated_by: "alice".into(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_manual_mapping_wins_and_takes_its_code_from_the_seller_sku_match() {
        let skus = vec![sku("1", "TEE-M"), sku("2", "TEE-L"), sku("3", "")];
        let got = effective(skus, &[by_hand("TEE-M", "2")]);
        let codes: Vec<(Option<&str>, Source)> = got
            .iter()
            .map(|m| (m.erp_sku.as_deref(), m.source))
            .collect();
        assert_eq!(
            codes,
            [
                (None, Source::None),
                (Some("TEE-M"), Source::Manual),
                (None, Source::None)
            ]
        );
        assert!(check_code("c", " X").is_err());
        assert!(check_code("c", "").is_err());
        assert!(check_code("c", "TEE-M").is_ok());
    }
}
