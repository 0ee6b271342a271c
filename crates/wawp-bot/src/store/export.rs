//! `audit export` (read-only, streamed) and the dry-run mark that decides
//! which rows it leaves out.

use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;

use super::{StoreError, StoreTarget, postgres, sqlite};

/// Whether the process writing to the store is a dry run: a dry-run store
/// marks every audit row it writes (column `dry_run`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Runs {
    /// Real sends.
    #[default]
    Real,
    /// `--sandbox`: no WhatsApp message leaves the machine.
    DryRun,
}

/// Which rows `audit export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportFilter {
    /// The first instant exported.
    pub since: DateTime<Utc>,
    /// Rows written before this instant only, if set.
    pub until: Option<DateTime<Utc>>,
    /// Dry-run rows too (`--include-dry-runs`).
    pub include_dry_runs: bool,
}

/// Writes the audit rows `filter` selects as CSV to `out`, streaming them
/// (memory stays bounded however long the log), without writing to the
/// database: SQLite is opened read-only, PostgreSQL read in a read-only
/// transaction without migrating. Returns how many rows were written.
pub async fn export_csv(
    target: &StoreTarget,
    filter: ExportFilter,
    out: impl std::io::Write + Send + 'static,
) -> Result<u64, StoreError> {
    match target {
        StoreTarget::Sqlite(path) => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || sqlite::export(&path, &filter, out))
                .await
                .map_err(|e| StoreError::Other(e.to_string()))?
        }
        StoreTarget::Postgres(url) => postgres::export(url.expose_secret(), &filter, out).await,
    }
}
