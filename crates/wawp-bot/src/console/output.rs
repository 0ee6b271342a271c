//! Where the bot's replies go: stdout, rendered for a terminal or as plain
//! text.
//!
//! Replies do not go through rustyline's `ExternalPrinter` (log lines do,
//! see `logs.rs`): the prompt waits for the reply before it shows itself
//! again (see `prompt.rs`), so a reply prints on a normal, cooked terminal,
//! right under the line that asked for it.

use std::io::Write;

use super::render::{Styling, render_html};

/// Prints replies; one per session.
#[derive(Debug)]
pub(super) struct Output {
    styling: Styling,
}

impl Output {
    pub(super) fn new(styling: Styling) -> Output {
        Output { styling }
    }

    /// Prints a line from the console itself (not from the bot).
    pub(super) fn print_notice(&self, notice: &str) {
        let shown = match self.styling {
            Styling::Ansi => {
                let style = anstyle::Style::new().dimmed();
                format!("{}{notice}{}\n\n", style.render(), style.render_reset())
            }
            Styling::Plain => format!("{notice}\n\n"),
        };
        let mut stdout = std::io::stdout().lock();
        let _ = stdout
            .write_all(shown.as_bytes())
            .and_then(|()| stdout.flush());
    }

    /// Prints one reply: rendered if it is HTML, followed by a blank line.
    pub(super) fn print_reply(&self, text: &str, html: bool) {
        let shown = if html {
            render_html(text, self.styling)
        } else {
            text.to_owned()
        };
        let shown = format!("{}\n\n", shown.trim_end());
        let mut stdout = std::io::stdout().lock();
        // A closed stdout (e.g. `| head`) must not stop the bot.
        let _ = stdout
            .write_all(shown.as_bytes())
            .and_then(|()| stdout.flush());
    }
}
