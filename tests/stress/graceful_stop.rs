//! A graceful stop during webhook ingest: `serve` gets SIGTERM while TikTok is delivering and while
//! its processor holds a claimed batch. Every delivery it acknowledged is stored, the events it held
//! are handed back due at once (a restart does not wait for the lease), and after TikTok redelivers
//! what was not acknowledged, a new process ends with each event processed exactly once and the
//! orders equal to the sandbox's.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use entity::webhook_event;
use futures_util::StreamExt;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::process::{Serve, serve_env};
use crate::sandbox_env::*;
use crate::sync_env::{assert_orders_match, connected_with};
use crate::webhook_env::{HOOK, order_status_events, sign};

const ORDERS: usize = 60;
const SENDERS: usize = 8;

/// One signed delivery to `base`; `true` when it was acknowledged (2xx).
async fn delivered(client: &reqwest::Client, base: &str, body: &[u8]) -> bool {
    client
        .post(format!("{base}{HOOK}"))
        .header("content-type", "application/json")
        .header("authorization", sign(APP_KEY, APP_SECRET_TT, body))
        .body(body.to_vec())
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

/// Delivers `bodies` to `base` as TikTok's delivery workers do, several at once, each worker
/// pausing `pace` after a delivery; answers which were acknowledged (by index) and counts them in
/// `acked` as they come.
async fn deliver_all(
    base: &str,
    bodies: &[Vec<u8>],
    acked: &AtomicUsize,
    pace: Duration,
) -> Vec<bool> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let answers: Vec<(usize, bool)> = futures_util::stream::iter(bodies.iter().enumerate())
        .map(|(i, body)| {
            let client = &client;
            async move {
                let ok = delivered(client, base, body).await;
                if ok {
                    acked.fetch_add(1, Ordering::SeqCst);
                }
                tokio::time::sleep(pace).await;
                (i, ok)
            }
        })
        .buffer_unordered(SENDERS)
        .collect()
        .await;
    let mut by_index = vec![false; bodies.len()];
    for (i, ok) in answers {
        by_index[i] = ok;
    }
    by_index
}

async fn stored_ids(env: &SandboxEnv) -> Vec<String> {
    webhook_event::Entity::find()
        .all(&env.app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.notification_id)
        .collect()
}

/// The events a processor holds (claimed, not finished).
async fn held_claims(env: &SandboxEnv) -> Vec<String> {
    webhook_event::Entity::find()
        .filter(webhook_event::Column::State.eq("received"))
        .filter(webhook_event::Column::ClaimToken.is_not_null())
        .all(&env.app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_webhook_ingest_loses_nothing_acknowledged_and_hands_back_its_claims() {
    let env = connected_with(|c| {
        c.orders = ORDERS;
        c.products = 5;
    })
    .await;
    // `serve` processes do the work; the test app only looks at the database.
    env.app.workers.cancel();
    // TikTok answers slowly now and then, so the processor is mid-batch when the stop comes.
    env.control(
        "/_sandbox/faults",
        json!({"slow_rate": 0.3, "slow_ms": 300, "seed": 17}),
    )
    .await;
    let process_env = serve_env(&env.app.env, &[]);

    // Two status notifications per order, each with its own notification id.
    let (ids, bodies): (Vec<String>, Vec<Vec<u8>>) =
        order_status_events(&env, "73", 2).await.into_iter().unzip();
    let (before, during) = bodies.split_at(bodies.len() / 2);

    let first = Serve::start(&process_env, None).await;
    let base = first.base.clone();
    let acked = AtomicUsize::new(0);
    let first_half = deliver_all(&base, before, &acked, Duration::ZERO).await;
    assert!(
        first_half.iter().all(|ok| *ok),
        "before the stop, all are taken"
    );
    // Wait until the processor holds a claimed batch.
    let waited = Instant::now();
    while held_claims(&env).await.is_empty() {
        assert!(
            waited.elapsed() < Duration::from_secs(30),
            "no batch claimed"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // SIGTERM while the second half is being delivered.
    let acked = AtomicUsize::new(0);
    let stopping = async {
        while acked.load(Ordering::SeqCst) < during.len() / 4 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let held = held_claims(&env).await;
        (held, first.terminate(Duration::from_secs(60)).await)
    };
    let (second_half, (held, stop_took)) = tokio::join!(
        deliver_all(&base, during, &acked, Duration::from_millis(25)),
        stopping
    );

    // Everything acknowledged is stored; nothing the stopped process held is still claimed, and
    // what it handed back is due now.
    let stored = stored_ids(&env).await;
    let acknowledged: Vec<&String> = first_half
        .iter()
        .chain(&second_half)
        .zip(&ids)
        .filter(|(ok, _)| **ok)
        .map(|(_, id)| id)
        .collect();
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|id| !stored.contains(id))
        .collect();
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    assert!(
        held_claims(&env).await.is_empty(),
        "a stopped process still holds claims"
    );
    let now = chrono::Utc::now();
    let unreached: Vec<webhook_event::Model> = webhook_event::Entity::find()
        .filter(webhook_event::Column::Id.is_in(held.clone()))
        .filter(webhook_event::Column::State.eq("received"))
        .filter(webhook_event::Column::Attempts.eq(0))
        .all(&env.app.state.db)
        .await
        .unwrap();
    assert!(
        unreached.iter().all(|e| e.next_attempt_at <= now),
        "an event the stopped process held but did not reach waits for its lease"
    );
    let handed_back = unreached.len();
    let refused = second_half.iter().filter(|ok| !**ok).count();

    // TikTok redelivers what was not acknowledged; a new process takes everything at once.
    let second = Serve::start(&process_env, None).await;
    let restarted = Instant::now();
    let redelivered: Vec<Vec<u8>> = during
        .iter()
        .zip(&second_half)
        .filter(|(_, ok)| !**ok)
        .map(|(b, _)| b.clone())
        .collect();
    let again = deliver_all(
        &second.base,
        &redelivered,
        &AtomicUsize::new(0),
        Duration::ZERO,
    )
    .await;
    assert!(
        again.iter().all(|ok| *ok),
        "the new process takes the redeliveries"
    );
    loop {
        let open = webhook_event::Entity::find()
            .filter(webhook_event::Column::State.ne("processed"))
            .count(&env.app.state.db)
            .await
            .unwrap();
        if open == 0 {
            break;
        }
        assert!(
            restarted.elapsed() < Duration::from_secs(120),
            "{open} events not processed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let all_done = restarted.elapsed();
    drop(second);

    let mut stored = stored_ids(&env).await;
    stored.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(stored, expected, "each delivery stored exactly once");
    assert_orders_match(&env).await;
    figures!(
        "graceful stop: {} deliveries, SIGTERM after {} of the second half were acknowledged; stop took \
         {:.1} s; {} acknowledged, 0 lost; {} unacknowledged redelivered; of the {} events it held, \
         {handed_back} unreached were handed back due at once; the new process finished all in {:.1} s",
        bodies.len(),
        during.len() / 4,
        stop_took.as_secs_f64(),
        acknowledged.len(),
        refused,
        held.len(),
        all_done.as_secs_f64(),
    );
}
