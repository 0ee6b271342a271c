//! Errors: one line, naming the setting, never its value.

use super::{BASE, Case, TOKEN, config, err, with};
use clap::CommandFactory;

use super::load;
use crate::config::WawpSettings;

/// Args and environment.
type Place<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);

#[test]
fn missing_and_bad_settings_name_the_variable_on_one_line() {
    let cases: &[Case] = &[
        (
            &["--admins", "1", "--sandbox"],
            &[],
            "TELEGRAM_BOT_TOKEN is not set",
        ),
        (
            &["--sandbox"],
            &[("TELEGRAM_BOT_TOKEN", "nonsense"), ("WAWP_BOT_ADMINS", "1")],
            "TELEGRAM_BOT_TOKEN is invalid",
        ),
        (
            &["--telegram-bot-token", TOKEN, "--sandbox"],
            &[],
            "WAWP_BOT_ADMINS is not set",
        ),
        (
            &[
                "--telegram-bot-token",
                TOKEN,
                "--admins",
                " , ",
                "--sandbox",
            ],
            &[],
            "WAWP_BOT_ADMINS is invalid: it lists no user id",
        ),
        (
            &["--telegram-bot-token", TOKEN, "--sandbox"],
            &[("WAWP_BOT_ADMINS", "1,bob")],
            "WAWP_BOT_ADMINS is invalid: item 2 of 2 is not a Telegram user id",
        ),
        (
            &["--telegram-bot-token", TOKEN, "--admins", "1"],
            &[],
            "WAWP_INSTANCE_ID is not set",
        ),
        (
            &[
                "--telegram-bot-token",
                TOKEN,
                "--admins",
                "1",
                "--wawp-instance-id",
                "i",
            ],
            &[],
            "WAWP_ACCESS_TOKEN is not set",
        ),
        (
            BASE,
            &[("WAWP_BOT_SEND_LIMIT", "ten")],
            "WAWP_BOT_SEND_LIMIT is invalid: it is not a whole number",
        ),
        (
            &with(&["--send-limit", "0"]),
            &[],
            "WAWP_BOT_SEND_LIMIT is invalid: it is out of range",
        ),
        (
            &with(&["--reply-rate", "5000"]),
            &[],
            "WAWP_BOT_REPLY_RATE is invalid: it is out of range",
        ),
        (
            &with(&["--max-update-age=-5"]),
            &[],
            "WAWP_BOT_MAX_UPDATE_AGE is invalid",
        ),
        (
            &with(&["--telegram-api-url", "ftp://x"]),
            &[],
            "TELEGRAM_API_URL is invalid",
        ),
        (
            &with(&["--shutdown-timeout", "0"]),
            &[],
            "WAWP_BOT_SHUTDOWN_TIMEOUT is invalid",
        ),
        (
            &with(&["--log-format", "xml"]),
            &[],
            "WAWP_BOT_LOG_FORMAT is invalid: use one of: text, json",
        ),
        (
            &with(&["--console=maybe"]),
            &[],
            "WAWP_BOT_CONSOLE is invalid",
        ),
        (&["audit"], &[], "a command is missing; see wawp-bot --help"),
        (
            &with(&["--metrics-listen", "localhost"]),
            &[],
            "WAWP_BOT_METRICS_LISTEN is invalid",
        ),
        (
            &with(&["--audit-retention-days", "0"]),
            &[],
            "WAWP_BOT_AUDIT_RETENTION_DAYS is invalid",
        ),
        (&with(&["--db", "mysql://x"]), &[], "WAWP_BOT_DB is invalid"),
        (
            &with(&["--webhook-url", "https://bot.example.com/hook"]),
            &[],
            "WAWP_BOT_WEBHOOK_SECRET is not set",
        ),
        (
            &with(&["--webhook-url", "http://bot.example.com/hook"]),
            &[],
            "WAWP_BOT_WEBHOOK_URL is invalid: Telegram only calls https://",
        ),
        (
            &with(&["--webhook-url", "https://bot.example.com:9000/hook"]),
            &[],
            "WAWP_BOT_WEBHOOK_URL is invalid: Telegram only calls webhooks on ports",
        ),
        (
            &with(&["--webhook-url", "https://b.example.com/h"]),
            &[("WAWP_BOT_WEBHOOK_SECRET", "has space")],
            "WAWP_BOT_WEBHOOK_SECRET is invalid: use only A-Z",
        ),
        (
            &with(&[
                "--webhook-url",
                "https://b.example.com/h",
                "--webhook-secret",
                "",
            ]),
            &[],
            "WAWP_BOT_WEBHOOK_SECRET is invalid: it has 0 characters",
        ),
        (
            &with(&[
                "--webhook-url",
                "https://b.example.com/h",
                "--listen",
                "0.0.0.0:8443",
                "--metrics-listen",
                "127.0.0.1:8443",
                "--webhook-secret",
                "abc",
            ]),
            &[],
            "WAWP_BOT_METRICS_LISTEN is invalid: it must not share",
        ),
        (
            &with(&["--console", "--webhook-url", "https://b.example.com/h"]),
            &[],
            "WAWP_BOT_WEBHOOK_URL is invalid: it cannot be combined with --console",
        ),
        (
            &with(&["--no-such-flag=secret"]),
            &[],
            "unknown flag --no-such-flag; see wawp-bot --help",
        ),
    ];
    for (args, env, expected) in cases {
        let message = err(args, env);
        assert!(message.starts_with(expected), "{args:?} {env:?}: {message}");
    }
    let long = "x".repeat(257);
    let message = err(
        &with(&["--webhook-url", "https://b.example.com/h"]),
        &[("WAWP_BOT_WEBHOOK_SECRET", &long)],
    );
    assert!(message.contains("it has 257 characters"), "{message}");
}

