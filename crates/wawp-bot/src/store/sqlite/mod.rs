//! The SQLite store: one connection, WAL, `synchronous = FULL`, the
//! synchronous `rusqlite` calls run on tokio's blocking pool.
//!
//! # Durability
//!
//! Every commit fsyncs the write-ahead log before it returns, so a committed
//! row survives a killed process and a power cut alike. The price is one
//! fsync per audit row, nothing at the rate admins type commands.
//!
//! # Several processes
//!
//! Writes that must be atomic (the update claim with its pending row, the
//! send limit, the refusal count, the migrations) run in `BEGIN IMMEDIATE`
//! transactions, which take the write lock first: two processes on one file
//! serialise on it instead of racing.

mod backup;
mod inbox;
mod ops;
mod outbox;
mod readonly;

pub use backup::{Backup, BackupCanceller};
pub(crate) use readonly::export;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, TransactionBehavior};

use super::StoreError;

/// The migrations, applied in order; `PRAGMA user_version` holds how many ran.
pub(super) const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_audit",
        include_str!("../../../migrations/sqlite/0001_audit.sql"),
    ),
    (
        "0002_processed_updates",
        include_str!("../../../migrations/sqlite/0002_processed_updates.sql"),
    ),
    (
        "0003_shared_limits",
        include_str!("../../../migrations/sqlite/0003_shared_limits.sql"),
    ),
    (
        "0004_inbox",
        include_str!("../../../migrations/sqlite/0004_inbox.sql"),
    ),
    (
        "0005_dry_run",
        include_str!("../../../migrations/sqlite/0005_dry_run.sql"),
    ),
];

/// Stamps every audit row a dry-run connection writes (TEMP: this
/// connection only, whichever statement inserts the row).
const STAMP_DRY_RUN: &str =
    "CREATE TEMP TRIGGER IF NOT EXISTS wawp_bot_dry_run AFTER INSERT ON main.audit
     BEGIN UPDATE main.audit SET dry_run = 1 WHERE id = NEW.id; END;";

/// How long a write waits for another process's lock before it fails with
/// [`UnwritableKind::Locked`](super::UnwritableKind::Locked).
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A shared handle on one SQLite connection. Cheap to clone.
#[derive(Clone)]
pub(crate) struct SqliteStore {
    conn: Arc<Mutex<Option<Connection>>>,
    location: Arc<str>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub(crate) fn open(path: &Path, busy_timeout: Duration) -> Result<SqliteStore, StoreError> {
        let location = path.display().to_string();
        let conn = Connection::open(path).map_err(|e| open_error(&location, e))?;
        SqliteStore::from_connection(conn, location, busy_timeout)
    }

    /// Opens an existing database read-write (for tests that reopen a copy).
    pub(crate) fn open_existing(path: &Path) -> Result<SqliteStore, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Missing(path.display().to_string()));
        }
        SqliteStore::open(path, DEFAULT_BUSY_TIMEOUT)
    }

    /// From now on, every audit row this connection writes is marked as a
    /// dry run.
    pub(crate) fn stamp_dry_runs(&self) -> Result<(), StoreError> {
        let guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let conn = guard.as_ref().ok_or(StoreError::Closed)?;
        conn.execute_batch(STAMP_DRY_RUN)?;
        Ok(())
    }

    /// An in-memory database, for tests.
    pub(crate) fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let conn = Connection::open_in_memory()?;
        SqliteStore::from_connection(conn, ":memory:".into(), DEFAULT_BUSY_TIMEOUT)
    }

    fn from_connection(
        mut conn: Connection,
        location: String,
        busy_timeout: Duration,
    ) -> Result<SqliteStore, StoreError> {
        let setup = |conn: &mut Connection| -> Result<(), rusqlite::Error> {
            conn.busy_timeout(busy_timeout)?;
            // `journal_mode` answers with the mode in force (in-memory stays
            // "memory"). Switching a fresh file to WAL while another process
            // does the same can fail with BUSY at once, without the busy
            // handler being called: retry it for as long as a write would wait.
            let _mode: String = retry_busy(busy_timeout, || {
                conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            })?;
            conn.pragma_update(None, "synchronous", "FULL")
        };
        setup(&mut conn).map_err(|e| open_error(&location, e))?;
        migrate(&mut conn, &location)?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(Some(conn))),
            location: location.into(),
        })
    }

    /// Runs `f` with the connection on tokio's blocking pool.
    pub(crate) async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let conn = guard.as_mut().ok_or(StoreError::Closed)?;
            let result = f(conn);
            if !conn.is_autocommit() {
                // A failed statement inside a transaction that was not rolled
                // back must not leave the connection stuck in it.
                let _ = conn.execute_batch("ROLLBACK");
            }
            result
        })
        .await
        .map_err(|e| StoreError::Other(format!("database task failed: {e}")))?
    }

    /// Checkpoints the WAL into the main file and closes the connection.
    pub(crate) fn close(&self) -> Result<(), StoreError> {
        let mut guard = self
            .conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(conn) = guard.take() {
            conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
            conn.close().map_err(|(_, e)| e)?;
        }
        Ok(())
    }

    /// Where the database is, for messages.
    pub(crate) fn location(&self) -> &str {
        &self.location
    }
}

pub(super) fn open_error(location: &str, err: rusqlite::Error) -> StoreError {
    match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => StoreError::Foreign {
            location: location.to_owned(),
            what: "the file is not a SQLite database".into(),
        },
        Some(rusqlite::ErrorCode::CannotOpen) => StoreError::Other(format!(
            "cannot open {location}: check that its directory exists and is writable"
        )),
        _ => err.into(),
    }
}

/// Applies the migrations not yet applied. The version is read inside an
/// immediate (write-locked) transaction, so two processes starting on one
/// fresh file never both run a migration.
/// Runs `op` again while SQLite answers BUSY or LOCKED, for at most `timeout`
/// (pauses of 1 ms doubling to 50 ms). Only for statements SQLite may refuse
/// without calling the busy handler; on the blocking pool, never on a runtime
/// worker.
fn retry_busy<T>(
    timeout: Duration,
    mut op: impl FnMut() -> Result<T, rusqlite::Error>,
) -> Result<T, rusqlite::Error> {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(1);
    loop {
        match op() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                    && Instant::now() + pause < deadline =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

fn migrate(conn: &mut Connection, location: &str) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| open_error(location, e))?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    StoreError::check_schema(version, MIGRATIONS.len())?;
    let known = MIGRATIONS.len() as i64;
    if version == 0 {
        let tables: Vec<String> = tx
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name LIMIT 3")?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        if !tables.is_empty() {
            return Err(StoreError::Foreign {
                location: location.to_owned(),
                what: format!(
                    "it holds tables wawp-bot did not create: {}",
                    tables.join(", ")
                ),
            });
        }
    }
    for (name, sql) in MIGRATIONS.iter().skip(version as usize) {
        tx.execute_batch(sql)?;
        tracing::info!(migration = name, "applied database migration");
    }
    tx.pragma_update(None, "user_version", known)?;
    tx.commit()?;
    Ok(())
}

/// The path of a database file, for tests that open a second connection.
#[cfg(test)]
pub(crate) fn path_of(store: &SqliteStore) -> std::path::PathBuf {
    std::path::PathBuf::from(store.location())
}

#[cfg(test)]
mod tests;
