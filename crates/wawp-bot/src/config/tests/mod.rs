//! Configuration tests. None reads the process environment: each passes
//! its own.

use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;
use std::time::Duration;

use secrecy::ExposeSecret;

use super::*;

mod errors;

/// Args, environment and the expected start of the error.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

pub(super) const TOKEN: &str = "123456:AAbbCC-dd_ee";

pub(super) fn load(args: &[&str], env: &[(&str, &str)]) -> Result<Invocation, ConfigError> {
    let env: HashMap<String, OsString> = env
        .iter()
        .map(|(k, v)| (k.to_string(), OsString::from(v)))
        .collect();
    let mut argv = vec!["wawp-bot"];
    argv.extend_from_slice(args);
    Invocation::load(argv, &|name| env.get(name).cloned())
}

pub(super) fn config(args: &[&str], env: &[(&str, &str)]) -> Config {
    match load(args, env) {
        Ok(Invocation::Run(config)) => *config,
        other => panic!("{other:?}"),
    }
}

pub(super) fn err(args: &[&str], env: &[(&str, &str)]) -> String {
    let message = load(args, env).unwrap_err().to_string();
    assert!(!message.contains('\n'), "{message}");
    message
}

pub(super) const BASE: &[&str] = &["--telegram-bot-token", TOKEN, "--admins", "1", "--sandbox"];

