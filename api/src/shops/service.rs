//! The configure step: create, read, edit and delete a tenant's shops. Every query is tenant-scoped
//! through `find_for_tenant`; the app secret is sealed before it reaches the database.

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, TransactionTrait};
use secrecy::{ExposeSecret, SecretString};

use entity::shop;

use super::credentials::app_secret_at;
use super::model::{Features, Region, ShopStatus, SyncInterval};
use crate::error::{Error, Result};
use crate::pagination::{Cursor, Direction, keyset_page};
use crate::vault::Vault;

/// A validated shop to create.
#[derive(Debug)]
pub struct NewShop {
    pub name: String,
    pub app_key: String,
    pub app_secret: SecretString,
    pub service_id: Option<String>,
    pub shop_id: Option<String>,
    pub region: Region,
    pub features: Features,
    pub sync_interval: SyncInterval,
}

/// A validated edit; `None` leaves a field as it is, `Some(None)` clears an optional one.
#[derive(Debug, Default)]
pub struct ShopEdit {
    pub name: Option<String>,
    pub app_key: Option<String>,
    pub app_secret: Option<SecretString>,
    pub service_id: Option<Option<String>>,
    pub shop_id: Option<Option<String>>,
    pub region: Option<Region>,
}

// Field rules, each naming its field in the error.

pub fn parse_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.chars().any(char::is_control) {
        return Err(Error::invalid_field(
            "name",
            "must not contain control characters",
        ));
    }
    match name.chars().count() {
        0 => Err(Error::invalid_field("name", "must not be empty")),
        1..=100 => Ok(name.to_owned()),
        n => Err(Error::invalid_field(
            "name",
            format!("is {n} characters; 100 at most"),
        )),
    }
}

pub fn parse_app_key(raw: &str) -> Result<String> {
    let key = raw.trim();
    if key.is_empty()
        || key.len() > 64
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(Error::invalid_field(
            "app_key",
            "must be 1 to 64 letters, digits, `_` or `-`, as shown in TikTok Partner Center",
        ));
    }
    Ok(key.to_owned())
}

pub fn parse_app_secret(raw: SecretString) -> Result<SecretString> {
    // Visible ASCII, the alphabet of TikTok's secrets: one rule that every regex dialect reads alike
    // (`\S` differs between them on characters such as U+0085).
    let s = raw.expose_secret();
    if !(8..=128).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid_field(
            "app_secret",
            "must be 8 to 128 visible ASCII characters (letters, digits, punctuation; no spaces), as shown in TikTok Partner Center",
        ));
    }
    Ok(raw)
}

/// TikTok ids (shop id, service id) are decimal numbers carried as strings.
pub fn parse_tiktok_id(field: &str, raw: &str) -> Result<String> {
    crate::ids::TikTokId::field(field, raw.trim()).map(crate::ids::TikTokId::into_string)
}

pub fn parse_region(raw: &str) -> Result<Region> {
    Region::parse(raw).map_err(|p| Error::invalid_field("region", p))
}

/// Gives every stored app secret without a fingerprint its fingerprint (shops configured before
/// fingerprints existed); run at start. A secret that does not open is left for `keys rotate`.
pub async fn backfill_fingerprints(db: &DatabaseConnection, vault: &Vault) -> Result<u64, DbErr> {
    let missing = shop::Entity::find()
        .filter(shop::Column::AppSecretSealed.is_not_null())
        .filter(shop::Column::AppSecretFingerprint.is_null())
        .all(db)
        .await?;
    let mut done = 0;
    for row in missing {
        let Some(sealed) = row.app_secret_sealed.as_deref() else {
            continue;
        };
        match vault.open(app_secret_at(&row.id), sealed) {
            Ok(secret) => {
                shop::Entity::update_many()
                    .col_expr(
                        shop::Column::AppSecretFingerprint,
                        sea_orm::sea_query::Expr::value(Some(vault.fingerprint(&secret))),
                    )
                    .filter(shop::Column::Id.eq(&row.id))
                    .exec(db)
                    .await?;
                done += 1;
            }
            Err(e) => {
                tracing::warn!(shop = %row.id, error = %e, "an app secret does not open; its fingerprint stays empty")
            }
        }
    }
    Ok(done)
}

