//! Database connection: SQLite (WAL) by default, PostgreSQL when `DATABASE_URL` says so.

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    if let Some(path) = sqlite_file(url) {
        if let Some(dir) = std::path::Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the database folder {}", dir.display()))?;
        }
    }
    let mut options = options(url);
    // PostgreSQL plans each statement with its values. sqlx keeps prepared statements per
    // connection, and a generic plan made while a table was near empty (a first sync) would go on
    // scanning a whole shop's rows per lookup once the table is large, until an ANALYZE replans it
    // (never, with autovacuum off): that made a full sync slow down quadratically.
    options.map_sqlx_postgres_opts(|o| o.options([("plan_cache_mode", "force_custom_plan")]));
    if in_memory(url) {
        options.max_connections(1);
    } else {
        options.max_connections(if url.starts_with("sqlite") { 8 } else { 16 });
    }
    Database::connect(options)
        .await
        .with_context(|| format!("connecting to the database ({})", redact(url)))
}

/// The webhook writer's own pool of one connection (the database `connect` opened, for an in-memory
/// SQLite, which a second pool would not see). Its own, so that a sync holding every connection of
/// the main pool never keeps TikTok's delivery waiting for one. Its statements (the INSERT, and now
/// and then a lookup by id) have no plan to get wrong, so PostgreSQL keeps the plans it made instead
/// of planning every batch again.
pub async fn connect_webhook_writer(
    url: &str,
    main: &DatabaseConnection,
) -> anyhow::Result<DatabaseConnection> {
    if in_memory(url) {
        return Ok(main.clone());
    }
    let mut options = options(url);
    options.min_connections(1).max_connections(1);
    Database::connect(options)
        .await
        .with_context(|| format!("connecting to the database ({})", redact(url)))
}

/// Whether the URL names an in-memory SQLite database, which only the pool that opened it sees.
pub fn in_memory(url: &str) -> bool {
    url.contains(":memory:")
}

/// Keeps the planner's statistics fresh, so the ERP's reads keep their plans as the tables grow
/// (nobody is expected to run ANALYZE by hand): the order tables, which grow by thousands of rows a
/// sync, are analyzed whole on both databases (autovacuum may be off on PostgreSQL). On SQLite not
/// with a sample (`PRAGMA optimize`'s row limit): a sample of one shop's index entries made SQLite
/// count a few hundred orders per shop and scan a shop's orders where a handful of key lookups would
/// do. A whole ANALYZE reads each index once: about 3 s at a million orders.
pub async fn refresh_statistics(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    use sea_orm::ConnectionTrait;
    const TABLES: [&str; 4] = [
        "tiktok_orders",
        "tiktok_order_lines",
        "tiktok_order_packages",
        "order_status_history",
    ];
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            db.execute_unprepared(&format!("ANALYZE {}", TABLES.join(", ")))
                .await?;
        }
        _ => {
            for table in TABLES {
                db.execute_unprepared(&format!("ANALYZE {table}")).await?;
            }
        }
    }
    Ok(())
}

/// SQLite's "database is locked" (SQLITE_BUSY, SQLITE_LOCKED): another connection held the lock
/// past the busy timeout. Worth running again; it says nothing about the work.
pub fn is_lock_contention(e: &sea_orm::DbErr) -> bool {
    let text = e.to_string();
    text.contains("database is locked") || text.contains("database table is locked")
}

/// What every pool shares.
fn options(url: &str) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    // Ping only a connection idle long enough to have been dropped, not one in use a moment ago:
    // a ping on every checkout is a round trip more for every query.
    options.test_before_acquire_if_idle_for(Duration::from_secs(30));
    // Set on every pooled connection (a PRAGMA run once would reach only one of them). WAL lets
    // readers and the writer work at once; a busy timeout waits for the write lock instead of failing.
    // In WAL, synchronous=NORMAL syncs at checkpoints, not at every commit: a commit survives the
    // process crashing, and only an OS crash or power loss can take back the last few.
    options.map_sqlx_sqlite_opts(|o| {
        o.journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
            // Read pages through a memory map: in WAL every commit by another connection drops a
            // connection's page cache, and re-reading each page with a read() call was a good part
            // of the receiver's and the processor's time.
            .pragma("mmap_size", MMAP_BYTES.to_string())
            // A multi-row upsert keeps a statement journal; past 64 KiB SQLite spilled it to a
            // temporary file, created and unlinked on every sync page. In memory it is a buffer.
            .pragma("temp_store", "MEMORY")
            // Checkpoint when the WAL holds this many pages, not SQLite's 1,000: a sync page dirties
            // about that many index pages, so the default copied every page to the database file
            // (and synced it) after nearly every commit, and a hot page once per commit. The file is
            // cut back to the limit after a checkpoint.
            .pragma("wal_autocheckpoint", WAL_CHECKPOINT_PAGES.to_string())
            .pragma(
                "journal_size_limit",
                (WAL_CHECKPOINT_PAGES * 4096).to_string(),
            )
    });
    if url.starts_with("postgres") {
        // Until sqlx sets TCP_NODELAY again, each new connection of the pool sets it (`tcp_nodelay`).
        let peers = std::sync::Arc::new(crate::tcp_nodelay::database_addresses(url));
        options.map_sqlx_postgres_pool_opts(move |pool| {
            let peers = peers.clone();
            pool.after_connect(move |_, _| {
                let peers = peers.clone();
                Box::pin(async move {
                    crate::tcp_nodelay::set_on_sockets_to(&peers);
                    Ok(())
                })
            })
        });
    }
    options
}

/// Up to this much of a SQLite database file is read through a memory map.
const MMAP_BYTES: u64 = 256 * 1024 * 1024;
/// WAL pages (4 KiB) before an automatic checkpoint: 64 MiB.
const WAL_CHECKPOINT_PAGES: u64 = 16 * 1024;

pub async fn migrate_up(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("applying migrations")
}

fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && !path.contains(":memory:")).then_some(path)
}

/// A database URL for logs and errors: the password replaced.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ConnectionTrait, Database};

    /// SQLite's own refusal (another connection holds the write lock, no time to wait) is told
    /// apart from other database errors.
    #[tokio::test]
    async fn sqlite_lock_contention_is_recognised() {
        let path = std::env::temp_dir().join(format!("ocean-lock-{}.db", std::process::id()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut holder = ConnectOptions::new(url.clone());
        holder.max_connections(1);
        let holder = Database::connect(holder).await.unwrap();
        let mut waiter = ConnectOptions::new(url);
        waiter
            .max_connections(1)
            .map_sqlx_sqlite_opts(|o| o.busy_timeout(Duration::ZERO));
        let waiter = Database::connect(waiter).await.unwrap();
        holder
            .execute_unprepared("CREATE TABLE t (x INTEGER)")
            .await
            .unwrap();
        holder.execute_unprepared("BEGIN IMMEDIATE").await.unwrap();
        let locked = waiter
            .execute_unprepared("INSERT INTO t VALUES (1)")
            .await
            .unwrap_err();
        assert!(is_lock_contention(&locked), "{locked}");
        let other = waiter
            .execute_unprepared("INSERT INTO missing VALUES (1)")
            .await
            .unwrap_err();
        assert!(!is_lock_contention(&other), "{other}");
        holder.execute_unprepared("ROLLBACK").await.unwrap();
        drop((holder, waiter));
        let _ = std::fs::remove_file(&path);
    }
}