#[test]
fn a_secret_pasted_into_the_wrong_setting_is_never_echoed() {
    let secret = "123456:AAXyzzYsecretXyzzY";
    let places: &[Place] = &[
        (
            &["--telegram-bot-token", TOKEN, "--sandbox"],
            &[("WAWP_BOT_ADMINS", secret)],
        ),
        (
            &[
                "--telegram-bot-token",
                TOKEN,
                "--sandbox",
                "--admins",
                secret,
            ],
            &[],
        ),
        (BASE, &[("WAWP_BOT_SEND_LIMIT", secret)]),
        (BASE, &[("TELEGRAM_API_URL", secret)]),
        (BASE, &[("WAWP_BOT_METRICS_LISTEN", secret)]),
        (
            &with(&["--webhook-url", "https://b.example.com/h"]),
            &[("WAWP_BOT_WEBHOOK_SECRET", "AAXyzzY:XyzzY")],
        ),
        (&with(&[secret]), &[]),
    ];
    for (args, env) in places {
        let message = err(args, env);
        assert!(!message.contains("XyzzY"), "{message}");
    }
    assert!(
        err(
            &["--telegram-bot-token", TOKEN, "--sandbox"],
            &[("WAWP_BOT_ADMINS", secret)]
        )
        .starts_with("WAWP_BOT_ADMINS is invalid: item 1 of 1 is not a Telegram user id")
    );
}

#[test]
fn a_broken_config_file_is_one_line_without_its_contents() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bot.toml");
    std::fs::write(
        &path,
        "telegram_bot_token = \"123:secretvalue\"\nadmins = [1]\n",
    )
    .unwrap();
    let message = err(&["--config", path.to_str().unwrap()], &[]);
    assert!(
        message.contains("line 2") && message.contains("admins"),
        "{message}"
    );
    assert!(!message.contains("secretvalue"), "{message}");

    std::fs::write(&path, "telegram_bot_token = \"123:secretvalue\nx").unwrap();
    let message = err(&["--config", path.to_str().unwrap()], &[]);
    assert!(
        message.contains("line ") && !message.contains("secretvalue"),
        "{message}"
    );

    std::fs::write(&path, "wawp_bot_admins = \"123456:secretvalue\"\n").unwrap();
    let message = err(
        &[
            "--config",
            path.to_str().unwrap(),
            "--telegram-bot-token",
            TOKEN,
        ],
        &[],
    );
    assert!(
        message.starts_with("WAWP_BOT_ADMINS is invalid"),
        "{message}"
    );
    assert!(!message.contains("secretvalue"), "{message}");

    std::fs::write(&path, "sandbox = true\nwawp_bot_admins = [1]\n").unwrap();
    let legacy = config(
        &[
            "--config",
            path.to_str().unwrap(),
            "--telegram-bot-token",
            TOKEN,
        ],
        &[],
    );
    assert!(
        matches!(legacy.wawp, WawpSettings::Sandbox),
        "the old `sandbox` key still works"
    );

    let message = err(&["--config", "/nonexistent/bot.toml"], &[]);
    assert!(
        message
            .starts_with("the --config file (WAWP_BOT_CONFIG): cannot read it (entity not found)"),
        "{message}"
    );
}

