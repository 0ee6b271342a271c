//! Capturing every log line of a test binary.

use std::io::{self, Write};
use std::sync::{Mutex, OnceLock};

/// The filter [`capture`] uses unless `WAWP_TEST_LOG` says otherwise: debug,
/// except noisy transport crates and the sandbox (which logs codes on purpose).
pub const DEFAULT_FILTER: &str = "debug,wawp_sandbox=off,hyper=info,hyper_util=info,h2=info,reqwest=info,rustls=info,wiremock=info";

fn buffer() -> &'static Mutex<Vec<u8>> {
    static BUFFER: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();
    BUFFER.get_or_init(Default::default)
}

#[derive(Clone, Copy)]
struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        buffer()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Installs (once per process) a global subscriber that keeps every line,
/// unredacted: tests then assert nothing secret was logged.
pub fn capture() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let filter = std::env::var("WAWP_TEST_LOG").unwrap_or_else(|_| DEFAULT_FILTER.into());
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_ansi(false)
            .without_time()
            .with_writer(|| Capture)
            .try_init();
    });
}

/// Everything captured so far by any test in this binary.
pub fn captured() -> String {
    String::from_utf8_lossy(&buffer().lock().unwrap_or_else(|p| p.into_inner())).into_owned()
}

/// Writes the captured logs to a file in the temporary directory and returns
/// its path, for a failing test's message.
pub fn dump() -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("wawp-test-log-{}.txt", std::process::id()));
    let _ = std::fs::write(&path, captured());
    path
}
