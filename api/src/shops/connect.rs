//! Connect & Authorize: the authorize URL with a single-use state, and the callback that exchanges the
//! code, finds the shops the seller authorized, seals the tokens and marks the shops connected.
//!
//! oauth2 gives us the CSRF state and the typed code; TikTok's token call is not standard OAuth (a GET
//! with the app secret in the query, a `data` envelope, absolute expiries), so the exchange itself is
//! our TikTok client's `get_token`.

use chrono::{DateTime, Duration, Utc};
use oauth2::{AuthorizationCode, CsrfToken};
use sea_orm::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, TransactionTrait};
use sha2::{Digest, Sha256};
use url::Url;

use entity::{oauth_state, shop, tiktok_grant};

use super::credentials::{app_credentials, app_secret_at};
use super::model::{Features, Region, ShopStatus};
use super::service::find_for_tenant;
use super::tokens::{self, grant_token_at};
use crate::error::{Error, Result};
use crate::tiktok::{AppCredentials, AuthorizedShop, TikTokClient, TikTokError};
use crate::vault::Vault;

pub const STATE_TTL_MINUTES: i64 = 10;

fn hash_state(state: &str) -> String {
    hex::encode(Sha256::digest(state.as_bytes()))
}

pub struct ConnectStart {
    pub authorize_url: Url,
    pub state_expires_at: DateTime<Utc>,
}

