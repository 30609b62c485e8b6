//! Group commit for received webhooks. Each delivery's handler hands its verified row to the writer
//! task and waits; the writer inserts whatever is queued (up to `MAX_BATCH` rows, with no artificial
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
use sea_orm::sea_query::{OnConflict, Query, Values};
use sea_orm::sqlx::{self, Postgres, Sqlite, pool::PoolConnection};
use sea_orm::{DbBackend, Iterable, QuerySelect, QueryTrait, Statement};
use sea_query_sqlx::SqlxValues;
use tokio::sync::{mpsc, oneshot};
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
    /// The event's id, to tell a stored row from a duplicate.
    id: String,
    /// The row's values in the INSERT's column order, made by the handler (off the writer's path).
    values: Vec<Value>,
    answer: oneshot::Sender<Result<Stored, StoreError>>,
}

/// How recently a batch must have been taken for the receiver to count as busy.
const BUSY_WINDOW: Duration = Duration::from_millis(100);

/// When the writer last took a batch (a scheduling hint for the processor, so wall time).
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

/// The handlers' side of the writer task.
#[derive(Clone)]
pub struct EventWriter {
    queue: mpsc::Sender<Pending>,
    activity: Arc<Activity>,
}

impl EventWriter {
    /// Starts the writer task; it stops when `stop` is cancelled, after storing what is queued.
    /// `dedicated`: the pool is the writer's own, so it may keep its connection between batches
    /// while deliveries keep coming.
    ///
    /// One writer on either database: SQLite takes one writer at a time, and on PostgreSQL a second
    /// writer overlapped commits but made each batch smaller, and ingested 5-10% less
    /// (docs/benchmarks.md).
    pub fn spawn(db: DatabaseConnection, dedicated: bool, stop: CancellationToken) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE);
        let activity = Arc::new(Activity {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
        });
        tokio::spawn(run(db, dedicated, rx, stop, activity.clone()));
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
        let id = event.id.clone();
        let values = row_values(&event);
        self.queue
            .try_send(Pending { id, values, answer })
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => StoreError::QueueFull,
                mpsc::error::TrySendError::Closed(_) => StoreError::Stopped,
            })?;
        // The writer answers every row it took; a dropped answer means it died.
        stored.await.unwrap_or(Err(StoreError::Stopped))
    }
}

/// The writer: takes whatever is queued, stores it, repeats. After `stop`, the queue is closed to
/// new rows and the writer stores what it still holds.
async fn run(
    db: DatabaseConnection,
    dedicated: bool,
    mut rx: mpsc::Receiver<Pending>,
    stop: CancellationToken,
    activity: Arc<Activity>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut statements = InsertStatements::new(db.get_database_backend());
    let mut held: Option<Held> = None;
    loop {
        if rx.is_empty() || !dedicated {
            // Idle, or a pool shared with the rest of the service: give the connection back (the
            // pool checks it, and keeps it fresh while idle).
            held = None;
        }
        // `recv_many` is cancel-safe: when `stop` wins, nothing was taken from the queue.
        let received = tokio::select! {
            n = rx.recv_many(&mut batch, MAX_BATCH) => n,
            () = stop.cancelled() => {
                rx.close();
                rx.recv_many(&mut batch, MAX_BATCH).await
            }
        };
        if received == 0 {
            return;
        }
        activity.touch();
        let conn = match held.take() {
            Some(conn) => Ok(conn),
            None => Held::acquire(&db).await,
        };
        held = match conn {
            Ok(mut conn) => write(&mut conn, &mut statements, &mut batch)
                .await
                .then_some(conn),
            Err(error) => {
                fail(&error, &mut batch);
                None
            }
        };
    }
}

