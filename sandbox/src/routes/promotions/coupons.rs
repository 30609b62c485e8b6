//! Coupons (read-only, 202406): search and get. Sellers create coupons in Seller Center, the seller
//! app or the CRM; the API has no path to create one.

use serde_json::{Map, Value, json};

use super::{COUPON_NOT_FOUND, ms, opt_list, opt_str};
use crate::protocol::{ApiError, ApiResult, Ctx};
use crate::routes::returns::{Order, paginate};
use crate::world::{Coupon, CouponDiscount, Redemption, World, format_amount};

const STATUSES: [&str; 4] = ["NOT_START", "ONGOING", "EXPIRED", "DEACTIVATED"];
const DISPLAY_TYPES: [&str; 5] = ["REGULAR", "LIVE", "CREATOR_EXCLUSIVE", "CHAT", "PROMO_CODE"];

/// A coupon as search lists it; `full` adds what get adds.
fn coupon_json(w: &World, c: &Coupon, now: i64, full: bool) -> Value {
    let region = w.region_of(c.shop_id);
    let money = |m: i64| json!({"amount": format_amount(m, region), "currency": region.currency()});
    let mut m = Map::new();
    m.insert("id".into(), json!(c.id.to_string()));
    m.insert("title".into(), json!(c.title));
    m.insert("display_type".into(), json!(c.display_type));
    m.insert("status".into(), json!(c.status(now)));
    m.insert("create_time".into(), json!(ms(c.create_time)));
    m.insert("update_time".into(), json!(ms(c.update_time)));
    m.insert(
        "claim_duration".into(),
        json!({"start_time": c.claim_start, "end_time": c.claim_end}),
    );
    let redemption = match c.redemption {
        Redemption::Absolute { start, end } => {
            json!({"type": "ABSOLUTE", "start_time": start, "end_time": end})
        }
        Redemption::Relative { days } => json!({"type": "RELATIVE", "relative_time": days}),
    };
    m.insert("redemption_duration".into(), redemption);
    if let Some(code) = &c.promo_code {
        m.insert("promo_code".into(), json!(code));
    }
    m.insert("target_buyer_segment".into(), json!(c.target_buyer_segment));
    let mut limits = json!({
        "single_buyer_claim_limit": c.single_buyer_claim_limit,
        "total_claim_limit": c.total_claim_limit,
    });
    if let Some(r) = c.redemption_limit {
        limits["redemption_limit"] = json!(r);
    }
    m.insert("usage_limits".into(), limits);
    let discount = match &c.discount {
        CouponDiscount::AmountOff(a) => {
            json!({"type": "AMOUNT_OFF", "reduction_amount": money(*a)})
        }
        CouponDiscount::PercentOff { percent, max } => {
            let mut d = json!({"type": "PERCENT_OFF", "percentage": percent.to_string()});
            if let Some(x) = max {
                d["max_discount"] = money(*x);
            }
            d
        }
    };
    m.insert("discount".into(), discount);
    let threshold = match c.min_spend {
        Some(s) => json!({"type": "MIN_SPEND", "min_spend": money(s)}),
        None => json!({"type": "NONE"}),
    };
    m.insert("threshold".into(), threshold);
    let scope = if c.product_ids.is_empty() {
        "FULL_SHOP"
    } else {
        "SPECIFIC_PRODUCTS"
    };
    m.insert("product_scope".into(), json!(scope));
    m.insert("creation_source".into(), json!(c.creation_source));
    if full {
        if !c.product_ids.is_empty() {
            let ids: Vec<String> = c.product_ids.iter().map(|p| p.to_string()).collect();
            m.insert("product_ids".into(), json!(ids));
        }
        if !c.display_channels.is_empty() {
            m.insert("display_channels".into(), json!(c.display_channels));
        }
        m.insert(
            "usage_stats".into(),
            json!({"claimed_count": c.claimed, "redeemed_count": c.redeemed}),
        );
        if let Some(t) = &c.seller_tnc {
            m.insert("seller_tnc".into(), json!(t));
        }
        if !c.live_tasks.is_empty() {
            let tasks: Vec<Value> = c
                .live_tasks
                .iter()
                .map(|(t, min)| {
                    let mut v = json!({"type": t});
                    if let Some(s) = min {
                        v["min_watch_time"] = json!(s);
                    }
                    v
                })
                .collect();
            m.insert("live_tasks".into(), Value::Array(tasks));
        }
    }
    Value::Object(m)
}

