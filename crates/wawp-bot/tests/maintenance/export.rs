//! `audit export`: spreadsheet-safe cells, a read-only database left
//! byte-for-byte as it was, real dates only, dry runs left out.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::process::Command;

use wawp_bot::store::{Action, Caller, NewEntry, Outcome, Runs, Store, StoreTarget};

use crate::{BIN, row_at, stderr, wawp_bot};

const DANGEROUS: [&str; 6] = ["=", "+", "-", "@", "\t", "\r"];

fn export(db: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["audit", "export", "--since", "2020-01-01", "--db"];
    args.push(db.to_str().unwrap());
    args.extend_from_slice(extra);
    wawp_bot(&args)
}

fn read_csv(bytes: &[u8]) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(bytes)
        .records()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[tokio::test]
async fn cells_a_spreadsheet_would_evaluate_are_neutralised_and_read_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.sqlite3");
    let store = Store::open(&StoreTarget::Sqlite(db.clone())).await.unwrap();
    for (n, start) in DANGEROUS.iter().enumerate() {
        let caller = Caller {
            id: 40 + n as u64,
            username: Some(format!("{start}HYPERLINK(\"http://evil\";\"x\")")),
        };
        let id = store
            .audit(NewEntry::new(
                Some(n as u32),
                caller,
                Action::Send,
                Outcome::Pending,
            ))
            .await
            .unwrap();
        let job = format!("{start}cmd|' /C calc'!A0,=1+1;@SUM(1)");
        store
            .finish_audit(id, Outcome::Sent, Some(job), None)
            .await
            .unwrap();
    }
    store.close().unwrap();

    let out = export(&db, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = read_csv(&out.stdout);
    assert_eq!(rows.len(), DANGEROUS.len());
    for (row, start) in rows.iter().zip(DANGEROUS) {
        let username = &row[4];
        let job_id = &row[9];
        // The original follows the quote.
        assert_eq!(
            username,
            format!("'{start}HYPERLINK(\"http://evil\";\"x\")")
        );
        // The job id is server text, cleaned like everywhere else: a leading
        // TAB or CR becomes a space, which no spreadsheet evaluates.
        let expected = match start {
            "\t" | "\r" => " cmd|' /C calc'!A0,=1+1;@SUM(1)".to_owned(),
            _ => format!("'{start}cmd|' /C calc'!A0,=1+1;@SUM(1)"),
        };
        assert_eq!(job_id, expected);
    }
    // Every cell is quoted: a `;` or `,` inside one never starts a new cell.
    let text = String::from_utf8(out.stdout).unwrap();
    let first_row = text.lines().nth(1).unwrap();
    assert!(first_row.starts_with("\"1\",\""), "{first_row}");
}

#[tokio::test]
async fn a_read_only_user_exports_a_read_only_file_that_stays_byte_for_byte_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("ro");
    std::fs::create_dir(&folder).unwrap();
    let db = folder.join("audit.sqlite3");
    let (store, clock) = crate::store_on_a_clock(&db).await;
    row_at(&store, &clock, 5, 42).await;
    store.close().unwrap();
    let before = std::fs::read(&db).unwrap();
    let listing = |dir: &std::path::Path| {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    let files_before = listing(&folder);
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();

    let mut command = Command::new(BIN);
    command
        .args(["audit", "export", "--since", "2020-01-01", "--db"])
        .arg(&db)
        .env_clear();
    // Root ignores permission bits: run the export as `nobody`, a user
    // that may only read the file (the read-only open is what keeps the
    // bytes unchanged, for root too).
    if std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&db).unwrap()) == 0 {
        command.uid(65534).gid(65534);
    }
    let out = command.output().unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_csv(&out.stdout).len(), 1);
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the database file changed"
    );
    assert_eq!(listing(&folder), files_before);
}

#[test]
fn a_date_past_year_9999_is_refused_with_one_line() {
    let out = wawp_bot(&[
        "audit",
        "export",
        "--since",
        "+10000-01-01",
        "--db",
        "/nonexistent",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains("--since is invalid") && message.contains("9999"),
        "{message}"
    );
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn dry_run_rows_are_marked_and_left_out_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let db = StoreTarget::Sqlite(dir.path().join("audit.sqlite3"));
    let caller = |id| Caller { id, username: None };
    let real = Store::open_as(&db, Runs::Real).await.unwrap();
    real.audit(NewEntry::new(
        Some(1),
        caller(1),
        Action::Send,
        Outcome::Sent,
    ))
    .await
    .unwrap();
    let dry = Store::open_as(&db, Runs::DryRun).await.unwrap();
    dry.audit(NewEntry::new(
        Some(2),
        caller(2),
        Action::Send,
        Outcome::Sent,
    ))
    .await
    .unwrap();
    dry.note_refusal(
        NewEntry::new(Some(3), caller(3), Action::Send, Outcome::Refused),
        std::time::Duration::from_secs(60),
    )
    .await
    .unwrap();
    let rows = real.recent_audit(10).await.unwrap();
    let marks: Vec<(u64, bool)> = rows.iter().map(|r| (r.caller.id, r.dry_run)).collect();
    assert_eq!(marks, [(3, true), (2, true), (1, false)]);
    real.close().unwrap();
    dry.close().unwrap();

    let StoreTarget::Sqlite(path) = &db else {
        unreachable!()
    };
    let out = export(path, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ids: Vec<String> = read_csv(&out.stdout)
        .iter()
        .map(|r| r[3].to_owned())
        .collect();
    assert_eq!(ids, ["1"]);
    let out = export(path, &["--include-dry-runs"]);
    let rows = read_csv(&out.stdout);
    let marks: Vec<(&str, &str)> = rows.iter().map(|r| (&r[3], &r[13])).collect();
    assert_eq!(marks, [("1", "false"), ("2", "true"), ("3", "true")]);
}
