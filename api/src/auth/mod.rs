//! Who is calling: `Authorization: Bearer <JWT>` (HS256 with `OCEAN_JWT_SECRET`), its claims, and the
//! role guards of design.md (viewer reads; operator also acts; admin also configures).

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use crate::error::Error;

pub mod jwt;

pub use jwt::{Claims, JwtKeys, Role};

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub sub: String,
    pub tenant: String,
    pub role: Role,
}

impl AuthUser {
    /// Refuses callers whose role is below `needed`.
    pub fn require(&self, needed: Role) -> Result<&Self, Error> {
        if self.role >= needed {
            Ok(self)
        } else {
            Err(Error::forbidden(format!(
                "this needs the {} role; the token carries {}",
                needed.as_str(),
                self.role.as_str()
            )))
        }
    }
}

impl FromRequest for AuthUser {
    type Error = Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

fn authenticate(req: &HttpRequest) -> Result<AuthUser, Error> {
    let keys = req
        .app_data::<web::Data<JwtKeys>>()
        .ok_or_else(|| Error::internal(anyhow::anyhow!("the token keys are not registered")))?;
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            Error::unauthorized("send `Authorization: Bearer <JWT>`; an admin can mint one with `ocean-tiktok token`")
        })?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::unauthorized("the Authorization header must read `Bearer <JWT>`"))?;
    let claims = keys.verify(token)?;
    tracing::Span::current().record("tenant", claims.tenant.as_str());
    Ok(AuthUser {
        sub: claims.sub,
        tenant: claims.tenant,
        role: claims.role,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::JwtSettings;
    use base64::Engine;
    use secrecy::SecretSlice;

    fn keys(secret: &str) -> JwtKeys {
        JwtKeys::new(&JwtSettings {
            secret: SecretSlice::from(secret.as_bytes().to_vec()),
            issuer: None,
            audience: None,
        })
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_minted_token_verifies() {
        let k = keys(SECRET);
        let t = k
            .mint("t1", "alice", Role::Operator, chrono::Duration::hours(1))
            .unwrap();
        let c = k.verify(&t).unwrap();
        assert_eq!(
            (c.tenant.as_str(), c.sub.as_str(), c.role),
            ("t1", "alice", Role::Operator)
        );
    }

    #[test]
    fn expired_tokens_are_refused() {
        let k = keys(SECRET);
        let t = k
            .mint("t1", "alice", Role::Admin, chrono::Duration::hours(-1))
            .unwrap();
        assert_eq!(k.verify(&t).unwrap_err().code, "token_expired");
    }

    #[test]
    fn a_wrong_secret_is_refused() {
        let t = keys(SECRET)
            .mint("t1", "a", Role::Admin, chrono::Duration::hours(1))
            .unwrap();
        assert_eq!(
            keys("another-secret-another-secret-xx")
                .verify(&t)
                .unwrap_err()
                .code,
            "unauthorized"
        );
    }

    #[test]
    fn alg_none_and_other_algorithms_are_refused() {
        let k = keys(SECRET);
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let exp = chrono::Utc::now().timestamp() + 3600;
        let payload = b64.encode(format!(
            r#"{{"sub":"a","tenant":"t1","role":"admin","exp":{exp}}}"#
        ));
        for alg in ["none", "HS512", "RS256"] {
            let header = b64.encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
            let token = format!("{header}.{payload}.");
            assert!(k.verify(&token).is_err(), "{alg} must be refused");
        }
    }

    #[test]
    fn issuer_and_audience_are_checked_when_configured() {
        let strict = JwtKeys::new(&JwtSettings {
            secret: SecretSlice::from(SECRET.as_bytes().to_vec()),
            issuer: Some("ocean".into()),
            audience: Some("tiktok".into()),
        });
        let good = strict
            .mint("t", "a", Role::Viewer, chrono::Duration::hours(1))
            .unwrap();
        assert!(strict.verify(&good).is_ok());
        let loose = keys(SECRET)
            .mint("t", "a", Role::Viewer, chrono::Duration::hours(1))
            .unwrap();
        assert!(
            strict.verify(&loose).is_err(),
            "no iss/aud must be refused when configured"
        );
    }

    #[test]
    fn roles_are_ordered() {
        let viewer = AuthUser {
            sub: "a".into(),
            tenant: "t".into(),
            role: Role::Viewer,
        };
        assert!(viewer.require(Role::Viewer).is_ok());
        assert_eq!(
            viewer.require(Role::Operator).unwrap_err().code,
            "forbidden"
        );
        let admin = AuthUser {
            role: Role::Admin,
            ..viewer
        };
        assert!(admin.require(Role::Operator).is_ok());
    }
}
