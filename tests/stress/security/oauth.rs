//! The OAuth state cases: forged, superseded, replayed, expired and another tenant's states connect nothing.

use super::*;

/// The rows a callback may not change when it refuses: every table but the states (a refused state
/// is claimed) and the shops, of which the connection (tenant, TikTok shop, cipher, grant, whether
/// connected; a shop that was authorizing goes back to configured).
pub(super) async fn connections(env: &SandboxEnv) -> BTreeMap<String, Vec<String>> {
    let mut all = snapshot(&env.app.state.db).await;
    all.remove("oauth_states");
    let shops = entity::shop::Entity::find()
        .all(&env.app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| {
            format!(
                "{} {} {:?} {:?} {:?} {:?} connected={}",
                s.id,
                s.tenant_id,
                s.shop_id,
                s.shop_cipher,
                s.grant_id,
                s.connected_at,
                s.status == "connected"
            )
        })
        .collect();
    all.insert("shops".into(), shops);
    all
}

pub(super) fn token_exchanges(env: &SandboxEnv) -> usize {
    env.count_requests("/api/v2/token/get")
}

/// A callback URL with its state replaced.
pub(super) fn with_state(callback: &str, state: &str) -> String {
    let mut url = url::Url::parse(callback).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                state.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.to_string()
}

/// Forged, superseded, replayed, expired and another tenant's state: each callback connects nothing
/// (and those refused for their state never spend TikTok's code). Returns the number of cases.
pub(super) async fn oauth_cases(env: &SandboxEnv) -> usize {
    let subscription_reads = || {
        env.sandbox
            .state()
            .requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path == "/event/202309/webhooks")
            .count()
    };
    // Each case: its name, the callback the browser brings back, the reason, and whether TikTok's
    // code is exchanged before the refusal.

    // Forged: a real code with a state we never issued.
    let callback = env.consent(&env.authorize_url().await, "authorize").await;
    let forged = with_state(&callback, "Zm9yZ2VkLXN0YXRlLWZvcmdlZC1zdGF0ZS1mb3JnZWQ");
    run_oauth_case(env, ("forged", forged, "state_unknown", false)).await;

    // Superseded: a newer Connect of the same shop made the older link invalid.
    let older = env.consent(&env.authorize_url().await, "authorize").await;
    let newer_url = env.authorize_url().await;
    run_oauth_case(env, ("superseded", older, "state_superseded", false)).await;
    // The newer one works (the state below is used once, legitimately).
    let reads = subscription_reads();
    let newer = env.consent(&newer_url, "authorize").await;
    let outcome = env.follow_callback(&newer).await;
    assert_eq!(outcome["tiktok_connect"], "success", "{outcome:?}");
    env.wait_for_webhook_registration(reads).await;

    // Replayed: the same callback a second time.
    run_oauth_case(env, ("replayed", newer, "state_used", false)).await;

    // Expired: the seller comes back after the link's 10 minutes.
    let late = env.consent(&env.authorize_url().await, "authorize").await;
    advance_both(env, chrono::Duration::minutes(11)).await;
    run_oauth_case(env, ("expired", late, "state_expired", false)).await;

    // Another tenant's state: globex configures the same app and sends the same seller through its
    // own Connect; the seller's shops are acme's, so nothing of globex's connects and acme keeps them.
    let globex = env.app.token("globex", Role::Admin);
    let theirs = env
        .app
        .create_shop(
            &globex,
            json!({"name": "Globex twin", "app_key": APP_KEY, "app_secret": APP_SECRET_TT, "service_id": SERVICE_ID}),
        )
        .await;
    let (status, body) = env
        .app
        .post(
            &format!("{SHOPS}/{}/connect", theirs["id"].as_str().unwrap()),
            &globex,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let callback = env
        .consent(body["authorize_url"].as_str().unwrap(), "authorize")
        .await;
    run_oauth_case(
        env,
        (
            "another tenant's",
            callback,
            "shop_connected_elsewhere",
            true,
        ),
    )
    .await;
    5
}

pub(super) async fn run_oauth_case(
    env: &SandboxEnv,
    (name, callback, reason, exchanges): (&str, String, &str, bool),
) {
    let mut before = connections(env).await;
    let exchanged_before = token_exchanges(env);
    let outcome = env.follow_callback(&callback).await;
    assert_eq!(outcome["tiktok_connect"], "error", "{name}: {outcome:?}");
    assert_eq!(outcome["reason"], reason, "{name}: {outcome:?}");
    let mut after = connections(env).await;
    if exchanges {
        // The code exchange is a call to TikTok: the app's API budget counts it.
        before.remove("quota_windows");
        after.remove("quota_windows");
    }
    let changed = differences(&before, &after);
    assert!(
        changed.is_empty(),
        "the {name} state changed the connections:\n{}",
        changed.join("\n")
    );
    assert_eq!(
        token_exchanges(env) - exchanged_before,
        usize::from(exchanges),
        "{name}: TikTok's code is exchanged only past the state check"
    );
    assert_eq!(env.status().await["status"], "connected", "{name}");
}
