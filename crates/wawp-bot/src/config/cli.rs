//! The command line: every setting's flag, environment variable and type.
//! Values are parsed once, by the `value_parser`s in [`super::parse`],
//! whether they come from a flag, the environment or the `--config` file.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::builder::BoolishValueParser;
use clap::{Parser, Subcommand, ValueEnum};
use secrecy::SecretString;

use super::parse;
use crate::store::StoreTarget;

const ABOUT: &str = "Telegram admin bot: authorised support admins send and verify WhatsApp one-time passwords through Wawp, with an audit log.";

const LONG_ABOUT: &str = "\
wawp-bot lets authorised support admins send and verify WhatsApp one-time
passwords (OTPs) through Wawp by talking to a Telegram bot: /send a code to a
number, /verify the code the customer reads back, /history of what was done.
Every command is written to an audit log (SQLite, or PostgreSQL for several
replicas) before anything is sent.

Dry run without Wawp (no WhatsApp message leaves):  wawp-bot --sandbox

Each setting below is a flag, an environment variable [env: ...] or a key in
the --config TOML file (the variable's name in lower case). Flags win over the
environment, the environment over the file.";

const AFTER_HELP: &str = "Secrets are best given as environment variables (or in a --config file readable only by the bot's user): flags show in `ps`.";

/// `wawp-bot`'s command line. See the crate README's settings table.
// The field docs are the `--help` text, where a bare URL reads best.
#[allow(rustdoc::bare_urls)]
#[derive(Parser, Debug, Default)]
#[command(
    name = "wawp-bot",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    args_override_self = true
)]
pub struct Cli {
    /// What to do; without one, run the bot.
    #[command(subcommand)]
    pub command: Option<CliCommand>,

    /// TOML file with any of the settings below (keys: the variable names in lower case, e.g. telegram_bot_token, wawp_bot_admins = [123, 456]).
    #[arg(long, env = "WAWP_BOT_CONFIG", value_name = "FILE", global = true, value_parser = parse::config_path)]
    pub config: Option<PathBuf>,

    /// Refuse to start (exit 2) if the --config file holds a secret and group or others may read it, instead of a warning.
    #[arg(long, env = "WAWP_BOT_STRICT_PERMISSIONS", value_parser = BoolishValueParser::new(), num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL", global = true)]
    pub strict_permissions: Option<bool>,

    /// Set after parsing: the --config file's mode when it holds a secret that group or others may read.
    #[arg(skip)]
    pub config_file_exposed: Option<u32>,

    /// The bot's token from @BotFather (not needed with --console).
    #[arg(long, env = "TELEGRAM_BOT_TOKEN", value_name = "TOKEN", value_parser = parse::bot_token)]
    pub telegram_bot_token: Option<SecretString>,

    /// Another Bot API server (self-hosted, or a test fake) [default: https://api.telegram.org].
    #[arg(long, env = "TELEGRAM_API_URL", value_name = "URL", value_parser = parse::http_url)]
    pub telegram_api_url: Option<url::Url>,

    /// Comma-separated Telegram user ids allowed to send and verify (ask the bot /whoami).
    #[arg(long = "admins", env = "WAWP_BOT_ADMINS", value_name = "IDS", value_parser = parse::admins)]
    pub admins: Option<parse::Admins>,

    /// Wawp instance id (required unless --sandbox).
    #[arg(long, env = "WAWP_INSTANCE_ID", value_name = "ID", value_parser = parse::non_empty)]
    pub wawp_instance_id: Option<String>,

    /// Wawp access token (required unless --sandbox).
    #[arg(long, env = "WAWP_ACCESS_TOKEN", value_name = "TOKEN", value_parser = parse::secret)]
    pub wawp_access_token: Option<SecretString>,

    /// Wawp API base URL [default: the wawp crate's, https://api.wawp.net].
    #[arg(long, env = "WAWP_BASE_URL", value_name = "URL", value_parser = parse::http_url)]
    pub wawp_base_url: Option<url::Url>,

    /// Dry run: an in-process fake Wawp server instead of Wawp. No WhatsApp message leaves; codes go to the log.
    #[arg(long, env = "WAWP_BOT_SANDBOX", value_parser = BoolishValueParser::new(), num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub sandbox: Option<bool>,

    /// Talk to the bot from this terminal as an admin: no Telegram token, no network.
    #[arg(long, env = "WAWP_BOT_CONSOLE", value_parser = BoolishValueParser::new(), num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub console: Option<bool>,

