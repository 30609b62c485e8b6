//! A shop's session with TikTok: [`ShopSession`] makes one call for a connected shop (its app, its
//! cipher, its access token, refreshed once when TikTok refuses it), [`Line`] lends it to the
//! connector's area operations, and [`CallError`] is why a call failed, kept typed until the edge
//! makes it an answer.

use secrecy::SecretString;
use serde::de::DeserializeOwned;

use entity::shop;

use super::credentials::app_credentials;
use super::model::ShopStatus;
use super::tokens::{load_access_token, mark_revoked, reauthorization_required, refresh};
use crate::deps::TikTokAccess;
use crate::error::{Error, Result, tiktok_to_api};
use crate::tiktok::{ApiRequest, ApiResponse, AppCredentials, ErrorKind, TikTokError};

/// Why a shop's TikTok call failed, kept typed until the edge makes it an answer
/// (`From<CallError> for Error`): TikTok's own failure, classified by the connector (refused with
/// its code, message and request id; rate limited; authorization; transport), or the session's (the
/// shop must be connected again, or refreshing its token failed).
#[derive(Debug)]
pub enum CallError {
    TikTok(TikTokError),
    Session(Error),
}

impl CallError {
    /// Whether TikTok may have done what was asked although no answer says so (a lost answer, a
    /// 5xx, a timeout): a write is then settled by reading TikTok's state back, or sent again.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            CallError::TikTok(e) => e.kind() == ErrorKind::Transient && !e.never_acted(),
            CallError::Session(_) => false,
        }
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::TikTok(e) => write!(f, "{e}"),
            CallError::Session(e) => write!(f, "{e}"),
        }
    }
}

impl From<Error> for CallError {
    fn from(e: Error) -> Self {
        CallError::Session(e)
    }
}

impl From<CallError> for Error {
    fn from(e: CallError) -> Self {
        match e {
            CallError::TikTok(e) => tiktok_to_api(e),
            CallError::Session(e) => e,
        }
    }
}

/// Everything needed to call TikTok for one shop.
pub struct ShopSession {
    pub shop: shop::Model,
    pub app: AppCredentials,
    pub cipher: String,
    pub grant_id: String,
    access_token: SecretString,
    token_version: i64,
}

impl ShopSession {
    /// Opens a connected shop's session.
    pub async fn open(access: TikTokAccess<'_>, shop: shop::Model) -> Result<Self> {
        match ShopStatus::from_column(&shop.status) {
            ShopStatus::Connected => {}
            ShopStatus::ReauthorizationRequired => {
                return Err(reauthorization_required(
                    shop.status_reason
                        .as_deref()
                        .unwrap_or("TikTok no longer accepts this shop's authorization"),
                ));
            }
            ShopStatus::Configured | ShopStatus::Authorizing | ShopStatus::Disconnected => {
                return Err(Error::conflict(
                    "shop_not_connected",
                    "the shop is not connected to TikTok; an admin must connect it first (POST …/connect)",
                ));
            }
        }
        let (Some(grant_id), Some(cipher)) = (shop.grant_id.clone(), shop.shop_cipher.clone())
        else {
            return Err(Error::conflict(
                "shop_not_connected",
                "the shop has no authorization; connect it",
            ));
        };
        let app = app_credentials(access.vault, &shop)?;
        let (access_token, token_version) = load_access_token(access, &grant_id).await?;
        Ok(Self {
            shop,
            app,
            cipher,
            grant_id,
            access_token,
            token_version,
        })
    }

    async fn reload_token(&mut self, access: TikTokAccess<'_>) -> Result<()> {
        let (token, version) = load_access_token(access, &self.grant_id).await?;
        self.access_token = token;
        self.token_version = version;
        Ok(())
    }

