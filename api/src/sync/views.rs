//! The ERP's read side of what sync stored: orders (filters, keyset pages, detail with lines,
//! packages and status history), products (SKUs with stock per warehouse), returns and cancellations
//! (each with its order). Every query is scoped to a shop the caller's tenant owns (the handler
//! loaded it with `find_for_tenant`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, Query};
use sea_orm::{PaginatorTrait, QueryOrder, QuerySelect};

use entity::{
    order_status_history, sku_stock, tiktok_order, tiktok_order_line, tiktok_order_package,
    tiktok_product, tiktok_sku, tiktok_warehouse,
};

use crate::error::{Error, Result};
use crate::pagination::{Cursor, Direction, keyset_page};

/// TikTok's order statuses (tiktok-api.md).
pub const ORDER_STATUSES: [&str; 9] = [
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
];

/// TikTok's product statuses.
pub const PRODUCT_STATUSES: [&str; 8] = [
    "DRAFT",
    "PENDING",
    "FAILED",
    "ACTIVATE",
    "SELLER_DEACTIVATED",
    "PLATFORM_DEACTIVATED",
    "FREEZE",
    "DELETED",
];

/// Validated order filters.
#[derive(Debug, Default)]
pub struct OrderFilter {
    pub status: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub updated_from: Option<DateTime<Utc>>,
    pub updated_to: Option<DateTime<Utc>>,
    /// Orders with a line of this SKU: TikTok's SKU id or the seller's SKU code.
    pub sku: Option<String>,
    /// Orders of this buyer: TikTok's buyer user id or the buyer's email (any case).
    pub buyer: Option<String>,
}

/// A text filter: absent is none; present must hold something (at most 100 characters).
pub fn non_blank(field: &str, raw: Option<String>) -> Result<Option<String>> {
    match raw.map(|s| s.trim().to_owned()) {
        None => Ok(None),
        Some(s) if s.is_empty() => Err(Error::invalid_field(
            field,
            "is empty; leave it out to not filter",
        )),
        Some(s) if s.chars().count() > 100 => {
            Err(Error::invalid_field(field, "is longer than 100 characters"))
        }
        Some(s) => Ok(Some(s)),
    }
}

pub fn parse_status(field: &str, raw: Option<&str>, allowed: &[&str]) -> Result<Option<String>> {
    match raw {
        None => Ok(None),
        Some(s) if allowed.contains(&s) => Ok(Some(s.to_owned())),
        Some(s) => Err(Error::invalid_field(
            field,
            format!("{s:?} is not one of {}", allowed.join(", ")),
        )),
    }
}

pub fn check_range(
    field: &str,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<()> {
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        return Err(Error::invalid_field(
            field,
            "the range is empty: `…_from` must be before `…_to`",
        ));
    }
    Ok(())
}

/// The updated-range filter. Few orders in the range (what changed in the last hour): their ids come
/// from the update-time index and the orders are looked up by key. Many (a quarter's changes): the
/// list walks its own order (newest created first) from the range's end, as an order is created no
/// later than it is updated, and checks the update time of each; SQLite, which has no histogram to
/// tell the two cases apart, is kept off the update-time index there (a unary `+`), where it would
/// otherwise sort the whole range for one page.
async fn updated_between(
    db: &DatabaseConnection,
    shop_id: &str,
    query: sea_orm::Select<tiktok_order::Entity>,
    filter: &OrderFilter,
    looked_up: u64,
) -> Result<(sea_orm::Select<tiktok_order::Entity>, bool)> {
    use tiktok_order::Column::{CreateTime, Id, ShopId, UpdateTime};
    let mut probe = tiktok_order::Entity::find()
        .select_only()
        .column(Id)
        .filter(ShopId.eq(shop_id));
    if let Some(t) = filter.updated_from {
        probe = probe.filter(UpdateTime.gte(t));
    }
    if let Some(t) = filter.updated_to {
        probe = probe.filter(UpdateTime.lt(t));
    }
    // Counted on the index first (cheap), read only when few.
    if probe.clone().limit(looked_up + 1).count(db).await? <= looked_up {
        let ids: Vec<String> = probe.into_tuple().all(db).await?;
        return Ok((query.filter(Id.is_in(ids)), true));
    }
    let sqlite = db.get_database_backend() == sea_orm::DbBackend::Sqlite;
    let mut query = query;
    for (bound, op) in [(filter.updated_from, ">="), (filter.updated_to, "<")] {
        let Some(t) = bound else { continue };
        query = if sqlite {
            query.filter(Expr::cust_with_values(
                format!("+\"update_time\" {op} ?"),
                [t],
            ))
        } else if op == ">=" {
            query.filter(UpdateTime.gte(t))
        } else {
            query.filter(UpdateTime.lt(t))
        };
    }
    if let Some(t) = filter.updated_to {
        query = query.filter(CreateTime.lt(t));
    }
    Ok((query, false))
}

