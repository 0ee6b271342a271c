//! `--sandbox` (a dry run in process) and `wawp sandbox` (a sandbox that
//! stays up), with no credentials and no network.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::support::{HANG, TOKEN, assert_no_token, run, wawp};

/// Settings that would fail or leak if the dry run used them: a real
/// token, an unreachable base URL and a proxy.
fn poisoned(command: &mut tokio::process::Command) {
    command
        .env("WAWP_INSTANCE_ID", "real-instance")
        .env("WAWP_ACCESS_TOKEN", TOKEN)
        .env("WAWP_BASE_URL", "https://api.wawp.invalid")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("ALL_PROXY", "http://127.0.0.1:9");
}

/// The 6 digits after `code ` in `text`.
fn code_in(text: &str) -> Option<String> {
    let at = text.find("code ")? + 5;
    let code = text.get(at..at + 6)?;
    code.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| code.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_dry_run_prints_the_code_on_stderr_only() {
    let config = tempfile::tempdir().unwrap();
    let mut command = wawp(config.path());
    poisoned(&mut command);
    let dry = run(command, &["send", "--sandbox", "+201234567890"]).await;
    assert_eq!(dry.code, 0, "{dry:?}");
    let line = dry.error_line();
    assert!(
        line.contains("dry run") && line.contains("+20•••••7890"),
        "{line}"
    );
    let code = code_in(line).unwrap_or_else(|| panic!("no code in {line:?}"));
    assert!(!dry.stdout.contains(&code), "{dry:?}");
    assert!(
        dry.stdout.contains("sent a code to +20•••••7890 (dry run)"),
        "{dry:?}"
    );

    let mut command = wawp(config.path());
    poisoned(&mut command);
    let json = run(command, &["--json", "send", "--sandbox", "+201234567890"]).await;
    assert_eq!(json.code, 0, "{json:?}");
    assert_eq!(json.json()["dry_run"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_dry_run_has_no_code_to_check() {
    let config = tempfile::tempdir().unwrap();
    let mut command = wawp(config.path());
    poisoned(&mut command);
    let dry = run(
        command,
        &["--json", "verify", "--sandbox", "+201234567890", "123456"],
    )
    .await;
    assert_eq!(dry.code, 1, "{dry:?}");
    let json = dry.json();
    assert_eq!(json["outcome"], "no_active_code");
    assert_eq!(json["dry_run"], true);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_command_serves_send_and_verify_until_ctrl_c() {
    let config = tempfile::tempdir().unwrap();
    let mut command = wawp(config.path());
    poisoned(&mut command);
    let mut server = command
        .args(["--json", "sandbox", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(server.stdout.take().unwrap()).lines();
    let mut stderr = BufReader::new(server.stderr.take().unwrap()).lines();
    let first = tokio::time::timeout(HANG, stdout.next_line())
        .await
        .expect("no first line")
        .unwrap()
        .unwrap();
    assert_no_token("sandbox stdout", &first);
    let info: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(info["outcome"], "listening");
    let url = info["base_url"].as_str().unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{info}");
    assert_ne!(info["access_token"], TOKEN, "made-up credentials only");

    // `wawp` pointed at it with the credentials it printed.
    let client = || {
        let mut command = wawp(config.path());
        command
            .env("WAWP_BASE_URL", url)
            .env("WAWP_INSTANCE_ID", info["instance_id"].as_str().unwrap())
            .env("WAWP_ACCESS_TOKEN", info["access_token"].as_str().unwrap());
        command
    };
    let sent = run(client(), &["send", "+201234567890"]).await;
    assert_eq!(sent.code, 0, "{sent:?}");

    let line = tokio::time::timeout(HANG, stderr.next_line())
        .await
        .expect("no code printed")
        .unwrap()
        .unwrap();
    assert_no_token("sandbox stderr", &line);
    assert!(line.contains("+20•••••7890"), "{line}");
    let code = code_in(&line).unwrap_or_else(|| panic!("no code in {line:?}"));

    let verified = run(client(), &["verify", "+201234567890", &code]).await;
    assert_eq!(verified.code, 0, "{verified:?}");

    let pid = nix::unistd::Pid::from_raw(server.id().unwrap() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let status = tokio::time::timeout(HANG, server.wait())
        .await
        .expect("did not stop")
        .unwrap();
    assert_eq!(status.code(), Some(0));
    while let Ok(Some(line)) = stderr.next_line().await {
        assert_no_token("sandbox stderr", &line);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_command_on_a_taken_address_is_exit_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let config = tempfile::tempdir().unwrap();
    let refused = run(wawp(config.path()), &["sandbox", "--listen", &address]).await;
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused.error_line().contains("cannot start the sandbox"),
        "{refused:?}"
    );
}
