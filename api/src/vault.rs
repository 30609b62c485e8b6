//! The vault seals every secret we store (app secrets, tokens) with AES-256-GCM.
//!
//! Stored form: `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`. The nonce is random per seal. The
//! associated data names the table, row and field, so a ciphertext copied into another row or field
//! does not open. The key id (a fingerprint of the master key) says which key sealed a value, which
//! is what lets `keys rotate` open values under the old key and seal them under the new one.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::config::MasterKey;

const VERSION: &str = "v1";
const NONCE_LEN: usize = 12;

/// Where a sealed value lives; bound into the ciphertext as associated data.
#[derive(Debug, Clone, Copy)]
pub struct SealedAt<'a> {
    pub table: &'static str,
    pub row: &'a str,
    pub field: &'static str,
}

impl SealedAt<'_> {
    fn associated_data(&self) -> Vec<u8> {
        format!("ocean:{VERSION}:{}:{}:{}", self.table, self.row, self.field).into_bytes()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VaultError {
    #[error("the sealed value is malformed")]
    Malformed,
    #[error("the sealed value was sealed with key {0}, which is not loaded")]
    UnknownKey(String),
    #[error("the sealed value does not open: tampered, moved to another field, or a wrong key")]
    Rejected,
    #[error("the opened value is not UTF-8")]
    NotText,
}

struct KeyEntry {
    id: String,
    cipher: Aes256Gcm,
    /// Keys the fingerprints of secrets; derived from the master key, never the key itself.
    fingerprint_key: [u8; 32],
}

impl KeyEntry {
    fn new(key: &MasterKey) -> Self {
        let bytes = key.0.expose_secret();
        let mut derive = Sha256::new();
        derive.update(b"ocean-secret-fingerprint");
        derive.update(bytes);
        Self {
            id: key_id(bytes),
            cipher: Aes256Gcm::new_from_slice(bytes)
                .expect("MasterKey is 32 bytes by construction"),
            fingerprint_key: derive.finalize().into(),
        }
    }
}

/// Seals with the current key; opens with the current key or any older one it was given.
pub struct Vault {
    current: KeyEntry,
    older: Vec<KeyEntry>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("key_id", &self.current.id)
            .finish_non_exhaustive()
    }
}

/// A short public fingerprint of a key (never the key itself).
fn key_id(key: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"ocean-vault-key-id");
    hasher.update(key);
    hex::encode(&hasher.finalize()[..4])
}

impl Vault {
    pub fn new(current: &MasterKey) -> Self {
        Self {
            current: KeyEntry::new(current),
            older: Vec::new(),
        }
    }

    /// A vault that also opens values sealed under `old` (for rotation).
    pub fn with_old_key(current: &MasterKey, old: &MasterKey) -> Self {
        let mut vault = Self::new(current);
        vault.older.push(KeyEntry::new(old));
        vault
    }

    pub fn key_id(&self) -> &str {
        &self.current.id
    }

    pub fn seal(&self, at: SealedAt<'_>, secret: &SecretString) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let aad = at.associated_data();
        let ciphertext = self
            .current
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: secret.expose_secret().as_bytes(),
                    aad: &aad,
                },
            )
            .expect("AES-GCM encryption of an in-memory value cannot fail");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ciphertext);
        format!(
            "{VERSION}.{}.{}",
            self.current.id,
            URL_SAFE_NO_PAD.encode(blob)
        )
    }

    pub fn open(&self, at: SealedAt<'_>, sealed: &str) -> Result<SecretString, VaultError> {
        let (kid, blob) = parse(sealed)?;
        let entry = std::iter::once(&self.current)
            .chain(&self.older)
            .find(|e| e.id == kid)
            .ok_or_else(|| VaultError::UnknownKey(kid.to_owned()))?;
        if blob.len() < NONCE_LEN + 16 {
            return Err(VaultError::Malformed);
        }
        let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| VaultError::Malformed)?;
        let aad = at.associated_data();
        let plain = entry
            .cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| VaultError::Rejected)?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| VaultError::NotText)
    }

    /// A short keyed fingerprint of a secret (8 hex characters of an HMAC-SHA256 under a key derived
    /// from the master key): an admin can tell two secrets apart without seeing either, and without
    /// the master key nobody can test a guess against it.
    pub fn fingerprint(&self, secret: &SecretString) -> String {
        use hmac::{Hmac, Mac};
        let mut mac =
            <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&self.current.fingerprint_key)
                .expect("HMAC takes a key of any length");
        mac.update(secret.expose_secret().as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..4])
    }

    /// Whether a sealed value is under the current key (rotation skips those).
    pub fn is_current(&self, sealed: &str) -> bool {
        parse(sealed).is_ok_and(|(kid, _)| kid == self.current.id)
    }
}

