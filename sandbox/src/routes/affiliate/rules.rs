//! Sample rules: `GET|POST /affiliate_seller/202410/open_collaborations/sample_rules`. A rule says how
//! many free samples of a product in open collaboration creators can get, when, and from whom.

use serde::Deserialize;
use serde_json::{Value, json};

use super::refusal;
use crate::protocol::{ApiError, ApiResult, Ctx, json_id};
use crate::world::affiliate::{SampleRule, Thresholds};
use crate::world::{Id, parse_id};

/// At most this many `product_ids` per GET (assumed).
const MAX_PRODUCTS: usize = 100;
/// At most this many samples per rule (assumed).
const MAX_QUOTA: i64 = 10_000;
const RANKS: [&str; 4] = ["ALL", "LOW", "MEDIUM", "HIGH"];

fn rule_json(w: &crate::world::World, shop: Id, r: &SampleRule, now: i64) -> Value {
    let (status, left) = w.sample_rule_state(shop, r, now);
    let t = &r.thresholds;
    let mut thresholds = json!({
        "minimum_follower_count": t.minimum_follower_count,
        "minimum_gmv": t.minimum_gmv,
        "avg_ec_video_views": t.avg_ec_video_views,
        "predicted_fulfillment_rank": t.predicted_fulfillment_rank,
    });
    if !t.category_ids.is_empty() {
        thresholds["category_ids"] = json!(t.category_ids);
    }
    json!({
        "product_id": r.product_id.to_string(),
        "status": status.as_str(),
        "activate_status": if r.active { "ACTIVATE" } else { "DEACTIVATE" },
        "sample_quota": r.sample_quota,
        "available_quantity": left,
        "is_sample_time_unlimited": r.is_sample_time_unlimited,
        "start_time": r.start_time,
        "end_time": r.end_time,
        "thresholds": thresholds,
    })
}

/// `GET …/sample_rules?product_ids=…` (repeated keys or comma-joined; required) →
/// `sample_rules[…]`; products without a rule (or not the shop's) are left out.
pub(super) fn get(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let raw = ctx.query_list("product_ids");
    if raw.is_empty() || raw.len() > MAX_PRODUCTS {
        return Err(ApiError::invalid(format!(
            "product_ids is required: 1 to {MAX_PRODUCTS} product ids."
        )));
    }
    let ids: Vec<Id> = raw
        .iter()
        .map(|s| {
            parse_id(s).ok_or_else(|| ApiError::invalid(format!("product_ids: invalid id {s:?}.")))
        })
        .collect::<Result<_, _>>()?;
    let now = ctx.now;
    let rules: Vec<Value> = ctx.with_world(|w| {
        let Some(book) = w.affiliate.get(&shop) else {
            return Vec::new();
        };
        let mut seen = Vec::new();
        ids.iter()
            .filter(|id| {
                let first = !seen.contains(*id);
                seen.push(**id);
                first
            })
            .filter_map(|id| book.sample_rules.get(id))
            .map(|r| rule_json(w, shop, r, now))
            .collect()
    });
    if rules.is_empty() {
        return Ok(json!({}));
    }
    Ok(json!({"sample_rules": rules}))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ThresholdsIn {
    minimum_follower_count: Option<Value>,
    minimum_gmv: Option<Value>,
    avg_ec_video_views: Option<Value>,
    category_ids: Option<Vec<Value>>,
    predicted_fulfillment_rank: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RuleIn {
    activate_status: Option<String>,
    sample_quota: Option<Value>,
    is_sample_time_unlimited: Option<bool>,
    start_time: Option<Value>,
    end_time: Option<Value>,
    thresholds: Option<ThresholdsIn>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SetRule {
    product_id: Option<Value>,
    sample_rule: Option<RuleIn>,
}

fn count(v: &Option<Value>, field: &str) -> Result<Option<i64>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if n >= 0 => Ok(Some(n)),
            _ => Err(ApiError::invalid(format!(
                "{field} must be a non-negative integer, got {v}."
            ))),
        },
    }
}

