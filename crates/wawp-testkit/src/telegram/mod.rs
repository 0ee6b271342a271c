//! A fake Telegram Bot API on 127.0.0.1.
//!
//! It answers `getMe`, `getWebhookInfo`, `deleteWebhook`, `setMyCommands`,
//! `getUpdates` (from a queue the test fills, confirming updates by offset
//! as Telegram does) and `sendMessage` (recording each message and applying
//! Telegram's rules: 4,096 characters, HTML validation); any other method
//! answers `true` and is recorded. Faults can be queued per method, and
//! hand-outs and replies are timestamped for latency measurements.

mod faults;
pub mod rules;
mod server;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use serde_json::Value;
use tokio::sync::Notify;

pub use faults::Fault;

/// A message the bot sent (`sendMessage`) and Telegram accepted.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The chat it went to.
    pub chat_id: i64,
    /// The text as sent (HTML source in HTML mode).
    pub text: String,
    /// `parse_mode`, if any.
    pub parse_mode: Option<String>,
    /// When the fake accepted it.
    pub at: Instant,
}

/// A `sendMessage` Telegram's rules refused (400).
#[derive(Debug, Clone)]
pub struct Rejected {
    /// The chat it was for.
    pub chat_id: i64,
    /// The text.
    pub text: String,
    /// Telegram's `description`.
    pub description: String,
}

/// One update handed out by `getUpdates`.
#[derive(Debug, Clone, Copy)]
pub struct HandedOut {
    /// Its id.
    pub update_id: i64,
    /// The chat of its message, if any.
    pub chat_id: Option<i64>,
    /// When it was handed out.
    pub at: Instant,
}

/// One call to the fake, in order.
#[derive(Debug, Clone)]
pub struct Call {
    /// The method name, lower-case (`sendmessage`).
    pub method: String,
    /// Its JSON parameters (`Null` when there were none).
    pub params: Value,
    /// When it arrived.
    pub at: Instant,
}

type OnSend = Arc<dyn Fn(&Sent) + Send + Sync>;

#[derive(Default)]
pub(super) struct Script {
    /// Updates not yet confirmed; `forced` ones are delivered once whatever
    /// the offset (Telegram delivering again after a restart).
    pub(super) queue: Vec<(Value, bool)>,
    pub(super) confirmed_offset: i64,
    pub(super) sent: Vec<Sent>,
    pub(super) rejected: Vec<Rejected>,
    pub(super) calls: Vec<Call>,
    pub(super) handed_out: Vec<HandedOut>,
    pub(super) faults: HashMap<String, VecDeque<Fault>>,
    pub(super) down: bool,
    pub(super) recent_sends: VecDeque<Instant>,
    pub(super) next_message_id: i64,
}

pub(super) struct Inner {
    pub(super) script: Mutex<Script>,
    pub(super) queued: Notify,
    pub(super) token: Option<String>,
    pub(super) bot_id: u64,
    pub(super) bot_username: String,
    pub(super) max_poll_wait: Duration,
    pub(super) sends_per_second: Option<usize>,
    pub(super) on_send: Mutex<Option<OnSend>>,
}

/// The fake Bot API. Cheap to clone; every clone is the same server.
#[derive(Clone)]
pub struct FakeTelegram {
    pub(super) inner: Arc<Inner>,
    addr: SocketAddr,
}

/// Settings of a [`FakeTelegram`] before it starts.
#[derive(Debug, Clone)]
pub struct Builder {
    token: Option<String>,
    bot_id: u64,
    bot_username: String,
    max_poll_wait: Duration,
    sends_per_second: Option<usize>,
}

impl Builder {
    /// Accept only this bot token (default [`crate::BOT_TOKEN`]).
    pub fn token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    /// Accept any bot token.
    pub fn any_token(mut self) -> Self {
        self.token = None;
        self
    }

    /// The bot's id and username as `getMe` answers them.
    pub fn bot(mut self, id: u64, username: &str) -> Self {
        self.bot_id = id;
        self.bot_username = username.to_owned();
        self
    }

    /// The longest a `getUpdates` long poll is held (default 200 ms,
    /// whatever `timeout` the bot asks for).
    pub fn max_poll_wait(mut self, wait: Duration) -> Self {
        self.max_poll_wait = wait;
        self
    }

    /// Telegram's overall flood limit: more than `n` messages in any second
    /// get a 429 with `retry_after` 1 (default: no limit).
    pub fn sends_per_second(mut self, n: usize) -> Self {
        self.sends_per_second = Some(n);
        self
    }

    /// Starts the server on 127.0.0.1.
    pub async fn start(self) -> FakeTelegram {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port on 127.0.0.1");
        let addr = listener.local_addr().expect("a bound address");
        let fake = FakeTelegram {
            inner: Arc::new(Inner {
                script: Mutex::default(),
                queued: Notify::new(),
                token: self.token,
                bot_id: self.bot_id,
                bot_username: self.bot_username,
                max_poll_wait: self.max_poll_wait,
                sends_per_second: self.sends_per_second,
                on_send: Mutex::new(None),
            }),
            addr,
        };
        let app = Router::new()
            .route(
                "/{bot}/{method}",
                axum::routing::post(server::method).get(server::method),
            )
            .with_state(fake.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        fake
    }
}

impl FakeTelegram {
    /// A builder with the defaults.
    pub fn builder() -> Builder {
        Builder {
            token: Some(crate::BOT_TOKEN.to_owned()),
            bot_id: crate::BOT_ID,
            bot_username: crate::BOT_USERNAME.to_owned(),
            max_poll_wait: Duration::from_millis(200),
            sends_per_second: None,
        }
    }

