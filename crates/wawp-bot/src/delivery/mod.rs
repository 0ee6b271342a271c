//! Getting replies to Telegram through the outbox (the store).
//!
//! - A reply longer than a message is written as several rows ([`split`]),
//!   sent in order.
//! - A reply is written in the same transaction as the outcome it reports
//!   ([`Outbox::replies`] builds the rows the store writes); the
//!   [`sender`] sends it, so a process that dies after the outcome was
//!   recorded leaves its reply for another replica or the restart.
//! - All replicas share one pace, `--reply-rate` per second for the whole
//!   bot (default 22: Telegram allows about 30 per second per bot), a token
//!   bucket in the store; an admin's reply is taken before any non-admin's.
//! - A 429 is waited out (Telegram's `retry_after`); a 5xx, an HTML error
//!   page, a body that is not JSON or a dropped connection is tried again
//!   with back-off, until Telegram accepts the reply or it is
//!   [`sender::MAX_AGE`] old; then (or at once when Telegram refuses it for
//!   good: the user blocked the bot, a bad request) it is recorded as
//!   undelivered and counted in `wawp_bot_replies_undelivered_total`. (A
//!   retry after a dropped connection may show the admin a message twice;
//!   that beats showing it never.)

pub(crate) mod sender;
pub(crate) mod split;

use std::sync::Arc;

use teloxide::RequestError;
use teloxide::types::ChatId;
use tokio::sync::Notify;

use crate::store::{NewReply, Store, StoreError};

/// Whose reply it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Priority {
    /// An admin's: goes first.
    Admin,
    /// Anyone else's.
    Other,
}

/// Writes replies to the outbox and wakes this process's sender. Cheap to
/// clone.
#[derive(Clone)]
pub(crate) struct Outbox {
    store: Store,
    bot_id: u64,
    wake: Arc<Notify>,
}

impl Outbox {
    /// The outbox of bot `bot_id` in `store`.
    pub(crate) fn new(store: Store, bot_id: u64) -> Self {
        Outbox {
            store,
            bot_id,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Notified when replies were written, for this process's sender.
    pub(crate) fn wake(&self) -> Arc<Notify> {
        Arc::clone(&self.wake)
    }

    /// Tells this process's sender that replies were written.
    pub(crate) fn written(&self) {
        self.wake.notify_one();
    }

    /// The rows of one reply: `html` split to fit, in order.
    pub(crate) fn replies(chat: ChatId, html: &str, priority: Priority) -> Vec<NewReply> {
        split::split_html(html, split::MAX_MESSAGE_CHARS)
            .into_iter()
            .map(|text| NewReply {
                chat: chat.0,
                admin: priority == Priority::Admin,
                text,
            })
            .collect()
    }

    /// Writes a reply (tied to audit row `audit_id`, if any); committed when
    /// this returns `Ok`.
    pub(crate) async fn send(
        &self,
        chat: ChatId,
        html: &str,
        priority: Priority,
        audit_id: Option<i64>,
    ) -> Result<(), StoreError> {
        let replies = Outbox::replies(chat, html, priority);
        self.store
            .outbox_put(self.bot_id, audit_id, replies)
            .await?;
        self.written();
        Ok(())
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
