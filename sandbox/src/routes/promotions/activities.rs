//! Activities: create, search, get, update, deactivate (202309) and republish (202607).

use serde_json::{Value, json};

use super::discounts;
use super::{
    ACTIVITY_STATUS_NOT_ALLOWED, SEARCH_STATUSES, change_event, check_conflicts, check_span,
    check_title, detail_json, editable, find, opt_int, opt_str, req_int, req_str, summary_json,
};
use crate::protocol::{ApiError, ApiResult, Ctx};
use crate::routes::returns::{Order, paginate};
use crate::world::events::ActivityProductIds;
use crate::world::{ActivityStatus, ActivityType, IdKind, ProductLevel, Promotion, Region};

const DAY: i64 = 86_400;
/// How long after it ended a price-type activity can be republished.
const REPUBLISH_WINDOW: i64 = 7 * DAY;

fn activity_type(b: &Value) -> Result<ActivityType, ApiError> {
    let raw = req_str(b, "activity_type", "activity_type")?;
    ActivityType::parse(raw).ok_or_else(|| {
        ApiError::invalid(format!(
            "activity_type: invalid value {raw:?}; use {}.",
            ActivityType::ALL.map(|t| t.as_str()).join(", ")
        ))
    })
}

fn product_level(b: &Value, kind: ActivityType) -> Result<ProductLevel, ApiError> {
    let raw = req_str(b, "product_level", "product_level")?;
    let level = ProductLevel::parse(raw).ok_or_else(|| {
        ApiError::invalid(format!(
            "product_level: invalid value {raw:?}; use PRODUCT, VARIATION or SHOP."
        ))
    })?;
    if !kind.allows(level) {
        return Err(ApiError::invalid(format!(
            "product_level: {raw} is not allowed for a {} activity.",
            kind.as_str()
        )));
    }
    Ok(level)
}

/// Begin and end of a new run: INDEFINITE = both 0; NORMAL = begin strictly in the future, and the
/// type's span rules.
fn check_times(
    kind: ActivityType,
    duration: &str,
    begin: i64,
    end: i64,
    now: i64,
) -> Result<(), ApiError> {
    if duration == "INDEFINITE" {
        if begin != 0 || end != 0 {
            return Err(ApiError::invalid(
                "begin_time and end_time must be 0 for an INDEFINITE activity.",
            ));
        }
        return Ok(());
    }
    if begin <= now {
        return Err(ApiError::invalid(format!(
            "begin_time must be in the future (now is {now}), got {begin}."
        )));
    }
    check_span(kind, begin, end)
}

/// `POST /promotion/202309/activities` → `{activity_id, status, create_time, update_time}` (seconds).
pub(super) fn create(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let b = ctx.json_value()?;
    let title = req_str(&b, "title", "title")?.to_string();
    let kind = activity_type(&b)?;
    let level = product_level(&b, kind)?;
    let duration = discounts::duration(kind, &b)?;
    let begin = req_int(&b, "begin_time", "begin_time")?;
    let end = req_int(&b, "end_time", "end_time")?;
    let now = ctx.now;
    check_times(kind, &duration, begin, end, now)?;
    let participation = discounts::participation(kind, &b)?;
    let target = discounts::target_user(&b)?;
    let auction = discounts::auction(kind, &b)?;
    ctx.with_world(|w| {
        let region = w.region_of(shop);
        let discount = discounts::discount(kind, level, region == Region::Us, &b)?;
        check_title(w, shop, None, kind, &title)?;
        if let Some(d) = &discount {
            check_gifts(w, shop, d)?;
        }
        let id = w.new_id(IdKind::Promotion);
        let p = Promotion {
            id,
            shop_id: shop,
            title,
            activity_type: kind,
            product_level: level,
            status: ActivityStatus::NotStart,
            duration_type: duration,
            begin_time: begin,
            end_time: end,
            participation_limit: participation,
            discount,
            target_user_type: target,
            auction_support_type: auction,
            activity_commands: Vec::new(),
            products: Vec::new(),
            benefit_product_ids: Vec::new(),
            exclude_product_ids: Vec::new(),
            buyer_units: Default::default(),
            buyer_orders: Default::default(),
            ended_time: None,
            create_time: now,
            update_time: now,
        };
        w.outbox.push(change_event(
            &p,
            "CREATE",
            ActivityProductIds::default(),
            ActivityProductIds::default(),
            now,
        ));
        w.promotions.insert(id, p);
        // An INDEFINITE shipping discount runs at once; the others wait for their begin_time.
        w.settle_promotion(id, now);
        let status = w.promotions[&id].status;
        Ok(json!({
            "activity_id": id.to_string(),
            "status": status.as_str(),
            "create_time": now,
            "update_time": now,
        }))
    })
}

