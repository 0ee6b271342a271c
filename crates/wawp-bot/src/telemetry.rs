//! Logging without secrets.
//!
//! Two layers: errors are described by their kind, never by their full
//! `Display`/`Debug` (a teloxide `RequestError` can carry the request URL,
//! which holds the bot token, or the raw JSON of updates, which can hold a
//! `/verify` code); and the log writer replaces the configured secrets, should
//! one slip through a dependency's message anyway.

use std::io::{self, IsTerminal, Write};
use std::sync::Arc;

use teloxide::RequestError;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// The default log filter when `RUST_LOG` is not set.
pub const DEFAULT_FILTER: &str = "info,teloxide=warn,teloxide_core=warn";

/// Log targets that are off whatever `RUST_LOG` says, because their records
/// can hold secrets: the sandbox's "sent" log names the full number, and
/// teloxide's dispatcher and listeners log an update they cannot parse with
/// its raw JSON at ERROR (a `/verify` code, a full number). The bot's own
/// listener logs such an update by id only.
pub const ALWAYS_OFF: &str = "wawp_sandbox::sent=off,teloxide::dispatching=off,teloxide::update_listeners=off,teloxide_core::adaptors::trace=off";

/// A description of a Telegram request error that holds no URL, token or
/// message text.
pub fn describe_telegram_error(error: &RequestError) -> String {
    match error {
        RequestError::Api(api) => format!("Telegram API error: {api}"),
        RequestError::MigrateToChatId(chat) => {
            format!("the group was migrated to supergroup {chat}")
        }
        RequestError::RetryAfter(after) => {
            format!("Telegram asks to wait {} s", after.duration().as_secs())
        }
        RequestError::Network(err) => {
            let what = if err.is_timeout() {
                "timed out"
            } else if err.is_connect() {
                "could not connect"
            } else if err.is_body() || err.is_decode() {
                "broken response body"
            } else {
                "request failed"
            };
            match err.status() {
                Some(status) => {
                    format!("network error talking to Telegram: {what} (HTTP {status})")
                }
                None => format!("network error talking to Telegram: {what}"),
            }
        }
        RequestError::InvalidJson { .. } => {
            "Telegram answered with JSON the bot cannot read".to_owned()
        }
        RequestError::Io(err) => format!("I/O error talking to Telegram: {}", err.kind()),
    }
}

/// A log writer that replaces each secret with `[redacted]`.
#[derive(Clone)]
pub struct RedactingWriter<W> {
    inner: W,
    secrets: Arc<[String]>,
}

impl<W> RedactingWriter<W> {
    /// Wraps `inner`; empty secrets are ignored.
    pub fn new(inner: W, secrets: impl IntoIterator<Item = String>) -> Self {
        RedactingWriter {
            inner,
            secrets: secrets.into_iter().filter(|s| !s.is_empty()).collect(),
        }
    }
}

/// One event being written.
pub struct RedactingLine<W: Write> {
    inner: W,
    secrets: Arc<[String]>,
    buffer: Vec<u8>,
}

impl<'a, W: MakeWriter<'a>> MakeWriter<'a> for RedactingWriter<W> {
    type Writer = RedactingLine<W::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingLine {
            inner: self.inner.make_writer(),
            secrets: Arc::clone(&self.secrets),
            buffer: Vec::new(),
        }
    }
}

impl<W: Write> Write for RedactingLine<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let mut text = String::from_utf8_lossy(&self.buffer).into_owned();
        for secret in self.secrets.iter() {
            text = text.replace(secret.as_str(), "[redacted]");
        }
        self.buffer.clear();
        self.inner.write_all(text.as_bytes())?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for RedactingLine<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Installs the global subscriber: `RUST_LOG` or [`DEFAULT_FILTER`], to
/// stderr, with `secrets` redacted. Also receives teloxide's `log` records.
///
/// The in-process sandbox's own "sent" log (it names the full number) is
/// always off: in `--sandbox` mode the bot logs each code itself, with the
/// number masked (target `wawp_bot::sandbox`).
pub fn init(secrets: impl IntoIterator<Item = String>) {
    let wanted = std::env::var("RUST_LOG")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_FILTER.to_owned());
    let filter = EnvFilter::builder().parse_lossy(format!("{wanted},{ALWAYS_OFF}"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colours for a terminal; plain text for journald and files.
        .with_ansi(io::stderr().is_terminal())
        .with_writer(RedactingWriter::new(io::stderr, secrets))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_writer_redacts_secrets_split_across_writes() {
        let sink = Sink::default();
        let make = {
            let sink = sink.clone();
            move || sink.clone()
        };
        let writer = RedactingWriter::new(make, ["123:SECRET".to_owned(), String::new()]);
        let mut line = writer.make_writer();
        line.write_all(b"url /bot123:SEC").unwrap();
        line.write_all(b"RET/GetMe failed\n").unwrap();
        drop(line);
        let out = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert_eq!(out, "url /bot[redacted]/GetMe failed\n");
    }
}
