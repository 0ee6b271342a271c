//! The claim the webhook route makes before it answers 200.

use std::fmt;
use std::future::Future;

use futures::future::BoxFuture;
use teloxide::types::Update;

/// The outcome of claiming an update in the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claimed {
    /// This replica claimed it first: it is handed on (to the dispatcher,
    /// or, written to the bot's inbox, to its workers).
    First,
    /// It was claimed before (Telegram delivered it again, maybe to another
    /// replica): answered 200 and not handed on.
    Repeat,
}

/// The store could not record the claim: the route answers 503 and Telegram
/// delivers the update again. The reason is logged; it must hold no secret.
#[derive(Clone, Debug, thiserror::Error)]
#[error("the update could not be claimed: {reason}")]
pub struct ClaimFailed {
    reason: String,
}

impl ClaimFailed {
    /// A failure with a one-line reason (a store error's `Display`).
    pub fn new(reason: impl fmt::Display) -> Self {
        Self {
            reason: reason.to_string(),
        }
    }
}

/// Claims an update durably (its id, or the whole update in an inbox).
/// Implemented for every
/// `Fn(&Update) -> impl Future<Output = Result<Claimed, ClaimFailed>>`.
pub trait ClaimUpdate: Send + Sync + 'static {
    /// Records the claim; resolves once it is committed.
    fn claim(&self, update: &Update) -> BoxFuture<'static, Result<Claimed, ClaimFailed>>;
}

impl<F, Fut> ClaimUpdate for F
where
    F: Fn(&Update) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Claimed, ClaimFailed>> + Send + 'static,
{
    fn claim(&self, update: &Update) -> BoxFuture<'static, Result<Claimed, ClaimFailed>> {
        Box::pin(self(update))
    }
}