    fn request<'a>(
        &'a self,
        method: &reqwest::Method,
        path: &'a str,
        query: &[(String, String)],
        body: &Option<serde_json::Value>,
    ) -> ApiRequest<'a> {
        ApiRequest {
            app: &self.app,
            access_token: &self.access_token,
            shop_cipher: Some(&self.cipher),
            shop_key: Some(&self.shop.id),
            method: method.clone(),
            path,
            query: query.to_vec(),
            body: body.clone(),
        }
    }

    /// One TikTok call for this shop. An expired or invalid token is refreshed once (single-flight)
    /// and the call retried once; a second refusal means the shop must be authorized again.
    pub async fn call<T: DeserializeOwned>(
        &mut self,
        access: TikTokAccess<'_>,
        method: reqwest::Method,
        path: &str,
        query: Vec<(String, String)>,
        body: Option<serde_json::Value>,
    ) -> Result<ApiResponse<T>, CallError> {
        let first = access
            .tiktok
            .call(self.request(&method, path, &query, &body))
            .await;
        let error = match first {
            Ok(r) => return Ok(r),
            Err(e) if is_token_error(&e) => e,
            Err(e) => return Err(CallError::TikTok(e)),
        };
        tracing::info!(path, kind = ?error.kind(), "access token refused; refreshing once");
        refresh(access, &self.grant_id, Some(self.token_version)).await?;
        self.reload_token(access).await?;
        match access
            .tiktok
            .call(self.request(&method, path, &query, &body))
            .await
        {
            Ok(r) => Ok(r),
            Err(e) if is_token_error(&e) => {
                mark_revoked(access.store(), &self.grant_id, &e.to_string()).await?;
                Err(CallError::Session(reauthorization_required(
                    "TikTok refused the refreshed access token",
                )))
            }
            Err(e) => Err(CallError::TikTok(e)),
        }
    }
}

/// A shop session bound to the process's TikTok access: the [`ShopLine`](crate::tiktok::ShopLine) the
/// connector's area operations call through.
pub struct Line<'a> {
    access: TikTokAccess<'a>,
    session: &'a mut ShopSession,
}

impl ShopSession {
    /// This session as the connector's line through `access`'s client.
    pub fn line<'a>(&'a mut self, access: TikTokAccess<'a>) -> Line<'a> {
        Line {
            access,
            session: self,
        }
    }
}

impl crate::tiktok::ShopLine for Line<'_> {
    type Error = CallError;

    async fn call<T: DeserializeOwned + Send>(
        &mut self,
        method: reqwest::Method,
        path: &str,
        query: Vec<(String, String)>,
        body: Option<serde_json::Value>,
    ) -> Result<ApiResponse<T>, CallError> {
        self.session
            .call(self.access, method, path, query, body)
            .await
    }
}

fn is_token_error(e: &TikTokError) -> bool {
    matches!(
        e.kind(),
        ErrorKind::AccessTokenExpired | ErrorKind::AccessTokenInvalid
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write's outcome is unknown only when TikTok may have acted without our hearing of it: not
    /// when it answered with a refusal, refused for the rate limit, or was never reached, and not
    /// when the session failed before calling.
    #[test]
    fn an_outcome_is_unknown_only_when_tiktok_may_have_acted() {
        let path = || crate::tiktok::fulfillment::ship_package_path("1");
        let tiktok = |e| CallError::TikTok(e);
        let unknown = [
            tiktok(TikTokError::Timeout { path: path() }),
            tiktok(TikTokError::Http {
                path: path(),
                status: 502,
            }),
            tiktok(TikTokError::Transport {
                path: path(),
                detail: "reset".into(),
                unsent: false,
            }),
        ];
        for e in &unknown {
            assert!(e.outcome_unknown(), "{e}");
        }
        let known = [
            tiktok(TikTokError::Transport {
                path: path(),
                detail: "refused".into(),
                unsent: true,
            }),
            tiktok(TikTokError::Http {
                path: path(),
                status: 429,
            }),
            tiktok(TikTokError::Api {
                path: path(),
                status: 200,
                code: 21011001,
                message: "Package already shipped.".into(),
                request_id: "r".into(),
            }),
            CallError::Session(reauthorization_required("the shop's tokens were erased")),
        ];
        for e in &known {
            assert!(!e.outcome_unknown(), "{e}");
        }
    }
}
