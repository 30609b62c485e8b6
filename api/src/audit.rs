//! The audit log: one row per write the ERP made through us (who, when, what, TikTok's request id,
//! outcome), readable per shop through the API.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;

use entity::audit_log;

use crate::auth::AuthUser;
use crate::error::Result;
use crate::pagination::{Cursor, Direction, keyset_page};
use crate::telemetry::current_request_id;

pub const SUCCEEDED: &str = "succeeded";
pub const FAILED: &str = "failed";

/// One write to record.
pub struct Entry<'a> {
    pub shop_id: &'a str,
    pub action: &'static str,
    pub target: String,
    pub request: serde_json::Value,
    pub tiktok_request_id: Option<String>,
    /// `None` when it succeeded.
    pub error: Option<String>,
}

pub async fn record(
    db: &impl ConnectionTrait,
    user: &AuthUser,
    entry: Entry<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    audit_log::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        tenant_id: Set(user.tenant.clone()),
        shop_id: Set(entry.shop_id.to_owned()),
        actor: Set(user.sub.clone()),
        role: Set(user.role.as_str().to_owned()),
        action: Set(entry.action.to_owned()),
        target: Set(entry.target),
        request: Set(entry.request.to_string()),
        outcome: Set(if entry.error.is_none() {
            SUCCEEDED
        } else {
            FAILED
        }
        .to_owned()),
        tiktok_request_id: Set(entry.tiktok_request_id),
        error: Set(entry.error),
        request_id: Set(Some(current_request_id())),
        at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A shop's audit rows, newest first.
pub async fn list(
    db: &DatabaseConnection,
    shop_id: &str,
    limit: u64,
    after: Option<Cursor>,
) -> Result<(Vec<audit_log::Model>, Option<Cursor>)> {
    let query = audit_log::Entity::find().filter(audit_log::Column::ShopId.eq(shop_id));
    Ok(keyset_page(
        db,
        query,
        (audit_log::Column::At, audit_log::Column::Id),
        Direction::NewestFirst,
        limit,
        after,
        |r| Cursor {
            at: r.at,
            id: r.id.clone(),
        },
    )
    .await?)
}

/// Records a write of `shop_id` with its outcome (the value and TikTok's request id, or the error)
/// and hands the outcome back.
pub async fn audited<T>(
    store: crate::deps::Store<'_>,
    user: &AuthUser,
    shop_id: &str,
    (action, target): (&'static str, String),
    request: serde_json::Value,
    outcome: crate::error::Result<(T, Option<String>)>,
) -> crate::error::Result<T> {
    record(
        store.db,
        user,
        Entry {
            shop_id,
            action,
            target,
            request,
            tiktok_request_id: match &outcome {
                Ok((_, r)) => r.clone(),
                Err(e) => e.tiktok_request_id(),
            },
            error: outcome.as_ref().err().map(ToString::to_string),
        },
        store.clock.now(),
    )
    .await?;
    outcome.map(|(t, _)| t)
}
