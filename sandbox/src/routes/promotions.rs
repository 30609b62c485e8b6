//! Promotions: activities (create, search, get, update, add/update and remove products, deactivate) at
//! 202309, and coupons (search, get) at 202406. An activity's status follows the sandbox clock:
//! NOT_START before `begin_time`, ONGOING until `end_time`, then EXPIRED; DEACTIVATED is final.

use actix_web::http::Method;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};

use super::returns::{Order, paginate};
use crate::protocol::{ApiError, ApiResult, Category, Ctx, Scope, codes, json_id, op};
use crate::world::{
    Coupon, Id, IdKind, Promotion, PromotionProduct, World, format_amount, parse_amount,
};

/// The activity's status does not allow the change (deactivated or expired).
pub const ACTIVITY_STATUS_NOT_ALLOWED: i64 = 17000002;
/// A product or SKU named in an activity does not exist in the shop.
pub const ACTIVITY_PRODUCT_INVALID: i64 = 17000003;
pub const COUPON_NOT_FOUND: i64 = 17000004;

const TYPES: [&str; 3] = ["FIXED_PRICE", "DIRECT_DISCOUNT", "FLASHSALE"];
const STATUSES: [&str; 6] = [
    "DRAFT",
    "NOT_START",
    "ONGOING",
    "EXPIRED",
    "DEACTIVATED",
    "NOT_EFFECTIVE",
];
/// The longest an activity may run.
const MAX_DURATION: i64 = 180 * 86_400;
/// A flash sale lasts at most three days.
const MAX_FLASHSALE_DURATION: i64 = 3 * 86_400;
const MAX_TITLE: usize = 50;
const MAX_PRODUCTS_PER_CALL: usize = 100;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Category::Promotions as C;
    use Scope::Shop as S;
    op(
        cfg,
        Method::POST,
        "/promotion/202309/activities",
        C,
        S,
        create,
    );
    op(
        cfg,
        Method::POST,
        "/promotion/202309/activities/search",
        C,
        S,
        search,
    );
    op(
        cfg,
        Method::GET,
        "/promotion/202309/activities/{activity_id}",
        C,
        S,
        get,
    );
    op(
        cfg,
        Method::PUT,
        "/promotion/202309/activities/{activity_id}",
        C,
        S,
        update,
    );
    op(
        cfg,
        Method::PUT,
        "/promotion/202309/activities/{activity_id}/products",
        C,
        S,
        put_products,
    );
    op(
        cfg,
        Method::DELETE,
        "/promotion/202309/activities/{activity_id}/products",
        C,
        S,
        remove_products,
    );
    op(
        cfg,
        Method::POST,
        "/promotion/202309/activities/{activity_id}/deactivate",
        C,
        S,
        deactivate,
    );
    op(
        cfg,
        Method::POST,
        "/promotion/202406/coupons/search",
        C,
        S,
        search_coupons,
    );
    op(
        cfg,
        Method::GET,
        "/promotion/202406/coupons/{coupon_id}",
        C,
        S,
        get_coupon,
    );
}

/// The status as of `now`.
pub fn activity_status(p: &Promotion, now: i64) -> &str {
    match p.status.as_str() {
        "DEACTIVATED" | "DRAFT" | "NOT_EFFECTIVE" => p.status.as_str(),
        _ if now < p.begin_time => "NOT_START",
        _ if now < p.end_time => "ONGOING",
        _ => "EXPIRED",
    }
}

fn coupon_status(c: &Coupon, now: i64) -> &str {
    match c.status.as_str() {
        "DEACTIVATED" => "DEACTIVATED",
        _ if now < c.start_time => "NOT_START",
        _ if now < c.end_time => "ONGOING",
        _ => "EXPIRED",
    }
}

