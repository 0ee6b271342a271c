//! The rows the store keeps and the answers it gives.
//!
//! An audit row holds who asked (Telegram id and username), what (action,
//! masked recipient, language), and what came of it (outcome, Wawp job id,
//! error kind). It never holds an OTP code, a token, or a full phone number:
//! [`NewEntry`] only takes a [`wawp::PhoneNumber`] and the store keeps its
//! masked form.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// What was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `/send`
    Send,
    /// `/verify`
    Verify,
    /// `/history`
    History,
}

impl Action {
    /// The name stored in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Send => "send",
            Action::Verify => "verify",
            Action::History => "history",
        }
    }
}

/// What came of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Written before calling Wawp; replaced once Wawp answers. A row still
    /// `pending` after a crash means "outcome unknown".
    Pending,
    /// Wawp accepted the send.
    Sent,
    /// Wawp confirmed the code.
    Verified,
    /// Wawp (or the connection to it) failed; `error_kind` says how.
    Failed,
    /// The caller may not use the command here; nothing was sent.
    Refused,
    /// Missing or bad arguments; nothing was sent.
    Invalid,
    /// The admin's send limit was reached; nothing was sent.
    RateLimited,
    /// The command was older than the configured maximum age; ignored.
    Stale,
    /// The Wawp call started in a worker that died or hung, and its end is
    /// unknown: a code may have been sent. Never sent again.
    Unknown,
}

impl Outcome {
    /// The name stored in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Sent => "sent",
            Outcome::Verified => "verified",
            Outcome::Failed => "failed",
            Outcome::Refused => "refused",
            Outcome::Invalid => "invalid",
            Outcome::RateLimited => "rate_limited",
            Outcome::Stale => "stale",
            Outcome::Unknown => "unknown",
        }
    }
}

/// Who asked, from the Telegram message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Telegram user id.
    pub id: u64,
    /// Telegram username, without `@`, if the user has one.
    pub username: Option<String>,
}

/// A row to append.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// The Telegram update that carried the command.
    pub update_id: Option<u32>,
    /// Who asked.
    pub caller: Caller,
    /// What was asked for.
    pub action: Action,
    /// The recipient, stored masked.
    pub recipient: Option<wawp::PhoneNumber>,
    /// The message language.
    pub lang: Option<wawp::Lang>,
    /// What came of it.
    pub outcome: Outcome,
    /// Wawp's job id for a send.
    pub job_id: Option<String>,
    /// Why it failed or was refused (`wawp::ErrorKind` names, or the bot's own).
    pub error_kind: Option<String>,
}

impl NewEntry {
    /// A row with no recipient, language, job or error yet.
    pub fn new(
        update_id: Option<u32>,
        caller: Caller,
        action: Action,
        outcome: Outcome,
    ) -> NewEntry {
        NewEntry {
            update_id,
            caller,
            action,
            recipient: None,
            lang: None,
            outcome,
            job_id: None,
            error_kind: None,
        }
    }

    /// Sets the error kind.
    pub fn error_kind(mut self, kind: impl Into<String>) -> NewEntry {
        self.error_kind = Some(kind.into());
        self
    }

    /// The recipient as stored: masked.
    pub(crate) fn masked_recipient(&self) -> Option<String> {
        self.recipient.as_ref().map(wawp::PhoneNumber::masked)
    }

    /// The language code as stored.
    pub(crate) fn lang_code(&self) -> Option<&str> {
        self.lang.as_ref().map(wawp::Lang::as_str)
    }
}

/// A row read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Row id, increasing.
    pub id: i64,
    /// When the row was written.
    pub at: DateTime<Utc>,
    /// The Telegram update that carried the command.
    pub update_id: Option<u32>,
    /// Who asked.
    pub caller: Caller,
    /// `send`, `verify` or `history`.
    pub action: String,
    /// Masked recipient.
    pub recipient: Option<String>,
    /// Language code.
    pub lang: Option<String>,
    /// See [`Outcome`]; `pending` on a row not in flight means "outcome unknown".
    pub outcome: String,
    /// Wawp's job id.
    pub job_id: Option<String>,
    /// Why it failed or was refused.
    pub error_kind: Option<String>,
    /// How many commands this row stands for (a refusal flood is one row per window).
    pub repeat_count: u32,
    /// `false` when the reply could not be delivered to Telegram.
    pub reply_delivered: bool,
    /// `true` for a row written by a dry run (`--sandbox`).
    pub dry_run: bool,
}

/// The answer of [`Store::claim_with_pending`](super::Store::claim_with_pending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The update was new: it is claimed and its `pending` row committed.
    First {
        /// The pending audit row, to finish later.
        row: i64,
    },
    /// Another handler (or replica) claimed this update already; nothing was written.
    Repeat,
}

/// The answer of [`Store::try_acquire_send`](super::Store::try_acquire_send).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendPermit {
    /// The send is counted; go ahead.
    Granted,
    /// The limit is reached; a slot frees in `retry_in`.
    Limited {
        /// Until the oldest send in the window ages out.
        retry_in: Duration,
    },
}

/// The answer of [`Store::note_refusal`](super::Store::note_refusal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefusalTally {
    /// The first refusal of this user in the window: reply to it. Later ones
    /// in the same window only bump the count.
    pub first_in_window: bool,
    /// Refusals of this user in the current window, this one included.
    pub count: u32,
    /// The audit row that counts them.
    pub row: i64,
}

/// Rows left `pending` (by a crash, or in flight right now).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PendingReport {
    /// How many.
    pub count: u64,
    /// The oldest ids, at most [`PendingReport::MAX_IDS`].
    pub ids: Vec<i64>,
}

impl PendingReport {
    /// How many ids a report lists.
    pub const MAX_IDS: usize = 50;
}
