//! Putting the terminal back as it was if the bot stops (a signal) while
//! the line editor has it in raw mode: the editor restores it only when a
//! line is read, and its thread is simply dropped at exit.

use std::io::{self, Write};

/// The terminal's settings when the console started; restored on drop.
pub(super) struct Restore {
    #[cfg(unix)]
    saved: Option<nix::sys::termios::Termios>,
}

impl std::fmt::Debug for Restore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Restore")
    }
}

impl Restore {
    /// Remembers stdin's terminal settings (nothing if it is no terminal).
    pub(super) fn save() -> Restore {
        Restore {
            #[cfg(unix)]
            saved: nix::sys::termios::tcgetattr(io::stdin()).ok(),
        }
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        // Log lines go straight to stderr again.
        super::logs::uninstall();
        #[cfg(unix)]
        if let Some(saved) = &self.saved {
            let _ = nix::sys::termios::tcsetattr(
                io::stdin(),
                nix::sys::termios::SetArg::TCSANOW,
                saved,
            );
            // The editor also turned on bracketed paste.
            let mut stdout = io::stdout();
            let _ = stdout
                .write_all(b"\x1b[?2004l")
                .and_then(|()| stdout.flush());
        }
    }
}
