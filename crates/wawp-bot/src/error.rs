//! [`RunError`]: why the bot could not start or stopped, one line without
//! secrets. Each module below `app` returns its own error; `app` alone
//! wraps them here.

use crate::backend::BackendError;
use crate::ops::OpsError;
use crate::polling::PollError;
use crate::startup::StartError;
use crate::store::StoreError as DbError;
use crate::webhook::ServeError;

/// Why the bot could not start (or stopped with an error). `Display` is one
/// line without secrets; [`RunError::exit_code`] says whether a setting must
/// be fixed.
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
    /// No Telegram bot token is set.
    #[error("no Telegram bot token: set TELEGRAM_BOT_TOKEN (console mode sets its own)")]
    NoToken,
    /// Telegram could not be reached at start.
    #[error("cannot start talking to Telegram: {0}")]
    Telegram(String),
    /// Reaching Telegram at start stopped (it refused the bot token).
    #[error(transparent)]
    Start(#[from] StartError),
    /// The ops server (`--metrics-listen`) cannot start.
    #[error(transparent)]
    Ops(#[from] OpsError),
    /// Long polling stopped: the PostgreSQL polling lease was lost or could
    /// not be sought (a hot standby), or its settings are wrong.
    #[error(transparent)]
    Poll(#[from] PollError),
    /// Webhook mode could not start.
    #[error(transparent)]
    Webhook(#[from] ServeError),
}

impl RunError {
    /// The process exit code: 2 for a setting to fix, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        let setting = match self {
            RunError::NoToken | RunError::Backend(BackendError::Client(_)) => true,
            RunError::Db { .. } | RunError::Backend(_) | RunError::Telegram(_) => false,
            RunError::Start(err) => err.is_setting(),
            RunError::Ops(err) => err.is_setting(),
            RunError::Poll(err) => err.is_setting(),
            RunError::Webhook(err) => err.is_setting(),
        };
        if setting { 2 } else { 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standby::StandbyError;
    use crate::webhook::InvalidSecret;

    fn token_rejected() -> StartError {
        StartError::TokenRejected {
            description: "Unauthorized".into(),
            url: "http://127.0.0.1:1/".into(),
        }
    }

    /// The line the operator reads and the exit code, for each error a
    /// module below `app` returns, once wrapped.
    fn shown(err: impl Into<RunError>) -> (String, i32) {
        let err = err.into();
        (err.to_string(), err.exit_code())
    }

    #[test]
    fn a_rejected_token_is_a_setting_wherever_it_was_met() {
        let line = "Telegram refused the bot token (Unauthorized; Bot API at http://127.0.0.1:1/): check TELEGRAM_BOT_TOKEN";
        assert_eq!(shown(token_rejected()), (line.into(), 2));
        assert_eq!(shown(ServeError::from(token_rejected())), (line.into(), 2));
        assert_eq!(
            shown(RunError::NoToken),
            (
                "no Telegram bot token: set TELEGRAM_BOT_TOKEN (console mode sets its own)".into(),
                2
            )
        );
    }

    #[test]
    fn webhook_settings_exit_2_with_their_own_line() {
        assert_eq!(
            shown(ServeError::from(InvalidSecret::Empty)),
            (InvalidSecret::Empty.to_string(), 2)
        );
        let taken = ServeError::Listen {
            addr: "127.0.0.1:8443".parse().unwrap(),
            source: std::io::Error::from(std::io::ErrorKind::AddrInUse),
        };
        let (line, code) = shown(taken);
        assert!(
            line.starts_with("cannot listen on 127.0.0.1:8443 for --listen: "),
            "{line}"
        );
        assert_eq!(code, 2);
    }

    #[test]
    fn an_ops_address_to_fix_exits_2() {
        let public = OpsError::Public("--metrics-listen 0.0.0.0:8443 is public".into());
        assert_eq!(
            shown(public),
            ("--metrics-listen 0.0.0.0:8443 is public".into(), 2)
        );
        let taken = std::io::Error::other("cannot listen on 127.0.0.1:9184 for --metrics-listen");
        assert_eq!(
            shown(OpsError::Bind(taken)),
            (
                "cannot listen on 127.0.0.1:9184 for --metrics-listen".into(),
                2
            )
        );
    }

    #[test]
    fn bad_postgres_settings_exit_2_and_a_lost_lease_exits_1() {
        for setting in [StandbyError::InvalidUrl, StandbyError::Refused] {
            let line = setting.to_string();
            assert_eq!(shown(PollError::from(setting)), (line, 2));
        }
        assert_eq!(
            shown(PollError::from(StandbyError::Query("timeout".into()))),
            (
                "hot standby: PostgreSQL leadership query failed: timeout".into(),
                1
            )
        );
        assert_eq!(
            shown(PollError::LeaseLost),
            (
                "hot standby: lost the PostgreSQL polling lease; stopped polling so that another replica takes over".into(),
                1
            )
        );
        assert_eq!(
            shown(PollError::SeekingStopped),
            ("hot standby: seeking the polling lease stopped".into(), 1)
        );
    }
}
