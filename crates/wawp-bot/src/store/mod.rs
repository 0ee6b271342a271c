//! The bot's store: the audit log, update claims, send limits and refusal
//! counts, in SQLite (one process) or PostgreSQL (several replicas).
//!
//! [`Store`] is one type over both backends; every method means the same on
//! each, and one test suite runs against both. What must be atomic is one
//! transaction in the store, so replicas sharing a database agree:
//!
//! - [`Store::claim_with_pending`]: the update claim and the `pending` audit
//!   row commit together, before Wawp is called. A repeat delivery (a restart,
//!   a webhook retried to another replica) finds the claim and does nothing.
//! - [`Store::try_acquire_send`]: the per-admin send limit, a sliding window
//!   in wall-clock time, exact under concurrent acquirers.
//! - [`Store::inbox_put`] / [`Store::inbox_take`]: the inbox, the queue of
//!   acknowledged updates, leased to workers a chat's rows in order.
//! - [`Store::note_refusal`]: at most one audit row per refused user and
//!   window, with a count.
//!
//! Errors are typed: [`StoreError::is_unwritable`] tells "the audit log
//! cannot be written" (full disk, read-only, locked, server gone) from the
//! rest; the store keeps no broken state and the next call tries again.

mod clock;
mod csv;
mod error;
mod export;
mod model;
mod postgres;
mod sqlite;
#[cfg(test)]
mod suite;

use std::collections::BTreeSet;
use std::fmt;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

pub use clock::{Clock, ManualClock, SystemClock};
pub use csv::{CSV_HEADER, CsvSink, neutralise_cell, write_csv};
pub use error::{StoreError, UnwritableKind};
pub use export::{ExportFilter, Runs, export_csv};
pub use inbox::{InboxRow, NewInboxRow};
pub use model::{
    Action, Caller, Claim, Entry, NewEntry, Outcome, PendingReport, RefusalTally, SendPermit,
};
pub use outbox::{NewReply, OutboxRow, ReplyBudget};
pub use sqlite::{Backup, BackupCanceller, DEFAULT_BUSY_TIMEOUT};

use postgres::PgStore;
use sqlite::SqliteStore;

/// How long claimed update ids are kept: Telegram keeps undelivered updates
/// for 24 hours, and the bot ignores old commands anyway.
pub const KEEP_CLAIMS: Duration = Duration::from_secs(48 * 3600);

/// The per-admin send limit the handlers apply with
/// [`Store::try_acquire_send`]: `limit` sends in any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLimit {
    /// Sends per window (`--send-limit`).
    pub limit: NonZeroU32,
    /// The sliding window, one minute.
    pub window: Duration,
}

/// Where the store is: the `--db` / `WAWP_BOT_DB` setting.
#[derive(Debug, Clone)]
pub enum StoreTarget {
    /// A SQLite file, created if missing.
    Sqlite(PathBuf),
    /// A `postgres://` or `postgresql://` URL (may hold a password).
    Postgres(SecretString),
}

impl StoreTarget {
    /// Reads the setting: a `postgres://` URL or a SQLite path. The error
    /// says what is wrong without repeating the value.
    pub fn parse(text: &str) -> Result<StoreTarget, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("it is empty: give a SQLite file path or a postgres:// URL".into());
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            text.parse::<tokio_postgres::Config>().map_err(|_| {
                "it is not a valid PostgreSQL URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE)"
                    .to_owned()
            })?;
            return Ok(StoreTarget::Postgres(SecretString::from(text.to_owned())));
        }
        if text.contains("://") {
            return Err("only postgres:// URLs and SQLite file paths are supported".into());
        }
        Ok(StoreTarget::Sqlite(PathBuf::from(text)))
    }
}

impl fmt::Display for StoreTarget {
    /// The path, or the URL without its password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreTarget::Sqlite(path) => write!(f, "{}", path.display()),
            StoreTarget::Postgres(url) => match url.expose_secret().parse() {
                Ok(config) => f.write_str(&postgres::describe(&config)),
                Err(_) => f.write_str("postgres://…"),
            },
        }
    }
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// A handle on the store. Cheap to clone, `Send + Sync`.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// Calls the same method on whichever backend.
macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match &$self.backend {
            Backend::Sqlite(s) => s.$method($($arg),*).await,
            Backend::Postgres(p) => p.$method($($arg),*).await,
        }
    };
}

// After the macro: they use `dispatch!`.
mod inbox;
mod outbox;

