//! `--log-format json` through the real binary: one JSON object per line on
//! stderr; the default stays human-readable text.

use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_wawp-bot");

/// A console session with `/whoami` piped in; returns (exit code, stdout, stderr).
fn console_session(format: Option<&str>) -> (i32, String, String) {
    console_session_with(format, &[])
}

fn console_session_with(format: Option<&str>, extra: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(BIN);
    command
        .args(["--sandbox", "--console", "--db"])
        .arg(dir.path().join("audit.sqlite3"))
        .env_clear()
        .env("RUST_LOG", "info")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(format) = format {
        command.args(["--log-format", format]);
    }
    command.args(extra);
    let mut child = command.spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"/whoami\n").unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn json_logs_are_one_object_per_line() {
    let (code, stdout, stderr) = console_session(Some("json"));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("1"), "the reply is printed: {stdout}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 2, "some INFO lines: {stderr}");
    for line in lines {
        let object: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        assert!(object["level"].is_string(), "{line}");
        assert!(object["fields"]["message"].is_string(), "{line}");
        assert!(
            !line.contains("console-"),
            "the session token is redacted: {line}"
        );
    }
}

#[test]
fn text_logs_stay_the_default() {
    let (code, _, stderr) = console_session(None);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains(" INFO "), "{stderr}");
    assert!(!stderr.trim_start().starts_with('{'), "{stderr}");
}

#[test]
fn the_start_says_the_version_and_warns_about_a_public_metrics_address() {
    let port = crate::free_addr().port().to_string();
    let listen = format!("0.0.0.0:{port}");
    let (code, _, stderr) = console_session_with(None, &["--metrics-listen", &listen]);
    assert_eq!(code, 0, "{stderr}");
    let version: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("wawp-bot starting"))
        .collect();
    assert_eq!(version.len(), 1, "{stderr}");
    assert!(
        version[0].contains("INFO") && version[0].contains(env!("CARGO_PKG_VERSION")),
        "{stderr}"
    );
    let warned: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("not a loopback address"))
        .collect();
    assert_eq!(warned.len(), 1, "{stderr}");
    assert!(
        warned[0].contains("WARN") && warned[0].contains("/metrics"),
        "{stderr}"
    );

    let (_, _, quiet) =
        console_session_with(None, &["--metrics-listen", &format!("127.0.0.1:{port}")]);
    assert!(!quiet.contains("not a loopback address"), "{quiet}");
}
