//! Settings: missing credentials, profiles chosen, help and completions.

use crate::support::{INSTANCE, TOKEN, run, sandbox, wawp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_are_one_line_and_exit_2() {
    let config = tempfile::tempdir().unwrap();
    let missing = run(wawp(config.path()), &["send", "+201234567890"]).await;
    assert_eq!(missing.code, 2, "{missing:?}");
    let line = missing.error_line();
    assert!(line.starts_with("wawp: "), "{line}");
    assert!(
        line.contains("WAWP_INSTANCE_ID") && line.contains("wawp login"),
        "{line}"
    );
    assert_eq!(missing.stdout, "");

    let mut half = wawp(config.path());
    half.env("WAWP_INSTANCE_ID", INSTANCE);
    let half = run(half, &["--json", "verify", "+201234567890", "123456"]).await;
    assert_eq!(half.code, 2, "{half:?}");
    assert!(
        half.error_line().contains("WAWP_ACCESS_TOKEN is not set"),
        "{half:?}"
    );
    assert_eq!(half.json()["error"], "settings");

    let unknown = run(
        wawp(config.path()),
        &["--profile", "nope", "send", "+201234567890"],
    )
    .await;
    assert_eq!(unknown.code, 2, "{unknown:?}");
    assert!(
        unknown.error_line().contains("wawp login --profile nope"),
        "{unknown:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_base_url_is_a_setting_and_never_repeats_the_token() {
    let config = tempfile::tempdir().unwrap();
    let mut command = wawp(config.path());
    command
        .env("WAWP_INSTANCE_ID", INSTANCE)
        .env("WAWP_ACCESS_TOKEN", TOKEN)
        .env("WAWP_BASE_URL", "http://api.example.com");
    let bad = run(command, &["send", "+201234567890"]).await;
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.error_line().contains("WAWP_BASE_URL"), "{bad:?}");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = sandbox().await;
    let config = tempfile::tempdir().unwrap();
    let dir = config.path().join("wawp");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("profiles.toml");
    std::fs::write(
        &file,
        format!(
            "[default]\ninstance_id = \"{INSTANCE}\"\naccess_token = \"{TOKEN}\"\nbase_url = \"{}\"\n",
            sandbox.base_url()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let refused = run(wawp(config.path()), &["send", "+201234567890"]).await;
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(refused.error_line().contains("chmod 600"), "{refused:?}");

    // Made private, the default profile is used when the environment has
    // no credentials; the environment wins when it has them.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let sent = run(wawp(config.path()), &["send", "+201234567890"]).await;
    assert_eq!(sent.code, 0, "{sent:?}");
    let mut wrong_env = wawp(config.path());
    wrong_env
        .env("WAWP_INSTANCE_ID", INSTANCE)
        .env("WAWP_ACCESS_TOKEN", "wrong")
        .env("WAWP_BASE_URL", sandbox.base_url());
    assert_eq!(run(wrong_env, &["send", "+201234567891"]).await.code, 3);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_documents_the_exit_codes_and_completions_are_generated() {
    let config = tempfile::tempdir().unwrap();
    for args in [&["--help"][..], &["send", "--help"], &["verify", "--help"]] {
        let help = run(wawp(config.path()), args).await;
        assert_eq!(help.code, 0, "{help:?}");
        assert!(help.stdout.contains("Exit codes:"), "{args:?}: {help:?}");
        assert!(help.stdout.contains("3  Wawp refused"), "{help:?}");
    }
    let verify_help = run(wawp(config.path()), &["verify", "--help"]).await;
    assert!(
        verify_help.stdout.contains("no active code"),
        "{verify_help:?}"
    );

    let usage = run(wawp(config.path()), &["send"]).await;
    assert_eq!(usage.code, 2, "{usage:?}");

    for shell in ["bash", "zsh", "fish"] {
        let script = run(wawp(config.path()), &["completions", shell]).await;
        assert_eq!(script.code, 0, "{script:?}");
        assert!(script.stdout.contains("verify"), "{shell}: {script:?}");
    }
}

#[cfg(unix)]
#[test]
fn a_closed_stdout_ends_the_output_without_a_panic() {
    use std::process::{Command, Stdio};
    let config = tempfile::tempdir().unwrap();
    for args in [
        &["completions", "bash"][..],
        &["send", "--sandbox", "+201234567890"],
    ] {
        let mut child = Command::new(crate::support::BIN)
            .args(args)
            .env_clear()
            .env("XDG_CONFIG_HOME", config.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before wawp writes: its writes fail (EPIPE).
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
    }
}
