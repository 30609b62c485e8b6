//! Token upkeep and the client's resilience against the sandbox: expiry in the middle of use,
//! single-flight refresh (tasks and processes), refused refresh, the background refresher, injected
//! faults, the rate limit, and no token or secret in any log line.

use std::sync::Arc;

use api::app::Application;
use api::clock::Clock;
use api::config::Settings;
use api::shops::session::ShopSession;
use api::shops::tokens;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sandbox_env::*;

const REFRESH: &str = "/api/v2/token/refresh";
const WAREHOUSES: &str = "/logistics/202309/warehouses";

async fn call_warehouses(
    env: &SandboxEnv,
    session: &mut ShopSession,
) -> Result<Value, api::error::Error> {
    session
        .call::<Value>(
            env.app.state.access(),
            reqwest::Method::GET,
            WAREHOUSES,
            vec![],
            None,
        )
        .await
        .map(|r| r.data)
        .map_err(api::error::Error::from)
}

async fn expire_tokens(env: &SandboxEnv) {
    let id = env.tiktok_shop_id().await;
    env.control(&format!("/_sandbox/shops/{id}/expire-token"), json!({}))
        .await;
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_call_retried() {
    let env = sandbox_env().await;
    env.connect().await;
    let mut session = env.session().await;
    call_warehouses(&env, &mut session).await.unwrap();
    expire_tokens(&env).await;
    call_warehouses(&env, &mut session)
        .await
        .expect("refreshed and retried");
    assert_eq!(env.count_requests(REFRESH), 1);
    let codes: Vec<_> = env
        .requests()
        .into_iter()
        .filter(|(p, _, _)| p == WAREHOUSES)
        .map(|(_, _, c)| c)
        .collect();
    assert_eq!(codes, [0, 105002, 0], "ok, expired, ok after the refresh");
    assert!(env.status().await["last_token_refresh_at"].is_string());
}

#[tokio::test]
async fn twenty_concurrent_calls_during_an_expiry_make_exactly_one_refresh() {
    let env = Arc::new(sandbox_env().await);
    env.connect().await;
    expire_tokens(&env).await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let env = env.clone();
        tasks.push(tokio::spawn(async move {
            let mut session = env.session().await;
            call_warehouses(&env, &mut session).await.map(|_| ())
        }));
    }
    for t in tasks {
        t.await.unwrap().expect("every call succeeds");
    }
    assert_eq!(env.count_requests(REFRESH), 1, "single-flight across tasks");
}

#[tokio::test]
async fn two_server_processes_on_one_database_refresh_once() {
    let env = Arc::new(sandbox_env().await);
    env.connect().await;
    // A second instance of the service on the same database (as a second process would be).
    // Its own port: the first one's is taken (the environment fixes it for webhook delivery).
    let mut second_env = env.app.env.clone();
    second_env.insert("OCEAN_BIND".into(), "127.0.0.1:0".into());
    let settings = Settings::from_map(&second_env).unwrap();
    let second = Application::build_with_clock(settings, Arc::new(env.app.clock.clone()))
        .await
        .unwrap();
    let second_state = second.state();
    let (server, _workers) = second.into_parts();
    tokio::spawn(server);
    expire_tokens(&env).await;

    let mut tasks = Vec::new();
    for i in 0..10 {
        let env = env.clone();
        let state = if i % 2 == 0 {
            env.app.state.clone()
        } else {
            second_state.clone()
        };
        tasks.push(tokio::spawn(async move {
            let mut session = ShopSession::open(state.access(), env.shop_row().await)
                .await
                .unwrap();
            session
                .call::<Value>(
                    state.access(),
                    reqwest::Method::GET,
                    WAREHOUSES,
                    vec![],
                    None,
                )
                .await
                .map(|_| ())
        }));
    }
    for t in tasks {
        t.await.unwrap().expect("every call succeeds");
    }
    assert_eq!(
        env.count_requests(REFRESH),
        1,
        "single-flight across processes"
    );
}

#[tokio::test]
async fn a_refused_refresh_requires_authorizing_again() {
    let env = sandbox_env().await;
    env.connect().await;
    // The seller withdraws the whole authorization (both shops it covered).
    let (_, list) = env.app.get(SHOPS, &env.token).await;
    for shop in list["items"].as_array().unwrap() {
        let tiktok_shop = shop["shop_id"].as_str().unwrap();
        env.control(&format!("/_sandbox/shops/{tiktok_shop}/revoke"), json!({}))
            .await;
    }
    let mut session = env.session().await;
    let err = call_warehouses(&env, &mut session).await.unwrap_err();
    assert_eq!(err.code, "reauthorization_required", "{err}");
    let status = env.status().await;
    assert_eq!(status["status"], "reauthorization_required");
    assert!(status["status_reason"].is_string());
    // A new call does not even reach TikTok.
    let before = env.requests().len();
    let err = ShopSession::open(env.app.state.access(), env.shop_row().await)
        .await
        .err()
        .unwrap();
    assert_eq!(err.code, "reauthorization_required");
    assert_eq!(env.requests().len(), before);
    // Connecting again recovers.
    env.connect().await;
    assert_eq!(env.status().await["status"], "connected");
}