/// A connection the writer keeps from one batch to the next while deliveries keep coming. Given
/// back to the pool after each statement, as sea-orm does, sqlx pings it on the way back (a round
/// trip to the database) and the next batch waited for that: ingest rose by a fifth without it
/// (docs/benchmarks.md).
enum Held {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Held {
    async fn acquire(db: &DatabaseConnection) -> Result<Self, sqlx::Error> {
        Ok(match db.get_database_backend() {
            DbBackend::Postgres => {
                Self::Postgres(db.get_postgres_connection_pool().acquire().await?)
            }
            _ => Self::Sqlite(db.get_sqlite_connection_pool().acquire().await?),
        })
    }

    /// Runs `statement`; returns the rows it changed.
    async fn execute(&mut self, statement: Statement) -> Result<u64, sqlx::Error> {
        let (sql, values) = parts(statement);
        let sql = sqlx::AssertSqlSafe(sql.as_str());
        Ok(match self {
            Self::Sqlite(conn) => sqlx::query_with(sql, values)
                .execute(&mut **conn)
                .await?
                .rows_affected(),
            Self::Postgres(conn) => sqlx::query_with(sql, values)
                .execute(&mut **conn)
                .await?
                .rows_affected(),
        })
    }

    /// The first column of each row `statement` returns, as text.
    async fn strings(&mut self, statement: Statement) -> Result<Vec<String>, sqlx::Error> {
        let (sql, values) = parts(statement);
        let sql = sqlx::AssertSqlSafe(sql.as_str());
        match self {
            Self::Sqlite(conn) => {
                sqlx::query_scalar_with(sql, values)
                    .fetch_all(&mut **conn)
                    .await
            }
            Self::Postgres(conn) => {
                sqlx::query_scalar_with(sql, values)
                    .fetch_all(&mut **conn)
                    .await
            }
        }
    }
}

/// A sea-orm statement as sqlx takes it (the values moved, not copied).
fn parts(statement: Statement) -> (String, SqlxValues) {
    let values = statement.values.unwrap_or(Values(Vec::new()));
    (statement.sql, SqlxValues(values))
}

/// Stores the batch and answers each of its rows; empties `batch`. Returns whether the connection
/// worked (a failed one is dropped, and sqlx tests it before it is used again).
async fn write(
    conn: &mut Held,
    statements: &mut InsertStatements,
    batch: &mut Vec<Pending>,
) -> bool {
    let count = batch.len();
    let mut values = Vec::with_capacity(batch.iter().map(|p| p.values.len()).sum());
    let mut ids = Vec::with_capacity(count);
    for pending in batch.iter_mut() {
        values.append(&mut pending.values);
        ids.push(std::mem::take(&mut pending.id));
    }
    let started = Instant::now();
    let result = insert(conn, statements, values, &ids).await;
    metrics::histogram!("webhook_write_batch_seconds").record(started.elapsed().as_secs_f64());
    metrics::histogram!("webhook_write_batch_rows").record(count as f64);
    match result {
        Ok(duplicates) => {
            for (pending, id) in batch.drain(..).zip(ids) {
                let stored = if duplicates.contains(&id) {
                    Stored::Duplicate
                } else {
                    Stored::New
                };
                // A handler that is gone (client hung up) needs no answer; its row is stored.
                let _ = pending.answer.send(Ok(stored));
            }
            true
        }
        Err(error) => {
            fail(&error, batch);
            false
        }
    }
}

/// Answers each delivery of a batch that was not stored with an error (a 503: TikTok retries).
fn fail(error: &sqlx::Error, batch: &mut Vec<Pending>) {
    tracing::error!(%error, rows = batch.len(), "storing a batch of webhook events failed; each delivery is answered 503");
    for pending in batch.drain(..) {
        let _ = pending.answer.send(Err(StoreError::Failed));
    }
}

/// One event's values, in `Column::iter()` order: the INSERT's column order.
fn row_values(event: &webhook_event::Model) -> Vec<Value> {
    webhook_event::Column::iter()
        .map(|c| event.get(c))
        .collect()
}

/// The INSERT's text for each row count, built once and then reused: building it again for every
/// batch cost more than the database's own work for the batch.
struct InsertStatements {
    backend: DbBackend,
    /// Index `n - 1` holds the statement for `n` rows.
    sql: Vec<Option<String>>,
}

impl InsertStatements {
    fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            sql: vec![None; MAX_BATCH],
        }
    }

    fn sql(&mut self, rows: usize) -> &str {
        let backend = self.backend;
        self.sql[rows - 1].get_or_insert_with(|| insert_statement(backend, rows))
    }
}

