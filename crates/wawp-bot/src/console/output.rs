//! Where the bot's replies go: stdout, or above the line being edited when
//! the prompt is interactive.

use std::fmt;
use std::io::Write;
use std::sync::Mutex;

use rustyline::ExternalPrinter;

use super::render::{Styling, render_html};

type Printer = Box<dyn ExternalPrinter + Send>;

/// Prints replies; one per session.
pub(super) struct Output {
    styling: Styling,
    /// Set while an interactive prompt is active: prints above it.
    printer: Mutex<Option<Printer>>,
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Output")
            .field("styling", &self.styling)
            .finish_non_exhaustive()
    }
}

impl Output {
    pub(super) fn new(styling: Styling) -> Output {
        Output {
            styling,
            printer: Mutex::new(None),
        }
    }

    /// Prints through the line editor from now on.
    pub(super) fn use_printer(&self, printer: Printer) {
        *self.printer.lock().unwrap_or_else(|e| e.into_inner()) = Some(printer);
    }

    /// Back to plain stdout (the prompt has ended).
    pub(super) fn drop_printer(&self) {
        self.printer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
    }

    /// Prints one reply: rendered if it is HTML, followed by a blank line.
    pub(super) fn print_reply(&self, text: &str, html: bool) {
        let shown = if html {
            render_html(text, self.styling)
        } else {
            text.to_owned()
        };
        let shown = format!("{}\n\n", shown.trim_end());
        let mut printer = self.printer.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(printer) = printer.as_mut()
            && printer.print(shown.clone()).is_ok()
        {
            return;
        }
        let mut stdout = std::io::stdout().lock();
        // A closed stdout (e.g. `| head`) must not stop the bot.
        let _ = stdout
            .write_all(shown.as_bytes())
            .and_then(|()| stdout.flush());
    }
}
