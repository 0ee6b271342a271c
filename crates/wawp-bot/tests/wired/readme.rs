//! The root README's Set-up (issue 13 item 2): the main-job command is the
//! console dry run and works as written, with no token, no network and an
//! empty environment; the real set-up's placeholders are safe to paste.

use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_wawp-bot");
const README: &str = include_str!("../../../../README.md");

/// The shell blocks of the Set-up section.
fn setup_blocks() -> Vec<Vec<&'static str>> {
    let section = README
        .split("\n## Set-up\n")
        .nth(1)
        .expect("a Set-up section")
        .split("\n## ")
        .next()
        .unwrap();
    section
        .split("```sh\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap().lines().collect())
        .collect()
}

#[test]
fn the_main_job_command_runs_the_console_dry_run_and_exits_cleanly() {
    let blocks = setup_blocks();
    assert_eq!(
        blocks[0],
        [
            "cargo run -p wawp-bot -- --sandbox --console",
            "cargo test --workspace --locked"
        ]
    );
    let args: Vec<&str> = blocks[0][0]
        .split(" -- ")
        .nth(1)
        .unwrap()
        .split(' ')
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(&args)
        .current_dir(dir.path())
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"/help\n/send +201234567890 ar\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("Code sent"), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("code="),
        "the code to /verify is on stderr: {stderr}"
    );
    // A dry run keeps its own log: the next step (the real bot) starts on
    // an empty `wawp-bot.sqlite3`.
    assert!(
        dir.path().join("wawp-bot-sandbox.sqlite3").exists(),
        "the dry run's default audit log"
    );
    assert!(!dir.path().join("wawp-bot.sqlite3").exists());
}

#[test]
fn the_real_setup_block_is_safe_to_paste() {
    let blocks = setup_blocks();
    // The block that sets the bot's token (after the CLI's dry-run block).
    let real = blocks
        .iter()
        .find(|block| block.iter().any(|l| l.contains("TELEGRAM_BOT_TOKEN")))
        .expect("a block with the real set-up");
    for line in real {
        assert!(
            !line.contains('<') && !line.contains('>') && !line.contains('|'),
            "a shell would take this for a redirect or a pipe: {line}"
        );
    }
    for name in [
        "TELEGRAM_BOT_TOKEN",
        "WAWP_BOT_ADMINS",
        "WAWP_INSTANCE_ID",
        "WAWP_ACCESS_TOKEN",
    ] {
        assert!(
            real.iter()
                .any(|l| l.starts_with(&format!("export {name}='"))),
            "{name} is set, quoted, in {real:#?}"
        );
    }
}
