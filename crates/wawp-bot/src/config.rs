//! Configuration: command-line flags, environment variables and an optional
//! TOML file, in that order of precedence.
//!
//! Every value is read as text and checked here, after clap has parsed, so a
//! missing or bad setting gives one line that names it and says what to do
//! (clap's own errors are several lines with the usage).

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Telegram's Bot API server.
pub const DEFAULT_TELEGRAM_API_URL: &str = "https://api.telegram.org";
/// Default audit database path.
pub const DEFAULT_DB: &str = "wawp-bot.sqlite3";
/// Default sends per admin per minute.
pub const DEFAULT_SEND_LIMIT: u32 = 10;
/// Default maximum age of a command, in seconds.
pub const DEFAULT_MAX_UPDATE_AGE: u64 = 120;

/// Command-line flags; each falls back to its environment variable.
///
/// The field docs are the `--help` text, where a bare URL reads best.
#[allow(rustdoc::bare_urls)]
#[derive(Parser, Default)]
#[command(
    name = "wawp-bot",
    version,
    about = "Telegram admin bot: authorised support admins send and verify WhatsApp OTPs through Wawp, with a SQLite audit log.",
    after_help = "Secrets are best given as environment variables (or in a --config file readable only by the bot's user): flags show in `ps`."
)]
pub struct Cli {
    /// TOML file with any of the settings below (keys: the variable names in lower case, e.g. telegram_bot_token, wawp_bot_admins = [123, 456]).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The bot's token from @BotFather.
    #[arg(
        long,
        env = "TELEGRAM_BOT_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub telegram_bot_token: Option<String>,

    /// Another Bot API server (self-hosted, or a test fake) [default: https://api.telegram.org].
    #[arg(
        long,
        env = "TELEGRAM_API_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub telegram_api_url: Option<String>,

    /// Comma-separated Telegram user ids allowed to send and verify (ask the bot /whoami).
    #[arg(
        long = "admins",
        env = "WAWP_BOT_ADMINS",
        hide_env_values = true,
        value_name = "IDS"
    )]
    pub admins: Option<String>,

    /// Wawp instance id (required unless --sandbox).
    #[arg(
        long,
        env = "WAWP_INSTANCE_ID",
        hide_env_values = true,
        value_name = "ID"
    )]
    pub wawp_instance_id: Option<String>,

    /// Wawp access token (required unless --sandbox).
    #[arg(
        long,
        env = "WAWP_ACCESS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub wawp_access_token: Option<String>,

    /// Wawp API base URL [default: the wawp crate's, https://api.wawp.net].
    #[arg(
        long,
        env = "WAWP_BASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub wawp_base_url: Option<String>,

    /// Talk to the bot from this terminal instead of Telegram: no bot token or network needed; you are the admin.
    // [ops wiring: console] minimal flag for the console test; the coordinator redoes it with botstore's config.
    #[arg(long)]
    pub console: bool,

    /// Dry run: an in-process fake Wawp server instead of Wawp. No WhatsApp message leaves; codes go to the log.
    #[arg(long)]
    pub sandbox: bool,

    /// SQLite audit database path [default: wawp-bot.sqlite3].
    #[arg(
        long = "db",
        env = "WAWP_BOT_DB",
        hide_env_values = true,
        value_name = "PATH"
    )]
    pub db: Option<String>,

    /// Sends per admin per minute [default: 10].
    #[arg(
        long,
        env = "WAWP_BOT_SEND_LIMIT",
        hide_env_values = true,
        value_name = "N"
    )]
    pub send_limit: Option<String>,

    /// Ignore commands older than this many seconds [default: 120].
    #[arg(
        long,
        env = "WAWP_BOT_MAX_UPDATE_AGE",
        hide_env_values = true,
        value_name = "SECONDS"
    )]
    pub max_update_age: Option<String>,
}

/// The `--config` file. Keys are the environment variable names in lower case.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    telegram_bot_token: Option<String>,
    telegram_api_url: Option<String>,
    wawp_bot_admins: Option<AdminList>,
    wawp_instance_id: Option<String>,
    wawp_access_token: Option<String>,
    wawp_base_url: Option<String>,
    sandbox: Option<bool>,
    wawp_bot_db: Option<String>,
    wawp_bot_send_limit: Option<u64>,
    wawp_bot_max_update_age: Option<u64>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum AdminList {
    Ids(Vec<u64>),
    Text(String),
}

/// How the bot reaches Wawp.
pub enum WawpSettings {
    /// The real Wawp API.
    Live {
        /// `WAWP_INSTANCE_ID`.
        instance_id: String,
        /// `WAWP_ACCESS_TOKEN`.
        access_token: SecretString,
        /// `WAWP_BASE_URL`, if set.
        base_url: Option<String>,
    },
    /// An in-process `wawp-sandbox`: nothing leaves the machine.
    Sandbox,
}

