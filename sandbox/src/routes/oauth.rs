//! The seller's consent page (`/open/authorize`) and the token host's paths (`/api/v2/token/get`,
//! `/api/v2/token/refresh`), as the real services answer them: codes live 30 minutes and work once,
//! expiries are absolute unix timestamps, a refresh spends the old refresh token.
//!
//! Of the injected faults the token host honours `drop_rate` only: the call is done (the code or the
//! refresh token spent, the new pair issued and stored) and then its answer is cut, which is what a
//! lost answer looks like to a client.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use crate::protocol::{
    codes, dropped_response, envelope_response, log, new_request_id, parse_query, roll_drop,
};
use crate::state::{App, AuthCode, Authorization, GRANTED_SCOPES, SandboxState};
use crate::world::{Id, parse_id};

/// How long an auth code lives.
pub const CODE_TTL_SECONDS: i64 = 30 * 60;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/open/authorize", web::get().to(consent_page))
        .route("/open/authorize", web::post().to(consent_answer))
        .route("/api/v2/token/get", web::get().to(token_get))
        .route("/api/v2/token/get", web::post().to(token_get))
        .route("/api/v2/token/refresh", web::get().to(token_refresh))
        .route("/api/v2/token/refresh", web::post().to(token_refresh));
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn html(status: u16, body: String) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default())
        .content_type("text/html; charset=utf-8")
        .body(body)
}

fn page(title: &str, inner: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>body{{font-family:sans-serif;max-width:40em;margin:3em auto}}\
         .shop{{padding:.4em 0}}button{{margin-right:1em;padding:.5em 1.5em}}</style></head>\
         <body><h1>{t}</h1>{inner}</body></html>",
        t = escape(title)
    )
}

fn find_app(state: &SandboxState, q: &[(String, String)]) -> Option<App> {
    let get = |k: &str| q.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
    if let Some(sid) = get("service_id") {
        return state.app_by_service_id(sid);
    }
    get("app_key").and_then(|k| state.app(k))
}

/// `GET /open/authorize?service_id=…|app_key=…&state=…[&seller_id=…]`: the consent page.
async fn consent_page(req: HttpRequest, state: web::Data<SandboxState>) -> HttpResponse {
    let q = parse_query(req.query_string());
    let get = |k: &str| q.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
    let rid = new_request_id(&state);
    let Some(app) = find_app(&state, &q) else {
        log(
            &state,
            &req,
            b"",
            codes::INVALID_PARAMETER,
            400,
            &rid,
            None,
            None,
        );
        return html(
            400,
            page(
                "Authorization failed",
                "<p>Unknown app: pass a registered <code>service_id</code> or <code>app_key</code>.</p>",
            ),
        );
    };
    let app_state = get("state").unwrap_or_default();
    let (sellers, chosen) = state.with_world(|w| {
        let sellers: Vec<(Id, String)> =
            w.sellers.values().map(|s| (s.id, s.name.clone())).collect();
        let chosen = get("seller_id")
            .and_then(|s| parse_id(&s))
            .and_then(|id| w.sellers.get(&id))
            .or_else(|| w.sellers.values().next())
            .map(|s| {
                let shops: Vec<(Id, String, String)> = s
                    .shop_ids
                    .iter()
                    .filter_map(|id| w.shops.get(id))
                    .map(|sh| (sh.id, sh.name.clone(), sh.region.code().to_string()))
                    .collect();
                (s.id, s.name.clone(), shops)
            });
        (sellers, chosen)
    });
    let Some((seller_id, seller_name, shops)) = chosen else {
        return html(
            500,
            page("Authorization failed", "<p>The sandbox has no sellers.</p>"),
        );
    };
    let mut shops_html = String::new();
    for (id, name, region) in &shops {
        shops_html.push_str(&format!(
            "<div class=\"shop\"><label><input type=\"checkbox\" name=\"shop_id\" value=\"{id}\" checked> \
             {} ({region})</label></div>",
            escape(name)
        ));
    }
    let mut switch = String::new();
    for (id, name) in &sellers {
        if *id != seller_id {
            let mut u = url::Url::parse("http://x/open/authorize").expect("static URL");
            u.query_pairs_mut()
                .append_pair("app_key", &app.app_key)
                .append_pair("state", &app_state)
                .append_pair("seller_id", &id.to_string());
            switch.push_str(&format!(
                "<p><a href=\"{}?{}\">Sign in as {} instead</a></p>",
                "/open/authorize",
                escape(u.query().unwrap_or("")),
                escape(name)
            ));
        }
    }
    let inner = format!(
        "<p>Signed in as seller <b>{seller}</b>.</p>\
         <p>The app <b>{app}</b> asks to access your shop data (products, orders, fulfillment, \
         logistics, returns, promotions, analytics). Choose the shops to authorize:</p>\
         <form method=\"post\" action=\"/open/authorize\">\
         <input type=\"hidden\" name=\"app_key\" value=\"{app_key}\">\
         <input type=\"hidden\" name=\"state\" value=\"{st}\">\
         <input type=\"hidden\" name=\"seller_id\" value=\"{seller_id}\">\
         {shops_html}\
         <p><button type=\"submit\" name=\"action\" value=\"authorize\">Authorize</button>\
         <button type=\"submit\" name=\"action\" value=\"deny\">Deny</button></p></form>{switch}",
        seller = escape(&seller_name),
        app = escape(&app.app_key),
        app_key = escape(&app.app_key),
        st = escape(&app_state),
    );
    log(
        &state,
        &req,
        b"",
        0,
        200,
        &rid,
        Some(app.app_key.clone()),
        None,
    );
    html(200, page("Authorize app", &inner))
}