/// A GWP's gift SKUs must be SKUs of the named products, in this shop.
fn check_gifts(w: &crate::world::World, shop: u64, discount: &Value) -> Result<(), ApiError> {
    for (field, product, sku) in discounts::gift_skus(discount) {
        let ok = w
            .find_sku(sku)
            .is_some_and(|(p, _)| p.id == product && p.shop_id == shop);
        if !ok {
            return Err(ApiError::business(
                super::ACTIVITY_PRODUCT_INVALID,
                format!("{field}: SKU {sku} is not a SKU of product {product} in this shop."),
            ));
        }
    }
    Ok(())
}

/// `POST /promotion/202309/activities/search` (paging in the body).
pub(super) fn search(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let b = ctx.json_value()?;
    let status = match opt_str(&b, "status", "status")? {
        None => None,
        Some(s) => Some(
            ActivityStatus::parse(s)
                .filter(|s| SEARCH_STATUSES.contains(s))
                .ok_or_else(|| {
                    ApiError::invalid(format!(
                        "status: invalid value {s:?}; use NOT_START, ONGOING, EXPIRED or DEACTIVATED."
                    ))
                })?,
        ),
    };
    let kind = match opt_str(&b, "activity_type", "activity_type")? {
        None => None,
        Some(_) => Some(activity_type(&b)?),
    };
    let title = opt_str(&b, "activity_title", "activity_title")?.map(str::to_string);
    let page_size = match opt_int(&b, "page_size", "page_size")? {
        None | Some(0) => 10,
        Some(n @ 1..=100) => n as usize,
        Some(n) => {
            return Err(ApiError::invalid(format!(
                "page_size must be between 0 and 100 (0 = 10), got {n}."
            )));
        }
    };
    let token = opt_str(&b, "page_token", "page_token")?.map(str::to_string);
    let rows = ctx.with_world(|w| {
        w.promotions
            .values()
            .filter(|p| p.shop_id == shop)
            .filter(|p| match status {
                Some(s) => p.status == s,
                None => SEARCH_STATUSES.contains(&p.status),
            })
            .filter(|p| kind.is_none_or(|k| p.activity_type == k))
            .filter(|p| title.as_deref().is_none_or(|t| p.title == t))
            .map(|p| (p.create_time, p.id, summary_json(p)))
            .collect::<Vec<_>>()
    });
    let (items, next, total) = paginate(rows, Order::Desc, page_size, token.as_deref())?;
    let mut out = json!({"total_count": total, "next_page_token": next});
    if !items.is_empty() {
        out["activities"] = Value::Array(items);
    }
    Ok(out)
}

/// `GET /promotion/202309/activities/{activity_id}`.
pub(super) fn get(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("activity_id")?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let p = find(w, shop, id)?;
        Ok(detail_json(w, p, now))
    })
}

