//! The shop's TikTok category tree, cached in the database for [`TTL`]: browsed (children of a parent)
//! and searched (by name) from the cache, refreshed from TikTok when it is older than that or when the
//! ERP asks. A category's attributes and rules are fetched when first needed and kept as long.

use chrono::{DateTime, Duration, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, QueryOrder};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use entity::{shop, tiktok_category, tiktok_category_tree};

use crate::deps::TikTokAccess;
use crate::error::Result;
use crate::shops::session::ShopSession;

/// How long a fetched tree (and a category's attributes and rules) is used before it is fetched again.
pub const TTL: Duration = Duration::hours(24);
pub use crate::tiktok::products::CATEGORIES_PATH as TREE_PATH;

/// A category attribute: a product property (`PRODUCT_PROPERTY`) or a sales property of SKUs
/// (`SALES_PROPERTY`), with its known values.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Attribute {
    pub id: String,
    pub name: String,
    /// PRODUCT_PROPERTY · SALES_PROPERTY
    #[serde(rename = "type")]
    pub kind: String,
    pub is_required: bool,
    /// Whether a value of one's own (a `name` instead of a known value `id`) is accepted.
    pub is_customizable: bool,
    pub is_multiple_selection: bool,
    pub values: Vec<AttributeValue>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttributeValue {
    pub id: String,
    pub name: String,
}

/// A category's rules for products.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Rules {
    pub package_dimensions_required: bool,
    pub size_chart_required: bool,
    pub cod_allowed: bool,
    pub certifications: Vec<Certification>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Certification {
    pub id: String,
    pub name: String,
    pub is_required: bool,
}

/// A category with its attributes and rules.
pub struct Details {
    pub category: tiktok_category::Model,
    pub attributes: Vec<Attribute>,
    pub rules: Rules,
}

fn parse_attributes(data: crate::tiktok::products::CategoryAttributes) -> Vec<Attribute> {
    data.attributes
        .into_iter()
        .filter_map(|a| {
            Some(Attribute {
                id: a.id?,
                name: a.name,
                kind: a.kind,
                is_required: a.is_requried,
                is_customizable: a.is_customizable,
                is_multiple_selection: a.is_multiple_selection,
                values: a
                    .values
                    .into_iter()
                    .map(|v| AttributeValue {
                        id: v.id.unwrap_or_default(),
                        name: v.name,
                    })
                    .collect(),
            })
        })
        .collect()
}

fn parse_rules(data: crate::tiktok::products::CategoryRules) -> Rules {
    Rules {
        package_dimensions_required: data.package_dimension.is_required,
        size_chart_required: data.size_chart.is_required,
        cod_allowed: data.is_cod_allowed,
        certifications: data
            .product_certifications
            .into_iter()
            .map(|c| Certification {
                id: c.id.unwrap_or_default(),
                name: c.name,
                is_required: c.is_required,
            })
            .collect(),
    }
}

/// When the shop's tree was fetched, if it was.
pub async fn fetched_at(
    db: &DatabaseConnection,
    shop_id: &str,
) -> Result<Option<tiktok_category_tree::Model>, DbErr> {
    tiktok_category_tree::Entity::find_by_id(shop_id.to_owned())
        .one(db)
        .await
}