    /// The audit database: a SQLite file path, or a postgres://USER:PASSWORD@HOST/DB URL for several replicas [default: wawp-bot.sqlite3].
    #[arg(long = "db", env = "WAWP_BOT_DB", value_name = "PATH|URL", value_parser = parse::store_target, global = true)]
    pub db: Option<StoreTarget>,

    /// Sends per admin per minute, shared by all replicas [default: 10].
    #[arg(long, env = "WAWP_BOT_SEND_LIMIT", value_name = "N", value_parser = parse::send_limit)]
    pub send_limit: Option<NonZeroU32>,

    /// Replies per second the whole bot sends, all chats and replicas together (one budget in the store); Telegram allows about 30 per bot [default: 22].
    #[arg(long, env = "WAWP_BOT_REPLY_RATE", value_name = "PER_SECOND", value_parser = parse::reply_rate)]
    pub reply_rate: Option<NonZeroU32>,

    /// Ignore commands older than this many seconds [default: 120].
    #[arg(long, env = "WAWP_BOT_MAX_UPDATE_AGE", value_name = "SECONDS", value_parser = parse::max_update_age)]
    pub max_update_age: Option<u64>,

    /// On SIGTERM, wait at most this many seconds for commands in flight, then exit [default: 20].
    #[arg(long, env = "WAWP_BOT_SHUTDOWN_TIMEOUT", value_name = "SECONDS", value_parser = parse::shutdown_timeout)]
    pub shutdown_timeout: Option<u64>,

    /// Serve /healthz, /readyz and Prometheus /metrics on this internal address, e.g. 127.0.0.1:9090 [default: off].
    #[arg(long, env = "WAWP_BOT_METRICS_LISTEN", value_name = "ADDR", value_parser = parse::socket_addr)]
    pub metrics_listen: Option<SocketAddr>,

    /// Log format on stderr [default: text].
    #[arg(long, env = "WAWP_BOT_LOG_FORMAT", value_name = "FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,

    /// Delete audit rows older than this many days, once a day [default: keep them].
    #[arg(long, env = "WAWP_BOT_AUDIT_RETENTION_DAYS", value_name = "DAYS", value_parser = parse::retention_days)]
    pub audit_retention_days: Option<u32>,

    /// Receive updates by webhook at this public https URL instead of long polling [default: long polling].
    #[arg(long, env = "WAWP_BOT_WEBHOOK_URL", value_name = "URL", value_parser = parse::webhook_url)]
    pub webhook_url: Option<url::Url>,

    /// Where the webhook server listens (behind your TLS proxy) [default: 127.0.0.1:8080].
    #[arg(long, env = "WAWP_BOT_LISTEN", value_name = "ADDR", value_parser = parse::socket_addr)]
    pub listen: Option<SocketAddr>,

    /// Secret Telegram sends with every webhook request: 1-256 of A-Z a-z 0-9 _ - (required with --webhook-url).
    #[arg(long, env = "WAWP_BOT_WEBHOOK_SECRET", value_name = "SECRET", value_parser = parse::webhook_secret)]
    pub webhook_secret: Option<SecretString>,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The subcommands.
#[derive(Subcommand, Debug, Clone)]
pub enum CliCommand {
    /// Write a consistent copy of the SQLite audit database to PATH, safe while the bot runs (PostgreSQL: use pg_dump).
    Backup {
        /// The new file to write (must not exist).
        #[arg(value_name = "PATH")]
        to: PathBuf,
    },
    /// Check every setting (flags, environment, --config file) and exit: 0 when the bot would start with them, 2 with the one-line error. Connects to nothing.
    CheckConfig,
    /// Read the audit log.
    Audit {
        /// What to do with it.
        #[command(subcommand)]
        command: AuditCommand,
    },
}

/// `wawp-bot audit ...`.
#[derive(Subcommand, Debug, Clone)]
pub enum AuditCommand {
    /// Print the audit rows written since DATE as CSV on stdout (cells a spreadsheet would evaluate start with ').
    Export {
        /// A date (2026-01-31, UTC midnight) or an RFC 3339 time (2026-01-31T12:00:00Z).
        #[arg(long, value_name = "DATE", value_parser = parse::since)]
        since: DateTime<Utc>,
        /// Only rows written before this date or time (exclusive).
        #[arg(long, value_name = "DATE", value_parser = parse::since)]
        until: Option<DateTime<Utc>>,
        /// Include the rows of dry runs (--sandbox), left out by default.
        #[arg(long)]
        include_dry_runs: bool,
    },
}
