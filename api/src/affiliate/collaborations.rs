//! The ERP's side of TikTok's affiliate program, read through from TikTok (the creators' answers
//! live there): a product's open collaboration (set, read, withdrawn), target collaborations with
//! chosen creators, and the creators' sample requests to approve or reject. Each write is checked
//! first (a 400 naming the field) and audited.

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use serde_json::json;

use entity::{shop, tiktok_product};

use super::model::*;
use crate::audit;
use crate::auth::AuthUser;
use crate::deps::TikTokAccess;
use crate::error::{Error, Result};
use crate::shops::session::ShopSession;
use crate::tiktok::affiliate as wire;

/// How many samples an offer grants when the ERP names no number.
const DEFAULT_SAMPLE_QUOTA: i64 = 10;

/// A percentage as TikTok's hundredths, within its bounds.
pub fn hundredths(field: &str, percent: f64) -> Result<i64> {
    let scaled = percent * 100.0;
    let rate = scaled.round() as i64;
    if !percent.is_finite()
        || (scaled - rate as f64).abs() > 1e-6
        || !(wire::MIN_RATE..=wire::MAX_RATE).contains(&rate)
    {
        return Err(Error::invalid_field(
            field,
            format!(
                "{percent} is not a commission TikTok takes: 1 to 80 percent, at most 2 decimals"
            ),
        ));
    }
    Ok(rate)
}

fn percent(hundredths: i64) -> f64 {
    hundredths as f64 / 100.0
}

async fn own_product(
    db: &impl ConnectionTrait,
    shop_id: &str,
    field: &str,
    product_id: &str,
) -> Result<()> {
    tiktok_product::Entity::find_by_id((shop_id.to_owned(), product_id.to_owned()))
        .one(db)
        .await?
        .map(|_| ())
        .ok_or_else(|| {
            Error::invalid_field(
                field,
                format!("{product_id} is not a product of this shop (sync the shop's products if it is new)"),
            )
        })
}

fn open_out(c: wire::OpenCollaboration, samples: Option<bool>) -> OpenCollaboration {
    OpenCollaboration {
        product_id: c.product.as_ref().map(|p| p.id.clone()).unwrap_or_default(),
        title: c.product.and_then(|p| p.title),
        collaboration_id: c.id,
        status: c.status,
        commission_rate: percent(c.current_commission.and_then(|r| r.rate).unwrap_or(0)),
        samples,
        showcase_creators: c.showcase_creator_count,
        content_creators: c.content_creator_count,
    }
}

/// The shop's products in open collaboration.
pub async fn open_collaborations(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
) -> Result<Vec<OpenCollaboration>> {
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let page = wire::search_open(&mut session.line(access), None, &token)
            .await?
            .data;
        out.extend(
            page.open_collaborations
                .into_iter()
                .map(|c| open_out(c, None)),
        );
        match page.next_page_token.filter(|t| !t.is_empty()) {
            Some(next) if out.len() < 10_000 => token = next,
            _ => break,
        }
    }
    Ok(out)
}

async fn open_of(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    product_id: &str,
) -> Result<OpenCollaboration> {
    let found = wire::search_open(&mut session.line(access), Some(product_id), "")
        .await?
        .data
        .open_collaborations
        .into_iter()
        .find(|c| c.product.as_ref().is_some_and(|p| p.id == product_id))
        .ok_or_else(|| {
            Error::not_found("open collaboration of the product (it is not offered to creators)")
        })?;
    let samples = wire::sample_rules(&mut session.line(access), product_id)
        .await?
        .data
        .sample_rules
        .into_iter()
        .any(|r| {
            r.product_id == product_id && matches!(r.status.as_str(), "ONGOING" | "NOT_STARTED")
        });
    Ok(open_out(found, Some(samples)))
}

/// A product's open collaboration (404 when it has none).
pub async fn open_collaboration(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    product_id: &str,
) -> Result<OpenCollaboration> {
    own_product(access.db, &shop.id, "product_id", product_id)
        .await
        .map_err(|_| Error::not_found("product"))?;
    let mut session = ShopSession::open(access, shop.clone()).await?;
    open_of(access, &mut session, product_id).await
}

