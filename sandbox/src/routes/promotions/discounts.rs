//! The optional create/update fields of an activity and the type-specific `discount` objects
//! (§3 "Create"): `duration_type`, `participation_limit`, `target_user_info`, `auction_support_type`,
//! and `discount{shipping_discount | bmsm_discount | gift_discount | bxgy_discount}`. Each refusal is
//! 36009004 naming the field (`discount.bmsm_discount.details[1].value`).

use serde_json::{Value, json};

use super::{opt_list, opt_str, req_str};
use crate::protocol::{ApiError, json_id};
use crate::world::{ActivityType, Id, ProductLevel};

fn invalid(msg: String) -> ApiError {
    ApiError::invalid(msg)
}

fn one_of(field: &str, v: &str, allowed: &[&str]) -> Result<(), ApiError> {
    if allowed.contains(&v) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{field}: invalid value {v:?}; use {}.",
            allowed.join(", ")
        )))
    }
}

/// A positive whole number in a string ("3").
fn count(field: &str, s: &str) -> Result<i64, ApiError> {
    match s.parse::<i64>() {
        Ok(n) if n > 0 && s.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(invalid(format!(
            "{field} must be a positive whole number as a string, got {s:?}."
        ))),
    }
}

/// A positive amount with at most 2 decimals ("12.50"), in hundredths.
fn money(field: &str, s: &str) -> Result<i64, ApiError> {
    let bad = || {
        invalid(format!(
            "{field} must be a positive amount with at most 2 decimals as a string, got {s:?}."
        ))
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty()
        || frac.len() > 2
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (s.contains('.') && frac.is_empty())
    {
        return Err(bad());
    }
    let v = int
        .parse::<i64>()
        .ok()
        .and_then(|i| i.checked_mul(100))
        .and_then(|i| i.checked_add(format!("{frac:0<2}").parse::<i64>().ok()?))
        .ok_or_else(bad)?;
    if v <= 0 {
        return Err(bad());
    }
    Ok(v)
}

fn object<'a>(v: &'a Value, field: &str) -> Result<&'a Value, ApiError> {
    match v.get(field.rsplit('.').next().unwrap_or(field)) {
        Some(o @ Value::Object(_)) => Ok(o),
        None | Some(Value::Null) => Err(invalid(format!("{field} is required."))),
        Some(other) => Err(invalid(format!("{field} must be an object, got {other}."))),
    }
}

/// `duration_type`: NORMAL (default) or INDEFINITE (SHIPPING_DISCOUNT only).
pub(super) fn duration(kind: ActivityType, b: &Value) -> Result<String, ApiError> {
    let d = opt_str(b, "duration_type", "duration_type")?.unwrap_or("NORMAL");
    one_of("duration_type", d, &["NORMAL", "INDEFINITE"])?;
    if d == "INDEFINITE" && kind != ActivityType::ShippingDiscount {
        return Err(invalid(format!(
            "duration_type: INDEFINITE is for SHIPPING_DISCOUNT only, not {}.",
            kind.as_str()
        )));
    }
    Ok(d.to_string())
}

/// `participation_limit[{type}]`: exactly one entry for BMSM, BXGY and GWP, at most one otherwise;
/// BUYER_NO_LIMIT by default.
pub(super) fn participation(kind: ActivityType, b: &Value) -> Result<String, ApiError> {
    let list = opt_list(b, "participation_limit", "participation_limit")?;
    let needs_one = matches!(
        kind,
        ActivityType::BuyMoreSaveMore | ActivityType::BuyXGetY | ActivityType::GiftWithPurchase
    );
    if needs_one && list.len() != 1 {
        return Err(invalid(format!(
            "participation_limit must have exactly one entry for a {} activity, got {}.",
            kind.as_str(),
            list.len()
        )));
    }
    if list.len() > 1 {
        return Err(invalid(format!(
            "participation_limit takes one entry, got {}.",
            list.len()
        )));
    }
    match list.first() {
        None => Ok("BUYER_NO_LIMIT".into()),
        Some(e) => {
            let t = req_str(e, "type", "participation_limit[0].type")?;
            one_of(
                "participation_limit[0].type",
                t,
                &["BUYER_NO_LIMIT", "BUYER_LIMIT_ONLY_ONE"],
            )?;
            Ok(t.to_string())
        }
    }
}