#[tokio::test]
async fn the_background_refresher_renews_tokens_in_their_last_tenth_of_life() {
    let env = sandbox_env().await;
    env.connect().await;
    assert_eq!(
        tokens::refresh_expiring(env.app.state.access())
            .await
            .unwrap(),
        0,
        "fresh tokens are left alone"
    );
    env.app
        .clock
        .advance(chrono::Duration::days(6) + chrono::Duration::hours(8));
    assert_eq!(
        tokens::refresh_expiring(env.app.state.access())
            .await
            .unwrap(),
        1
    );
    assert_eq!(env.count_requests(REFRESH), 1);
    assert_eq!(
        tokens::refresh_expiring(env.app.state.access())
            .await
            .unwrap(),
        0,
        "renewed tokens are fresh again"
    );
}

#[tokio::test]
async fn injected_5xx_429_and_malformed_answers_are_retried_until_they_succeed() {
    let env = sandbox_env().await;
    env.connect().await;
    env.control(
        "/_sandbox/faults",
        json!({"error_5xx": 0.25, "rate_429": 0.15, "malformed_rate": 0.1, "seed": 7}),
    )
    .await;
    let mut session = env.session().await;
    for _ in 0..15 {
        call_warehouses(&env, &mut session)
            .await
            .expect("recovered by retrying");
    }
    let statuses: Vec<u16> = env
        .requests()
        .into_iter()
        .filter(|(p, _, _)| p == WAREHOUSES)
        .map(|(_, s, _)| s)
        .collect();
    assert!(
        statuses.iter().any(|s| *s >= 500),
        "faults happened: {statuses:?}"
    );
    assert!(statuses.contains(&429), "429s happened: {statuses:?}");
}

#[tokio::test]
async fn slow_answers_time_out_and_are_retried() {
    let env = sandbox_env_with(
        |_| {},
        |e| {
            e.insert("TIKTOK_TIMEOUT_SECS".into(), "1".into());
        },
    )
    .await;
    env.connect().await;
    env.control(
        "/_sandbox/faults",
        json!({"slow_ms": 1500, "slow_rate": 0.5, "seed": 3}),
    )
    .await;
    let mut session = env.session().await;
    for _ in 0..4 {
        call_warehouses(&env, &mut session)
            .await
            .expect("a timeout is retried");
    }
}

