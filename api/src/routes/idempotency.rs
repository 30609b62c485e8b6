//! `Idempotency-Key` on the ERP's writes. The first request with a key runs and its answer is stored;
//! the same key with the same method, path and body answers the stored answer again (marked with the
//! `Idempotent-Replayed: true` header) without doing anything; the same key with another request is a
//! 409, and so is a key whose first request is still running. Keys belong to the caller's tenant.
//!
//! A running request holds its key under a lease it renews while it runs ([`LEASE`]). When the
//! process dies mid-request (a crash, a panic, a dropped connection that dropped the handler), the
//! lease runs out and the same request sent again runs again: every write here settles against
//! TikTok's state when run twice (ship and cancel read the package or order back; stock pushes set
//! a count), so a re-run finishes what the dead one started instead of wedging the key forever.

use std::time::{Duration as StdDuration, Instant};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::{Condition, Expr, OnConflict};
use sea_orm::{ActiveValue::Set, QueryFilter};
use sha2::{Digest, Sha256};

use entity::idempotency_key;

use crate::error::{Error, Kind, Result};

pub const HEADER: &str = "idempotency-key";
pub const MAX_KEY_LEN: usize = 255;
pub use crate::error::OUTCOME_UNKNOWN;
/// How long a running request's hold on its key lasts without renewal.
pub const LEASE: StdDuration = StdDuration::from_secs(60);
/// How often a running request renews its hold.
const RENEW_EVERY: StdDuration = StdDuration::from_secs(20);

fn lease_end(now: DateTime<Utc>) -> DateTime<Utc> {
    now + chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::MAX)
}

/// A key this request holds until its answer is stored.
pub struct Claim {
    tenant: String,
    key: String,
}

/// What to do with a request.
pub enum Start {
    /// No key sent, or a new key: run it (and store the answer under the claim, if any).
    Run(Option<Claim>),
    /// The key's stored answer.
    Replay(HttpResponse),
}

fn key_of(req: &HttpRequest) -> Result<Option<String>> {
    let Some(raw) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let key = raw
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LEN && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            Error::bad_request(
                "invalid_idempotency_key",
                format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters (a UUID is a good choice)"),
            )
        })?;
    Ok(Some(key.to_owned()))
}

