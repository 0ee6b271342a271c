//! The SQLite database: opening, durability settings, migrations, and running
//! the synchronous `rusqlite` calls off the async runtime.
//!
//! # Durability
//!
//! The database runs in WAL mode with `synchronous = FULL`: every commit
//! fsyncs the write-ahead log before it returns. A committed row therefore
//! survives not only a killed process (`SIGKILL`; WAL with `NORMAL` already
//! guarantees that) but also a power cut or kernel crash, which `NORMAL` does
//! not: it may lose the last transactions there. The price is one fsync per
//! audit row, nothing at the rate admins type commands.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

/// The migrations, applied in order; `PRAGMA user_version` holds how many ran.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_audit", include_str!("../migrations/0001_audit.sql")),
    (
        "0002_processed_updates",
        include_str!("../migrations/0002_processed_updates.sql"),
    ),
];

/// A database failure.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database was made by a newer wawp-bot.
    #[error(
        "the database schema is version {found}, newer than this wawp-bot knows ({known}); use a newer wawp-bot"
    )]
    TooNew {
        /// `user_version` found in the file.
        found: i64,
        /// The number of migrations this build has.
        known: i64,
    },
    /// The database was already closed (the bot is shutting down).
    #[error("the database is closed")]
    Closed,
    /// The blocking task running the query panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(String),
}

/// A shared handle on the bot's database. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Option<Connection>>>,
}

impl Db {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        Db::from_connection(Connection::open(path)?)
    }

    /// An in-memory database, for tests.
    pub fn open_in_memory() -> Result<Db, DbError> {
        Db::from_connection(Connection::open_in_memory()?)
    }

    fn from_connection(mut conn: Connection) -> Result<Db, DbError> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // `journal_mode` answers with the mode in force (in-memory stays "memory").
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        migrate(&mut conn)?;
        Ok(Db {
            conn: Arc::new(Mutex::new(Some(conn))),
        })
    }

    /// Runs `f` with the connection on tokio's blocking pool.
    pub async fn call<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, DbError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let conn = guard.as_mut().ok_or(DbError::Closed)?;
            f(conn)
        })
        .await
        .map_err(|e| DbError::Task(e.to_string()))?
    }

    /// Checkpoints the WAL into the main file and closes the connection.
    /// Later calls on any clone fail with [`DbError::Closed`].
    pub fn close(&self) -> Result<(), DbError> {
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
}

/// Applies the migrations not yet applied, each in its own transaction
/// together with the `user_version` bump.
fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(DbError::TooNew {
            found: version,
            known,
        });
    }
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
        tracing::info!(migration = name, "applied database migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_once_and_record_the_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bot.sqlite3");
        drop(Db::open(&path).unwrap());
        // Opening again must not re-run (CREATE TABLE would fail).
        let db = Db::open(&path).unwrap();
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        db.close().unwrap();
    }

    #[test]
    fn refuses_a_database_from_a_newer_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bot.sqlite3");
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let err = Db::open(&path).err().unwrap();
        assert!(matches!(err, DbError::TooNew { found: 99, .. }), "{err}");
    }
}
