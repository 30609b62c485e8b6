//! An activity's products: `PUT …/products` adds or changes them (never removes), `DELETE …/products`
//! removes them.

use serde_json::{Value, json};

use super::{
    ACTIVITY_LIMIT_DECREASED, ACTIVITY_PRODUCT_INVALID, FLASHSALE_ONGOING_LOCKED, change_event,
    conflict_error, editable, find, id_list, opt_list, opt_str, req_int,
};
use crate::protocol::{ApiError, ApiResult, Ctx, json_id};
use crate::world::events::ActivityProductIds;
use crate::world::{
    ActivityStatus, ActivityType, Id, Product, ProductLevel, ProductStatus, Promotion,
    PromotionProduct, PromotionSku, Region, World, format_amount, parse_amount,
};

/// At most this many products, and SKUs, per call.
const MAX_PER_CALL: usize = 300;
/// An activity holds at most this many benefit (and excluded) products.
const MAX_BENEFIT: usize = 100;

/// `quantity_limit` / `quantity_per_user`: 1–99 or −1; −1 where `unlimited_only`.
fn limit(b: &Value, key: &str, field: &str, unlimited_only: bool) -> Result<i64, ApiError> {
    let name = format!("{field}.{key}");
    let n = req_int(b, key, &name)?;
    if !(n == -1 || (1..=99).contains(&n)) {
        return Err(ApiError::invalid(format!(
            "{name} must be from 1 to 99, or -1 for no limit, got {n}."
        )));
    }
    if unlimited_only && n != -1 {
        return Err(ApiError::invalid(format!(
            "{name} must be -1 at product level in a VARIATION-level activity (limits go on its SKUs), got {n}."
        )));
    }
    Ok(n)
}

/// Whether `new` is below `old` (−1 = no limit, the most).
fn decreases(old: i64, new: i64) -> bool {
    let rank = |n: i64| if n == -1 { i64::MAX } else { n };
    rank(new) < rank(old)
}

fn check_growth(field: &str, old: i64, new: i64) -> Result<(), ApiError> {
    if decreases(old, new) {
        return Err(ApiError::business(
            ACTIVITY_LIMIT_DECREASED,
            format!("{field} can only grow: it is {old}, got {new}."),
        ));
    }
    Ok(())
}

/// A deal price or percentage, by type: exactly one of `activity_price_amount` (FIXED_PRICE,
/// FLASHSALE) and `discount` (DIRECT_DISCOUNT); a price must be positive and below every price in
/// `below` (the SKUs it applies to).
fn deal(
    b: &Value,
    field: &str,
    kind: ActivityType,
    region: Region,
    below: &[(Id, i64)],
) -> Result<(Option<i64>, Option<u32>), ApiError> {
    let price = opt_str(
        b,
        "activity_price_amount",
        &format!("{field}.activity_price_amount"),
    )?;
    let discount = opt_str(b, "discount", &format!("{field}.discount"))?;
    if kind == ActivityType::DirectDiscount {
        if price.is_some() {
            return Err(ApiError::invalid(format!(
                "{field}.activity_price_amount: a DIRECT_DISCOUNT takes discount (percent off), not a price."
            )));
        }
        let raw = discount.ok_or_else(|| {
            ApiError::invalid(format!(
                "{field}.discount is required for a DIRECT_DISCOUNT (percent off, \"10\" = 10% off)."
            ))
        })?;
        let d = raw
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=99).contains(d))
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "{field}.discount must be a whole percent from \"1\" to \"99\", got {raw:?}."
                ))
            })?;
        return Ok((None, Some(d)));
    }
    if discount.is_some() {
        return Err(ApiError::invalid(format!(
            "{field}.discount: a {} takes activity_price_amount, not a discount.",
            kind.as_str()
        )));
    }
    let raw = price.ok_or_else(|| {
        ApiError::invalid(format!(
            "{field}.activity_price_amount is required for a {}.",
            kind.as_str()
        ))
    })?;
    let amount = parse_amount(raw, region)
        .filter(|a| *a > 0)
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "{field}.activity_price_amount must be a positive amount in {}, got {raw:?}.",
                region.currency()
            ))
        })?;
    if let Some((sku, list)) = below.iter().find(|(_, list)| amount >= *list) {
        return Err(ApiError::invalid(format!(
            "{field}.activity_price_amount {raw} must be below the price of SKU {sku} ({}).",
            format_amount(*list, region)
        )));
    }
    Ok((Some(amount), None))
}

