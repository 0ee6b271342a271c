//! The `wawp-sandbox` binary: help, bad settings, start-up output, stopping.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_wawp-sandbox");

fn sandbox() -> Command {
    let mut command = Command::new(BIN);
    command
        .env_remove("WAWP_INSTANCE_ID")
        .env_remove("WAWP_ACCESS_TOKEN")
        .env_remove("RUST_LOG");
    command
}

fn run(command: &mut Command) -> Output {
    command.stdin(Stdio::null()).output().expect("runs")
}

#[track_caller]
fn assert_one_line_exit_2(output: &Output, starts_with: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with(starts_with), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn help_explains_every_setting_and_hides_env_values() {
    let output = run(sandbox()
        .arg("--help")
        .env("WAWP_ACCESS_TOKEN", "super-secret-token"));
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for needle in [
        "--listen",
        "--instance-id",
        "--access-token",
        "--max-recipients",
        "--max-messages",
        "--max-connections",
        "--header-read-timeout",
        "--request-timeout",
        "408",
        "--log-codes",
        "Codes are NOT logged unless --log-codes",
        "limit",
        "7 to 15 digits",
        "413",
        "415",
        "WAWP_INSTANCE_ID",
        "WAWP_ACCESS_TOKEN",
        "WAWP_BASE_URL",
        "/_sandbox/messages",
        "RUST_LOG",
        "SIGTERM",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}:\n{help}");
    }
    assert!(!help.contains("super-secret-token"), "{help}");
}

#[test]
fn an_unparseable_listen_address_is_one_line_and_exit_2() {
    let output = run(sandbox().args(["--listen", "localhost"]));
    assert_one_line_exit_2(&output, "wawp-sandbox: invalid --listen \"localhost\"");
}

#[test]
fn unusable_limits_are_one_line_and_exit_2() {
    for (flag, value) in [
        ("--max-connections", "0"),
        ("--header-read-timeout", "0"),
        ("--request-timeout", "soon"),
        ("--max-messages", "many"),
    ] {
        let output = run(sandbox().args([flag, value]));
        assert_one_line_exit_2(&output, "wawp-sandbox: invalid value");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(flag), "{stderr}");
    }
    let output = run(sandbox().arg("--no-such-flag"));
    assert_one_line_exit_2(&output, "wawp-sandbox: unexpected argument");
}

#[test]
fn a_port_in_use_is_one_line_and_exit_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = run(sandbox().args(["--listen", &addr]));
    assert_one_line_exit_2(&output, &format!("wawp-sandbox: cannot listen on {addr}: "));
}

#[test]
fn unusable_credentials_are_one_line_and_exit_2() {
    let output = run(sandbox().args(["--listen", "127.0.0.1:0", "--access-token", "has space"]));
    assert_one_line_exit_2(&output, "wawp-sandbox: invalid access token");
}

/// A running binary and what it printed at start.
struct Running {
    /// `None` once terminated; a test that fails earlier kills it on drop.
    child: Option<Child>,
    lines: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Running {
    fn start(command: &mut Command) -> Running {
        let mut child = command
            .args(["--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut lines = Vec::new();
        // The start-up banner ends with the curl hint.
        while !lines
            .last()
            .is_some_and(|l: &String| l.starts_with("Codes it"))
        {
            let mut line = String::new();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "exited early: {lines:?}"
            );
            lines.push(line.trim_end().to_owned());
        }
        child.stdout = Some(stdout.into_inner());
        Running {
            child: Some(child),
            lines,
        }
    }

    fn value(&self, prefix: &str) -> String {
        self.lines
            .iter()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} in {:?}", self.lines))
            .trim()
            .to_owned()
    }

    fn base_url(&self) -> String {
        self.value("wawp-sandbox listening on ")
    }

    /// Sends SIGTERM and waits (at most 10 s) for the exit: the status and
    /// the rest of stdout.
    fn terminate(self) -> (ExitStatus, String) {
        let (status, stdout, _stderr) = self.terminate_with_stderr();
        (status, stdout)
    }

    /// Like [`Running::terminate`], with everything written to stderr.
    fn terminate_with_stderr(mut self) -> (ExitStatus, String, String) {
        let mut child = self.child.take().unwrap();
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let status = child.wait();
            let mut rest = String::new();
            child
                .stdout
                .take()
                .unwrap()
                .read_to_string(&mut rest)
                .unwrap();
            let mut stderr = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            tx.send((status, rest, stderr)).unwrap();
        });
        let (status, rest, stderr) = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("stops within 10 s of SIGTERM");
        (status.unwrap(), rest, stderr)
    }
}