/// Offers a product to every creator at a commission, with samples or not.
pub async fn set_open(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    product_id: &str,
    input: &OpenCollaborationIn,
) -> Result<OpenCollaboration> {
    own_product(access.db, &shop.id, "product_id", product_id)
        .await
        .map_err(|_| Error::not_found("product"))?;
    let rate = hundredths("commission_rate", input.commission_rate)?;
    let quota = match (input.samples, input.sample_quota) {
        (false, _) => None,
        (true, None) => Some(DEFAULT_SAMPLE_QUOTA),
        (true, Some(q @ 1..=10_000)) => Some(q),
        (true, Some(_)) => {
            return Err(Error::invalid_field("sample_quota", "1 to 10000 samples"));
        }
    };
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let outcome = async {
        let made = wire::open(&mut session.line(access), product_id, rate).await?;
        wire::set_sample_rule(&mut session.line(access), product_id, quota).await?;
        Ok((
            open_of(access, &mut session, product_id).await?,
            Some(made.request_id),
        ))
    }
    .await;
    let request = json!({"commission_rate": input.commission_rate, "samples": input.samples});
    audit::audited(
        access.store(),
        user,
        &shop.id,
        (
            "affiliate.open_collaboration",
            format!("product {product_id}"),
        ),
        request,
        outcome,
    )
    .await
}

/// Withdraws a product's open collaboration (TikTok ends it at the shop's next midnight).
pub async fn withdraw_open(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    product_id: &str,
) -> Result<Withdrawn> {
    own_product(access.db, &shop.id, "product_id", product_id)
        .await
        .map_err(|_| Error::not_found("product"))?;
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let outcome = async {
        let current = open_of(access, &mut session, product_id).await?;
        if current.status != "NORMAL" {
            return Ok((
                Withdrawn {
                    product_id: product_id.to_owned(),
                    status: current.status,
                    ends_at: None,
                },
                None,
            ));
        }
        let removed = wire::remove_open(&mut session.line(access), product_id).await?;
        let ends_at = removed
            .data
            .terminated_effective_time
            .and_then(|t| DateTime::from_timestamp(t, 0));
        Ok((
            Withdrawn {
                product_id: product_id.to_owned(),
                status: "TERMINATING".into(),
                ends_at,
            },
            Some(removed.request_id),
        ))
    }
    .await;
    audit::audited(
        access.store(),
        user,
        &shop.id,
        ("affiliate.withdraw", format!("product {product_id}")),
        json!({}),
        outcome,
    )
    .await
}

/// TikTok's body for a target collaboration, once each field is checked.
async fn target_body(
    db: &impl ConnectionTrait,
    shop_id: &str,
    input: &TargetIn,
    now: DateTime<Utc>,
) -> Result<wire::TargetCollaborationBody> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid_field("name", "give 1 to 100 characters"));
    }
    if input.end_time <= now {
        return Err(Error::invalid_field("end_time", "must be in the future"));
    }
    if input.products.is_empty() || input.products.len() > 100 {
        return Err(Error::invalid_field("products", "give 1 to 100 products"));
    }
    if input.creators.is_empty() || input.creators.len() > 50 {
        return Err(Error::invalid_field(
            "creators",
            "invite 1 to 50 creators (their open ids)",
        ));
    }
    for (i, c) in input.creators.iter().enumerate() {
        if c.trim().is_empty() || c.len() > 100 {
            return Err(Error::invalid_field(
                &format!("creators[{i}]"),
                "a creator's open id",
            ));
        }
    }
    let email = input.contact.email.trim();
    if !email.contains('@') || email.len() > 200 {
        return Err(Error::invalid_field(
            "contact.email",
            "an email address creators can write to",
        ));
    }
    let mut products = Vec::with_capacity(input.products.len());
    for (i, p) in input.products.iter().enumerate() {
        own_product(
            db,
            shop_id,
            &format!("products[{i}].product_id"),
            &p.product_id,
        )
        .await?;
        let rate = hundredths(&format!("products[{i}].commission_rate"), p.commission_rate)?;
        products.push(wire::TargetProduct {
            id: p.product_id.clone(),
            target_commission_rate: rate,
            commission_rate: rate,
        });
    }
    Ok(wire::TargetCollaborationBody {
        name: name.to_owned(),
        end_time: input.end_time.timestamp().to_string(),
        products,
        creator_user_open_ids: input.creators.clone(),
        seller_contact_info: wire::ContactInfo {
            email: Some(email.to_owned()),
            phone_number: input.contact.phone.clone().filter(|p| !p.trim().is_empty()),
        },
        free_sample_rule: wire::FreeSampleRule {
            has_free_sample: input.free_samples,
            is_sample_approval_exempt: false,
        },
        message: input.message.clone().filter(|m| !m.trim().is_empty()),
    })
}

