//! The inbox: updates written before they are acknowledged to Telegram,
//! taken by workers with a lease (issue 19).
//!
//! A row is put once per `(bot id, update id)` (a repeat delivery finds it
//! and adds nothing). [`Store::inbox_take`] leases the first unfinished row
//! of each chat whose lease is free or expired, admins' rows first; a chat's
//! later rows wait until the earlier one is done, so a chat's commands run in
//! order across replicas. A worker renews its leases while it holds rows; a
//! replica that dies or hangs stops renewing, and once the lease expires any
//! replica (or the restart) takes the row over.

use std::time::Duration;

use secrecy::SecretString;

use super::{Backend, Store, StoreError};

/// An update to put in the inbox.
#[derive(Debug, Clone)]
pub struct NewInboxRow {
    /// Telegram's update id.
    pub update_id: u32,
    /// The chat (or, without one, the user) it belongs to: a chat's rows are
    /// handled in update order.
    pub chat: i64,
    /// Whether an admin sent it: admins' rows are taken first.
    pub admin: bool,
    /// The update's JSON. It can hold an OTP code: never logged, and
    /// emptied once the row is done.
    pub body: SecretString,
}

/// A row a worker took.
#[derive(Debug, Clone)]
pub struct InboxRow {
    /// Telegram's update id.
    pub update_id: u32,
    /// The update's JSON.
    pub body: SecretString,
    /// How many times the row was taken, this time included.
    pub attempts: u32,
    /// Whether another worker's lease on it had expired (that worker died or
    /// hung): its audited steps may have started already.
    pub taken_over: bool,
}

/// Leases and retries run on the wall clock, never on a test's manual
/// clock (which only counts send-limit windows).
fn wall_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Store {
    /// Puts `rows` in the inbox in one transaction, committed before this
    /// returns; rows already there are left alone. Returns how many were new.
    pub async fn inbox_put(&self, bot_id: u64, rows: Vec<NewInboxRow>) -> Result<u64, StoreError> {
        let now = wall_ms();
        dispatch!(self.inbox_put(bot_id, rows, now))
    }

    /// Leases up to `max` rows for `owner` for `lease`: the first unfinished
    /// row of each chat that nobody holds (or whose lease expired) and that
    /// is due, admins' rows first, then by update id.
    pub async fn inbox_take(
        &self,
        bot_id: u64,
        owner: &str,
        lease: Duration,
        max: usize,
    ) -> Result<Vec<InboxRow>, StoreError> {
        let now = wall_ms();
        let owner = owner.to_owned();
        let lease = ms(lease);
        dispatch!(self.inbox_take(bot_id, owner, now, lease, max))
    }

    /// Extends every lease `owner` holds to `lease` from now; returns how
    /// many rows it holds.
    pub async fn inbox_renew(
        &self,
        bot_id: u64,
        owner: &str,
        lease: Duration,
    ) -> Result<u64, StoreError> {
        let until = wall_ms().saturating_add(ms(lease));
        let owner = owner.to_owned();
        dispatch!(self.inbox_renew(bot_id, owner, until))
    }

    /// Marks a row done (and forgets its body).
    pub async fn inbox_done(&self, bot_id: u64, update_id: u32) -> Result<(), StoreError> {
        dispatch!(self.inbox_done(bot_id, update_id))
    }

    /// Gives a row back to be tried again, not before `after` from now.
    pub async fn inbox_retry(
        &self,
        bot_id: u64,
        update_id: u32,
        after: Duration,
    ) -> Result<(), StoreError> {
        let at = wall_ms().saturating_add(ms(after));
        dispatch!(self.inbox_retry(bot_id, update_id, at))
    }

    /// Gives back every row `owner` holds (a stopping worker): another
    /// replica or the restart takes them at once. Returns how many.
    pub async fn inbox_release(&self, bot_id: u64, owner: &str) -> Result<u64, StoreError> {
        let owner = owner.to_owned();
        dispatch!(self.inbox_release(bot_id, owner))
    }

    /// Gives back every lease on bot `bot_id`'s inbox and outbox rows: a
    /// single process (SQLite) starting again after a crash, whose earlier
    /// run's leases would otherwise hold its rows for a lease time.
    pub async fn release_all_leases(&self, bot_id: u64) -> Result<u64, StoreError> {
        dispatch!(self.release_all_leases(bot_id))
    }

    /// How many rows are not done yet.
    pub async fn inbox_backlog(&self, bot_id: u64) -> Result<u64, StoreError> {
        dispatch!(self.inbox_backlog(bot_id))
    }

    /// A taken-over update's audit row still `pending` (its Wawp call
    /// started and its end is unknown) becomes `unknown`, and `replies` (the
    /// notice) are written with it. Returns the row, to exactly one caller.
    pub async fn mark_unknown(
        &self,
        bot_id: u64,
        update_id: u32,
        replies: Vec<crate::store::NewReply>,
    ) -> Result<Option<i64>, StoreError> {
        let now = wall_ms();
        dispatch!(self.mark_unknown(bot_id, update_id, replies, now))
    }
}