/// A value shaped like a Telegram bot token, and a random-looking one.
const PASTED: [&str; 2] = [
    "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQx",
    "wJalrXUtnFEMI7K7MDENGbPxRfiCYzEXAMPLEKEY",
];

#[test]
fn no_setting_ever_shows_a_token_fed_into_it() {
    let names: Vec<String> = crate::config::Cli::command()
        .get_arguments()
        .filter_map(|arg| arg.get_env()?.to_str().map(str::to_owned))
        .collect();
    assert!(names.len() >= 20, "{names:?}");
    // Where a path or URL belongs, the value is refused, naming the setting.
    let refused = [
        "WAWP_BOT_CONFIG",
        "WAWP_BOT_DB",
        "TELEGRAM_API_URL",
        "WAWP_BASE_URL",
    ];
    for pasted in PASTED {
        for name in &names {
            let webhook = [
                "--webhook-url",
                "https://b.example.com/h",
                "--webhook-secret",
                "abc",
            ];
            let args = if name == "WAWP_BOT_WEBHOOK_SECRET" {
                with(&webhook[..2])
            } else {
                BASE.to_vec()
            };
            let result = load(&args, &[(name.as_str(), pasted)]);
            let shown = match &result {
                Ok(invocation) => format!("{invocation:?}"),
                Err(e) => e.to_string(),
            };
            for part in [pasted, &pasted[pasted.len() - 12..]] {
                assert!(!shown.contains(part), "{name}: {shown}");
            }
            if refused.contains(&name.as_str()) {
                assert_eq!(
                    shown,
                    format!(
                        "{name} is invalid: {}",
                        crate::config::parse::LOOKS_LIKE_A_SECRET
                    ),
                    "{pasted}"
                );
            }
        }
    }
    // A bot token in the webhook URL is refused too (a random path is fine).
    let hook = |url: &str| -> Vec<String> {
        let mut args: Vec<String> = BASE.iter().map(|a| a.to_string()).collect();
        args.extend([
            "--webhook-url".into(),
            url.to_owned(),
            "--webhook-secret".into(),
            "abc".into(),
        ]);
        args
    };
    let args = hook(&format!("https://b.example.com/{}", PASTED[0]));
    let message = err(&args.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    assert!(
        message.starts_with("WAWP_BOT_WEBHOOK_URL is invalid: it looks like a token"),
        "{message}"
    );
    let args = hook(&format!("https://b.example.com/{}", PASTED[1]));
    let random_path = config(&args.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    assert!(random_path.webhook.is_some());
    // Ordinary paths and URLs pass.
    for db in [
        "/var/lib/wawp-bot/audit.sqlite3",
        "wawp-bot-production-audit-log-2026-01.sqlite3",
        "./data/0123456789abcdef.sqlite3",
    ] {
        assert_eq!(config(&with(&["--db", db]), &[]).store.to_string(), db);
    }
}

#[cfg(unix)]
#[test]
fn a_config_file_holding_a_secret_readable_by_others_is_flagged_or_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bot.toml");
    let path_text = path.to_str().unwrap();
    let chmod =
        |mode| std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    std::fs::write(
        &path,
        format!("telegram_bot_token = \"{TOKEN}\"\nwawp_bot_admins = [1]\nsandbox = true\n"),
    )
    .unwrap();
    chmod(0o644);
    assert_eq!(
        config(&["--config", path_text], &[]).config_file_exposed,
        Some(0o644)
    );
    let message = err(&["--config", path_text, "--strict-permissions"], &[]);
    assert!(message.starts_with("WAWP_BOT_CONFIG is invalid: the file holds a secret and group or others may read it (mode 644)"), "{message}");
    let message = err(
        &["--config", path_text],
        &[("WAWP_BOT_STRICT_PERMISSIONS", "true")],
    );
    assert!(message.contains("mode 644"), "{message}");
    chmod(0o600);
    assert_eq!(
        config(&["--config", path_text, "--strict-permissions"], &[]).config_file_exposed,
        None
    );
    // No secret in it: nothing to say.
    std::fs::write(&path, "wawp_bot_admins = [1]\nsandbox = true\n").unwrap();
    chmod(0o644);
    let plain = config(
        &[
            "--config",
            path_text,
            "--strict-permissions",
            "--telegram-bot-token",
            TOKEN,
        ],
        &[],
    );
    assert_eq!(plain.config_file_exposed, None);
}