/// `POST /open/authorize` (form): Authorize → 302 to the redirect URL with `code` and `state`;
/// Deny → `code=null&error=auth_denied&state=…`. With no `shop_id` fields, every shop of the seller.
async fn consent_answer(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<SandboxState>,
) -> HttpResponse {
    let form = parse_query(&String::from_utf8_lossy(&body));
    let get = |k: &str| form.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
    let rid = new_request_id(&state);
    let Some(app) = find_app(&state, &form) else {
        log(
            &state,
            &req,
            &body,
            codes::INVALID_PARAMETER,
            400,
            &rid,
            None,
            None,
        );
        return html(400, page("Authorization failed", "<p>Unknown app.</p>"));
    };
    let app_state = get("state").unwrap_or_default();
    let Ok(mut target) = url::Url::parse(&app.redirect_url) else {
        return html(
            400,
            page(
                "Authorization failed",
                "<p>The app's redirect URL is invalid.</p>",
            ),
        );
    };
    let action = get("action").unwrap_or_else(|| "authorize".into());
    if action != "authorize" {
        target
            .query_pairs_mut()
            .append_pair("code", "null")
            .append_pair("error", "auth_denied")
            .append_pair("state", &app_state);
        log(
            &state,
            &req,
            &body,
            0,
            302,
            &rid,
            Some(app.app_key.clone()),
            None,
        );
        return HttpResponse::Found()
            .insert_header((header::LOCATION, target.to_string()))
            .finish();
    }
    let now = state.now();
    let chosen: Vec<Id> = form
        .iter()
        .filter(|(k, _)| k == "shop_id" || k == "shop_ids")
        .flat_map(|(_, v)| v.split(','))
        .filter_map(parse_id)
        .collect();
    let picked = state.with_world(|w| {
        let seller = get("seller_id")
            .and_then(|s| parse_id(&s))
            .and_then(|id| w.sellers.get(&id))
            .or_else(|| w.sellers.values().next())?;
        let shops: Vec<Id> = if chosen.is_empty() {
            seller.shop_ids.clone()
        } else {
            seller
                .shop_ids
                .iter()
                .copied()
                .filter(|s| chosen.contains(s))
                .collect()
        };
        Some((seller.id, shops))
    });
    let Some((seller_id, shop_ids)) = picked.filter(|(_, s)| !s.is_empty()) else {
        return html(
            400,
            page(
                "Authorization failed",
                "<p>Choose at least one of the seller's shops.</p>",
            ),
        );
    };
    let code = {
        let mut auth = state.auth();
        let code = auth.random_string("", 64);
        auth.codes.insert(
            code.clone(),
            AuthCode {
                app_key: app.app_key.clone(),
                seller_id,
                shop_ids,
                expires_at: now + CODE_TTL_SECONDS,
                used: false,
            },
        );
        code
    };
    target
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &app_state);
    log(
        &state,
        &req,
        &body,
        0,
        302,
        &rid,
        Some(app.app_key.clone()),
        None,
    );
    HttpResponse::Found()
        .insert_header((header::LOCATION, target.to_string()))
        .finish()
}