/// No deal fields on a non-price activity's products.
fn no_deal(b: &Value, field: &str, kind: ActivityType) -> Result<(), ApiError> {
    for key in ["activity_price_amount", "discount"] {
        if b.get(key).is_some_and(|v| !v.is_null()) {
            return Err(ApiError::invalid(format!(
                "{field}.{key}: a {} activity takes no price on its products.",
                kind.as_str()
            )));
        }
    }
    Ok(())
}

fn the_product<'a>(w: &'a World, shop: Id, pid: Id, field: &str) -> Result<&'a Product, ApiError> {
    w.products
        .get(&pid)
        .filter(|p| p.shop_id == shop && p.status != ProductStatus::Deleted)
        .ok_or_else(|| {
            ApiError::business(
                ACTIVITY_PRODUCT_INVALID,
                format!("{field}: product {pid} does not exist in this shop."),
            )
        })
}

/// One product of the body, checked against the activity; what it becomes, and the (product, SKU)
/// pairs it adds to the deal.
fn parse_product(
    w: &World,
    act: &Promotion,
    input: &Value,
    i: usize,
) -> Result<(PromotionProduct, Vec<(Id, Id)>), ApiError> {
    let field = format!("products[{i}]");
    let kind = act.activity_type;
    let level = act.product_level;
    let region = w.region_of(act.shop_id);
    let pid = json_id(input.get("id").unwrap_or(&Value::Null))
        .ok_or_else(|| ApiError::invalid(format!("{field}.id is required (a product id).")))?;
    let product = the_product(w, act.shop_id, pid, &format!("{field}.id"))?;
    let skus_in = opt_list(input, "skus", &format!("{field}.skus"))?;
    // Ids first: every SKU must be the product's.
    let mut sku_ids = Vec::with_capacity(skus_in.len());
    for (j, s) in skus_in.iter().enumerate() {
        let sid = json_id(s.get("id").unwrap_or(&Value::Null)).ok_or_else(|| {
            ApiError::invalid(format!("{field}.skus[{j}].id is required (a SKU id)."))
        })?;
        if !product.skus.iter().any(|k| k.id == sid) {
            return Err(ApiError::business(
                ACTIVITY_PRODUCT_INVALID,
                format!(
                    "{field}.skus[{j}].id: SKU {sid} is not a SKU of product {pid} in this shop."
                ),
            ));
        }
        if sku_ids.contains(&sid) {
            return Err(ApiError::invalid(format!(
                "{field}.skus[{j}].id: SKU {sid} is listed twice."
            )));
        }
        sku_ids.push(sid);
    }
    let variation = level == ProductLevel::Variation;
    let quantity_limit = limit(input, "quantity_limit", &field, variation)?;
    let quantity_per_user = limit(input, "quantity_per_user", &field, variation)?;
    let existing = act.products.iter().find(|p| p.product_id == pid);
    if let Some(old) = existing {
        check_growth(
            &format!("{field}.quantity_limit"),
            old.quantity_limit,
            quantity_limit,
        )?;
        check_growth(
            &format!("{field}.quantity_per_user"),
            old.quantity_per_user,
            quantity_per_user,
        )?;
    }
    let mut new = PromotionProduct {
        product_id: pid,
        activity_price: None,
        discount_percent: None,
        quantity_limit,
        quantity_per_user,
        used_quantity: existing.map_or(0, |o| o.used_quantity),
        skus: existing.map(|o| o.skus.clone()).unwrap_or_default(),
    };
    let prices: Vec<(Id, i64)> = product.skus.iter().map(|s| (s.id, s.price)).collect();
    let mut covered = Vec::new();
    if !kind.is_price() {
        no_deal(input, &field, kind)?;
        if !skus_in.is_empty() {
            return Err(ApiError::invalid(format!(
                "{field}.skus: a {} activity lists products, not SKUs.",
                kind.as_str()
            )));
        }
        return Ok((new, covered));
    }
    let locked = kind == ActivityType::FlashSale && act.status == ActivityStatus::Ongoing;
    let locked_err = |what: String| {
        ApiError::business(
            FLASHSALE_ONGOING_LOCKED,
            format!(
                "{what} is already in this ONGOING flash sale: its price and limits cannot change (new products and SKUs can be added)."
            ),
        )
    };
    if !variation {
        if !skus_in.is_empty() {
            return Err(ApiError::invalid(format!(
                "{field}.skus must be [] in a PRODUCT-level activity (it covers every SKU of the product)."
            )));
        }
        let (price, discount) = deal(input, &field, kind, region, &prices)?;
        new.activity_price = price;
        new.discount_percent = discount;
        if let Some(old) = existing
            && locked
            && (
                old.activity_price,
                old.discount_percent,
                old.quantity_limit,
                old.quantity_per_user,
            ) != (price, discount, quantity_limit, quantity_per_user)
        {
            return Err(locked_err(format!("{field}: product {pid}")));
        }
        covered.extend(prices.iter().map(|(s, _)| (pid, *s)));
        return Ok((new, covered));
    }
    if skus_in.is_empty() {
        return Err(ApiError::invalid(format!(
            "{field}.skus must list at least one SKU in a VARIATION-level activity."
        )));
    }
    no_deal(input, &field, kind).map_err(|_| {
        ApiError::invalid(format!(
            "{field}: in a VARIATION-level activity the price goes on each of skus[], not on the product."
        ))
    })?;
    for (j, (s, sid)) in skus_in.iter().zip(&sku_ids).enumerate() {
        let sf = format!("{field}.skus[{j}]");
        let list = prices.iter().find(|(k, _)| k == sid).map_or(0, |(_, p)| *p);
        let (price, discount) = deal(s, &sf, kind, region, &[(*sid, list)])?;
        let ql = limit(s, "quantity_limit", &sf, false)?;
        let qu = limit(s, "quantity_per_user", &sf, false)?;
        let sku = PromotionSku {
            sku_id: *sid,
            activity_price: price,
            discount_percent: discount,
            quantity_limit: ql,
            quantity_per_user: qu,
            used_quantity: 0,
        };
        match new.skus.iter_mut().find(|x| x.sku_id == *sid) {
            Some(old) => {
                check_growth(&format!("{sf}.quantity_limit"), old.quantity_limit, ql)?;
                check_growth(
                    &format!("{sf}.quantity_per_user"),
                    old.quantity_per_user,
                    qu,
                )?;
                if locked
                    && (
                        old.activity_price,
                        old.discount_percent,
                        old.quantity_limit,
                        old.quantity_per_user,
                    ) != (price, discount, ql, qu)
                {
                    return Err(locked_err(format!("{sf}: SKU {sid}")));
                }
                *old = PromotionSku {
                    used_quantity: old.used_quantity,
                    ..sku
                };
            }
            None => new.skus.push(sku),
        }
        covered.push((pid, *sid));
    }
    Ok((new, covered))
}

