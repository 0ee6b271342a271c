//! PostgreSQL for tests: a schema of a test's own on the server that
//! `WAWP_BOT_TEST_PG` names (`.ci/run` starts one on 127.0.0.1).
//!
//! A test that needs PostgreSQL asks [`test_url`] first. Without a server it
//! is skipped, and says so on the terminal (libtest would hide an
//! `eprintln!`, and a skipped test still shows as `ok`); with
//! [`REQUIRED_ENV`] set (`.ci/run` sets it) it fails instead, so CI never
//! passes a PostgreSQL test it did not run.

use std::io::Write;

/// The variable naming the test server's URL.
pub const URL_ENV: &str = "WAWP_BOT_TEST_PG";
/// Set (to anything but empty or `0`) to make a missing server a failure.
pub const REQUIRED_ENV: &str = "WAWP_BOT_TEST_PG_REQUIRED";

/// The PostgreSQL test server's URL for `test` (a few words naming what is
/// skipped), or `None` after a `skipped:` line on the terminal.
///
/// # Panics
/// When [`URL_ENV`] is unset and [`REQUIRED_ENV`] is set.
pub fn test_url(test: &str) -> Option<String> {
    if let Some(url) = std::env::var(URL_ENV).ok().filter(|url| !url.is_empty()) {
        return Some(url);
    }
    let required = std::env::var(REQUIRED_ENV).is_ok_and(|v| !v.is_empty() && v != "0");
    assert!(
        !required,
        "{test} needs PostgreSQL: {URL_ENV} is not set and {REQUIRED_ENV} forbids skipping"
    );
    skipped(
        test,
        &format!(
            "{URL_ENV} is not set \
             (`bash crates/wawp-bot/scripts/start-test-postgres.sh` starts a server and prints its URL)"
        ),
    );
    None
}

/// Says on the terminal that `test` (or a part of it) is skipped and why:
/// one `skipped:` line, which libtest does not capture (it captures
/// `eprintln!` and `io::stderr()` of passing tests).
pub fn skipped(test: &str, why: &str) {
    let line = format!("skipped: {test}: {why}");
    match std::fs::OpenOptions::new().append(true).open("/dev/stderr") {
        // One write, so lines of parallel tests do not interleave.
        Ok(mut stderr) => {
            let _ = stderr.write_all(format!("{line}\n").as_bytes());
        }
        Err(_) => eprintln!("{line}"),
    }
}

/// Creates `schema` anew (dropping any left by an earlier run) on the server
/// at `url`, and returns `url` with the connection option that makes the
/// schema the search path, so everything a store creates lands in it.
///
/// Panics when the server cannot be reached: a test that asked for
/// PostgreSQL must not pass without it.
pub async fn fresh_schema(url: &str, schema: &str) -> String {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to WAWP_BOT_TEST_PG");
    tokio::spawn(connection);
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};"
        ))
        .await
        .expect("create the test schema");
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-c%20search_path%3D{schema}")
}