/// Token request parameters: from the query (GET, the real way) or a JSON / form body (POST).
fn token_params(req: &HttpRequest, body: &[u8]) -> Vec<(String, String)> {
    let mut params = parse_query(req.query_string());
    if !body.is_empty() {
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
            for (k, v) in map {
                let v = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                params.push((k, v));
            }
        } else {
            params.extend(parse_query(&String::from_utf8_lossy(body)));
        }
    }
    params
}

fn token_error(
    state: &SandboxState,
    req: &HttpRequest,
    body: &[u8],
    rid: &str,
    code: i64,
    message: &str,
) -> HttpResponse {
    log(state, req, body, code, 200, rid, None, None);
    envelope_response(200, code, message, rid, Value::Null)
}

fn check_app(params: &[(String, String)], state: &SandboxState) -> Result<App, &'static str> {
    let get = |k: &str| params.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
    let app = state
        .app(get("app_key").unwrap_or(""))
        .ok_or("Invalid app_key.")?;
    if !crate::sign::constant_time_eq(get("app_secret").unwrap_or(""), &app.app_secret) {
        return Err("Invalid app_secret.");
    }
    Ok(app)
}

fn token_data(state: &SandboxState, a: &Authorization, pair: (String, i64, String, i64)) -> Value {
    let (access, access_exp, refresh, refresh_exp) = pair;
    let (open_id, name, region, user_type) = state.with_world(|w| {
        w.sellers
            .get(&a.seller_id)
            .map(|s| {
                (
                    s.open_id.clone(),
                    s.name.clone(),
                    s.base_region.code().to_string(),
                    s.user_type,
                )
            })
            .unwrap_or_default()
    });
    json!({
        "access_token": access,
        "access_token_expire_in": access_exp,
        "refresh_token": refresh,
        "refresh_token_expire_in": refresh_exp,
        "open_id": open_id,
        "seller_name": name,
        "seller_base_region": region,
        "user_type": user_type,
        "granted_scopes": a.granted_scopes,
    })
}

/// `GET|POST /api/v2/token/get?app_key&app_secret&auth_code&grant_type=authorized_code`.
async fn token_get(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<SandboxState>,
) -> HttpResponse {
    let drop = roll_drop(&state);
    let answer = token_get_answer(&req, &body, &state);
    if drop { dropped_response() } else { answer }
}

