//! Token upkeep: a shop's session (app credentials, cipher, access token), calls that refresh once and
//! retry once when TikTok says the token expired, a refresh that is single-flight across tasks and
//! server processes (a lease on the grant row), and the background refresher.
//!
//! TikTok spends a refresh token once. So a refresh is never sent twice unless TikTok provably never
//! saw it (the client's rule for token calls); a refresh whose answer was lost keeps the current
//! access token, which lives on, and is marked (`refresh_unknown_at`); a refused refresh re-reads
//! the grant (another process may hold the new pair) and, while the access token still works, keeps
//! the shop connected with a warning instead of cutting it off before it must. The lease on the
//! grant outlives the slowest refresh call, and the new pair is stored only over the version it
//! replaces, so a slow answer never overwrites a newer pair, nor is it lost to a lease it outlived.

use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use sea_orm::QueryFilter;
use sea_orm::prelude::*;
use sea_orm::sea_query::{Condition, Expr};
use secrecy::SecretString;

use entity::{shop, tiktok_grant};

use super::credentials::app_credentials;
use super::model::ShopStatus;
use crate::deps::{Store, TikTokAccess};
use crate::error::{Error, Result, tiktok_to_api};
use crate::tiktok::ErrorKind;
use crate::vault::SealedAt;

pub const GRANT_ACTIVE: &str = "active";
pub const GRANT_REVOKED: &str = "revoked";
pub const GRANT_ERASED: &str = "erased";

/// How long a refresher may hold the lease before another may take over (a crashed process):
/// longer than the slowest refresh call can take, so a live refresher never loses it.
fn refresh_lease(access: TikTokAccess<'_>) -> Duration {
    Duration::from_std(access.tiktok.worst_case_call()).unwrap_or(Duration::minutes(10))
        + Duration::seconds(30)
}
/// After a refresh ended without new tokens (answer lost, or refused while the access token still
/// works), the background refresher leaves the grant alone this long.
const RETRY_DOUBTFUL_REFRESH_AFTER: i64 = 15 * 60;
/// How long a caller waits for another process's refresh before giving up.
const WAIT_FOR_OTHER_REFRESH: StdDuration = StdDuration::from_secs(30);

pub fn grant_token_at<'a>(grant_id: &'a str, field: &'static str) -> SealedAt<'a> {
    SealedAt {
        table: "tiktok_grants",
        row: grant_id,
        field,
    }
}