fn activity_json(w: &World, p: &Promotion, now: i64, with_products: bool) -> Value {
    let region = w.region_of(p.shop_id);
    let mut v = json!({
        "id": p.id.to_string(),
        "activity_id": p.id.to_string(),
        "title": p.title,
        "activity_type": p.activity_type,
        "product_level": p.product_level,
        "duration_type": "NORMAL",
        "begin_time": p.begin_time,
        "end_time": p.end_time,
        "status": activity_status(p, now),
        "participation_limit": [{"type": "BUYER_NO_LIMIT"}],
        "create_time": p.create_time,
        "update_time": p.update_time,
    });
    if with_products {
        let products: Vec<Value> = p
            .products
            .iter()
            .map(|pp| {
                let price = pp.activity_price.map(
                    |a| json!({"amount": format_amount(a, region), "currency": region.currency()}),
                );
                let skus: Vec<Value> = pp
                    .sku_ids
                    .iter()
                    .map(|s| {
                        json!({
                            "id": s.to_string(),
                            "quantity_limit": pp.quantity_limit,
                            "quantity_per_user": pp.quantity_per_user,
                            "activity_price": price,
                            "discount": pp.discount_percent.map(|d| d.to_string()),
                        })
                    })
                    .collect();
                json!({
                    "id": pp.product_id.to_string(),
                    "activity_price": price,
                    "discount": pp.discount_percent.map(|d| d.to_string()),
                    "quantity_limit": pp.quantity_limit,
                    "quantity_per_user": pp.quantity_per_user,
                    "skus": skus,
                })
            })
            .collect();
        v["products"] = Value::Array(products);
    }
    v
}

fn find(w: &World, shop: Id, id: Id) -> Result<&Promotion, ApiError> {
    w.promotions
        .get(&id)
        .filter(|p| p.shop_id == shop)
        .ok_or_else(|| {
            ApiError::business(codes::PROMOTION_NOT_FOUND, "The activity does not exist.")
        })
}

fn check_times(kind: &str, begin: i64, end: i64, now: i64) -> Result<(), ApiError> {
    if begin <= 0 || end <= 0 {
        return Err(ApiError::invalid(
            "begin_time and end_time must be unix timestamps.",
        ));
    }
    if end <= begin {
        return Err(ApiError::invalid("end_time must be after begin_time."));
    }
    if end <= now {
        return Err(ApiError::invalid("end_time must be in the future."));
    }
    let max = if kind == "FLASHSALE" {
        MAX_FLASHSALE_DURATION
    } else {
        MAX_DURATION
    };
    if end - begin > max {
        return Err(ApiError::invalid(format!(
            "A {kind} activity can last at most {} days.",
            max / 86_400
        )));
    }
    Ok(())
}