fn token_get_answer(req: &HttpRequest, body: &[u8], state: &SandboxState) -> HttpResponse {
    let rid = new_request_id(state);
    let params = token_params(req, body);
    let get = |k: &str| params.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
    let app = match check_app(&params, state) {
        Ok(a) => a,
        Err(m) => return token_error(state, req, body, &rid, codes::INVALID_PARAMETER, m),
    };
    if get("grant_type").as_deref() != Some("authorized_code") {
        return token_error(
            state,
            req,
            body,
            &rid,
            codes::INVALID_PARAMETER,
            "grant_type must be authorized_code.",
        );
    }
    let now = state.now();
    let cfg = state.config();
    let (access_ttl, refresh_ttl) = (
        cfg.access_token_ttl.as_secs() as i64,
        cfg.refresh_token_ttl.as_secs() as i64,
    );
    let code = get("auth_code").unwrap_or_default();
    let issued = {
        let mut auth = state.auth();
        let usable = auth
            .codes
            .get(&code)
            .is_some_and(|c| !c.used && c.expires_at > now && c.app_key == app.app_key);
        if usable {
            let c = auth.codes.get_mut(&code).expect("checked above");
            c.used = true;
            let c = c.clone();
            let id = auth.next_authorization_id;
            auth.next_authorization_id += 1;
            let a = Authorization {
                id,
                app_key: app.app_key.clone(),
                seller_id: c.seller_id,
                shop_ids: c.shop_ids,
                granted_scopes: GRANTED_SCOPES.iter().map(|s| s.to_string()).collect(),
                created_at: now,
                revoked: false,
                expiry_notified: false,
            };
            auth.authorizations.insert(id, a.clone());
            let pair = auth.issue_pair(id, now, access_ttl, refresh_ttl);
            Some((a, pair))
        } else {
            None
        }
    };
    let Some((a, pair)) = issued else {
        return token_error(
            state,
            req,
            body,
            &rid,
            codes::AUTH_NOT_FOUND,
            "Authorization not found: the auth_code is invalid, expired or already used.",
        );
    };
    let data = token_data(state, &a, pair);
    log(state, req, body, 0, 200, &rid, Some(app.app_key), None);
    envelope_response(200, 0, "success", &rid, data)
}

/// `GET|POST /api/v2/token/refresh?app_key&app_secret&refresh_token&grant_type=refresh_token`.
async fn token_refresh(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<SandboxState>,
) -> HttpResponse {
    let drop = roll_drop(&state);
    let answer = token_refresh_answer(&req, &body, &state);
    if drop { dropped_response() } else { answer }
}

fn token_refresh_answer(req: &HttpRequest, body: &[u8], state: &SandboxState) -> HttpResponse {
    let rid = new_request_id(state);
    let params = token_params(req, body);
    let get = |k: &str| params.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
    let app = match check_app(&params, state) {
        Ok(a) => a,
        Err(m) => return token_error(state, req, body, &rid, codes::INVALID_PARAMETER, m),
    };
    if get("grant_type").as_deref() != Some("refresh_token") {
        return token_error(
            state,
            req,
            body,
            &rid,
            codes::INVALID_PARAMETER,
            "grant_type must be refresh_token.",
        );
    }
    let now = state.now();
    let cfg = state.config();
    let (access_ttl, refresh_ttl) = (
        cfg.access_token_ttl.as_secs() as i64,
        cfg.refresh_token_ttl.as_secs() as i64,
    );
    let token = get("refresh_token").unwrap_or_default();
    let issued = {
        let mut auth = state.auth();
        let found = auth.refresh_tokens.get(&token).cloned().and_then(|t| {
            let a = auth.authorizations.get(&t.authorization_id)?.clone();
            (!t.spent && t.expires_at > now && !a.revoked && a.app_key == app.app_key).then_some(a)
        });
        match found {
            Some(a) => {
                if let Some(t) = auth.refresh_tokens.get_mut(&token) {
                    t.spent = true;
                }
                let pair = auth.issue_pair(a.id, now, access_ttl, refresh_ttl);
                Some((a, pair))
            }
            None => None,
        }
    };
    let Some((a, pair)) = issued else {
        return token_error(
            state,
            req,
            body,
            &rid,
            codes::REFRESH_TOKEN_INVALID,
            "The refresh token is invalid or expired: the seller must authorize again.",
        );
    };
    let data = token_data(state, &a, pair);
    log(state, req, body, 0, 200, &rid, Some(app.app_key), None);
    envelope_response(200, 0, "success", &rid, data)
}