/// The checked configuration.
pub struct Config {
    /// `TELEGRAM_BOT_TOKEN`.
    pub telegram_token: SecretString,
    /// `TELEGRAM_API_URL`.
    pub telegram_api_url: url::Url,
    /// `WAWP_BOT_ADMINS`, never empty.
    pub admins: BTreeSet<u64>,
    /// How to reach Wawp.
    pub wawp: WawpSettings,
    /// `WAWP_BOT_DB`.
    pub db_path: PathBuf,
    /// `WAWP_BOT_SEND_LIMIT`, at least 1.
    pub send_limit: u32,
    /// `WAWP_BOT_MAX_UPDATE_AGE`.
    pub max_update_age: Duration,
    /// How long one `getUpdates` long poll may wait (not a setting; tests shorten it).
    pub poll_timeout: Duration,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("telegram_token", &"[redacted]")
            .field("telegram_api_url", &self.telegram_api_url.as_str())
            .field("admins", &self.admins)
            .field(
                "wawp",
                &match &self.wawp {
                    WawpSettings::Live { .. } => "live",
                    WawpSettings::Sandbox => "sandbox",
                },
            )
            .field("db_path", &self.db_path)
            .field("send_limit", &self.send_limit)
            .field("max_update_age", &self.max_update_age)
            .finish()
    }
}

/// A missing or invalid setting. `Display` is one line naming the setting
/// and what to do; it never repeats a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required setting is not set.
    #[error("{name} is not set: {hint}")]
    Missing {
        /// The environment variable.
        name: &'static str,
        /// What to set it to.
        hint: &'static str,
    },
    /// A setting has a value that cannot be used.
    #[error("{name} is invalid: {reason}")]
    Invalid {
        /// The environment variable.
        name: &'static str,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The `--config` file cannot be read or parsed.
    #[error("config file {path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

fn invalid(name: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        name,
        reason: reason.into(),
    }
}

impl Config {
    /// Checks the parsed flags/environment, merged over the `--config` file.
    pub fn from_cli(cli: Cli) -> Result<Config, ConfigError> {
        let file = match &cli.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let pick =
            |flag: Option<String>, file: Option<String>| flag.or(file).map(|s| s.trim().to_owned());

        // [ops wiring: console] the console supplies its own token, URL and admin.
        let console = cli.console;
        let token = pick(cli.telegram_bot_token, file.telegram_bot_token)
            .filter(|t| !t.is_empty())
            .or_else(|| console.then(|| "0:console".to_owned()))
            .ok_or(ConfigError::Missing {
                name: "TELEGRAM_BOT_TOKEN",
                hint: "set it to the token @BotFather gave you (see the README)",
            })?;
        if !looks_like_bot_token(&token) {
            return Err(invalid(
                "TELEGRAM_BOT_TOKEN",
                "it does not look like a bot token (digits, a colon, then letters, digits, - and _); copy it again from @BotFather",
            ));
        }

        let api_url = pick(cli.telegram_api_url, file.telegram_api_url)
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| DEFAULT_TELEGRAM_API_URL.to_owned());
        let telegram_api_url = parse_http_url("TELEGRAM_API_URL", &api_url)?;

        let admins_text = match (cli.admins, file.wawp_bot_admins) {
            (Some(text), _) => Some(text),
            (None, Some(AdminList::Text(text))) => Some(text),
            (None, Some(AdminList::Ids(ids))) => {
                Some(ids.iter().map(u64::to_string).collect::<Vec<_>>().join(","))
            }
            (None, None) => None,
        };
        let admins = match admins_text.as_deref().map(str::trim) {
            None | Some("") if console => BTreeSet::new(),
            text => parse_admins(text.unwrap_or(""))?,
        };

        let sandbox = cli.sandbox || file.sandbox.unwrap_or(false);
        let wawp = if sandbox {
            WawpSettings::Sandbox
        } else {
            let instance_id = pick(cli.wawp_instance_id, file.wawp_instance_id)
                .filter(|s| !s.is_empty())
                .ok_or(ConfigError::Missing {
                    name: "WAWP_INSTANCE_ID",
                    hint: "set it to your Wawp instance id, or run with --sandbox for a dry run",
                })?;
            let access_token = pick(cli.wawp_access_token, file.wawp_access_token)
                .filter(|s| !s.is_empty())
                .ok_or(ConfigError::Missing {
                    name: "WAWP_ACCESS_TOKEN",
                    hint: "set it to your Wawp access token, or run with --sandbox for a dry run",
                })?;
            let base_url = pick(cli.wawp_base_url, file.wawp_base_url).filter(|s| !s.is_empty());
            if let Some(url) = &base_url {
                parse_http_url("WAWP_BASE_URL", url)?;
            }
            WawpSettings::Live {
                instance_id,
                access_token: SecretString::from(access_token),
                base_url,
            }
        };

