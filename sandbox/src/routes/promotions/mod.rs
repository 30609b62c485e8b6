//! Promotions (tiktok-api-areas.md §3): activities at 202309 (create, search, get, update, products
//! put/delete, deactivate) and republish at 202607 (`activities`, `products`, with the type-specific
//! `discount` objects in `discounts`), and the read-only coupons at 202406 (`coupons`).
//!
//! The activity's status is the world's (moved by the clock, see `world::promotions`); every change
//! announces itself by webhook 63 (CREATE, UPDATE, DEACTIVATE) and every status change to ONGOING,
//! EXPIRED or DEACTIVATED by webhook 39. Input errors answer 36009004 with a message naming the field;
//! business refusals answer the codes below (HTTP 200, `data` null).

mod activities;
mod coupons;
mod discounts;
mod products;

use actix_web::http::Method;
use actix_web::web;
use serde_json::{Map, Value, json};

use crate::protocol::{ApiError, Category, Scope, codes, json_id, op};
use crate::world::events::{ActivityProductIds, SandboxEvent};
use crate::world::{
    ActivityStatus, ActivityType, Id, ProductLevel, Promotion, World, format_amount,
};

/// The activity's status does not allow the change (deactivated, expired, immutable, not eligible).
pub const ACTIVITY_STATUS_NOT_ALLOWED: i64 = 17000002;
/// A product or SKU named in an activity does not exist in the shop (or is not in the activity).
pub const ACTIVITY_PRODUCT_INVALID: i64 = 17000003;
pub const COUPON_NOT_FOUND: i64 = 17000004;
/// Assumed: the title is already used by another activity of the shop.
pub const ACTIVITY_TITLE_TAKEN: i64 = 17000005;
/// Assumed: a SKU is already in another activity of the same group over an overlapping window.
pub const ACTIVITY_SKU_CONFLICT: i64 = 17000006;
/// Assumed: an ONGOING flash sale's products and SKUs keep their price and limits.
pub const FLASHSALE_ONGOING_LOCKED: i64 = 17000007;
/// Assumed: a product's or SKU's `quantity_limit` / `quantity_per_user` can only grow.
pub const ACTIVITY_LIMIT_DECREASED: i64 = 17000008;

const DAY: i64 = 86_400;
/// A flash sale lasts at most three days.
const MAX_FLASHSALE: i64 = 3 * DAY;
/// Assumed: the other activities last at most 180 days.
const MAX_DURATION: i64 = 180 * DAY;
/// The shortest NORMAL activity (10 minutes).
const MIN_DURATION: i64 = 600;
/// Get leaves out the products of a price-type activity that ended more than this long ago.
const PRODUCTS_KEPT: i64 = 180 * DAY;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Category::Promotions as C;
    use Scope::Shop as S;
    const ONE: &str = "/promotion/202309/activities/{activity_id}";
    op(
        cfg,
        Method::POST,
        "/promotion/202309/activities",
        C,
        S,
        activities::create,
    );
    op(
        cfg,
        Method::POST,
        "/promotion/202309/activities/search",
        C,
        S,
        activities::search,
    );
    op(cfg, Method::GET, ONE, C, S, activities::get);
    op(cfg, Method::PUT, ONE, C, S, activities::update);
    op(
        cfg,
        Method::POST,
        "/promotion/202309/activities/{activity_id}/deactivate",
        C,
        S,
        activities::deactivate,
    );
    op(
        cfg,
        Method::POST,
        "/promotion/202607/activities/{activity_id}/republish",
        C,
        S,
        activities::republish,
    );
    op(
        cfg,
        Method::PUT,
        "/promotion/202309/activities/{activity_id}/products",
        C,
        S,
        products::put,
    );
    op(
        cfg,
        Method::DELETE,
        "/promotion/202309/activities/{activity_id}/products",
        C,
        S,
        products::delete,
    );
    op(
        cfg,
        Method::POST,
        "/promotion/202406/coupons/search",
        C,
        S,
        coupons::search,
    );
    op(
        cfg,
        Method::GET,
        "/promotion/202406/coupons/{coupon_id}",
        C,
        S,
        coupons::get,
    );
}

// ---------------------------------------------------------------------------------------------------
// Reading a body field by field, so that every refusal names its field.

/// A field that must be a string when present.
fn opt_str<'a>(b: &'a Value, key: &str, name: &str) -> Result<Option<&'a str>, ApiError> {
    match b.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(other) => Err(ApiError::invalid(format!(
            "{name} must be a string, got {other}."
        ))),
    }
}

fn req_str<'a>(b: &'a Value, key: &str, name: &str) -> Result<&'a str, ApiError> {
    opt_str(b, key, name)?.ok_or_else(|| ApiError::invalid(format!("{name} is required.")))
}

/// A field that must be an integer when present.
fn opt_int(b: &Value, key: &str, name: &str) -> Result<Option<i64>, ApiError> {
    match b.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| ApiError::invalid(format!("{name} must be an integer, got {n}."))),
        Some(other) => Err(ApiError::invalid(format!(
            "{name} must be an integer, got {other}."
        ))),
    }
}

