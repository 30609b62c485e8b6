//! Retention: the pruner deletes finished records older than their period and keeps everything
//! still in use, whatever its age; the audit log is never pruned; periods are settings.

use api::clock::Clock;
use api::config::{Retention, Settings};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait};

use crate::helpers::*;

async fn key(
    app: &TestApp,
    name: &str,
    at: DateTime<Utc>,
    answered: bool,
    lease: Option<DateTime<Utc>>,
) {
    entity::idempotency_key::ActiveModel {
        tenant_id: Set("acme".into()),
        key: Set(name.into()),
        method: Set("POST".into()),
        path: Set("/x".into()),
        body_hash: Set("h".into()),
        status: Set(answered.then_some(200)),
        response: Set(answered.then(|| "{}".into())),
        created_at: Set(at),
        lease_until: Set(lease),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

async fn event(app: &TestApp, id: &str, state: &str, at: DateTime<Utc>) {
    entity::webhook_event::ActiveModel {
        id: Set(id.into()),
        tenant_id: Set("acme".into()),
        shop_id: Set("s".into()),
        notification_id: Set(id.into()),
        event_type: Set(1),
        event_name: Set("ORDER_STATUS_CHANGE".into()),
        event_time: Set(at.timestamp()),
        payload: Set("{}".into()),
        state: Set(state.into()),
        attempts: Set(0),
        last_error: Set(None),
        next_attempt_at: Set(at),
        received_at: Set(at),
        processed_at: Set(None),
        claim_token: Set(None),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

async fn oauth_state(
    app: &TestApp,
    hash: &str,
    expires: DateTime<Utc>,
    used: Option<DateTime<Utc>>,
) {
    entity::oauth_state::ActiveModel {
        state_hash: Set(hash.into()),
        tenant_id: Set("acme".into()),
        shop_id: Set("s".into()),
        user_sub: Set("u".into()),
        expires_at: Set(expires),
        used_at: Set(used),
        created_at: Set(expires - Duration::minutes(10)),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

async fn job(
    app: &TestApp,
    id: &str,
    state: &str,
    finished: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) {
    entity::sync_job::ActiveModel {
        id: Set(id.into()),
        tenant_id: Set("acme".into()),
        shop_id: Set("s".into()),
        resource: Set("orders".into()),
        mode: Set("full".into()),
        state: Set(state.into()),
        progress: Set("{}".into()),
        attempts: Set(1),
        failures: Set(0),
        max_attempts: Set(5),
        error: Set(None),
        run_after: Set(at),
        lease_owner: Set(None),
        lease_until: Set(None),
        created_at: Set(at),
        started_at: Set(Some(at)),
        finished_at: Set(finished),
        updated_at: Set(at),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

async fn history(app: &TestApp, id: &str, at: DateTime<Utc>) {
    entity::stock_history::ActiveModel {
        id: Set(id.into()),
        shop_id: Set("s".into()),
        sku_id: Set("1".into()),
        warehouse_id: Set("2".into()),
        before: Set(Some(1)),
        after: Set(2),
        source: Set("sync".into()),
        at: Set(at),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

async fn ids<E: EntityTrait>(app: &TestApp, _: E) -> u64
where
    E::Model: Sync,
{
    E::find().count(&app.state.db).await.unwrap()
}

#[tokio::test]
async fn the_pruner_deletes_finished_records_past_their_period_and_keeps_the_rest() {
    let app = spawn_app().await;
    // The webhook processor would take the waiting event: the test alone moves these rows.
    app.workers.cancel();
    let now = app.clock.now();
    let old = now - Duration::days(500);
    let day_ago = now - Duration::hours(25);

    key(&app, "old-answered", day_ago, true, None).await;
    key(
        &app,
        "old-died",
        day_ago,
        false,
        Some(day_ago + Duration::minutes(1)),
    )
    .await;
    key(
        &app,
        "old-still-running",
        day_ago,
        false,
        Some(now + Duration::minutes(1)),
    )
    .await;
    key(&app, "fresh", now, true, None).await;

    event(&app, "e-old-done", "processed", old).await;
    event(&app, "e-old-dead", "dead", old).await;
    event(&app, "e-old-waiting", "received", old).await;
    event(&app, "e-fresh-done", "processed", now).await;

    oauth_state(&app, "s-old-expired", day_ago - Duration::hours(1), None).await;
    oauth_state(
        &app,
        "s-old-used",
        now + Duration::minutes(5),
        Some(day_ago),
    )
    .await;
    oauth_state(&app, "s-live", now + Duration::minutes(5), None).await;

    job(&app, "j-old-done", "succeeded", Some(old), old).await;
    job(&app, "j-old-failed", "failed", Some(old), old).await;
    job(&app, "j-old-queued", "queued", None, old).await;
    job(&app, "j-fresh-done", "succeeded", Some(now), now).await;

    history(&app, "h-old", old).await;
    history(&app, "h-fresh", now - Duration::days(399)).await;

    let pruned = api::retention::prune(&app.state.db, &Retention::default(), now)
        .await
        .unwrap();
    assert_eq!(
        (
            pruned.idempotency_keys,
            pruned.webhook_events,
            pruned.oauth_states,
            pruned.sync_jobs,
            pruned.stock_history
        ),
        (2, 2, 2, 2, 1)
    );
    let db = &app.state.db;
    for k in ["old-still-running", "fresh"] {
        assert!(
            Option::is_some(
                &entity::idempotency_key::Entity::find_by_id(("acme".to_owned(), k.to_owned()))
                    .one(db)
                    .await
                    .unwrap()
            ),
            "{k}"
        );
    }
    for e in ["e-old-waiting", "e-fresh-done"] {
        assert!(
            Option::is_some(
                &entity::webhook_event::Entity::find_by_id(e.to_owned())
                    .one(db)
                    .await
                    .unwrap()
            ),
            "{e}"
        );
    }
    assert!(Option::is_some(
        &entity::oauth_state::Entity::find_by_id("s-live".to_owned())
            .one(db)
            .await
            .unwrap()
    ));
    for j in ["j-old-queued", "j-fresh-done"] {
        assert!(
            Option::is_some(
                &entity::sync_job::Entity::find_by_id(j.to_owned())
                    .one(db)
                    .await
                    .unwrap()
            ),
            "{j}"
        );
    }
    assert!(Option::is_some(
        &entity::stock_history::Entity::find_by_id("h-fresh".to_owned())
            .one(db)
            .await
            .unwrap()
    ));
    assert_eq!(ids(&app, entity::idempotency_key::Entity).await, 2);
    assert_eq!(ids(&app, entity::webhook_event::Entity).await, 2);

    // A second pass finds nothing more.
    let again = api::retention::prune(db, &Retention::default(), now)
        .await
        .unwrap();
    assert_eq!(again, api::retention::Pruned::default());

    // Shorter periods are settings.
    let short = Retention {
        webhook_events: std::time::Duration::from_secs(3600),
        ..Retention::default()
    };
    let pruned = api::retention::prune(db, &short, now + Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(
        pruned.webhook_events, 1,
        "the fresh processed event, now two hours old"
    );
}

#[test]
fn retention_periods_are_settings_checked_at_start() {
    let mut env = base_env("sqlite::memory:");
    env.insert("OCEAN_RETENTION_WEBHOOK_EVENTS".into(), "7days".into());
    env.insert("OCEAN_RETENTION_IDEMPOTENCY_KEYS".into(), "48h".into());
    let settings = Settings::from_map(&env).unwrap();
    assert_eq!(settings.retention.webhook_events.as_secs(), 7 * 86_400);
    assert_eq!(settings.retention.idempotency_keys.as_secs(), 48 * 3600);
    assert_eq!(settings.retention.stock_history.as_secs(), 400 * 86_400);
    for bad in ["soon", "10m"] {
        env.insert("OCEAN_RETENTION_SYNC_JOBS".into(), bad.into());
        let e = Settings::from_map(&env).unwrap_err();
        assert!(e.to_string().contains("OCEAN_RETENTION_SYNC_JOBS"), "{e}");
    }
}