fn target_out(d: wire::TargetDetail) -> Target {
    Target {
        id: d.id,
        name: d.name,
        message: d.message,
        end_time: d.end_time.and_then(|t| DateTime::from_timestamp(t, 0)),
        products: d
            .products
            .into_iter()
            .map(|p| TargetProductOut {
                product_id: p.id,
                commission_rate: p.commission.and_then(|c| c.rate).map(percent),
                status: p.collaboration_status,
            })
            .collect(),
        creators: d
            .creators
            .into_iter()
            .map(|c| TargetCreatorOut {
                open_id: c.creator_open_id,
                username: c.username,
                status: c.collaboration_status,
            })
            .collect(),
        contact: d.seller_contact_info.and_then(|c| {
            c.email.map(|email| ContactIn {
                email,
                phone: c.phone_number,
            })
        }),
        free_samples: d.free_sample_rule.is_some_and(|r| r.has_free_sample),
        kind: d.kind,
        report: None,
    }
}

fn conflicts(list: Vec<wire::Conflict>) -> Vec<TargetConflict> {
    list.into_iter()
        .map(|c| TargetConflict {
            creator: c.creator_user_open_id,
            product_id: c.product_id,
        })
        .collect()
}

/// The shop's target collaborations in a status (VALID by default: running and ending soon).
pub async fn targets(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    status: &str,
) -> Result<Vec<TargetSummaryOut>> {
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let page = wire::search_targets(&mut session.line(access), status, &token)
            .await?
            .data;
        out.extend(
            page.target_collaborations
                .into_iter()
                .map(|t| TargetSummaryOut {
                    id: t.id,
                    name: t.name,
                    end_time: t.end_time.and_then(|e| DateTime::from_timestamp(e, 0)),
                    products: t.product_count,
                }),
        );
        match page.next_page_token.filter(|t| !t.is_empty()) {
            Some(next) if out.len() < 10_000 => token = next,
            _ => break,
        }
    }
    Ok(out)
}

pub async fn target(access: TikTokAccess<'_>, shop: &shop::Model, id: &str) -> Result<Target> {
    let mut session = ShopSession::open(access, shop.clone()).await?;
    read_target(access, &mut session, id).await
}

async fn read_target(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    id: &str,
) -> Result<Target> {
    match wire::get_target(&mut session.line(access), id).await {
        Ok(answer) => Ok(target_out(answer.data.target_collaboration)),
        Err(e) => {
            let e = Error::from(e);
            // TikTok refuses an id it does not know for the shop.
            if e.kind == crate::error::Kind::Refused {
                Err(Error::not_found("target collaboration"))
            } else {
                Err(e)
            }
        }
    }
}

/// Invites creators to sell products at a commission; TikTok's report of what it could not apply
/// (a creator already selling a product elsewhere, unknown ids) is in the answer.
pub async fn create_target(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    input: &TargetIn,
) -> Result<Target> {
    let body = target_body(access.db, &shop.id, input, access.clock.now()).await?;
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let outcome = async {
        let made = wire::create_target(&mut session.line(access), &body).await?;
        let request_id = made.request_id;
        let made = made.data;
        let mut target = read_target(access, &mut session, &made.target_collaboration.id).await?;
        target.report = Some(TargetReport {
            conflicts: conflicts(made.target_collaboration_conflicts),
            invalid_creators: made.invalid_open_id_list,
            invalid_products: made.invalid_product_id_list,
            update_failed: None,
        });
        Ok((target, Some(request_id)))
    }
    .await;
    let request = json!({"name": body.name, "products": input.products.len(), "creators": input.creators.len()});
    audit::audited(
        access.store(),
        user,
        &shop.id,
        (
            "affiliate.target_create",
            format!("target collaboration {}", body.name),
        ),
        request,
        outcome,
    )
    .await
}

