//! What every endpoint gets: the bot, its settings and stores, and the steps
//! they share (answer, audit with the update's claim, one audited Wawp call).

use std::future::Future;
use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::Me;

use super::{Admins, HandlerError, HandlerResult, Settings};
use crate::backend::Wawp;
use crate::delivery::{Outbox, Priority};
use crate::ops::wiring as metrics;
use crate::ops::{OutcomeLabel, WawpCall};
use crate::reply;
use crate::store::{Action, Caller, Claim, NewEntry, Outcome, SendLimit, Store, StoreError};

/// The handlers' shared state. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub(crate) bot: Bot,
    pub(crate) me: Me,
    pub(crate) outbox: Outbox,
    pub(crate) db: Store,
    pub(crate) wawp: Wawp,
    pub(crate) admins: Admins,
    pub(crate) settings: Settings,
    pub(crate) limiter: SendLimit,
    pub(crate) menus: Arc<crate::menu::Menus>,
    pub(crate) metrics: crate::ops::Metrics,
}

/// What came of writing an audit row with the update's claim.
pub(crate) enum Recorded {
    /// Written: the row's id.
    Row(i64),
    /// The update was handled before (delivered again): do nothing.
    Repeat,
    /// The audit log cannot be written; the caller was told. Stop.
    Unwritable,
}

/// What an audited Wawp call ended with.
pub(crate) struct Finish {
    pub(crate) outcome: Outcome,
    pub(crate) job_id: Option<String>,
    pub(crate) error_kind: Option<String>,
    /// The reply.
    pub(crate) text: String,
}

/// The caller's Telegram user id.
pub(crate) fn caller_id(msg: &Message) -> Option<u64> {
    msg.from.as_ref().map(|user| user.id.0)
}

/// The caller as the audit log stores them.
pub(crate) fn caller(msg: &Message) -> Caller {
    Caller {
        id: caller_id(msg).unwrap_or(0),
        username: msg.from.as_ref().and_then(|user| user.username.clone()),
    }
}

impl Ctx {
    /// Whether the message comes from an admin.
    pub(crate) fn is_admin(&self, msg: &Message) -> bool {
        caller_id(msg).is_some_and(|id| self.admins.0.contains(&id))
    }

    fn priority(&self, msg: &Message) -> Priority {
        if self.is_admin(msg) {
            Priority::Admin
        } else {
            Priority::Other
        }
    }

    /// Replies in the message's chat (split, paced, retried).
    pub(crate) async fn answer(&self, msg: &Message, html: String) -> HandlerResult {
        let sent = self
            .outbox
            .send(&self.bot, msg.chat.id, &html, self.priority(msg))
            .await;
        if let Err(err) = &sent {
            self.metrics.telegram_error(err.into());
        }
        sent.map_err(HandlerError::from)
    }

    /// Replies after an audit row was written: a reply that cannot be
    /// delivered (after the retries) is recorded in that row and logged, not
    /// retried with the update (its claim is taken).
    pub(crate) async fn answer_audited(&self, msg: &Message, html: String, row: i64) {
        if let Err(err) = self.answer(msg, html).await {
            tracing::error!(row, error = %err, "the reply was not delivered");
            if let Err(err) = self.db.mark_reply_undelivered(row).await {
                tracing::error!(row, error = %err, "cannot record in the audit log that the reply was not delivered");
            }
        }
    }

    /// Claims the update and writes `entry`, in one transaction. If the audit log cannot be
    /// written the caller is told so (nothing was done); only when that
    /// answer fails too is an error returned (the update is kept).
    pub(crate) async fn record(
        &self,
        msg: &Message,
        update: &Update,
        entry: NewEntry,
    ) -> Result<Recorded, HandlerError> {
        let outcome = entry.outcome;
        match self
            .db
            .claim_with_pending(self.settings.bot_id, update.id.0, entry)
            .await
        {
            Ok(Claim::First { row }) => {
                metrics::note_audited(outcome);
                Ok(Recorded::Row(row))
            }
            Ok(Claim::Repeat) => {
                // Taken over from a worker that died or hung after its claim:
                // if its Wawp call started and never ended, say so, once.
                if let Some(row) = self.db.mark_unknown(update.id.0).await? {
                    tracing::warn!(
                        update_id = update.id.0,
                        row,
                        "a command taken over had started its Wawp call: outcome unknown, not sent again"
                    );
                    metrics::note(OutcomeLabel::Unknown);
                    self.answer_audited(msg, reply::outcome_unknown(), row)
                        .await;
                    return Ok(Recorded::Repeat);
                }
                metrics::note(OutcomeLabel::Duplicate);
                tracing::info!(
                    update_id = update.id.0,
                    "skipping an update delivered again"
                );
                Ok(Recorded::Repeat)
            }
            Err(err) => self.unwritable(msg, err).await,
        }
    }

    async fn unwritable(&self, msg: &Message, err: StoreError) -> Result<Recorded, HandlerError> {
        tracing::error!(error = %err, "cannot write the audit log; nothing was done");
        metrics::note(OutcomeLabel::AuditUnavailable);
        self.answer(msg, reply::audit_unavailable()).await?;
        Ok(Recorded::Unwritable)
    }

    /// Writes a row and answers `text`, unless the update is a repeat or the
    /// log cannot be written.
    pub(crate) async fn audit_and_answer(
        &self,
        msg: &Message,
        update: &Update,
        entry: NewEntry,
        text: String,
    ) -> HandlerResult {
        if let Recorded::Row(row) = self.record(msg, update, entry).await? {
            self.answer_audited(msg, text, row).await;
        }
        Ok(())
    }

    /// The one audited step around every Wawp call: the pending row is
    /// committed (with the update's claim) before `call` starts, the outcome
    /// is recorded once it ends, then the admin gets the reply.
    pub(crate) async fn audited_call<T, Fut>(
        &self,
        msg: &Message,
        update: &Update,
        entry: NewEntry,
        call: impl FnOnce() -> Fut,
        finish: impl FnOnce(&Result<T, wawp::Error>) -> Finish,
    ) -> HandlerResult
    where
        Fut: Future<Output = Result<T, wawp::Error>>,
    {
        let call_label = match entry.action {
            Action::Verify => WawpCall::Verify,
            _ => WawpCall::Send,
        };
        let Recorded::Row(row) = self.record(msg, update, entry).await? else {
            return Ok(());
        };
        let started = std::time::Instant::now();
        let result = call().await;
        let kind = result.as_ref().map(drop).map_err(wawp::Error::kind);
        self.metrics.wawp_call(call_label, started.elapsed(), kind);
        let finish = finish(&result);
        metrics::note_audited(finish.outcome);
        if let Err(err) = self
            .db
            .finish_audit(row, finish.outcome, finish.job_id, finish.error_kind)
            .await
        {
            tracing::error!(error = %err, row, "cannot record the outcome in the audit log");
        }
        self.answer_audited(msg, finish.text, row).await;
        Ok(())
    }
}
