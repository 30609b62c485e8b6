//! `/authorization/202309/shops` (the shops a token covers, with their ciphers) and
//! `/seller/202309/shops`; both refuse `shop_cipher`. Also the UPCOMING_AUTHORIZATION_EXPIRATION notice.

use actix_web::http::Method;
use actix_web::web;
use serde_json::json;

use crate::protocol::{ApiResult, Category, Ctx, Scope, op};
use crate::state::{SandboxEvent, SandboxState};
use crate::world::json::shop_json;

/// An authorization whose last refresh token expires within this window is announced as expiring.
pub const EXPIRY_NOTICE_SECONDS: i64 = 7 * 24 * 3600;

pub fn configure(cfg: &mut web::ServiceConfig) {
    op(
        cfg,
        Method::GET,
        "/authorization/202309/shops",
        Category::Authorization,
        Scope::NoShop,
        authorized_shops,
    );
    op(
        cfg,
        Method::GET,
        "/seller/202309/shops",
        Category::Seller,
        Scope::NoShop,
        seller_shops,
    );
}

fn authorized_shops(ctx: &mut Ctx) -> ApiResult {
    let ids = ctx.authorization.shop_ids.clone();
    let shops = ctx.with_world(|w| {
        ids.iter()
            .filter_map(|id| w.shops.get(id))
            .map(shop_json)
            .collect::<Vec<_>>()
    });
    Ok(json!({ "shops": shops }))
}

fn seller_shops(ctx: &mut Ctx) -> ApiResult {
    let ids = ctx.authorization.shop_ids.clone();
    let shops = ctx.with_world(|w| {
        ids.iter()
            .filter_map(|id| w.shops.get(id))
            .map(|s| {
                json!({
                    "id": s.id.to_string(),
                    "name": s.name,
                    "region": s.region.code(),
                    "seller_type": s.seller_type.as_str(),
                })
            })
            .collect::<Vec<_>>()
    });
    Ok(json!({ "shops": shops }))
}

/// Emits UPCOMING_AUTHORIZATION_EXPIRATION once per authorization whose newest refresh token expires
/// within [`EXPIRY_NOTICE_SECONDS`]. Called by the background ticker.
pub fn announce_expiring(state: &SandboxState) {
    let now = state.now();
    let mut notices = Vec::new();
    {
        let mut auth = state.auth();
        let mut latest: std::collections::BTreeMap<u64, i64> = std::collections::BTreeMap::new();
        for t in auth.refresh_tokens.values().filter(|t| !t.spent) {
            let e = latest.entry(t.authorization_id).or_insert(t.expires_at);
            *e = (*e).max(t.expires_at);
        }
        for a in auth.authorizations.values_mut() {
            if a.revoked || a.expiry_notified {
                continue;
            }
            if let Some(&exp) = latest.get(&a.id)
                && exp > now
                && exp - now <= EXPIRY_NOTICE_SECONDS
            {
                a.expiry_notified = true;
                for shop in &a.shop_ids {
                    notices.push(SandboxEvent::UpcomingAuthorizationExpiration {
                        shop_id: *shop,
                        app_key: a.app_key.clone(),
                        message:
                            "The authorization will expire soon: ask the seller to authorize again."
                                .into(),
                        expiration_time: exp,
                    });
                }
            }
        }
    }
    for n in notices {
        state.emit(n);
    }
}