async fn send(base_url: &str, instance_id: &str, token: &str) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(format!("{base_url}/v2/auth/otp/send"))
        .bearer_auth(token)
        .json(&serde_json::json!({"instance_id": instance_id, "chatId": "201234567890"}))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn generated_credentials_are_printed_and_sigterm_stops_it_cleanly() {
    let running = Running::start(&mut sandbox());
    let url = running.base_url();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let instance_id = running.value("instance id:");
    let token = running
        .value("access token:")
        .trim_end_matches("(generated)")
        .trim()
        .to_owned();
    assert!(
        running
            .lines
            .iter()
            .any(|l| l.contains(&format!("WAWP_BASE_URL={url}"))),
        "{:?}",
        running.lines
    );
    assert_eq!(send(&url, &instance_id, &token).await, 200);
    assert_eq!(send(&url, &instance_id, "wrong").await, 401);

    let (status, rest) = running.terminate();
    assert!(status.success(), "{status}");
    assert!(rest.contains("stopped"), "{rest}");
}

#[tokio::test]
async fn credentials_from_the_environment_are_used_and_the_token_not_printed() {
    let running = Running::start(
        sandbox()
            .env("WAWP_INSTANCE_ID", "env-instance")
            .env("WAWP_ACCESS_TOKEN", "env-token-value"),
    );
    assert!(
        running.lines.iter().all(|l| !l.contains("env-token-value")),
        "{:?}",
        running.lines
    );
    assert_eq!(running.value("instance id:"), "env-instance");
    assert_eq!(
        send(&running.base_url(), "env-instance", "env-token-value").await,
        200
    );
    let (status, _) = running.terminate();
    assert!(status.success(), "{status}");
}

/// Sends one code with the credentials `running` printed; returns the code
/// (read from `/_sandbox/messages`).
async fn send_and_read_code(running: &Running) -> String {
    let url = running.base_url();
    let token = running
        .value("access token:")
        .trim_end_matches("(generated)")
        .trim()
        .to_owned();
    assert_eq!(
        send(&url, &running.value("instance id:"), &token).await,
        200
    );
    let messages: Vec<serde_json::Value> = reqwest::get(format!("{url}/_sandbox/messages"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    messages[0]["code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn codes_are_not_logged_even_at_debug_level_without_log_codes() {
    let running = Running::start(sandbox().env("RUST_LOG", "debug"));
    let code = send_and_read_code(&running).await;
    let (status, _, stderr) = running.terminate_with_stderr();
    assert!(status.success(), "{status}");
    assert!(
        stderr.contains("OTP sent"),
        "a send is logged at debug: {stderr}"
    );
    assert!(!stderr.contains(&format!("code={code}")), "{stderr}");
    assert!(!stderr.contains("201234567890"), "{stderr}");
}

#[tokio::test]
async fn requests_are_not_logged_at_the_default_level() {
    let running = Running::start(&mut sandbox());
    send_and_read_code(&running).await;
    let (status, _, stderr) = running.terminate_with_stderr();
    assert!(status.success(), "{status}");
    assert!(!stderr.contains("OTP sent"), "{stderr}");
}

#[tokio::test]
async fn log_codes_logs_each_code_at_info() {
    let running = Running::start(sandbox().arg("--log-codes"));
    let code = send_and_read_code(&running).await;
    let (status, _, stderr) = running.terminate_with_stderr();
    assert!(status.success(), "{status}");
    assert!(stderr.contains(&format!("code={code}")), "{stderr}");
    assert!(stderr.contains("INFO"), "{stderr}");
}

/// Under `ulimit -n 256` the cap is lowered below the limit (one WARN line
/// says so), a flood of 400 idle connections does not run the sandbox out
/// of descriptors (no accept warning at all), and requests are served.
#[cfg(unix)]
#[tokio::test]
async fn under_a_low_open_file_limit_the_cap_stays_below_it() {
    use std::os::unix::process::CommandExt;

    let mut command = sandbox();
    // SAFETY: setrlimit is async-signal-safe; the closure allocates nothing.
    unsafe {
        command.pre_exec(|| {
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            limit.rlim_cur = 256;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let running = Running::start(&mut command);
    let addr = running.base_url().trim_start_matches("http://").to_owned();
    let mut idle = Vec::new();
    for _ in 0..400 {
        idle.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    for _ in 0..20 {
        let response = http
            .get(format!("http://{addr}/_sandbox/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let health: serde_json::Value = response.json().await.unwrap();
        assert!(health["connections"].as_u64().unwrap() <= 192, "{health}");
    }
    drop(idle);
    let (status, _, stderr) = running.terminate_with_stderr();
    assert!(status.success(), "{status}");
    let lowered: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("connection cap lowered"))
        .collect();
    assert_eq!(lowered.len(), 1, "{stderr}");
    assert!(
        lowered[0].contains("WARN") && lowered[0].contains("cap=192"),
        "{stderr}"
    );
    assert!(!stderr.contains("cannot accept"), "{stderr}");
}
