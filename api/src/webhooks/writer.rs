//! Group commit for received webhooks. Each delivery's handler hands its verified row to the writer
//! (one task on SQLite, a few on PostgreSQL) and waits; a writer inserts whatever is queued (up to `MAX_BATCH` rows, with no artificial
//! wait) in one INSERT, deduplicated by (shop, notification id), and answers every waiting handler
//! only after that statement committed. So a 200 still means "stored", for one commit (one fsync)
//! per batch instead of one per delivery.
//!
//! Nothing is dropped silently: a failed batch stores nothing and answers each of its handlers with
//! an error (a 503, so TikTok retries); a full queue is refused at once rather than growing memory;
//! on shutdown the writer takes no more rows and stores what was already queued.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sea_orm::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{DbBackend, IntoActiveModel};
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use entity::webhook_event;

/// Rows per INSERT. Each row count is a statement text of its own, prepared and cached per
/// connection (sqlx keeps 100): with at most 64 sizes, every one of them stays cached on the
/// writer's connections instead of being prepared (and, on PostgreSQL, planned) again.
pub const MAX_BATCH: usize = 64;
/// Deliveries waiting for the writer; more are refused with a 503 until it catches up.
pub const QUEUE: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("the webhook queue is full")]
    QueueFull,
    #[error("the webhook writer has stopped")]
    Stopped,
    #[error("the batch holding the event could not be stored")]
    Failed,
}

/// What became of one stored row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    New,
    /// The (shop, notification id) was already stored; nothing changed.
    Duplicate,
}

struct Pending {
    event: webhook_event::Model,
    answer: oneshot::Sender<Result<Stored, StoreError>>,
}

/// How recently a batch must have been taken for the receiver to count as busy.
const BUSY_WINDOW: Duration = Duration::from_millis(100);

/// When the writers last took a batch (a scheduling hint for the processor, so wall time).
struct Activity {
    start: Instant,
    /// Milliseconds after `start`, plus one; 0 = never.
    last_ms: AtomicU64,
}

impl Activity {
    fn touch(&self) {
        let now = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(now.saturating_add(1), Ordering::Relaxed);
    }
}

/// How many writer tasks (and connections) a database gets: SQLite takes one writer at a time;
/// PostgreSQL commits several transactions at once and flushes their WAL together, so two overlap
/// their commits (four made smaller batches, hence more commits, and ingested less: 13.8k/s
/// against 15.8k/s with two, docs/benchmarks.md).
pub fn tasks(backend: DbBackend) -> usize {
    match backend {
        DbBackend::Postgres => 2,
        _ => 1,
    }
}

/// The handlers' side of the writer task.
#[derive(Clone)]
pub struct EventWriter {
    queue: mpsc::Sender<Pending>,
    activity: Arc<Activity>,
}

impl EventWriter {
    /// Starts the writer tasks; they stop when `stop` is cancelled, after storing what is queued.
    /// See [`tasks`] for how many.
    pub fn spawn(db: DatabaseConnection, stop: CancellationToken) -> Self {
        let writers = tasks(db.get_database_backend());
        let (queue, rx) = mpsc::channel(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        let activity = Arc::new(Activity {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
        });
        for _ in 0..writers {
            tokio::spawn(run(db.clone(), rx.clone(), stop.clone(), activity.clone()));
        }
        Self { queue, activity }
    }

    /// Whether deliveries are arriving now (a batch was taken for storing in the last 100 ms).
    pub fn receiving(&self) -> bool {
        let last = self.activity.last_ms.load(Ordering::Relaxed);
        let now = u64::try_from(self.activity.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        let window = u64::try_from(BUSY_WINDOW.as_millis()).unwrap_or(0);
        last != 0 && now.saturating_add(1).saturating_sub(last) < window
    }

    /// Queues the event and waits until the batch holding it has committed.
    pub async fn store(&self, event: webhook_event::Model) -> Result<Stored, StoreError> {
        let (answer, stored) = oneshot::channel();
        self.queue
            .try_send(Pending { event, answer })
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => StoreError::QueueFull,
                mpsc::error::TrySendError::Closed(_) => StoreError::Stopped,
            })?;
        // The writer answers every row it took; a dropped answer means it died.
        stored.await.unwrap_or(Err(StoreError::Stopped))
    }
}

/// One writer: takes whatever is queued (holding the queue only while taking), stores it, repeats.
/// After `stop`, the queue is closed to new rows and the writers store what it still holds.
async fn run(
    db: DatabaseConnection,
    queue: Arc<Mutex<mpsc::Receiver<Pending>>>,
    stop: CancellationToken,
    activity: Arc<Activity>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        let received = {
            let mut rx = queue.lock().await;
            // `recv_many` is cancel-safe: when `stop` wins, nothing was taken from the queue.
            tokio::select! {
                n = rx.recv_many(&mut batch, MAX_BATCH) => n,
                () = stop.cancelled() => {
                    rx.close();
                    rx.recv_many(&mut batch, MAX_BATCH).await
                }
            }
        };
        if received == 0 {
            return;
        }
        activity.touch();
        write(&db, &mut batch).await;
    }
}

/// Stores the batch and answers each of its rows; empties `batch`.
async fn write(db: &DatabaseConnection, batch: &mut Vec<Pending>) {
    let (events, waiting): (Vec<_>, Vec<_>) = batch
        .drain(..)
        .map(|p| {
            let id = p.event.id.clone();
            (p.event, (id, p.answer))
        })
        .unzip();
    let count = events.len();
    match insert(db, events).await {
        Ok(inserted) => {
            for (id, answer) in waiting {
                let stored = if inserted.contains(&id) {
                    Stored::New
                } else {
                    Stored::Duplicate
                };
                // A handler that is gone (client hung up) needs no answer; its row is stored.
                let _ = answer.send(Ok(stored));
            }
        }
        Err(error) => {
            tracing::error!(%error, rows = count, "storing a batch of webhook events failed; each delivery is answered 503");
            for (_, answer) in waiting {
                let _ = answer.send(Err(StoreError::Failed));
            }
        }
    }
    metrics::histogram!("webhook_write_batch_rows").record(count as f64);
}

/// One INSERT, so one transaction: all rows or none. Repeats (also two in the same batch) are skipped
/// by the unique (shop, notification id) index; RETURNING names the rows actually inserted.
pub async fn insert(
    db: &DatabaseConnection,
    events: Vec<webhook_event::Model>,
) -> Result<HashSet<String>, DbErr> {
    let rows = events
        .into_iter()
        .map(|e| e.into_active_model().reset_all());
    let ids = webhook_event::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                webhook_event::Column::ShopId,
                webhook_event::Column::NotificationId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_with_returning_keys(db)
        .await?;
    Ok(ids.into_iter().collect())
}
