//! The receiver's work: find the shop from the body's `shop_id`, check the `Authorization` signature
//! over the raw bytes (HMAC-SHA256 of app_key + body, keyed by the app secret; compared in constant
//! time) against each app that shop is configured with (`signers`, cached briefly), then store the
//! event once through the group-commit `writer` and answer only after it is committed. Nothing that
//! fails a check is stored. No TikTok call happens here: the answer never waits on TikTok.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use entity::webhook_event;

use super::EventType;
use super::signers::{self, SignerCache, Signers};
use super::writer::{EventWriter, StoreError, Stored};
use crate::clock::Clock;
use crate::error::{Error, Kind, Result};
use crate::vault::Vault;
use sea_orm::DatabaseConnection;

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

/// What receiving a delivery takes: the shops' apps to check its signature against (read through
/// a short cache, opened with the vault) and the writer that stores it.
#[derive(Clone, Copy)]
pub struct Intake<'a> {
    pub db: &'a DatabaseConnection,
    pub clock: &'a dyn Clock,
    pub vault: &'a Vault,
    pub signers: &'a SignerCache,
    pub writer: &'a EventWriter,
}

pub struct Received {
    pub duplicate: bool,
}

/// The answer to a signature no app of the addressed shop made, and to a shop we do not have: the
/// same status and body, so the receiver does not tell which TikTok shop ids are configured here.
const SIGNATURE_REFUSED: &str = "the signature does not match the body for this shop's app";

fn unauthorized(message: &str) -> Error {
    Error::new(Kind::Unauthorized, "invalid_signature", message)
}

fn not_stored(error: StoreError) -> Error {
    let message = match error {
        StoreError::QueueFull => {
            "too many deliveries are waiting to be stored; the event was not stored, retry it"
        }
        StoreError::Stopped => "the server is shutting down; the event was not stored, retry it",
        StoreError::Failed => "the event could not be stored; retry it",
    };
    Error::new(Kind::Unavailable, "webhook_not_stored", message)
}

/// The app that signed `body` for this TikTok shop: from the cache, else (or when no cached app
/// matches, in case the shop was added or re-keyed since) from a fresh read.
async fn signer(
    intake: Intake<'_>,
    tiktok_shop_id: &str,
    body: &[u8],
    signature: &str,
) -> Result<(String, String)> {
    let now = intake.clock.now();
    let found = |signers: &Signers| {
        signers
            .iter()
            .find(|s| s.signed(body, signature))
            .map(|s| (s.shop_id.clone(), s.tenant_id.clone()))
    };
    if let Some(cached) = intake.signers.get(tiktok_shop_id, now)
        && let Some(signer) = found(&cached)
    {
        return Ok(signer);
    }
    if intake.signers.known_missing(tiktok_shop_id, now) {
        return Err(unauthorized(SIGNATURE_REFUSED));
    }
    let fresh: Signers = signers::load(intake.db, intake.vault, tiktok_shop_id)
        .await
        .map_err(Error::internal)?
        .into();
    if fresh.is_empty() {
        intake.signers.put_missing(tiktok_shop_id, now);
        return Err(unauthorized(SIGNATURE_REFUSED));
    }
    intake.signers.put(tiktok_shop_id, fresh.clone(), now);
    found(&fresh).ok_or_else(|| unauthorized(SIGNATURE_REFUSED))
}

/// Verifies and stores one delivery; returns once it is committed.
pub async fn receive(intake: Intake<'_>, signature: Option<&str>, body: &[u8]) -> Result<Received> {
    let signature = signature.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
        unauthorized("the Authorization header with TikTok's signature is missing")
    })?;
    let addressed: Addressed = serde_json::from_slice(body).map_err(|e| {
        Error::bad_request(
            "invalid_json",
            format!("the body is not a TikTok webhook (shop_id): {e}"),
        )
    })?;
    let (shop_id, tenant_id) =
        signer(intake, &addressed.shop_id.into_string(), body, signature).await?;

    let delivery: Delivery = serde_json::from_slice(body).map_err(|e| {
        Error::bad_request(
            "invalid_json",
            format!("the webhook body is malformed: {e}"),
        )
    })?;
    let notification_id = match delivery.tts_notification_id.map(IdValue::into_string) {
        Some(id) if !id.is_empty() => id,
        _ => format!("sha256:{}", hex::encode(Sha256::digest(body))),
    };
    let event_name = EventType::from_code(delivery.event_type).map_or("UNKNOWN", EventType::name);
    let now = intake.clock.now();
    let event = webhook_event::Model {
        // Time-ordered, so each insert lands at the end of the primary key's index (a random id
        // would touch a random page of it, which a large table no longer keeps in cache).
        id: uuid::Uuid::now_v7().to_string(),
        tenant_id,
        shop_id,
        notification_id,
        event_type: i32::try_from(delivery.event_type).unwrap_or(0),
        event_name: event_name.to_owned(),
        event_time: delivery.timestamp.unwrap_or_else(|| now.timestamp()),
        payload: String::from_utf8_lossy(body).into_owned(),
        state: STATE_RECEIVED.to_owned(),
        attempts: 0,
        last_error: None,
        next_attempt_at: now,
        received_at: now,
        processed_at: None,
        claim_token: None,
    };
    let shop = event.shop_id.clone();
    let stored = intake.writer.store(event).await.map_err(not_stored)?;
    let duplicate = stored == Stored::Duplicate;
    metrics::counter!("webhooks_received_total", "type" => event_name, "duplicate" => if duplicate { "true" } else { "false" })
        .increment(1);
    if duplicate {
        tracing::info!(%shop, event = event_name, "duplicate webhook delivery ignored");
    } else {
        tracing::info!(%shop, event = event_name, "webhook stored");
    }
    Ok(Received { duplicate })
}
