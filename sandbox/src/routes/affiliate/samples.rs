//! Creators' sample applications: search them and review a PENDING one (APPROVE, or REJECT with a
//! reason). The applications come from the seed and from the living shop's creators
//! (`World::sample_arrivals`), or the control plane.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{fraction, money, page_or, refusal};
use crate::protocol::{ApiError, ApiResult, Ctx, json_id};
use crate::routes::returns::{Order as SortOrder, paginate};
use crate::world::affiliate::SampleApplication;
use crate::world::{Id, World};

const REJECT_REASONS: [&str; 4] = ["NOT_MATCH", "OFFLINE", "OUT_OF_STOCK", "OTHER"];

fn application_json(w: &World, a: &SampleApplication, now: i64) -> Value {
    let region = w.region_of(a.shop_id);
    let c = &w.creators[a.creator];
    let product = w.products.get(&a.product_id);
    let sku = product.and_then(|p| p.skus.iter().find(|s| s.id == a.sku_id));
    let sku_name = sku.map(|s| {
        s.sales_attributes
            .iter()
            .map(|x| x.value_name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    });
    let left = w
        .affiliate
        .get(&a.shop_id)
        .and_then(|b| b.sample_rules.get(&a.product_id))
        .map(|r| w.sample_rule_state(a.shop_id, r, now).1);
    let approvable = w.sample_approvable(a, now).is_ok();
    // Stable figures for the creator (their marketplace profile), from the follower count.
    let gmv = c.follower_count * region.price_scale() / 20;
    json!({
        "id": a.id.to_string(),
        "status": a.status.as_str(),
        "commission_rate": fraction(a.commission_rate),
        "available_quantity": left,
        "approve_expiration_time": a.approve_expiration_time(),
        "shipment_expiration_time": a.shipment_expiration_time(),
        "fulfillment_status": a.status.fulfillment(),
        "is_approvable": approvable,
        "creator": {
            "creator_open_id": c.open_id,
            "username": c.username,
            "nickname": c.nickname,
            "follower_count": c.follower_count,
            "avatar_url": format!("https://p16-sign-va.tiktokcdn.com/avatar/{}.jpeg", c.user_id),
            "gmv": money(gmv, region),
            "content_count": 20 + c.follower_count % 180,
            "fulfillment_percentage": fraction(7_000 + (c.follower_count % 30) * 100),
            "ec_video_view": c.follower_count * 3,
        },
        "product": {
            "id": a.product_id.to_string(),
            "title": product.map(|p| p.title.clone()),
            "sku_id": a.sku_id.to_string(),
            "sku_image_url": format!(
                "https://p16-oec-va.ibyteimg.com/tos-maliva-i-o3syd03w52-us/{}~tplv-o3syd03w52-origin-jpeg.jpeg",
                a.sku_id
            ),
            "sku_name": sku_name,
        },
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SearchSamples {
    product_id: Option<Value>,
    title: Option<String>,
    /// Spelt so on the wire.
    creator_user_oepn_id: Option<String>,
    username: Option<String>,
    /// Spelt so on the wire.
    target_collabration_id: Option<Value>,
    order_id: Option<Value>,
    status: Option<String>,
}

fn id_filter(v: &Option<Value>, field: &str) -> Result<Option<Id>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(v) => json_id(v)
            .map(Some)
            .ok_or_else(|| ApiError::invalid(format!("{field}: invalid id {v}."))),
    }
}

/// `POST /affiliate_seller/202508/sample_applications/search` (`page_size` 1–50, default 10, and
/// `page_token` in the query; filters in the body, `title` and `username` fuzzy) →
/// The statuses the fact sheet lists for a sample application.
const LISTED_STATUSES: [&str; 15] = [
    "PENDING",
    "AWAITING_SHIPMENT",
    "SHIPPED",
    "CONTENT_PENDING",
    "COMPLETED",
    "REJECT_CANCELLED",
    "OVERDUE_CANCELLED",
    "WITHDRAW_CANCELLED",
    "SELLER_NOT_SHIP_CANCELLED",
    "UNFULFILL_CANCELLED",
    "UNFULFILLABLE_CANCELLED",
    "DEL_OPEN_COLLAB",
    "OPS_CANCELLED",
    "OPS_FAILED",
    "OPS_COMPLETED",
];

/// `sample_applications[…]`, newest first.
pub(super) fn search(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let (page_size, token) = page_or(ctx, 10, 50)?;
    let b: SearchSamples = ctx.json()?;
    let product = id_filter(&b.product_id, "product_id")?;
    let target = id_filter(&b.target_collabration_id, "target_collabration_id")?;
    let order = id_filter(&b.order_id, "order_id")?;
    // Every status the sheet lists is a valid filter; those this emulator never reaches (the
    // operations team's, the unfulfilled ones) simply match nothing.
    let status = match b.status.as_deref() {
        None | Some("") => None,
        Some(s) if !LISTED_STATUSES.contains(&s) => {
            return Err(ApiError::invalid(format!("status: invalid value {s:?}.")));
        }
        Some(s) => Some(s.to_owned()),
    };
    let title = b.title.unwrap_or_default().to_lowercase();
    let username = b.username.unwrap_or_default().to_lowercase();
    let open_id = b.creator_user_oepn_id.filter(|o| !o.is_empty());
    let now = ctx.now;
    let rows = ctx.with_world(|w| {
        w.sample_applications
            .values()
            .filter(|a| a.shop_id == shop)
            .filter(|a| product.is_none_or(|p| a.product_id == p))
            .filter(|a| target.is_none_or(|t| a.target_collaboration_id == Some(t)))
            // Sample orders are not modelled: no application has one.
            .filter(|_| order.is_none())
            .filter(|a| status.as_deref().is_none_or(|s| a.status.as_str() == s))
            .filter(|a| {
                open_id
                    .as_deref()
                    .is_none_or(|o| w.creators[a.creator].open_id == o)
            })
            .filter(|a| {
                username.is_empty()
                    || w.creators[a.creator]
                        .username
                        .to_lowercase()
                        .contains(&username)
            })
            .filter(|a| {
                title.is_empty()
                    || w.products
                        .get(&a.product_id)
                        .is_some_and(|p| p.title.to_lowercase().contains(&title))
            })
            .map(|a| (a.create_time, a.id, application_json(w, a, now)))
            .collect::<Vec<_>>()
    });
    let (items, next, total) = paginate(rows, SortOrder::Desc, page_size, token.as_deref())?;
    let mut out = json!({"next_page_token": next, "total_count": total});
    if !items.is_empty() {
        out["sample_applications"] = Value::Array(items);
    }
    Ok(out)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Review {
    review_result: Option<String>,
    reject_reason: Option<String>,
}

/// `POST /affiliate_seller/202507/sample_applications/{id}/review` `{review_result APPROVE|REJECT,
/// reject_reason (with REJECT)}` → `{}`; PENDING applications only.
pub(super) fn review(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("id")?;
    let b: Review = ctx.json()?;
    let approve = match b.review_result.as_deref() {
        Some("APPROVE") => true,
        Some("REJECT") => false,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "review_result: invalid value {other:?}; use APPROVE or REJECT."
            )));
        }
        None => {
            return Err(ApiError::invalid(
                "review_result is required (APPROVE or REJECT).",
            ));
        }
    };
    let reason = match (approve, b.reject_reason.as_deref()) {
        (false, None | Some("")) => {
            return Err(ApiError::invalid(
                "reject_reason is required with REJECT: NOT_MATCH, OFFLINE, OUT_OF_STOCK or OTHER.",
            ));
        }
        (_, Some(r)) if !r.is_empty() && !REJECT_REASONS.contains(&r) => {
            return Err(ApiError::invalid(format!(
                "reject_reason: invalid value {r:?}; use NOT_MATCH, OFFLINE, OUT_OF_STOCK or OTHER."
            )));
        }
        (false, Some(r)) => Some(r.to_string()),
        (true, _) => None,
    };
    let now = ctx.now;
    ctx.with_world(|w| w.review_sample(shop, id, approve, reason, now))
        .map_err(refusal)?;
    Ok(json!({}))
}
