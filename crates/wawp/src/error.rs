//! Errors: [`BuildError`] when configuring, [`Error`] when calling, with
//! its [`ErrorKind`] and, for network failures, the [`Cause`].

use std::fmt;
use std::time::Duration;

pub use crate::cause::Cause;

/// A client could not be built: the configuration or the environment is
/// incomplete or invalid. The message says what to change and never
/// repeats a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The configuration is invalid (missing credentials, a base URL that
    /// is not https, ...).
    #[error("invalid client configuration: {message}")]
    Config {
        /// What to change.
        message: String,
    },

    /// A required environment variable is not set (or is empty).
    #[error("environment variable {name} is not set; set it (see wawp::Client::from_env)")]
    MissingEnv {
        /// The variable's name, e.g. `WAWP_ACCESS_TOKEN`.
        name: &'static str,
    },
}

/// A call to Wawp failed.
///
/// Messages never contain the access token, the code being verified or a
/// full phone number, nor control characters: server-provided text follows
/// the crate's rule for untrusted text (see the crate docs, *Safety*)
/// before it is stored, then is cut to 200 characters. Match on the variant, or on
/// [`Error::kind`] when you only need the category (for metrics or a
/// user-facing message). Wrong, expired and locked-out codes are not errors
/// but [`crate::VerifyOutcome`]s.
///
/// ```
/// use std::time::Duration;
/// use wawp::{Error, ErrorKind};
///
/// let err = Error::SendCooldown { retry_after: Duration::from_secs(60) };
/// assert_eq!(err.kind(), ErrorKind::SendCooldown);
/// assert_eq!(err.kind().as_str(), "send_cooldown");
/// assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
/// assert_eq!(err.status(), Some(429));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Wawp refused the instance ID or access token (HTTP 401).
    #[error(
        "Wawp refused the credentials (HTTP 401); check the instance ID and access token{}",
        said(message)
    )]
    Unauthorized {
        /// The server's explanation, when it gave one.
        message: Option<String>,
    },

    /// HTTP 429 on send: Wawp allows one code per recipient every 60
    /// seconds. Sending again before `retry_after` has passed fails again.
    #[error(
        "Wawp is protecting this recipient from repeated codes (HTTP 429): wait {} s before sending again",
        secs_ceil(*retry_after)
    )]
    SendCooldown {
        /// How long to wait: the `Retry-After` header kept within 1 s and
        /// 1 hour, or 60 s without a usable one.
        retry_after: Duration,
    },

    /// Any other 4xx answer to a send (and unexpected redirects), with the
    /// server's message.
    #[error("Wawp rejected the request (HTTP {status}): {message}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The server's message (JSON `message`/`error` field, or a short
        /// plain-text summary of the body), or the status' reason phrase.
        message: String,
    },

    /// A 5xx answer: Wawp or a proxy in front of it failed. On send, only
    /// a 500 (or other 5xx but 502–504, which are [`Error::OutcomeUnknown`]),
    /// meaning Wawp did not take the request on.
    #[error("Wawp server error (HTTP {status}){}", suffix(message))]
    Server {
        /// The HTTP status.
        status: u16,
        /// A short summary of the body, when there was one.
        message: Option<String>,
    },

    /// A send that may have reached Wawp failed before a usable answer came
    /// back, so **a code may have been sent**. It was not retried. Ask the
    /// recipient before sending again; a send within 60 s of a delivered one
    /// fails with [`Error::SendCooldown`].
    ///
    /// This is every send failure after the request may have been written:
    /// HTTP 502, 503 or 504 (a gateway may have forwarded the request; see
    /// [`crate::RetryPolicy::with_retry_send_on_unavailable`]), a body over the
    /// cap on those statuses, an answer cut short (even a 200), a connection
    /// reset and a timeout. Only a connection that never opened is a
    /// [`Error::Connection`] on send.
    #[error(
        "{}{}: a code may have been sent; ask the recipient before sending again",
        unknown_cause(*status),
        suffix(message)
    )]
    OutcomeUnknown {
        /// The HTTP status of the answer (502, 503, 504; or a 2xx whose
        /// body was cut short), or `0` when no answer arrived (connection
        /// reset, timeout): [`Error::status`] is then `None`.
        status: u16,
        /// A short summary of the body, when there was one.
        message: Option<String>,
        /// The network library's error when the connection broke (its URL
        /// removed), also this error's
        /// [`source`](std::error::Error::source).
        #[source]
        cause: Option<Cause>,
    },

    /// No complete answer arrived within the attempt's timeout or the
    /// call's deadline. The request may or may not have reached Wawp. (On
    /// send, a timeout after the request may have been written is
    /// [`Error::OutcomeUnknown`].)
    #[error(
        "the request to Wawp timed out; it may or may not have reached the server (see ClientBuilder::timeout and RetryPolicy::deadline)"
    )]
    Timeout {
        /// The network library's error when reqwest's own timeout fired
        /// (its URL removed), also this error's
        /// [`source`](std::error::Error::source); `None` when the call's
        /// deadline ended it.
        #[source]
        cause: Option<Cause>,
    },

    /// The connection failed (DNS, TCP, TLS, or the connection broke). On
    /// send, only a connection that never opened: nothing was sent.
    #[error("could not talk to Wawp: {message}")]
    Connection {
        /// A description of the network failure, without the request URL.
        message: String,
        /// The network library's error (its URL removed), also this
        /// error's [`source`](std::error::Error::source).
        #[source]
        cause: Option<Cause>,
    },

    /// The answer's status was understood but its body was not, e.g. an
    /// HTML page with status 200 or a send answer without `job_id`.
    #[error("Wawp answered HTTP {status} with a body this client cannot read")]
    UnparseableBody {
        /// The HTTP status.
        status: u16,
        /// Where the JSON stopped making sense (never the body's text), also
        /// this error's [`source`](std::error::Error::source); `None` when
        /// the JSON was read but a value in it was out of range.
        #[source]
        cause: Option<Cause>,
    },

    /// The answer's body was larger than the client reads
    /// ([`MAX_BODY_BYTES`](crate::client::MAX_BODY_BYTES)); reading stopped there.
    #[error(
        "Wawp answered HTTP {status} with a body over {} KiB; reading stopped there",
        crate::MAX_BODY_BYTES / 1024
    )]
    BodyTooLarge {
        /// The HTTP status.
        status: u16,
    },
}