#[tokio::test]
async fn a_burst_beyond_the_limit_waits_instead_of_meeting_429() {
    // TikTok (the sandbox) allows 120 calls a minute per shop and category; we budget 110, keeping a
    // margin for the clocks of two machines that never agree exactly.
    let env = Arc::new(
        sandbox_env_manual_clock(
            |c| c.rate_limit = 120,
            |e| {
                e.insert("TIKTOK_RATE_LIMIT_SHOP".into(), "110".into());
            },
        )
        .await,
    );
    // Connecting registers our webhooks: a dozen calls, paced by the same budget (a burst of 1 at
    // 110/min), so our clock moves itself until that is done.
    let connecting = tokio_util::sync::CancellationToken::new();
    auto_advance(env.app.clock.clone(), connecting.clone());
    env.connect().await;
    connecting.cancel();
    let started_requests = env.requests().len();
    let mut tasks = Vec::new();
    for _ in 0..300 {
        let env = env.clone();
        tasks.push(tokio::spawn(async move {
            let mut session = env.session().await;
            call_warehouses(&env, &mut session).await.map(|_| ())
        }));
    }
    // Drive time: whenever every unfinished call waits on the clock, move our clock to the next
    // deadline and the sandbox's clock by the same whole seconds.
    let origin = env.app.clock.now();
    let mut synced_seconds = 0;
    while tasks.iter().any(|t| !t.is_finished()) {
        let pending = tasks.iter().filter(|t| !t.is_finished()).count();
        if env.app.clock.sleepers() >= pending {
            if let Some(deadline) = env.app.clock.next_deadline() {
                let now = env.app.clock.now();
                if deadline > now {
                    env.app.clock.advance(deadline - now);
                }
                let elapsed = (env.app.clock.now() - origin).num_seconds();
                env.sandbox.state().advance_clock(elapsed - synced_seconds);
                synced_seconds = elapsed;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    for t in tasks {
        t.await.unwrap().expect("every call succeeds");
    }
    let log = env.sandbox.state().requests();
    let burst: Vec<_> = log[started_requests..]
        .iter()
        .filter(|r| r.path == WAREHOUSES)
        .collect();
    assert_eq!(burst.len(), 300);
    assert!(
        burst.iter().all(|r| r.http_status != 429),
        "zero 429 received"
    );
    let mut per_minute = std::collections::BTreeMap::new();
    for r in &burst {
        *per_minute.entry(r.time.div_euclid(60)).or_insert(0) += 1;
    }
    assert!(
        per_minute.values().all(|n| *n <= 120),
        "the budget held: {per_minute:?}"
    );
    assert!(
        synced_seconds >= 120,
        "300 calls at 110/min take over two minutes of clock time"
    );
    let status = env.status().await;
    assert!(
        status["quota"].as_array().is_some_and(|q| !q.is_empty()),
        "{status}"
    );
    let metrics = env
        .app
        .client
        .get(env.app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("tiktok_quota_used{"),
        "quota use in /metrics"
    );
    assert!(
        metrics.contains("tiktok_calls_total{"),
        "TikTok calls in /metrics"
    );
}

#[tokio::test]
async fn no_token_or_secret_reaches_a_log_line_or_a_response() {
    let env = sandbox_env().await;
    env.connect().await;
    let mut session = env.session().await;
    expire_tokens(&env).await;
    call_warehouses(&env, &mut session).await.unwrap();
    let status = env.status().await;

    // The live tokens, read back through the vault.
    use sea_orm::EntityTrait;
    use secrecy::ExposeSecret;
    let grant = entity::tiktok_grant::Entity::find()
        .one(&env.app.state.db)
        .await
        .unwrap()
        .unwrap();
    let open = |field: &'static str, sealed: &str| {
        env.app
            .state
            .vault
            .open(tokens::grant_token_at(&grant.id, field), sealed)
            .unwrap()
            .expose_secret()
            .to_owned()
    };
    let access = open(
        "access_token",
        grant.access_token_sealed.as_deref().unwrap(),
    );
    let refresh = open(
        "refresh_token",
        grant.refresh_token_sealed.as_deref().unwrap(),
    );
    let logs = captured_logs();
    for secret in [access.as_str(), refresh.as_str(), APP_SECRET_TT] {
        assert!(!logs.contains(secret), "a log line shows a secret");
        assert!(!status.to_string().contains(secret));
    }
    assert!(!logs.contains("sign="), "signatures are not logged");
}

#[tokio::test]
async fn a_refresh_whose_answer_is_lost_is_not_sent_again_and_the_shop_keeps_working() {
    let env = sandbox_env().await;
    env.connect().await;
    let state = &env.app.state;
    // The access token is in its last tenth of life: the background refresher renews it.
    crate::sync::advance_both(&env, chrono::Duration::days(6) + chrono::Duration::hours(8)).await;
    // TikTok refreshes (spending the refresh token) and the answer is cut on its way back.
    env.control("/_sandbox/faults", json!({"drop_rate": 1.0}))
        .await;
    assert_eq!(tokens::refresh_expiring(state.access()).await.unwrap(), 0);
    env.control("/_sandbox/faults", json!({"drop_rate": 0.0}))
        .await;
    assert_eq!(
        env.count_requests(REFRESH),
        1,
        "a refresh TikTok may have acted on is never sent again at once"
    );
    assert_eq!(env.status().await["status"], "connected");
    let mut session = env.session().await;
    call_warehouses(&env, &mut session)
        .await
        .expect("the access token we hold still works");

    // The background refresher leaves the grant alone for a while…
    assert_eq!(tokens::refresh_expiring(state.access()).await.unwrap(), 0);
    assert_eq!(env.count_requests(REFRESH), 1);
    // …then tries again. TikTok spent that refresh token with the lost answer and refuses it; the
    // access token still works, so the shop stays connected and the admin is told to reconnect.
    crate::sync::advance_both(&env, chrono::Duration::minutes(16)).await;
    assert_eq!(tokens::refresh_expiring(state.access()).await.unwrap(), 0);
    assert_eq!(env.count_requests(REFRESH), 2);
    let status = env.status().await;
    assert_eq!(status["status"], "connected", "{status}");
    assert!(
        status["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("connect the shop again")),
        "{status}"
    );
    let mut session = env.session().await;
    call_warehouses(&env, &mut session)
        .await
        .expect("still working until the access token ends");

    // Once TikTok refuses the access token itself, nothing is left: authorize again.
    expire_tokens(&env).await;
    let err = call_warehouses(&env, &mut session).await.unwrap_err();
    assert_eq!(err.code, "reauthorization_required", "{err}");
    assert_eq!(env.status().await["status"], "reauthorization_required");
}