pub(super) fn with(extra: &[&'static str]) -> Vec<&'static str> {
    BASE.iter().chain(extra).copied().collect()
}

#[test]
fn only_real_sends_use_the_real_default_database() {
    let real = config(
        &["--telegram-bot-token", TOKEN, "--admins", "1"],
        &[("WAWP_INSTANCE_ID", "i"), ("WAWP_ACCESS_TOKEN", "t")],
    );
    assert_eq!(real.store.to_string(), "wawp-bot.sqlite3");
    assert_eq!(real.runs(), crate::store::Runs::Real);
    let console = config(
        &["--console"],
        &[("WAWP_INSTANCE_ID", "i"), ("WAWP_ACCESS_TOKEN", "t")],
    );
    assert_eq!(console.store.to_string(), "wawp-bot-sandbox.sqlite3");
    let chosen = config(&with(&["--db", "/srv/audit.sqlite3"]), &[]);
    assert_eq!(chosen.store.to_string(), "/srv/audit.sqlite3");
}

#[test]
fn a_minimal_sandbox_config_gets_the_defaults() {
    let config = config(
        &[
            "--telegram-bot-token",
            TOKEN,
            "--admins",
            " 42, 7 ,42",
            "--sandbox",
        ],
        &[],
    );
    assert_eq!(config.admins, BTreeSet::from([7, 42]));
    // A dry run keeps its own log unless told otherwise.
    assert_eq!(config.store.to_string(), "wawp-bot-sandbox.sqlite3");
    assert_eq!(config.runs(), crate::store::Runs::DryRun);
    assert_eq!(config.send_limit.get(), 10);
    assert_eq!(config.reply_rate.get(), 22);
    assert_eq!(config.max_update_age, Duration::from_secs(120));
    assert_eq!(config.shutdown_timeout, Duration::from_secs(20));
    assert_eq!(config.log_format, LogFormat::Text);
    assert_eq!(config.audit_retention, None);
    assert!(config.webhook.is_none() && config.metrics_listen.is_none() && !config.console);
    assert_eq!(
        config.telegram_api_url.as_str(),
        "https://api.telegram.org/"
    );
    assert_eq!(config.bot_id(), 123456);
    assert!(matches!(config.wawp, WawpSettings::Sandbox));
    assert!(!format!("{config:?}").contains("AAbb"));
}

#[test]
fn every_new_setting_has_a_flag_a_variable_and_a_file_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bot.toml");
    std::fs::write(
        &file,
        "wawp_bot_shutdown_timeout = 7\nwawp_bot_log_format = \"json\"\nwawp_bot_audit_retention_days = 30\nwawp_bot_metrics_listen = \"127.0.0.1:9090\"\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let from_file = config(&with(&["--config", Box::leak(path.into())]), &[]);
    assert_eq!(from_file.shutdown_timeout, Duration::from_secs(7));
    assert_eq!(from_file.log_format, LogFormat::Json);
    assert_eq!(
        from_file.audit_retention,
        Some(Duration::from_secs(30 * 86_400))
    );
    assert_eq!(
        from_file.metrics_listen,
        Some("127.0.0.1:9090".parse().unwrap())
    );

    let from_env = config(
        BASE,
        &[
            ("WAWP_BOT_SHUTDOWN_TIMEOUT", "8"),
            ("WAWP_BOT_LOG_FORMAT", "json"),
            ("WAWP_BOT_CONSOLE", "1"),
            ("WAWP_BOT_AUDIT_RETENTION_DAYS", "2"),
        ],
    );
    assert_eq!(from_env.shutdown_timeout, Duration::from_secs(8));
    assert!(from_env.console);
    assert_eq!(
        from_env.audit_retention,
        Some(Duration::from_secs(2 * 86_400))
    );

    let from_flags = config(
        &with(&[
            "--shutdown-timeout",
            "9",
            "--log-format",
            "text",
            "--metrics-listen",
            "[::1]:9100",
            "--webhook-url",
            "https://bot.example.com/hook",
            "--listen",
            "0.0.0.0:8443",
            "--webhook-secret",
            "s3cret_-OK",
        ]),
        &[
            ("WAWP_BOT_SHUTDOWN_TIMEOUT", "8"),
            ("WAWP_BOT_LOG_FORMAT", "json"),
        ],
    );
    assert_eq!(
        from_flags.shutdown_timeout,
        Duration::from_secs(9),
        "the flag wins"
    );
    assert_eq!(from_flags.log_format, LogFormat::Text);
    let hook = from_flags.webhook.unwrap();
    assert_eq!(hook.url.as_str(), "https://bot.example.com/hook");
    assert_eq!(hook.listen, "0.0.0.0:8443".parse().unwrap());
    assert_eq!(hook.secret.expose_secret(), "s3cret_-OK");
}

#[test]
fn flags_win_over_the_environment_which_wins_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bot.toml");
    std::fs::write(
        &path,
        format!("telegram_bot_token = \"{TOKEN}\"\nwawp_bot_admins = [5, 6]\nwawp_instance_id = \"inst\"\nwawp_access_token = \"wawp-secret\"\nwawp_bot_send_limit = 3\nwawp_bot_max_update_age = 30\nwawp_base_url = \"https://wawp.example.com\"\n"),
    )
    .unwrap();
    let path = path.to_str().unwrap();
    let config = config(
        &["--send-limit", "4"],
        &[
            ("WAWP_BOT_CONFIG", path),
            ("WAWP_BOT_SEND_LIMIT", "9"),
            ("WAWP_BOT_MAX_UPDATE_AGE", "60"),
            ("WAWP_BOT_REPLY_RATE", "7"),
        ],
    );
    assert_eq!(config.admins, BTreeSet::from([5, 6]));
    assert_eq!(config.reply_rate.get(), 7);
    assert_eq!(config.send_limit.get(), 4, "the flag wins");
    assert_eq!(
        config.max_update_age,
        Duration::from_secs(60),
        "the environment wins over the file"
    );
    let WawpSettings::Live {
        instance_id,
        access_token,
        base_url,
    } = config.wawp
    else {
        panic!("expected live settings");
    };
    assert_eq!(instance_id, "inst");
    assert_eq!(access_token.expose_secret(), "wawp-secret");
    assert_eq!(base_url.unwrap().as_str(), "https://wawp.example.com/");
}

#[test]
fn console_mode_needs_no_telegram_token_or_admins() {
    let config = config(&["--sandbox", "--console"], &[]);
    assert!(config.console && config.telegram_token.is_none() && config.admins.is_empty());
    assert_eq!(config.bot_id(), 0);
}

#[test]
fn subcommands_take_the_database_setting() {
    match load(
        &[
            "backup",
            "/tmp/copy.sqlite3",
            "--db",
            "/var/lib/bot.sqlite3",
        ],
        &[],
    )
    .unwrap()
    {
        Invocation::Backup { store, to } => {
            assert_eq!(store.to_string(), "/var/lib/bot.sqlite3");
            assert_eq!(to, PathBuf::from("/tmp/copy.sqlite3"));
        }
        other => panic!("{other:?}"),
    }
    let pg = "postgres://bot:pw@127.0.0.1:5432/audit";
    match load(
        &["audit", "export", "--since", "2026-01-31"],
        &[("WAWP_BOT_DB", pg)],
    )
    .unwrap()
    {
        Invocation::ExportAudit { store, filter } => {
            assert_eq!(store.to_string(), "postgres://bot@127.0.0.1:5432/audit");
            assert!(!format!("{store:?}").contains("pw"));
            assert_eq!(filter.since.to_rfc3339(), "2026-01-31T00:00:00+00:00");
            assert_eq!(filter.until, None);
            assert!(!filter.include_dry_runs);
        }
        other => panic!("{other:?}"),
    }
    let message = err(&["audit", "export", "--since", "yesterday"], &[]);
    assert!(
        message.starts_with("--since is invalid: give a date"),
        "{message}"
    );
    assert_eq!(err(&["backup"], &[]), "missing <PATH>; see wawp-bot --help");
    // Real dates only: a year past 9999 (compared as text it would sort
    // before every row) or before 1970 is refused.
    for bad in [
        "+10000-01-01",
        "10000-01-01",
        "1969-12-31",
        "2026-02-30",
        "2026-01-31T25:00:00Z",
    ] {
        let message = err(&["audit", "export", "--since", bad], &[]);
        assert!(
            message.starts_with("--since is invalid: give a date"),
            "{bad}: {message}"
        );
        assert!(!message.contains(bad), "{message}");
    }
    match load(
        &[
            "audit",
            "export",
            "--since",
            "2026-01-01",
            "--until",
            "2026-02-01T00:00:00+02:00",
            "--include-dry-runs",
        ],
        &[],
    )
    .unwrap()
    {
        Invocation::ExportAudit { filter, .. } => {
            assert_eq!(
                filter.until.unwrap().to_rfc3339(),
                "2026-01-31T22:00:00+00:00"
            );
            assert!(filter.include_dry_runs);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_long_help_starts_with_what_the_program_does_and_hides_values() {
    let Err(ConfigError::Help(help)) = load(
        &["--help"],
        &[
            ("WAWP_ACCESS_TOKEN", "wawp-secret-value"),
            ("TELEGRAM_BOT_TOKEN", TOKEN),
        ],
    ) else {
        panic!("--help");
    };
    assert!(
        help.starts_with("wawp-bot lets authorised support admins send and verify WhatsApp"),
        "{help}"
    );
    for name in [
        "TELEGRAM_BOT_TOKEN",
        "WAWP_BOT_ADMINS",
        "WAWP_BOT_DB",
        "WAWP_BOT_SHUTDOWN_TIMEOUT",
        "WAWP_BOT_WEBHOOK_SECRET",
        "--console",
        "--metrics-listen",
        "--log-format",
        "--audit-retention-days",
        "--webhook-url",
        "--listen",
        "backup",
        "audit",
    ] {
        assert!(help.contains(name), "{name} missing from --help:\n{help}");
    }
    assert!(
        !help.contains("wawp-secret-value") && !help.contains("AAbb"),
        "{help}"
    );
    assert!(!help.contains("bare URL"), "{help}");
}

/// Runs only in a child process whose environment holds bad values for
/// settings: loading with an empty environment must not see them.
#[test]
fn the_loader_never_reads_the_process_environment() {
    if std::env::var_os("WAWP_BOT_CONFIG_TEST_CHILD").is_some() {
        let config = config(BASE, &[]);
        assert_eq!(config.send_limit.get(), 10);
        return;
    }
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "config::tests::the_loader_never_reads_the_process_environment",
            "--quiet",
        ])
        .env("WAWP_BOT_CONFIG_TEST_CHILD", "1")
        .env("WAWP_BOT_SEND_LIMIT", "not a number")
        .env("WAWP_BOT_CONFIG", "/nonexistent.toml")
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}
