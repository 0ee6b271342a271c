//! Configuration: command-line flags, environment variables and an optional
//! TOML file, in that order of precedence.
//!
//! Every setting is declared once, in [`Cli`] (flag, variable, type); the
//! file key is the variable's name in lower case. Each value is parsed once,
//! by the setting's `value_parser`, into its type (`SecretString`,
//! `NonZeroU32`, `Url`, `SocketAddr`, ...), wherever it came from. A missing
//! or bad setting is one line that names it and never repeats its value
//! (a token pasted into the wrong variable stays out of the terminal and the
//! journal); the binary exits with code 2.
//!
//! [`Invocation::load`] takes the environment as a function, so tests never
//! read (or depend on) the real process environment.

mod cli;
mod error;
pub mod parse;
mod sources;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::net::{Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

pub use cli::{AuditCommand, Cli, CliCommand, LogFormat};
pub use error::ConfigError;
pub(crate) use error::invalid;
pub use sources::EnvLookup;

use crate::store::{ExportFilter, Runs, StoreTarget};

/// Telegram's Bot API server.
pub const DEFAULT_TELEGRAM_API_URL: &str = "https://api.telegram.org";
/// Default audit database path.
pub const DEFAULT_DB: &str = "wawp-bot.sqlite3";
/// Default audit database path of `--sandbox` and `--console`: dry runs and
/// first tries never mix with the real log.
pub const DEFAULT_SANDBOX_DB: &str = "wawp-bot-sandbox.sqlite3";
/// Default sends per admin per minute.
pub const DEFAULT_SEND_LIMIT: NonZeroU32 = NonZeroU32::new(10).unwrap();
/// Default replies per second of the whole bot, all replicas together (with
/// bursts of 4, at most 26 in any one second: under Telegram's ~30 per bot).
pub const DEFAULT_REPLY_RATE: NonZeroU32 = NonZeroU32::new(22).unwrap();
/// The window the send limit counts in.
pub const SEND_WINDOW: Duration = Duration::from_secs(60);
/// Default maximum age of a command, in seconds.
pub const DEFAULT_MAX_UPDATE_AGE: u64 = 120;
/// Default time the in-flight commands get after SIGTERM (below the unit's
/// `TimeoutStopSec=25`).
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(20);
/// Default webhook listen address: behind a TLS proxy on the same host.
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);

/// How the bot reaches Wawp.
#[derive(Debug, Clone)]
pub enum WawpSettings {
    /// The real Wawp API.
    Live {
        /// `WAWP_INSTANCE_ID`.
        instance_id: String,
        /// `WAWP_ACCESS_TOKEN`.
        access_token: SecretString,
        /// `WAWP_BASE_URL`, if set.
        base_url: Option<url::Url>,
    },
    /// An in-process `wawp-sandbox`: nothing leaves the machine.
    Sandbox,
}

/// Webhook mode (`--webhook-url`).
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// `WAWP_BOT_WEBHOOK_URL`: the public URL given to Telegram's `setWebhook`.
    pub url: url::Url,
    /// `WAWP_BOT_LISTEN`: where the bot's HTTP server listens.
    pub listen: SocketAddr,
    /// `WAWP_BOT_WEBHOOK_SECRET`: Telegram's `secret_token`, checked on every request.
    pub secret: SecretString,
}

/// The checked configuration for running the bot. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct Config {
    /// `TELEGRAM_BOT_TOKEN`; `None` only with `--console`.
    pub telegram_token: Option<SecretString>,
    /// `TELEGRAM_API_URL`.
    pub telegram_api_url: url::Url,
    /// `WAWP_BOT_ADMINS`; never empty unless `--console`.
    pub admins: BTreeSet<u64>,
    /// How to reach Wawp.
    pub wawp: WawpSettings,
    /// `WAWP_BOT_DB`: SQLite file or PostgreSQL URL.
    pub store: StoreTarget,
    /// `WAWP_BOT_SEND_LIMIT`.
    pub send_limit: NonZeroU32,
    /// The window `send_limit` counts in: one minute (not a setting; tests
    /// lengthen it so a slow run cannot slide it).
    pub send_window: Duration,
    /// `WAWP_BOT_REPLY_RATE`.
    pub reply_rate: NonZeroU32,
    /// `WAWP_BOT_MAX_UPDATE_AGE`.
    pub max_update_age: Duration,
    /// How long one `getUpdates` long poll may wait (not a setting; tests shorten it).
    pub poll_timeout: Duration,
    /// `WAWP_BOT_SHUTDOWN_TIMEOUT`.
    pub shutdown_timeout: Duration,
    /// `WAWP_BOT_CONSOLE`: talk to the bot from the terminal.
    pub console: bool,
    /// `WAWP_BOT_METRICS_LISTEN`.
    pub metrics_listen: Option<SocketAddr>,
    /// `WAWP_BOT_LOG_FORMAT`.
    pub log_format: LogFormat,
    /// `WAWP_BOT_AUDIT_RETENTION_DAYS`, as a duration; `None` keeps rows forever.
    pub audit_retention: Option<Duration>,
    /// Webhook mode; `None` is long polling.
    pub webhook: Option<WebhookSettings>,
    /// The `--config` file's mode, when it holds a secret that group or
    /// others may read (a WARN line at start).
    pub config_file_exposed: Option<u32>,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Invocation {
    /// Run the bot.
    Run(Box<Config>),
    /// `wawp-bot check-config`: the settings are valid (this is them).
    CheckConfig(Box<Config>),
    /// `wawp-bot backup PATH`.
    Backup {
        /// The database to copy.
        store: StoreTarget,
        /// The new file.
        to: PathBuf,
    },
    /// `wawp-bot audit export --since DATE`.
    ExportAudit {
        /// The database to read.
        store: StoreTarget,
        /// Which rows.
        filter: ExportFilter,
    },
}