/// `target_user_info{user_type}`.
pub(super) fn target_user(b: &Value) -> Result<Option<String>, ApiError> {
    match b.get("target_user_info") {
        None | Some(Value::Null) => Ok(None),
        Some(t @ Value::Object(_)) => {
            let u = req_str(t, "user_type", "target_user_info.user_type")?;
            one_of(
                "target_user_info.user_type",
                u,
                &[
                    "ALL_USER",
                    "SHOP_NEW_CUSTOMER",
                    "SHOP_EXISTING_CUSTOMER",
                    "SHOP_REPEAT_CUSTOMER",
                ],
            )?;
            Ok(Some(u.to_string()))
        }
        Some(other) => Err(invalid(format!(
            "target_user_info must be an object, got {other}."
        ))),
    }
}

/// `auction_support_type`: ALL (default) or EXCLUDE_AUCTION (SHIPPING_DISCOUNT only).
pub(super) fn auction(kind: ActivityType, b: &Value) -> Result<Option<String>, ApiError> {
    let Some(a) = opt_str(b, "auction_support_type", "auction_support_type")? else {
        return Ok((kind == ActivityType::ShippingDiscount).then(|| "ALL".into()));
    };
    one_of("auction_support_type", a, &["ALL", "EXCLUDE_AUCTION"])?;
    if a == "EXCLUDE_AUCTION" && kind != ActivityType::ShippingDiscount {
        return Err(invalid(format!(
            "auction_support_type: EXCLUDE_AUCTION is for SHIPPING_DISCOUNT only, not {}.",
            kind.as_str()
        )));
    }
    Ok(Some(a.to_string()))
}

/// The `discount` object: none for the price types (their prices go on products); the object matching
/// the type otherwise, checked. Answers what is kept (`{"<type>_discount": {...}}`).
pub(super) fn discount(
    kind: ActivityType,
    level: ProductLevel,
    us: bool,
    b: &Value,
) -> Result<Option<Value>, ApiError> {
    let d = match b.get("discount") {
        None | Some(Value::Null) => None,
        Some(d @ Value::Object(m)) => (!m.is_empty()).then_some(d),
        Some(other) => {
            return Err(invalid(format!("discount must be an object, got {other}.")));
        }
    };
    let key = match kind {
        ActivityType::FixedPrice | ActivityType::DirectDiscount | ActivityType::FlashSale => {
            return match d {
                None => Ok(None),
                Some(_) => Err(invalid(format!(
                    "discount: a {} activity takes no discount object; its prices go on its products.",
                    kind.as_str()
                ))),
            };
        }
        ActivityType::ShippingDiscount => "shipping_discount",
        ActivityType::BuyMoreSaveMore => "bmsm_discount",
        ActivityType::GiftWithPurchase => "gift_discount",
        ActivityType::BuyXGetY => "bxgy_discount",
    };
    let d = d.ok_or_else(|| {
        invalid(format!(
            "discount.{key} is required for a {} activity.",
            kind.as_str()
        ))
    })?;
    if let Some(other) = d.as_object().and_then(|m| m.keys().find(|k| *k != key)) {
        return Err(invalid(format!(
            "discount.{other}: a {} activity takes discount.{key} only.",
            kind.as_str()
        )));
    }
    let field = format!("discount.{key}");
    let inner = object(d, &field)?;
    match kind {
        ActivityType::ShippingDiscount => shipping(inner, level, &field)?,
        ActivityType::BuyMoreSaveMore => bmsm(inner, &field)?,
        ActivityType::GiftWithPurchase => gift(inner, us, &field)?,
        ActivityType::BuyXGetY => bxgy(inner, &field)?,
        ActivityType::FixedPrice | ActivityType::DirectDiscount | ActivityType::FlashSale => {}
    }
    Ok(Some(json!({ key: inner })))
}

