//! A program on a pseudo-terminal, as a person at a terminal runs it: what
//! it shows is collected as it comes, keys are typed into it, and its exit
//! is awaited with a guard against a hang (not a timing assertion).

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Only a guard against a hung process, not a timing assertion.
pub const HANG: Duration = Duration::from_secs(120);

/// How the terminal is set up.
#[derive(Debug, Clone, Copy)]
pub struct Setup {
    /// Rows and columns.
    pub size: (u16, u16),
    /// Standard error on the terminal too (else discarded).
    pub stderr: bool,
    /// Make the terminal the program's controlling terminal (a new
    /// session), for programs that read `/dev/tty` (password prompts). The
    /// test then holds no handle on it, so [`Terminal::slave`] is `None`
    /// and the screen reader ends when the program does.
    pub controlling: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            size: (40, 160),
            stderr: false,
            controlling: false,
        }
    }
}

/// A running program on a pseudo-terminal.
pub struct Terminal {
    /// The program.
    pub child: Child,
    master: File,
    slave: Option<OwnedFd>,
    screen: Arc<Mutex<Vec<u8>>>,
}

impl Terminal {
    /// Starts `command` with the terminal as its standard input and output.
    pub fn spawn(mut command: Command, setup: Setup) -> Terminal {
        let size = nix::pty::Winsize {
            ws_row: setup.size.0,
            ws_col: setup.size.1,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let pty = nix::pty::openpty(Some(&size), None).expect("openpty");
        let end = || Stdio::from(pty.slave.try_clone().expect("dup the terminal"));
        command.stdin(end()).stdout(end());
        command.stderr(if setup.stderr { end() } else { Stdio::null() });
        if setup.controlling {
            // SAFETY: setsid and ioctl are async-signal-safe; nothing else
            // runs between fork and exec.
            unsafe {
                command.pre_exec(|| {
                    if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let child = command.spawn().expect("start the program on the terminal");
        // The command holds copies of the terminal until dropped.
        drop(command);
        let slave = (!setup.controlling).then_some(pty.slave);
        let master = File::from(pty.master);
        let screen = Arc::new(Mutex::new(Vec::new()));
        std::thread::spawn({
            let mut master = master.try_clone().expect("dup the terminal");
            let screen = screen.clone();
            move || {
                let mut buffer = [0u8; 4096];
                // Ends with an error (EIO) once nobody holds the terminal.
                while let Ok(n @ 1..) = master.read(&mut buffer) {
                    screen.lock().unwrap().extend_from_slice(&buffer[..n]);
                }
            }
        });
        Terminal {
            child,
            master,
            slave,
            screen,
        }
    }

    /// The test's own handle on the terminal (to read its settings), unless
    /// it is the program's controlling terminal.
    pub fn slave(&self) -> Option<&OwnedFd> {
        self.slave.as_ref()
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
        self.master.write_all(keys).expect("type on the terminal");
    }

    /// Waits for the program to exit (kills it and fails after [`HANG`]).
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + HANG;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the program") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the program did not exit; screen: {:?}", self.shown());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
