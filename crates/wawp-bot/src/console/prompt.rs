//! Reading what the console user types: a line editor with history when
//! stdin and stdout are a terminal, plain lines when input is piped.

use std::io::{self, BufRead};
use std::sync::Arc;

use rustyline::error::ReadlineError;
use rustyline::{Config, DefaultEditor};

use super::endpoint::Shared;

/// The prompt shown by the line editor.
const PROMPT: &str = "you › ";

/// Starts the thread that reads input; every non-blank line becomes a
/// message to the bot. End of input (EOF, Ctrl-D, Ctrl-C) ends the session.
pub(super) fn spawn(shared: Arc<Shared>, interactive: bool) -> io::Result<()> {
    std::thread::Builder::new()
        .name("wawp-bot-console".into())
        .spawn(move || {
            if !(interactive && edit_lines(&shared)) {
                read_lines(&shared, io::stdin().lock());
            }
            shared.output.drop_printer();
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
    if let Ok(printer) = editor.create_external_printer() {
        shared.output.use_printer(Box::new(printer));
    }
    loop {
        match editor.readline(PROMPT) {
            Ok(line) => send_line(shared, &line),
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
            Ok(_) => send_line(shared, &String::from_utf8_lossy(&buffer)),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => {
                eprintln!("wawp-bot console: cannot read the input ({err}); quitting");
                return;
            }
        }
    }
}

fn send_line(shared: &Shared, line: &str) {
    let line = line.trim_end_matches(['\n', '\r']);
    if !line.trim().is_empty() {
        shared.typed(line);
    }
}