impl Store {
    /// Opens the store (creating a SQLite file if missing) and brings its
    /// schema up to date. Several processes may do this at once.
    pub async fn open(target: &StoreTarget) -> Result<Store, StoreError> {
        Store::open_as(target, Runs::Real).await
    }

    /// [`Store::open`] for a process that `runs` real sends or a dry run: a
    /// dry-run store marks every audit row it writes.
    pub async fn open_as(target: &StoreTarget, runs: Runs) -> Result<Store, StoreError> {
        let dry_run = runs == Runs::DryRun;
        match target {
            StoreTarget::Sqlite(path) => {
                let store = Store::open_sqlite(path.clone(), DEFAULT_BUSY_TIMEOUT).await?;
                if let (true, Backend::Sqlite(s)) = (dry_run, &store.backend) {
                    s.stamp_dry_runs()?;
                }
                Ok(store)
            }
            StoreTarget::Postgres(url) => Ok(Store::new(Backend::Postgres(
                PgStore::open(url.expose_secret(), dry_run).await?,
            ))),
        }
    }

    /// Opens a store that must exist already, read-write (tests).
    pub async fn open_existing(target: &StoreTarget) -> Result<Store, StoreError> {
        match target {
            StoreTarget::Sqlite(path) => {
                let path = path.clone();
                let store = tokio::task::spawn_blocking(move || SqliteStore::open_existing(&path))
                    .await
                    .map_err(|e| StoreError::Other(e.to_string()))??;
                Ok(Store::new(Backend::Sqlite(store)))
            }
            StoreTarget::Postgres(_) => Store::open(target).await,
        }
    }

