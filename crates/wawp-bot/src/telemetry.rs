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
use tracing_subscriber::fmt::{self, MakeWriter};
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogFormat;

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

/// The default log filter in console mode when `RUST_LOG` is not set: the
/// prompt stays readable, and the sandbox's code line (needed for `/verify`)
/// still shows.
pub const CONSOLE_FILTER: &str = "warn,wawp_bot::sandbox=info";

/// Installs the global subscriber: `RUST_LOG` or `default_filter` (usually
/// [`DEFAULT_FILTER`]), to stderr, in `format` (text, or one JSON object per
/// line), with `secrets` redacted in both. Also receives teloxide's `log`
/// records.
///
/// The in-process sandbox's own "sent" log (it names the full number) is
/// always off: in `--sandbox` mode the bot logs each code itself, with the
/// number masked (target `wawp_bot::sandbox`).
pub fn init(format: LogFormat, default_filter: &str, secrets: impl IntoIterator<Item = String>) {
    let wanted = std::env::var("RUST_LOG")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| default_filter.to_owned());
    let filter = EnvFilter::builder().parse_lossy(format!("{wanted},{ALWAYS_OFF}"));
    // Through the console's printer while its prompt owns the terminal.
    let writer = RedactingWriter::new(crate::console::LogSink, redactable(format, secrets));
    // Colours for a terminal; plain text for journald and files.
    let layer = layer(
        format,
        writer,
        io::stderr().is_terminal() && !crate::console::no_color(),
    );
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(layer)
        .try_init();
}

/// The log layer for `format`, writing to `writer`.
pub fn layer<S, W>(format: LogFormat, writer: W, ansi: bool) -> Box<dyn Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    match format {
        LogFormat::Text => fmt::layer().with_ansi(ansi).with_writer(writer).boxed(),
        LogFormat::Json => fmt::layer().json().with_writer(writer).boxed(),
    }
}

/// The strings to redact: each secret, and in JSON also its escaped form
/// (a secret holding `"` or `\` is written escaped inside a JSON string).
fn redactable(format: LogFormat, secrets: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut all = Vec::new();
    for secret in secrets {
        if format == LogFormat::Json
            && let Ok(quoted) = serde_json::to_string(&secret)
        {
            let escaped = quoted[1..quoted.len() - 1].to_owned();
            if escaped != secret {
                all.push(escaped);
            }
        }
        all.push(secret);
    }
    all
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

    #[test]
    fn json_logs_are_one_object_per_line_with_the_same_redaction() {
        let sink = Sink::default();
        let make = {
            let sink = sink.clone();
            move || sink.clone()
        };
        let secrets = ["123:SECRET".to_owned(), "pa\"ss".to_owned()];
        let writer = RedactingWriter::new(make, redactable(LogFormat::Json, secrets));
        let subscriber = tracing_subscriber::registry().with(layer(LogFormat::Json, writer, false));
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(url = "/bot123:SECRET/getMe", "request failed");
            tracing::info!(password = "pa\"ss", "connecting");
        });
        let out = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        for line in &lines {
            let object: serde_json::Value = serde_json::from_str(line).expect(line);
            assert!(object["level"].is_string(), "{line}");
            assert!(object["fields"]["message"].is_string(), "{line}");
        }
        assert!(lines[0].contains("/bot[redacted]/getMe"), "{out}");
        assert!(
            !out.contains("SECRET") && !out.contains("pa\\\"ss"),
            "{out}"
        );
    }
}