fn parse(sealed: &str) -> Result<(&str, Vec<u8>), VaultError> {
    let mut parts = sealed.splitn(3, '.');
    let (Some(VERSION), Some(kid), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(VaultError::Malformed);
    };
    let blob = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| VaultError::Malformed)?;
    Ok((kid, blob))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretSlice;

    fn key(byte: u8) -> MasterKey {
        MasterKey(SecretSlice::from(vec![byte; 32]))
    }

    const AT: SealedAt<'static> = SealedAt {
        table: "shops",
        row: "shop-1",
        field: "app_secret",
    };

    fn secret() -> SecretString {
        SecretString::from("s3cr3t-app-secret")
    }

    #[test]
    fn round_trip_with_a_fresh_nonce_each_time() {
        let vault = Vault::new(&key(1));
        let a = vault.seal(AT, &secret());
        let b = vault.seal(AT, &secret());
        assert_ne!(a, b, "a random nonce per seal");
        assert!(!a.contains("s3cr3t"));
        assert!(a.starts_with(&format!("v1.{}.", vault.key_id())));
        assert_eq!(
            vault.open(AT, &a).unwrap().expose_secret(),
            "s3cr3t-app-secret"
        );
    }

    #[test]
    fn tampered_ciphertext_is_rejected() {
        let vault = Vault::new(&key(1));
        let sealed = vault.seal(AT, &secret());
        let (head, body) = sealed.rsplit_once('.').unwrap();
        let mut blob = URL_SAFE_NO_PAD.decode(body).unwrap();
        let last = blob.len() - 1;
        blob[last] ^= 1;
        let tampered = format!("{head}.{}", URL_SAFE_NO_PAD.encode(blob));
        assert_eq!(vault.open(AT, &tampered).unwrap_err(), VaultError::Rejected);
        assert_eq!(vault.open(AT, "v1.abc").unwrap_err(), VaultError::Malformed);
        assert_eq!(
            vault.open(AT, "garbage").unwrap_err(),
            VaultError::Malformed
        );
    }

    #[test]
    fn a_value_moved_to_another_row_or_field_does_not_open() {
        let vault = Vault::new(&key(1));
        let sealed = vault.seal(AT, &secret());
        let other_row = SealedAt {
            row: "shop-2",
            ..AT
        };
        let other_field = SealedAt {
            field: "access_token",
            ..AT
        };
        assert_eq!(
            vault.open(other_row, &sealed).unwrap_err(),
            VaultError::Rejected
        );
        assert_eq!(
            vault.open(other_field, &sealed).unwrap_err(),
            VaultError::Rejected
        );
    }

    #[test]
    fn a_wrong_key_does_not_open() {
        let sealed = Vault::new(&key(1)).seal(AT, &secret());
        let other = Vault::new(&key(2));
        assert!(matches!(
            other.open(AT, &sealed),
            Err(VaultError::UnknownKey(_))
        ));
    }

    #[test]
    fn rotation_vault_opens_old_values_and_seals_under_the_new_key() {
        let old = Vault::new(&key(1));
        let sealed_old = old.seal(AT, &secret());
        let rotating = Vault::with_old_key(&key(2), &key(1));
        assert!(!rotating.is_current(&sealed_old));
        let opened = rotating.open(AT, &sealed_old).unwrap();
        let resealed = rotating.seal(AT, &opened);
        assert!(rotating.is_current(&resealed));
        let new_only = Vault::new(&key(2));
        assert_eq!(
            new_only.open(AT, &resealed).unwrap().expose_secret(),
            "s3cr3t-app-secret"
        );
        assert!(new_only.open(AT, &sealed_old).is_err());
    }

    #[test]
    fn fingerprints_tell_secrets_apart_and_depend_on_the_master_key() {
        let vault = Vault::new(&key(1));
        let a = vault.fingerprint(&SecretString::from("secret-a"));
        assert_eq!(a.len(), 8);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(a, vault.fingerprint(&SecretString::from("secret-a")));
        assert_ne!(a, vault.fingerprint(&SecretString::from("secret-b")));
        assert_ne!(
            a,
            Vault::new(&key(2)).fingerprint(&SecretString::from("secret-a"))
        );
        assert!(!"secret-a".contains(&a));
    }

    #[test]
    fn debug_shows_only_the_key_id() {
        let vault = Vault::new(&key(9));
        let printed = format!("{vault:?}");
        assert!(printed.contains(vault.key_id()));
        assert!(!printed.contains("9, 9"));
    }
}