/// `PUT /promotion/202309/activities/{activity_id}/products`.
pub(super) fn put(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("activity_id")?;
    let b = ctx.json_value()?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let act = find(w, shop, id)?.clone();
        editable(&act)?;
        let body_id = json_id(b.get("activity_id").unwrap_or(&Value::Null))
            .ok_or_else(|| ApiError::invalid("activity_id is required in the body."))?;
        if body_id != id {
            return Err(ApiError::invalid(format!(
                "activity_id {body_id} in the body is not the path's activity {id}."
            )));
        }
        let products = opt_list(&b, "products", "products")?;
        if products.len() > MAX_PER_CALL {
            return Err(ApiError::invalid(format!(
                "products takes at most {MAX_PER_CALL} products per call, got {}.",
                products.len()
            )));
        }
        let sku_count: usize = products
            .iter()
            .map(|p| p.get("skus").and_then(Value::as_array).map_or(0, Vec::len))
            .sum();
        if sku_count > MAX_PER_CALL {
            return Err(ApiError::invalid(format!(
                "products[].skus takes at most {MAX_PER_CALL} SKUs per call, got {sku_count}."
            )));
        }
        let kind = act.activity_type;
        let shop_level = act.product_level == ProductLevel::Shop;
        if shop_level && !products.is_empty() {
            return Err(ApiError::invalid(
                "products: a SHOP-level activity covers the whole shop and takes no products.",
            ));
        }
        let bmsm_bxgy = matches!(kind, ActivityType::BuyMoreSaveMore | ActivityType::BuyXGetY);
        let benefit = id_list(&b, "benefit_product_ids", MAX_BENEFIT)?;
        let exclude = id_list(&b, "exclude_product_ids", MAX_BENEFIT)?;
        if !benefit.is_empty() && !bmsm_bxgy {
            return Err(ApiError::invalid(format!(
                "benefit_product_ids: for BUY_MORE_SAVE_MORE and BUY_X_GET_Y only, not {}.",
                kind.as_str()
            )));
        }
        if !exclude.is_empty() && !(bmsm_bxgy && shop_level) {
            return Err(ApiError::invalid(
                "exclude_product_ids: for SHOP-level BUY_MORE_SAVE_MORE and BUY_X_GET_Y only.",
            ));
        }
        for (key, ids) in [("benefit_product_ids", &benefit), ("exclude_product_ids", &exclude)] {
            for (i, pid) in ids.iter().enumerate() {
                the_product(w, shop, *pid, &format!("{key}[{i}]"))?;
            }
        }
        let mut parsed: Vec<PromotionProduct> = Vec::with_capacity(products.len());
        for (i, input) in products.iter().enumerate() {
            let (new, covered) = parse_product(w, &act, input, i)?;
            if parsed.iter().any(|p| p.product_id == new.product_id) {
                return Err(ApiError::invalid(format!(
                    "products[{i}].id: product {} is listed twice.",
                    new.product_id
                )));
            }
            if let Some(c) =
                w.promotion_conflict(id, kind, act.begin_time, act.end_time, &covered)
            {
                return Err(conflict_error(w, &format!("products[{i}]"), c));
            }
            parsed.push(new);
        }
        let merged_benefit = merge(&act.benefit_product_ids, &benefit);
        let merged_exclude = merge(&act.exclude_product_ids, &exclude);
        if merged_benefit.len() > MAX_BENEFIT || merged_exclude.len() > MAX_BENEFIT {
            return Err(ApiError::invalid(format!(
                "benefit_product_ids / exclude_product_ids: an activity holds at most {MAX_BENEFIT} of each."
            )));
        }
        let changed = !parsed.is_empty() || !benefit.is_empty() || !exclude.is_empty();
        let mut updated = ActivityProductIds::default();
        if changed {
            let p = w.promotions.get_mut(&id).ok_or_else(ApiError::internal)?;
            for new in parsed {
                updated.product_ids.push(new.product_id);
                match p.products.iter_mut().find(|x| x.product_id == new.product_id) {
                    Some(slot) => *slot = new,
                    None => p.products.push(new),
                }
            }
            p.benefit_product_ids = merged_benefit;
            p.exclude_product_ids = merged_exclude;
            p.update_time = now;
            updated.benefit_product_ids = benefit;
            updated.exclude_product_ids = exclude;
            for pid in updated.product_ids.iter().chain(&updated.benefit_product_ids) {
                w.link_promotion_product(id, *pid);
            }
        }
        let p = w.promotions.get(&id).ok_or_else(ApiError::internal)?.clone();
        if changed {
            w.outbox.push(change_event(
                &p,
                "UPDATE",
                updated,
                ActivityProductIds::default(),
                now,
            ));
        }
        let total = match p.product_level {
            ProductLevel::Product => p.products.len(),
            ProductLevel::Variation => p.products.iter().map(|x| x.skus.len()).sum(),
            ProductLevel::Shop => 0,
        };
        Ok(json!({
            "activity_id": id.to_string(),
            "title": p.title,
            "status": p.status.as_str(),
            "update_time": p.update_time,
            "total_count": total,
        }))
    })
}