/// The INSERT of `rows` rows, every value a placeholder, skipping (shop, notification id) repeats.
fn insert_statement(backend: DbBackend, rows: usize) -> String {
    let mut insert = Query::insert();
    insert
        .into_table(webhook_event::Entity)
        .columns(webhook_event::Column::iter())
        .on_conflict(skip_repeats());
    for _ in 0..rows {
        insert.values_panic(webhook_event::Column::iter().map(|_| Value::Int(None).into()));
    }
    backend.build(&insert).sql
}

/// A row whose (shop, notification id) is already stored is skipped, not an error.
fn skip_repeats() -> OnConflict {
    OnConflict::columns([
        webhook_event::Column::ShopId,
        webhook_event::Column::NotificationId,
    ])
    .do_nothing()
    .to_owned()
}

/// One INSERT, so one transaction: all rows or none. Repeats (also two in the same batch) are
/// skipped by the unique (shop, notification id) index. Returns the ids that were not inserted
/// because they repeat a stored event: when fewer rows than sent were inserted, the ids that are
/// not in the table now (each id is new, so only its own insert could have put it there).
async fn insert(
    conn: &mut Held,
    statements: &mut InsertStatements,
    values: Vec<Value>,
    ids: &[String],
) -> Result<HashSet<String>, sqlx::Error> {
    let backend = statements.backend;
    let sql = statements.sql(ids.len()).to_owned();
    let inserted = conn
        .execute(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    if inserted == ids.len() as u64 {
        return Ok(HashSet::new());
    }
    let stored = webhook_event::Entity::find()
        .select_only()
        .column(webhook_event::Column::Id)
        .filter(webhook_event::Column::Id.is_in(ids.iter().cloned()))
        .build(backend);
    let stored: HashSet<String> = conn.strings(stored).await?.into_iter().collect();
    Ok(ids
        .iter()
        .filter(|id| !stored.contains(*id))
        .cloned()
        .collect())
}

#[cfg(test)]
mod tests {
    use sea_orm::IntoActiveModel;

    use super::*;

    fn event(n: u32) -> webhook_event::Model {
        let at = chrono::DateTime::from_timestamp(1_700_000_000 + i64::from(n), 0).unwrap();
        webhook_event::Model {
            id: format!("id-{n}"),
            tenant_id: "tenant".into(),
            shop_id: "shop".into(),
            notification_id: format!("note-{n}"),
            event_type: 1,
            event_name: "ORDER_STATUS_CHANGE".into(),
            event_time: 1_700_000_000,
            payload: format!(r#"{{"n":{n}}}"#),
            state: "received".into(),
            attempts: 0,
            last_error: None,
            next_attempt_at: at,
            received_at: at,
            processed_at: None,
            claim_token: None,
        }
    }

    /// The cached text with the handlers' values is exactly what sea-orm builds for the same rows.
    #[test]
    fn the_cached_insert_is_sea_orms_insert_of_the_same_rows() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let events = [event(1), event(2), event(3)];
            let expected = webhook_event::Entity::insert_many(
                events
                    .iter()
                    .map(|e| e.clone().into_active_model().reset_all()),
            )
            .on_conflict(skip_repeats())
            .build(backend);
            let mut statements = InsertStatements::new(backend);
            let values: Vec<Value> = events.iter().flat_map(row_values).collect();
            assert_eq!(statements.sql(events.len()), expected.sql, "{backend:?}");
            assert_eq!(Some(values), expected.values.map(|v| v.0), "{backend:?}");
        }
    }
}
