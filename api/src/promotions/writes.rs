//! The ERP's changes to the shop's activities, each checked before TikTok is called, read back from
//! TikTok afterwards (what we keep is what TikTok has), and audited.

use chrono::{DateTime, Utc};
use serde_json::json;

use entity::{promotion, shop};

use super::checks;
use super::model::*;
use super::store;
use crate::audit;
use crate::auth::AuthUser;
use crate::deps::TikTokAccess;
use crate::error::{Error, Result};
use crate::shops::session::ShopSession;
use crate::tiktok::promotions as wire;

/// Reads an activity back from TikTok and keeps it.
pub async fn refetch(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    activity_id: &str,
) -> Result<promotion::Model> {
    let detail = wire::get(&mut session.line(access), activity_id)
        .await?
        .data;
    store::save_detail(access.db, &session.shop.id, detail, access.clock.now()).await
}

/// Records one write and hands its outcome back.
/// A price activity we can change: one of the three types, not ended.
fn changeable(
    row: &promotion::Model,
    now: DateTime<Utc>,
) -> Result<(ActivityType, ProductLevel, Status)> {
    let status = Status::at(&row.status, row.begin_time, row.end_time, now);
    if !status.is_live() {
        return Err(Error::conflict(
            "promotion_ended",
            format!(
                "activity {} is {}: TikTok changes no ended activity (make a new one)",
                row.id,
                status.as_str()
            ),
        ));
    }
    let kind = ActivityType::parse(&row.activity_type).ok_or_else(|| {
        Error::conflict(
            "promotion_unsupported",
            format!(
                "activity {} is a {}: the ERP changes FIXED_PRICE, DIRECT_DISCOUNT and FLASHSALE activities; change this one in Seller Center",
                row.id, row.activity_type
            ),
        )
    })?;
    let level = if row.product_level == "PRODUCT" {
        ProductLevel::Product
    } else {
        ProductLevel::Variation
    };
    Ok((kind, level, status))
}

/// An activity of ours with this exact title, if TikTok has one (a create whose answer was lost).
async fn made_before(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    title: &str,
) -> Result<Option<wire::ActivitySummary>> {
    let page = wire::search(
        &mut session.line(access),
        &wire::ActivitySearch {
            status: None,
            activity_type: None,
            activity_title: Some(title),
            page_size: 10,
            page_token: "",
        },
    )
    .await?
    .data;
    Ok(page.activities.into_iter().find(|a| a.title == title))
}

/// Makes an activity with its products. A retry after a lost answer finds the activity by its
/// title and finishes it; when TikTok refuses the products, the new activity is deactivated, so
/// nothing is left half-made.
pub async fn create(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    input: &PromotionIn,
) -> Result<Promotion> {
    let now = access.clock.now();
    let kind = input.activity_type;
    let title = checks::title(access.db, &shop.id, &input.title, kind, None).await?;
    checks::window(kind, input.begin_time, input.end_time, now, false)?;
    let mut covered = Vec::new();
    let products = checks::deals(
        access.db,
        shop,
        kind,
        input.product_level,
        &input.products,
        &[],
        false,
        &mut covered,
    )
    .await?;
    let window = (input.begin_time, input.end_time);
    checks::conflicts(access.db, &shop.id, kind, window, &covered, None, now).await?;
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let outcome = async {
        let id = make(
            access,
            &mut session,
            &title,
            kind,
            input.product_level,
            window,
        )
        .await?;
        let answer = wire::set_products(
            &mut session.line(access),
            &wire::ProductsUpdate {
                activity_id: id.clone(),
                products,
            },
        )
        .await;
        let request_id = match answer {
            Ok(a) => Some(a.request_id),
            Err(e) => {
                let failure = Error::from(e);
                return Err(undo(access, &mut session, &id, failure).await);
            }
        };
        let row = refetch(access, &mut session, &id).await?;
        Ok((store::answer(row, access.clock.now()), request_id))
    }
    .await;
    let request = json!({"title": title, "activity_type": kind.as_str(), "product_level": input.product_level.as_str(), "begin_time": input.begin_time, "end_time": input.end_time, "products": input.products.len()});
    audit::audited(
        access.store(),
        user,
        &shop.id,
        ("promotion.create", format!("promotion {title}")),
        request,
        outcome,
    )
    .await
}

