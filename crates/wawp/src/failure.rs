//! [`Failure`]: one failed attempt, with what the retry decision and the
//! send's "outcome unknown" rule need.

use std::time::Duration;

use crate::Error;

/// A failed attempt, with what the retry decision needs.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: Error,
    /// The request certainly never reached the server.
    pub(crate) not_sent: bool,
    /// The status of an answer whose body then failed (cut short).
    pub(crate) answered: Option<u16>,
    /// `Retry-After` of a 5xx.
    pub(crate) retry_after: Option<Duration>,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            error,
            not_sent: false,
            answered: None,
            retry_after: None,
        }
    }
}

impl Failure {
    /// A failed send: once the request may have been written, anything but
    /// a refusal Wawp gave itself means a code may be on its way.
    pub(crate) fn for_send(self) -> Failure {
        if self.not_sent {
            return self;
        }
        let error = match self.error {
            Error::Timeout { cause } | Error::Connection { cause, .. } => Error::OutcomeUnknown {
                status: self.answered.unwrap_or(0),
                message: None,
                cause,
            },
            Error::Server {
                status: status @ (502..=504),
                message,
            } => Error::OutcomeUnknown {
                status,
                message,
                cause: None,
            },
            Error::BodyTooLarge {
                status: status @ (502..=504),
            } => Error::OutcomeUnknown {
                status,
                message: None,
                cause: None,
            },
            other => other,
        };
        Failure { error, ..self }
    }
}
