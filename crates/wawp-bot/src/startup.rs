//! Reaching Telegram at start (issue 13 item 3): every failure is logged
//! with the Bot API URL and a hint at `TELEGRAM_API_URL`, and tried again
//! with back-off instead of ending the process; only a rejected token stops
//! the start (exit 2), since waiting cannot fix it.

use std::future::Future;
use std::time::Duration;

use teloxide::{ApiError, RequestError};
use url::Url;

use crate::backoff::Backoff;
use crate::ops::{Metrics, TelegramErrorLabel};
use crate::stop::Stop;
use crate::telemetry::describe_telegram_error;

/// Waits between start-up calls: 1 s doubling to 60 s.
const BACKOFF: Backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));

/// Why start-up calls to Telegram stopped: only a rejected token (waiting
/// cannot fix it; exit 2). One line without the token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// Telegram refused the bot token (401, or 404 for a malformed one).
    #[error(
        "Telegram refused the bot token ({description}; Bot API at {url}): check TELEGRAM_BOT_TOKEN"
    )]
    TokenRejected {
        /// Telegram's answer, without URL, token or text.
        description: String,
        /// The Bot API URL without user, password or query.
        url: String,
    },
}

impl StartError {
    /// Whether a setting must be fixed: always (the token).
    pub fn is_setting(&self) -> bool {
        match self {
            StartError::TokenRejected { .. } => true,
        }
    }
}

/// One failed start-up call, described without URL, token or text.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) description: String,
    pub(crate) token_rejected: bool,
    pub(crate) label: TelegramErrorLabel,
}

impl From<RequestError> for Failure {
    fn from(err: RequestError) -> Self {
        Failure {
            description: describe_telegram_error(&err),
            // teloxide maps both 401 (a revoked or wrong token) and 404 (a
            // malformed one: the method URL embeds it) here. Retrying helps
            // neither.
            token_rejected: matches!(err, RequestError::Api(ApiError::InvalidToken)),
            label: TelegramErrorLabel::from(&err),
        }
    }
}

/// The Bot API URL as shown in logs and errors: no user, password, query.
pub(crate) fn shown_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

/// Runs `attempt` (`what` names the call) until it succeeds; `Ok(None)` when
/// `stop` came first. A rejected token is [`StartError::TokenRejected`].
pub(crate) async fn with_backoff<T, E, F, Fut>(
    api_url: &Url,
    what: &str,
    stop: &Stop,
    metrics: &Metrics,
    mut attempt: F,
) -> Result<Option<T>, StartError>
where
    E: Into<Failure>,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let url = shown_url(api_url);
    let mut backoff = BACKOFF;
    loop {
        let tries = backoff.tries() + 1;
        let result = tokio::select! {
            _ = stop.wait() => return Ok(None),
            result = attempt() => result,
        };
        let failure: Failure = match result {
            Ok(value) => {
                if tries > 1 {
                    tracing::info!(url = %url, tries, "reached the Telegram Bot API");
                }
                metrics.telegram_ok();
                return Ok(Some(value));
            }
            Err(err) => err.into(),
        };
        metrics.telegram_error(failure.label);
        if failure.token_rejected {
            return Err(StartError::TokenRejected {
                description: failure.description,
                url,
            });
        }
        let wait = backoff.next_wait();
        tracing::warn!(
            url = %url,
            call = what,
            tries,
            retry_in_s = wait.as_secs(),
            error = %failure.description,
            "cannot reach the Telegram Bot API at {url}; retrying (if this machine reaches Telegram through another Bot API server, set TELEGRAM_API_URL)"
        );
        tokio::select! {
            _ = stop.wait() => return Ok(None),
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shown_url_drops_credentials_and_query() {
        let url: Url = "https://user:pw@bots.example:8443/api/?key=k#f"
            .parse()
            .unwrap();
        assert_eq!(shown_url(&url), "https://bots.example:8443/api/");
    }
}
