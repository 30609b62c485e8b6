//! OAuth token get/refresh on the token host, and the shops an authorization covers: wire types as
//! TikTok sends them, converted to [`TokenGrant`] and [`AuthorizedShop`].
//!
//! TikTok's token call is not standard OAuth (a GET with the secret in the query, answered in the
//! usual `data` envelope, with absolute expiry times), so it is spoken here directly.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Deserializer};

use super::client::{ApiRequest, AppCredentials, TikTokClient, TokenGrantKind};
use super::error::TikTokError;

pub const TOKEN_GET_PATH: &str = "/api/v2/token/get";
pub const TOKEN_REFRESH_PATH: &str = "/api/v2/token/refresh";
pub const AUTHORIZED_SHOPS_PATH: &str = "/authorization/202309/shops";

/// Tokens and the seller they belong to. Both tokens come together and are stored in one write.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    pub access_token: SecretString,
    pub access_token_expires_at: DateTime<Utc>,
    pub refresh_token: SecretString,
    pub refresh_token_expires_at: DateTime<Utc>,
    pub open_id: String,
    pub seller_name: String,
    pub seller_base_region: String,
    pub user_type: i64,
    pub granted_scopes: Vec<String>,
}

/// A shop that an authorization covers. The cipher, not the id, goes on later calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizedShop {
    pub id: String,
    pub name: String,
    pub region: String,
    /// `LOCAL` or `CROSS_BORDER`.
    pub seller_type: String,
    pub cipher: String,
    pub code: String,
}

impl TikTokClient {
    /// Exchanges an authorization code (it works once and lives 30 minutes).
    /// 36004005/36004001 come back as [`super::ErrorKind::AuthorizationGone`].
    pub async fn get_token(
        &self,
        app: &AppCredentials,
        auth_code: &str,
    ) -> Result<TokenGrant, TikTokError> {
        self.grant(app, TOKEN_GET_PATH, TokenGrantKind::AuthCode(auth_code))
            .await
    }

    /// Renews the tokens; the answer carries a new refresh token as well.
    pub async fn refresh_token(
        &self,
        app: &AppCredentials,
        refresh_token: &SecretString,
    ) -> Result<TokenGrant, TikTokError> {
        self.grant(
            app,
            TOKEN_REFRESH_PATH,
            TokenGrantKind::Refresh(refresh_token),
        )
        .await
    }

    async fn grant(
        &self,
        app: &AppCredentials,
        path: &str,
        kind: TokenGrantKind<'_>,
    ) -> Result<TokenGrant, TikTokError> {
        let response = self.token_call::<wire::TokenData>(app, path, kind).await?;
        Ok(response.data.into_grant(self.now()))
    }

    /// The shops this access token covers (signed, never with a shop cipher).
    pub async fn authorized_shops(
        &self,
        app: &AppCredentials,
        access_token: &SecretString,
    ) -> Result<Vec<AuthorizedShop>, TikTokError> {
        let request = ApiRequest::new(
            app,
            access_token,
            reqwest::Method::GET,
            AUTHORIZED_SHOPS_PATH,
        );
        let response = self.call::<wire::ShopsData>(request).await?;
        Ok(response
            .data
            .shops
            .into_iter()
            .map(AuthorizedShop::from)
            .collect())
    }
}

/// An expiry as TikTok sends it: below 10^9 it is seconds from now, else an absolute unix time
/// (the documented form; the short form guards against a host that sends durations).
pub fn expiry_from(value: i64, now: DateTime<Utc>) -> DateTime<Utc> {
    if value < 1_000_000_000 {
        now + chrono::Duration::seconds(value.max(0))
    } else {
        DateTime::from_timestamp(value, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

mod wire {
    use super::*;

    #[derive(Deserialize)]
    pub(super) struct TokenData {
        pub access_token: SecretString,
        #[serde(deserialize_with = "int_or_string")]
        pub access_token_expire_in: i64,
        pub refresh_token: SecretString,
        #[serde(deserialize_with = "int_or_string")]
        pub refresh_token_expire_in: i64,
        #[serde(default)]
        pub open_id: String,
        #[serde(default)]
        pub seller_name: String,
        #[serde(default)]
        pub seller_base_region: String,
        #[serde(default, deserialize_with = "int_or_string")]
        pub user_type: i64,
        #[serde(default, deserialize_with = "null_as_empty")]
        pub granted_scopes: Vec<String>,
    }

    impl TokenData {
        pub(super) fn into_grant(self, now: DateTime<Utc>) -> TokenGrant {
            TokenGrant {
                access_token: self.access_token,
                access_token_expires_at: expiry_from(self.access_token_expire_in, now),
                refresh_token: self.refresh_token,
                refresh_token_expires_at: expiry_from(self.refresh_token_expire_in, now),
                open_id: self.open_id,
                seller_name: self.seller_name,
                seller_base_region: self.seller_base_region,
                user_type: self.user_type,
                granted_scopes: self.granted_scopes,
            }
        }
    }

    #[derive(Deserialize)]
    pub(super) struct ShopsData {
        #[serde(default, deserialize_with = "null_as_empty")]
        pub shops: Vec<Shop>,
    }

    #[derive(Deserialize)]
    pub(super) struct Shop {
        #[serde(deserialize_with = "string_or_int")]
        pub id: String,
        #[serde(default)]
        pub name: String,
        #[serde(default)]
        pub region: String,
        #[serde(default)]
        pub seller_type: String,
        pub cipher: String,
        #[serde(default)]
        pub code: String,
    }

    impl From<Shop> for AuthorizedShop {
        fn from(s: Shop) -> Self {
            AuthorizedShop {
                id: s.id,
                name: s.name,
                region: s.region,
                seller_type: s.seller_type,
                cipher: s.cipher,
                code: s.code,
            }
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum IntOrString {
        Int(i64),
        Str(String),
    }

    fn int_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        match IntOrString::deserialize(d)? {
            IntOrString::Int(i) => Ok(i),
            IntOrString::Str(s) => s
                .trim()
                .parse()
                .map_err(|_| serde::de::Error::custom("expected an integer")),
        }
    }

    /// Ids are strings, but an id may come as a number.
    fn string_or_int<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(match IntOrString::deserialize(d)? {
            IntOrString::Int(i) => i.to_string(),
            IntOrString::Str(s) => s,
        })
    }

    fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiries_absolute_and_relative() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(
            expiry_from(1_700_604_800, now),
            DateTime::from_timestamp(1_700_604_800, 0).unwrap()
        );
        assert_eq!(expiry_from(604_800, now), now + chrono::Duration::days(7));
        assert_eq!(
            expiry_from(999_999_999, now).timestamp(),
            1_700_000_000 + 999_999_999
        );
        assert_eq!(
            expiry_from(1_000_000_000, now),
            DateTime::from_timestamp(1_000_000_000, 0).unwrap()
        );
        assert_eq!(expiry_from(-5, now), now);
    }
}
