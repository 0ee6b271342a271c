//! The sandbox's shared state and its two operations, send and verify,
//! which answer with the rules' own outcomes (what they mean in HTTP is the
//! routes' business).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use rand::RngExt;

use crate::clock::{Clock, millis};
use crate::credentials::Credentials;
use crate::lang::Lang;
use crate::messages::{MessageLog, SentMessage};
use crate::rules::{SendOutcome, VerifyOutcome};
use crate::store::Store;
use crate::validate::ChatId;

/// Everything a running sandbox knows: credentials, clock, recipients' states
/// and the message log. Cheap to clone (shared).
#[derive(Clone)]
pub struct SandboxState {
    inner: Arc<Inner>,
}

struct Inner {
    credentials: Credentials,
    clock: Arc<dyn Clock>,
    store: Store,
    log: MessageLog,
    /// Random per sandbox, so job ids of two runs differ: letters only, so
    /// that a client's rule against long digit runs (a code could hide in
    /// one) leaves the job id whole.
    job_prefix: String,
    next_job: AtomicU64,
    /// Log each code at info (`--log-codes`); otherwise sends log at debug
    /// without the code or the number.
    log_codes: bool,
    /// Connections open now, kept by whoever serves the state.
    connections: Arc<AtomicUsize>,
}

impl fmt::Debug for SandboxState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxState")
            .field("credentials", &self.inner.credentials)
            .field("clock", &self.inner.clock)
            .field("recipients", &self.recipients())
            .field("messages", &self.inner.log.len())
            .field("log_codes", &self.inner.log_codes)
            .finish()
    }
}

impl SandboxState {
    pub(crate) fn new(
        credentials: Credentials,
        clock: Arc<dyn Clock>,
        max_recipients: usize,
        max_messages: usize,
        log_codes: bool,
    ) -> Self {
        SandboxState {
            inner: Arc::new(Inner {
                credentials,
                clock,
                store: Store::new(max_recipients),
                log: MessageLog::new(max_messages),
                job_prefix: {
                    let mut rng = rand::rng();
                    (0..8)
                        .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
                        .collect()
                },
                next_job: AtomicU64::new(1),
                log_codes,
                connections: Arc::default(),
            }),
        }
    }

    /// The instance id requests must carry.
    pub fn instance_id(&self) -> &str {
        &self.inner.credentials.instance_id
    }

    /// The access token requests must carry.
    pub fn access_token(&self) -> &str {
        &self.inner.credentials.access_token
    }

    /// The messages sent so far (the newest ones, up to the log's size),
    /// oldest first.
    pub fn messages(&self) -> Vec<SentMessage> {
        self.inner.log.list(None)
    }

    /// The messages sent to `chat_id` (digits, as in `chatId`), oldest first.
    pub fn messages_to(&self, chat_id: &str) -> Vec<SentMessage> {
        self.inner.log.list(Some(chat_id))
    }

    /// The code of the last message sent to `chat_id`, whether or not it is
    /// still valid.
    pub fn last_code(&self, chat_id: &str) -> Option<String> {
        self.inner.log.last_code(chat_id)
    }

    /// At most `limit` messages (to `chat_id` if given), newest first.
    pub(crate) fn newest_messages(
        &self,
        chat_id: Option<&str>,
        limit: usize,
    ) -> Vec<Arc<SentMessage>> {
        self.inner.log.newest(chat_id, limit)
    }

    /// How many messages the log holds.
    pub fn message_count(&self) -> usize {
        self.inner.log.len()
    }

    /// How many connections are open, as counted by the server serving
    /// this state (0 when served by someone else).
    pub fn connections(&self) -> usize {
        self.inner.connections.load(Ordering::Relaxed)
    }

    /// The count behind [`SandboxState::connections`], for the server.
    pub(crate) fn connection_gauge(&self) -> Arc<AtomicUsize> {
        self.inner.connections.clone()
    }

    /// How many recipients' states are tracked.
    pub fn recipients(&self) -> usize {
        self.inner.store.len()
    }

    /// The credentials requests must carry.
    pub(crate) fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    /// Issues a code to `chat_id` if the rules allow it; an issued send
    /// carries its job id.
    pub(crate) fn send(
        &self,
        chat_id: ChatId<'_>,
        lang: Lang,
        footer: Option<&str>,
    ) -> SendOutcome<String> {
        let now = self.inner.clock.now();
        let code = rand::rng().random_range(0..1_000_000u32);
        match self.inner.store.send(chat_id.key, code, millis(now)) {
            SendOutcome::Issued(()) => {}
            SendOutcome::CoolingDown { retry_after } => {
                return SendOutcome::CoolingDown { retry_after };
            }
            SendOutcome::LockedOut { retry_after } => {
                return SendOutcome::LockedOut { retry_after };
            }
        }
        let job = self.inner.next_job.fetch_add(1, Ordering::Relaxed);
        let message = SentMessage {
            chat_id: chat_id.text.to_owned(),
            code: format!("{code:06}"),
            job_id: format!("send_{}_{job}", self.inner.job_prefix),
            lang,
            footer: footer.map(str::to_owned),
            sent_at: now,
        };
        if self.inner.log_codes {
            // Asked for (`--log-codes`): the code is meant to be seen.
            tracing::info!(
                target: "wawp_sandbox::sent",
                chat_id = %message.chat_id,
                code = %message.code,
                job_id = %message.job_id,
                lang = %message.lang,
                footer = message.footer.as_deref(),
                "OTP sent",
            );
        } else {
            tracing::debug!(
                target: "wawp_sandbox::sent",
                job_id = %message.job_id,
                lang = %message.lang,
                "OTP sent (code and number not logged: --log-codes)",
            );
        }
        let job_id = message.job_id.clone();
        self.inner.log.push(message);
        SendOutcome::Issued(job_id)
    }

    /// Checks `code` for `chat_id`, consuming it when right.
    pub(crate) fn verify(&self, chat_id: ChatId<'_>, code: u32) -> VerifyOutcome {
        let now = millis(self.inner.clock.now());
        self.inner.store.verify(chat_id.key, code, now)
    }
}
