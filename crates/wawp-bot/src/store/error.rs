//! Store failures, typed so that callers can tell "the audit log cannot be
//! written" (answer the admin, send nothing, try again later) from the rest.
//! `Display` is one line, without SQL and without secrets.

use std::fmt;

/// Why the store cannot write right now. Each of these clears by itself
/// (space freed, lock released, server back): the store keeps no broken
/// state, the next call tries again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnwritableKind {
    /// The disk (or the database's size limit) is full.
    DiskFull,
    /// The file, its directory or the server is read-only.
    ReadOnly,
    /// Another process held the write lock past the busy timeout.
    Locked,
    /// The database server cannot be reached.
    Unreachable,
    /// The operating system reported an I/O error.
    Io,
}

impl fmt::Display for UnwritableKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnwritableKind::DiskFull => "the disk is full",
            UnwritableKind::ReadOnly => "the database is read-only",
            UnwritableKind::Locked => "the database is locked by another process",
            UnwritableKind::Unreachable => "the database server cannot be reached",
            UnwritableKind::Io => "the database file cannot be read or written (I/O error)",
        })
    }
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The audit log cannot be written now; see [`UnwritableKind`].
    #[error("the audit log cannot be written: {0}")]
    Unwritable(UnwritableKind),
    /// The database holds tables wawp-bot did not create.
    #[error(
        "{location} is not a wawp-bot database ({what}); point WAWP_BOT_DB at a new file or an empty database"
    )]
    Foreign {
        /// The file or server.
        location: String,
        /// What was found.
        what: String,
    },
    /// The database was made by a newer wawp-bot.
    #[error(
        "the database schema is version {found}, newer than this wawp-bot knows ({known}); use a newer wawp-bot"
    )]
    TooNew {
        /// The version found.
        found: i64,
        /// The number of migrations this build has.
        known: i64,
    },
    /// No database exists where one was expected (`backup`, `audit export`).
    #[error("there is no database at {0}; check WAWP_BOT_DB")]
    Missing(String),
    /// PostgreSQL cannot be reached or refused the connection.
    #[error("cannot connect to PostgreSQL at {location}: {reason}")]
    Connect {
        /// Host, port and database, without the password.
        location: String,
        /// Why.
        reason: String,
    },
    /// `backup` on PostgreSQL.
    #[error("backup copies SQLite databases only: for PostgreSQL use pg_dump (see the README)")]
    BackupUnsupported,
    /// The backup could not be written.
    #[error("cannot write the backup {path}: {reason}")]
    Backup {
        /// The target path.
        path: String,
        /// Why.
        reason: String,
    },
    /// A read-only tool (`audit export`, `backup`) cannot read the database.
    #[error("cannot read {location}: {reason}")]
    Unreadable {
        /// The file or server.
        location: String,
        /// Why, and what to do.
        reason: String,
    },
    /// The CSV could not be written (stdout closed, disk full).
    #[error("cannot write the CSV: {0}")]
    Csv(String),
    /// The store was already closed (the bot is shutting down).
    #[error("the database is closed")]
    Closed,
    /// Anything else.
    #[error("database error: {0}")]
    Other(String),
}

impl StoreError {
    /// [`StoreError::TooNew`] when the database's schema version `found` is
    /// past the `known` migrations of this build.
    pub(crate) fn check_schema(found: i64, known: usize) -> Result<(), StoreError> {
        let known = known as i64;
        if found > known {
            return Err(StoreError::TooNew { found, known });
        }
        Ok(())
    }

    pub(crate) fn csv(err: csv::Error) -> StoreError {
        StoreError::Csv(one_line(&err))
    }

    /// `true` when the audit log cannot be written right now (full disk,
    /// read-only, locked, server gone): answer that nothing was sent.
    pub fn is_unwritable(&self) -> bool {
        matches!(self, StoreError::Unwritable(_) | StoreError::Closed)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode as C;
        let Some(code) = err.sqlite_error_code() else {
            return StoreError::Other(one_line(&err));
        };
        match code {
            C::DiskFull => StoreError::Unwritable(UnwritableKind::DiskFull),
            C::ReadOnly => StoreError::Unwritable(UnwritableKind::ReadOnly),
            C::DatabaseBusy | C::DatabaseLocked => StoreError::Unwritable(UnwritableKind::Locked),
            C::SystemIoFailure | C::CannotOpen | C::PermissionDenied => {
                StoreError::Unwritable(UnwritableKind::Io)
            }
            _ => StoreError::Other(one_line(&err)),
        }
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(err: tokio_postgres::Error) -> StoreError {
        use tokio_postgres::error::SqlState;
        match err.code() {
            Some(code) if *code == SqlState::DISK_FULL => {
                StoreError::Unwritable(UnwritableKind::DiskFull)
            }
            Some(code)
                if *code == SqlState::READ_ONLY_SQL_TRANSACTION
                    || *code == SqlState::INSUFFICIENT_PRIVILEGE =>
            {
                StoreError::Unwritable(UnwritableKind::ReadOnly)
            }
            Some(code)
                if *code == SqlState::LOCK_NOT_AVAILABLE || *code == SqlState::QUERY_CANCELED =>
            {
                StoreError::Unwritable(UnwritableKind::Locked)
            }
            Some(code)
                if code.code().starts_with("08")
                    || *code == SqlState::ADMIN_SHUTDOWN
                    || *code == SqlState::CANNOT_CONNECT_NOW
                    || *code == SqlState::TOO_MANY_CONNECTIONS =>
            {
                StoreError::Unwritable(UnwritableKind::Unreachable)
            }
            Some(code) if code.code().starts_with("53") || code.code().starts_with("58") => {
                StoreError::Unwritable(UnwritableKind::Io)
            }
            Some(_) => StoreError::Other(pg_message(&err)),
            // No SQLSTATE: the connection itself failed.
            None => StoreError::Unwritable(UnwritableKind::Unreachable),
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(err: deadpool_postgres::PoolError) -> StoreError {
        match err {
            deadpool_postgres::PoolError::Backend(err) => err.into(),
            deadpool_postgres::PoolError::Closed => StoreError::Closed,
            _ => StoreError::Unwritable(UnwritableKind::Unreachable),
        }
    }
}

/// The server's message only (not the statement, not the connection string).
pub(crate) fn pg_message(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => one_line(db.message()),
        None => one_line(err),
    }
}

fn one_line(text: &(impl fmt::Display + ?Sized)) -> String {
    text.to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}