        let db_path = PathBuf::from(
            pick(cli.db, file.wawp_bot_db)
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| DEFAULT_DB.to_owned()),
        );

        let send_limit = match cli.send_limit {
            Some(text) => parse_number("WAWP_BOT_SEND_LIMIT", &text, "sends per admin per minute")?,
            None => file
                .wawp_bot_send_limit
                .unwrap_or(u64::from(DEFAULT_SEND_LIMIT)),
        };
        if !(1..=10_000).contains(&send_limit) {
            return Err(invalid(
                "WAWP_BOT_SEND_LIMIT",
                format!("{send_limit} is out of range: use 1 to 10000 sends per admin per minute"),
            ));
        }

        let max_age = match cli.max_update_age {
            Some(text) => parse_number("WAWP_BOT_MAX_UPDATE_AGE", &text, "seconds")?,
            None => file
                .wawp_bot_max_update_age
                .unwrap_or(DEFAULT_MAX_UPDATE_AGE),
        };
        if !(1..=86_400).contains(&max_age) {
            return Err(invalid(
                "WAWP_BOT_MAX_UPDATE_AGE",
                format!("{max_age} is out of range: use 1 to 86400 seconds"),
            ));
        }

        Ok(Config {
            telegram_token: SecretString::from(token),
            telegram_api_url,
            admins,
            wawp,
            db_path,
            send_limit: send_limit as u32,
            max_update_age: Duration::from_secs(max_age),
            poll_timeout: Duration::from_secs(10),
        })
    }

    /// The bot's numeric id: the part of the token before the colon.
    pub fn bot_id(&self) -> u64 {
        self.telegram_token
            .expose_secret()
            .split(':')
            .next()
            .and_then(|id| id.parse().ok())
            .unwrap_or(0)
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
        path: shown.clone(),
        reason: format!("cannot read it ({e}); check the --config path"),
    })?;
    toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
        // The message names the key and the problem; the snippet (which may
        // hold a secret) is left out.
        let message = e.message().replace('\n', " ");
        ConfigError::File {
            path: shown,
            reason: match line {
                Some(line) => format!("line {line}: {message}"),
                None => message,
            },
        }
    })
}

fn looks_like_bot_token(token: &str) -> bool {
    match token.split_once(':') {
        Some((id, secret)) => {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && !secret.is_empty()
                && secret
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }
        None => false,
    }
}

