//! Who may sign a shop's webhooks, cached for a short while: TikTok shop id → the apps configured for
//! it (our shop, its tenant, the app key and the opened app secret). It keeps the receiver's hot path
//! free of a database read and an AES-GCM open per delivery.
//!
//! How stale it can be: this process forgets everything whenever a shop's credentials or connection
//! change (`forget_all`, called by the routes that change them); an entry lives at most `TTL`; and a
//! signature that no cached app matches is checked again against a fresh read before it is refused,
//! so a shop added or re-keyed elsewhere (another server process, the CLI) is never refused because
//! of the cache. The TTL bounds the other direction: after a change made in *another* process, this
//! one may still accept the old secret for up to `TTL`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sea_orm::prelude::*;
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use entity::shop;

use crate::shops::credentials::app_secret_at;
use crate::vault::Vault;

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

pub const TTL: Duration = Duration::seconds(30);
/// How long "no shop has this TikTok shop id" is remembered: deliveries for made-up shop ids cost
/// no database read each, and a shop configured in another process is found after this at most
/// (TikTok retries a refused delivery minutes later).
pub const MISS_TTL: Duration = Duration::seconds(10);
/// At most this many unknown ids are remembered; past it the list starts again (so flooding made-up
/// ids costs memory bounded by this, and at worst a database read per id).
const MAX_MISSES: usize = 10_000;

/// One app that may sign deliveries for a TikTok shop.
pub struct Signer {
    pub shop_id: String,
    pub tenant_id: String,
    app_key: String,
    app_secret: SecretString,
}

impl Signer {
    pub fn signed(&self, body: &[u8], signature: &str) -> bool {
        signature_matches(
            &self.app_key,
            self.app_secret.expose_secret(),
            body,
            signature,
        )
    }
}

pub type Signers = Arc<[Signer]>;

struct Entry {
    loaded_at: DateTime<Utc>,
    signers: Signers,
}

#[derive(Default)]
pub struct SignerCache {
    entries: RwLock<HashMap<String, Entry>>,
    /// TikTok shop ids no configured shop had, with when that was read.
    misses: RwLock<HashMap<String, DateTime<Utc>>>,
}

impl SignerCache {
    /// The cached signers of a TikTok shop, unless older than `TTL` at `now`.
    pub fn get(&self, tiktok_shop_id: &str, now: DateTime<Utc>) -> Option<Signers> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(tiktok_shop_id)
            .filter(|e| now - e.loaded_at < TTL && e.loaded_at <= now)
            .map(|e| e.signers.clone())
    }

    /// Remembers a fresh read. An unknown shop (no signers) is not remembered: it may be added at
    /// any time, and remembering misses would let anyone fill the cache with made-up shop ids.
    pub fn put(&self, tiktok_shop_id: &str, signers: Signers, now: DateTime<Utc>) {
        if signers.is_empty() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        entries.insert(
            tiktok_shop_id.to_owned(),
            Entry {
                loaded_at: now,
                signers,
            },
        );
    }

    /// Whether a recent read found no shop with this TikTok shop id.
    pub fn known_missing(&self, tiktok_shop_id: &str, now: DateTime<Utc>) -> bool {
        let misses = self.misses.read().unwrap_or_else(|e| e.into_inner());
        misses
            .get(tiktok_shop_id)
            .is_some_and(|at| now - *at < MISS_TTL && *at <= now)
    }

    /// Remembers that no shop has this TikTok shop id, for [`MISS_TTL`].
    pub fn put_missing(&self, tiktok_shop_id: &str, now: DateTime<Utc>) {
        let mut misses = self.misses.write().unwrap_or_else(|e| e.into_inner());
        if misses.len() >= MAX_MISSES {
            misses.retain(|_, at| now - *at < MISS_TTL && *at <= now);
            if misses.len() >= MAX_MISSES {
                misses.clear();
            }
        }
        misses.insert(tiktok_shop_id.to_owned(), now);
    }

    /// Drops every entry; called whenever a shop's credentials, TikTok shop id or connection change.
    /// Such changes are rare, and forgetting everything cannot miss an entry.
    pub fn forget_all(&self) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.misses
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// Reads the apps configured for a TikTok shop and opens their secrets.
pub async fn load(
    db: &DatabaseConnection,
    vault: &Vault,
    tiktok_shop_id: &str,
) -> Result<Vec<Signer>, anyhow::Error> {
    let shops = shop::Entity::find()
        .filter(shop::Column::ShopId.eq(tiktok_shop_id))
        .filter(shop::Column::DeletedAt.is_null())
        .filter(shop::Column::AppSecretSealed.is_not_null())
        .all(db)
        .await?;
    let mut signers = Vec::with_capacity(shops.len());
    for s in shops {
        let Some(sealed) = s.app_secret_sealed.as_deref() else {
            continue;
        };
        let app_secret = vault.open(app_secret_at(&s.id), sealed)?;
        signers.push(Signer {
            shop_id: s.id,
            tenant_id: s.tenant_id,
            app_key: s.app_key,
            app_secret,
        });
    }
    Ok(signers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(shop: &str) -> Signer {
        Signer {
            shop_id: shop.into(),
            tenant_id: "t".into(),
            app_key: "k".into(),
            app_secret: SecretString::from("s"),
        }
    }

    #[test]
    fn entries_expire_after_the_ttl_and_are_forgotten_on_demand() {
        let cache = SignerCache::default();
        let t0 = Utc::now();
        cache.put("7494", Arc::from(vec![signer("a")]), t0);
        assert_eq!(cache.get("7494", t0).map(|s| s.len()), Some(1));
        assert!(cache.get("7494", t0 + TTL - Duration::seconds(1)).is_some());
        assert!(cache.get("7494", t0 + TTL).is_none(), "expired");
        assert!(cache.get("other", t0).is_none());

        cache.put("7494", Arc::from(vec![signer("a")]), t0);
        cache.forget_all();
        assert!(cache.get("7494", t0).is_none(), "forgotten");

        cache.put("empty", Arc::from(Vec::new()), t0);
        assert!(cache.get("empty", t0).is_none(), "misses are not cached");
    }

    #[test]
    fn unknown_shops_are_remembered_briefly_and_boundedly() {
        let cache = SignerCache::default();
        let t0 = Utc::now();
        assert!(!cache.known_missing("999", t0));
        cache.put_missing("999", t0);
        assert!(cache.known_missing("999", t0 + MISS_TTL - Duration::seconds(1)));
        assert!(
            !cache.known_missing("999", t0 + MISS_TTL),
            "a new shop is found after the TTL"
        );
        cache.put_missing("999", t0);
        cache.forget_all();
        assert!(
            !cache.known_missing("999", t0),
            "a shop configured here is found at once"
        );
        for n in 0..(MAX_MISSES + 10) {
            cache.put_missing(&n.to_string(), t0);
        }
        let kept = cache.misses.read().unwrap().len();
        assert!(kept <= MAX_MISSES, "{kept} remembered");
    }
}

#[cfg(test)]
mod signature_tests {
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