/// The id of the activity titled `title`: made now, or found made by an earlier try of this request.
pub async fn make(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    title: &str,
    kind: ActivityType,
    level: ProductLevel,
    (begin, end): (DateTime<Utc>, DateTime<Utc>),
) -> Result<String> {
    if let Some(found) = made_before(access, session, title).await? {
        if found.activity_type == kind.as_str()
            && found.begin_time == begin.timestamp()
            && found.end_time == end.timestamp()
            && matches!(found.status.as_str(), "NOT_START" | "DRAFT")
        {
            return Ok(found.id);
        }
        return Err(Error::invalid_field(
            "title",
            format!(
                "activity {} at TikTok already has this title; TikTok wants each activity's title unique in the shop",
                found.id
            ),
        ));
    }
    let created = wire::create(
        &mut session.line(access),
        &wire::NewActivity {
            title,
            activity_type: kind.as_str(),
            product_level: level.as_str(),
            begin_time: begin.timestamp(),
            end_time: end.timestamp(),
        },
    )
    .await?;
    Ok(created.data.activity_id)
}

/// Ends an activity made by a request that then failed; the answer says what was undone.
pub async fn undo(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    activity_id: &str,
    failure: Error,
) -> Error {
    let undone = wire::deactivate(&mut session.line(access), activity_id).await;
    let _ = refetch(access, session, activity_id).await;
    let mut failure = failure;
    failure.message = match undone {
        Ok(_) => format!(
            "{} (the activity {activity_id} made for it was deactivated: nothing is left half-made)",
            failure.message
        ),
        Err(e) => {
            tracing::warn!(activity = activity_id, error = %e, "could not deactivate a half-made activity");
            format!(
                "{} (the activity {activity_id} made for it could not be deactivated: {e}; deactivate it)",
                failure.message
            )
        }
    };
    failure
}

/// Changes an activity's title or times.
pub async fn update(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    activity_id: &str,
    patch: &PromotionPatch,
) -> Result<Promotion> {
    let now = access.clock.now();
    let row = store::row(access.db, &shop.id, activity_id).await?;
    let (kind, _, status) = changeable(&row, now)?;
    if patch.title.is_none() && patch.begin_time.is_none() && patch.end_time.is_none() {
        return Err(Error::invalid_field(
            "title",
            "give at least one of title, begin_time, end_time",
        ));
    }
    let title = match &patch.title {
        Some(t) => checks::title(access.db, &shop.id, t, kind, Some(activity_id)).await?,
        None => row.title.clone(),
    };
    let running = status == Status::Ongoing;
    if running && patch.begin_time.is_some_and(|b| b != row.begin_time) {
        return Err(Error::invalid_field(
            "begin_time",
            "the activity is running: TikTok keeps its begin_time",
        ));
    }
    let begin = patch.begin_time.unwrap_or(row.begin_time);
    let end = patch.end_time.unwrap_or(row.end_time);
    // A running activity keeps its begin; one still to start needs a begin in the future.
    checks::window(kind, begin, end, now, running)?;
    let mut covered = Vec::new();
    for p in store::products_of(&row) {
        if p.skus.is_empty() {
            // A PRODUCT-level deal holds every SKU of the product.
            covered.push((p.product_id.clone(), String::new()));
        }
        covered.extend(p.skus.iter().map(|s| (p.product_id.clone(), s.id.clone())));
    }
    checks::conflicts(
        access.db,
        &shop.id,
        kind,
        (begin, end),
        &covered,
        Some(activity_id),
        now,
    )
    .await?;
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let outcome = async {
        let sent = wire::update(
            &mut session.line(access),
            activity_id,
            &wire::ActivityUpdate {
                title: &title,
                begin_time: begin.timestamp(),
                end_time: end.timestamp(),
            },
        )
        .await?;
        let row = refetch(access, &mut session, activity_id).await?;
        Ok((
            store::answer(row, access.clock.now()),
            Some(sent.request_id),
        ))
    }
    .await;
    let request =
        json!({"title": patch.title, "begin_time": patch.begin_time, "end_time": patch.end_time});
    audit::audited(
        access.store(),
        user,
        &shop.id,
        ("promotion.update", format!("promotion {activity_id}")),
        request,
        outcome,
    )
    .await
}

