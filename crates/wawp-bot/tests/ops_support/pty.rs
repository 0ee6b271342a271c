//! The `wawp-bot` binary in console mode on a pseudo-terminal, as a person
//! at a terminal would run it (the test kit's `Terminal`).

use std::path::Path;
use std::process::Command;

use wawp_testkit::pty::{Setup, Terminal};

/// Starts `bin --sandbox --console --db <db>` with the terminal as stdin and stdout.
pub fn start(bin: &str, db: &Path) -> Terminal {
    start_with(bin, db, &[("RUST_LOG", "warn")], false)
}

/// [`start`] with `env` (after `TERM=xterm`), and stderr on the terminal
/// too when `logs_on_terminal`.
pub fn start_with(bin: &str, db: &Path, env: &[(&str, &str)], logs_on_terminal: bool) -> Terminal {
    let mut command = Command::new(bin);
    command
        .args(["--sandbox", "--console", "--db"])
        .arg(db)
        .env_clear()
        .env("TERM", "xterm")
        .envs(env.iter().copied());
    Terminal::spawn(
        command,
        Setup {
            stderr: logs_on_terminal,
            ..Setup::default()
        },
    )
}
