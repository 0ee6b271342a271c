//! `wawp-bot backup` and `wawp-bot audit export` through the real binary,
//! and several processes migrating one fresh database at once.

mod backup;
mod export;

use std::process::{Command, Output};
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use wawp_bot::store::{Action, Caller, ManualClock, NewEntry, Outcome, Store, StoreTarget};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_wawp-bot");

pub(crate) fn wawp_bot(args: &[&str]) -> Output {
    Command::new(BIN).args(args).env_clear().output().unwrap()
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub(crate) async fn row_at(store: &Store, clock: &ManualClock, day: u32, admin: u64) {
    let at = Utc.with_ymd_and_hms(2026, 1, day, 12, 0, 0).unwrap();
    let now = wawp_bot::store::Clock::now(clock);
    clock.advance((at - now).to_std().unwrap_or_default());
    let caller = Caller {
        id: admin,
        username: Some("alice".into()),
    };
    let mut entry = NewEntry::new(Some(day), caller, Action::Send, Outcome::Sent);
    entry.recipient = Some("+201234567890".parse().unwrap());
    store.audit(entry).await.unwrap();
}

/// A SQLite store at `db` whose rows are stamped by a manual clock set to
/// 2025-12-01.
pub(crate) async fn store_on_a_clock(db: &std::path::Path) -> (Store, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::at(
        Utc.with_ymd_and_hms(2025, 12, 1, 0, 0, 0).unwrap(),
    ));
    let store = Store::open(&StoreTarget::Sqlite(db.to_owned()))
        .await
        .unwrap()
        .with_clock(clock.clone());
    (store, clock)
}

#[tokio::test]
async fn backup_writes_a_copy_that_opens_and_holds_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.sqlite3");
    // The bot's own handle stays open (as while it runs) during the backup.
    let (store, clock) = store_on_a_clock(&db).await;
    row_at(&store, &clock, 5, 42).await;
    row_at(&store, &clock, 20, 43).await;

    let copy = dir.path().join("copy.sqlite3");
    let out = wawp_bot(&[
        "backup",
        copy.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));

    let copied = Store::open_existing(&StoreTarget::Sqlite(copy.clone()))
        .await
        .unwrap();
    let rows = copied.recent_audit(10).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].caller.id, 43);
    assert_eq!(rows[1].recipient.as_deref(), Some("+20•••••7890"));

    let again = wawp_bot(&[
        "backup",
        copy.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    store.close().unwrap();
}

#[tokio::test]
async fn audit_export_prints_the_rows_since_a_date_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.sqlite3");
    let (store, clock) = store_on_a_clock(&db).await;
    row_at(&store, &clock, 5, 42).await;
    row_at(&store, &clock, 20, 43).await;
    store.close().unwrap();

    let out = wawp_bot(&[
        "audit",
        "export",
        "--since",
        "2026-01-10",
        "--db",
        db.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[0].starts_with(r#""id","at","update_id","admin_id","#),
        "{csv}"
    );
    assert_eq!(
        lines[1],
        r#""2","2026-01-20T12:00:00.000Z","20","43","alice","send","'+20•••••7890","","sent","","","1","true","false""#
    );
}

#[test]
fn a_missing_or_foreign_database_is_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo.sqlite3");
    let out = wawp_bot(&[
        "audit",
        "export",
        "--since",
        "2026-01-01",
        "--db",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).lines().count(), 1);
    assert!(
        stderr(&out).contains("there is no database at"),
        "{}",
        stderr(&out)
    );
    assert!(!missing.exists());

    let foreign = dir.path().join("other.sqlite3");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE audit (id INTEGER PRIMARY KEY, note TEXT);")
        .unwrap();
    let out = wawp_bot(&[
        "backup",
        dir.path().join("c").to_str().unwrap(),
        "--db",
        foreign.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains("is not a wawp-bot database") && message.contains("audit"),
        "{message}"
    );
}

#[test]
fn several_handles_migrate_one_fresh_database_without_racing() {
    for _ in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("fresh.sqlite3");
        std::fs::write(&db, b"").unwrap();
        let openers: Vec<_> = (0..6)
            .map(|_| {
                let db = db.clone();
                std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    runtime.block_on(async {
                        let store = Store::open(&StoreTarget::Sqlite(db)).await?;
                        store.close()
                    })
                })
            })
            .collect();
        for opener in openers {
            opener.join().unwrap().unwrap();
        }
        let out = wawp_bot(&[
            "audit",
            "export",
            "--since",
            "2020-01-01",
            "--db",
            db.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
}

#[test]
fn backup_on_postgresql_points_to_pg_dump() {
    let Some(url) = wawp_testkit::postgres::test_url("the PostgreSQL backup test") else {
        return;
    };
    let out = Command::new(BIN)
        .args(["backup", "/tmp/never-written.sqlite3"])
        .env_clear()
        .env("WAWP_BOT_DB", &url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("pg_dump"), "{}", stderr(&out));
    let password = url
        .split(':')
        .nth(2)
        .and_then(|p| p.split('@').next())
        .unwrap_or("");
    assert!(password.is_empty() || !stderr(&out).contains(&format!(":{password}@")));
}

#[tokio::test]
async fn audit_export_works_on_postgresql() {
    let Some(url) = wawp_testkit::postgres::test_url("the PostgreSQL export test") else {
        return;
    };
    // A schema of its own (the store tests drop it once this process has ended).
    let schema = format!("store_test_{}_export", std::process::id());
    let url = wawp_testkit::postgres::fresh_schema(&url, &schema).await;

    let clock = Arc::new(ManualClock::at(
        Utc.with_ymd_and_hms(2025, 12, 1, 0, 0, 0).unwrap(),
    ));
    let store = Store::open(&StoreTarget::parse(&url).unwrap())
        .await
        .unwrap()
        .with_clock(clock.clone());
    row_at(&store, &clock, 5, 42).await;
    row_at(&store, &clock, 20, 43).await;
    store.close().unwrap();

    let out = Command::new(BIN)
        .args(["audit", "export", "--since", "2026-01-10T00:00:00Z"])
        .env_clear()
        .env("WAWP_BOT_DB", &url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert_eq!(
        lines[1],
        r#""2","2026-01-20T12:00:00.000Z","20","43","alice","send","'+20•••••7890","","sent","","","1","true","false""#
    );
}
