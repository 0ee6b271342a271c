//! The outbox: every reply is a row, written in the same transaction as the
//! outcome it reports, and sent by a sender that takes rows with a lease
//! (a chat's in order, admins' first) within one reply budget for all
//! replicas: a token bucket in the store, taken from in the same
//! transaction as the lease.
//!
//! A reply tied to an audit row clears the row's `reply_delivered` when it
//! is written and sets it once Telegram accepted it, so `reply_delivered`
//! is true only after Telegram said ok.

use std::time::Duration;

use super::{Backend, Claim, NewEntry, Outcome, Store, StoreError};

/// One message to send (already split to Telegram's length).
#[derive(Debug, Clone)]
pub struct NewReply {
    /// The chat.
    pub chat: i64,
    /// Whether it answers an admin: admins' replies are taken first.
    pub admin: bool,
    /// The message (HTML). Never holds a code or a token.
    pub text: String,
}

/// A reply a sender took.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    /// The row.
    pub id: i64,
    /// The chat.
    pub chat: i64,
    /// The message (HTML).
    pub text: String,
    /// Times taken, this time included.
    pub attempts: u32,
    /// How long ago it was written.
    pub age: Duration,
}

/// The reply budget: `rate` messages per second for the whole bot, in
/// bursts of at most `burst`.
#[derive(Debug, Clone, Copy)]
pub struct ReplyBudget {
    /// Messages per second, all replicas together.
    pub rate: f64,
    /// The most messages sent back to back.
    pub burst: f64,
}

pub(super) fn wall_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub(super) fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Store {
    /// Writes `replies` (to be sent in order), tied to audit row `audit_id`
    /// when given.
    pub async fn outbox_put(
        &self,
        bot_id: u64,
        audit_id: Option<i64>,
        replies: Vec<NewReply>,
    ) -> Result<(), StoreError> {
        let now = wall_ms();
        dispatch!(self.outbox_put(bot_id, audit_id, replies, now))
    }

    /// [`Store::claim_with_pending`] for a row that is final at once (a
    /// refusal, bad arguments, the send limit): the claim, the row and its
    /// replies commit together.
    pub async fn claim_with_replies(
        &self,
        bot_id: u64,
        update_id: u32,
        entry: NewEntry,
        replies: Vec<NewReply>,
    ) -> Result<Claim, StoreError> {
        let (at, now) = (self.now(), wall_ms());
        let mut entry = entry;
        entry.job_id = entry.job_id.map(|job| crate::server_text::clean(&job));
        dispatch!(self.claim_with_replies(bot_id, update_id, entry, replies, at, now))
    }

    /// Records the outcome of a `pending` row and writes its replies, in one
    /// transaction.
    pub async fn finish_with_replies(
        &self,
        bot_id: u64,
        audit_id: i64,
        outcome: Outcome,
        job_id: Option<String>,
        error_kind: Option<String>,
        replies: Vec<NewReply>,
    ) -> Result<(), StoreError> {
        let now = wall_ms();
        // Wawp's job id is server text: stored cleaned and bounded.
        let job_id = job_id.map(|job| crate::server_text::clean(&job));
        dispatch!(
            self.finish_with_replies(bot_id, audit_id, outcome, job_id, error_kind, replies, now)
        )
    }

    /// Takes up to `max` replies for `owner`: the first queued message of
    /// each chat that is due and free (or whose lease expired), admins'
    /// first, no more than `budget` has tokens for (taken in the same
    /// transaction).
    pub async fn outbox_take(
        &self,
        bot_id: u64,
        owner: &str,
        lease: Duration,
        max: usize,
        budget: ReplyBudget,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let owner = owner.to_owned();
        let (now, lease) = (wall_ms(), ms(lease));
        dispatch!(self.outbox_take(bot_id, owner, now, lease, max, budget))
    }

    /// Telegram accepted reply `id`: it is delivered (and its audit row says so).
    pub async fn outbox_delivered(&self, id: i64) -> Result<(), StoreError> {
        dispatch!(self.outbox_close(id, 1))
    }

    /// Reply `id` is given up (refused, or too old): undelivered.
    pub async fn outbox_undelivered(&self, id: i64) -> Result<(), StoreError> {
        dispatch!(self.outbox_close(id, 2))
    }

    /// Gives reply `id` back, to be tried again after `after`.
    pub async fn outbox_retry(&self, id: i64, after: Duration) -> Result<(), StoreError> {
        let at = wall_ms().saturating_add(ms(after));
        dispatch!(self.outbox_retry(id, at))
    }

    /// Gives back every reply `owner` holds (a stopping sender).
    pub async fn outbox_release(&self, bot_id: u64, owner: &str) -> Result<u64, StoreError> {
        let owner = owner.to_owned();
        dispatch!(self.outbox_release(bot_id, owner))
    }

    /// How many replies are queued (not delivered, not given up).
    pub async fn outbox_queued(&self, bot_id: u64) -> Result<u64, StoreError> {
        dispatch!(self.outbox_queued(bot_id))
    }
}

/// The bucket's tokens at `now_ms`: `rate` per second since `updated_ms`,
/// at most `burst`.
pub(crate) fn refill(tokens: f64, updated_ms: i64, now_ms: i64, budget: ReplyBudget) -> f64 {
    let elapsed = (now_ms.saturating_sub(updated_ms)).max(0) as f64 / 1000.0;
    (tokens + elapsed * budget.rate).min(budget.burst)
}

pub(crate) fn age(created_ms: i64, now_ms: i64) -> std::time::Duration {
    std::time::Duration::from_millis(now_ms.saturating_sub(created_ms).max(0) as u64)
}
