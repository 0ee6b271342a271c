//! SQLite under faults: a full disk, a read-only database, a write lock held
//! by another process; and schema versions.

use std::time::Duration;

use rusqlite::Connection;

use super::{MIGRATIONS, path_of};
use crate::store::{
    Action, Caller, Claim, NewEntry, Outcome, Store, StoreError, StoreTarget, UnwritableKind,
};

fn entry(update: u32) -> NewEntry {
    NewEntry::new(
        Some(update),
        Caller {
            id: 42,
            username: None,
        },
        Action::Send,
        Outcome::Pending,
    )
}

async fn pragma(store: &Store, sql: impl Into<String>) {
    let sql = sql.into();
    store
        .sqlite()
        .unwrap()
        .call(move |conn| Ok(conn.execute_batch(&sql)?))
        .await
        .unwrap();
}

async fn file_store(dir: &tempfile::TempDir) -> Store {
    Store::open(&StoreTarget::Sqlite(dir.path().join("bot.sqlite3")))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_full_disk_is_typed_writes_nothing_and_recovers_when_space_returns() {
    let dir = tempfile::tempdir().unwrap();
    let store = file_store(&dir).await;
    let pages: i64 = store
        .sqlite()
        .unwrap()
        .call(|conn| Ok(conn.query_row("PRAGMA page_count", [], |r| r.get(0))?))
        .await
        .unwrap();
    // The file may not grow: the next page a write needs is refused (SQLITE_FULL).
    pragma(&store, format!("PRAGMA max_page_count = {pages}")).await;
    let mut failures = 0;
    for update in 0..200 {
        match store.claim_with_pending(1, update, entry(update)).await {
            Ok(_) => {}
            Err(err) => {
                assert!(err.is_unwritable(), "{err:?}");
                assert!(
                    matches!(err, StoreError::Unwritable(UnwritableKind::DiskFull)),
                    "{err:?}"
                );
                assert_eq!(
                    err.to_string(),
                    "the audit log cannot be written: the disk is full"
                );
                failures += 1;
                // Neither the claim nor the row stayed: a redelivery is handled.
                pragma(&store, "PRAGMA max_page_count = 1000000").await;
                assert!(matches!(
                    store.claim_with_pending(1, update, entry(update)).await,
                    Ok(Claim::First { .. })
                ));
                break;
            }
        }
    }
    assert_eq!(failures, 1, "the size limit was never reached");
    store.check_writable().await.unwrap();
}

#[tokio::test]
async fn a_read_only_database_is_typed_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let store = file_store(&dir).await;
    pragma(&store, "PRAGMA query_only = 1").await;
    let err = store.claim_with_pending(1, 1, entry(1)).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Unwritable(UnwritableKind::ReadOnly)),
        "{err:?}"
    );
    assert!(store.check_writable().await.unwrap_err().is_unwritable());
    pragma(&store, "PRAGMA query_only = 0").await;
    assert!(matches!(
        store.claim_with_pending(1, 1, entry(1)).await,
        Ok(Claim::First { .. })
    ));
}

#[tokio::test]
async fn a_write_lock_held_by_another_process_is_typed_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bot.sqlite3");
    drop(file_store(&dir).await);
    let store = Store::open_sqlite(path.clone(), Duration::from_millis(200))
        .await
        .unwrap();
    assert_eq!(path_of(store.sqlite().unwrap()), path);

    let other = Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let err = store.claim_with_pending(1, 9, entry(9)).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Unwritable(UnwritableKind::Locked)),
        "{err:?}"
    );
    assert!(err.is_unwritable());
    other.execute_batch("ROLLBACK").unwrap();
    assert!(matches!(
        store.claim_with_pending(1, 9, entry(9)).await,
        Ok(Claim::First { .. })
    ));
}

#[tokio::test]
async fn a_newer_schema_and_a_non_database_file_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.sqlite3");
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let err = Store::open(&StoreTarget::Sqlite(path)).await.unwrap_err();
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");

    let junk = dir.path().join("notes.txt");
    std::fs::write(&junk, "x".repeat(4096)).unwrap();
    let err = Store::open(&StoreTarget::Sqlite(junk)).await.unwrap_err();
    let message = err.to_string();
    assert!(message.contains("not a SQLite database"), "{message}");
    assert!(!message.contains('\n'));
}

#[tokio::test]
async fn a_version_two_database_keeps_its_rows_through_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite3");
    let conn = Connection::open(&path).unwrap();
    for (_, sql) in &MIGRATIONS[..2] {
        conn.execute_batch(sql).unwrap();
    }
    conn.execute_batch(
        "PRAGMA user_version = 2;
         INSERT INTO audit (at, admin_id, action, outcome) VALUES ('2026-01-01T00:00:00.000Z', 5, 'send', 'sent');",
    )
    .unwrap();
    drop(conn);
    let store = Store::open(&StoreTarget::Sqlite(path.clone()))
        .await
        .unwrap();
    let rows = store.recent_audit(5).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].repeat_count, 1);
    assert!(rows[0].reply_delivered);
    let version: i64 = Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, MIGRATIONS.len() as i64);
}

#[tokio::test]
async fn backup_and_export_refuse_a_missing_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.sqlite3");
    let err = Store::open_existing(&StoreTarget::Sqlite(path.clone()))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Missing(_)), "{err}");
    assert!(!path.exists(), "nothing is created");
}

/// A tmpfs of `size` mounted on a temporary directory, unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// `None` (with a notice) where mounting is not allowed (not root, a
    /// container without the capability).
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            eprintln!(
                "notice: cannot mount a tmpfs here: the real-full-disk test is skipped (the max_page_count one still runs)"
            );
            return None;
        }
        Some(Tmpfs { dir })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test]
async fn a_really_full_disk_answers_unwritable_and_the_store_recovers_when_space_returns() {
    let Some(tmpfs) = Tmpfs::mount("1m") else {
        return;
    };
    let db = tmpfs.dir.path().join("bot.sqlite3");
    let store = Store::open(&StoreTarget::Sqlite(db)).await.unwrap();
    // Fill the file system, leaving SQLite no room to grow.
    let filler = tmpfs.dir.path().join("filler");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 4096];
        while file
            .write_all(&block)
            .and_then(|()| file.sync_all())
            .is_ok()
        {}
    }
    let mut failure = None;
    for update in 0..5_000 {
        let mut row = entry(update);
        row.error_kind = Some("x".repeat(512));
        if let Err(err) = store.claim_with_pending(1, update, row).await {
            failure = Some((update, err));
            break;
        }
    }
    let (update, err) = failure.expect("the disk never filled up");
    assert!(
        matches!(err, StoreError::Unwritable(UnwritableKind::DiskFull)),
        "{err:?}"
    );
    assert!(store.check_writable().await.unwrap_err().is_unwritable());

    std::fs::remove_file(&filler).unwrap();
    store.check_writable().await.unwrap();
    assert!(
        matches!(
            store.claim_with_pending(1, update, entry(update)).await,
            Ok(Claim::First { .. })
        ),
        "the failed claim was not kept: the redelivered update is handled"
    );
    store.close().unwrap();
}