    /// Starts one with the defaults.
    pub async fn start() -> FakeTelegram {
        FakeTelegram::builder().start().await
    }

    /// The Bot API URL to configure (`TELEGRAM_API_URL`), with a trailing `/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub(super) fn script(&self) -> MutexGuard<'_, Script> {
        self.inner.script.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues updates for `getUpdates`.
    pub fn push_all(&self, updates: impl IntoIterator<Item = Value>) {
        self.script()
            .queue
            .extend(updates.into_iter().map(|u| (u, false)));
        self.inner.queued.notify_waiters();
    }

    /// Queues one update for `getUpdates`.
    pub fn push(&self, update: Value) {
        self.push_all([update]);
    }

    /// Delivers `update` once more whatever offset the bot has confirmed
    /// (what Telegram does when a bot restarts before confirming).
    pub fn redeliver(&self, update: Value) {
        self.script().queue.push((update, true));
        self.inner.queued.notify_waiters();
    }

    /// Queues `fault` as the answer to the next `times` calls of `method`
    /// (case-insensitive, e.g. `"sendMessage"`), after any already queued.
    pub fn fail(&self, method: &str, fault: Fault, times: usize) {
        let mut script = self.script();
        let queue = script
            .faults
            .entry(method.to_ascii_lowercase())
            .or_default();
        queue.extend(std::iter::repeat_n(fault, times));
    }

    /// While `down`, every call answers an HTML 502 (Telegram unreachable
    /// behind its proxy).
    pub fn set_down(&self, down: bool) {
        self.script().down = down;
    }

    /// Calls `callback` with every message accepted, after recording it (the
    /// callback may push updates: a closed-loop load).
    pub fn on_send(&self, callback: impl Fn(&Sent) + Send + Sync + 'static) {
        *self.inner.on_send.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(callback));
    }

    /// The messages accepted, in order.
    pub fn sent(&self) -> Vec<Sent> {
        self.script().sent.clone()
    }

    /// The messages Telegram's rules refused.
    pub fn rejected(&self) -> Vec<Rejected> {
        self.script().rejected.clone()
    }

    /// How many `sendMessage` calls arrived (accepted, refused or faulted).
    pub fn send_attempts(&self) -> usize {
        self.calls_to("sendmessage").len()
    }

    /// Every call, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.script().calls.clone()
    }

    /// The calls of one method (case-insensitive).
    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        let method = method.to_ascii_lowercase();
        self.script()
            .calls
            .iter()
            .filter(|c| c.method == method)
            .cloned()
            .collect()
    }

    /// The method names called, in order.
    pub fn call_names(&self) -> Vec<String> {
        self.script()
            .calls
            .iter()
            .map(|c| c.method.clone())
            .collect()
    }

    /// The updates handed out by `getUpdates`, in order (repeats included).
    pub fn handed_out(&self) -> Vec<HandedOut> {
        self.script().handed_out.clone()
    }

    /// The highest `getUpdates` offset the bot has sent: every update below
    /// it is confirmed.
    pub fn confirmed_offset(&self) -> i64 {
        self.script().confirmed_offset
    }

    /// The ids of updates queued and not yet confirmed.
    pub fn unconfirmed(&self) -> Vec<i64> {
        let script = self.script();
        script
            .queue
            .iter()
            .map(|(u, _)| u["update_id"].as_i64().unwrap_or_default())
            .filter(|&id| id >= script.confirmed_offset)
            .collect()
    }

    /// Waits (10 s at most, else panics) until `n` messages were accepted;
    /// returns them all.
    pub async fn wait_for_sent(&self, n: usize) -> Vec<Sent> {
        self.wait_for_sent_within(n, crate::wait::DEFAULT_DEADLINE)
            .await
    }

    /// [`FakeTelegram::wait_for_sent`] with a deadline.
    pub async fn wait_for_sent_within(&self, n: usize, deadline: Duration) -> Vec<Sent> {
        let end = Instant::now() + deadline;
        loop {
            let sent = self.sent();
            if sent.len() >= n {
                return sent;
            }
            if Instant::now() >= end {
                panic!(
                    "timed out waiting for {n} messages; got {sent:#?}; calls: {:?}; logs in {}",
                    self.call_names(),
                    crate::logs::dump().display()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Pushes `update` and waits for the next message sent; returns it.
    pub async fn ask(&self, update: Value) -> Sent {
        let before = self.sent().len();
        self.push(update);
        self.wait_for_sent(before + 1).await[before].clone()
    }

    /// Waits until the bot has called `getUpdates` at least once.
    pub async fn wait_polling(&self) {
        let fake = self.clone();
        crate::wait::until(
            "the bot to poll",
            crate::wait::DEFAULT_DEADLINE,
            move || {
                fake.script()
                    .calls
                    .iter()
                    .any(|c| c.method == "getupdates")
                    .then_some(())
            },
        )
        .await;
    }
}