/// `PUT /promotion/202309/activities/{activity_id}`: title and times (and, for the other types,
/// their settings), with the rules for upcoming and ongoing activities.
pub(super) fn update(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("activity_id")?;
    let b = ctx.json_value()?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let p = find(w, shop, id)?.clone();
        editable(&p)?;
        let title = req_str(&b, "title", "title")?.to_string();
        let begin = req_int(&b, "begin_time", "begin_time")?;
        let end = req_int(&b, "end_time", "end_time")?;
        check_title(w, shop, Some(id), p.activity_type, &title)?;
        let kind = p.activity_type;
        let ongoing = p.status == ActivityStatus::Ongoing;
        // The settings the other types may change (the price types apply title and times only).
        let mut next = p.clone();
        if !kind.is_price() {
            if b.get("duration_type").is_some_and(|v| !v.is_null()) {
                next.duration_type = discounts::duration(kind, &b)?;
            }
            if let Some(raw) = opt_str(&b, "product_level", "product_level")? {
                next.product_level = product_level(&b, kind)?;
                if next.product_level != p.product_level && !p.products.is_empty() {
                    return Err(ApiError::invalid(format!(
                        "product_level: the activity has products; it stays {}, not {raw}.",
                        p.product_level.as_str()
                    )));
                }
            }
            if b.get("participation_limit").is_some() {
                next.participation_limit = discounts::participation(kind, &b)?;
            }
            if b.get("target_user_info").is_some() {
                next.target_user_type = discounts::target_user(&b)?;
            }
            if b.get("auction_support_type").is_some() {
                next.auction_support_type = discounts::auction(kind, &b)?;
            }
            if b.get("discount").is_some() {
                next.discount = discounts::discount(
                    kind,
                    next.product_level,
                    w.region_of(shop) == Region::Us,
                    &b,
                )?;
                if let Some(d) = &next.discount {
                    check_gifts(w, shop, d)?;
                }
            }
        }
        if ongoing {
            if next.duration_type != p.duration_type {
                return Err(ApiError::invalid(
                    "duration_type: an ONGOING activity keeps its duration_type.",
                ));
            }
            if !p.is_indefinite() {
                if begin != p.begin_time {
                    return Err(ApiError::invalid(format!(
                        "begin_time: an ONGOING activity keeps its begin_time ({}), got {begin}.",
                        p.begin_time
                    )));
                }
                if end <= now {
                    return Err(ApiError::invalid(format!(
                        "end_time must be in the future (now is {now}), got {end}."
                    )));
                }
                check_span(kind, begin, end)?;
            } else if begin != 0 || end != 0 {
                return Err(ApiError::invalid(
                    "begin_time and end_time must be 0 for an INDEFINITE activity.",
                ));
            }
            if matches!(kind, ActivityType::BuyMoreSaveMore | ActivityType::BuyXGetY) {
                keep_while_ongoing(&p, &next)?;
            }
        } else {
            check_times(kind, &next.duration_type, begin, end, now)?;
        }
        if kind.is_price() && (begin != p.begin_time || end != p.end_time) {
            check_conflicts(w, &p, begin, end, "end_time")?;
        }
        next.title = title;
        next.begin_time = begin;
        next.end_time = end;
        next.update_time = now;
        let answer = {
            let mut a = json!({"activity_id": id.to_string(), "update_time": now});
            if kind != ActivityType::ShippingDiscount {
                a["title"] = json!(next.title);
            }
            a
        };
        w.outbox.push(change_event(
            &next,
            "UPDATE",
            ActivityProductIds::default(),
            ActivityProductIds::default(),
            now,
        ));
        w.promotions.insert(id, next);
        w.schedule_promotion(id);
        w.settle_promotion(id, now);
        Ok(answer)
    })
}

/// An ONGOING BMSM or BXGY keeps its first-tier threshold and types, scope, limit and audience.
fn keep_while_ongoing(before: &Promotion, after: &Promotion) -> Result<(), ApiError> {
    let refuse = |field: &str| {
        Err(ApiError::business(
            ACTIVITY_STATUS_NOT_ALLOWED,
            format!(
                "{field}: an ONGOING {} activity keeps it.",
                before.activity_type.as_str()
            ),
        ))
    };
    if after.product_level != before.product_level {
        return refuse("product_level");
    }
    if after.participation_limit != before.participation_limit {
        return refuse("participation_limit");
    }
    if after.target_user_type != before.target_user_type {
        return refuse("target_user_info");
    }
    if discounts::first_tier(after.discount.as_ref())
        != discounts::first_tier(before.discount.as_ref())
    {
        return refuse("discount (first tier's threshold and types)");
    }
    Ok(())
}

