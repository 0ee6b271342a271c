//! The error type and its classification.

use std::fmt;
use std::time::Duration;

use crate::{InvalidLang, InvalidPhone};

/// Everything that can go wrong when building a client or calling Wawp.
///
/// Messages never contain the access token, the code being verified or a
/// full phone number: server-provided text is scrubbed of all three before
/// it is stored. Match on the variant, or on [`Error::kind`] when you only
/// need the category (for metrics or a user-facing message).
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
        /// How long to wait: the `Retry-After` header, or 60 s without one.
        retry_after: Duration,
    },

    /// HTTP 429 on verify: too many wrong codes, verification for this
    /// recipient is locked (Wawp documents 5 attempts, then 15 minutes).
    #[error(
        "too many wrong codes for this recipient (HTTP 429): verification is locked{}{}",
        match retry_after {
            Some(d) => format!(" for {} s", secs_ceil(*d)),
            None => " for a while (Wawp documents 15 minutes)".to_owned(),
        },
        said(message)
    )]
    VerifyLockedOut {
        /// How long the lockout lasts, when the server said so.
        retry_after: Option<Duration>,
        /// The server's explanation, when it gave one.
        message: Option<String>,
    },

    /// The phone number is not usable (only from converting a string with
    /// `?`; the client itself takes an already validated [`crate::PhoneNumber`]).
    #[error(transparent)]
    InvalidPhone(#[from] InvalidPhone),

    /// A [`crate::Lang::Other`] code that is not 2 or 3 ASCII letters.
    #[error(transparent)]
    InvalidLang(#[from] InvalidLang),

    /// The footer cannot be sent; nothing was sent.
    #[error("invalid footer: {reason}")]
    InvalidFooter {
        /// What is wrong with it.
        reason: FooterReason,
    },

    /// The code is not 6 digits; nothing was sent and no attempt was used.
    #[error(
        "invalid code: enter the 6 digits from the WhatsApp message (e.g. 123456), without letters or spaces in between"
    )]
    InvalidCode,

    /// Any other 4xx answer (and unexpected redirects), with the server's
    /// message. A wrong or expired code typically lands here with status 400.
    #[error("Wawp rejected the request (HTTP {status}): {message}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The server's message (JSON `message`/`error` field, or a short
        /// plain-text summary of the body), or the status' reason phrase.
        message: String,
    },

    /// A 5xx answer: Wawp or a proxy in front of it failed.
    #[error("Wawp server error (HTTP {status}){}", suffix(message))]
    Server {
        /// The HTTP status.
        status: u16,
        /// A short summary of the body, when there was one.
        message: Option<String>,
    },

    /// No complete answer arrived within the configured timeout. The
    /// request may or may not have reached Wawp.
    #[error(
        "the request to Wawp timed out; it may or may not have reached the server (see ClientBuilder::timeout)"
    )]
    Timeout,

    /// The connection failed (DNS, TCP, TLS, or the connection broke).
    #[error("could not talk to Wawp: {message}")]
    Connection {
        /// A description of the network failure, without the request URL.
        message: String,
    },

    /// The answer's status was understood but its body was not, e.g. an
    /// HTML page with status 200 or a send answer without `job_id`.
    #[error("Wawp answered HTTP {status} with a body this client cannot read")]
    UnparseableBody {
        /// The HTTP status.
        status: u16,
    },

    /// The client configuration is invalid (missing credentials, a base
    /// URL that is not https, ...). The message says what to change.
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

fn suffix(message: &Option<String>) -> String {
    match message {
        Some(m) => format!(": {m}"),
        None => String::new(),
    }
}

fn said(message: &Option<String>) -> String {
    match message {
        Some(m) => format!(" (Wawp said: {m})"),
        None => String::new(),
    }
}

fn secs_ceil(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

impl Error {
    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Unauthorized { .. } => ErrorKind::Unauthorized,
            Error::SendCooldown { .. } => ErrorKind::SendCooldown,
            Error::VerifyLockedOut { .. } => ErrorKind::VerifyLockedOut,
            Error::InvalidPhone(_)
            | Error::InvalidLang(_)
            | Error::InvalidFooter { .. }
            | Error::InvalidCode => ErrorKind::InvalidInput,
            Error::Rejected { .. } => ErrorKind::Rejected,
            Error::Server { .. } => ErrorKind::Server,
            Error::Timeout => ErrorKind::Timeout,
            Error::Connection { .. } => ErrorKind::Connection,
            Error::UnparseableBody { .. } => ErrorKind::UnparseableBody,
            Error::Config { .. } | Error::MissingEnv { .. } => ErrorKind::Config,
        }
    }

    /// How long to wait before trying again, when Wawp said so (429).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::SendCooldown { retry_after } => Some(*retry_after),
            Error::VerifyLockedOut { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status of the answer that caused this error, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Unauthorized { .. } => Some(401),
            Error::SendCooldown { .. } | Error::VerifyLockedOut { .. } => Some(429),
            Error::Rejected { status, .. }
            | Error::Server { status, .. }
            | Error::UnparseableBody { status } => Some(*status),
            _ => None,
        }
    }

    /// Whether the same call, unchanged, may succeed later: network
    /// failures, timeouts, 5xx, and the 429s once [`Error::retry_after`]
    /// has passed. Invalid input, credentials and rejections will fail
    /// again. The client already retried what was safe to retry.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::SendCooldown
                | ErrorKind::VerifyLockedOut
                | ErrorKind::Server
                | ErrorKind::Timeout
                | ErrorKind::Connection
        )
    }
}