/// Phrase-prefix match, case-insensitive: the keyword's words appear in the title in a row, the last
/// one as the start of a word.
fn phrase_prefix(title: &str, keyword: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let (t, k) = (words(title), words(keyword));
    let Some((last, head)) = k.split_last() else {
        return false;
    };
    (0..t.len()).any(|i| {
        t.len() >= i + k.len()
            && head.iter().zip(&t[i..]).all(|(a, b)| a == b)
            && t[i + head.len()].starts_with(last.as_str())
    })
}

/// A filter of enum values (values ORed); each must be one of `allowed`.
fn enum_list(b: &Value, key: &str, allowed: &[&str]) -> Result<Vec<String>, ApiError> {
    opt_list(b, key, key)?
        .iter()
        .enumerate()
        .map(|(i, v)| match v.as_str() {
            Some(s) if allowed.contains(&s) => Ok(s.to_string()),
            _ => Err(ApiError::invalid(format!(
                "{key}[{i}]: invalid value {v}; use {}.",
                allowed.join(", ")
            ))),
        })
        .collect()
}

/// `POST /promotion/202406/coupons/search?page_size&page_token` with body filters `status[]`,
/// `title_keyword`, `display_type[]` (values in a filter ORed, filters ANDed).
pub(super) fn search(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let b = ctx.json_value()?;
    let page_size = match ctx.query("page_size") {
        None | Some("") => 20,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n @ 1..=100) => n,
            _ => {
                return Err(ApiError::invalid(format!(
                    "page_size must be between 1 and 100, got {raw:?}."
                )));
            }
        },
    };
    let token = ctx.query("page_token").map(str::to_string);
    let statuses = enum_list(&b, "status", &STATUSES)?;
    let displays = enum_list(&b, "display_type", &DISPLAY_TYPES)?;
    let keyword = opt_str(&b, "title_keyword", "title_keyword")?.map(str::to_string);
    if let Some(k) = &keyword
        && (k.trim().is_empty() || k.len() > 100)
    {
        return Err(ApiError::invalid(format!(
            "title_keyword must be 1 to 100 bytes of UTF-8, got {} bytes.",
            k.len()
        )));
    }
    let now = ctx.now;
    let rows = ctx.with_world(|w| {
        w.coupons
            .values()
            .filter(|c| c.shop_id == shop)
            .filter(|c| statuses.is_empty() || statuses.iter().any(|s| s == c.status(now)))
            .filter(|c| displays.is_empty() || displays.contains(&c.display_type))
            .filter(|c| {
                keyword
                    .as_deref()
                    .is_none_or(|k| phrase_prefix(&c.title, k))
            })
            .map(|c| (c.create_time, c.id, coupon_json(w, c, now, false)))
            .collect::<Vec<_>>()
    });
    let (items, next, total) = paginate(rows, Order::Desc, page_size, token.as_deref())?;
    let mut out = json!({"total_count": total, "next_page_token": next});
    if !items.is_empty() {
        out["coupons"] = Value::Array(items);
    }
    Ok(out)
}

/// `GET /promotion/202406/coupons/{coupon_id}` → `{coupon{…}}`.
pub(super) fn get(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("coupon_id")?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let c = w
            .coupons
            .get(&id)
            .filter(|c| c.shop_id == shop)
            .ok_or_else(|| ApiError::business(COUPON_NOT_FOUND, "The coupon does not exist."))?;
        Ok(json!({"coupon": coupon_json(w, c, now, true)}))
    })
}

#[cfg(test)]
mod tests {
    use super::phrase_prefix;

    #[test]
    fn keywords_match_a_phrase_prefix() {
        assert!(phrase_prefix("15% off orders over 50", "orders ov"));
        assert!(phrase_prefix("Welcome 5 off", "WEL"));
        assert!(!phrase_prefix("Welcome 5 off", "off welcome"));
        assert!(!phrase_prefix("Welcome 5 off", "elcome"));
        assert!(phrase_prefix("LIVE viewers 20% off", "viewers 20"));
    }
}
