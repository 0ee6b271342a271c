//! Getting replies to Telegram: split to fit, paced under Telegram's flood
//! limit with admins first, and retried when Telegram fails transiently.
//!
//! - A reply longer than a message is sent as several ([`split`]).
//! - All replies of a process share one pace, `--reply-rate` per second
//!   (default 22: Telegram allows about 30 per second per bot); an admin's reply goes before any
//!   non-admin's waiting for the same slot.
//! - A 429 is waited out (at most [`MAX_RETRY_AFTER`]); a 5xx, an HTML
//!   error page, a body that is not JSON or a dropped connection is tried
//!   again with back-off, [`MAX_TRIES`] times in all (teloxide itself waits
//!   10 s after any 5xx answer before it returns the error). What still fails is
//!   returned, so the caller can record that the reply was not delivered.
//!   (A retry after a dropped connection may show the admin a message twice;
//!   that beats showing it never.)

mod pace;
pub(crate) mod split;

use std::sync::Arc;
use std::time::Duration;

use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::ParseMode;

pub(crate) use pace::Pacer;

/// How many times one message is tried.
pub(crate) const MAX_TRIES: u32 = 4;
/// The longest 429 `retry_after` a reply waits out.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// The first wait before trying a message again; doubled each time.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// Whose reply it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Priority {
    /// An admin's: goes first.
    Admin,
    /// Anyone else's.
    Other,
}

/// Sends replies. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Outbox {
    pacer: Arc<Pacer>,
}

impl Outbox {
    /// Replies paced at `rate` per second, all chats together (see
    /// [`DEFAULT_REPLY_RATE`](crate::config::DEFAULT_REPLY_RATE)).
    pub(crate) fn new(rate: u32) -> Self {
        Outbox {
            pacer: Arc::new(Pacer::new(rate)),
        }
    }
}

impl Outbox {
    /// Sends `html` to `chat`, split into as many messages as needed.
    pub(crate) async fn send(
        &self,
        bot: &Bot,
        chat: ChatId,
        html: &str,
        priority: Priority,
    ) -> Result<(), RequestError> {
        for part in split::split_html(html, split::MAX_MESSAGE_CHARS) {
            self.send_one(bot, chat, part, priority).await?;
        }
        Ok(())
    }

    async fn send_one(
        &self,
        bot: &Bot,
        chat: ChatId,
        text: String,
        priority: Priority,
    ) -> Result<(), RequestError> {
        let mut tries = 1;
        loop {
            self.pacer.acquire(priority).await;
            let result = bot
                .send_message(chat, text.clone())
                .parse_mode(ParseMode::Html)
                .await;
            let err = match result {
                Ok(_) => return Ok(()),
                Err(err) if tries < MAX_TRIES => err,
                Err(err) => return Err(err),
            };
            let wait = match &err {
                RequestError::RetryAfter(after) => after.duration().min(MAX_RETRY_AFTER),
                err if is_transient(err) => FIRST_BACKOFF * 2u32.pow(tries - 1),
                _ => return Err(err),
            };
            tracing::warn!(
                error = %crate::telemetry::describe_telegram_error(&err),
                wait_ms = wait.as_millis() as u64,
                try_ = tries,
                "a reply failed; trying again"
            );
            tokio::time::sleep(wait).await;
            tries += 1;
        }
    }
}

/// Whether Telegram may accept the same request if tried again: a network
/// failure, an answer that is not JSON (an HTML error page), or a 5xx.
pub(crate) fn is_transient(err: &RequestError) -> bool {
    match err {
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => true,
        RequestError::RetryAfter(_) => true,
        RequestError::Api(teloxide::ApiError::Unknown(text)) => [
            "Internal Server Error",
            "Bad Gateway",
            "Service Unavailable",
            "Gateway Timeout",
        ]
        .iter()
        .any(|s| text.contains(s)),
        _ => false,
    }
}
