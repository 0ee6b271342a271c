//! The `wawp-bot` binary in console mode on a pseudo-terminal, as a person
//! at a terminal would run it.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Only a guard against a hung process, not a timing assertion.
const HANG: Duration = Duration::from_secs(120);

pub struct Pty {
    pub child: Child,
    master: File,
    /// Our handle on the terminal, to read its settings after the bot exits.
    pub slave: OwnedFd,
    screen: Arc<Mutex<Vec<u8>>>,
}

impl Pty {
    /// Starts `bin --sandbox --console --db <db>` with the terminal as stdin and stdout.
    pub fn start(bin: &str, db: &Path) -> Pty {
        Pty::start_with(bin, db, &[("RUST_LOG", "warn")], false)
    }

    /// [`Pty::start`] with `env` (after `TERM=xterm`), and stderr on the
    /// terminal too when `logs_on_terminal`.
    pub fn start_with(bin: &str, db: &Path, env: &[(&str, &str)], logs_on_terminal: bool) -> Pty {
        let size = nix::pty::Winsize {
            ws_row: 40,
            ws_col: 160,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let pty = nix::pty::openpty(Some(&size), None).unwrap();
        let child = Command::new(bin)
            .args(["--sandbox", "--console", "--db"])
            .arg(db)
            .env_clear()
            .env("TERM", "xterm")
            .envs(env.iter().copied())
            .stdin(Stdio::from(pty.slave.try_clone().unwrap()))
            .stdout(Stdio::from(pty.slave.try_clone().unwrap()))
            .stderr(if logs_on_terminal {
                Stdio::from(pty.slave.try_clone().unwrap())
            } else {
                Stdio::null()
            })
            .spawn()
            .unwrap();
        let master = File::from(pty.master);
        let screen = Arc::new(Mutex::new(Vec::new()));
        std::thread::spawn({
            let mut master = master.try_clone().unwrap();
            let screen = screen.clone();
            move || {
                let mut buffer = [0u8; 4096];
                // Ends with an error (EIO) once nobody holds the terminal.
                while let Ok(n @ 1..) = master.read(&mut buffer) {
                    screen.lock().unwrap().extend_from_slice(&buffer[..n]);
                }
            }
        });
        Pty {
            child,
            master,
            slave: pty.slave,
            screen,
        }
    }

    /// Everything shown on the terminal so far.
    pub fn shown(&self) -> String {
        String::from_utf8_lossy(&self.screen.lock().unwrap()).into_owned()
    }

    /// Waits until `what` has been shown `times` times.
    pub fn wait_for(&self, what: &str, times: usize) {
        let deadline = Instant::now() + HANG;
        while self.shown().matches(what).count() < times {
            assert!(
                Instant::now() < deadline,
                "{what:?} not shown {times} times; screen: {:?}",
                self.shown()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Types `keys`.
    pub fn type_keys(&mut self, keys: &[u8]) {
        self.master.write_all(keys).unwrap();
    }

    /// Waits for the bot to exit.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + HANG;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                self.child.kill().unwrap();
                panic!("the bot did not exit; screen: {:?}", self.shown());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
