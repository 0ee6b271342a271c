//! The teloxide update listener the webhook route feeds.

use std::convert::Infallible;
use std::fmt;

use futures::StreamExt;
use futures::stream::BoxStream;
use teloxide::stop::{StopFlag, StopToken, mk_stop_token};
use teloxide::types::Update;
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};
use tokio::sync::mpsc;

/// Hands claimed webhook updates to a teloxide `Dispatcher`
/// (`dispatch_with_listener`). When stopped (the dispatcher's shutdown), the
/// route stops taking updates (503, so Telegram keeps them) and the updates
/// already claimed are still handed on before the stream ends.
pub struct WebhookListener {
    rx: mpsc::Receiver<Update>,
    token: StopToken,
    flag: StopFlag,
}

impl fmt::Debug for WebhookListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookListener")
            .field("queued", &self.rx.len())
            .field("stopped", &self.flag.is_stopped())
            .finish()
    }
}

impl WebhookListener {
    pub(super) fn new(rx: mpsc::Receiver<Update>) -> Self {
        let (token, flag) = mk_stop_token();
        Self { rx, token, flag }
    }
}

impl UpdateListener for WebhookListener {
    type Err = Infallible;

    fn stop_token(&mut self) -> StopToken {
        self.token.clone()
    }
}

impl<'a> AsUpdateStream<'a> for WebhookListener {
    type StreamErr = Infallible;
    type Stream = BoxStream<'a, Result<Update, Infallible>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        let flag = self.flag.clone();
        futures::stream::unfold((&mut self.rx, flag), |(rx, mut flag)| async move {
            if !flag.is_stopped() {
                tokio::select! {
                    biased;
                    update = rx.recv() => return update.map(|u| (Ok(u), (rx, flag))),
                    () = &mut flag => {}
                }
            }
            // Stopped: no new permits (`close` is idempotent); drain what was claimed (recv waits
            // for permits still held by a request in flight).
            rx.close();
            rx.recv().await.map(|u| (Ok(u), (rx, flag)))
        })
        .boxed()
    }
}
