//! The receiver's work: find the shop from the body's `shop_id`, check the `Authorization` signature
//! over the raw bytes (HMAC-SHA256 of app_key + body, keyed by the app secret; compared in constant
//! time) against each app that shop is configured with, then store the event once. Nothing that fails
//! a check is stored. No TikTok call happens here: the answer never waits on TikTok.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;
use sea_orm::sea_query::OnConflict;
use secrecy::ExposeSecret;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use entity::{shop, webhook_event};

use super::EventType;
use crate::error::{ApiError, ApiResult};
use crate::shops::service::app_secret_at;
use crate::vault::Vault;

pub const STATE_RECEIVED: &str = "received";

/// TikTok's ids come as strings, and sometimes as numbers.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum IdValue {
    Text(String),
    Number(u64),
}

impl IdValue {
    fn into_string(self) -> String {
        match self {
            IdValue::Text(s) => s,
            IdValue::Number(n) => n.to_string(),
        }
    }
}

/// Only what is needed to find the app that signed the body; nothing else is trusted yet.
#[derive(Debug, Deserialize)]
struct Addressed {
    shop_id: IdValue,
}

#[derive(Debug, Deserialize)]
struct Delivery {
    #[serde(rename = "type")]
    event_type: i64,
    tts_notification_id: Option<IdValue>,
    timestamp: Option<i64>,
}

/// Whether `signature` (lowercase hex) is HMAC-SHA256(app_secret, app_key + body), in constant time.
pub fn signature_matches(app_key: &str, app_secret: &str, body: &[u8], signature: &str) -> bool {
    let Ok(expected) = hex::decode(signature.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()) else {
        return false;
    };
    mac.update(app_key.as_bytes());
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

pub struct Received {
    pub event_id: String,
    pub duplicate: bool,
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::UNAUTHORIZED,
        "invalid_signature",
        message,
    )
}

/// Verifies and stores one delivery.
pub async fn receive(
    db: &DatabaseConnection,
    vault: &Vault,
    now: DateTime<Utc>,
    signature: Option<&str>,
    body: &[u8],
) -> ApiResult<Received> {
    let signature = signature.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
        unauthorized("the Authorization header with TikTok's signature is missing")
    })?;
    let addressed: Addressed = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            "invalid_json",
            format!("the body is not a TikTok webhook (shop_id): {e}"),
        )
    })?;
    let tiktok_shop_id = addressed.shop_id.into_string();
    let candidates = shop::Entity::find()
        .filter(shop::Column::ShopId.eq(tiktok_shop_id.clone()))
        .filter(shop::Column::DeletedAt.is_null())
        .filter(shop::Column::AppSecretSealed.is_not_null())
        .all(db)
        .await?;
    if candidates.is_empty() {
        return Err(ApiError::new(
            actix_web::http::StatusCode::NOT_FOUND,
            "unknown_shop",
            "no configured shop has this shop_id",
        ));
    }
    let mut signer = None;
    for candidate in candidates {
        let Some(sealed) = candidate.app_secret_sealed.as_deref() else {
            continue;
        };
        let secret = vault
            .open(app_secret_at(&candidate.id), sealed)
            .map_err(ApiError::internal)?;
        if signature_matches(&candidate.app_key, secret.expose_secret(), body, signature) {
            signer = Some(candidate);
            break;
        }
    }
    let shop = signer
        .ok_or_else(|| unauthorized("the signature does not match the body for this shop's app"))?;

    let delivery: Delivery = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            "invalid_json",
            format!("the webhook body is malformed: {e}"),
        )
    })?;
    let notification_id = match delivery.tts_notification_id.map(IdValue::into_string) {
        Some(id) if !id.is_empty() => id,
        _ => format!("sha256:{}", hex::encode(Sha256::digest(body))),
    };
    let event_name = EventType::from_code(delivery.event_type).map_or("UNKNOWN", EventType::name);
    let id = uuid::Uuid::new_v4().to_string();
    let row = webhook_event::ActiveModel {
        id: Set(id.clone()),
        tenant_id: Set(shop.tenant_id.clone()),
        shop_id: Set(shop.id.clone()),
        notification_id: Set(notification_id.clone()),
        event_type: Set(i32::try_from(delivery.event_type).unwrap_or(0)),
        event_name: Set(event_name.to_owned()),
        event_time: Set(delivery.timestamp.unwrap_or_else(|| now.timestamp())),
        payload: Set(String::from_utf8_lossy(body).into_owned()),
        state: Set(STATE_RECEIVED.to_owned()),
        attempts: Set(0),
        last_error: Set(None),
        next_attempt_at: Set(now),
        received_at: Set(now),
        processed_at: Set(None),
    };
    let inserted = webhook_event::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                webhook_event::Column::ShopId,
                webhook_event::Column::NotificationId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    metrics::counter!("webhooks_received_total", "type" => event_name, "duplicate" => (inserted == 0).to_string())
        .increment(1);
    if inserted == 0 {
        let existing = webhook_event::Entity::find()
            .filter(webhook_event::Column::ShopId.eq(shop.id.clone()))
            .filter(webhook_event::Column::NotificationId.eq(notification_id))
            .one(db)
            .await?
            .map_or(id, |e| e.id);
        tracing::info!(shop = %shop.id, event = event_name, "duplicate webhook delivery ignored");
        return Ok(Received {
            event_id: existing,
            duplicate: true,
        });
    }
    tracing::info!(shop = %shop.id, event = event_name, "webhook stored");
    Ok(Received {
        event_id: id,
        duplicate: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_vector_verifies() {
        let body = br#"{"type":1,"shop_id":"7494726673780148744","timestamp":1664095733,"data":{"order_id":"576684019603311365","order_status":"AWAITING_SHIPMENT","update_time":1664095610}}"#;
        let sign = "21109834de72ec53c9959716d8514ae388ce1f123e5ffdcafc46713fcdf62b27";
        assert!(signature_matches(
            "fake_app_key",
            "fake_app_secret",
            body,
            sign
        ));
        assert!(!signature_matches(
            "fake_app_key",
            "other_secret",
            body,
            sign
        ));
        assert!(!signature_matches(
            "other_key",
            "fake_app_secret",
            body,
            sign
        ));
        let mut tampered = body.to_vec();
        tampered[10] = b'9';
        assert!(!signature_matches(
            "fake_app_key",
            "fake_app_secret",
            &tampered,
            sign
        ));
        assert!(!signature_matches(
            "fake_app_key",
            "fake_app_secret",
            body,
            "not-hex"
        ));
        assert!(!signature_matches(
            "fake_app_key",
            "fake_app_secret",
            body,
            ""
        ));
    }
}