fn parse_http_url(name: &'static str, text: &str) -> Result<url::Url, ConfigError> {
    let url = url::Url::parse(text).map_err(|e| {
        invalid(
            name,
            format!("{e}; give a full URL such as https://example.com"),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(invalid(
            name,
            "use an http:// or https:// URL such as https://example.com",
        ));
    }
    Ok(url)
}

/// Parses `WAWP_BOT_ADMINS`: comma-separated Telegram user ids, at least one.
pub fn parse_admins(text: &str) -> Result<BTreeSet<u64>, ConfigError> {
    let mut admins = BTreeSet::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match item.parse::<u64>() {
            Ok(id) if id > 0 => {
                admins.insert(id);
            }
            _ => {
                return Err(invalid(
                    "WAWP_BOT_ADMINS",
                    format!(
                        "{:?} is not a Telegram user id: give numbers separated by commas (send /whoami to the bot to learn yours)",
                        item.chars().take(24).collect::<String>()
                    ),
                ));
            }
        }
    }
    if admins.is_empty() {
        return Err(ConfigError::Missing {
            name: "WAWP_BOT_ADMINS",
            hint: "set it to the comma-separated Telegram user ids of the admins (send /whoami to the bot to learn yours); the bot refuses to start with none",
        });
    }
    Ok(admins)
}

fn parse_number(name: &'static str, text: &str, unit: &str) -> Result<u64, ConfigError> {
    text.trim().parse::<u64>().map_err(|_| {
        invalid(
            name,
            format!(
                "{:?} is not a whole number of {unit}",
                text.chars().take(24).collect::<String>()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "123456:AAbbCC-dd_ee";

    fn cli(args: &[&str]) -> Cli {
        let mut argv = vec!["wawp-bot"];
        argv.extend_from_slice(args);
        // `try_parse_from` still reads the environment; the tests below only
        // rely on variables CI does not set.
        Cli::try_parse_from(argv).unwrap()
    }

    fn err(args: &[&str]) -> String {
        Config::from_cli(cli(args)).unwrap_err().to_string()
    }

    #[test]
    fn a_minimal_sandbox_config_gets_the_defaults() {
        let config = Config::from_cli(cli(&[
            "--telegram-bot-token",
            TOKEN,
            "--admins",
            " 42, 7 ,42",
            "--sandbox",
        ]))
        .unwrap();
        assert_eq!(config.admins, BTreeSet::from([7, 42]));
        assert_eq!(config.db_path, PathBuf::from("wawp-bot.sqlite3"));
        assert_eq!(config.send_limit, 10);
        assert_eq!(config.max_update_age, Duration::from_secs(120));
        assert_eq!(
            config.telegram_api_url.as_str(),
            "https://api.telegram.org/"
        );
        assert_eq!(config.bot_id(), 123456);
        assert!(matches!(config.wawp, WawpSettings::Sandbox));
        assert!(!format!("{config:?}").contains("AAbb"));
    }

    #[test]
    fn missing_and_bad_settings_name_the_variable_on_one_line() {
        let cases: &[(&[&str], &str)] = &[
            (
                &["--admins", "1", "--sandbox"],
                "TELEGRAM_BOT_TOKEN is not set",
            ),
            (
                &[
                    "--telegram-bot-token",
                    "nonsense",
                    "--admins",
                    "1",
                    "--sandbox",
                ],
                "TELEGRAM_BOT_TOKEN is invalid",
            ),
            (
                &["--telegram-bot-token", TOKEN, "--sandbox"],
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
                "WAWP_BOT_ADMINS is not set",
            ),
            (
                &[
                    "--telegram-bot-token",
                    TOKEN,
                    "--admins",
                    "1,bob",
                    "--sandbox",
                ],
                "WAWP_BOT_ADMINS is invalid: \"bob\"",
            ),
            (
                &["--telegram-bot-token", TOKEN, "--admins", "1"],
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
                "WAWP_ACCESS_TOKEN is not set",
            ),
            (
                &[
                    "--telegram-bot-token",
                    TOKEN,
                    "--admins",
                    "1",
                    "--sandbox",
                    "--send-limit",
                    "ten",
                ],
                "WAWP_BOT_SEND_LIMIT is invalid",
            ),
            (
                &[
                    "--telegram-bot-token",
                    TOKEN,
                    "--admins",
                    "1",
                    "--sandbox",
                    "--send-limit",
                    "0",
                ],
                "WAWP_BOT_SEND_LIMIT is invalid",
            ),
            (
                &[
                    "--telegram-bot-token",
                    TOKEN,
                    "--admins",
                    "1",
                    "--sandbox",
                    "--max-update-age=-5",
                ],
                "WAWP_BOT_MAX_UPDATE_AGE is invalid",
            ),
            (
                &[
                    "--telegram-bot-token",
                    TOKEN,
                    "--admins",
                    "1",
                    "--sandbox",
                    "--telegram-api-url",
                    "ftp://x",
                ],
                "TELEGRAM_API_URL is invalid",
            ),
        ];
        for (args, expected) in cases {
            let message = err(args);
            assert!(message.starts_with(expected), "{args:?}: {message}");
            assert!(!message.contains('\n'), "{message}");
        }
    }

    #[test]
    fn a_bad_token_is_not_repeated_in_the_error() {
        let message = err(&[
            "--telegram-bot-token",
            "s3cr3t-but-no-colon",
            "--admins",
            "1",
            "--sandbox",
        ]);
        assert!(!message.contains("s3cr3t"), "{message}");
    }

    #[test]
    fn the_config_file_fills_what_flags_leave_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bot.toml");
        std::fs::write(
            &path,
            format!(
                "telegram_bot_token = \"{TOKEN}\"\nwawp_bot_admins = [5, 6]\nwawp_instance_id = \"inst\"\nwawp_access_token = \"wawp-secret\"\nwawp_bot_send_limit = 3\n"
            ),
        )
        .unwrap();
        let config = Config::from_cli(cli(&[
            "--config",
            path.to_str().unwrap(),
            "--send-limit",
            "4",
        ]))
        .unwrap();
        assert_eq!(config.admins, BTreeSet::from([5, 6]));
        assert_eq!(config.send_limit, 4, "the flag wins over the file");
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
        assert_eq!(base_url, None);
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
        let message = err(&["--config", path.to_str().unwrap()]);
        assert!(message.contains("line 2"), "{message}");
        assert!(message.contains("admins"), "{message}");
        assert!(!message.contains("secretvalue"), "{message}");
        assert!(!message.contains('\n'), "{message}");

        let message = err(&["--config", "/nonexistent/bot.toml"]);
        assert!(
            message.starts_with("config file /nonexistent/bot.toml: cannot read it"),
            "{message}"
        );
    }
}