/// Makes a single-use state bound to the tenant, shop and user, and the URL to send the seller to.
#[tracing::instrument(skip_all, fields(tenant = %tenant, shop = %shop_id))]
pub async fn start(
    db: &DatabaseConnection,
    authorize_base: &Url,
    now: DateTime<Utc>,
    tenant: &str,
    user: &str,
    shop_id: &str,
) -> Result<ConnectStart> {
    let shop = find_for_tenant(db, tenant, shop_id).await?;
    if shop.app_secret_sealed.is_none() {
        return Err(Error::conflict(
            "app_secret_missing",
            "the shop has no app secret; set one with PATCH before connecting",
        ));
    }
    // A newer Connect supersedes the shop's older links: only the latest one can authorize. They
    // end now (the claim needs `expires_at > now`), which the callback tells from a link that ran
    // its 10 minutes out.
    oauth_state::Entity::update_many()
        .col_expr(oauth_state::Column::ExpiresAt, Expr::value(now))
        .filter(oauth_state::Column::ShopId.eq(shop.id.clone()))
        .filter(oauth_state::Column::UsedAt.is_null())
        .filter(oauth_state::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    // 32 random bytes: 256 bits, well above the 128 asked for.
    let state = CsrfToken::new_random_len(32);
    let expires_at = now + Duration::minutes(STATE_TTL_MINUTES);
    oauth_state::ActiveModel {
        state_hash: Set(hash_state(state.secret())),
        tenant_id: Set(tenant.to_owned()),
        shop_id: Set(shop.id.clone()),
        user_sub: Set(user.to_owned()),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    if ShopStatus::from_column(&shop.status) != ShopStatus::Connected {
        set_status(db, &shop.id, ShopStatus::Authorizing, None, now).await?;
    }
    let mut url = authorize_base.clone();
    {
        let mut query = url.query_pairs_mut();
        match &shop.service_id {
            Some(service_id) => query.append_pair("service_id", service_id),
            // Older apps authorize by app key.
            None => query.append_pair("app_key", &shop.app_key),
        };
        query.append_pair("state", state.secret());
    }
    tracing::info!("authorization started");
    Ok(ConnectStart {
        authorize_url: url,
        state_expires_at: expires_at,
    })
}

async fn set_status(
    db: &impl ConnectionTrait,
    shop_id: &str,
    status: ShopStatus,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    shop::Entity::update_many()
        .col_expr(shop::Column::Status, Expr::value(status.as_str()))
        .col_expr(shop::Column::StatusReason, Expr::value(reason))
        .col_expr(shop::Column::UpdatedAt, Expr::value(now))
        .filter(shop::Column::Id.eq(shop_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Why a callback did not connect the shop; goes back to the browser as `?reason=`.
#[derive(Debug)]
pub struct CallbackFailure {
    pub reason: &'static str,
    pub message: String,
    pub shop_id: Option<String>,
    pub tiktok_code: Option<i64>,
    pub tiktok_request_id: Option<String>,
}

impl CallbackFailure {
    fn new(reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            reason,
            message: message.into(),
            shop_id: None,
            tiktok_code: None,
            tiktok_request_id: None,
        }
    }

    fn tiktok(shop_id: &str, reason: &'static str, error: &TikTokError) -> Self {
        Self {
            reason,
            message: error.to_string(),
            shop_id: Some(shop_id.to_owned()),
            tiktok_code: error.code(),
            tiktok_request_id: error.request_id().map(str::to_owned),
        }
    }
}

pub struct CallbackSuccess {
    pub shop_id: String,
    pub connected_shops: Vec<String>,
}

pub struct CallbackInput {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// Handles TikTok's redirect. On any failure nothing is stored but the used state.
#[tracing::instrument(skip_all)]
pub async fn complete(
    db: &DatabaseConnection,
    vault: &Vault,
    client: &TikTokClient,
    now: DateTime<Utc>,
    input: CallbackInput,
) -> Result<CallbackSuccess, CallbackFailure> {
    let internal = |e: DbErr| {
        tracing::error!(error = %e, "callback database error");
        CallbackFailure::new(
            "internal_error",
            "an internal error occurred; try connecting again",
        )
    };
    let state = input
        .state
        .filter(|s| !s.is_empty() && s.len() <= 256)
        .ok_or_else(|| {
            CallbackFailure::new(
                "state_missing",
                "the callback carried no state; start again from Connect",
            )
        })?;
    let row = oauth_state::Entity::find_by_id(hash_state(&state))
        .one(db)
        .await
        .map_err(internal)?
        .ok_or_else(|| {
            CallbackFailure::new(
                "state_unknown",
                "this authorization link is not ours; start again from Connect",
            )
        })?;
    // Claim the state: one UPDATE that only one request can win.
    let claimed = oauth_state::Entity::update_many()
        .col_expr(oauth_state::Column::UsedAt, Expr::value(Some(now)))
        .filter(oauth_state::Column::StateHash.eq(row.state_hash.clone()))
        .filter(oauth_state::Column::UsedAt.is_null())
        .filter(oauth_state::Column::ExpiresAt.gt(now))
        .exec(db)
        .await
        .map_err(internal)?;
    if claimed.rows_affected != 1 {
        let (reason, message) = if row.used_at.is_some() {
            (
                "state_used",
                "this authorization link was already used; start again from Connect",
            )
        } else if row.expires_at < row.created_at + Duration::minutes(STATE_TTL_MINUTES) {
            (
                "state_superseded",
                "a newer Connect of this shop replaced this authorization link; use the latest one",
            )
        } else {
            (
                "state_expired",
                "this authorization link expired (10 minutes); start again from Connect",
            )
        };
        return Err(CallbackFailure {
            shop_id: Some(row.shop_id.clone()),
            ..CallbackFailure::new(reason, message)
        });
    }
    let shop = find_for_tenant(db, &row.tenant_id, &row.shop_id)
        .await
        .map_err(|_| CallbackFailure {
            shop_id: Some(row.shop_id.clone()),
            ..CallbackFailure::new(
                "shop_gone",
                "the shop was deleted while it was being authorized",
            )
        })?;
    let fail_back = |failure: CallbackFailure| async {
        // The shop goes back to where it was before the attempt.
        if ShopStatus::from_column(&shop.status) == ShopStatus::Authorizing {
            let _ = set_status(
                db,
                &shop.id,
                ShopStatus::Configured,
                Some(failure.message.clone()),
                now,
            )
            .await;
        }
        failure
    };

    if let Some(error) = input.error.filter(|e| !e.is_empty()) {
        let failure = if error == "auth_denied" {
            CallbackFailure::new(
                "auth_denied",
                "the seller did not authorize the app on TikTok",
            )
        } else {
            CallbackFailure::new("tiktok_error", format!("TikTok answered `{error}`"))
        };
        return Err(fail_back(CallbackFailure {
            shop_id: Some(shop.id.clone()),
            ..failure
        })
        .await);
    }
    let code = match input
        .code
        .filter(|c| !c.is_empty() && c != "null" && c.len() <= 1024)
    {
        Some(c) => AuthorizationCode::new(c),
        None => {
            return Err(fail_back(CallbackFailure {
                shop_id: Some(shop.id.clone()),
                ..CallbackFailure::new("code_missing", "TikTok sent no authorization code")
            })
            .await);
        }
    };

    let app = match app_credentials(vault, &shop) {
        Ok(app) => app,
        Err(_) => {
            return Err(fail_back(CallbackFailure::new(
                "app_secret_missing",
                "the shop's app secret cannot be read",
            ))
            .await);
        }
    };
    let grant = match client.get_token(&app, code.secret()).await {
        Ok(g) => g,
        Err(e) => {
            return Err(
                fail_back(CallbackFailure::tiktok(&shop.id, "tiktok_refused_code", &e)).await,
            );
        }
    };
    let authorized = match client.authorized_shops(&app, &grant.access_token).await {
        Ok(list) => list,
        Err(e) => {
            return Err(fail_back(CallbackFailure::tiktok(
                &shop.id,
                "tiktok_refused_shops",
                &e,
            ))
            .await);
        }
    };
    let Some(primary) = pick_primary(&shop, &authorized) else {
        let message = match &shop.shop_id {
            Some(id) => format!(
                "the seller authorized shops {} but not the configured shop {id}; check shop_id or authorize that shop",
                authorized
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "the seller's authorization covers no shop".to_owned(),
        };
        return Err(fail_back(CallbackFailure {
            shop_id: Some(shop.id.clone()),
            ..CallbackFailure::new("shop_not_authorized", message)
        })
        .await);
    };

    if let Some(failure) = owner_conflict(db, &shop, primary).await.map_err(internal)? {
        return Err(fail_back(failure).await);
    }
    let saved = store_connection(db, vault, now, &shop, &app, grant, primary, &authorized)
        .await
        .map_err(|e| match owned_elsewhere(&e) {
            // Another tenant connected the same TikTok shop at the same moment.
            true => CallbackFailure {
                shop_id: Some(shop.id.clone()),
                ..connected_elsewhere(&primary.id)
            },
            false => internal(e),
        });
    match saved {
        Ok(connected_shops) => {
            tracing::info!(shop = %shop.id, shops = connected_shops.len(), "shop connected");
            Ok(CallbackSuccess {
                shop_id: shop.id.clone(),
                connected_shops,
            })
        }
        Err(f) => Err(fail_back(f).await),
    }
}

fn connected_elsewhere(tiktok_shop_id: &str) -> CallbackFailure {
    CallbackFailure::new(
        "shop_connected_elsewhere",
        format!(
            "TikTok shop {tiktok_shop_id} is already connected to another Ocean account; it must be disconnected there before it can be connected here"
        ),
    )
}

/// One owner per TikTok shop: the shop being connected may not be held (connected, or waiting to
/// be authorized again) by another row, of this tenant or another, nor configured twice here.
async fn owner_conflict(
    db: &DatabaseConnection,
    shop: &shop::Model,
    primary: &AuthorizedShop,
) -> Result<Option<CallbackFailure>, DbErr> {
    let others = shop::Entity::find()
        .filter(shop::Column::ShopId.eq(primary.id.clone()))
        .filter(shop::Column::DeletedAt.is_null())
        .filter(shop::Column::Id.ne(shop.id.clone()))
        .all(db)
        .await?;
    if others
        .iter()
        .any(|o| o.grant_id.is_some() && o.tenant_id != shop.tenant_id)
    {
        return Ok(Some(CallbackFailure {
            shop_id: Some(shop.id.clone()),
            ..connected_elsewhere(&primary.id)
        }));
    }
    if let Some(twin) = others.iter().find(|o| o.tenant_id == shop.tenant_id) {
        return Ok(Some(CallbackFailure {
            shop_id: Some(shop.id.clone()),
            ..CallbackFailure::new(
                "shop_exists",
                format!(
                    "TikTok shop {} is already configured here as shop {}; connect that one (or delete it first)",
                    primary.id, twin.id
                ),
            )
        }));
    }
    Ok(None)
}

/// A write refused by the one-owner-per-TikTok-shop unique indexes.
fn owned_elsewhere(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(m)) if m.contains("shop"))
}

fn pick_primary<'a>(
    shop: &shop::Model,
    authorized: &'a [AuthorizedShop],
) -> Option<&'a AuthorizedShop> {
    match &shop.shop_id {
        Some(id) => authorized.iter().find(|s| &s.id == id),
        None => authorized.first(),
    }
}

/// One transaction: the grant with its sealed tokens, the configured shop, and a shop row for every
/// other shop the authorization covers (same tenant and app).
#[allow(clippy::too_many_arguments)]
async fn store_connection(
    db: &DatabaseConnection,
    vault: &Vault,
    now: DateTime<Utc>,
    shop: &shop::Model,
    app: &AppCredentials,
    grant: crate::tiktok::TokenGrant,
    primary: &AuthorizedShop,
    authorized: &[AuthorizedShop],
) -> Result<Vec<String>, DbErr> {
    let txn = db.begin().await?;
    let grant_id = uuid::Uuid::new_v4().to_string();
    tiktok_grant::ActiveModel {
        id: Set(grant_id.clone()),
        tenant_id: Set(shop.tenant_id.clone()),
        app_key: Set(shop.app_key.clone()),
        open_id: Set(grant.open_id.clone()),
        seller_name: Set(grant.seller_name.clone()),
        seller_base_region: Set(grant.seller_base_region.clone()),
        user_type: Set(grant.user_type),
        granted_scopes: Set(
            serde_json::to_string(&grant.granted_scopes).unwrap_or_else(|_| "[]".into())
        ),
        access_token_sealed: Set(Some(vault.seal(
            grant_token_at(&grant_id, "access_token"),
            &grant.access_token,
        ))),
        access_token_issued_at: Set(Some(now)),
        access_token_expires_at: Set(Some(grant.access_token_expires_at)),
        refresh_token_sealed: Set(Some(vault.seal(
            grant_token_at(&grant_id, "refresh_token"),
            &grant.refresh_token,
        ))),
        refresh_token_expires_at: Set(Some(grant.refresh_token_expires_at)),
        token_version: Set(1),
        refresh_lease_owner: Set(None),
        refresh_lease_until: Set(None),
        last_refresh_at: Set(None),
        refresh_unknown_at: Set(None),
        status: Set(tokens::GRANT_ACTIVE.to_owned()),
        warning: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;

    let mut connected = Vec::new();
    for tiktok_shop in
        std::iter::once(primary).chain(authorized.iter().filter(|s| s.id != primary.id))
    {
        let target = if tiktok_shop.id == primary.id {
            Some(shop.clone())
        } else {
            let holders = shop::Entity::find()
                .filter(shop::Column::ShopId.eq(tiktok_shop.id.clone()))
                .filter(shop::Column::DeletedAt.is_null())
                .all(&txn)
                .await?;
            let ours = holders.iter().find(|h| h.tenant_id == shop.tenant_id);
            // Another shop the authorization covers is taken along only when nobody else holds
            // it: not another tenant's connected shop, nor this tenant's row for another app.
            if ours.is_some_and(|h| h.app_key != shop.app_key)
                || (ours.is_none() && holders.iter().any(|h| h.grant_id.is_some()))
            {
                tracing::info!(tiktok_shop = %tiktok_shop.id, "a shop the authorization covers is held by another row; left alone");
                continue;
            }
            ours.cloned()
        };
        let region = Region::parse(&tiktok_shop.region).ok();
        let id = match target {
            Some(existing) => {
                let mut model: shop::ActiveModel = existing.clone().into();
                model.shop_id = Set(Some(tiktok_shop.id.clone()));
                if let Some(r) = region {
                    model.region = Set(r.as_str().to_owned());
                }
                apply_connection(&mut model, &grant_id, tiktok_shop, now);
                model.update(&txn).await?;
                existing.id
            }
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                let mut model = shop::ActiveModel {
                    id: Set(id.clone()),
                    tenant_id: Set(shop.tenant_id.clone()),
                    name: Set(tiktok_shop.name.clone()),
                    app_key: Set(shop.app_key.clone()),
                    app_secret_sealed: Set(Some(vault.seal(app_secret_at(&id), &app.app_secret))),
                    app_secret_fingerprint: Set(shop.app_secret_fingerprint.clone()),
                    service_id: Set(shop.service_id.clone()),
                    shop_id: Set(Some(tiktok_shop.id.clone())),
                    region: Set(region.unwrap_or(Region::US).as_str().to_owned()),
                    status: Set(ShopStatus::Configured.as_str().to_owned()),
                    features: Set(Features::default().to_json()),
                    sync_interval_minutes: Set(shop.sync_interval_minutes),
                    created_at: Set(now),
                    updated_at: Set(now),
                    deleted_at: Set(None),
                    grant_id: Set(None),
                    shop_cipher: Set(None),
                    tiktok_shop_name: Set(None),
                    seller_type: Set(None),
                    connected_at: Set(None),
                    status_reason: Set(None),
                };
                apply_connection(&mut model, &grant_id, tiktok_shop, now);
                model.insert(&txn).await?;
                id
            }
        };
        connected.push(id);
    }
    txn.commit().await?;
    Ok(connected)
}

fn apply_connection(
    model: &mut shop::ActiveModel,
    grant_id: &str,
    s: &AuthorizedShop,
    now: DateTime<Utc>,
) {
    model.grant_id = Set(Some(grant_id.to_owned()));
    model.shop_cipher = Set(Some(s.cipher.clone()));
    model.tiktok_shop_name = Set(Some(s.name.clone()));
    model.seller_type = Set(Some(s.seller_type.clone()));
    model.status = Set(ShopStatus::Connected.as_str().to_owned());
    model.status_reason = Set(None);
    model.connected_at = Set(Some(now));
    model.updated_at = Set(now);
}

/// Disconnects a shop: it stops using its grant; the grant's tokens are erased once no shop uses them.
#[tracing::instrument(skip_all, fields(tenant = %tenant, shop = %shop_id))]
pub async fn disconnect(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    tenant: &str,
    shop_id: &str,
) -> Result<shop::Model> {
    let shop = find_for_tenant(db, tenant, shop_id).await?;
    let txn = db.begin().await?;
    let mut model: shop::ActiveModel = shop.clone().into();
    model.status = Set(ShopStatus::Disconnected.as_str().to_owned());
    model.status_reason = Set(Some("disconnected by an admin".into()));
    model.grant_id = Set(None);
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    if let Some(grant_id) = &shop.grant_id {
        tokens::erase_grant_if_unused(&txn, grant_id, now).await?;
    }
    txn.commit().await?;
    tracing::info!("shop disconnected");
    Ok(updated)
}
