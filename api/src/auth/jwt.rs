//! Tokens: the roles, the claims of a bearer JWT, and the keys that sign and verify them (HS256 with
//! `OCEAN_JWT_SECRET`).

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::config::JwtSettings;
use crate::error::{Error, Kind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Operator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "operator" => Ok(Role::Operator),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "`{other}` is not a role; use admin, operator or viewer"
            )),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub tenant: String,
    pub role: Role,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

/// Verifies and mints tokens. Only HS256 is accepted; `alg: none` and every other algorithm fail.
pub struct JwtKeys {
    decoding: DecodingKey,
    encoding: EncodingKey,
    validation: Validation,
    issuer: Option<String>,
    audience: Option<String>,
}

impl JwtKeys {
    pub fn new(settings: &JwtSettings) -> Self {
        let secret = settings.secret.expose_secret();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.validate_nbf = true;
        validation.leeway = 30;
        let mut required = vec!["exp", "sub"];
        if let Some(iss) = &settings.issuer {
            validation.set_issuer(&[iss]);
            required.push("iss");
        }
        match &settings.audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        Self {
            decoding: DecodingKey::from_secret(secret),
            encoding: EncodingKey::from_secret(secret),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
        }
    }

    pub fn verify(&self, token: &str) -> Result<Claims, Error> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
            match e.kind() {
                ErrorKind::ExpiredSignature => Error::new(
                    Kind::Unauthorized,
                    "token_expired",
                    "the bearer token has expired; get a new one (`ocean-tiktok token`)",
                ),
                ErrorKind::ImmatureSignature => Error::unauthorized("the bearer token is not valid yet (nbf)"),
                ErrorKind::InvalidIssuer => Error::unauthorized("the bearer token's issuer (iss) is not accepted"),
                ErrorKind::InvalidAudience => Error::unauthorized("the bearer token's audience (aud) is not accepted"),
                ErrorKind::InvalidAlgorithm => {
                    Error::unauthorized("the bearer token's algorithm is not accepted; sign with HS256")
                }
                _ => Error::unauthorized(
                    "the bearer token is invalid (signature, format or claims sub, tenant, role, exp)",
                ),
            }
        })?;
        if data.claims.tenant.trim().is_empty() || data.claims.sub.trim().is_empty() {
            return Err(Error::unauthorized(
                "the bearer token's tenant and sub must not be empty",
            ));
        }
        Ok(data.claims)
    }

    /// Mints a token for `ocean-tiktok token`, the demo and tests.
    pub fn mint(
        &self,
        tenant: &str,
        sub: &str,
        role: Role,
        ttl: chrono::Duration,
    ) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: sub.to_owned(),
            tenant: tenant.to_owned(),
            role,
            exp: now + ttl.num_seconds(),
            nbf: Some(now),
            iat: Some(now),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }
}
