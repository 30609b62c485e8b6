//! Affiliate and videos from the control plane: the world's creators, a shop's affiliate books (with
//! every rate history, and each creator's commission totals as the affiliate orders give them), its
//! video calendar, and filing a sample application as a creator would.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{bad, body, ok, path_id};
use crate::protocol::parse_query;
use crate::routes::affiliate::rows_between;
use crate::state::SandboxState;
use crate::world::affiliate::AffError;
use crate::world::{Id, World, format_amount, parse_id};

const DAY: i64 = 86_400;

fn creator_json(w: &World, c: usize) -> Value {
    let c = &w.creators[c];
    json!({
        "open_id": c.open_id,
        "user_id": c.user_id.to_string(),
        "username": c.username,
        "nickname": c.nickname,
        "follower_count": c.follower_count,
        "region": c.region,
    })
}

/// `GET /_sandbox/creators` → `{"creators":[{open_id, user_id, username, nickname, follower_count,
/// region}]}`: the world's creators (fixed by the seed).
pub(super) async fn creators(state: web::Data<SandboxState>) -> HttpResponse {
    ok(state.with_world(|w| {
        json!({"creators": (0..w.creators.len()).map(|c| creator_json(w, c)).collect::<Vec<_>>()})
    }))
}

/// A query parameter as unix seconds.
fn query_time(req: &HttpRequest, name: &str) -> Result<Option<i64>, HttpResponse> {
    match parse_query(req.query_string())
        .into_iter()
        .find(|(k, _)| k == name)
    {
        None => Ok(None),
        Some((_, v)) => v
            .parse()
            .map(Some)
            .map_err(|_| bad(400, format!("{name} must be unix seconds, got {v:?}."))),
    }
}

