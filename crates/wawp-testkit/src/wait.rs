//! Waiting for something to become true, and signalling child processes.

use std::time::{Duration, Instant};

/// The default deadline of the waits in this crate.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(10);

/// Polls `check` every 10 ms until it returns `Some`, or panics with
/// `what` after `deadline`.
pub async fn until<T>(what: &str, deadline: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + deadline;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            Instant::now() < end,
            "timed out after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The blocking twin of [`until`], for tests without a runtime.
pub fn until_blocking<T>(
    what: &str,
    deadline: Duration,
    mut check: impl FnMut() -> Option<T>,
) -> T {
    let end = Instant::now() + deadline;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            Instant::now() < end,
            "timed out after {deadline:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sends `signal` (e.g. `"TERM"`, `"INT"`, `"KILL"`) to process `pid` with
/// the system's `kill` command; panics if it fails.
pub fn signal(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .expect("the kill command runs");
    assert!(status.success(), "kill -{signal} {pid} failed");
}

/// Waits up to `deadline` for `child` to exit; `None` if it is still running.
pub fn wait_exit(
    child: &mut std::process::Child,
    deadline: Duration,
) -> Option<std::process::ExitStatus> {
    let end = Instant::now() + deadline;
    loop {
        if let Some(status) = child.try_wait().expect("the child can be waited on") {
            return Some(status);
        }
        if Instant::now() >= end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
