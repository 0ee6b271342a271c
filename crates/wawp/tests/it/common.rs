//! Shared test helpers: a client pointed at a wiremock server, canned
//! answers, request snapshots and a tracing capture.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tracing::subscriber::DefaultGuard;
use tracing_subscriber::fmt::format::FmtSpan;
use wawp::{
    Client, ClientBuilder, Error, Footer, OtpCode, PhoneNumber, RetryPolicy, client::Transport,
};
use wiremock::{MockServer, Request};

pub const TOKEN: &str = "tok_SECRET_9f8e7d6c5b4a";
pub const INSTANCE: &str = "INSTANCE_42";
pub const SEND_PATH: &str = "/v2/auth/otp/send";
pub const VERIFY_PATH: &str = "/v2/auth/otp/verify";

pub fn phone() -> PhoneNumber {
    "+201234567890".parse().unwrap()
}

pub fn code(digits: &str) -> OtpCode {
    digits.parse().unwrap()
}

pub fn footer(text: &str) -> Footer {
    text.parse().unwrap()
}

/// Set in the environment of a test re-run as a child process.
pub const CHILD: &str = "WAWP_TEST_CHILD";

/// Whether this test runs as the child of [`run_child`].
pub fn is_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// Runs the test `name` (its full path, e.g. `hostile::proxy`) alone in a
/// fresh process of this test binary with `envs` added, so a test can set
/// process-wide environment variables without racing the others. Returns
/// the child's stdout; panics if it failed.
pub fn run_child(name: &str, envs: &[(&str, &str)]) -> String {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "child {name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Fast retries, a short timeout, the given transport.
pub fn builder(server: &MockServer, transport: Transport) -> ClientBuilder {
    Client::builder()
        .instance_id(INSTANCE)
        .access_token(TOKEN)
        .base_url(server.uri())
        .transport(transport)
        .timeout(Duration::from_secs(2))
        .retry(fast_retry())
}

pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(3)
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
}

pub fn client(server: &MockServer, transport: Transport) -> Client {
    builder(server, transport).build().unwrap()
}

pub fn no_retry_client(server: &MockServer, transport: Transport) -> Client {
    builder(server, transport)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

pub fn sent_body() -> Value {
    json!({
        "code": "success",
        "message": "Verification code sent successfully",
        "expires_in": 300,
        "job_id": "send_77_981",
    })
}

pub async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

/// Method, path, query (in order), headers (sorted, minus the volatile
/// `host` and `user-agent`) and JSON body of a request.
pub fn request_snapshot(request: &Request) -> Value {
    let query: Vec<Value> = request
        .url
        .query_pairs()
        .map(|(k, v)| json!([k, v]))
        .collect();
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "host" | "user-agent"))
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or("<binary>").to_owned(),
            )
        })
        .collect();
    headers.sort();
    let body = if request.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&request.body).expect("request body is JSON")
    };
    json!({
        "method": request.method.as_str(),
        "path": request.url.path(),
        "query": query,
        "headers": headers.into_iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
        "body": body,
    })
}

/// A buffer the tracing output of this thread is written to.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Captures every tracing event and closed span (with its fields) on the
/// current thread, at all levels, until the guard is dropped. Use with
/// single-threaded `#[tokio::test]`s.
pub fn capture_tracing() -> (Captured, DefaultGuard) {
    capture_filtered("trace", FmtSpan::CLOSE)
}

/// Captures the events (not the span closes) that pass `filter` (an
/// `EnvFilter` directive such as `wawp=trace`) on the current thread.
pub fn capture_filtered(filter: &str, spans: FmtSpan) -> (Captured, DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(spans)
        .with_ansi(false)
        .without_time()
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    // A callsite first hit by a test thread without a subscriber may have
    // cached "never interested"; recompute with this one registered.
    tracing::callsite::rebuild_interest_cache();
    (captured, guard)
}

/// The error with its `source()` left out, to compare variants and fields
/// (causes are checked on their own: see `causes.rs`).
pub fn without_cause(err: Error) -> Error {
    match err {
        Error::Timeout { .. } => Error::Timeout { cause: None },
        Error::UnparseableBody { status, .. } => Error::UnparseableBody {
            status,
            cause: None,
        },
        Error::Connection { message, .. } => Error::Connection {
            message,
            cause: None,
        },
        Error::OutcomeUnknown {
            status, message, ..
        } => Error::OutcomeUnknown {
            status,
            message,
            cause: None,
        },
        other => other,
    }
}