fn shipping(s: &Value, level: ProductLevel, at: &str) -> Result<(), ApiError> {
    let f = |k: &str| format!("{at}.{k}");
    let threshold = req_str(s, "threshold_type", &f("threshold_type"))?;
    one_of(
        &f("threshold_type"),
        threshold,
        &[
            "NO_THRESHOLD",
            "MINIMAL_ITEM_QUANTITY",
            "MINIMAL_ORDER_AMOUNT",
        ],
    )?;
    if threshold != "NO_THRESHOLD" && level != ProductLevel::Shop {
        return Err(invalid(format!(
            "{}: {threshold} is for SHOP-level shipping discounts only.",
            f("threshold_type")
        )));
    }
    match threshold {
        "MINIMAL_ITEM_QUANTITY" => {
            count(
                &f("threshold_value"),
                req_str(s, "threshold_value", &f("threshold_value"))?,
            )?;
        }
        "MINIMAL_ORDER_AMOUNT" => {
            money(
                &f("threshold_value"),
                req_str(s, "threshold_value", &f("threshold_value"))?,
            )?;
        }
        _ => {}
    }
    let kind = req_str(s, "type", &f("type"))?;
    one_of(
        &f("type"),
        kind,
        &["FREE_SHIPPING", "DISCOUNT_SHIPPING_FEE"],
    )?;
    match opt_str(s, "value", &f("value"))? {
        Some(v) => {
            money(&f("value"), v)?;
        }
        None if kind == "DISCOUNT_SHIPPING_FEE" => {
            return Err(invalid(format!(
                "{} is required for DISCOUNT_SHIPPING_FEE (the largest deduction).",
                f("value")
            )));
        }
        None => {}
    }
    let area = object(s, &f("area_scope"))?;
    let area_type = req_str(area, "type", &f("area_scope.type"))?;
    one_of(
        &f("area_scope.type"),
        area_type,
        &["WHOLE", "SPECIFIC_AREAS"],
    )?;
    let areas = opt_list(area, "specific_areas", &f("area_scope.specific_areas"))?;
    if area_type == "SPECIFIC_AREAS" && areas.is_empty() {
        return Err(invalid(format!(
            "{} must list the areas for SPECIFIC_AREAS.",
            f("area_scope.specific_areas")
        )));
    }
    if let Some(m) = opt_str(s, "shipping_method", &f("shipping_method"))? {
        one_of(
            &f("shipping_method"),
            m,
            &[
                "STANDARD_SHIPPING",
                "EXPRESS_SHIPPING",
                "ALL_SHIPPING_METHOD",
            ],
        )?;
    }
    if let Some(i) = opt_str(s, "inventory_type", &f("inventory_type"))? {
        one_of(
            &f("inventory_type"),
            i,
            &["SELF_FULFILLED", "FULFILLED_BY_TIKTOK", "ALL"],
        )?;
        if i == "ALL" && (level != ProductLevel::Shop || threshold != "NO_THRESHOLD") {
            return Err(invalid(format!(
                "{}: ALL is for SHOP-level shipping discounts with NO_THRESHOLD only.",
                f("inventory_type")
            )));
        }
    }
    Ok(())
}

/// A tier's threshold or value, comparable across tiers.
fn tier_number(field: &str, kind: &str, s: &str) -> Result<i64, ApiError> {
    match kind {
        "MINIMAL_ITEM_QUANTITY" => count(field, s),
        "PERCENTAGE_OFF" => {
            let n = count(field, s)?;
            if n >= 100 {
                return Err(invalid(format!(
                    "{field} must be a percentage from 1 to 99, got {s:?}."
                )));
            }
            Ok(n)
        }
        _ => money(field, s),
    }
}

