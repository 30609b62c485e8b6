//! Target collaborations: create, search, get, update (a full replace), delete. The world keeps their
//! history (`world::affiliate::targets`); these handlers validate and render.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    check_rate, image, optional_rate, page_or, price_json, price_range, refusal, seconds_string,
};
use crate::protocol::{ApiError, ApiResult, Ctx, json_id};
use crate::routes::returns::{Order as SortOrder, paginate};
use crate::world::affiliate::{
    NewTarget, TargetCollaboration, TargetStatus, TargetUpdate, UpdateOutcome,
};
use crate::world::{Id, World, format_amount, parse_id};

const MAX_PRODUCTS: usize = 100;
const MAX_CREATORS: usize = 50;
/// Assumed limits (the sheet gives none).
const MAX_NAME: usize = 40;
const MAX_MESSAGE: usize = 500;
const CONTACTS: [&str; 5] = ["email", "phone_number", "whatsapp", "telegram", "line"];

fn valid_email(e: &str) -> bool {
    e.split_once('@').is_some_and(|(a, d)| {
        !a.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
    })
}

/// `seller_contact_info`: an object of contact strings; `email` (when given, or when `email_required`)
/// must be an address; at least one contact.
fn contact_info(v: Option<&Value>, email_required: bool) -> Result<Value, ApiError> {
    let obj = v
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::invalid("seller_contact_info is required (an object)."))?;
    let mut out = serde_json::Map::new();
    for (k, v) in obj {
        if !CONTACTS.contains(&k.as_str()) {
            continue;
        }
        let s = v.as_str().ok_or_else(|| {
            ApiError::invalid(format!("seller_contact_info.{k} must be a string."))
        })?;
        if !s.trim().is_empty() {
            out.insert(k.clone(), Value::String(s.trim().to_string()));
        }
    }
    match out.get("email").and_then(Value::as_str) {
        Some(e) if !valid_email(e) => {
            return Err(ApiError::invalid(format!(
                "seller_contact_info.email: {e:?} is not an e-mail address."
            )));
        }
        None if email_required => {
            return Err(ApiError::invalid("seller_contact_info.email is required."));
        }
        _ => {}
    }
    if out.is_empty() {
        return Err(ApiError::invalid(
            "seller_contact_info needs at least one of email, phone_number, whatsapp, telegram, line.",
        ));
    }
    Ok(Value::Object(out))
}

/// `free_sample_rule{has_free_sample, is_sample_approval_exempt}` (required; booleans).
fn free_sample_rule(v: Option<&Value>) -> Result<(bool, bool), ApiError> {
    let obj = v
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::invalid("free_sample_rule is required (an object)."))?;
    let flag = |k: &str| match obj.get(k) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(ApiError::invalid(format!(
            "free_sample_rule.{k} must be true or false, got {other}."
        ))),
    };
    Ok((flag("has_free_sample")?, flag("is_sample_approval_exempt")?))
}

fn name(v: Option<&str>) -> Result<String, ApiError> {
    let name = v.unwrap_or("").trim().to_string();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(ApiError::invalid(format!(
            "name is required, at most {MAX_NAME} characters."
        )));
    }
    Ok(name)
}

fn end_time(v: Option<&Value>, now: i64) -> Result<i64, ApiError> {
    let end = seconds_string(v, "end_time")?;
    if end <= now {
        return Err(ApiError::invalid("end_time must be in the future."));
    }
    Ok(end)
}

