//! Settings through the binary: a config file others may read, a token
//! where a path belongs, `check-config` and the example file.

use std::process::{Command, Stdio};

use crate::common::BOT_TOKEN;
use crate::{BIN, run};

/// A config file holding the bot token that others may read: one WARN line
/// at start (the console run ends at once on empty input); with
/// `--strict-permissions`, one line and exit 2. A token given as the
/// config path or the database is refused without being shown.
#[cfg(unix)]
#[test]
fn a_readable_config_file_with_a_secret_is_warned_about_or_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bot.toml");
    std::fs::write(
        &path,
        format!("telegram_bot_token = \"{BOT_TOKEN}\"\nwawp_bot_admins = [1]\n"),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let db = dir.path().join("audit.sqlite3");
    let args = [
        "--config",
        path.to_str().unwrap(),
        "--sandbox",
        "--console",
        "--db",
        db.to_str().unwrap(),
    ];
    let out = Command::new(BIN)
        .args(args)
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("group or others may read it"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].contains("WARN") && warnings[0].contains("644"),
        "{stderr}"
    );

    let mut strict = args.to_vec();
    strict.push("--strict-permissions");
    let (code, _, stderr) = run(&strict, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("wawp-bot: WAWP_BOT_CONFIG is invalid: the file holds a secret"),
        "{stderr}"
    );

    for name in ["WAWP_BOT_CONFIG", "WAWP_BOT_DB"] {
        let (code, _, stderr) = run(&["--sandbox", "--console"], &[(name, BOT_TOKEN)]);
        assert_eq!(code, 2, "{stderr}");
        assert_eq!(
            stderr.trim_end(),
            format!(
                "wawp-bot: {name} is invalid: it looks like a token or password, not a path or URL: put the secret in its own setting and give the path or URL here"
            )
        );
    }
}

/// `check-config` validates every setting and exits: 0 for the example
/// `deploy/wawp-bot.toml`, as shipped and with every optional setting
/// uncommented (so every example value is valid, and every setting is in
/// it); 2 with the one-line error otherwise.
#[cfg(unix)]
#[test]
fn check_config_accepts_the_example_file_and_names_what_to_fix() {
    use std::os::unix::fs::PermissionsExt;
    let example = include_str!("../../deploy/wawp-bot.toml");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wawp-bot.toml");
    let path_text = path.to_str().unwrap();
    let write = |text: &str| {
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    };
    write(example);
    let (code, stdout, stderr) = run(&["check-config", "--config", path_text], &[]);
    assert_eq!((code, stderr.as_str()), (0, ""), "{stdout}");
    assert_eq!(stdout, "wawp-bot: the configuration is valid\n");

    let mut keys = Vec::new();
    let uncommented: String = example
        .lines()
        .map(|line| {
            let setting = line.strip_prefix("# ").unwrap_or(line);
            match setting.split_once(" = ") {
                Some((key, _)) if key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') => {
                    keys.push(key.to_owned());
                    format!("{setting}\n")
                }
                _ => format!("{line}\n"),
            }
        })
        .collect();
    write(&uncommented);
    let (code, _, stderr) = run(&["check-config", "--config", path_text], &[]);
    assert_eq!(code, 0, "{stderr}");
    let (_, help, _) = run(&["--help"], &[]);
    let names: Vec<&str> = help
        .split("[env: ")
        .skip(1)
        .filter_map(|rest| rest.split(']').next())
        .filter(|name| name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
        .filter(|name| *name != "WAWP_BOT_CONFIG")
        .collect();
    assert!(names.len() >= 20, "{help}");
    for name in names {
        assert!(
            keys.contains(&name.to_ascii_lowercase()),
            "{name} is missing from deploy/wawp-bot.toml"
        );
    }

    // Settings as for a run: flags (before the command), environment, file.
    let (code, stdout, stderr) = run(
        &["--send-limit", "0", "check-config", "--config", path_text],
        &[],
    );
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("wawp-bot: WAWP_BOT_SEND_LIMIT is invalid"),
        "{stderr}"
    );
    let (code, _, stderr) = run(
        &["check-config", "--config", path_text],
        &[("WAWP_BOT_REPLY_RATE", "0")],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("wawp-bot: WAWP_BOT_REPLY_RATE is invalid"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["check-config"], &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("wawp-bot: TELEGRAM_BOT_TOKEN is not set"),
        "{stderr}"
    );
}
