//! A shop's app credentials: where its app secret is sealed, and the key and secret opened for a
//! TikTok call.

use entity::shop;

use crate::error::{Error, Result};
use crate::tiktok::AppCredentials;
use crate::vault::{SealedAt, Vault};

/// Where a shop's app secret is sealed.
pub fn app_secret_at(shop_id: &str) -> SealedAt<'_> {
    SealedAt {
        table: "shops",
        row: shop_id,
        field: "app_secret",
    }
}

pub fn app_credentials(vault: &Vault, shop: &shop::Model) -> Result<AppCredentials> {
    let sealed = shop.app_secret_sealed.as_deref().ok_or_else(|| {
        Error::conflict(
            "app_secret_missing",
            "the shop has no app secret; set one with PATCH",
        )
    })?;
    let secret = vault
        .open(app_secret_at(&shop.id), sealed)
        .map_err(Error::internal)?;
    Ok(AppCredentials {
        app_key: shop.app_key.clone(),
        app_secret: secret,
    })
}
