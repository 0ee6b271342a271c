//! The core: [`Service::handle`] takes one update through the handler tree
//! and says whether it is done. It knows no transport: the worker pool calls
//! it for every inbox row, whichever way the update came in.

use std::ops::ControlFlow;
use std::sync::Arc;

use teloxide::dispatching::UpdateHandler;
use teloxide::dptree;
use teloxide::types::Update;

use crate::handlers::{self, Ctx, HandlerError};
use crate::ops::wiring::{Noted, command_of};
use crate::ops::{Metrics, OutcomeLabel};
use crate::worker::Handled;

/// The handler tree and what its endpoints share.
pub(crate) struct Service {
    tree: Arc<UpdateHandler<HandlerError>>,
    ctx: Ctx,
    metrics: Metrics,
    /// The bot's username, to tell its commands from other bots'.
    username: Arc<str>,
}

impl Service {
    /// A service over the handlers' shared state for the bot `username`;
    /// `metrics` gets one sample per command.
    pub(crate) fn new(ctx: Ctx, metrics: Metrics, username: &str) -> Service {
        Service {
            tree: Arc::new(handlers::schema()),
            ctx,
            metrics,
            username: username.into(),
        }
    }

    /// Handles `update`: [`Handled::Retry`] when it could neither act nor
    /// answer for a passing reason (the store or Telegram down).
    pub(crate) async fn handle(&self, update: Update) -> Handled {
        let _in_flight = self.metrics.update_started();
        let command = command_of(&update, &self.username);
        let id = update.id.0;
        // This update's own outcome slot, handed to the handlers in their
        // context.
        let noted = Noted::default();
        let ctx = Ctx {
            noted: noted.clone(),
            ..self.ctx.clone()
        };
        let flow = self.tree.dispatch(dptree::deps![ctx, update]).await;
        let (handled, outcome) = match flow {
            ControlFlow::Break(Ok(())) | ControlFlow::Continue(_) => {
                (Handled::Done, OutcomeLabel::Answered)
            }
            ControlFlow::Break(Err(err)) if err.is_transient() => {
                tracing::error!(update_id = id, error = %err, "handling an update failed; it is kept and tried again");
                (Handled::Retry, OutcomeLabel::Failed)
            }
            ControlFlow::Break(Err(err)) => {
                tracing::error!(update_id = id, error = %err, "handling an update failed");
                (Handled::Done, OutcomeLabel::Failed)
            }
        };
        // One sample per command, once it is done (not per try).
        if let (Some(command), Handled::Done) = (command, handled) {
            self.metrics
                .command(command, noted.get().unwrap_or(outcome));
        }
        handled
    }
}
