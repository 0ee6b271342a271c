//! What every endpoint gets: the bot, its settings and stores, and the steps
//! they share (answer, audit with the update's claim, one audited Wawp call).

use std::future::Future;
use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::Me;

use super::{Admins, HandlerError, HandlerResult, Settings};
use crate::backend::Wawp;
use crate::delivery::{Outbox, Priority};
use crate::ops::wiring::Noted;
use crate::ops::{OutcomeLabel, WawpCall};
use crate::reply;
use crate::store::{
    Action, Caller, Claim, NewEntry, NewReply, Outcome, SendLimit, Store, StoreError,
};

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
    /// What came of this update's command (a fresh slot per update).
    pub(crate) noted: Noted,
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

    /// The rows of a reply in the message's chat.
    fn replies(&self, msg: &Message, html: &str) -> Vec<NewReply> {
        Outbox::replies(msg.chat.id, html, self.priority(msg))
    }

    /// Replies in the message's chat: written to the outbox (committed when
    /// this returns), sent by the sender. Fails only when the store does:
    /// the update is then tried again later.
    pub(crate) async fn answer(&self, msg: &Message, html: String) -> HandlerResult {
        self.outbox
            .send(msg.chat.id, &html, self.priority(msg), None)
            .await?;
        Ok(())
    }

    /// Replies about audit row `row` (whose `reply_delivered` follows the
    /// reply). A reply that cannot be written is logged: the row stands.
    pub(crate) async fn answer_audited(&self, msg: &Message, html: String, row: i64) {
        if let Err(err) = self
            .outbox
            .send(msg.chat.id, &html, self.priority(msg), Some(row))
            .await
        {
            tracing::error!(row, error = %err, "cannot write the reply to the outbox");
        }
    }

    /// Claims the update and writes `entry` (pending: a Wawp call follows),
    /// in one transaction. If the audit log cannot be written the caller is
    /// told so (nothing was done); only when that answer fails too is an
    /// error returned (the update is kept).
    pub(crate) async fn record(
        &self,
        msg: &Message,
        update: &Update,
        entry: NewEntry,
    ) -> Result<Recorded, HandlerError> {
        let claimed = self
            .db
            .claim_with_pending(self.settings.bot_id, update.id.0, entry)
            .await;
        self.claimed(msg, update, claimed).await
    }

    async fn claimed(
        &self,
        msg: &Message,
        update: &Update,
        claimed: Result<Claim, StoreError>,
    ) -> Result<Recorded, HandlerError> {
        match claimed {
            Ok(Claim::First { row }) => Ok(Recorded::Row(row)),
            Ok(Claim::Repeat) => self.repeat(msg, update).await,
            Err(err) => self.unwritable(msg, err).await,
        }
    }

    /// The update was claimed before: by this bot before a restart, or by a
    /// worker that died or hung (its lease expired). If its Wawp call
    /// started and never ended, the admin is told the outcome is unknown,
    /// once; it is never made again.
    async fn repeat(&self, msg: &Message, update: &Update) -> Result<Recorded, HandlerError> {
        let notice = self.replies(msg, &reply::outcome_unknown());
        if let Some(row) = self
            .db
            .mark_unknown(self.settings.bot_id, update.id.0, notice)
            .await?
        {
            self.outbox.written();
            tracing::warn!(
                update_id = update.id.0,
                row,
                "a command taken over had started its Wawp call: outcome unknown, not sent again"
            );
            self.noted.note(OutcomeLabel::Unknown);
            return Ok(Recorded::Repeat);
        }
        self.noted.note(OutcomeLabel::Duplicate);
        tracing::info!(
            update_id = update.id.0,
            "skipping an update delivered again"
        );
        Ok(Recorded::Repeat)
    }

    async fn unwritable(&self, msg: &Message, err: StoreError) -> Result<Recorded, HandlerError> {
        tracing::error!(error = %err, "cannot write the audit log; nothing was done");
        self.noted.note(OutcomeLabel::AuditUnavailable);
        self.answer(msg, reply::audit_unavailable()).await?;
        Ok(Recorded::Unwritable)
    }

    /// Writes a final row and its reply `text` with the update's claim, in
    /// one transaction, unless the update is a repeat or the log cannot be
    /// written.
    pub(crate) async fn audit_and_answer(
        &self,
        msg: &Message,
        update: &Update,
        entry: NewEntry,
        text: String,
    ) -> HandlerResult {
        let outcome = entry.outcome;
        let replies = self.replies(msg, &text);
        let claimed = self
            .db
            .claim_with_replies(self.settings.bot_id, update.id.0, entry, replies)
            .await;
        if let Recorded::Row(_) = self.claimed(msg, update, claimed).await? {
            self.noted.note_audited(outcome);
            self.outbox.written();
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
        self.noted.note_audited(finish.outcome);
        // The outcome and its reply commit together, retried until they do:
        // a row never stays pending after a call that ended.
        let replies = self.replies(msg, &finish.text);
        let bot_id = self.settings.bot_id;
        crate::backoff::until_ok("recording the outcome of a Wawp call", || {
            self.db.finish_with_replies(
                bot_id,
                row,
                finish.outcome,
                finish.job_id.clone(),
                finish.error_kind.clone(),
                replies.clone(),
            )
        })
        .await;
        self.outbox.written();
        Ok(())
    }
}