/// The SKU filter (TikTok's SKU id or the seller's code). A SKU in few orders: their ids come from
/// the two line indexes (each read on its own: an OR of the two made SQLite read every line) and the
/// orders are looked up by key. A SKU in many: the list walks its own order and asks of each order
/// whether it has a line of the SKU (the lines' order index), and soon has a page.
async fn with_sku(
    db: &DatabaseConnection,
    shop_id: &str,
    query: sea_orm::Select<tiktok_order::Entity>,
    sku: &str,
    looked_up: u64,
) -> Result<(sea_orm::Select<tiktok_order::Entity>, bool)> {
    use tiktok_order_line::Column::{OrderId, SellerSku, ShopId, SkuId};
    let lines = |column: tiktok_order_line::Column| {
        tiktok_order_line::Entity::find()
            .select_only()
            .column(OrderId)
            .filter(ShopId.eq(shop_id))
            .filter(column.eq(sku))
    };
    let mut found = 0;
    for column in [SkuId, SellerSku] {
        found += lines(column).limit(looked_up + 1).count(db).await?;
    }
    if found <= looked_up {
        let mut ids: Vec<String> = Vec::new();
        for column in [SkuId, SellerSku] {
            ids.extend(lines(column).into_tuple::<String>().all(db).await?);
        }
        ids.sort_unstable();
        ids.dedup();
        return Ok((query.filter(tiktok_order::Column::Id.is_in(ids)), true));
    }
    let has_line = Query::select()
        .expr(Expr::val(1))
        .from(tiktok_order_line::Entity)
        .and_where(
            Expr::col((tiktok_order_line::Entity, ShopId))
                .equals((tiktok_order::Entity, tiktok_order::Column::ShopId)),
        )
        .and_where(
            Expr::col((tiktok_order_line::Entity, OrderId))
                .equals((tiktok_order::Entity, tiktok_order::Column::Id)),
        )
        .cond_where(
            Condition::any()
                .add(Expr::col((tiktok_order_line::Entity, SkuId)).eq(sku))
                .add(Expr::col((tiktok_order_line::Entity, SellerSku)).eq(sku)),
        )
        .to_owned();
    Ok((query.filter(Expr::exists(has_line)), false))
}

/// Up to this many orders a narrow filter (a SKU, an update range) finds are looked up by their ids
/// (bound parameters: well under both databases' limits); more, and the list walks its own order.
const ORDERS_LOOKED_UP: u64 = 5_000;

/// A shop's orders, newest created first, with the number of units of each.
pub async fn list_orders(
    db: &DatabaseConnection,
    shop_id: &str,
    filter: &OrderFilter,
    limit: u64,
    after: Option<Cursor>,
) -> Result<(Vec<(tiktok_order::Model, u64)>, Option<Cursor>)> {
    list_orders_looking_up(db, shop_id, filter, limit, after, ORDERS_LOOKED_UP).await
}

