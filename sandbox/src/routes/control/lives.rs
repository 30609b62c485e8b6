//! LIVE sessions from the control plane: TikTok has no seller API to schedule or record a LIVE, so
//! the host's stream is recorded here; orders created inside its window are attributed to it, and the
//! analytics LIVE paths report it once it has ended.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{bad, ok, path_id};
use crate::state::SandboxState;
use crate::world::LiveSession;

const ACCOUNT_TYPES: [&str; 3] = [
    "OFFICIAL_ACCOUNTS",
    "MARKETING_ACCOUNTS",
    "AFFILIATE_ACCOUNTS",
];

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LiveIn {
    title: Option<String>,
    /// The host's TikTok username.
    username: Option<String>,
    /// Unix seconds.
    start_time: Option<i64>,
    end_time: Option<i64>,
    /// OFFICIAL_ACCOUNTS (default), MARKETING_ACCOUNTS or AFFILIATE_ACCOUNTS.
    account_type: Option<String>,
}

fn live_json(s: &LiveSession, now: i64) -> Value {
    json!({
        "live_id": s.id.to_string(),
        "title": s.title,
        "username": s.username,
        "account_type": s.account_type,
        "start_time": s.start_time,
        "end_time": s.end_time,
        "ended": s.end_time <= now,
    })
}

/// `POST /_sandbox/shops/{shop_id}/lives {title, username, start_time, end_time, account_type?}` →
/// `{"live_id"}`. 400 names a bad field, 404 an unknown shop, 409 an overlap with another recorded
/// LIVE of the shop.
pub(super) async fn record_live(
    req: HttpRequest,
    raw: web::Bytes,
    state: web::Data<SandboxState>,
) -> HttpResponse {
    let shop = match path_id(&req, "shop_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    let b: LiveIn = match super::body(&raw) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let title = match b.title.map(|t| t.trim().to_string()) {
        Some(t) if !t.is_empty() && t.chars().count() <= 200 => t,
        _ => return bad(400, "title is required (1 to 200 characters)."),
    };
    let username = match b.username.map(|t| t.trim().to_string()) {
        Some(u) if !u.is_empty() && u.len() <= 64 => u,
        _ => return bad(400, "username is required (the host's TikTok username)."),
    };
    let (Some(start), Some(end)) = (b.start_time, b.end_time) else {
        return bad(400, "start_time and end_time are required (unix seconds).");
    };
    if start <= 0 {
        return bad(400, "start_time must be a unix time in seconds.");
    }
    if end <= start {
        return bad(400, "end_time must be after start_time.");
    }
    let account_type = b
        .account_type
        .unwrap_or_else(|| "OFFICIAL_ACCOUNTS".to_string());
    if !ACCOUNT_TYPES.contains(&account_type.as_str()) {
        return bad(
            400,
            format!(
                "account_type must be one of {}, got {account_type:?}.",
                ACCOUNT_TYPES.join(", ")
            ),
        );
    }
    let now = state.now();
    let r = state.with_world(|w| {
        if !w.shops.contains_key(&shop) {
            return Err(bad(404, "No such shop."));
        }
        w.record_live(LiveSession {
            id: 0,
            shop_id: shop,
            title,
            username,
            account_type,
            start_time: start,
            end_time: end,
            create_time: now,
        })
        .map_err(|(_, message)| bad(409, message))
    });
    match r {
        Ok(id) => ok(json!({"live_id": id.to_string()})),
        Err(resp) => resp,
    }
}

/// `GET /_sandbox/shops/{shop_id}/lives`: the shop's recorded LIVEs, by start time.
pub(super) async fn list_lives(req: HttpRequest, state: web::Data<SandboxState>) -> HttpResponse {
    let shop = match path_id(&req, "shop_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    let now = state.now();
    let r = state.with_world(|w| {
        if !w.shops.contains_key(&shop) {
            return None;
        }
        Some(
            w.lives_by_start
                .range((shop, i64::MIN, 0)..=(shop, i64::MAX, u64::MAX))
                .filter_map(|(_, _, id)| w.lives.get(id))
                .map(|s| live_json(s, now))
                .collect::<Vec<_>>(),
        )
    });
    match r {
        Some(lives) => ok(json!({"lives": lives})),
        None => bad(404, "No such shop."),
    }
}
