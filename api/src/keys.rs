//! `ocean-tiktok keys rotate`: re-seal every stored secret under a new master key, in one transaction.

use anyhow::Context;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, TransactionTrait,
};

use entity::{shop, tiktok_grant};

use crate::shops::credentials::app_secret_at;
use crate::shops::tokens::grant_token_at;
use crate::vault::{SealedAt, Vault};

/// Re-seals every secret not yet under the vault's current key; all or nothing. Returns how many.
pub async fn rotate(db: &DatabaseConnection, vault: &Vault) -> anyhow::Result<usize> {
    let txn = db.begin().await?;
    let mut resealed = 0;
    for row in shop::Entity::find()
        .filter(shop::Column::AppSecretSealed.is_not_null())
        .all(&txn)
        .await?
    {
        let at = app_secret_at(&row.id);
        let resealed_secret = reseal(vault, at, row.app_secret_sealed.as_deref())?;
        // The fingerprint is keyed by the master key: made again under the new one.
        let fingerprint = row
            .app_secret_sealed
            .as_deref()
            .map(|sealed| vault.open(at, sealed))
            .transpose()
            .with_context(|| format!("shops {}: the app secret does not open", row.id))?
            .map(|secret| vault.fingerprint(&secret));
        let mut model: shop::ActiveModel = row.into();
        if let Some(new) = resealed_secret {
            model.app_secret_sealed = Set(Some(new));
            resealed += 1;
        }
        model.app_secret_fingerprint = Set(fingerprint);
        if model.is_changed() {
            model.update(&txn).await?;
        }
    }
    resealed += rotate_grants(&txn, vault).await?;
    txn.commit().await?;
    Ok(resealed)
}

async fn rotate_grants(txn: &DatabaseTransaction, vault: &Vault) -> anyhow::Result<usize> {
    let mut resealed = 0;
    for row in tiktok_grant::Entity::find().all(txn).await? {
        let access = reseal(
            vault,
            grant_token_at(&row.id, "access_token"),
            row.access_token_sealed.as_deref(),
        )?;
        let refresh = reseal(
            vault,
            grant_token_at(&row.id, "refresh_token"),
            row.refresh_token_sealed.as_deref(),
        )?;
        resealed += usize::from(access.is_some()) + usize::from(refresh.is_some());
        let mut model: tiktok_grant::ActiveModel = row.into();
        if let Some(a) = access {
            model.access_token_sealed = Set(Some(a));
        }
        if let Some(r) = refresh {
            model.refresh_token_sealed = Set(Some(r));
        }
        if model.is_changed() {
            model.update(txn).await?;
        }
    }
    Ok(resealed)
}

/// The value sealed under the current key, or `None` when it already is (or there is none).
fn reseal(vault: &Vault, at: SealedAt<'_>, sealed: Option<&str>) -> anyhow::Result<Option<String>> {
    let Some(sealed) = sealed else {
        return Ok(None);
    };
    if vault.is_current(sealed) {
        return Ok(None);
    }
    let secret = vault.open(at, sealed).with_context(|| {
        format!(
            "{} {} {}: does not open with OCEAN_MASTER_KEY_OLD",
            at.table, at.row, at.field
        )
    })?;
    Ok(Some(vault.seal(at, &secret)))
}