fn bmsm(d: &Value, at: &str) -> Result<(), ApiError> {
    let field = format!("{at}.details");
    let tiers = opt_list(d, "details", &field)?;
    if tiers.is_empty() || tiers.len() > 2 {
        return Err(invalid(format!(
            "{field} must have 1 or 2 tiers, got {}.",
            tiers.len()
        )));
    }
    let mut prev: Option<(String, String, i64, i64)> = None;
    for (i, t) in tiers.iter().enumerate() {
        let f = |k: &str| format!("{field}[{i}].{k}");
        let tier = super::req_int(t, "tier", &f("tier"))?;
        if tier != i as i64 + 1 {
            return Err(invalid(format!(
                "{} must be {} (tiers are 1-based, in order), got {tier}.",
                f("tier"),
                i + 1
            )));
        }
        let tt = req_str(t, "threshold_type", &f("threshold_type"))?;
        one_of(
            &f("threshold_type"),
            tt,
            &["MINIMAL_ITEM_QUANTITY", "MINIMAL_ORDER_AMOUNT"],
        )?;
        let vt = req_str(t, "type", &f("type"))?;
        one_of(&f("type"), vt, &["PERCENTAGE_OFF", "AMOUNT_OFF"])?;
        let threshold = tier_number(
            &f("threshold_value"),
            tt,
            req_str(t, "threshold_value", &f("threshold_value"))?,
        )?;
        let value = tier_number(&f("value"), vt, req_str(t, "value", &f("value"))?)?;
        if let Some((ptt, pvt, pth, pv)) = &prev {
            if ptt != tt || pvt != vt {
                return Err(invalid(format!(
                    "{}: every tier has the same threshold_type and type as the first.",
                    f("threshold_type")
                )));
            }
            if threshold <= *pth {
                return Err(invalid(format!(
                    "{} must be above the previous tier's.",
                    f("threshold_value")
                )));
            }
            if value <= *pv {
                return Err(invalid(format!(
                    "{} must be above the previous tier's.",
                    f("value")
                )));
            }
        }
        prev = Some((tt.to_string(), vt.to_string(), threshold, value));
    }
    Ok(())
}

fn gift(d: &Value, us: bool, at: &str) -> Result<(), ApiError> {
    let rt = req_str(
        d,
        "gift_receiving_type",
        &format!("{at}.gift_receiving_type"),
    )?;
    one_of(&format!("{at}.gift_receiving_type"), rt, &["ALL_RECEIVE"])?;
    let field = format!("{at}.gift_infos");
    let infos = opt_list(d, "gift_infos", &field)?;
    let max = if us { 1 } else { 2 };
    if infos.is_empty() || infos.len() > max {
        return Err(invalid(format!(
            "{field} must have 1 to {max} tiers here, got {}.",
            infos.len()
        )));
    }
    let mut seen: Vec<Id> = Vec::new();
    for (i, info) in infos.iter().enumerate() {
        let f = |k: &str| format!("{field}[{i}].{k}");
        if let Some(tt) = opt_str(info, "threshold_type", &f("threshold_type"))? {
            one_of(
                &f("threshold_type"),
                tt,
                &["MINIMAL_ITEM_QUANTITY", "MINIMAL_ORDER_AMOUNT"],
            )?;
            let v = req_str(info, "threshold_value", &f("threshold_value"))?;
            tier_number(&f("threshold_value"), tt, v)?;
        }
        let details = opt_list(info, "gift_details", &f("gift_details"))?;
        if details.is_empty() {
            return Err(invalid(format!("{} is required.", f("gift_details"))));
        }
        for (j, g) in details.iter().enumerate() {
            let gf = |k: &str| format!("{field}[{i}].gift_details[{j}].{k}");
            json_id(g.get("product_id").unwrap_or(&Value::Null))
                .ok_or_else(|| invalid(format!("{} is required (an id).", gf("product_id"))))?;
            let sku = json_id(g.get("sku_id").unwrap_or(&Value::Null))
                .ok_or_else(|| invalid(format!("{} is required (an id).", gf("sku_id"))))?;
            if seen.contains(&sku) {
                return Err(invalid(format!(
                    "{}: SKU {sku} is already a gift in this activity.",
                    gf("sku_id")
                )));
            }
            seen.push(sku);
            let limit = req_str(g, "total_claim_limit", &gf("total_claim_limit"))?;
            let n = count(&gf("total_claim_limit"), limit)?;
            if n > 99_999 {
                return Err(invalid(format!(
                    "{} must be from \"1\" to \"99999\", got {limit:?}.",
                    gf("total_claim_limit")
                )));
            }
        }
    }
    Ok(())
}

