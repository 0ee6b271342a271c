//! Reading what the console user types: a line editor with history when
//! stdin and stdout are a terminal, plain lines when input is piped.
//!
//! Lines are bounded: one longer than [`MAX_LINE`] bytes is refused with one
//! notice. Piped input never holds more than that of a line in memory (the
//! rest is skipped as it is read); the line editor gets the whole line from
//! the terminal first, then refuses it. Ctrl-C clears the line being typed;
//! Ctrl-D (end of input) quits.
//!
//! Known limit (rustyline, upstream issue #690): if two or more whole
//! lines reach the editor in one read — typed ahead while the bot was still
//! answering, or pasted without bracketed paste — only the first is seen.
//! Piped input has no such limit.

use std::io::{self, BufRead, IsTerminal, Read};
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

/// The longest line the console takes, in bytes (Telegram's own limit on a
/// message is 4,096 characters).
pub(super) const MAX_LINE: usize = 4096;

/// Starts the thread that reads input; every non-blank line becomes a
/// message to the bot. End of input (EOF, Ctrl-D) ends the session.
pub(super) fn spawn(shared: Arc<Shared>, interactive: bool) -> io::Result<()> {
    // The editor (and its log printer) exists before the bot logs anything.
    let editor = if interactive { editor() } else { None };
    std::thread::Builder::new()
        .name("wawp-bot-console".into())
        .spawn(move || {
            match editor {
                Some(editor) => {
                    edit_lines(&shared, editor);
                    super::logs::uninstall();
                }
                None => read_lines(&shared, io::stdin().lock()),
            }
            shared.input_ended();
        })
        .map(drop)
}

/// The line editor, with log lines printed above its prompt when stderr is
/// the terminal too; `None` if none can be set up.
fn editor() -> Option<DefaultEditor> {
    // History is added by hand: a refused (over-long) line is not kept.
    let config = Config::builder().max_history_size(1000).ok()?.build();
    let mut editor = DefaultEditor::with_config(config).ok()?;
    if io::stderr().is_terminal()
        && let Ok(printer) = editor.create_external_printer()
    {
        super::logs::install(printer);
    }
    Some(editor)
}

/// The interactive prompt, until Ctrl-D.
fn edit_lines(shared: &Shared, mut editor: DefaultEditor) {
    loop {
        match editor.readline(PROMPT) {
            Ok(line) => {
                if line.len() <= MAX_LINE && !line.trim().is_empty() {
                    let _ = editor.add_history_entry(line.as_str());
                }
                if send_line(shared, &line) {
                    // The reply prints before the next prompt.
                    shared.wait_answered(MAX_WAIT);
                }
            }
            // Ctrl-C: the editor has cleared the line; prompt again.
            Err(ReadlineError::Interrupted) => {}
            Err(ReadlineError::Eof) => return,
            Err(err) => {
                eprintln!("wawp-bot console: cannot read the terminal ({err}); quitting");
                return;
            }
        }
    }
}

/// Piped input: one message per line, until end of input; at most
/// [`MAX_LINE`] bytes of a line are ever held.
fn read_lines(shared: &Shared, mut input: impl BufRead) {
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        let limit = MAX_LINE as u64 + 1;
        match Read::take(&mut input, limit).read_until(b'\n', &mut buffer) {
            Ok(0) => return,
            Ok(_) if buffer.len() > MAX_LINE && !buffer.ends_with(b"\n") => {
                if let Err(err) = skip_line(&mut input) {
                    eprintln!("wawp-bot console: cannot read the input ({err}); quitting");
                    return;
                }
                refuse_long_line(shared);
            }
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

/// Reads and drops the rest of a line, without keeping it.
fn skip_line(input: &mut impl BufRead) -> io::Result<()> {
    loop {
        let (done, used) = {
            let chunk = match input.fill_buf() {
                Ok(chunk) => chunk,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            };
            match chunk.iter().position(|&b| b == b'\n') {
                Some(at) => (true, at + 1),
                None => (chunk.is_empty(), chunk.len()),
            }
        };
        input.consume(used);
        if done {
            return Ok(());
        }
    }
}

fn refuse_long_line(shared: &Shared) {
    shared.output.print_notice(&format!(
        "(console) That line is longer than {MAX_LINE} bytes and was not sent; Telegram takes at most 4,096 characters."
    ));
}

/// Sends a non-blank line to the bot; `true` if it was sent.
fn send_line(shared: &Shared, line: &str) -> bool {
    let line = line.trim_end_matches(['\n', '\r']);
    if line.len() > MAX_LINE {
        refuse_long_line(shared);
        return false;
    }
    let send = !line.trim().is_empty();
    if send {
        shared.typed(line);
    }
    send
}