/// [`list_orders`] with the number of orders a narrow filter looks up by id before it walks the
/// list instead (the two ways must give the same pages; a test compares them).
#[doc(hidden)]
pub async fn list_orders_looking_up(
    db: &DatabaseConnection,
    shop_id: &str,
    filter: &OrderFilter,
    limit: u64,
    after: Option<Cursor>,
    looked_up: u64,
) -> Result<(Vec<(tiktok_order::Model, u64)>, Option<Cursor>)> {
    let mut query = tiktok_order::Entity::find().filter(tiktok_order::Column::ShopId.eq(shop_id));
    if let Some(s) = &filter.status {
        query = query.filter(tiktok_order::Column::Status.eq(s));
    }
    if let Some(t) = filter.created_from {
        query = query.filter(tiktok_order::Column::CreateTime.gte(t));
    }
    if let Some(t) = filter.created_to {
        query = query.filter(tiktok_order::Column::CreateTime.lt(t));
    }
    let mut narrowed = false;
    if filter.updated_from.is_some() || filter.updated_to.is_some() {
        let few;
        (query, few) = updated_between(db, shop_id, query, filter, looked_up).await?;
        narrowed |= few;
    }
    if let Some(sku) = &filter.sku {
        let few;
        (query, few) = with_sku(db, shop_id, query, sku, looked_up).await?;
        narrowed |= few;
    }
    if let Some(buyer) = &filter.buyer {
        query = query.filter(
            Condition::any()
                .add(tiktok_order::Column::UserId.eq(buyer))
                .add(
                    Expr::expr(Func::lower(Expr::col(tiktok_order::Column::BuyerEmail)))
                        .eq(buyer.to_lowercase()),
                ),
        );
    }
    if narrowed {
        // The candidates are few: their keys are sorted here and the page's ids picked, so that no
        // database walks its creation index in the list's order testing each row against the ids
        // (SQLite's plan for an id list under an ORDER BY … LIMIT).
        let mut keys: Vec<(DateTime<Utc>, String)> = query
            .clone()
            .select_only()
            .column(tiktok_order::Column::CreateTime)
            .column(tiktok_order::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        keys.sort_unstable_by(|a, b| b.cmp(a));
        let page: Vec<String> = keys
            .into_iter()
            .filter(|(at, id)| after.as_ref().is_none_or(|c| (at, id) < (&c.at, &c.id)))
            .take(limit as usize + 1)
            .map(|(_, id)| id)
            .collect();
        query = query.filter(tiktok_order::Column::Id.is_in(page));
    }
    let (rows, next) = keyset_page(
        db,
        query,
        (tiktok_order::Column::CreateTime, tiktok_order::Column::Id),
        Direction::NewestFirst,
        limit,
        after,
        |r| Cursor {
            at: r.create_time,
            id: r.id.clone(),
        },
    )
    .await?;
    let ids: Vec<String> = rows.iter().map(|o| o.id.clone()).collect();
    let mut units: BTreeMap<String, u64> = BTreeMap::new();
    if !ids.is_empty() {
        for l in tiktok_order_line::Entity::find()
            .filter(tiktok_order_line::Column::ShopId.eq(shop_id))
            .filter(tiktok_order_line::Column::OrderId.is_in(ids))
            .all(db)
            .await?
        {
            *units.entry(l.order_id).or_default() += 1;
        }
    }
    let rows = rows
        .into_iter()
        .map(|o| {
            let n = units.get(&o.id).copied().unwrap_or(0);
            (o, n)
        })
        .collect();
    Ok((rows, next))
}

/// One order with its lines, packages and status history (oldest change first).
pub struct OrderDetail {
    pub order: tiktok_order::Model,
    pub lines: Vec<tiktok_order_line::Model>,
    pub packages: Vec<tiktok_order_package::Model>,
    pub history: Vec<order_status_history::Model>,
}

/// How many of the shop's synced orders are in each status (the ERP's tabs): the counts the order
/// sync keeps as it writes, so the answer costs the same at a million orders as at ten.
pub async fn order_counts(db: &DatabaseConnection, shop_id: &str) -> Result<Vec<(String, u64)>> {
    use entity::order_status_count as counts;
    let rows = counts::Entity::find()
        .filter(counts::Column::ShopId.eq(shop_id))
        .filter(counts::Column::Orders.gt(0))
        .order_by_asc(counts::Column::Status)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.status, u64::try_from(r.orders).unwrap_or(0)))
        .collect())
}

pub async fn order_detail(
    db: &DatabaseConnection,
    shop_id: &str,
    order_id: &str,
) -> Result<OrderDetail> {
    let order = tiktok_order::Entity::find_by_id((shop_id.to_owned(), order_id.to_owned()))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("order"))?;
    let lines = tiktok_order_line::Entity::find()
        .filter(tiktok_order_line::Column::ShopId.eq(shop_id))
        .filter(tiktok_order_line::Column::OrderId.eq(order_id))
        .order_by_asc(tiktok_order_line::Column::Id)
        .all(db)
        .await?;
    let packages = tiktok_order_package::Entity::find()
        .filter(tiktok_order_package::Column::ShopId.eq(shop_id))
        .filter(tiktok_order_package::Column::OrderId.eq(order_id))
        .order_by_asc(tiktok_order_package::Column::Id)
        .all(db)
        .await?;
    let history = order_status_history::Entity::find()
        .filter(order_status_history::Column::ShopId.eq(shop_id))
        .filter(order_status_history::Column::OrderId.eq(order_id))
        .order_by_asc(order_status_history::Column::RecordedAt)
        .order_by_asc(order_status_history::Column::ChangedAt)
        .all(db)
        .await?;
    Ok(OrderDetail {
        order,
        lines,
        packages,
        history,
    })
}