fn check_title(title: &str) -> Result<(), ApiError> {
    if title.trim().is_empty() {
        return Err(ApiError::invalid("title is required."));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(ApiError::invalid(format!(
            "title must be at most {MAX_TITLE} characters."
        )));
    }
    Ok(())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CreateBody {
    title: Option<String>,
    activity_type: Option<String>,
    product_level: Option<String>,
    begin_time: Option<i64>,
    end_time: Option<i64>,
    participation_limit: Option<Value>,
    duration_type: Option<String>,
}

fn create(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let b: CreateBody = ctx.json()?;
    let title = b
        .title
        .ok_or_else(|| ApiError::invalid("title is required."))?;
    check_title(&title)?;
    let kind = b
        .activity_type
        .ok_or_else(|| ApiError::invalid("activity_type is required."))?;
    if !TYPES.contains(&kind.as_str()) {
        return Err(ApiError::invalid(format!(
            "Invalid activity_type {kind:?}: use FIXED_PRICE, DIRECT_DISCOUNT or FLASHSALE."
        )));
    }
    let level = b
        .product_level
        .ok_or_else(|| ApiError::invalid("product_level is required."))?;
    if !matches!(level.as_str(), "PRODUCT" | "VARIATION") {
        return Err(ApiError::invalid(format!(
            "Invalid product_level {level:?}: use PRODUCT or VARIATION."
        )));
    }
    if let Some(d) = &b.duration_type
        && d != "NORMAL"
    {
        return Err(ApiError::invalid(format!("Invalid duration_type {d:?}.")));
    }
    if let Some(p) = &b.participation_limit
        && !p.is_array()
    {
        return Err(ApiError::invalid("participation_limit must be an array."));
    }
    let begin = b
        .begin_time
        .ok_or_else(|| ApiError::invalid("begin_time is required."))?;
    let end = b
        .end_time
        .ok_or_else(|| ApiError::invalid("end_time is required."))?;
    let now = ctx.now;
    check_times(&kind, begin, end, now)?;
    ctx.with_world(|w| {
        let id = w.new_id(IdKind::Promotion);
        let p = Promotion {
            id,
            shop_id: shop,
            title,
            activity_type: kind,
            product_level: level,
            status: "NOT_START".into(),
            begin_time: begin,
            end_time: end,
            products: Vec::new(),
            create_time: now,
            update_time: now,
        };
        let status = activity_status(&p, now).to_string();
        w.promotions.insert(id, p);
        Ok(json!({
            "activity_id": id.to_string(),
            "create_time": now,
            "update_time": now,
            "status": status,
        }))
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SearchBody {
    status: Option<String>,
    activity_title: Option<String>,
    activity_type: Option<String>,
    page_size: Option<i64>,
    page_token: Option<String>,
}

fn search(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let b: SearchBody = ctx.json()?;
    let page_size = match b.page_size {
        None => 20,
        Some(n @ 1..=100) => n as usize,
        Some(n) => {
            return Err(ApiError::invalid(format!(
                "page_size must be between 1 and 100, got {n}."
            )));
        }
    };
    if let Some(s) = &b.status
        && !STATUSES.contains(&s.as_str())
    {
        return Err(ApiError::invalid(format!("Invalid status {s:?}.")));
    }
    if let Some(t) = &b.activity_type
        && !TYPES.contains(&t.as_str())
    {
        return Err(ApiError::invalid(format!("Invalid activity_type {t:?}.")));
    }
    let now = ctx.now;
    let rows = ctx.with_world(|w| {
        w.promotions
            .values()
            .filter(|p| p.shop_id == shop)
            .filter(|p| {
                b.status
                    .as_deref()
                    .is_none_or(|s| activity_status(p, now) == s)
            })
            .filter(|p| {
                b.activity_type
                    .as_deref()
                    .is_none_or(|t| p.activity_type == t)
            })
            .filter(|p| {
                b.activity_title
                    .as_deref()
                    .is_none_or(|t| p.title.to_lowercase().contains(&t.to_lowercase()))
            })
            .map(|p| (p.create_time, p.id, activity_json(w, p, now, false)))
            .collect::<Vec<_>>()
    });
    let (items, next, total) = paginate(rows, Order::Desc, page_size, b.page_token.as_deref())?;
    Ok(json!({"activities": items, "next_page_token": next, "total_count": total}))
}

fn get(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("activity_id")?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let p = find(w, shop, id)?;
        Ok(activity_json(w, p, now, true))
    })
}

fn editable(p: &Promotion, now: i64) -> Result<(), ApiError> {
    let status = activity_status(p, now);
    if matches!(status, "DEACTIVATED" | "EXPIRED") {
        return Err(ApiError::business(
            ACTIVITY_STATUS_NOT_ALLOWED,
            format!("The activity is {status} and can no longer be changed."),
        ));
    }
    Ok(())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UpdateBody {
    title: Option<String>,
    begin_time: Option<i64>,
    end_time: Option<i64>,
    #[allow(dead_code)]
    participation_limit: Option<Value>,
}

fn update(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("activity_id")?;
    let b: UpdateBody = ctx.json()?;
    if let Some(t) = &b.title {
        check_title(t)?;
    }
    let now = ctx.now;
    ctx.with_world(|w| {
        let p = find(w, shop, id)?;
        editable(p, now)?;
        let begin = b.begin_time.unwrap_or(p.begin_time);
        let end = b.end_time.unwrap_or(p.end_time);
        if activity_status(p, now) == "ONGOING" && begin != p.begin_time {
            return Err(ApiError::invalid(
                "begin_time of an ongoing activity cannot change.",
            ));
        }
        check_times(&p.activity_type, begin, end, now)?;
        let p = w.promotions.get_mut(&id).ok_or_else(ApiError::internal)?;
        if let Some(t) = b.title {
            p.title = t;
        }
        p.begin_time = begin;
        p.end_time = end;
        p.update_time = now;
        Ok(json!({"activity_id": id.to_string(), "title": p.title, "update_time": now}))
    })
}

#[derive(Deserialize)]
struct ProductIn {
    id: Value,
    #[serde(default)]
    activity_price_amount: Option<String>,
    #[serde(default)]
    discount: Option<Value>,
    #[serde(default)]
    quantity_limit: Option<i64>,
    #[serde(default)]
    quantity_per_user: Option<i64>,
    #[serde(default)]
    skus: Vec<SkuIn>,
}

#[derive(Deserialize)]
struct SkuIn {
    id: Value,
    #[serde(default)]
    activity_price_amount: Option<String>,
    #[serde(default)]
    discount: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProductsBody {
    products: Vec<ProductIn>,
}

fn limit(v: Option<i64>, name: &str) -> Result<i64, ApiError> {
    match v.unwrap_or(-1) {
        -1 => Ok(-1),
        n if n >= 1 => Ok(n),
        n => Err(ApiError::invalid(format!(
            "{name} must be -1 (no limit) or at least 1, got {n}."
        ))),
    }
}

fn parse_discount(v: &Value) -> Option<u32> {
    let n = match v {
        Value::String(s) => s.trim().parse::<u32>().ok()?,
        Value::Number(n) => u32::try_from(n.as_u64()?).ok()?,
        _ => return None,
    };
    (1..=99).contains(&n).then_some(n)
}

fn put_products(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("activity_id")?;
    let b: ProductsBody = ctx.json()?;
    if b.products.is_empty() {
        return Err(ApiError::invalid(
            "products must name at least one product.",
        ));
    }
    if b.products.len() > MAX_PRODUCTS_PER_CALL {
        return Err(ApiError::invalid(format!(
            "At most {MAX_PRODUCTS_PER_CALL} products per call."
        )));
    }
    let now = ctx.now;
    ctx.with_world(|w| {
        let p = find(w, shop, id)?;
        editable(p, now)?;
        let kind = p.activity_type.clone();
        let by_variation = p.product_level == "VARIATION";
        let region = w.region_of(shop);
        let mut parsed = Vec::with_capacity(b.products.len());
        for input in &b.products {
            let pid = json_id(&input.id)
                .ok_or_else(|| ApiError::invalid(format!("Invalid product id {}.", input.id)))?;
            let product = w
                .products
                .get(&pid)
                .filter(|p| p.shop_id == shop && p.status != crate::world::ProductStatus::Deleted)
                .ok_or_else(|| {
                    ApiError::business(
                        ACTIVITY_PRODUCT_INVALID,
                        format!("Product {pid} does not exist in this shop."),
                    )
                })?;
            if by_variation && input.skus.is_empty() {
                return Err(ApiError::invalid(format!(
                    "The activity is by VARIATION: product {pid} must list its skus."
                )));
            }
            let mut sku_ids = Vec::new();
            for s in &input.skus {
                let sid = json_id(&s.id)
                    .ok_or_else(|| ApiError::invalid(format!("Invalid sku id {}.", s.id)))?;
                if !product.skus.iter().any(|k| k.id == sid) {
                    return Err(ApiError::business(
                        ACTIVITY_PRODUCT_INVALID,
                        format!("SKU {sid} is not a SKU of product {pid}."),
                    ));
                }
                sku_ids.push(sid);
            }
            let lowest = product
                .skus
                .iter()
                .filter(|s| sku_ids.is_empty() || sku_ids.contains(&s.id))
                .map(|s| s.price)
                .min()
                .unwrap_or(0);
            let price_raw = input
                .activity_price_amount
                .clone()
                .or_else(|| input.skus.iter().find_map(|s| s.activity_price_amount.clone()));
            let discount_raw = input
                .discount
                .clone()
                .or_else(|| input.skus.iter().find_map(|s| s.discount.clone()));
            let (activity_price, discount_percent) = if kind == "DIRECT_DISCOUNT" {
                let d = discount_raw.as_ref().and_then(parse_discount).ok_or_else(|| {
                    ApiError::invalid(format!(
                        "A DIRECT_DISCOUNT activity needs discount (1-99 percent) for product {pid}."
                    ))
                })?;
                (None, Some(d))
            } else {
                let raw = price_raw.ok_or_else(|| {
                    ApiError::invalid(format!(
                        "A {kind} activity needs activity_price_amount for product {pid}."
                    ))
                })?;
                let amount = parse_amount(&raw, region)
                    .filter(|a| *a > 0)
                    .ok_or_else(|| ApiError::invalid(format!("Invalid activity_price_amount {raw:?}.")))?;
                if amount >= lowest {
                    return Err(ApiError::invalid(format!(
                        "activity_price_amount {raw} must be below the product's price {}.",
                        format_amount(lowest, region)
                    )));
                }
                (Some(amount), None)
            };
            parsed.push(PromotionProduct {
                product_id: pid,
                activity_price,
                discount_percent,
                quantity_limit: limit(input.quantity_limit, "quantity_limit")?,
                quantity_per_user: limit(input.quantity_per_user, "quantity_per_user")?,
                sku_ids,
            });
        }
        let p = w.promotions.get_mut(&id).ok_or_else(ApiError::internal)?;
        for new in parsed {
            match p.products.iter_mut().find(|x| x.product_id == new.product_id) {
                Some(slot) => *slot = new,
                None => p.products.push(new),
            }
        }
        p.update_time = now;
        let p = p.clone();
        Ok(json!({
            "activity_id": id.to_string(),
            "title": p.title,
            "update_time": now,
            "status": activity_status(&p, now),
            "total_count": p.products.len(),
        }))
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RemoveBody {
    product_ids: Vec<Value>,
    sku_ids: Vec<Value>,
}

fn remove_products(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("activity_id")?;
    let b: RemoveBody = ctx.json()?;
    if b.product_ids.is_empty() && b.sku_ids.is_empty() {
        return Err(ApiError::invalid("product_ids or sku_ids is required."));
    }
    let ids = |vs: &[Value], what: &str| -> Result<Vec<Id>, ApiError> {
        vs.iter()
            .map(|v| {
                json_id(v).ok_or_else(|| ApiError::invalid(format!("Invalid id in {what}: {v}.")))
            })
            .collect()
    };
    let product_ids = ids(&b.product_ids, "product_ids")?;
    let sku_ids = ids(&b.sku_ids, "sku_ids")?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let p = find(w, shop, id)?;
        editable(p, now)?;
        for pid in &product_ids {
            if !p.products.iter().any(|x| x.product_id == *pid) {
                return Err(ApiError::business(
                    ACTIVITY_PRODUCT_INVALID,
                    format!("Product {pid} is not in the activity."),
                ));
            }
        }
        let p = w.promotions.get_mut(&id).ok_or_else(ApiError::internal)?;
        p.products.retain(|x| !product_ids.contains(&x.product_id));
        for x in &mut p.products {
            x.sku_ids.retain(|s| !sku_ids.contains(s));
        }
        p.update_time = now;
        let p = p.clone();
        Ok(json!({
            "activity_id": id.to_string(),
            "status": activity_status(&p, now),
            "update_time": now,
        }))
    })
}

fn deactivate(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("activity_id")?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let p = find(w, shop, id)?;
        editable(p, now)?;
        let p = w.promotions.get_mut(&id).ok_or_else(ApiError::internal)?;
        p.status = "DEACTIVATED".into();
        p.update_time = now;
        Ok(json!({
            "activity_id": id.to_string(),
            "title": p.title,
            "status": "DEACTIVATED",
            "update_time": now,
        }))
    })
}

fn coupon_json(w: &World, c: &Coupon, now: i64) -> Value {
    let region = w.region_of(c.shop_id);
    let money = |m: i64| json!({"amount": format_amount(m, region), "currency": region.currency()});
    json!({
        "id": c.id.to_string(),
        "title": c.title,
        "display_type": "REGULAR",
        "status": coupon_status(c, now),
        "create_time": c.create_time,
        "update_time": c.update_time,
        "claim_duration": {"start_time": c.start_time, "end_time": c.end_time},
        "redemption_duration": {"type": "FIXED_TIME", "start_time": c.start_time, "end_time": c.end_time},
        "target_buyer_segment": "ALL",
        "usage_limits": {"single_buyer_claim_limit": 1, "total_claim_limit": c.total, "redemption_limit": c.total},
        "usage_stats": {"claimed_count": c.claimed, "redeemed_count": c.claimed * 2 / 3},
        "discount": {
            "type": c.discount_type,
            "reduction_amount": c.amount_off.map(money),
            "percentage": c.percent_off.map(|p| p.to_string()),
            "max_discount": c.percent_off.map(|_| money(c.threshold / 2)),
        },
        "threshold": {"type": "MINIMUM_SPEND", "min_spend": money(c.threshold)},
        "product_scope": "ALL_PRODUCTS",
        "creation_source": "SELLER_CENTER",
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CouponSearch {
    status: Vec<String>,
    title_keyword: Option<String>,
    display_type: Vec<String>,
    page_size: Option<i64>,
    page_token: Option<String>,
}

fn search_coupons(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let b: CouponSearch = ctx.json()?;
    // Paging travels in the query; the body is accepted too.
    let size_raw = ctx
        .query("page_size")
        .map(|s| {
            s.parse::<i64>()
                .map_err(|_| ApiError::invalid(format!("Invalid page_size {s:?}.")))
        })
        .transpose()?
        .or(b.page_size);
    let page_size = match size_raw {
        None => 20,
        Some(n @ 1..=100) => n as usize,
        Some(n) => {
            return Err(ApiError::invalid(format!(
                "page_size must be between 1 and 100, got {n}."
            )));
        }
    };
    let token = ctx.query("page_token").map(str::to_string).or(b.page_token);
    for s in &b.status {
        if !matches!(
            s.as_str(),
            "NOT_START" | "ONGOING" | "EXPIRED" | "DEACTIVATED"
        ) {
            return Err(ApiError::invalid(format!("Invalid status {s:?}.")));
        }
    }
    for d in &b.display_type {
        if !matches!(
            d.as_str(),
            "REGULAR" | "LIVE" | "CREATOR_EXCLUSIVE" | "CHAT" | "PROMO_CODE"
        ) {
            return Err(ApiError::invalid(format!("Invalid display_type {d:?}.")));
        }
    }
    let now = ctx.now;
    let rows = ctx.with_world(|w| {
        w.coupons
            .values()
            .filter(|c| c.shop_id == shop)
            .filter(|c| b.status.is_empty() || b.status.iter().any(|s| s == coupon_status(c, now)))
            .filter(|_| b.display_type.is_empty() || b.display_type.iter().any(|d| d == "REGULAR"))
            .filter(|c| {
                b.title_keyword
                    .as_deref()
                    .is_none_or(|t| c.title.to_lowercase().contains(&t.to_lowercase()))
            })
            .map(|c| (c.create_time, c.id, coupon_json(w, c, now)))
            .collect::<Vec<_>>()
    });
    let (items, next, total) = paginate(rows, Order::Desc, page_size, token.as_deref())?;
    Ok(json!({"coupons": items, "next_page_token": next, "total_count": total}))
}

fn get_coupon(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("coupon_id")?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let c = w
            .coupons
            .get(&id)
            .filter(|c| c.shop_id == shop)
            .ok_or_else(|| ApiError::business(COUPON_NOT_FOUND, "The coupon does not exist."))?;
        Ok(json!({"coupon": coupon_json(w, c, now)}))
    })
}
