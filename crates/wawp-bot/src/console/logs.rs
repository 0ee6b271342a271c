//! Where log lines go: stderr, or, while the console's line editor owns the
//! terminal, through the editor's external printer, which prints them above
//! the prompt and redraws the prompt and the half-typed line below them.
//!
//! The printer is installed only when stderr is the terminal too (logs
//! redirected to a file stay in the file). rustyline 19 reads keys already
//! buffered before it waits on its printer pipe, so keys typed ahead are not
//! held back by it (rustyline 17 stalled on them).

use std::io::{self, Write};
use std::sync::Mutex;

use rustyline::ExternalPrinter;
use tracing_subscriber::fmt::MakeWriter;

type Printer = Box<dyn ExternalPrinter + Send>;

static PRINTER: Mutex<Option<Printer>> = Mutex::new(None);

fn printer() -> std::sync::MutexGuard<'static, Option<Printer>> {
    PRINTER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// From now on, log lines go through `printer`.
pub(super) fn install(printer_: impl ExternalPrinter + Send + 'static) {
    *printer() = Some(Box::new(printer_));
}

/// Log lines go to stderr again.
pub(super) fn uninstall() {
    *printer() = None;
}

/// The log writer: stderr, or the console's printer while one is installed.
/// Each write is one whole log line (the redacting writer buffers them).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogSink;

/// One log line being written; see [`LogSink`].
#[derive(Debug)]
pub struct LogLine;

impl<'a> MakeWriter<'a> for LogSink {
    type Writer = LogLine;

    fn make_writer(&'a self) -> LogLine {
        LogLine
    }
}

impl Write for LogLine {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(printer) = printer().as_mut()
            && printer
                .print(String::from_utf8_lossy(buf).into_owned())
                .is_ok()
        {
            return Ok(buf.len());
        }
        io::stderr().write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}