fn open_ids(v: &[Value]) -> Result<Vec<String>, ApiError> {
    if v.is_empty() || v.len() > MAX_CREATORS {
        return Err(ApiError::invalid(format!(
            "creator_user_open_ids must list 1 to {MAX_CREATORS} creators."
        )));
    }
    v.iter()
        .map(|x| match x.as_str() {
            Some(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            _ => Err(ApiError::invalid(format!(
                "creator_user_open_ids: {x} is not an open id."
            ))),
        })
        .collect()
}

/// (product, rate, shop ads rate) from `products[]` with the rate fields named as the call names them.
fn products(
    v: &[Value],
    rate_field: &str,
    ads_field: &str,
) -> Result<Vec<(Id, i64, Option<i64>)>, ApiError> {
    if v.is_empty() || v.len() > MAX_PRODUCTS {
        return Err(ApiError::invalid(format!(
            "products must list 1 to {MAX_PRODUCTS} products."
        )));
    }
    v.iter()
        .map(|p| {
            let id = p
                .get("id")
                .and_then(json_id)
                .ok_or_else(|| ApiError::invalid(format!("products[].id: invalid id in {p}.")))?;
            let rate = check_rate(p.get(rate_field), &format!("products[].{rate_field}"))?;
            let ads = optional_rate(p.get(ads_field), &format!("products[].{ads_field}"))?;
            Ok((id, rate, ads))
        })
        .collect()
}

fn conflicts_json(o: &UpdateOutcome) -> Value {
    Value::Array(
        o.conflicts
            .iter()
            .map(|(c, p)| json!({"creator_user_open_id": c, "product_id": p.to_string()}))
            .collect(),
    )
}

fn put_list(out: &mut Value, key: &str, items: Vec<String>) {
    if !items.is_empty() {
        out[key] = json!(items);
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CreateTarget {
    name: Option<String>,
    message: Option<String>,
    end_time: Option<Value>,
    products: Vec<Value>,
    creator_user_open_ids: Vec<Value>,
    seller_contact_info: Option<Value>,
    free_sample_rule: Option<Value>,
    preferred_content_type: Option<String>,
}

/// `POST /affiliate_seller/202508/target_collaborations` → `{target_collaboration{id},
/// target_collaboration_conflicts[], invalid_open_id_list[], invalid_product_id_list[], create_time}`
/// (empty lists left out). Unknown creators and products that cannot be promoted are listed, not
/// refused, as long as one of each remains.
pub(super) fn create(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let b: CreateTarget = ctx.json()?;
    let name = name(b.name.as_deref())?;
    if b.message
        .as_deref()
        .is_some_and(|m| m.chars().count() > MAX_MESSAGE)
    {
        return Err(ApiError::invalid(format!(
            "message can be at most {MAX_MESSAGE} characters."
        )));
    }
    let now = ctx.now;
    let end = end_time(b.end_time.as_ref(), now)?;
    let products = products(
        &b.products,
        "target_commission_rate",
        "shop_ads_commission_rate",
    )?;
    let creators = open_ids(&b.creator_user_open_ids)?;
    let contact = contact_info(b.seller_contact_info.as_ref(), false)?;
    let (has_free_sample, exempt) = free_sample_rule(b.free_sample_rule.as_ref())?;
    if let Some(t) = b.preferred_content_type.as_deref()
        && t != "LIVE"
        && t != "VIDEO"
    {
        return Err(ApiError::invalid(format!(
            "preferred_content_type: invalid value {t:?}; use LIVE or VIDEO."
        )));
    }
    let outcome = ctx.with_world(|w| {
        let (ok_products, ok_creators) = (
            products
                .iter()
                .filter(|p| w.promotable(shop, p.0).is_ok())
                .count(),
            creators
                .iter()
                .filter(|c| w.creator_by_open_id(c).is_some())
                .count(),
        );
        if ok_products == 0 {
            return Err(ApiError::invalid(
                "products: none of them is an active product of this shop.",
            ));
        }
        if ok_creators == 0 {
            return Err(ApiError::invalid(
                "creator_user_open_ids: none of them is a creator's open id.",
            ));
        }
        Ok(w.create_target(
            shop,
            NewTarget {
                name,
                message: b.message.filter(|m| !m.is_empty()),
                end_time: end,
                products,
                creator_open_ids: creators,
                seller_contact_info: contact,
                has_free_sample,
                is_sample_approval_exempt: exempt,
                preferred_content_type: b.preferred_content_type,
            },
            now,
        ))
    })?;
    let mut out = json!({
        "target_collaboration": {"id": outcome.id.to_string()},
        "create_time": now,
    });
    if !outcome.conflicts.is_empty() {
        out["target_collaboration_conflicts"] = conflicts_json(&outcome);
    }
    put_list(
        &mut out,
        "invalid_open_id_list",
        outcome.invalid_open_ids.clone(),
    );
    put_list(
        &mut out,
        "invalid_product_id_list",
        outcome
            .invalid_product_ids
            .iter()
            .map(|p| p.to_string())
            .collect(),
    );
    Ok(out)
}

/// Creators who made content with the collaboration's products (a stable share of those who
/// accepted).
fn content_creators(t: &TargetCollaboration, now: i64) -> i64 {
    t.listed_creators()
        .filter(|c| c.accepted_at <= now && (t.id ^ c.creator as u64) % 5 < 3)
        .count() as i64
}

/// The fields search and get share.
fn summary(t: &TargetCollaboration, now: i64) -> Value {
    let invited = t.listed_creators().count();
    json!({
        "id": t.id.to_string(),
        "name": t.name,
        "message": t.message,
        "start_time": t.create_time,
        "end_time": t.end_time,
        "create_time": t.create_time,
        "update_time": t.update_time,
        "creator_inivited_count": invited,
        "showcase_creator_count": t.listed_creators().filter(|c| c.accepted_at <= now).count(),
        "content_creator_count": content_creators(t, now),
        "product_count": t.listed_products().count(),
        "free_sample_rule": {
            "has_free_sample": t.has_free_sample,
            "is_sample_approval_exempt": t.is_sample_approval_exempt,
        },
        "type": t.kind.as_str(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SearchParam {
    keyword_type: Option<String>,
    keyword: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SearchTargets {
    collaboration_status: Option<String>,
    creator_accept_status: Option<String>,
    free_sample_setting: Option<String>,
    search_param: Option<SearchParam>,
    creator_user_open_id: Option<String>,
}

fn status_matches(wanted: &str, s: TargetStatus) -> bool {
    match wanted {
        "VALID" => s.is_valid(),
        other => s.as_str() == other,
    }
}

/// `POST /affiliate_seller/202508/target_collaborations/search` (`page_size` 1–50, default 10, and
/// `page_token` in the query; `collaboration_status` required) → `target_collaborations[…]`, newest
/// first.
pub(super) fn search(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let (page_size, token) = page_or(ctx, 10, 50)?;
    let b: SearchTargets = ctx.json()?;
    let status = match b.collaboration_status.as_deref() {
        Some(s @ ("ONGOING" | "EXPIRING" | "VALID" | "CANCELING" | "COMPLETED")) => s.to_string(),
        Some(s) => {
            return Err(ApiError::invalid(format!(
                "collaboration_status: invalid value {s:?}; use ONGOING, EXPIRING, VALID, CANCELING or COMPLETED."
            )));
        }
        None => return Err(ApiError::invalid("collaboration_status is required.")),
    };
    let accepted_only = match b.creator_accept_status.as_deref() {
        None | Some("") | Some("ALL") => false,
        Some("ACCEPT") => true,
        Some(s) => {
            return Err(ApiError::invalid(format!(
                "creator_accept_status: invalid value {s:?}; use ACCEPT or ALL."
            )));
        }
    };
    let with_sample = match b.free_sample_setting.as_deref() {
        None | Some("") | Some("ALL") => false,
        Some("WITH_FREE_SAMPLE") => true,
        Some(s) => {
            return Err(ApiError::invalid(format!(
                "free_sample_setting: invalid value {s:?}; use WITH_FREE_SAMPLE or ALL."
            )));
        }
    };
    let param = b.search_param.unwrap_or_default();
    let keyword = param.keyword.unwrap_or_default().trim().to_lowercase();
    let kind = match param.keyword_type.as_deref() {
        None | Some("") => None,
        Some(
            k @ ("PRODUCT_ID"
            | "PRODUCT_NAME"
            | "TARGET_COLLABORATION_ID"
            | "TARGET_COLLABORATION_NAME"),
        ) => Some(k.to_string()),
        Some(k) => {
            return Err(ApiError::invalid(format!(
                "search_param.keyword_type: invalid value {k:?}; use PRODUCT_ID, PRODUCT_NAME, TARGET_COLLABORATION_ID or TARGET_COLLABORATION_NAME."
            )));
        }
    };
    if matches!(
        kind.as_deref(),
        Some("PRODUCT_ID" | "TARGET_COLLABORATION_ID")
    ) && !keyword.is_empty()
        && parse_id(&keyword).is_none()
    {
        return Err(ApiError::invalid(format!(
            "search_param.keyword: {keyword:?} is not an id."
        )));
    }
    let now = ctx.now;
    let rows = ctx.with_world(|w| {
        let creator = b
            .creator_user_open_id
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(|c| w.creator_by_open_id(c));
        let Some(book) = w.affiliate.get(&shop) else {
            return Vec::new();
        };
        book.targets
            .iter()
            .filter(|t| status_matches(&status, t.status(now)))
            .filter(|t| !accepted_only || t.listed_creators().any(|c| c.accepted_at <= now))
            .filter(|t| !with_sample || t.has_free_sample)
            .filter(|t| match creator {
                None => true,
                Some(None) => false,
                Some(Some(c)) => t.listed_creators().any(|x| x.creator == c),
            })
            .filter(|t| keyword.is_empty() || matches_keyword(w, t, kind.as_deref(), &keyword))
            .map(|t| (t.create_time, t.id, summary(t, now)))
            .collect::<Vec<_>>()
    });
    let (items, next, total) = paginate(rows, SortOrder::Desc, page_size, token.as_deref())?;
    let mut out = json!({"next_page_token": next, "total_count": total});
    if !items.is_empty() {
        out["target_collaborations"] = Value::Array(items);
    }
    Ok(out)
}

fn matches_keyword(w: &World, t: &TargetCollaboration, kind: Option<&str>, keyword: &str) -> bool {
    let by_product_name = || {
        t.listed_products().any(|p| {
            w.products
                .get(&p.product_id)
                .is_some_and(|x| x.title.to_lowercase().contains(keyword))
        })
    };
    match kind {
        Some("PRODUCT_ID") => t
            .listed_products()
            .any(|p| p.product_id.to_string() == keyword),
        Some("PRODUCT_NAME") => by_product_name(),
        Some("TARGET_COLLABORATION_ID") => t.id.to_string() == keyword,
        Some("TARGET_COLLABORATION_NAME") | None => t.name.to_lowercase().contains(keyword),
        Some(_) => false,
    }
}

/// `GET /affiliate_seller/202508/target_collaborations/{id}` → `target_collaboration{…}` with
/// `seller_contact_info`, `creator_invited_count`, every product it ever had (`collaboration_status`
/// NORMAL, DELETING, DELETED) and its creators.
pub(super) fn get(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("id")?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let t = w.target(shop, id).map_err(refusal)?;
        let region = w.region_of(shop);
        let all_accepted = t.listed_creators().all(|c| c.accepted_at <= now);
        let any_accepted = t.listed_creators().any(|c| c.accepted_at <= now);
        let products: Vec<Value> = t
            .products
            .iter()
            .map(|p| {
                let (rate, ads, _) = p.current(now);
                let (latest_from, latest_rate, latest_ads) = p.rates.last().copied().unwrap_or((p.added_at, rate, ads));
                let (lo, hi) = price_range(w, p.product_id);
                let cut = |price: i64| format_amount((price * latest_rate + 5_000) / 10_000, region);
                let product = w.products.get(&p.product_id);
                json!({
                    "id": p.product_id.to_string(),
                    "title": product.map(|x| x.title.clone()),
                    "main_image_url": image(p.product_id),
                    "original_price": price_json(w, p.product_id, region),
                    "status": product.map(|x| x.status.as_str()),
                    "commission": {
                        "rate": latest_rate,
                        "effective_time": latest_from.to_string(),
                        "currency": region.currency(),
                        "minimum_amount": cut(lo),
                        "maximum_amount": cut(hi),
                        "shop_ads_commission_rate": latest_ads,
                    },
                    "commission_effective_status": if all_accepted {
                        "EFFECTIVE_ALL"
                    } else if any_accepted {
                        "EFFECTIVE_PARTIALLY"
                    } else {
                        "EFFECTIVE_NONE"
                    },
                    "collaboration_status": p.status(now),
                })
            })
            .collect();
        let listed: Vec<Id> = t.listed_products().map(|p| p.product_id).collect();
        let videos = w.videos_posted(shop, t.create_time, now + 1);
        let creators: Vec<Value> = t
            .listed_creators()
            .map(|c| {
                let who = &w.creators[c.creator];
                let accepted = c.accepted_at <= now;
                let with_content: std::collections::BTreeSet<Id> = videos
                    .iter()
                    .filter(|v| v.creator == Some(c.creator) && v.post_time >= c.accepted_at)
                    .flat_map(|v| v.products.iter().copied())
                    .filter(|p| listed.contains(p))
                    .collect();
                json!({
                    "creator_open_id": who.open_id,
                    "username": who.username,
                    "nickname": who.nickname,
                    "avatar": {"url": format!("https://p16-sign-va.tiktokcdn.com/avatar/{}.jpeg", who.user_id)},
                    "selection_region": who.region,
                    "showcase_product_count": if accepted { listed.len() } else { 0 },
                    "content_product_count": with_content.len(),
                    "collaboration_status": if accepted { "ACCEPTED" } else { "PENDING" },
                    "product_effective_status": if accepted { "EFFECTIVE" } else { "NOT_EFFECTIVE" },
                })
            })
            .collect();
        let mut v = summary(t, now);
        v["seller_contact_info"] = t.seller_contact_info.clone();
        v["creator_invited_count"] = json!(t.listed_creators().count());
        if !products.is_empty() {
            v["products"] = Value::Array(products);
        }
        if !creators.is_empty() {
            v["creators"] = Value::Array(creators);
        }
        Ok(json!({"target_collaboration": v}))
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UpdateTarget {
    name: Option<String>,
    end_time: Option<Value>,
    products: Option<Vec<Value>>,
    creator_user_open_ids: Option<Vec<Value>>,
    seller_contact_info: Option<Value>,
    free_sample_rule: Option<Value>,
}

/// `PUT /affiliate_seller/202508/target_collaborations/{id}`: a full replace (every field required;
/// products as `{id, commission_rate, target_ad_commission_rate}`) → `{update_failed{…},
/// target_collaboration_conflicts[]}`. STANDARD, ONGOING or EXPIRING collaborations only.
pub(super) fn update(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("id")?;
    let b: UpdateTarget = ctx.json()?;
    let now = ctx.now;
    let name = name(b.name.as_deref())?;
    let end = end_time(b.end_time.as_ref(), now)?;
    let products = products(
        b.products
            .as_deref()
            .ok_or_else(|| ApiError::invalid("products is required."))?,
        "commission_rate",
        "target_ad_commission_rate",
    )?;
    let creators = open_ids(
        b.creator_user_open_ids
            .as_deref()
            .ok_or_else(|| ApiError::invalid("creator_user_open_ids is required."))?,
    )?;
    let contact = contact_info(b.seller_contact_info.as_ref(), true)?;
    let (has_free_sample, exempt) = free_sample_rule(b.free_sample_rule.as_ref())?;
    let outcome = ctx
        .with_world(|w| {
            w.update_target(
                shop,
                id,
                TargetUpdate {
                    name,
                    end_time: end,
                    products,
                    creator_open_ids: creators,
                    seller_contact_info: contact,
                    has_free_sample,
                    is_sample_approval_exempt: exempt,
                },
                now,
            )
        })
        .map_err(refusal)?;
    let mut failed = json!({"end_time": false, "name": false, "seller_contact_info": false});
    let bad_products: Vec<String> = outcome
        .invalid_product_ids
        .iter()
        .map(|p| p.to_string())
        .collect();
    put_list(&mut failed, "add_products", bad_products.clone());
    put_list(&mut failed, "invalid_product_id_list", bad_products);
    put_list(
        &mut failed,
        "add_creator_open_ids",
        outcome.invalid_open_ids.clone(),
    );
    put_list(
        &mut failed,
        "invalid_open_id_list",
        outcome.invalid_open_ids.clone(),
    );
    let mut out = json!({"update_failed": failed});
    if !outcome.conflicts.is_empty() {
        out["target_collaboration_conflicts"] = conflicts_json(&outcome);
    }
    Ok(out)
}

/// `DELETE /affiliate_seller/202409/target_collaborations/{id}` → `{}`: CANCELING until the next
/// 00:00, then COMPLETED.
pub(super) fn delete(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("id")?;
    let now = ctx.now;
    ctx.with_world(|w| w.delete_target(shop, id, now))
        .map_err(refusal)?;
    Ok(json!({}))
}
