//! Opening a SQLite audit log read-only, for `audit export` and `backup`:
//! no migration, no checkpoint, no write of any kind, so that a user who may
//! only read the file can run them and the file's bytes never change.

use std::io::Write;
use std::path::Path;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::{MIGRATIONS, open_error};
use crate::store::csv::CsvSink;
use crate::store::{ExportFilter, StoreError};

/// Opens the database at `path` read-only (`mode=ro`) and checks that it is
/// a wawp-bot audit log this build can read. When SQLite cannot open its
/// shared-memory file (a read-only folder) and no write-ahead log is
/// pending, it is opened as immutable instead.
pub(crate) fn open_read_only(path: &Path) -> Result<Connection, StoreError> {
    let location = path.display().to_string();
    if !path.is_file() {
        return Err(StoreError::Missing(location));
    }
    let first =
        open_uri(path, "mode=ro").and_then(|conn| check_schema(&conn, &location).map(|()| conn));
    match first {
        Err(StoreError::Unreadable { .. }) if !wal_pending(path) => {
            let conn = open_uri(path, "immutable=1")?;
            check_schema(&conn, &location)?;
            Ok(conn)
        }
        other => other,
    }
}

fn wal_pending(path: &Path) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(wal).is_ok_and(|m| m.len() > 0)
}

/// `file:` URI for `path` with `query`, the path percent-encoded.
fn uri(path: &Path, query: &str) -> String {
    let mut out = String::from("file:");
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.push('?');
    out.push_str(query);
    out
}

fn open_uri(path: &Path, query: &str) -> Result<Connection, StoreError> {
    let location = path.display().to_string();
    Connection::open_with_flags(
        uri(path, query),
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| read_error(&location, e))
}

fn read_error(location: &str, err: rusqlite::Error) -> StoreError {
    match err.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => open_error(location, err),
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => {
            StoreError::Unreadable {
                location: location.to_owned(),
                reason: "permission denied: run it as a user who may read the file (and its -wal and -shm files, if any)".into(),
            }
        }
        _ => StoreError::Unreadable {
            location: location.to_owned(),
            reason: StoreError::from(err).to_string(),
        },
    }
}

/// The schema must be one wawp-bot made, no newer than this build.
fn check_schema(conn: &Connection, location: &str) -> Result<(), StoreError> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(|e| read_error(location, e))?;
    StoreError::check_schema(version, MIGRATIONS.len())?;
    if version == 0 {
        return Err(StoreError::Foreign {
            location: location.to_owned(),
            what: "it holds no wawp-bot audit log".into(),
        });
    }
    Ok(())
}

fn has_dry_run_column(conn: &Connection) -> Result<bool, rusqlite::Error> {
    conn.query_row(
        "SELECT count(*) FROM pragma_table_info('audit') WHERE name = 'dry_run'",
        [],
        |row| row.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// Writes the rows `filter` selects as CSV to `out`, one at a time, from
/// the database at `path` opened read-only; returns how many.
pub(crate) fn export(
    path: &Path,
    filter: &ExportFilter,
    out: impl Write,
) -> Result<u64, StoreError> {
    let location = path.display().to_string();
    let conn = open_read_only(path)?;
    let read = |e| read_error(&location, e);
    // A log from before the dry-run mark holds real sends only.
    let dry_run = if has_dry_run_column(&conn).map_err(read)? {
        "dry_run"
    } else {
        "0 AS dry_run"
    };
    let sql = format!(
        "SELECT id, at, update_id, admin_id, admin_username, action, recipient, lang, outcome, job_id, error_kind, repeat_count, reply_delivered, {dry_run}
         FROM audit WHERE at >= ?1 AND (?2 IS NULL OR at < ?2) AND (?3 OR {column} = 0) ORDER BY id",
        column = dry_run.split(' ').next().unwrap_or("0"),
    );
    let mut stmt = conn.prepare(&sql).map_err(read)?;
    let mut rows = stmt
        .query(rusqlite::params![
            super::ops::rfc3339(filter.since),
            filter.until.map(super::ops::rfc3339),
            filter.include_dry_runs,
        ])
        .map_err(read)?;
    let mut sink = CsvSink::new(out).map_err(StoreError::csv)?;
    while let Some(row) = rows.next().map_err(read)? {
        let entry = super::ops::read_entry(row).map_err(read)?;
        sink.write(&entry).map_err(StoreError::csv)?;
    }
    sink.finish().map_err(StoreError::csv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uri_escapes_what_sqlite_would_read_as_a_query() {
        assert_eq!(
            uri(Path::new("/var/a b?c#d%.db"), "mode=ro"),
            "file:/var/a%20b%3Fc%23d%25.db?mode=ro"
        );
    }
}