/// A product with its SKUs, each with its stock per warehouse.
pub struct ProductDetail {
    pub product: tiktok_product::Model,
    pub skus: Vec<(tiktok_sku::Model, Vec<sku_stock::Model>)>,
}

async fn with_skus(
    db: &DatabaseConnection,
    shop_id: &str,
    products: Vec<tiktok_product::Model>,
) -> Result<Vec<ProductDetail>> {
    let ids: Vec<String> = products.iter().map(|p| p.id.clone()).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let skus = tiktok_sku::Entity::find()
        .filter(tiktok_sku::Column::ShopId.eq(shop_id))
        .filter(tiktok_sku::Column::ProductId.is_in(ids))
        .order_by_asc(tiktok_sku::Column::Id)
        .all(db)
        .await?;
    let sku_ids: Vec<String> = skus.iter().map(|s| s.id.clone()).collect();
    let mut stock: BTreeMap<String, Vec<sku_stock::Model>> = BTreeMap::new();
    if !sku_ids.is_empty() {
        for s in sku_stock::Entity::find()
            .filter(sku_stock::Column::ShopId.eq(shop_id))
            .filter(sku_stock::Column::SkuId.is_in(sku_ids))
            .order_by_asc(sku_stock::Column::WarehouseId)
            .all(db)
            .await?
        {
            stock.entry(s.sku_id.clone()).or_default().push(s);
        }
    }
    let mut by_product: BTreeMap<String, Vec<(tiktok_sku::Model, Vec<sku_stock::Model>)>> =
        BTreeMap::new();
    for s in skus {
        let levels = stock.remove(&s.id).unwrap_or_default();
        by_product
            .entry(s.product_id.clone())
            .or_default()
            .push((s, levels));
    }
    Ok(products
        .into_iter()
        .map(|p| ProductDetail {
            skus: by_product.remove(&p.id).unwrap_or_default(),
            product: p,
        })
        .collect())
}

/// A shop's products, most recently updated first.
pub async fn list_products(
    db: &DatabaseConnection,
    shop_id: &str,
    status: Option<&str>,
    limit: u64,
    after: Option<Cursor>,
) -> Result<(Vec<ProductDetail>, Option<Cursor>)> {
    let mut query =
        tiktok_product::Entity::find().filter(tiktok_product::Column::ShopId.eq(shop_id));
    if let Some(s) = status {
        query = query.filter(tiktok_product::Column::Status.eq(s));
    }
    let (rows, next) = keyset_page(
        db,
        query,
        (
            tiktok_product::Column::UpdateTime,
            tiktok_product::Column::Id,
        ),
        Direction::NewestFirst,
        limit,
        after,
        |r| Cursor {
            at: r.update_time,
            id: r.id.clone(),
        },
    )
    .await?;
    Ok((with_skus(db, shop_id, rows).await?, next))
}

pub async fn product_detail(
    db: &DatabaseConnection,
    shop_id: &str,
    product_id: &str,
) -> Result<ProductDetail> {
    let product = tiktok_product::Entity::find_by_id((shop_id.to_owned(), product_id.to_owned()))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("product"))?;
    with_skus(db, shop_id, vec![product])
        .await?
        .pop()
        .ok_or_else(|| Error::not_found("product"))
}

/// An ERP read of a disabled area is refused, as every call into it is.
pub fn ensure_enabled(shop: &entity::shop::Model, feature: crate::shops::Feature) -> Result<()> {
    if crate::shops::Features::from_json(&shop.features).is_enabled(feature) {
        Ok(())
    } else {
        Err(Error::conflict(
            "feature_disabled",
            format!(
                "the {} area is disabled for this shop; an admin can enable it (PUT …/features)",
                feature.as_str()
            ),
        ))
    }
}

/// A SKU's stock changes, newest first; an unknown SKU is "not found".
pub async fn stock_history(
    db: &DatabaseConnection,
    shop_id: &str,
    sku_id: &str,
    limit: u64,
    after: Option<Cursor>,
) -> Result<(Vec<entity::stock_history::Model>, Option<Cursor>)> {
    use entity::stock_history;
    tiktok_sku::Entity::find_by_id((shop_id.to_owned(), sku_id.to_owned()))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("SKU"))?;
    let query = stock_history::Entity::find()
        .filter(stock_history::Column::ShopId.eq(shop_id))
        .filter(stock_history::Column::SkuId.eq(sku_id));
    let (rows, next) = keyset_page(
        db,
        query,
        (stock_history::Column::At, stock_history::Column::Id),
        Direction::NewestFirst,
        limit,
        after,
        |r| Cursor {
            at: r.at,
            id: r.id.clone(),
        },
    )
    .await?;
    Ok((rows, next))
}