impl Invocation {
    /// Reads the real command line and environment (the binary's entry).
    pub fn from_env() -> Result<Invocation, ConfigError> {
        Invocation::load(std::env::args_os(), &|name| std::env::var_os(name))
    }

    /// Reads `args` (the program name first) with `env` standing for the
    /// environment, and the `--config` file they name.
    pub fn load<I, T>(args: I, env: EnvLookup<'_>) -> Result<Invocation, ConfigError>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString>,
    {
        let cli = sources::parse(args.into_iter().map(Into::into).collect(), env)?;
        let store = |db: &Option<StoreTarget>| {
            db.clone()
                .unwrap_or_else(|| StoreTarget::Sqlite(PathBuf::from(DEFAULT_DB)))
        };
        Ok(match &cli.command {
            Some(CliCommand::Backup { to }) => Invocation::Backup {
                store: store(&cli.db),
                to: to.clone(),
            },
            Some(CliCommand::Audit {
                command:
                    AuditCommand::Export {
                        since,
                        until,
                        include_dry_runs,
                    },
            }) => Invocation::ExportAudit {
                store: store(&cli.db),
                filter: ExportFilter {
                    since: *since,
                    until: *until,
                    include_dry_runs: *include_dry_runs,
                },
            },
            Some(CliCommand::CheckConfig) => {
                Invocation::CheckConfig(Box::new(Config::from_cli(cli)?))
            }
            None => Invocation::Run(Box::new(Config::from_cli(cli)?)),
        })
    }
}

impl Config {
    /// A configuration for the given Telegram, admins, Wawp and store, every
    /// other setting at its default (for tests and embedding; set fields
    /// after).
    pub fn new(
        telegram_token: SecretString,
        telegram_api_url: url::Url,
        admins: BTreeSet<u64>,
        wawp: WawpSettings,
        store: StoreTarget,
    ) -> Config {
        Config {
            telegram_token: Some(telegram_token),
            telegram_api_url,
            admins,
            wawp,
            store,
            send_limit: DEFAULT_SEND_LIMIT,
            send_window: SEND_WINDOW,
            reply_rate: DEFAULT_REPLY_RATE,
            max_update_age: Duration::from_secs(DEFAULT_MAX_UPDATE_AGE),
            poll_timeout: Duration::from_secs(10),
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            console: false,
            metrics_listen: None,
            log_format: LogFormat::Text,
            audit_retention: None,
            webhook: None,
            config_file_exposed: None,
        }
    }