/// `POST /promotion/202309/activities/{activity_id}/deactivate`: NOT_START or ONGOING only.
pub(super) fn deactivate(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("activity_id")?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let p = find(w, shop, id)?;
        editable(p)?;
        if !matches!(p.status, ActivityStatus::NotStart | ActivityStatus::Ongoing) {
            return Err(ApiError::business(
                ACTIVITY_STATUS_NOT_ALLOWED,
                format!(
                    "Only a NOT_START or ONGOING activity can be deactivated; this one is {}.",
                    p.status.as_str()
                ),
            ));
        }
        w.set_promotion_status(id, ActivityStatus::Deactivated, now);
        let p = w.promotions.get_mut(&id).ok_or_else(ApiError::internal)?;
        p.update_time = now;
        let p = p.clone();
        w.outbox.push(change_event(
            &p,
            "DEACTIVATE",
            ActivityProductIds::default(),
            ActivityProductIds::default(),
            now,
        ));
        Ok(json!({
            "activity_id": id.to_string(),
            "title": p.title,
            "status": "DEACTIVATED",
            "update_time": now,
        }))
    })
}

/// `POST /promotion/202607/activities/{activity_id}/republish {begin_time, end_time}`: a FIXED_PRICE,
/// FLASHSALE or DIRECT_DISCOUNT that expired or was deactivated at most 7 days ago runs again, same
/// id, same products (their used quantities start again from 0): NOT_START until `begin_time`.
pub(super) fn republish(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("activity_id")?;
    let b = ctx.json_value()?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let p = find(w, shop, id)?.clone();
        if !p.activity_type.is_price() {
            return Err(ApiError::business(
                ACTIVITY_STATUS_NOT_ALLOWED,
                format!(
                    "Only FIXED_PRICE, FLASHSALE and DIRECT_DISCOUNT activities can be republished, not {}.",
                    p.activity_type.as_str()
                ),
            ));
        }
        let recent = p.ended_time.is_some_and(|t| t >= now - REPUBLISH_WINDOW);
        if !matches!(p.status, ActivityStatus::Expired | ActivityStatus::Deactivated) || !recent {
            return Err(ApiError::business(
                ACTIVITY_STATUS_NOT_ALLOWED,
                format!(
                    "Only an activity that expired or was deactivated in the last 7 days can be republished; this one is {}.",
                    p.status.as_str()
                ),
            ));
        }
        let begin = req_int(&b, "begin_time", "begin_time")?;
        let end = req_int(&b, "end_time", "end_time")?;
        check_times(p.activity_type, "NORMAL", begin, end, now)?;
        check_conflicts(w, &p, begin, end, "begin_time")?;
        let q = w.promotions.get_mut(&id).ok_or_else(ApiError::internal)?;
        q.begin_time = begin;
        q.end_time = end;
        q.ended_time = None;
        q.update_time = now;
        q.buyer_units.clear();
        q.buyer_orders.clear();
        for pp in &mut q.products {
            pp.used_quantity = 0;
            for s in &mut pp.skus {
                s.used_quantity = 0;
            }
        }
        let q = q.clone();
        w.set_promotion_status(id, ActivityStatus::NotStart, now);
        w.schedule_promotion(id);
        w.outbox.push(change_event(
            &q,
            "UPDATE",
            ActivityProductIds::default(),
            ActivityProductIds::default(),
            now,
        ));
        Ok(json!({
            "activity_id": id.to_string(),
            "status": ActivityStatus::NotStart.as_str(),
            "begin_time": begin,
            "end_time": end,
            "update_time": now,
        }))
    })
}
