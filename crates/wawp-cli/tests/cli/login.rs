//! `wawp login` on a pseudo-terminal (the token typed without echo) and
//! from a pipe; the profile file it writes.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use wawp_testkit::pty::{Setup, Terminal};

use crate::support::{BIN, INSTANCE, TOKEN, assert_no_token, run, run_with_stdin, sandbox, wawp};

/// `wawp args…` on a new pseudo-terminal that is its controlling terminal
/// (the token prompt reads /dev/tty). Types each of `answers` once the
/// screen shows its prompt; returns the exit code and the screen.
fn on_terminal(config: &Path, args: &[&str], answers: &[(&str, &str)]) -> (i32, String) {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env_clear()
        .env("XDG_CONFIG_HOME", config);
    let mut terminal = Terminal::spawn(
        command,
        Setup {
            stderr: true,
            controlling: true,
            ..Setup::default()
        },
    );
    for (prompt, answer) in answers {
        terminal.wait_for(prompt, 1);
        terminal.type_keys(format!("{answer}\r").as_bytes());
    }
    let status = terminal.wait_exit();
    (status.code().unwrap(), terminal.shown())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_on_a_terminal_writes_a_private_profile_without_echoing_the_token() {
    let sandbox = sandbox().await;
    let config = tempfile::tempdir().unwrap();
    let url = sandbox.base_url();
    let (code, screen) = on_terminal(
        config.path(),
        &["login", "--profile", "work", "--base-url", &url],
        &[("instance ID: ", INSTANCE), ("access token", TOKEN)],
    );
    assert_eq!(code, 0, "{screen:?}");
    assert_no_token("the terminal", &screen);
    assert!(
        screen.contains(INSTANCE),
        "the instance ID is echoed: {screen:?}"
    );
    assert!(screen.contains("saved profile \"work\""), "{screen:?}");

    let file = config.path().join("wawp/profiles.toml");
    let mode = std::fs::symlink_metadata(&file)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    let dir_mode = std::fs::metadata(file.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700, "{dir_mode:o}");

    // The profile works; without --profile (and no environment) there is
    // no "default" profile yet.
    let sent = run(
        wawp(config.path()),
        &["--profile", "work", "send", "+201234567890"],
    )
    .await;
    assert_eq!(sent.code, 0, "{sent:?}");
    assert_eq!(sandbox.messages().len(), 1);
    let none = run(wawp(config.path()), &["send", "+201234567890"]).await;
    assert_eq!(none.code, 2, "{none:?}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_from_a_pipe_keeps_other_profiles_and_refuses_a_symlink() {
    let config = tempfile::tempdir().unwrap();
    let first = run_with_stdin(
        wawp(config.path()),
        &["login", "--instance-id", "one"],
        &format!("{TOKEN}\n"),
    )
    .await;
    assert_eq!(first.code, 0, "{first:?}");
    let second = run_with_stdin(
        wawp(config.path()),
        &[
            "--json",
            "login",
            "--profile",
            "two",
            "--instance-id",
            "two",
        ],
        &format!("{TOKEN}\n"),
    )
    .await;
    assert_eq!(second.code, 0, "{second:?}");
    assert_eq!(second.json()["profile"], "two");
    let file = config.path().join("wawp/profiles.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("[default]") && text.contains("[two]"),
        "{text}"
    );
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let no_id = run_with_stdin(wawp(config.path()), &["login"], &format!("{TOKEN}\n")).await;
    assert_eq!(no_id.code, 2, "{no_id:?}");
    assert!(no_id.error_line().contains("--instance-id"), "{no_id:?}");

    // A symlink where the file goes is refused, and its target untouched.
    let target = config.path().join("elsewhere.toml");
    std::fs::write(&target, "").unwrap();
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(&target, &file).unwrap();
    let linked = run_with_stdin(
        wawp(config.path()),
        &["login", "--instance-id", "x"],
        &format!("{TOKEN}\n"),
    )
    .await;
    assert_eq!(linked.code, 2, "{linked:?}");
    assert!(linked.error_line().contains("symlink"), "{linked:?}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "");
    assert!(
        std::fs::symlink_metadata(&file)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}