    /// Opens a SQLite file with a given busy timeout (how long a write waits
    /// for another process's lock).
    pub async fn open_sqlite(path: PathBuf, busy_timeout: Duration) -> Result<Store, StoreError> {
        let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path, busy_timeout))
            .await
            .map_err(|e| StoreError::Other(e.to_string()))??;
        Ok(Store::new(Backend::Sqlite(store)))
    }

    /// An in-memory SQLite store, for tests.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Ok(Store::new(Backend::Sqlite(SqliteStore::open_in_memory()?)))
    }

    fn new(backend: Backend) -> Store {
        Store {
            backend,
            clock: Arc::new(SystemClock),
        }
    }

    /// The same store, counting windows and stamping rows with `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Store {
        self.clock = clock;
        self
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn kind(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The file path, or the server and database (never a password).
    pub fn location(&self) -> &str {
        match &self.backend {
            Backend::Sqlite(s) => s.location(),
            Backend::Postgres(p) => p.location(),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Claims `update_id` for `bot_id`: `true` the first time, `false` for a
    /// repeat. The claim is committed before this returns.
    pub async fn claim_update(&self, bot_id: u64, update_id: u32) -> Result<bool, StoreError> {
        let now = self.now();
        dispatch!(self.claim_update(bot_id, update_id, now))
    }

    /// Claims the update and appends its `pending` audit row in one
    /// transaction (SQLite: `BEGIN IMMEDIATE`), committed before this
    /// returns. Call Wawp only on [`Claim::First`].
    pub async fn claim_with_pending(
        &self,
        bot_id: u64,
        update_id: u32,
        entry: NewEntry,
    ) -> Result<Claim, StoreError> {
        let now = self.now();
        dispatch!(self.claim_with_pending(bot_id, update_id, entry, now))
    }

    /// Appends a row and commits it; returns its id.
    pub async fn audit(&self, mut entry: NewEntry) -> Result<i64, StoreError> {
        let now = self.now();
        entry.job_id = entry.job_id.map(|job| crate::server_text::clean(&job));
        dispatch!(self.audit(entry, now))
    }

    /// Records the outcome of a `pending` row and commits it.
    pub async fn finish_audit(
        &self,
        id: i64,
        outcome: Outcome,
        job_id: Option<String>,
        error_kind: Option<String>,
    ) -> Result<(), StoreError> {
        // Wawp's job id is server text: stored cleaned and bounded.
        let job_id = job_id.map(|job| crate::server_text::clean(&job));
        dispatch!(self.finish_audit(id, outcome, job_id, error_kind))
    }

    /// Records that the reply to row `id` could not be delivered.
    pub async fn mark_reply_undelivered(&self, id: i64) -> Result<(), StoreError> {
        dispatch!(self.mark_reply_undelivered(id))
    }

    /// The last `n` rows of anyone, newest first.
    pub async fn recent_audit(&self, n: u32) -> Result<Vec<Entry>, StoreError> {
        dispatch!(self.recent_audit(n))
    }

    /// The last `n` rows of the given admins, newest first: what non-admins
    /// do never pushes these out.
    pub async fn admin_history(
        &self,
        admins: &BTreeSet<u64>,
        n: u32,
    ) -> Result<Vec<Entry>, StoreError> {
        dispatch!(self.admin_history(admins, n))
    }

    /// Rows still `pending`: at startup, those a crash left ("outcome unknown").
    pub async fn pending(&self) -> Result<PendingReport, StoreError> {
        dispatch!(self.pending())
    }

    /// Counts one send for `admin_id` if fewer than `limit` were counted in
    /// the last `window` (wall-clock), atomically across processes.
    pub async fn try_acquire_send(
        &self,
        admin_id: u64,
        limit: NonZeroU32,
        window: Duration,
    ) -> Result<SendPermit, StoreError> {
        let now = self.now();
        dispatch!(self.try_acquire_send(admin_id, limit, window, now))
    }

    /// Counts a refusal of `entry.caller`: the first in a `window` appends
    /// `entry` as an audit row; later ones in the same window only raise that
    /// row's `repeat_count`.
    pub async fn note_refusal(
        &self,
        entry: NewEntry,
        window: Duration,
    ) -> Result<RefusalTally, StoreError> {
        let now = self.now();
        dispatch!(self.note_refusal(entry, window, now))
    }

    /// Forgets update claims and done inbox rows older than `age`; returns
    /// how many.
    pub async fn prune_claims(&self, age: Duration) -> Result<u64, StoreError> {
        let cutoff = self.cutoff(age);
        let claims = dispatch!(self.prune_claims(cutoff))?;
        let cutoff_ms = cutoff.timestamp_millis();
        let rows = dispatch!(self.inbox_prune(cutoff_ms))?;
        let replies = dispatch!(self.outbox_prune(cutoff_ms))?;
        Ok(claims + rows + replies)
    }

    /// Deletes audit rows older than `older_than` (`--audit-retention-days`);
    /// returns how many.
    pub async fn prune_audit(&self, older_than: Duration) -> Result<u64, StoreError> {
        let cutoff = self.cutoff(older_than);
        dispatch!(self.prune_audit(cutoff))
    }

    /// Every row written at or after `since`, oldest first.
    pub async fn audit_since(&self, since: DateTime<Utc>) -> Result<Vec<Entry>, StoreError> {
        dispatch!(self.audit_since(since))
    }

    /// Commits a small write: `Ok` when the audit log can be written now.
    pub async fn check_writable(&self) -> Result<(), StoreError> {
        let now = self.now();
        dispatch!(self.check_writable(now))
    }

    /// Remembers that `admin_id`'s command menu was registered: `true` the
    /// first time.
    pub async fn remember_admin_menu(
        &self,
        bot_id: u64,
        admin_id: u64,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        dispatch!(self.remember_admin_menu(bot_id, admin_id, now))
    }

    /// Writes a consistent copy of a SQLite store to `to` (a new file), safe
    /// while the bot runs. PostgreSQL: [`StoreError::BackupUnsupported`].
    pub async fn backup(&self, to: &Path) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => {
                let (from, to) = (PathBuf::from(s.location()), to.to_owned());
                tokio::task::spawn_blocking(move || Backup::prepare(&from, &to)?.run())
                    .await
                    .map_err(|e| StoreError::Other(e.to_string()))?
            }
            Backend::Postgres(_) => Err(StoreError::BackupUnsupported),
        }
    }

    /// Closes the store (SQLite: checkpoints the WAL). Later calls on any
    /// clone fail with [`StoreError::Closed`].
    pub fn close(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => s.close(),
            Backend::Postgres(p) => {
                p.close();
                Ok(())
            }
        }
    }

    fn cutoff(&self, age: Duration) -> DateTime<Utc> {
        let age = chrono::Duration::from_std(age).unwrap_or(chrono::Duration::MAX);
        self.now()
            .checked_sub_signed(age)
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    #[cfg(test)]
    pub(crate) fn sqlite(&self) -> Option<&SqliteStore> {
        match &self.backend {
            Backend::Sqlite(s) => Some(s),
            Backend::Postgres(_) => None,
        }
    }
}
