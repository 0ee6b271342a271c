//! The sandbox's shared state and its two operations, send and verify.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::HeaderValue;
use rand::Rng;

use crate::auth::Credentials;
use crate::clock::{Clock, millis};
use crate::error::{ApiError, ErrorCode};
use crate::lang::Lang;
use crate::messages::{MessageLog, SentMessage};
use crate::rules::{LOCKOUT, MAX_WRONG_ATTEMPTS, SEND_COOLDOWN, SendOutcome, VerifyOutcome};
use crate::store::Store;
use crate::validate::ChatId;

/// Everything a running sandbox knows: credentials, clock, recipients' states
/// and the message log. Cheap to clone (shared); build one with
/// [`SandboxBuilder::build_state`](crate::SandboxBuilder::build_state) and
/// serve it with [`router`](crate::router).
#[derive(Clone)]
pub struct SandboxState {
    inner: Arc<Inner>,
}

struct Inner {
    credentials: Credentials,
    clock: Arc<dyn Clock>,
    store: Store,
    log: MessageLog,
    /// Random per sandbox, so job ids of two runs differ.
    job_prefix: u32,
    next_job: AtomicU64,
    /// Log each code at info (`--log-codes`); otherwise sends log at debug
    /// without the code or the number.
    log_codes: bool,
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
                job_prefix: rand::rng().random(),
                next_job: AtomicU64::new(1),
                log_codes,
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

    /// How many recipients' states are tracked.
    pub fn recipients(&self) -> usize {
        self.inner.store.len()
    }

    pub(crate) fn authorize(
        &self,
        authorization: Option<&HeaderValue>,
        instance_id: Option<&str>,
        access_token: Option<&str>,
    ) -> Result<(), ApiError> {
        self.inner
            .credentials
            .check(authorization, instance_id, access_token)
    }

    /// Issues a code to `chat_id` if the rules allow it; returns the job id.
    pub(crate) fn send(
        &self,
        chat_id: ChatId<'_>,
        lang: Lang,
        footer: Option<&str>,
    ) -> Result<String, ApiError> {
        let now = self.inner.clock.now();
        let code = rand::rng().random_range(0..1_000_000u32);
        match self.inner.store.send(chat_id.key, code, millis(now)) {
            SendOutcome::Issued => {}
            SendOutcome::CoolingDown { retry_after } => {
                return Err(ApiError::too_many(
                    ErrorCode::RateLimited,
                    retry_after,
                    format!(
                        "rate limit exceeded: one code per recipient every {} seconds; retry in {retry_after} s",
                        SEND_COOLDOWN.as_secs()
                    ),
                ));
            }
            SendOutcome::LockedOut { retry_after } => return Err(locked_out(retry_after)),
        }
        let job = self.inner.next_job.fetch_add(1, Ordering::Relaxed);
        let message = SentMessage {
            chat_id: chat_id.text.to_owned(),
            code: format!("{code:06}"),
            job_id: format!("send_{:08x}_{job}", self.inner.job_prefix),
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
        Ok(job_id)
    }

    /// Checks `code` for `chat_id`, consuming it when right.
    pub(crate) fn verify(&self, chat_id: ChatId<'_>, code: u32) -> Result<(), ApiError> {
        let now = millis(self.inner.clock.now());
        match self.inner.store.verify(chat_id.key, code, now) {
            VerifyOutcome::Verified => Ok(()),
            VerifyOutcome::Wrong { attempts_left } => Err(ApiError::bad_request(
                ErrorCode::InvalidCode,
                format!(
                    "The code is incorrect: {attempts_left} attempt{} left",
                    if attempts_left == 1 { "" } else { "s" }
                ),
            )),
            VerifyOutcome::LockedOut { retry_after } => Err(locked_out(retry_after)),
            VerifyOutcome::Expired => Err(ApiError::bad_request(
                ErrorCode::CodeExpired,
                "The code has expired: send a new one",
            )),
            VerifyOutcome::NoActiveCode => Err(ApiError::bad_request(
                ErrorCode::NoActiveCode,
                "No active code for this recipient: send one first (codes are single use)",
            )),
        }
    }
}

fn locked_out(retry_after: u64) -> ApiError {
    ApiError::too_many(
        ErrorCode::LockedOut,
        retry_after,
        format!(
            "too many wrong codes: after {MAX_WRONG_ATTEMPTS} wrong attempts the recipient is locked out for {} minutes; retry in {retry_after} s",
            LOCKOUT.as_secs() / 60
        ),
    )
}
