//! Reading what the console user types: a line editor with history when
//! stdin and stdout are a terminal, plain lines when input is piped.
//!
//! Known limit (rustyline 17, upstream issue #690): if two or more whole
//! lines reach the editor in one read — typed ahead while the bot was still
//! answering, or pasted without bracketed paste — only the first is seen.
//! Piped input has no such limit.

use std::io::{self, BufRead};
use std::sync::Arc;
use std::time::Duration;

use rustyline::error::ReadlineError;
use rustyline::{Config, DefaultEditor};

use super::session::Shared;

/// The prompt shown by the line editor.
const PROMPT: &str = "you › ";
/// The longest the prompt waits for the bot's reply before showing itself
/// again (a later reply still prints, above the next line typed).
const MAX_WAIT: Duration = Duration::from_secs(15);

/// Starts the thread that reads input; every non-blank line becomes a
/// message to the bot. End of input (EOF, Ctrl-D, Ctrl-C) ends the session.
pub(super) fn spawn(shared: Arc<Shared>, interactive: bool) -> io::Result<()> {
    std::thread::Builder::new()
        .name("wawp-bot-console".into())
        .spawn(move || {
            if !(interactive && edit_lines(&shared)) {
                read_lines(&shared, io::stdin().lock());
            }
            shared.input_ended();
        })
        .map(drop)
}

/// The interactive prompt. `false` if no line editor could be set up.
fn edit_lines(shared: &Shared) -> bool {
    let config = Config::builder().auto_add_history(true).build();
    let Ok(mut editor) = DefaultEditor::with_config(config) else {
        return false;
    };
    loop {
        match editor.readline(PROMPT) {
            Ok(line) => {
                if send_line(shared, &line) {
                    // The reply prints before the next prompt.
                    shared.wait_answered(MAX_WAIT);
                }
            }
            Err(ReadlineError::Eof | ReadlineError::Interrupted) => return true,
            Err(err) => {
                eprintln!("wawp-bot console: cannot read the terminal ({err}); quitting");
                return true;
            }
        }
    }
}

/// Piped input: one message per line, until end of input.
fn read_lines(shared: &Shared, mut input: impl BufRead) {
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match input.read_until(b'\n', &mut buffer) {
            Ok(0) => return,
            Ok(_) => {
                send_line(shared, &String::from_utf8_lossy(&buffer));
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => {
                eprintln!("wawp-bot console: cannot read the input ({err}); quitting");
                return;
            }
        }
    }
}

/// Sends a non-blank line to the bot; `true` if it was sent.
fn send_line(shared: &Shared, line: &str) -> bool {
    let line = line.trim_end_matches(['\n', '\r']);
    let send = !line.trim().is_empty();
    if send {
        shared.typed(line);
    }
    send
}