fn suffix(message: &Option<String>) -> String {
    match message {
        Some(m) => format!(": {m}"),
        None => String::new(),
    }
}

fn unknown_cause(status: u16) -> String {
    match status {
        0 => {
            "the send request was written but no answer came back (connection broken or timed out)"
                .to_owned()
        }
        200..=299 => format!("Wawp answered the send (HTTP {status}) but the answer was cut short"),
        _ => format!("Wawp's gateway failed (HTTP {status})"),
    }
}

fn said(message: &Option<String>) -> String {
    match message {
        Some(m) => format!(" (Wawp said: {m})"),
        None => String::new(),
    }
}

pub(crate) fn secs_ceil(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

impl Error {
    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Unauthorized { .. } => ErrorKind::Unauthorized,
            Error::SendCooldown { .. } => ErrorKind::SendCooldown,
            Error::Rejected { .. } => ErrorKind::Rejected,
            Error::Server { .. } => ErrorKind::Server,
            Error::OutcomeUnknown { .. } => ErrorKind::OutcomeUnknown,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Connection { .. } => ErrorKind::Connection,
            Error::UnparseableBody { .. } => ErrorKind::UnparseableBody,
            Error::BodyTooLarge { .. } => ErrorKind::BodyTooLarge,
        }
    }

    /// How long to wait before trying again, when Wawp said so (429).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::SendCooldown { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// The HTTP status of the answer that caused this error, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Unauthorized { .. } => Some(401),
            Error::SendCooldown { .. } => Some(429),
            Error::OutcomeUnknown { status: 0, .. } => None,
            Error::Rejected { status, .. }
            | Error::Server { status, .. }
            | Error::OutcomeUnknown { status, .. }
            | Error::UnparseableBody { status, .. }
            | Error::BodyTooLarge { status } => Some(*status),
            Error::Timeout { .. } | Error::Connection { .. } => None,
        }
    }

    /// Whether the same call, unchanged, may succeed later: network
    /// failures, timeouts, 5xx, and a cooldown once [`Error::retry_after`]
    /// has passed. Credentials and rejections will fail again. The client
    /// already retried what was safe to retry.
    ///
    /// [`Error::OutcomeUnknown`] is **not** retryable: a code may already
    /// be on its way, and sending again would send a second one. Ask the
    /// recipient first.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::SendCooldown
                | ErrorKind::Server
                | ErrorKind::Timeout
                | ErrorKind::Connection
        )
    }
}

/// The category of an [`Error`], for metrics, logs and coarse handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::Unauthorized`].
    Unauthorized,
    /// [`Error::SendCooldown`].
    SendCooldown,
    /// [`Error::Rejected`].
    Rejected,
    /// [`Error::Server`].
    Server,
    /// [`Error::OutcomeUnknown`].
    OutcomeUnknown,
    /// [`Error::Timeout`].
    Timeout,
    /// [`Error::Connection`].
    Connection,
    /// [`Error::UnparseableBody`].
    UnparseableBody,
    /// [`Error::BodyTooLarge`].
    BodyTooLarge,
}

impl ErrorKind {
    /// A stable snake_case name: `"unauthorized"`, `"send_cooldown"`,
    /// `"rejected"`, `"server"`, `"outcome_unknown"`, `"timeout"`,
    /// `"connection"`, `"unparseable_body"`, `"body_too_large"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::SendCooldown => "send_cooldown",
            ErrorKind::Rejected => "rejected",
            ErrorKind::Server => "server",
            ErrorKind::OutcomeUnknown => "outcome_unknown",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connection => "connection",
            ErrorKind::UnparseableBody => "unparseable_body",
            ErrorKind::BodyTooLarge => "body_too_large",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests;