    /// Checks the parsed settings together and fills in the defaults.
    pub fn from_cli(cli: Cli) -> Result<Config, ConfigError> {
        let console = cli.console.unwrap_or(false);
        let telegram_token = match cli.telegram_bot_token {
            Some(token) => Some(token),
            None if console => None,
            None => {
                return Err(ConfigError::Missing {
                    name: "TELEGRAM_BOT_TOKEN",
                    hint: "set it to the token @BotFather gave you (see the README)",
                });
            }
        };
        let admins = match cli.admins {
            Some(admins) => admins.0,
            None if console => BTreeSet::new(),
            None => {
                return Err(ConfigError::Missing {
                    name: "WAWP_BOT_ADMINS",
                    hint: "set it to the comma-separated Telegram user ids of the admins (send /whoami to the bot to learn yours); the bot refuses to start with none",
                });
            }
        };
        let wawp = if cli.sandbox.unwrap_or(false) {
            WawpSettings::Sandbox
        } else {
            WawpSettings::Live {
                instance_id: cli.wawp_instance_id.ok_or(ConfigError::Missing {
                    name: "WAWP_INSTANCE_ID",
                    hint: "set it to your Wawp instance id, or run with --sandbox for a dry run",
                })?,
                access_token: cli.wawp_access_token.ok_or(ConfigError::Missing {
                    name: "WAWP_ACCESS_TOKEN",
                    hint: "set it to your Wawp access token, or run with --sandbox for a dry run",
                })?,
                base_url: cli.wawp_base_url,
            }
        };
        let webhook = match cli.webhook_url {
            None => None,
            Some(_) if console => {
                return Err(invalid(
                    "WAWP_BOT_WEBHOOK_URL",
                    "it cannot be combined with --console; unset one of them",
                ));
            }
            Some(url) => Some(WebhookSettings {
                url,
                listen: cli.listen.unwrap_or(DEFAULT_LISTEN),
                secret: cli.webhook_secret.ok_or(ConfigError::Missing {
                    name: "WAWP_BOT_WEBHOOK_SECRET",
                    hint: "webhook mode needs it: 1 to 256 characters of A-Z a-z 0-9 _ - (e.g. from `openssl rand -hex 32`)",
                })?,
            }),
        };
        if let (Some(metrics), Some(hook)) = (cli.metrics_listen, &webhook)
            && clashes(metrics, hook.listen)
        {
            return Err(invalid(
                "WAWP_BOT_METRICS_LISTEN",
                "it must not share the webhook's --listen port: health and metrics stay off the public port",
            ));
        }
        let trial = console || matches!(wawp, WawpSettings::Sandbox);
        let store = cli.db.unwrap_or_else(|| {
            StoreTarget::Sqlite(PathBuf::from(if trial {
                DEFAULT_SANDBOX_DB
            } else {
                DEFAULT_DB
            }))
        });
        Ok(Config {
            telegram_token,
            telegram_api_url: cli
                .telegram_api_url
                .unwrap_or_else(|| DEFAULT_TELEGRAM_API_URL.parse().expect("a valid URL")),
            admins,
            wawp,
            store,
            send_limit: cli.send_limit.unwrap_or(DEFAULT_SEND_LIMIT),
            send_window: SEND_WINDOW,
            reply_rate: cli.reply_rate.unwrap_or(DEFAULT_REPLY_RATE),
            max_update_age: Duration::from_secs(
                cli.max_update_age.unwrap_or(DEFAULT_MAX_UPDATE_AGE),
            ),
            poll_timeout: Duration::from_secs(10),
            shutdown_timeout: cli
                .shutdown_timeout
                .map_or(DEFAULT_SHUTDOWN_TIMEOUT, Duration::from_secs),
            console,
            metrics_listen: cli.metrics_listen,
            log_format: cli.log_format.unwrap_or_default(),
            audit_retention: cli
                .audit_retention_days
                .map(|days| Duration::from_secs(u64::from(days) * 86_400)),
            webhook,
            config_file_exposed: cli.config_file_exposed,
        })
    }

    /// A dry run (`--sandbox`: no WhatsApp message leaves) or real sends;
    /// the store marks a dry run's audit rows.
    pub fn runs(&self) -> Runs {
        match self.wawp {
            WawpSettings::Sandbox => Runs::DryRun,
            WawpSettings::Live { .. } => Runs::Real,
        }
    }

    /// The bot's numeric id: the part of the token before the colon (0 in
    /// console mode).
    pub fn bot_id(&self) -> u64 {
        self.telegram_token
            .as_ref()
            .and_then(|token| token.expose_secret().split(':').next()?.parse().ok())
            .unwrap_or(0)
    }

    /// Every secret in the configuration, for the log redaction filter.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets: Vec<String> = self
            .telegram_token
            .iter()
            .map(|t| t.expose_secret().to_owned())
            .collect();
        if let WawpSettings::Live { access_token, .. } = &self.wawp {
            secrets.push(access_token.expose_secret().to_owned());
        }
        if let Some(hook) = &self.webhook {
            secrets.push(hook.secret.expose_secret().to_owned());
        }
        if let StoreTarget::Postgres(url) = &self.store {
            let password = url
                .expose_secret()
                .parse::<tokio_postgres::Config>()
                .ok()
                .and_then(|c| {
                    c.get_password()
                        .map(|p| String::from_utf8_lossy(p).into_owned())
                });
            secrets.extend(password.filter(|p| !p.is_empty()));
            secrets.push(url.expose_secret().to_owned());
        }
        secrets
    }
}

/// Two listen addresses on one port that would collide.
fn clashes(a: SocketAddr, b: SocketAddr) -> bool {
    a.port() == b.port() && (a.ip() == b.ip() || a.ip().is_unspecified() || b.ip().is_unspecified())
}