/// Erases a grant's tokens (history stays).
async fn erase_grant(
    db: &impl ConnectionTrait,
    grant_id: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    tiktok_grant::Entity::update_many()
        .col_expr(
            tiktok_grant::Column::AccessTokenSealed,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            tiktok_grant::Column::RefreshTokenSealed,
            Expr::value(Option::<String>::None),
        )
        .col_expr(tiktok_grant::Column::Status, Expr::value(GRANT_ERASED))
        .col_expr(tiktok_grant::Column::UpdatedAt, Expr::value(now))
        .filter(tiktok_grant::Column::Id.eq(grant_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Erases a grant's tokens once no live shop uses it (a shop was disconnected or deleted).
pub async fn erase_grant_if_unused(
    db: &impl ConnectionTrait,
    grant_id: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use sea_orm::PaginatorTrait;
    let still_used = shop::Entity::find()
        .filter(shop::Column::GrantId.eq(grant_id))
        .filter(shop::Column::DeletedAt.is_null())
        .count(db)
        .await?;
    if still_used == 0 {
        erase_grant(db, grant_id, now).await?;
    }
    Ok(())
}

pub(super) fn reauthorization_required(reason: &str) -> Error {
    Error::conflict(
        "reauthorization_required",
        format!("{reason}; an admin must connect the shop again (POST …/connect)"),
    )
}

async fn load_grant(db: &DatabaseConnection, grant_id: &str) -> Result<tiktok_grant::Model> {
    tiktok_grant::Entity::find_by_id(grant_id.to_owned())
        .one(db)
        .await?
        .ok_or_else(|| reauthorization_required("the shop's authorization is gone"))
}

pub(super) async fn load_access_token(
    access: TikTokAccess<'_>,
    grant_id: &str,
) -> Result<(SecretString, i64)> {
    let grant = load_grant(access.db, grant_id).await?;
    if grant.status != GRANT_ACTIVE {
        return Err(reauthorization_required(
            "TikTok no longer accepts this shop's authorization",
        ));
    }
    let sealed = grant
        .access_token_sealed
        .as_deref()
        .ok_or_else(|| reauthorization_required("the shop's tokens were erased"))?;
    let token = access
        .vault
        .open(grant_token_at(grant_id, "access_token"), sealed)
        .map_err(Error::internal)?;
    Ok((token, grant.token_version))
}

/// What a refresh call did.
#[derive(Debug, PartialEq, Eq)]
pub enum Refreshed {
    /// This call refreshed the tokens.
    ByUs,
    /// Another task or process refreshed them while we waited; use the stored ones.
    ByOther,
}

/// Refreshes a grant's tokens, once: among every task and process asking at the same time, exactly
/// one calls TikTok (the one that takes the lease); the others wait and then use its tokens.
/// `seen_version` is the token version the caller used; when the stored one is newer, nothing is done.
#[tracing::instrument(skip(access), fields(grant = %grant_id))]
pub async fn refresh(
    access: TikTokAccess<'_>,
    grant_id: &str,
    seen_version: Option<i64>,
) -> Result<Refreshed> {
    let waited_since = Instant::now();
    loop {
        let grant = load_grant(access.db, grant_id).await?;
        if grant.status != GRANT_ACTIVE {
            return Err(reauthorization_required(
                "TikTok no longer accepts this shop's authorization",
            ));
        }
        if seen_version.is_some_and(|v| v != grant.token_version) {
            return Ok(Refreshed::ByOther);
        }
        let now = access.clock.now();
        let claimed = tiktok_grant::Entity::update_many()
            .col_expr(
                tiktok_grant::Column::RefreshLeaseOwner,
                Expr::value(Some(access.instance_id.to_owned())),
            )
            .col_expr(
                tiktok_grant::Column::RefreshLeaseUntil,
                Expr::value(Some(now + refresh_lease(access))),
            )
            .filter(tiktok_grant::Column::Id.eq(grant_id))
            .filter(tiktok_grant::Column::TokenVersion.eq(grant.token_version))
            .filter(
                Condition::any()
                    .add(tiktok_grant::Column::RefreshLeaseUntil.is_null())
                    .add(tiktok_grant::Column::RefreshLeaseUntil.lt(now)),
            )
            .exec(access.db)
            .await?;
        if claimed.rows_affected == 1 {
            return refresh_holding_lease(access, grant, seen_version.is_some()).await;
        }
        if seen_version.is_none() {
            // The background refresher does not wait on others: someone is already on it.
            return Ok(Refreshed::ByOther);
        }
        if waited_since.elapsed() > WAIT_FOR_OTHER_REFRESH {
            return Err(Error::unavailable(
                "another worker is refreshing this shop's token and has not finished; retry shortly",
            ));
        }
        // Another task or process holds the lease and is talking to TikTok: poll the row briefly.
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
}

/// Adds "release the refresh lease" to an update of grants.
fn clear_lease(
    update: sea_orm::UpdateMany<tiktok_grant::Entity>,
) -> sea_orm::UpdateMany<tiktok_grant::Entity> {
    update
        .col_expr(
            tiktok_grant::Column::RefreshLeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            tiktok_grant::Column::RefreshLeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
}

/// `access_token_refused`: the caller refreshes because TikTok refused the access token (not the
/// background refresher renewing a token that still works).
async fn refresh_holding_lease(
    access: TikTokAccess<'_>,
    grant: tiktok_grant::Model,
    access_token_refused: bool,
) -> Result<Refreshed> {
    let release = || async {
        let _ = clear_lease(tiktok_grant::Entity::update_many())
            .filter(tiktok_grant::Column::Id.eq(grant.id.clone()))
            .filter(tiktok_grant::Column::RefreshLeaseOwner.eq(access.instance_id.to_owned()))
            .exec(access.db)
            .await;
    };
    let Some(sealed) = grant.refresh_token_sealed.as_deref() else {
        release().await;
        return Err(reauthorization_required("the shop's tokens were erased"));
    };
    let refresh_token = match access
        .vault
        .open(grant_token_at(&grant.id, "refresh_token"), sealed)
    {
        Ok(t) => t,
        Err(e) => {
            release().await;
            return Err(Error::internal(e));
        }
    };
    let shop = shop::Entity::find()
        .filter(shop::Column::GrantId.eq(grant.id.clone()))
        .filter(shop::Column::DeletedAt.is_null())
        .one(access.db)
        .await?;
    let Some(shop) = shop else {
        release().await;
        return Err(reauthorization_required(
            "no shop uses this authorization any more",
        ));
    };
    let app = app_credentials(access.vault, &shop)?;
    let now = access.clock.now();
    match access.tiktok.refresh_token(&app, &refresh_token).await {
        Ok(new) => {
            // Both tokens in one write, over the version they replace: a slow answer never
            // overwrites a newer pair, and is not thrown away because its lease ran out.
            let saved = clear_lease(tiktok_grant::Entity::update_many())
                .col_expr(
                    tiktok_grant::Column::AccessTokenSealed,
                    Expr::value(Some(
                        access
                            .vault
                            .seal(grant_token_at(&grant.id, "access_token"), &new.access_token),
                    )),
                )
                .col_expr(
                    tiktok_grant::Column::AccessTokenIssuedAt,
                    Expr::value(Some(now)),
                )
                .col_expr(
                    tiktok_grant::Column::AccessTokenExpiresAt,
                    Expr::value(Some(new.access_token_expires_at)),
                )
                .col_expr(
                    tiktok_grant::Column::RefreshTokenSealed,
                    Expr::value(Some(access.vault.seal(
                        grant_token_at(&grant.id, "refresh_token"),
                        &new.refresh_token,
                    ))),
                )
                .col_expr(
                    tiktok_grant::Column::RefreshTokenExpiresAt,
                    Expr::value(Some(new.refresh_token_expires_at)),
                )
                .col_expr(
                    tiktok_grant::Column::GrantedScopes,
                    Expr::value(
                        serde_json::to_string(&new.granted_scopes).unwrap_or_else(|_| "[]".into()),
                    ),
                )
                .col_expr(
                    tiktok_grant::Column::TokenVersion,
                    Expr::value(grant.token_version + 1),
                )
                .col_expr(tiktok_grant::Column::LastRefreshAt, Expr::value(Some(now)))
                .col_expr(
                    tiktok_grant::Column::RefreshUnknownAt,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .col_expr(
                    tiktok_grant::Column::Warning,
                    Expr::value(Option::<String>::None),
                )
                .col_expr(tiktok_grant::Column::UpdatedAt, Expr::value(now))
                .filter(tiktok_grant::Column::Id.eq(grant.id.clone()))
                .filter(tiktok_grant::Column::TokenVersion.eq(grant.token_version))
                .exec(access.db)
                .await?;
            if saved.rows_affected != 1 {
                // Only a newer pair could be there (stored by a refresher that took over).
                tracing::error!(
                    "a newer token pair was stored meanwhile; this refresh's pair is dropped"
                );
                release().await;
                return Ok(Refreshed::ByOther);
            }
            metrics::counter!("tiktok_token_refreshes_total", "outcome" => "ok").increment(1);
            tracing::info!(version = grant.token_version + 1, "tokens refreshed");
            Ok(Refreshed::ByUs)
        }
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::AuthorizationGone | ErrorKind::InvalidRequest
            ) =>
        {
            metrics::counter!("tiktok_token_refreshes_total", "outcome" => "refused").increment(1);
            release().await;
            let current = load_grant(access.db, &grant.id).await?;
            if current.token_version != grant.token_version {
                // Another process holds the new pair: nothing is wrong.
                return Ok(Refreshed::ByOther);
            }
            let access_expires = current.access_token_expires_at;
            if !access_token_refused && access_expires.is_some_and(|t| t > now) {
                // The access token still works: the shop keeps working until it expires, and the
                // admin is told to authorize again before then.
                let until = access_expires.map(|t| t.to_rfc3339()).unwrap_or_default();
                let lost = current.refresh_unknown_at.is_some();
                let warning = format!(
                    "TikTok refused the token refresh{}; the current access token works until {until}: connect the shop again before then (POST …/connect)",
                    if lost {
                        " (an earlier refresh's answer was lost, so TikTok had already spent the refresh token)"
                    } else {
                        ""
                    }
                );
                tracing::warn!(error = %e, "TikTok refused the refresh; the access token still works");
                note_doubtful_refresh(access.db, &grant.id, Some(warning), now).await?;
                return Err(Error::unavailable(
                    "TikTok refused the token refresh; the current access token still works; an admin should connect the shop again",
                ));
            }
            tracing::warn!(error = %e, "TikTok refused the refresh; the shop must be authorized again");
            mark_revoked(access.store(), &grant.id, &e.to_string()).await?;
            Err(reauthorization_required(&format!(
                "TikTok refused the token refresh ({e})"
            )))
        }
        Err(e) if e.never_acted() => {
            metrics::counter!("tiktok_token_refreshes_total", "outcome" => "failed").increment(1);
            release().await;
            Err(tiktok_to_api(e))
        }
        Err(e) => {
            // TikTok may have spent the refresh token and issued a pair we never received. Sending
            // it again now would be refused; the access token lives on, so keep it.
            metrics::counter!("tiktok_token_refreshes_total", "outcome" => "unknown").increment(1);
            tracing::warn!(error = %e, "the token refresh's answer was lost; keeping the current access token");
            note_doubtful_refresh(access.db, &grant.id, None, now).await?;
            release().await;
            Err(Error::unavailable(
                "the token refresh's answer was lost; the current access token is kept and the refresh is tried again later",
            ))
        }
    }
}

/// Records that a refresh ended without new tokens while the grant may still work.
async fn note_doubtful_refresh(
    db: &DatabaseConnection,
    grant_id: &str,
    warning: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut update = tiktok_grant::Entity::update_many()
        .col_expr(
            tiktok_grant::Column::RefreshUnknownAt,
            Expr::value(Some(now)),
        )
        .col_expr(tiktok_grant::Column::UpdatedAt, Expr::value(now));
    if let Some(w) = warning {
        update = update.col_expr(tiktok_grant::Column::Warning, Expr::value(Some(w)));
    }
    update
        .filter(tiktok_grant::Column::Id.eq(grant_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The grant no longer works: every shop on it needs authorizing again, and their syncs pause.
pub async fn mark_revoked(store: Store<'_>, grant_id: &str, reason: &str) -> Result<()> {
    let now = store.clock.now();
    tiktok_grant::Entity::update_many()
        .col_expr(tiktok_grant::Column::Status, Expr::value(GRANT_REVOKED))
        .col_expr(tiktok_grant::Column::UpdatedAt, Expr::value(now))
        .filter(tiktok_grant::Column::Id.eq(grant_id))
        .exec(store.db)
        .await?;
    shop::Entity::update_many()
        .col_expr(
            shop::Column::Status,
            Expr::value(ShopStatus::ReauthorizationRequired.as_str()),
        )
        .col_expr(
            shop::Column::StatusReason,
            Expr::value(Some(reason.to_owned())),
        )
        .col_expr(shop::Column::UpdatedAt, Expr::value(now))
        .filter(shop::Column::GrantId.eq(grant_id))
        .filter(shop::Column::Status.eq(ShopStatus::Connected.as_str()))
        .exec(store.db)
        .await?;
    Ok(())
}

/// Whether a token in its last 10 % of life (or past it) should be renewed now.
pub fn refresh_due(
    issued_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    let Some(expires_at) = expires_at else {
        return false;
    };
    let issued_at = issued_at.unwrap_or(expires_at - Duration::days(7));
    let lifetime = (expires_at - issued_at).max(Duration::zero());
    now >= expires_at - lifetime / 10
}

/// Renews every active grant whose access token is in its last 10 % of life. Returns how many it renewed.
pub async fn refresh_expiring(access: TikTokAccess<'_>) -> Result<usize> {
    let now = access.clock.now();
    let grants = tiktok_grant::Entity::find()
        .filter(tiktok_grant::Column::Status.eq(GRANT_ACTIVE))
        .all(access.db)
        .await?;
    let mut renewed = 0;
    for grant in grants {
        if !refresh_due(
            grant.access_token_issued_at,
            grant.access_token_expires_at,
            now,
        ) {
            continue;
        }
        if grant
            .refresh_unknown_at
            .is_some_and(|t| now - t < Duration::seconds(RETRY_DOUBTFUL_REFRESH_AFTER))
        {
            continue;
        }
        match refresh(access, &grant.id, None).await {
            Ok(Refreshed::ByUs) => renewed += 1,
            Ok(Refreshed::ByOther) => {}
            Err(e) => tracing::warn!(grant = %grant.id, error = %e, "background refresh failed"),
        }
    }
    Ok(renewed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_is_due_in_the_last_tenth_of_life() {
        let issued = Utc::now();
        let expires = issued + Duration::days(10);
        assert!(!refresh_due(
            Some(issued),
            Some(expires),
            issued + Duration::days(8)
        ));
        assert!(refresh_due(
            Some(issued),
            Some(expires),
            issued + Duration::days(9) + Duration::minutes(1)
        ));
        assert!(refresh_due(
            Some(issued),
            Some(expires),
            expires + Duration::days(1)
        ));
        assert!(!refresh_due(Some(issued), None, issued));
    }
}
