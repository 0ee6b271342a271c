//! Running the real `wawp` binary, and a sandbox for it to talk to.

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use tokio::process::Command;
use wawp_sandbox::Sandbox;

/// The access token every test uses: no output may ever contain it.
pub const TOKEN: &str = "tok-CLI-secret-5f1e9c";
pub const INSTANCE: &str = "inst-cli-test";
/// Only a guard against a hung process, not a timing assertion.
pub const HANG: Duration = Duration::from_secs(120);

pub const BIN: &str = env!("CARGO_BIN_EXE_wawp");

/// A sandbox on 127.0.0.1 with the test's credentials.
pub async fn sandbox() -> Sandbox {
    Sandbox::builder()
        .instance_id(INSTANCE)
        .access_token(TOKEN)
        .start()
        .await
        .unwrap()
}

/// What one run of `wawp` did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout as the one JSON object `--json` promises.
    pub fn json(&self) -> serde_json::Value {
        let lines: Vec<_> = self.stdout.lines().collect();
        assert_eq!(lines.len(), 1, "not one line on stdout: {self:?}");
        serde_json::from_str(lines[0]).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }

    /// The one line on stderr.
    pub fn error_line(&self) -> &str {
        let lines: Vec<_> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "not one line on stderr: {self:?}");
        lines[0]
    }
}

/// Asserts that nothing a user could see holds the token.
pub fn assert_no_token(what: &str, text: &str) {
    assert!(
        !text.contains(TOKEN),
        "the token leaked into {what}: {text:?}"
    );
}

/// `wawp` with an empty environment and its own config folder.
pub fn wawp(config: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("XDG_CONFIG_HOME", config)
        .kill_on_drop(true);
    command
}

/// `wawp` with credentials for `sandbox` in the environment.
pub fn wawp_for(sandbox: &Sandbox, config: &Path) -> Command {
    let mut command = wawp(config);
    command
        .env("WAWP_INSTANCE_ID", INSTANCE)
        .env("WAWP_ACCESS_TOKEN", TOKEN)
        .env("WAWP_BASE_URL", sandbox.base_url());
    command
}

/// Runs it to the end with `args`, checking that no output holds the token.
pub async fn run(command: Command, args: &[&str]) -> Run {
    run_with_stdin(command, args, "").await
}

/// [`run`], with `stdin` written to its standard input.
pub async fn run_with_stdin(mut command: Command, args: &[&str], stdin: &str) -> Run {
    use tokio::io::AsyncWriteExt;
    let mut child = command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    // wawp may exit without reading it all (a usage error).
    let _ = pipe.write_all(stdin.as_bytes()).await;
    drop(pipe);
    let output: Output = tokio::time::timeout(HANG, child.wait_with_output())
        .await
        .expect("wawp hung")
        .unwrap();
    let run = Run {
        code: output.status.code().expect("wawp was killed by a signal"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert_no_token("stdout", &run.stdout);
    assert_no_token("stderr", &run.stderr);
    run
}

/// A 6-digit code that is not `code`.
pub fn other_code(code: &str) -> String {
    if code == "111111" { "222222" } else { "111111" }.to_owned()
}
