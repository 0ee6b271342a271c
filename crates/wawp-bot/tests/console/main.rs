//! Console mode end to end: the real `wawp-bot` binary with `--sandbox
//! --console`, commands piped on stdin, replies read from stdout, the audit
//! log read back from the database. No Telegram token, no network.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_wawp-bot");
/// Only a guard against a hung process, not a timing assertion.
const HANG: Duration = Duration::from_secs(120);

#[cfg(unix)]
#[path = "../ops_support/pty.rs"]
mod pty;
#[cfg(unix)]
mod terminal;
#[cfg(unix)]
use pty::Pty;

struct Session {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs one console session on the database `db` with `input` piped in.
fn console(db: &Path, input: &str) -> Session {
    console_with(db, &[], input)
}

/// [`console`] with more environment variables.
fn console_with(db: &Path, env: &[(&str, &str)], input: &str) -> Session {
    let mut child = Command::new(BIN)
        .args(["--sandbox", "--console", "--db"])
        .arg(db)
        .env_clear()
        .env("RUST_LOG", "info")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).unwrap();
    drop(stdin); // end of input
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).unwrap();
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).unwrap();
        text
    });
    let deadline = Instant::now() + HANG;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!(
                "the console did not exit after end of input; stdout so far:\n{}\nstderr:\n{}",
                out.join().unwrap(),
                err.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Session {
        code: status.code().unwrap_or(-1),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn audit_rows(db: &Path) -> Vec<(i64, String, String, String, Option<String>)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT admin_id, admin_username, action, outcome, recipient FROM audit ORDER BY id",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn piped_commands_run_the_real_bot_and_exit_cleanly_at_end_of_input() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.sqlite3");
    let session = console(&db, "/whoami\n/send +201234567890 ar\n/history\n");
    let Session {
        code,
        stdout,
        stderr,
    } = &session;

    assert_eq!(*code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    // Every reply is printed, in order, the console user being an admin.
    let whoami = stdout
        .find("Your Telegram user id is 1. You are an admin of this bot.")
        .unwrap_or_else(|| panic!("no /whoami reply in:\n{stdout}"));
    let sent = stdout
        .find("✅ Code sent to +20•••••7890\nLanguage: ar")
        .unwrap_or_else(|| panic!("no /send reply in:\n{stdout}"));
    let history = stdout
        .find("Last 1 audit entry:")
        .unwrap_or_else(|| panic!("no /history reply in:\n{stdout}"));
    assert!(whoami < sent && sent < history, "{stdout}");
    assert!(
        stdout.contains("@console (1) · send +20•••••7890 ar · sent · job "),
        "{stdout}"
    );
    // Rendered, not shown as HTML; plain text because stdout is a pipe.
    for markup in ["<b>", "</b>", "<code>", "&lt;", "&amp;", "\u{1b}["] {
        assert!(!stdout.contains(markup), "{markup:?} in:\n{stdout}");
    }
    // The full number never shows, on screen or in the log.
    assert!(!stdout.contains("+201234567890") && !stderr.contains("+201234567890"));

    // The real audit log was written, by the console user.
    let rows = audit_rows(&db);
    assert_eq!(
        rows,
        vec![(
            1,
            "console".to_owned(),
            "send".to_owned(),
            "sent".to_owned(),
            Some("+20•••••7890".to_owned())
        )],
        "{stderr}"
    );
}

#[test]
fn replies_decode_entities_and_a_second_session_is_not_taken_for_a_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.sqlite3");

    let first = console(&db, "/send\n");
    assert_eq!(first.code, 0, "{}", first.stderr);
    // reply::usage writes "/send &lt;phone&gt;": the reader sees "<phone>".
    assert!(first.stdout.contains("/send <phone>"), "{}", first.stdout);

    // The same update ids on the same database: still answered, because a
    // session's update claims are its own.
    let second = console(&db, "   \n/send\n/whoami\n");
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(second.stdout.contains("/send <phone>"), "{}", second.stdout);
    assert!(
        second.stdout.contains("You are an admin"),
        "{}",
        second.stdout
    );
    assert!(
        !second.stderr.contains("delivered again"),
        "{}",
        second.stderr
    );

    let invalid: Vec<_> = audit_rows(&db)
        .into_iter()
        .map(|(id, _, action, outcome, _)| (id, action, outcome))
        .collect();
    let row = (1, "send".to_owned(), "invalid".to_owned());
    assert_eq!(invalid, vec![row.clone(), row]);
}

#[test]
fn the_send_limit_applies_in_the_console_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.sqlite3");
    let input = "/send +201234567890\n/send +201234567891\n";
    let session = console_with(&db, &[("WAWP_BOT_SEND_LIMIT", "1")], input);
    assert_eq!(session.code, 0, "{}", session.stderr);
    assert!(
        session.stdout.contains("Code sent to +20•••••7890"),
        "{}",
        session.stdout
    );
    assert!(
        session
            .stdout
            .contains("You have reached the limit of 1 sends per minute. Nothing was sent"),
        "{}",
        session.stdout
    );
    let outcomes: Vec<_> = audit_rows(&db).into_iter().map(|row| row.3).collect();
    assert_eq!(outcomes, ["sent", "rate_limited"]);
}