/// The one way to load a tenant's shop: another tenant's or a deleted shop is "not found".
pub async fn find_for_tenant(
    db: &DatabaseConnection,
    tenant: &str,
    id: &str,
) -> Result<shop::Model> {
    // Our shop ids are UUIDs; anything else cannot exist (and never reaches the database).
    let Some(id) = crate::ids::ShopId::parse(id) else {
        return Err(Error::not_found("shop"));
    };
    shop::Entity::find_by_id(id.as_str().to_owned())
        .filter(shop::Column::TenantId.eq(tenant))
        .filter(shop::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("shop"))
}

/// A tenant configures a TikTok shop once (a unique index holds it too).
async fn ensure_unique(
    db: &DatabaseConnection,
    tenant: &str,
    shop_id: Option<&str>,
    except: Option<&str>,
) -> Result<()> {
    let Some(shop_id) = shop_id else {
        return Ok(());
    };
    let mut query = shop::Entity::find()
        .filter(shop::Column::TenantId.eq(tenant))
        .filter(shop::Column::ShopId.eq(shop_id))
        .filter(shop::Column::DeletedAt.is_null());
    if let Some(id) = except {
        query = query.filter(shop::Column::Id.ne(id));
    }
    if let Some(existing) = query.one(db).await? {
        return Err(Error::conflict(
            "shop_exists",
            format!(
                "TikTok shop {shop_id} is already configured as shop {}; edit that one instead",
                existing.id
            ),
        ));
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub async fn create(
    db: &DatabaseConnection,
    vault: &Vault,
    now: DateTime<Utc>,
    tenant: &str,
    new: NewShop,
) -> Result<shop::Model> {
    ensure_unique(db, tenant, new.shop_id.as_deref(), None).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let sealed = vault.seal(app_secret_at(&id), &new.app_secret);
    let model = shop::ActiveModel {
        id: Set(id.clone()),
        tenant_id: Set(tenant.to_owned()),
        name: Set(new.name),
        app_key: Set(new.app_key),
        app_secret_sealed: Set(Some(sealed)),
        app_secret_fingerprint: Set(Some(vault.fingerprint(&new.app_secret))),
        service_id: Set(new.service_id),
        shop_id: Set(new.shop_id),
        region: Set(new.region.as_str().to_owned()),
        status: Set(ShopStatus::Configured.as_str().to_owned()),
        features: Set(new.features.to_json()),
        sync_interval_minutes: Set(new.sync_interval.to_column()),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    };
    let saved = model.insert(db).await?;
    tracing::info!(shop = %saved.id, "shop configured");
    Ok(saved)
}

/// One page of the tenant's shops, oldest first.
pub async fn list(
    db: &DatabaseConnection,
    tenant: &str,
    limit: u64,
    after: Option<Cursor>,
) -> Result<(Vec<shop::Model>, Option<Cursor>)> {
    let query = shop::Entity::find()
        .filter(shop::Column::TenantId.eq(tenant))
        .filter(shop::Column::DeletedAt.is_null());
    keyset_page(
        db,
        query,
        (shop::Column::CreatedAt, shop::Column::Id),
        Direction::OldestFirst,
        limit,
        after,
        |r| Cursor {
            at: r.created_at,
            id: r.id.clone(),
        },
    )
    .await
    .map_err(Into::into)
}

#[tracing::instrument(skip_all, fields(tenant = %tenant, shop = %id))]
pub async fn edit(
    db: &DatabaseConnection,
    vault: &Vault,
    now: DateTime<Utc>,
    tenant: &str,
    id: &str,
    edit: ShopEdit,
) -> Result<shop::Model> {
    let current = find_for_tenant(db, tenant, id).await?;
    let shop_id = edit
        .shop_id
        .clone()
        .unwrap_or_else(|| current.shop_id.clone());
    ensure_unique(db, tenant, shop_id.as_deref(), Some(id)).await?;

    let credentials_changed = edit.app_key.as_ref().is_some_and(|k| *k != current.app_key)
        || edit.app_secret.is_some()
        || edit.shop_id.as_ref().is_some_and(|s| *s != current.shop_id);
    let mut model: shop::ActiveModel = current.clone().into();
    if let Some(name) = edit.name {
        model.name = Set(name);
    }
    if let Some(key) = edit.app_key {
        model.app_key = Set(key);
    }
    if let Some(secret) = &edit.app_secret {
        model.app_secret_sealed = Set(Some(vault.seal(app_secret_at(id), secret)));
        model.app_secret_fingerprint = Set(Some(vault.fingerprint(secret)));
    }
    if let Some(service_id) = edit.service_id {
        model.service_id = Set(service_id);
    }
    if let Some(shop_id) = edit.shop_id {
        model.shop_id = Set(shop_id);
    }
    if let Some(region) = edit.region {
        model.region = Set(region.as_str().to_owned());
    }
    // New credentials make the current authorization meaningless: the shop must connect again.
    let status = ShopStatus::from_column(&current.status);
    if credentials_changed && status != ShopStatus::Configured {
        model.status = Set(ShopStatus::Configured.as_str().to_owned());
        tracing::info!("credentials changed; the shop must be authorized again");
    }
    model.updated_at = Set(now);
    Ok(model.update(db).await?)
}

pub async fn set_features(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    tenant: &str,
    id: &str,
    changes: &std::collections::BTreeMap<String, bool>,
) -> Result<shop::Model> {
    let current = find_for_tenant(db, tenant, id).await?;
    let mut features = Features::from_json(&current.features);
    features
        .apply(changes)
        .map_err(|p| Error::invalid_field("features", p))?;
    let mut model: shop::ActiveModel = current.into();
    model.features = Set(features.to_json());
    model.updated_at = Set(now);
    Ok(model.update(db).await?)
}

pub async fn set_sync_interval(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    tenant: &str,
    id: &str,
    interval: SyncInterval,
) -> Result<shop::Model> {
    let current = find_for_tenant(db, tenant, id).await?;
    let mut model: shop::ActiveModel = current.into();
    model.sync_interval_minutes = Set(interval.to_column());
    model.updated_at = Set(now);
    Ok(model.update(db).await?)
}

/// Deletes a shop: its secrets are erased now; the row stays (hidden) so history keeps its reference.
#[tracing::instrument(skip_all, fields(tenant = %tenant, shop = %id))]
pub async fn delete(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    tenant: &str,
    id: &str,
) -> Result<()> {
    let current = find_for_tenant(db, tenant, id).await?;
    let grant = current.grant_id.clone();
    let txn = db.begin().await?;
    let mut model: shop::ActiveModel = current.into();
    model.grant_id = Set(None);
    model.app_secret_sealed = Set(None);
    model.app_secret_fingerprint = Set(None);
    model.status = Set(ShopStatus::Disconnected.as_str().to_owned());
    model.deleted_at = Set(Some(now));
    model.updated_at = Set(now);
    model.update(&txn).await?;
    if let Some(grant) = grant {
        super::tokens::erase_grant_if_unused(&txn, &grant, now).await?;
    }
    txn.commit().await?;
    tracing::info!("shop deleted; secrets erased");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_rules_name_the_field() {
        assert_eq!(
            parse_name("  ").unwrap_err().message,
            "name: must not be empty"
        );
        assert!(parse_name(&"x".repeat(101)).is_err());
        assert!(
            parse_app_key("bad key")
                .unwrap_err()
                .message
                .starts_with("app_key")
        );
        assert!(parse_app_secret(SecretString::from("short")).is_err());
        assert!(
            parse_tiktok_id("shop_id", "12a")
                .unwrap_err()
                .message
                .starts_with("shop_id")
        );
        assert_eq!(parse_tiktok_id("shop_id", " 7494 ").unwrap(), "7494");
    }
}
