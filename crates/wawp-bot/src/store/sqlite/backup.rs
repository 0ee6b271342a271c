//! `wawp-bot backup`: a consistent copy of the SQLite audit log, written so
//! that nothing but a complete copy ever appears at the target.
//!
//! The source is opened read-only; the copy (`VACUUM INTO`) goes to a
//! temporary file in the target's folder, created with mode 0600 (the log
//! holds admins' ids and masked numbers), synced, then moved to the target
//! only if nothing is there (no overwrite, never through a symbolic link),
//! and the folder synced. An interrupted backup leaves nothing at the
//! target; a retry works.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::{Connection, InterruptHandle};
use tempfile::NamedTempFile;

use super::readonly::open_read_only;
use crate::store::StoreError;

/// A backup ready to run: the source open read-only, the temporary file
/// created. Dropping it before it finishes removes the temporary file.
pub struct Backup {
    conn: Connection,
    partial: NamedTempFile,
    to: PathBuf,
    cancelled: Arc<AtomicBool>,
}

/// Stops a running [`Backup`] from another thread.
#[derive(Clone)]
pub struct BackupCanceller {
    interrupt: Arc<InterruptHandle>,
    cancelled: Arc<AtomicBool>,
}

impl BackupCanceller {
    /// Stops the copy; [`Backup::run`] then fails and leaves nothing behind.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.interrupt.interrupt();
    }
}

impl std::fmt::Debug for Backup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backup")
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

fn refuse(to: &Path, reason: &str) -> StoreError {
    StoreError::Backup {
        path: to.display().to_string(),
        reason: reason.to_owned(),
    }
}

impl Backup {
    /// Checks the target and the source, and creates the temporary file.
    pub fn prepare(source: &Path, to: &Path) -> Result<Backup, StoreError> {
        match std::fs::symlink_metadata(to) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(refuse(
                    to,
                    "it is a symbolic link; give the path of a new file",
                ));
            }
            Ok(_) => return Err(refuse(to, "it already exists; give a new file name")),
            Err(_) => {}
        }
        let name = to
            .file_name()
            .ok_or_else(|| refuse(to, "give the path of a new file, not a folder"))?;
        let dir = match to.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let conn = open_read_only(source)?;
        let partial = tempfile::Builder::new()
            .prefix(&format!(".{}.", name.to_string_lossy()))
            .suffix(".partial")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .tempfile_in(dir)
            .map_err(|e| refuse(to, &format!("cannot create a file in its folder ({e})")))?;
        Ok(Backup {
            conn,
            partial,
            to: to.to_owned(),
            cancelled: Arc::new(AtomicBool::new(false)),
        })
    }

    /// A handle that stops this backup from another thread (on a signal).
    pub fn canceller(&self) -> BackupCanceller {
        BackupCanceller {
            interrupt: Arc::new(self.conn.get_interrupt_handle()),
            cancelled: Arc::clone(&self.cancelled),
        }
    }

    /// Copies, syncs and moves the copy into place. Blocking.
    pub fn run(self) -> Result<(), StoreError> {
        let to = self.to.clone();
        let partial = self
            .partial
            .path()
            .to_str()
            .map(str::to_owned)
            .ok_or_else(|| refuse(&to, "the path is not valid UTF-8"))?;
        self.conn
            .execute("VACUUM INTO ?1", [partial])
            .map_err(|e| match self.cancelled.load(Ordering::SeqCst) {
                true => refuse(&to, "interrupted; nothing was written"),
                false => refuse(&to, &StoreError::from(e).to_string()),
            })?;
        test_pause(&self.cancelled);
        if self.cancelled.load(Ordering::SeqCst) {
            return Err(refuse(&to, "interrupted; nothing was written"));
        }
        let io = |what: &str, e: std::io::Error| refuse(&to, &format!("{what} ({e})"));
        self.partial
            .as_file()
            .sync_all()
            .map_err(|e| io("cannot sync the copy", e))?;
        let file = self
            .partial
            .persist_noclobber(&to)
            .map_err(|e| match e.error.kind() {
                std::io::ErrorKind::AlreadyExists => refuse(
                    &to,
                    "something appeared at the target meanwhile; give a new file name",
                ),
                _ => io("cannot move the copy into place", e.error),
            })?;
        drop(file);
        if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| io("cannot sync its folder", e))?;
        }
        Ok(())
    }
}

/// Tests hold a debug build between the copy and the move
/// (`WAWP_BOT_TEST_BACKUP_PAUSE_MS`), to kill it there.
fn test_pause(cancelled: &AtomicBool) {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("WAWP_BOT_TEST_BACKUP_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        let until = std::time::Instant::now() + std::time::Duration::from_millis(ms);
        while std::time::Instant::now() < until && !cancelled.load(Ordering::SeqCst) {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = cancelled;
}
