//! Receiving: every transport (long polling, webhook, the console through
//! polling) hands updates to [`Receiver::receive`], which writes them to the
//! store's inbox; the transport acknowledges them to Telegram only after
//! that returned `Ok`. Nothing acknowledged exists only in memory.
//!
//! The worker pool (the `worker` module) takes the rows from there.

use std::collections::BTreeSet;
use std::sync::Arc;

use secrecy::SecretString;
use teloxide::types::Update;
use tokio::sync::Notify;

use crate::budget::StrangerBudget;
use crate::store::{NewInboxRow, Store, StoreError};

/// Writes received updates to the inbox and wakes this process's workers.
/// Cheap to clone.
#[derive(Clone)]
pub(crate) struct Receiver {
    store: Store,
    bot_id: u64,
    admins: Arc<BTreeSet<u64>>,
    wake: Arc<Notify>,
    strangers: Arc<StrangerBudget>,
}

impl Receiver {
    /// A receiver for the bot `bot_id` whose admins are `admins`.
    pub(crate) fn new(store: Store, bot_id: u64, admins: Arc<BTreeSet<u64>>) -> Receiver {
        Receiver {
            store,
            bot_id,
            admins,
            wake: Arc::new(Notify::new()),
            strangers: Arc::default(),
        }
    }

    /// Notified when new rows were put, for this process's workers.
    pub(crate) fn wake(&self) -> Arc<Notify> {
        Arc::clone(&self.wake)
    }

    /// Writes `updates` to the inbox in one transaction, committed when this
    /// returns `Ok` (then, and only then, they may be acknowledged). Updates
    /// already there (a repeat delivery) are not added again, nor those the
    /// bot cannot parse (logged without their content), nor a stranger's
    /// beyond their budget ([`crate::budget`]). Returns how many were new.
    pub(crate) async fn receive(&self, updates: &[Update]) -> Result<u64, StoreError> {
        if updates.is_empty() {
            return Ok(0);
        }
        let rows = updates
            .iter()
            .filter(|update| {
                let parsed = !matches!(update.kind, teloxide::types::UpdateKind::Error(_));
                if !parsed {
                    // Never log the raw JSON: it can hold a code or a number.
                    tracing::warn!(
                        update_id = update.id.0,
                        "skipping an update the bot cannot parse"
                    );
                }
                parsed
            })
            .filter(|update| self.within_budget(update))
            .map(|update| self.row(update))
            .collect::<Vec<_>>();
        let total = rows.len() as u64;
        let added = self.store.inbox_put(self.bot_id, rows).await?;
        if added > 0 {
            self.wake.notify_one();
        }
        if added < total {
            tracing::info!(
                repeats = total - added,
                "skipping an update delivered again (already in the inbox)"
            );
        }
        Ok(added)
    }

    /// Admins always; a stranger while their small budget lasts. Beyond it
    /// the update is acknowledged with the batch and dropped (counted at
    /// DEBUG only, so a flood does not flood the log).
    fn within_budget(&self, update: &Update) -> bool {
        let Some(user) = update.from().map(|user| user.id.0) else {
            return true;
        };
        if self.admins.contains(&user) || self.strangers.admit(user, std::time::Instant::now()) {
            return true;
        }
        tracing::debug!(
            user_id = user,
            update_id = update.id.0,
            "a stranger's update over their budget dropped"
        );
        false
    }

    fn row(&self, update: &Update) -> NewInboxRow {
        let sender = update.from().map(|user| user.id.0);
        NewInboxRow {
            update_id: update.id.0,
            chat: chat_of(update),
            admin: sender.is_some_and(|id| self.admins.contains(&id)),
            // teloxide's own types serialise back to the Bot API's JSON; an
            // update that cannot (never seen) is kept empty and skipped by
            // the worker with a warning.
            body: SecretString::from(serde_json::to_string(update).unwrap_or_default()),
        }
    }
}

/// The key that orders an update among its chat's: the chat id, else the
/// sender's id, else 0.
pub(crate) fn chat_of(update: &Update) -> i64 {
    match (update.chat(), update.from()) {
        (Some(chat), _) => chat.id.0,
        (None, Some(user)) => user.id.0 as i64,
        (None, None) => 0,
    }
}