/// Adds products to an activity, or changes their deals.
pub async fn set_products(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    activity_id: &str,
    input: &ProductsIn,
) -> Result<Promotion> {
    let now = access.clock.now();
    let row = store::row(access.db, &shop.id, activity_id).await?;
    let (kind, level, status) = changeable(&row, now)?;
    let frozen = kind == ActivityType::FlashSale && status == Status::Ongoing;
    let mut covered = Vec::new();
    let products = checks::deals(
        access.db,
        shop,
        kind,
        level,
        &input.products,
        &store::products_of(&row),
        frozen,
        &mut covered,
    )
    .await?;
    let window = (row.begin_time, row.end_time);
    checks::conflicts(
        access.db,
        &shop.id,
        kind,
        window,
        &covered,
        Some(activity_id),
        now,
    )
    .await?;
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let outcome = async {
        let sent = wire::set_products(
            &mut session.line(access),
            &wire::ProductsUpdate {
                activity_id: activity_id.to_owned(),
                products,
            },
        )
        .await?;
        let row = refetch(access, &mut session, activity_id).await?;
        Ok((
            store::answer(row, access.clock.now()),
            Some(sent.request_id),
        ))
    }
    .await;
    let request =
        json!({"products": input.products.iter().map(|p| &p.product_id).collect::<Vec<_>>()});
    audit::audited(
        access.store(),
        user,
        &shop.id,
        ("promotion.set_products", format!("promotion {activity_id}")),
        request,
        outcome,
    )
    .await
}

/// Takes products or SKUs out of an activity.
pub async fn remove_products(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    activity_id: &str,
    input: &ProductsRemovalIn,
) -> Result<Promotion> {
    let now = access.clock.now();
    let row = store::row(access.db, &shop.id, activity_id).await?;
    let (_, level, _) = changeable(&row, now)?;
    if input.product_ids.is_empty() && input.sku_ids.is_empty() {
        return Err(Error::invalid_field(
            "product_ids",
            "name at least one product or SKU to take out",
        ));
    }
    if input.product_ids.len() > MAX_PRODUCTS || input.sku_ids.len() > MAX_PRODUCTS {
        return Err(Error::invalid_field(
            "product_ids",
            format!("at most {MAX_PRODUCTS} of each"),
        ));
    }
    if level == ProductLevel::Product && !input.sku_ids.is_empty() {
        return Err(Error::invalid_field(
            "sku_ids",
            "a PRODUCT-level activity takes out whole products: use product_ids",
        ));
    }
    let kept = store::products_of(&row);
    for (i, id) in input.product_ids.iter().enumerate() {
        if !kept.iter().any(|p| &p.product_id == id) {
            return Err(Error::invalid_field(
                &format!("product_ids[{i}]"),
                format!("{id} is not in the activity"),
            ));
        }
    }
    for (i, id) in input.sku_ids.iter().enumerate() {
        if !kept.iter().any(|p| p.skus.iter().any(|s| &s.id == id)) {
            return Err(Error::invalid_field(
                &format!("sku_ids[{i}]"),
                format!("{id} is not in the activity"),
            ));
        }
    }
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let outcome = async {
        let sent = wire::remove_products(
            &mut session.line(access),
            activity_id,
            &wire::ProductsRemoval {
                product_ids: input.product_ids.clone(),
                sku_ids: input.sku_ids.clone(),
            },
        )
        .await?;
        let row = refetch(access, &mut session, activity_id).await?;
        Ok((
            store::answer(row, access.clock.now()),
            Some(sent.request_id),
        ))
    }
    .await;
    let request = json!({"product_ids": input.product_ids, "sku_ids": input.sku_ids});
    audit::audited(
        access.store(),
        user,
        &shop.id,
        (
            "promotion.remove_products",
            format!("promotion {activity_id}"),
        ),
        request,
        outcome,
    )
    .await
}

/// Ends an activity that has not ended (its deals stop at once). Deactivating one TikTok already
/// shows deactivated answers it as it is.
pub async fn deactivate(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    activity_id: &str,
) -> Result<Promotion> {
    let now = access.clock.now();
    let row = store::row(access.db, &shop.id, activity_id).await?;
    let status = Status::at(&row.status, row.begin_time, row.end_time, now);
    if status == Status::Deactivated {
        return Ok(store::answer(row, now));
    }
    changeable(&row, now)?;
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let outcome = async {
        let sent = wire::deactivate(&mut session.line(access), activity_id).await?;
        let row = refetch(access, &mut session, activity_id).await?;
        Ok((
            store::answer(row, access.clock.now()),
            Some(sent.request_id),
        ))
    }
    .await;
    audit::audited(
        access.store(),
        user,
        &shop.id,
        ("promotion.deactivate", format!("promotion {activity_id}")),
        json!({}),
        outcome,
    )
    .await
}