/// The gift SKUs of a GWP discount (to check they are the shop's): (field, product, SKU).
pub(super) fn gift_skus(discount: &Value) -> Vec<(String, Id, Id)> {
    let mut out = Vec::new();
    let infos = discount["gift_discount"]["gift_infos"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (i, info) in infos.iter().enumerate() {
        for (j, g) in info["gift_details"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if let (Some(p), Some(s)) = (json_id(&g["product_id"]), json_id(&g["sku_id"])) {
                out.push((
                    format!("discount.gift_discount.gift_infos[{i}].gift_details[{j}].sku_id"),
                    p,
                    s,
                ));
            }
        }
    }
    out
}

fn bxgy(d: &Value, at: &str) -> Result<(), ApiError> {
    let f = |k: &str| format!("{at}.{k}");
    let tt = req_str(d, "threshold_type", &f("threshold_type"))?;
    one_of(
        &f("threshold_type"),
        tt,
        &["MINIMAL_ITEM_QUANTITY", "MINIMAL_ORDER_AMOUNT"],
    )?;
    let tv = req_str(d, "threshold_value", &f("threshold_value"))?;
    let threshold = tier_number(&f("threshold_value"), tt, tv)?;
    if tt == "MINIMAL_ITEM_QUANTITY" && threshold > 10 {
        return Err(invalid(format!(
            "{} is at most 10 items, got {tv:?}.",
            f("threshold_value")
        )));
    }
    let dt = req_str(d, "discount_type", &f("discount_type"))?;
    one_of(
        &f("discount_type"),
        dt,
        &["PERCENTAGE_OFF", "FREE", "AMOUNT_OFF_EACH"],
    )?;
    let dv = req_str(d, "discount_value", &f("discount_value"))?;
    match dt {
        "PERCENTAGE_OFF" => {
            tier_number(&f("discount_value"), "PERCENTAGE_OFF", dv)?;
        }
        "AMOUNT_OFF_EACH" => {
            money(&f("discount_value"), dv)?;
        }
        _ => {}
    }
    let qty = super::req_int(
        d,
        "benefit_max_applicable_quantity",
        &f("benefit_max_applicable_quantity"),
    )?;
    if !(1..=20).contains(&qty) {
        return Err(invalid(format!(
            "{} must be from 1 to 20, got {qty}.",
            f("benefit_max_applicable_quantity")
        )));
    }
    if let Some(times) = super::opt_int(
        d,
        "benefit_max_applicable_times",
        &f("benefit_max_applicable_times"),
    )? && !(1..=50).contains(&times)
    {
        return Err(invalid(format!(
            "{} must be from 1 to 50, got {times}.",
            f("benefit_max_applicable_times")
        )));
    }
    Ok(())
}

/// For an ONGOING BMSM or BXGY activity: the fields that must stay (first-tier threshold, types).
pub(super) fn first_tier(discount: Option<&Value>) -> Value {
    let Some(d) = discount else {
        return Value::Null;
    };
    if let Some(t) = d["bmsm_discount"]["details"].get(0) {
        return json!([t["threshold_type"], t["threshold_value"], t["type"]]);
    }
    let x = &d["bxgy_discount"];
    json!([
        x["threshold_type"],
        x["threshold_value"],
        x["discount_type"]
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_counts_parse_strictly() {
        assert_eq!(money("f", "12.5").unwrap(), 1250);
        assert_eq!(money("f", "7").unwrap(), 700);
        assert!(money("f", "1.234").is_err() && money("f", "0").is_err());
        assert!(money("f", "1.").is_err() && money("f", "-1").is_err());
        assert_eq!(count("f", "3").unwrap(), 3);
        assert!(count("f", "0").is_err() && count("f", "1.5").is_err());
    }
}
