//! The console on a pseudo-terminal: log lines above the prompt, Ctrl-C,
//! `NO_COLOR`, the line bound at the prompt.

use crate::BIN;
use crate::pty::Pty;

/// Log lines go through the line editor while it owns the terminal: a
/// start-up line printed after the first prompt is shown above a redrawn
/// prompt, and a line logged while something is half typed starts on a
/// cleared line (never after the typed text), the typed text kept.
#[cfg(unix)]
#[test]
fn log_lines_print_above_the_prompt_never_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::start_with(
        BIN,
        &dir.path().join("audit.sqlite3"),
        &[("RUST_LOG", "info"), ("NO_COLOR", "1")],
        true,
    );
    pty.wait_for("connected to Telegram", 1);
    // The prompt is drawn again below the start-up lines.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let screen = pty.shown();
        let after = &screen[screen.find("connected to Telegram").unwrap()..];
        if after.contains("you › ") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no prompt after the logs: {screen:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    pty.type_keys(b"/who");
    pty.wait_for("/who", 1);

    let pid = nix::unistd::Pid::from_raw(pty.child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = pty.wait_exit();
    let screen = pty.shown();
    assert_eq!(status.code(), Some(0), "{screen:?}");
    let logged = screen
        .find("SIGTERM received")
        .expect("the signal's log line");
    let typed = screen[..logged].rfind("/who").expect("the typed text");
    // Between the typed text and the log line the editor went back to the
    // start of the line and cleared it.
    let between = &screen[typed..logged];
    assert!(
        between.contains('\r') && between.contains("\u{1b}["),
        "{screen:?}"
    );
}

/// `NO_COLOR` turns the styles off on a terminal too.
#[cfg(unix)]
#[test]
fn no_color_disables_the_styles() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::start_with(
        BIN,
        &dir.path().join("audit.sqlite3"),
        &[("RUST_LOG", "warn"), ("NO_COLOR", "1")],
        false,
    );
    pty.wait_for("you › ", 1);
    pty.type_keys(b"/whoami\r");
    pty.wait_for("You are an admin of this bot.", 1);
    pty.wait_for("you › ", 2);
    pty.type_keys(b"\x04");
    assert_eq!(pty.wait_exit().code(), Some(0));
    let screen = pty.shown();
    assert!(screen.contains("Your Telegram user id is 1."), "{screen:?}");
    assert!(!screen.contains("\u{1b}[36m"), "{screen:?}");
}

/// Ctrl-C clears the line being typed; the bot keeps running.
#[cfg(unix)]
#[test]
fn ctrl_c_clears_the_line_and_ctrl_d_quits() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::start(BIN, &dir.path().join("audit.sqlite3"));
    pty.wait_for("you › ", 1);
    pty.type_keys(b"/send +2012");
    pty.wait_for("/send +2012", 1);
    pty.type_keys(b"\x03");
    pty.wait_for("you › ", 2);
    pty.type_keys(b"/whoami\r");
    pty.wait_for("You are an admin of this bot.", 1);
    pty.wait_for("you › ", 3);
    assert!(
        pty.child.try_wait().unwrap().is_none(),
        "Ctrl-C quit the bot"
    );
    pty.type_keys(b"\x04");
    assert_eq!(pty.wait_exit().code(), Some(0));
    assert!(!pty.shown().contains("Code sent"), "{:?}", pty.shown());
}

/// At the prompt too, a line over 4 KiB is refused with one notice.
#[cfg(unix)]
#[test]
fn a_typed_line_over_4_kib_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::start(BIN, &dir.path().join("audit.sqlite3"));
    pty.wait_for("you › ", 1);
    let mut keys = b"/whoami ".to_vec();
    keys.extend(std::iter::repeat_n(b'x', 5000));
    keys.push(b'\r');
    pty.type_keys(&keys);
    pty.wait_for("longer than 4096 bytes", 1);
    pty.type_keys(b"\x04");
    assert_eq!(pty.wait_exit().code(), Some(0));
    assert!(
        !pty.shown().contains("You are an admin"),
        "the line was sent"
    );
}