/// Claims the request's key, or finds its stored answer.
pub async fn start(
    db: &DatabaseConnection,
    tenant: &str,
    req: &HttpRequest,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Start> {
    let Some(key) = key_of(req)? else {
        return Ok(Start::Run(None));
    };
    let fingerprint = hex::encode(Sha256::digest(body));
    let inserted = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
        tenant_id: Set(tenant.to_owned()),
        key: Set(key.clone()),
        method: Set(req.method().to_string()),
        path: Set(req.path().to_owned()),
        body_hash: Set(fingerprint.clone()),
        status: Set(None),
        response: Set(None),
        created_at: Set(now),
        lease_until: Set(Some(lease_end(now))),
    })
    .on_conflict(
        OnConflict::columns([
            idempotency_key::Column::TenantId,
            idempotency_key::Column::Key,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    if inserted == 1 {
        return Ok(Start::Run(Some(Claim {
            tenant: tenant.to_owned(),
            key,
        })));
    }
    let stored = idempotency_key::Entity::find_by_id((tenant.to_owned(), key.clone()))
        .one(db)
        .await?
        .ok_or_else(|| {
            Error::unavailable("the Idempotency-Key was released meanwhile; send the request again")
        })?;
    if stored.method != req.method().as_str()
        || stored.path != req.path()
        || stored.body_hash != fingerprint
    {
        return Err(Error::conflict(
            "idempotency_key_reused",
            "this Idempotency-Key was used for another request; use a new key for a new request",
        ));
    }
    match (stored.status, stored.response) {
        (Some(status), Some(body)) => {
            let status = StatusCode::from_u16(u16::try_from(status).unwrap_or(500))
                .unwrap_or(StatusCode::OK);
            Ok(Start::Replay(
                HttpResponse::build(status)
                    .insert_header(("idempotent-replayed", "true"))
                    .content_type("application/json")
                    .body(body),
            ))
        }
        _ if take_over(db, tenant, &key, now).await? => {
            tracing::warn!(key = %key, "an Idempotency-Key whose request died is run again");
            Ok(Start::Run(Some(Claim {
                tenant: tenant.to_owned(),
                key,
            })))
        }
        _ => Err(Error::conflict(
            "idempotency_key_in_progress",
            format!(
                "the first request with this Idempotency-Key is still running; ask again in a moment (if it died, the same request runs again within {} s)",
                LEASE.as_secs()
            ),
        )),
    }
}

/// Takes a key whose request holds no live lease (it died with its process); true when taken.
async fn take_over(
    db: &DatabaseConnection,
    tenant: &str,
    key: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let taken = idempotency_key::Entity::update_many()
        .col_expr(
            idempotency_key::Column::LeaseUntil,
            Expr::value(Some(lease_end(now))),
        )
        .filter(idempotency_key::Column::TenantId.eq(tenant))
        .filter(idempotency_key::Column::Key.eq(key))
        .filter(idempotency_key::Column::Status.is_null())
        .filter(
            Condition::any()
                .add(idempotency_key::Column::LeaseUntil.is_null())
                .add(idempotency_key::Column::LeaseUntil.lt(now)),
        )
        .exec(db)
        .await?;
    Ok(taken.rows_affected == 1)
}

/// Extends the running request's hold on its key.
async fn renew(db: &DatabaseConnection, claim: &Claim, now: DateTime<Utc>) -> Result<(), DbErr> {
    idempotency_key::Entity::update_many()
        .col_expr(
            idempotency_key::Column::LeaseUntil,
            Expr::value(Some(lease_end(now))),
        )
        .filter(idempotency_key::Column::TenantId.eq(&claim.tenant))
        .filter(idempotency_key::Column::Key.eq(&claim.key))
        .filter(idempotency_key::Column::Status.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Stores the answer under the claim.
async fn store(
    db: &DatabaseConnection,
    claim: &Claim,
    status: StatusCode,
    body: &serde_json::Value,
) -> Result<(), DbErr> {
    idempotency_key::Entity::update_many()
        .col_expr(
            idempotency_key::Column::Status,
            Expr::value(Some(i32::from(status.as_u16()))),
        )
        .col_expr(
            idempotency_key::Column::Response,
            Expr::value(Some(body.to_string())),
        )
        .filter(idempotency_key::Column::TenantId.eq(&claim.tenant))
        .filter(idempotency_key::Column::Key.eq(&claim.key))
        .exec(db)
        .await?;
    Ok(())
}

/// Frees the key so that the request can be sent again.
async fn release(db: &DatabaseConnection, claim: Claim) -> Result<(), DbErr> {
    idempotency_key::Entity::delete_by_id((claim.tenant, claim.key))
        .exec(db)
        .await?;
    Ok(())
}

/// Runs `work` under the request's `Idempotency-Key` (when it has one) and answers its result as JSON.
/// Every answer is stored, refusals included, except an internal error or an unknown outcome
/// ([`OUTCOME_UNKNOWN`]): then the key is freed for another try.
pub async fn run<F, Fut>(
    db: &DatabaseConnection,
    tenant: &str,
    req: &HttpRequest,
    body: &[u8],
    now: DateTime<Utc>,
    work: F,
) -> Result<HttpResponse>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Reply>>,
{
    run_with(
        db,
        tenant,
        req,
        body,
        now,
        work,
        |o| matches!(o, Err(e) if frees_by_default(e)),
    )
    .await
}

/// An internal error or an unknown outcome: nothing is known to have been done.
fn frees_by_default(e: &Error) -> bool {
    e.kind == Kind::Internal || e.code == OUTCOME_UNKNOWN
}

/// [`run`] for writes that are safe to run again after any server-side failure (a ship is settled
/// by reading the package back, a shipping info update sets the same values): every 5xx frees the
/// key, so a retry with the same key after "TikTok unavailable" tries again instead of replaying it.
pub async fn run_rerunnable<F, Fut>(
    db: &DatabaseConnection,
    tenant: &str,
    req: &HttpRequest,
    body: &[u8],
    now: DateTime<Utc>,
    work: F,
) -> Result<HttpResponse>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Reply>>,
{
    run_with(
        db,
        tenant,
        req,
        body,
        now,
        work,
        |o| matches!(o, Err(e) if e.kind.is_server_side()),
    )
    .await
}

/// A write's answer, typed before it is stored: its status and JSON body, and whether TikTok's
/// outcome of part of it is unknown (a batch item whose answer was lost). An unsettled answer is
/// not bound to the `Idempotency-Key`: the same request with the same key runs again and settles it.
pub struct Reply {
    pub status: StatusCode,
    pub body: serde_json::Value,
    pub unsettled: bool,
}

impl Reply {
    pub fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> Result<Self> {
        Ok(Self {
            status,
            body: serde_json::to_value(value).map_err(Error::internal)?,
            unsettled: false,
        })
    }

    pub fn ok<T: serde::Serialize>(value: &T) -> Result<Self> {
        Self::json(StatusCode::OK, value)
    }

    /// Marks the answer unsettled when `unknown` (see [`Reply`]).
    pub fn unsettled_if(mut self, unknown: bool) -> Self {
        self.unsettled = unknown;
        self
    }
}

/// What a run ends with: the answer or the error about to be stored.
pub type Outcome = Result<Reply>;

/// [`run`] for writes that are safe to run again (TikTok dedups them or they set a state): an error
/// for which `free` says yes (TikTok unreachable) is not stored either, so the same request with the
/// same key runs again instead of answering that forever.
pub async fn run_freeing<F, Fut>(
    db: &DatabaseConnection,
    tenant: &str,
    req: &HttpRequest,
    body: &[u8],
    now: DateTime<Utc>,
    free: fn(&Error) -> bool,
    work: F,
) -> Result<HttpResponse>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Reply>>,
{
    run_with(
        db,
        tenant,
        req,
        body,
        now,
        work,
        |o| matches!(o, Err(e) if free(e) || frees_by_default(e)),
    )
    .await
}

async fn run_with<F, Fut>(
    db: &DatabaseConnection,
    tenant: &str,
    req: &HttpRequest,
    body: &[u8],
    now: DateTime<Utc>,
    work: F,
    frees_key: impl Fn(&Outcome) -> bool,
) -> Result<HttpResponse>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Reply>>,
{
    let claim = match start(db, tenant, req, body, now).await? {
        Start::Replay(answer) => return Ok(answer),
        Start::Run(claim) => claim,
    };
    let outcome = match &claim {
        None => work().await,
        Some(claim) => {
            // The hold is renewed while the work runs; the request's clock plus the time since.
            let started = Instant::now();
            crate::heartbeat::renewing(work(), RENEW_EVERY, || async move {
                let at = now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
                if let Err(e) = renew(db, claim, at).await {
                    tracing::warn!(error = %e, "could not renew an Idempotency-Key's lease");
                }
            })
            .await
        }
    };
    if let Some(claim) = claim {
        match &outcome {
            Ok(reply) if reply.unsettled => release(db, claim).await?,
            _ if frees_key(&outcome) => release(db, claim).await?,
            Ok(reply) => store(db, &claim, reply.status, &reply.body).await?,
            Err(e) => {
                let json = serde_json::to_value(e.envelope()).unwrap_or_default();
                store(db, &claim, e.kind.status(), &json).await?;
            }
        }
    }
    let reply = outcome?;
    Ok(HttpResponse::build(reply.status).json(reply.body))
}

/// [`run`] for a shop's write that answers one JSON value with `status`, under the caller's
/// tenant's key.
pub async fn write_json<R, A, F, Fut, T>(
    state: &crate::state::AppState,
    scope: &crate::routes::scope::ShopScope<R, A>,
    req: &HttpRequest,
    body: &[u8],
    status: StatusCode,
    work: F,
) -> Result<HttpResponse>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
    T: serde::Serialize,
{
    run(
        &state.db,
        &scope.user.tenant,
        req,
        body,
        state.clock.now(),
        || async { Reply::json(status, &work().await?) },
    )
    .await
}