/// Fetches the whole tree from TikTok and replaces the cached one (attributes and rules are fetched
/// again when next needed).
pub async fn refresh(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
) -> Result<tiktok_category_tree::Model> {
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let answer = crate::tiktok::products::category_tree(&mut session.line(access)).await?;
    let now = access.clock.now();
    let rows: Vec<tiktok_category::ActiveModel> = answer
        .data
        .categories
        .into_iter()
        .filter_map(|c| {
            Some(tiktok_category::ActiveModel {
                shop_id: Set(shop.id.clone()),
                id: Set(c.id?),
                parent_id: Set(c.parent_id.unwrap_or_else(|| "0".to_owned())),
                local_name: Set(c.local_name),
                is_leaf: Set(c.is_leaf),
                permission_statuses: Set(Value::Array(c.permission_statuses).to_string()),
                attributes: Set(None),
                rules: Set(None),
                details_fetched_at: Set(None),
            })
        })
        .collect();
    let count = i32::try_from(rows.len()).unwrap_or(i32::MAX);
    let txn = crate::sync::begin_write(access.db).await?;
    tiktok_category::Entity::delete_many()
        .filter(tiktok_category::Column::ShopId.eq(&shop.id))
        .exec(&txn)
        .await?;
    for chunk in rows.chunks(200) {
        // An upsert: a refresh running at the same time may have put the same rows in already.
        tiktok_category::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([tiktok_category::Column::ShopId, tiktok_category::Column::Id])
                    .update_columns([
                        tiktok_category::Column::ParentId,
                        tiktok_category::Column::LocalName,
                        tiktok_category::Column::IsLeaf,
                        tiktok_category::Column::PermissionStatuses,
                        tiktok_category::Column::Attributes,
                        tiktok_category::Column::Rules,
                        tiktok_category::Column::DetailsFetchedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    let tree = tiktok_category_tree::Model {
        shop_id: shop.id.clone(),
        count,
        fetched_at: now,
    };
    tiktok_category_tree::Entity::insert(tiktok_category_tree::ActiveModel::from(tree.clone()))
        .on_conflict(
            OnConflict::column(tiktok_category_tree::Column::ShopId)
                .update_columns([
                    tiktok_category_tree::Column::Count,
                    tiktok_category_tree::Column::FetchedAt,
                ])
                .to_owned(),
        )
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(tree)
}

fn fresh(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now < at + TTL
}

/// The cached tree, fetched first when there is none or it is older than [`TTL`].
pub async fn ensure_tree(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
) -> Result<tiktok_category_tree::Model> {
    match fetched_at(access.db, &shop.id).await? {
        Some(t) if fresh(t.fetched_at, access.clock.now()) => Ok(t),
        _ => refresh(access, shop).await,
    }
}

/// The children of `parent_id` ("0": the roots), by name.
pub async fn children(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    parent_id: &str,
) -> Result<Vec<tiktok_category::Model>> {
    ensure_tree(access, shop).await?;
    Ok(tiktok_category::Entity::find()
        .filter(tiktok_category::Column::ShopId.eq(&shop.id))
        .filter(tiktok_category::Column::ParentId.eq(parent_id))
        .order_by_asc(tiktok_category::Column::LocalName)
        .order_by_asc(tiktok_category::Column::Id)
        .all(access.db)
        .await?)
}

/// Categories whose name contains `name` (any case), leaves first, at most `limit`.
pub async fn search(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    name: &str,
    limit: usize,
) -> Result<Vec<tiktok_category::Model>> {
    ensure_tree(access, shop).await?;
    let needle = name.to_lowercase();
    // Lower-cased here, not in SQL: the same answer on SQLite and PostgreSQL for any script.
    let mut found: Vec<tiktok_category::Model> = tiktok_category::Entity::find()
        .filter(tiktok_category::Column::ShopId.eq(&shop.id))
        .all(access.db)
        .await?
        .into_iter()
        .filter(|c| c.local_name.to_lowercase().contains(&needle))
        .collect();
    found.sort_by(|a, b| {
        (!a.is_leaf, &a.local_name, &a.id).cmp(&(!b.is_leaf, &b.local_name, &b.id))
    });
    found.truncate(limit);
    Ok(found)
}

/// One category from the cache; 404 when the shop's tree has no such category.
pub async fn find(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    id: &str,
) -> Result<Option<tiktok_category::Model>> {
    ensure_tree(access, shop).await?;
    Ok(
        tiktok_category::Entity::find_by_id((shop.id.clone(), id.to_owned()))
            .one(access.db)
            .await?,
    )
}

/// A category with its attributes and rules, fetched from TikTok when not cached or older than [`TTL`].
pub async fn details(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    category: tiktok_category::Model,
) -> Result<Details> {
    let now = access.clock.now();
    if let (Some(at), Some(a), Some(r)) = (
        category.details_fetched_at,
        category.attributes.as_deref(),
        category.rules.as_deref(),
    ) && fresh(at, now)
        && let (Ok(attributes), Ok(rules)) = (serde_json::from_str(a), serde_json::from_str(r))
    {
        return Ok(Details {
            category,
            attributes,
            rules,
        });
    }
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let attributes =
        crate::tiktok::products::category_attributes(&mut session.line(access), &category.id)
            .await?;
    let rules =
        crate::tiktok::products::category_rules(&mut session.line(access), &category.id).await?;
    let attributes = parse_attributes(attributes.data);
    let rules = parse_rules(rules.data);
    let mut category = category;
    category.attributes = Some(json(&attributes));
    category.rules = Some(json(&rules));
    category.details_fetched_at = Some(now);
    // An UPDATE by key, not of the model: a refresh may have replaced the row meanwhile (then the
    // details are fetched again next time).
    tiktok_category::Entity::update_many()
        .col_expr(
            tiktok_category::Column::Attributes,
            Expr::value(category.attributes.clone()),
        )
        .col_expr(
            tiktok_category::Column::Rules,
            Expr::value(category.rules.clone()),
        )
        .col_expr(
            tiktok_category::Column::DetailsFetchedAt,
            Expr::value(category.details_fetched_at),
        )
        .filter(tiktok_category::Column::ShopId.eq(&shop.id))
        .filter(tiktok_category::Column::Id.eq(&category.id))
        .exec(access.db)
        .await?;
    Ok(Details {
        category,
        attributes,
        rules,
    })
}

/// Our own structs as JSON (they always serialize).
fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The permission statuses of a cached category.
pub fn permissions(c: &tiktok_category::Model) -> Vec<String> {
    serde_json::from_str(&c.permission_statuses).unwrap_or_default()
}

/// Whether the shop may list products in the category.
pub fn permitted(c: &tiktok_category::Model) -> bool {
    permissions(c).iter().any(|p| p == "AVAILABLE")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tiktoks_attributes_and_rules_are_read_with_its_spelling() {
        let a = parse_attributes(
            serde_json::from_value(json!({"attributes": [
                {"id": "1", "name": "Color", "type": "SALES_PROPERTY", "is_requried": true,
                 "is_customizable": true, "values": [{"id": "11", "name": "Red"}]},
                {"id": "", "name": "junk"}
            ]}))
            .unwrap(),
        );
        assert_eq!(a.len(), 1);
        assert!(a[0].is_required && a[0].is_customizable && !a[0].is_multiple_selection);
        assert_eq!(a[0].values[0].name, "Red");
        let r = parse_rules(
            serde_json::from_value(json!({"package_dimension": {"is_required": true},
            "product_certifications": [{"id": "9", "name": "CE", "is_required": true}]}))
            .unwrap(),
        );
        assert!(r.package_dimensions_required && !r.size_chart_required);
        assert_eq!(r.certifications[0].id, "9");
    }
}

/// A page of TikTok's brands.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "7000000000000000001", "name": "Ocean Basics", "authorized_status": "AUTHORIZED", "brand_status": "AVAILABLE", "is_t1_brand": true}], "total_count": 1, "next_page_token": null}))]
pub struct BrandPage {
    pub items: Vec<Brand>,
    pub total_count: Option<u64>,
    /// Pass as `page_token` for the next page; null on the last.
    pub next_page_token: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Brand {
    pub id: String,
    pub name: String,
    /// AUTHORIZED · UNAUTHORIZED: whether the seller may sell this brand.
    pub authorized_status: String,
    /// AVAILABLE · UNAVAILABLE
    pub brand_status: String,
    pub is_t1_brand: bool,
}

/// TikTok's brands (not cached: the list is long and changes), optionally by name or for a category.
pub async fn brands(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    name: Option<&str>,
    category_id: Option<&str>,
    page_size: u32,
    page_token: Option<&str>,
) -> Result<BrandPage> {
    let mut query = vec![("page_size".to_owned(), page_size.to_string())];
    for (k, v) in [
        ("brand_name", name),
        ("category_id", category_id),
        ("page_token", page_token),
    ] {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            query.push((k.to_owned(), v.to_owned()));
        }
    }
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let answer = crate::tiktok::products::brands(&mut session.line(access), query).await?;
    let d = answer.data;
    Ok(BrandPage {
        items: d
            .brands
            .into_iter()
            .map(|b| Brand {
                id: b.id.unwrap_or_default(),
                name: b.name,
                authorized_status: b.authorized_status,
                brand_status: b.brand_status,
                is_t1_brand: b.is_t1_brand,
            })
            .collect(),
        total_count: d.total_count,
        next_page_token: d.next_page_token.filter(|t| !t.is_empty()),
    })
}
