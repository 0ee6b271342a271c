//! `backup`: nothing but a complete copy ever appears at the target, made
//! 0600, never through a symbolic link.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use wawp_bot::store::{Action, Caller, NewEntry, Outcome, Store, StoreTarget};

use crate::{BIN, stderr, wawp_bot};

async fn small_db(dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("audit.sqlite3");
    let store = Store::open(&StoreTarget::Sqlite(db.clone())).await.unwrap();
    let caller = Caller {
        id: 7,
        username: None,
    };
    store
        .audit(NewEntry::new(Some(1), caller, Action::Send, Outcome::Sent))
        .await
        .unwrap();
    store.close().unwrap();
    db
}

fn backup(db: &std::path::Path, to: &std::path::Path) -> std::process::Output {
    wawp_bot(&["backup", to.to_str().unwrap(), "--db", db.to_str().unwrap()])
}

fn partial_files(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".partial"))
        .collect()
}

#[tokio::test]
async fn a_backup_is_created_0600() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_db(dir.path()).await;
    let to = dir.path().join("copy.sqlite3");
    let out = backup(&db, &to);
    assert!(out.status.success(), "{}", stderr(&out));
    let mode = std::fs::metadata(&to).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    assert!(partial_files(dir.path()).is_empty());
}

#[tokio::test]
async fn a_symbolic_link_at_the_target_is_refused_dangling_or_not() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_db(dir.path()).await;
    let elsewhere = dir.path().join("elsewhere.sqlite3");
    let dangling = dir.path().join("dangling.sqlite3");
    std::os::unix::fs::symlink(&elsewhere, &dangling).unwrap();
    let out = backup(&db, &dangling);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert!(!elsewhere.exists(), "the link was followed");

    std::fs::write(&elsewhere, b"keep me").unwrap();
    let out = backup(&db, &dangling);
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&elsewhere).unwrap(), b"keep me");
    assert!(partial_files(dir.path()).is_empty());
}

/// Kills `backup` between the copy and the move (the test hook holds the
/// debug build there): nothing is at the target, and a retry works.
async fn interrupted_by(signal: Signal) {
    let dir = tempfile::tempdir().unwrap();
    let db = small_db(dir.path()).await;
    let to = dir.path().join("copy.sqlite3");
    let child = Command::new(BIN)
        .args(["backup", to.to_str().unwrap(), "--db", db.to_str().unwrap()])
        .env_clear()
        .env("WAWP_BOT_TEST_BACKUP_PAUSE_MS", "60000")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the copy is written to its temporary file.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let copied = partial_files(dir.path())
            .iter()
            .any(|name| std::fs::metadata(dir.path().join(name)).is_ok_and(|m| m.len() > 0));
        if copied {
            break;
        }
        assert!(Instant::now() < deadline, "no partial copy appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    kill(Pid::from_raw(child.id() as i32), signal).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(!to.exists(), "{signal}: something was left at the target");
    if signal != Signal::SIGKILL {
        // A signal it can handle: the temporary file is gone too.
        assert!(partial_files(dir.path()).is_empty(), "{signal}");
        assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    }
    let retry = backup(&db, &to);
    assert!(retry.status.success(), "{}", stderr(&retry));
    let copy = Store::open_existing(&StoreTarget::Sqlite(to))
        .await
        .unwrap();
    assert_eq!(copy.recent_audit(5).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_backup_killed_mid_copy_leaves_nothing_at_the_target() {
    interrupted_by(Signal::SIGKILL).await;
}

#[tokio::test]
async fn a_backup_stopped_by_sigterm_or_sigint_leaves_nothing_behind() {
    interrupted_by(Signal::SIGTERM).await;
    interrupted_by(Signal::SIGINT).await;
}
