//! `ocean-tiktok keys rotate`: re-seal every stored secret under a new master key, in one transaction.

use anyhow::Context;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait,
};

use entity::shop;

use crate::shops::service::app_secret_at;
use crate::vault::Vault;

/// Re-seals every secret not yet under the vault's current key; all or nothing. Returns how many.
pub async fn rotate(db: &DatabaseConnection, vault: &Vault) -> anyhow::Result<usize> {
    let txn = db.begin().await?;
    let mut resealed = 0;
    let shops = shop::Entity::find()
        .filter(shop::Column::AppSecretSealed.is_not_null())
        .all(&txn)
        .await?;
    for row in shops {
        let Some(sealed) = row.app_secret_sealed.as_deref() else {
            continue;
        };
        if vault.is_current(sealed) {
            continue;
        }
        let secret = vault
            .open(app_secret_at(&row.id), sealed)
            .with_context(|| {
                format!(
                    "shop {}: the app secret does not open with OCEAN_MASTER_KEY_OLD",
                    row.id
                )
            })?;
        let id = row.id.clone();
        let mut model: shop::ActiveModel = row.into();
        model.app_secret_sealed = Set(Some(vault.seal(app_secret_at(&id), &secret)));
        model.update(&txn).await?;
        resealed += 1;
    }
    txn.commit().await?;
    Ok(resealed)
}
