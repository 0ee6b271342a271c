//! Stopping: one [`Stop`] shared by every task, a
//! `tokio_util::sync::CancellationToken` cancelled when the trigger (the
//! signal handler, a test's shutdown future) resolves.

use std::future::Future;

use tokio_util::sync::CancellationToken;

/// A stop request shared by the tasks and whoever asks for the stop.
#[derive(Debug, Clone)]
pub(crate) struct Stop(CancellationToken);

impl Stop {
    /// A stop that is requested when `trigger` resolves.
    pub(crate) fn on(trigger: impl Future<Output = ()> + Send + 'static) -> Stop {
        let token = CancellationToken::new();
        tokio::spawn({
            let token = token.clone();
            async move {
                trigger.await;
                token.cancel();
            }
        });
        Stop(token)
    }

    /// Whether the stop was requested.
    pub(crate) fn requested(&self) -> bool {
        self.0.is_cancelled()
    }

    /// Resolves once the stop is requested.
    pub(crate) async fn wait(&self) {
        self.0.cancelled().await;
    }
}
