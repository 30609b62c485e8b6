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
    });
    if url.contains(":memory:") {
        options.max_connections(1);
    } else {
        options.max_connections(if url.starts_with("sqlite") { 8 } else { 16 });
    }
    Database::connect(options)
        .await
        .with_context(|| format!("connecting to the database ({})", redact(url)))
}

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