/// The shop's warehouses: the default first, then by name.
pub async fn list_warehouses(
    db: &DatabaseConnection,
    shop_id: &str,
) -> Result<Vec<tiktok_warehouse::Model>> {
    Ok(tiktok_warehouse::Entity::find()
        .filter(tiktok_warehouse::Column::ShopId.eq(shop_id))
        .order_by_desc(tiktok_warehouse::Column::IsDefault)
        .order_by_asc(tiktok_warehouse::Column::Name)
        .order_by_asc(tiktok_warehouse::Column::Id)
        .all(db)
        .await?)
}

/// TikTok's return statuses (the rejection is spelled both ways in TikTok's documents).
pub const RETURN_STATUSES: [&str; 9] = [
    "RETURN_OR_REFUND_REQUEST_PENDING",
    "REFUND_OR_RETURN_REQUEST_REJECT",
    "RETURN_OR_REFUND_REQUEST_REJECT",
    "AWAITING_BUYER_SHIP",
    "BUYER_SHIPPED_ITEM",
    "REJECT_RECEIVE_PACKAGE",
    "RETURN_OR_REFUND_REQUEST_SUCCESS",
    "RETURN_OR_REFUND_REQUEST_CANCEL",
    "RETURN_OR_REFUND_REQUEST_COMPLETE",
];

/// TikTok's cancellation statuses.
pub const CANCELLATION_STATUSES: [&str; 5] = [
    "CANCELLATION_REQUEST_PENDING",
    "CANCELLATION_REQUEST_SUCCESS",
    "CANCELLATION_REQUEST_CANCEL",
    "CANCELLATION_REQUEST_COMPLETE",
    "CANCELLATION_REQUEST_REJECT",
];

/// Validated filters of the returns and cancellations lists.
#[derive(Debug, Default)]
pub struct AfterSaleFilter {
    pub status: Option<String>,
    pub order_id: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub updated_from: Option<DateTime<Utc>>,
    pub updated_to: Option<DateTime<Utc>>,
}

// Returns and cancellations have the same columns under two tables; one macro keeps their list and
// detail queries from drifting apart.
macro_rules! after_sale_views {
    ($list:ident, $detail:ident, $entity:ident, $noun:literal) => {
        /// A shop's records, newest created first.
        pub async fn $list(
            db: &DatabaseConnection,
            shop_id: &str,
            filter: &AfterSaleFilter,
            limit: u64,
            after: Option<Cursor>,
        ) -> Result<(Vec<entity::$entity::Model>, Option<Cursor>)> {
            use entity::$entity::{Column, Entity};
            let mut query = Entity::find().filter(Column::ShopId.eq(shop_id));
            if let Some(s) = &filter.status {
                query = query.filter(Column::Status.eq(s));
            }
            if let Some(o) = &filter.order_id {
                query = query.filter(Column::OrderId.eq(o));
            }
            if let Some(t) = filter.created_from {
                query = query.filter(Column::CreateTime.gte(t));
            }
            if let Some(t) = filter.created_to {
                query = query.filter(Column::CreateTime.lt(t));
            }
            if let Some(t) = filter.updated_from {
                query = query.filter(Column::UpdateTime.gte(t));
            }
            if let Some(t) = filter.updated_to {
                query = query.filter(Column::UpdateTime.lt(t));
            }
            Ok(keyset_page(
                db,
                query,
                (Column::CreateTime, Column::Id),
                Direction::NewestFirst,
                limit,
                after,
                |r| Cursor {
                    at: r.create_time,
                    id: r.id.clone(),
                },
            )
            .await?)
        }

        /// One record with its order as last synced (none when the order is not synced yet).
        pub async fn $detail(
            db: &DatabaseConnection,
            shop_id: &str,
            id: &str,
        ) -> Result<(entity::$entity::Model, Option<tiktok_order::Model>)> {
            let record = entity::$entity::Entity::find_by_id((shop_id.to_owned(), id.to_owned()))
                .one(db)
                .await?
                .ok_or_else(|| Error::not_found($noun))?;
            let order =
                tiktok_order::Entity::find_by_id((shop_id.to_owned(), record.order_id.clone()))
                    .one(db)
                    .await?;
            Ok((record, order))
        }
    };
}

after_sale_views!(list_returns, return_detail, tiktok_return, "return");
after_sale_views!(
    list_cancellations,
    cancellation_detail,
    tiktok_cancellation,
    "cancellation"
);