fn merge(old: &[Id], add: &[Id]) -> Vec<Id> {
    let mut out = old.to_vec();
    for id in add {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    out
}

/// `DELETE /promotion/202309/activities/{activity_id}/products`.
pub(super) fn delete(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("activity_id")?;
    let b = ctx.json_value()?;
    let product_ids = id_list(&b, "product_ids", MAX_PER_CALL)?;
    let sku_ids = id_list(&b, "sku_ids", MAX_PER_CALL)?;
    let benefit = id_list(&b, "benefit_product_ids", MAX_BENEFIT)?;
    let exclude = id_list(&b, "exclude_product_ids", MAX_BENEFIT)?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let act = find(w, shop, id)?.clone();
        editable(&act)?;
        if !sku_ids.is_empty() && act.product_level != ProductLevel::Variation {
            return Err(ApiError::invalid(format!(
                "sku_ids: a {}-level activity has no SKU list; remove products with product_ids.",
                act.product_level.as_str()
            )));
        }
        if act.activity_type == ActivityType::GiftWithPurchase
            && !(sku_ids.is_empty() && benefit.is_empty() && exclude.is_empty())
        {
            return Err(ApiError::invalid(
                "A GIFT_WITH_PURCHASE activity removes products with product_ids only.",
            ));
        }
        let answer = |p: &Promotion| {
            json!({
                "activity_id": id.to_string(),
                "status": p.status.as_str(),
                "update_time": p.update_time,
            })
        };
        if product_ids.is_empty() && sku_ids.is_empty() && benefit.is_empty() && exclude.is_empty()
        {
            // Nothing named: nothing happens.
            return Ok(answer(&act));
        }
        let missing = |key: &str, i: usize, what: String| {
            Err(ApiError::business(
                ACTIVITY_PRODUCT_INVALID,
                format!("{key}[{i}]: {what} is not in the activity."),
            ))
        };
        for (i, pid) in product_ids.iter().enumerate() {
            if !act.products.iter().any(|x| x.product_id == *pid) {
                return missing("product_ids", i, format!("product {pid}"));
            }
        }
        for (i, sid) in sku_ids.iter().enumerate() {
            if !act
                .products
                .iter()
                .any(|x| x.skus.iter().any(|s| s.sku_id == *sid))
            {
                return missing("sku_ids", i, format!("SKU {sid}"));
            }
        }
        for (i, pid) in benefit.iter().enumerate() {
            if !act.benefit_product_ids.contains(pid) {
                return missing("benefit_product_ids", i, format!("product {pid}"));
            }
        }
        for (i, pid) in exclude.iter().enumerate() {
            if !act.exclude_product_ids.contains(pid) {
                return missing("exclude_product_ids", i, format!("product {pid}"));
            }
        }
        let p = w.promotions.get_mut(&id).ok_or_else(ApiError::internal)?;
        p.products.retain(|x| !product_ids.contains(&x.product_id));
        for x in &mut p.products {
            let before = x.skus.len();
            x.skus.retain(|s| !sku_ids.contains(&s.sku_id));
            if x.skus.len() != before {
                x.used_quantity = x.skus.iter().map(|s| s.used_quantity).sum();
            }
        }
        // A VARIATION-level product left without SKUs leaves the activity.
        if p.product_level == ProductLevel::Variation {
            p.products.retain(|x| !x.skus.is_empty());
        }
        p.benefit_product_ids.retain(|x| !benefit.contains(x));
        p.exclude_product_ids.retain(|x| !exclude.contains(x));
        p.update_time = now;
        let p = p.clone();
        let gone: Vec<Id> = act
            .products
            .iter()
            .map(|x| x.product_id)
            .chain(benefit.iter().copied())
            .filter(|pid| {
                !p.products.iter().any(|x| x.product_id == *pid)
                    && !p.benefit_product_ids.contains(pid)
            })
            .collect();
        for pid in gone {
            w.unlink_promotion_product(id, pid);
        }
        w.outbox.push(change_event(
            &p,
            "UPDATE",
            ActivityProductIds::default(),
            ActivityProductIds {
                product_ids,
                sku_ids,
                benefit_product_ids: benefit,
                exclude_product_ids: exclude,
            },
            now,
        ));
        Ok(answer(&p))
    })
}