/// Changes a target collaboration: TikTok takes the whole of it again, so the fields not given are
/// sent as they are now.
pub async fn update_target(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    id: &str,
    patch: &TargetPatch,
) -> Result<Target> {
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let current = read_target(access, &mut session, id).await?;
    if current.kind.as_deref().is_some_and(|k| k != "STANDARD") {
        return Err(Error::conflict(
            "target_unchangeable",
            "TikTok changes only STANDARD target collaborations",
        ));
    }
    let merged = TargetIn {
        name: patch.name.clone().unwrap_or(current.name.clone()),
        end_time: patch
            .end_time
            .or(current.end_time)
            .unwrap_or_else(|| access.clock.now()),
        products: patch.products.clone().unwrap_or_else(|| {
            current
                .products
                .iter()
                .filter(|p| p.status.as_deref() != Some("DELETED"))
                .map(|p| TargetProductIn {
                    product_id: p.product_id.clone(),
                    commission_rate: p.commission_rate.unwrap_or(1.0),
                })
                .collect()
        }),
        creators: patch
            .creators
            .clone()
            .unwrap_or_else(|| current.creators.iter().map(|c| c.open_id.clone()).collect()),
        contact: patch
            .contact
            .clone()
            .or(current.contact.clone())
            .unwrap_or(ContactIn {
                email: String::new(),
                phone: None,
            }),
        free_samples: patch.free_samples.unwrap_or(current.free_samples),
        message: patch.message.clone().or(current.message.clone()),
    };
    let body = target_body(access.db, &shop.id, &merged, access.clock.now()).await?;
    let outcome = async {
        let updated = wire::update_target(&mut session.line(access), id, &body).await?;
        let request_id = updated.request_id;
        let updated = updated.data;
        let mut target = read_target(access, &mut session, id).await?;
        target.report = Some(TargetReport {
            conflicts: conflicts(updated.target_collaboration_conflicts),
            invalid_creators: vec![],
            invalid_products: vec![],
            update_failed: updated.update_failed.map(serde_json::Value::Object),
        });
        Ok((target, Some(request_id)))
    }
    .await;
    audit::audited(
        access.store(),
        user,
        &shop.id,
        (
            "affiliate.target_update",
            format!("target collaboration {id}"),
        ),
        json!({"name": body.name}),
        outcome,
    )
    .await
}

pub async fn delete_target(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    id: &str,
) -> Result<()> {
    let mut session = ShopSession::open(access, shop.clone()).await?;
    read_target(access, &mut session, id).await?;
    let outcome = async {
        let done = wire::delete_target(&mut session.line(access), id).await?;
        Ok(((), Some(done.request_id)))
    }
    .await;
    audit::audited(
        access.store(),
        user,
        &shop.id,
        (
            "affiliate.target_delete",
            format!("target collaboration {id}"),
        ),
        json!({}),
        outcome,
    )
    .await
}

/// The creators' sample requests (PENDING ones await the seller).
pub async fn samples(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    status: Option<&str>,
) -> Result<Vec<Sample>> {
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let page = wire::search_samples(&mut session.line(access), status, &token)
            .await?
            .data;
        out.extend(page.sample_applications.into_iter().map(|s| {
            Sample {
                id: s.id,
                status: s.status,
                approvable: s.is_approvable,
                creator: s.creator.as_ref().and_then(|c| c.username.clone()),
                followers: s.creator.as_ref().and_then(|c| c.follower_count),
                product_id: s.product.as_ref().and_then(|p| p.id.clone()),
                sku_id: s.product.as_ref().and_then(|p| p.sku_id.clone()),
                commission_rate: s
                    .commission_rate
                    .and_then(|r| r.parse::<f64>().ok())
                    .map(|r| (r * 10_000.0).round() / 100.0),
            }
        }));
        match page.next_page_token.filter(|t| !t.is_empty()) {
            Some(next) if out.len() < 10_000 => token = next,
            _ => break,
        }
    }
    Ok(out)
}

/// Approves or rejects a PENDING sample request; the answer is the request as TikTok has it now.
pub async fn review_sample(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    id: &str,
    reject: Option<RejectReason>,
) -> Result<Sample> {
    let pending = samples(access, shop, None)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| Error::not_found("sample request"))?;
    if pending.status != "PENDING" {
        return Err(Error::conflict(
            "sample_not_pending",
            format!(
                "the sample request is {}: only a PENDING one is approved or rejected",
                pending.status
            ),
        ));
    }
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let outcome = async {
        let review = wire::SampleReview {
            review_result: if reject.is_some() {
                "REJECT"
            } else {
                "APPROVE"
            },
            reject_reason: reject.map(RejectReason::as_str),
        };
        let done = wire::review_sample(&mut session.line(access), id, &review).await?;
        Ok(((), Some(done.request_id)))
    }
    .await;
    let action = if reject.is_some() {
        "affiliate.sample_reject"
    } else {
        "affiliate.sample_approve"
    };
    audit::audited(
        access.store(),
        user,
        &shop.id,
        (action, format!("sample {id}")),
        json!({"reason": reject.map(RejectReason::as_str)}),
        outcome,
    )
    .await?;
    samples(access, shop, None)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| Error::not_found("sample request"))
}