fn req_int(b: &Value, key: &str, name: &str) -> Result<i64, ApiError> {
    opt_int(b, key, name)?.ok_or_else(|| ApiError::invalid(format!("{name} is required.")))
}

/// A field that must be an array when present (absent = empty).
fn opt_list<'a>(b: &'a Value, key: &str, name: &str) -> Result<&'a [Value], ApiError> {
    match b.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a.as_slice()),
        Some(other) => Err(ApiError::invalid(format!(
            "{name} must be an array, got {other}."
        ))),
    }
}

/// An array of ids (strings of digits, or numbers).
fn id_list(b: &Value, key: &str, max: usize) -> Result<Vec<Id>, ApiError> {
    let raw = opt_list(b, key, key)?;
    if raw.len() > max {
        return Err(ApiError::invalid(format!(
            "{key} takes at most {max} ids, got {}.",
            raw.len()
        )));
    }
    raw.iter()
        .enumerate()
        .map(|(i, v)| {
            json_id(v).ok_or_else(|| ApiError::invalid(format!("{key}[{i}] is not an id: {v}.")))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------
// Shared rules.

fn not_found() -> ApiError {
    ApiError::business(
        codes::PROMOTION_NOT_FOUND,
        "activity_id: the activity does not exist in this shop.",
    )
}

fn find(w: &World, shop: Id, id: Id) -> Result<&Promotion, ApiError> {
    w.promotions
        .get(&id)
        .filter(|p| p.shop_id == shop)
        .ok_or_else(not_found)
}

/// Refuses changes to an EXPIRED, DEACTIVATED or NOT_EFFECTIVE activity, and to an IMMUTABLE one.
fn editable(p: &Promotion) -> Result<(), ApiError> {
    if p.status.is_closed() {
        return Err(ApiError::business(
            ACTIVITY_STATUS_NOT_ALLOWED,
            format!(
                "The activity is {} and can no longer be changed.",
                p.status.as_str()
            ),
        ));
    }
    if p.activity_commands.iter().any(|c| c == "IMMUTABLE") {
        return Err(ApiError::business(
            ACTIVITY_STATUS_NOT_ALLOWED,
            "The activity is IMMUTABLE (activity_commands): it cannot be edited or deactivated.",
        ));
    }
    Ok(())
}

/// Title rules: present, at most the type's length, unique in the shop (among other activities).
fn check_title(
    w: &World,
    shop: Id,
    this: Option<Id>,
    kind: ActivityType,
    title: &str,
) -> Result<(), ApiError> {
    if title.trim().is_empty() {
        return Err(ApiError::invalid("title is required."));
    }
    let max = kind.max_title();
    if title.chars().count() > max {
        return Err(ApiError::invalid(format!(
            "title must be at most {max} characters for a {} activity.",
            kind.as_str()
        )));
    }
    if let Some(other) = w
        .promotions
        .values()
        .find(|p| p.shop_id == shop && Some(p.id) != this && p.title == title)
    {
        return Err(ApiError::business(
            ACTIVITY_TITLE_TAKEN,
            format!(
                "title: activity {} of this shop is already named {title:?}; titles are unique in a shop.",
                other.id
            ),
        ));
    }
    Ok(())
}

/// The window rules of a NORMAL activity: end ≥ begin + 600 s (SHIPPING_DISCOUNT: end after begin),
/// a flash sale ≤ 3 days, others ≤ 180 days (assumed).
fn check_span(kind: ActivityType, begin: i64, end: i64) -> Result<(), ApiError> {
    if kind == ActivityType::ShippingDiscount {
        if end <= begin {
            return Err(ApiError::invalid("end_time must be after begin_time."));
        }
    } else if end < begin + MIN_DURATION {
        return Err(ApiError::invalid(format!(
            "end_time must be at least {MIN_DURATION} seconds (10 minutes) after begin_time."
        )));
    }
    let max = if kind == ActivityType::FlashSale {
        MAX_FLASHSALE
    } else {
        MAX_DURATION
    };
    if end - begin > max {
        return Err(ApiError::invalid(format!(
            "end_time: a {} activity lasts at most {} days.",
            kind.as_str(),
            max / DAY
        )));
    }
    Ok(())
}

/// Refuses a window that would put one of the activity's SKUs in two activities of a group at once.
fn check_conflicts(
    w: &World,
    p: &Promotion,
    begin: i64,
    end: i64,
    field: &str,
) -> Result<(), ApiError> {
    let skus = w.covered_skus(p);
    match w.promotion_conflict(p.id, p.activity_type, begin, end, &skus) {
        Some(c) => Err(conflict_error(w, field, c)),
        None => Ok(()),
    }
}

fn conflict_error(w: &World, field: &str, c: crate::world::Conflict) -> ApiError {
    let other = w.promotions.get(&c.activity_id);
    let (kind, b, e) = other
        .map(|o| (o.activity_type.as_str(), o.begin_time, o.end_time))
        .unwrap_or(("", 0, 0));
    ApiError::business(
        ACTIVITY_SKU_CONFLICT,
        format!(
            "{field}: SKU {} is already in activity {} ({kind}, {b}–{e}) over an overlapping time; a SKU can be in one product-discount (FIXED_PRICE, DIRECT_DISCOUNT) and one FLASHSALE activity at a time.",
            c.sku_id, c.activity_id
        ),
    )
}

/// Webhook 63.
fn change_event(
    p: &Promotion,
    change_type: &str,
    updated: ActivityProductIds,
    removed: ActivityProductIds,
    now: i64,
) -> SandboxEvent {
    SandboxEvent::PromotionActivityChange {
        shop_id: p.shop_id,
        activity_id: p.id,
        change_type: change_type.to_string(),
        updated,
        removed,
        update_time: now,
    }
}

// ---------------------------------------------------------------------------------------------------
// Rendering (ids as strings; activity create_time/update_time in milliseconds in get and search).

fn ms(t: i64) -> i64 {
    t.saturating_mul(1000)
}

fn common_fields(p: &Promotion) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("title".into(), json!(p.title));
    m.insert("activity_type".into(), json!(p.activity_type.as_str()));
    m.insert("product_level".into(), json!(p.product_level.as_str()));
    m.insert("status".into(), json!(p.status.as_str()));
    m.insert("duration_type".into(), json!(p.duration_type));
    m.insert("begin_time".into(), json!(p.begin_time));
    m.insert("end_time".into(), json!(p.end_time));
    m.insert("create_time".into(), json!(ms(p.create_time)));
    m.insert("update_time".into(), json!(ms(p.update_time)));
    m.insert(
        "participation_limit".into(),
        json!([{"type": p.participation_limit}]),
    );
    if !p.activity_commands.is_empty() {
        m.insert("activity_commands".into(), json!(p.activity_commands));
    }
    if let Some(d) = &p.discount {
        m.insert("discount".into(), d.clone());
    }
    m
}

/// An activity as search lists it (no products).
fn summary_json(p: &Promotion) -> Value {
    let mut m = common_fields(p);
    m.insert("id".into(), json!(p.id.to_string()));
    Value::Object(m)
}

/// An activity as get answers it.
fn detail_json(w: &World, p: &Promotion, now: i64) -> Value {
    let region = w.region_of(p.shop_id);
    let money = |a: i64| json!({"amount": format_amount(a, region), "currency": region.currency()});
    let mut m = common_fields(p);
    m.insert("activity_id".into(), json!(p.id.to_string()));
    if let Some(t) = &p.target_user_type {
        m.insert("target_user_info".into(), json!({"user_type": t}));
    }
    if p.activity_type == ActivityType::ShippingDiscount
        && let Some(a) = &p.auction_support_type
    {
        m.insert("auction_support_type".into(), json!(a));
    }
    if !p.benefit_product_ids.is_empty() {
        let b: Vec<Value> = p
            .benefit_product_ids
            .iter()
            .map(|id| json!({"id": id.to_string()}))
            .collect();
        m.insert("benefit_products".into(), Value::Array(b));
    }
    let long_over =
        p.activity_type.is_price() && p.ended_time.is_some_and(|t| t < now - PRODUCTS_KEPT);
    if !p.products.is_empty() && !long_over {
        let products: Vec<Value> = p
            .products
            .iter()
            .map(|pp| {
                let mut o = Map::new();
                o.insert("id".into(), json!(pp.product_id.to_string()));
                if let Some(a) = pp.activity_price {
                    o.insert("activity_price".into(), money(a));
                }
                if let Some(d) = pp.discount_percent {
                    o.insert("discount".into(), json!(d.to_string()));
                }
                o.insert("quantity_limit".into(), json!(pp.quantity_limit));
                o.insert("quantity_per_user".into(), json!(pp.quantity_per_user));
                o.insert("used_quantity".into(), json!(pp.used_quantity));
                if p.product_level == ProductLevel::Variation {
                    let skus: Vec<Value> = pp
                        .skus
                        .iter()
                        .map(|s| {
                            let mut k = Map::new();
                            k.insert("id".into(), json!(s.sku_id.to_string()));
                            if let Some(a) = s.activity_price {
                                k.insert("activity_price".into(), money(a));
                            }
                            if let Some(d) = s.discount_percent {
                                k.insert("discount".into(), json!(d.to_string()));
                            }
                            k.insert("quantity_limit".into(), json!(s.quantity_limit));
                            k.insert("quantity_per_user".into(), json!(s.quantity_per_user));
                            k.insert("used_quantity".into(), json!(s.used_quantity));
                            Value::Object(k)
                        })
                        .collect();
                    o.insert("skus".into(), Value::Array(skus));
                }
                Value::Object(o)
            })
            .collect();
        m.insert("products".into(), Value::Array(products));
    }
    Value::Object(m)
}

/// The status names search takes (omitted = these four).
const SEARCH_STATUSES: [ActivityStatus; 4] = [
    ActivityStatus::NotStart,
    ActivityStatus::Ongoing,
    ActivityStatus::Expired,
    ActivityStatus::Deactivated,
];