/// `POST …/sample_rules` `{product_id, sample_rule{activate_status, sample_quota,
/// is_sample_time_unlimited, start_time, end_time, thresholds{…}}}` → `{}`: sets (replaces) the
/// product's rule. The product must be in a NORMAL open collaboration.
pub(super) fn set(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let b: SetRule = ctx.json()?;
    let pid = b
        .product_id
        .as_ref()
        .ok_or_else(|| ApiError::invalid("product_id is required."))?;
    let pid =
        json_id(pid).ok_or_else(|| ApiError::invalid(format!("product_id: invalid id {pid}.")))?;
    let r = b
        .sample_rule
        .ok_or_else(|| ApiError::invalid("sample_rule is required."))?;
    let active = match r.activate_status.as_deref() {
        Some("ACTIVATE") => true,
        Some("DEACTIVATE") => false,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "sample_rule.activate_status: invalid value {other:?}; use ACTIVATE or DEACTIVATE."
            )));
        }
        None => {
            return Err(ApiError::invalid(
                "sample_rule.activate_status is required (ACTIVATE or DEACTIVATE).",
            ));
        }
    };
    let now = ctx.now;
    let existing = ctx.with_world(|w| {
        w.affiliate
            .get(&shop)
            .and_then(|b| b.sample_rules.get(&pid))
            .cloned()
    });
    let quota = match count(&r.sample_quota, "sample_rule.sample_quota")? {
        Some(q) if (1..=MAX_QUOTA).contains(&q) => q,
        Some(q) => {
            return Err(ApiError::invalid(format!(
                "sample_rule.sample_quota must be between 1 and {MAX_QUOTA}, got {q}."
            )));
        }
        None if !active => existing.as_ref().map_or(0, |e| e.sample_quota),
        None => {
            return Err(ApiError::invalid(
                "sample_rule.sample_quota is required to ACTIVATE.",
            ));
        }
    };
    let unlimited = r
        .is_sample_time_unlimited
        .or(existing.as_ref().map(|e| e.is_sample_time_unlimited))
        .unwrap_or(true);
    let (start, end) = if unlimited {
        (None, None)
    } else {
        let time = |v: &Option<Value>, field: &str| match v.as_ref().and_then(Value::as_i64) {
            Some(t) if t > 0 => Ok(t),
            _ => Err(ApiError::invalid(format!(
                "sample_rule.{field} is required (unix seconds) when is_sample_time_unlimited is false."
            ))),
        };
        let (s, e) = (
            time(&r.start_time, "start_time")?,
            time(&r.end_time, "end_time")?,
        );
        if e <= s || e <= now {
            return Err(ApiError::invalid(
                "sample_rule.end_time must be after start_time and in the future.",
            ));
        }
        (Some(s), Some(e))
    };
    let t = r.thresholds.unwrap_or_default();
    if let Some(rank) = &t.predicted_fulfillment_rank
        && !RANKS.contains(&rank.as_str())
    {
        return Err(ApiError::invalid(format!(
            "sample_rule.thresholds.predicted_fulfillment_rank: invalid value {rank:?}; use ALL, LOW, MEDIUM or HIGH."
        )));
    }
    let category_ids = t
        .category_ids
        .unwrap_or_default()
        .iter()
        .map(|c| {
            json_id(c).map(|id| id.to_string()).ok_or_else(|| {
                ApiError::invalid(format!(
                    "sample_rule.thresholds.category_ids: invalid id {c}."
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let thresholds = Thresholds {
        minimum_follower_count: count(
            &t.minimum_follower_count,
            "sample_rule.thresholds.minimum_follower_count",
        )?,
        minimum_gmv: t.minimum_gmv.filter(|v| !v.is_null()),
        avg_ec_video_views: count(
            &t.avg_ec_video_views,
            "sample_rule.thresholds.avg_ec_video_views",
        )?,
        category_ids,
        predicted_fulfillment_rank: t.predicted_fulfillment_rank,
    };
    let rule = SampleRule {
        product_id: pid,
        active,
        sample_quota: quota,
        is_sample_time_unlimited: unlimited,
        start_time: start,
        end_time: end,
        thresholds,
        update_time: now,
    };
    ctx.with_world(|w| w.set_sample_rule(shop, rule, now))
        .map_err(refusal)?;
    Ok(json!({}))
}
