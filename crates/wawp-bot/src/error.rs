//! [`RunError`]: why the bot could not start or stopped, one line without
//! secrets. Its own module so that the modules below `app` (transports,
//! start-up, ops wiring) name it without importing `app`.

use crate::backend::BackendError;
use crate::store::StoreError as DbError;

/// Why the bot could not start (or stopped with an error). `Display` is one
/// line without secrets.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The audit database cannot be opened.
    #[error("cannot open the audit database {path}: {source}")]
    Db {
        /// The configured path.
        path: String,
        /// Why.
        source: DbError,
    },
    /// Wawp (or the sandbox) cannot be set up.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// Telegram refused the bot token.
    #[error("Telegram refused the bot token ({0}): check TELEGRAM_BOT_TOKEN")]
    TelegramToken(String),
    /// Telegram could not be reached at start.
    #[error("cannot start talking to Telegram: {0}")]
    Telegram(String),
    /// A setting cannot be used as given (an address already taken, a bad
    /// webhook secret, PostgreSQL credentials refused).
    #[error("{0}")]
    Setting(String),
    /// This replica lost (or could not keep seeking) the PostgreSQL polling
    /// lock: exit non-zero so that the service manager restarts it as a
    /// standby.
    #[error("hot standby: {0}")]
    Standby(String),
}

impl RunError {
    /// The process exit code: 2 for a setting to fix, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            RunError::TelegramToken(_)
            | RunError::Setting(_)
            | RunError::Backend(BackendError::Client(_)) => 2,
            _ => 1,
        }
    }
}
