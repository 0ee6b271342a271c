//! The `send_otp` example refuses what it cannot read with exit status 2
//! and never repeats an argument (it may be a phone number).

use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;
use std::process::Command;

/// `target/debug/examples/send_otp`, built by `cargo test` with the tests.
fn example() -> PathBuf {
    example_named("send_otp")
}

fn example_named(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path = dir.join("examples").join(name);
    assert!(
        path.exists(),
        "build the examples first: {}",
        path.display()
    );
    path
}

#[test]
fn a_non_utf8_argument_exits_2_without_echoing_it() {
    let mut bytes = b"+2012345678".to_vec();
    bytes.push(0xff);
    bytes.push(b'9');
    let output = Command::new(example())
        .arg(std::ffi::OsString::from_vec(bytes))
        .env("WAWP_INSTANCE_ID", "i")
        .env("WAWP_ACCESS_TOKEN", "t")
        .env("WAWP_BASE_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("argument 1 is not valid UTF-8"), "{stderr}");
    assert!(!stderr.contains("2012345678"), "{stderr}");
    assert!(output.stdout.is_empty());
}

/// Runs the example with credentials set and `args`; checks it exits 2
/// with nothing on stdout, and returns its stderr.
fn refused(args: &[&str]) -> String {
    let output = Command::new(example())
        .args(args)
        .env("WAWP_INSTANCE_ID", "i")
        .env("WAWP_ACCESS_TOKEN", "t")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty(), "{stderr}");
    stderr
}

#[test]
fn an_invalid_number_exits_2_without_echoing_it() {
    let stderr = refused(&["+20 12", "--lang", "ar"]);
    assert!(stderr.contains("invalid phone number"), "{stderr}");
    assert!(!stderr.contains("+20 12"), "{stderr}");
}

#[test]
fn a_refused_language_is_not_echoed_even_when_it_is_a_number() {
    for lang in ["+201234567890", "tok_SECRET_9f8e"] {
        let stderr = refused(&["+201234567890", "--lang", lang]);
        assert!(stderr.contains("invalid language code"), "{stderr}");
        assert!(!stderr.contains("1234567"), "{stderr}");
        assert!(!stderr.contains("SECRET"), "{stderr}");
    }
}

/// A hostile server's `job_id` (terminal escapes, a bell, a line break and a
/// forged log line) is printed by the `verify_otp` example as clean text on
/// its one line.
#[tokio::test]
async fn verify_otp_prints_no_forged_line_from_a_hostile_job_id() {
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    let body = serde_json::json!({
        "code": "success",
        "message": "sent",
        "expires_in": 300,
        "job_id": "job\u{1b}[2J\u{7}\n2099-01-01T00:00:00Z INFO forged%0D%0Aline",
    });
    Mock::given(path(crate::common::SEND_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let uri = server.uri();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(example_named("verify_otp"))
            .arg("+201234567890")
            .env("WAWP_INSTANCE_ID", "i")
            .env("WAWP_ACCESS_TOKEN", "t")
            .env("WAWP_BASE_URL", uri)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout:?}");
    assert!(
        lines[0].starts_with("code sent to +20•••••7890 (job job[2J "),
        "{stdout:?}"
    );
    assert!(!stdout.contains(['\u{1b}', '\u{7}', '\r']), "{stdout:?}");
    assert_eq!(lines[1], "type the 6-digit code:");
}

/// The quickstart reports a failure like users expect: its `Display` text
/// on stderr, exit status 1, never the `Debug` form.
#[tokio::test]
async fn the_quickstart_prints_the_display_text_of_a_failure() {
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    Mock::given(path(crate::common::SEND_PATH))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "42"))
        .mount(&server)
        .await;
    let uri = server.uri();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(example_named("quickstart"))
            .env("WAWP_INSTANCE_ID", "i")
            .env("WAWP_ACCESS_TOKEN", crate::common::TOKEN)
            .env("WAWP_BASE_URL", uri)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "error: Wawp is protecting this recipient from repeated codes (HTTP 429): wait 42 s before sending again"
    );
    assert!(!stderr.contains("SendCooldown"), "{stderr}");
    assert!(output.stdout.is_empty());
}

/// The README's quickstart is `examples/quickstart.rs`, word for word.
#[test]
fn the_readme_quickstart_is_the_example() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{dir}/README.md")).unwrap();
    let example = std::fs::read_to_string(format!("{dir}/examples/quickstart.rs")).unwrap();
    assert!(
        readme.contains(&format!("```rust,no_run\n{example}```")),
        "copy examples/quickstart.rs into the README's Quickstart"
    );
}