/// The category of an [`Error`], for metrics, logs and coarse handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::Unauthorized`].
    Unauthorized,
    /// [`Error::SendCooldown`].
    SendCooldown,
    /// [`Error::VerifyLockedOut`].
    VerifyLockedOut,
    /// Phone, language, footer or code validation; nothing was sent.
    InvalidInput,
    /// [`Error::Rejected`].
    Rejected,
    /// [`Error::Server`].
    Server,
    /// [`Error::Timeout`].
    Timeout,
    /// [`Error::Connection`].
    Connection,
    /// [`Error::UnparseableBody`].
    UnparseableBody,
    /// [`Error::Config`] and [`Error::MissingEnv`].
    Config,
}

impl ErrorKind {
    /// A stable snake_case name: `"unauthorized"`, `"send_cooldown"`,
    /// `"verify_locked_out"`, `"invalid_input"`, `"rejected"`, `"server"`,
    /// `"timeout"`, `"connection"`, `"unparseable_body"`, `"config"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::SendCooldown => "send_cooldown",
            ErrorKind::VerifyLockedOut => "verify_locked_out",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Rejected => "rejected",
            ErrorKind::Server => "server",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connection => "connection",
            ErrorKind::UnparseableBody => "unparseable_body",
            ErrorKind::Config => "config",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a footer was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FooterReason {
    /// Empty or whitespace only.
    Blank,
    /// Longer than [`crate::MAX_FOOTER_CHARS`].
    TooLong {
        /// Its length in characters.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// Contains control characters (line breaks, tabs, ...) or
    /// text-direction overrides.
    ControlCharacter,
}

impl fmt::Display for FooterReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FooterReason::Blank => {
                f.write_str("it is empty or only spaces; leave the footer out instead")
            }
            FooterReason::TooLong { chars, max } => {
                write!(f, "it is {chars} characters long; keep it to {max} or fewer")
            }
            FooterReason::ControlCharacter => f.write_str(
                "it contains control or text-direction characters (line breaks, tabs, bidi overrides); use plain single-line text",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_the_documented_names() {
        let cases = [
            (Error::Unauthorized { message: None }, "unauthorized"),
            (
                Error::SendCooldown {
                    retry_after: Duration::from_secs(1),
                },
                "send_cooldown",
            ),
            (
                Error::VerifyLockedOut {
                    retry_after: None,
                    message: None,
                },
                "verify_locked_out",
            ),
            (Error::InvalidCode, "invalid_input"),
            (
                Error::Rejected {
                    status: 400,
                    message: "x".into(),
                },
                "rejected",
            ),
            (
                Error::Server {
                    status: 500,
                    message: None,
                },
                "server",
            ),
            (Error::Timeout, "timeout"),
            (
                Error::Connection {
                    message: "x".into(),
                },
                "connection",
            ),
            (Error::UnparseableBody { status: 200 }, "unparseable_body"),
            (
                Error::Config {
                    message: "x".into(),
                },
                "config",
            ),
            (Error::MissingEnv { name: "WAWP_X" }, "config"),
        ];
        for (err, name) in cases {
            assert_eq!(err.kind().as_str(), name, "{err:?}");
            assert_eq!(err.kind().to_string(), name);
        }
    }

    #[test]
    fn cooldown_message_rounds_up_and_tells_how_long() {
        let err = Error::SendCooldown {
            retry_after: Duration::from_millis(59_500),
        };
        assert!(err.to_string().contains("wait 60 s"), "{err}");
        let locked = Error::VerifyLockedOut {
            retry_after: None,
            message: Some("locked".into()),
        };
        assert!(locked.to_string().contains("15 minutes"), "{locked}");
        assert!(
            locked.to_string().ends_with("(Wawp said: locked)"),
            "{locked}"
        );
    }

    #[test]
    fn only_transient_errors_are_retryable() {
        assert!(Error::Timeout.is_retryable());
        assert!(
            Error::Server {
                status: 503,
                message: None
            }
            .is_retryable()
        );
        assert!(!Error::InvalidCode.is_retryable());
        assert!(!Error::Unauthorized { message: None }.is_retryable());
        assert!(
            !Error::Rejected {
                status: 400,
                message: "x".into()
            }
            .is_retryable()
        );
    }

    #[test]
    fn errors_are_send_sync_static() {
        fn assert_bounds<T: std::error::Error + Send + Sync + 'static>() {}
        assert_bounds::<Error>();
    }
}