/// `GET /_sandbox/shops/{shop_id}/affiliate[?create_time_ge=&create_time_lt=]`: the shop's open
/// collaborations (with their rate history), target collaborations (products with their rates,
/// creators), sample rules and applications, and per creator the affiliate SKU rows and commission
/// totals of the orders created in the window (default: every order of the shop).
pub(super) async fn books(req: HttpRequest, state: web::Data<SandboxState>) -> HttpResponse {
    let shop = match path_id(&req, "shop_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (ge, lt) = match (
        query_time(&req, "create_time_ge"),
        query_time(&req, "create_time_lt"),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let now = state.now();
    let answer = state.with_world(|w| {
        if !w.shops.contains_key(&shop) {
            return None;
        }
        let region = w.region_of(shop);
        let book = w.affiliate.get(&shop).cloned().unwrap_or_default();
        let open: Vec<Value> = book
            .open
            .iter()
            .map(|c| {
                json!({
                    "id": c.id.to_string(),
                    "product_id": c.product_id.to_string(),
                    "status": c.status(now).unwrap_or("ENDED"),
                    "create_time": c.create_time,
                    "rates": c.rates.iter().map(|(from, rate)| json!({"from": from, "rate": rate})).collect::<Vec<_>>(),
                    "terminated_effective_time": c.terminated_effective_time,
                })
            })
            .collect();
        let targets: Vec<Value> = book
            .targets
            .iter()
            .map(|t| {
                json!({
                    "id": t.id.to_string(),
                    "name": t.name,
                    "type": t.kind.as_str(),
                    "status": t.status(now).as_str(),
                    "create_time": t.create_time,
                    "end_time": t.end_time,
                    "products": t.products.iter().map(|p| json!({
                        "product_id": p.product_id.to_string(),
                        "status": p.status(now),
                        "added_at": p.added_at,
                        "rates": p.rates.iter().map(|(from, r, ads)| json!({"from": from, "rate": r, "shop_ads_rate": ads})).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                    "creators": t.creators.iter().map(|c| json!({
                        "open_id": w.creators[c.creator].open_id,
                        "username": w.creators[c.creator].username,
                        "accepted_at": c.accepted_at,
                        "removed_at": c.removed_at,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let applications: Vec<Value> = w
            .sample_applications
            .values()
            .filter(|a| a.shop_id == shop)
            .map(|a| {
                json!({
                    "id": a.id.to_string(),
                    "status": a.status.as_str(),
                    "creator_open_id": w.creators[a.creator].open_id,
                    "product_id": a.product_id.to_string(),
                    "create_time": a.create_time,
                })
            })
            .collect();
        let all = (shop, i64::MIN, 0)..=(shop, i64::MAX, Id::MAX);
        let from = ge.or_else(|| w.orders_by_create.range(all.clone()).next().map(|x| x.1)).unwrap_or(now);
        let to = lt.or_else(|| w.orders_by_create.range(all).next_back().map(|x| x.1 + 1)).unwrap_or(now + 1);
        // Each creator's rows and commission, summed from the rows affiliate orders answer.
        let mut totals: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
        for (_, _, _, row) in rows_between(w, shop, from, to.max(from)) {
            let name = row["creator_username"].as_str().unwrap_or("").to_string();
            let amount = crate::world::parse_amount(
                row["estimated_paid_commission"]["amount"].as_str().unwrap_or("0"),
                region,
            )
            .unwrap_or(0);
            let actual = crate::world::parse_amount(
                row["actual_paid_commission"]["amount"].as_str().unwrap_or("0"),
                region,
            )
            .unwrap_or(0);
            let e = totals.entry(name).or_default();
            e.0 += 1;
            e.1 += amount;
            e.2 += actual;
        }
        let creators: Vec<Value> = totals
            .into_iter()
            .map(|(username, (rows, estimated, actual))| {
                json!({
                    "username": username,
                    "open_id": w.creator_by_username(&username).map(|c| w.creators[c].open_id.clone()),
                    "sku_rows": rows,
                    "estimated_paid_commission": {"amount": format_amount(estimated, region), "currency": region.currency()},
                    "actual_paid_commission": {"amount": format_amount(actual, region), "currency": region.currency()},
                })
            })
            .collect();
        Some(json!({
            "open_collaborations": open,
            "target_collaborations": targets,
            "sample_rules": book.sample_rules.values().map(|r| json!({
                "product_id": r.product_id.to_string(),
                "active": r.active,
                "sample_quota": r.sample_quota,
            })).collect::<Vec<_>>(),
            "sample_applications": applications,
            "window": {"create_time_ge": from, "create_time_lt": to},
            "creators": creators,
        }))
    });
    match answer {
        Some(v) => ok(v),
        None => bad(404, "No such shop."),
    }
}

/// `GET /_sandbox/shops/{shop_id}/videos[?from=&to=]` (unix seconds; default the last 30 days): the
/// shop's videos posted then, by post time.
pub(super) async fn videos(req: HttpRequest, state: web::Data<SandboxState>) -> HttpResponse {
    let shop = match path_id(&req, "shop_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (from, to) = match (query_time(&req, "from"), query_time(&req, "to")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let now = state.now();
    let (from, to) = (
        from.unwrap_or(now - 30 * DAY),
        to.unwrap_or(now + 1).min(now + 1),
    );
    if to - from > 400 * DAY {
        return bad(400, "from, to: at most 400 days at once.");
    }
    let answer = state.with_world(|w| {
        w.shops.contains_key(&shop).then(|| {
            w.videos_posted(shop, from, to)
                .iter()
                .map(|v| {
                    json!({
                        "id": v.id.to_string(),
                        "title": v.title,
                        "username": w.video_username(v),
                        "creator_open_id": v.creator.map(|c| w.creators[c].open_id.clone()),
                        "post_time": v.post_time,
                        "duration": v.duration,
                        "product_ids": v.products.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
                    })
                })
                .collect::<Vec<_>>()
        })
    });
    match answer {
        Some(v) => ok(json!({"videos": v})),
        None => bad(404, "No such shop."),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ApplicationIn {
    creator_open_id: Option<String>,
    product_id: Option<String>,
}

/// `POST /_sandbox/shops/{shop_id}/sample_applications {creator_open_id?, product_id?}` →
/// `{"application_id"}`: a creator applies for a sample now (PENDING; webhook 56). Defaults: the first
/// creator, the first product in a NORMAL open collaboration. 404 unknown shop, 400 a bad field, 409
/// a product that is not in open collaboration or not active.
pub(super) async fn apply(
    req: HttpRequest,
    raw: web::Bytes,
    state: web::Data<SandboxState>,
) -> HttpResponse {
    let shop = match path_id(&req, "shop_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    let b: ApplicationIn = match body(&raw) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let product = match b.product_id.as_deref().map(parse_id) {
        Some(None) => return bad(400, "product_id must be a product id."),
        Some(Some(p)) => Some(p),
        None => None,
    };
    let now = state.now();
    let r = state.with_world(|w| {
        if !w.shops.contains_key(&shop) {
            return Err(bad(404, "No such shop."));
        }
        let creator = match b.creator_open_id.as_deref() {
            Some(o) => w.creator_by_open_id(o).ok_or_else(|| {
                bad(
                    400,
                    format!("creator_open_id: no creator {o:?} (see /_sandbox/creators)."),
                )
            })?,
            None => 0,
        };
        let product = product
            .or_else(|| {
                w.affiliate
                    .get(&shop)?
                    .open
                    .iter()
                    .find(|c| c.status(now) == Some("NORMAL"))
                    .map(|c| c.product_id)
            })
            .ok_or_else(|| bad(409, "The shop has no product in open collaboration."))?;
        w.apply_for_sample(shop, creator, product, None, None, now)
            .map_err(|e| match e {
                AffError::ProductNotFound(_) => bad(400, e.to_string()),
                _ => bad(409, e.to_string()),
            })
    });
    match r {
        Ok(id) => ok(json!({"application_id": id.to_string()})),
        Err(resp) => resp,
    }
}