#[test]
fn no_input_at_all_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let session = console(&dir.path().join("audit.sqlite3"), "");
    assert_eq!(session.code, 0, "{}", session.stderr);
    assert_eq!(session.stdout, "");
}

/// The interactive path: a pseudo-terminal for stdin and stdout, so the
/// line editor runs and replies are styled; Ctrl-D quits.
#[cfg(unix)]
#[test]
fn a_terminal_gets_a_prompt_styled_replies_and_ctrl_d_quits() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::start(BIN, &dir.path().join("audit.sqlite3"));
    pty.wait_for("you › ", 1);
    pty.type_keys(b"/whoami\r");
    pty.wait_for("You are an admin of this bot.", 1);
    // The next prompt (the editor is reading again), then Ctrl-D on it.
    pty.wait_for("you › ", 2);
    pty.type_keys(b"\x04");

    let status = pty.wait_exit();
    let screen = pty.shown();
    assert_eq!(status.code(), Some(0), "screen: {screen:?}");
    // The user id is in <code>: styled (cyan), never shown as a tag.
    assert!(screen.contains("\u{1b}[36m1\u{1b}[0m"), "{screen:?}");
    assert!(!screen.contains("<code>"), "{screen:?}");
}

/// SIGTERM while the prompt holds the terminal in raw mode: the bot stops
/// and the terminal is usable again (line mode and echo back on).
#[cfg(unix)]
#[test]
fn a_signal_during_the_prompt_leaves_the_terminal_usable() {
    use nix::sys::termios::{LocalFlags, tcgetattr};

    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::start(BIN, &dir.path().join("audit.sqlite3"));
    let cooked = LocalFlags::ICANON | LocalFlags::ECHO;
    assert!(tcgetattr(&pty.slave).unwrap().local_flags.contains(cooked));
    // Once the bot has answered, it handles signals; its next prompt is up
    // and the editor has the terminal in raw mode.
    pty.wait_for("you › ", 1);
    pty.type_keys(b"/whoami\r");
    pty.wait_for("you › ", 2);
    assert!(!tcgetattr(&pty.slave).unwrap().local_flags.contains(cooked));

    let pid = nix::unistd::Pid::from_raw(pty.child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = pty.wait_exit();
    assert_eq!(status.code(), Some(0), "screen: {:?}", pty.shown());
    let flags = tcgetattr(&pty.slave).unwrap().local_flags;
    assert!(
        flags.contains(cooked),
        "the terminal was left raw: {flags:?}"
    );
}

/// With Wawp credentials instead of `--sandbox` (here a Wawp look-alike on
/// 127.0.0.1): a code sent from the console is verified from the console.
#[test]
fn with_wawp_credentials_a_code_is_sent_and_verified() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let wawp = wawp_sandbox::Sandbox::builder()
        .instance_id("instance-console")
        .access_token("wawp-console-token-do-not-leak")
        .build_state()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let app = wawp_sandbox::router(wawp.clone());
    runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["--console", "--db"])
        .arg(dir.path().join("audit.sqlite3"))
        .env_clear()
        .env("WAWP_INSTANCE_ID", "instance-console")
        .env("WAWP_ACCESS_TOKEN", "wawp-console-token-do-not-leak")
        .env("WAWP_BASE_URL", &base_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (lines, replies) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            let _ = lines.send(line.unwrap());
        }
    });
    let mut shown = String::new();
    let mut wait_for = |what: &str| {
        while !shown.contains(what) {
            match replies.recv_timeout(HANG) {
                Ok(line) => shown.push_str(&(line + "\n")),
                Err(_) => panic!("never shown: {what:?}; stdout: {shown}"),
            }
        }
        shown.clone()
    };

    stdin.write_all(b"/send +201234567890\n").unwrap();
    wait_for("Code sent to +20•••••7890");
    let code = wawp.last_code("201234567890").expect("a code was sent");
    stdin
        .write_all(format!("/verify +201234567890 {code}\n").as_bytes())
        .unwrap();
    let shown = wait_for("Verified: +20•••••7890 entered the right code.");
    drop(stdin);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{shown}");
    assert!(!shown.contains("Sandbox"), "not a dry run: {shown}");
}

/// Piped input: a line over 4 KiB is refused with one notice, without
/// being held whole, and the session goes on.
#[test]
fn a_line_over_4_kib_is_refused_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("/send +201234567890 ar {}\n", "x".repeat(1 << 20));
    let session = console(
        &dir.path().join("audit.sqlite3"),
        &format!("{long}/whoami\n"),
    );
    assert_eq!(session.code, 0, "{}", session.stderr);
    let refused: Vec<&str> = session
        .stdout
        .lines()
        .filter(|l| l.contains("longer than 4096 bytes"))
        .collect();
    assert_eq!(refused.len(), 1, "{}", session.stdout);
    assert!(
        session.stdout.contains("Your Telegram user id is 1."),
        "{}",
        session.stdout
    );
    assert!(!session.stdout.contains("Code sent"), "{}", session.stdout);
}
