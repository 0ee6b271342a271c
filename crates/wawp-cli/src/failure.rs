//! Why a command failed, and the exit code a script branches on (the table
//! is `wawp_cli::args::EXIT_CODES`, shown by `--help`).

use wawp::{Error, ErrorKind};

/// Sent, or verified.
pub const SUCCESS: u8 = 0;
/// The code was not verified: wrong, no active code, locked out.
pub const NOT_VERIFIED: u8 = 1;
/// A bad argument or a missing or unusable setting.
pub const USAGE: u8 = 2;
/// Wawp answered, and refused: 401, 429, another 4xx, a 5xx.
pub const REFUSED: u8 = 3;
/// The request may or may not have had its effect.
pub const UNKNOWN: u8 = 4;
/// Wawp could not be reached.
pub const NETWORK: u8 = 5;

/// A command that could not do its job. `message` is one line that says
/// what to fix; it never holds the token or a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The process's exit code.
    pub exit: u8,
    /// A stable snake_case name: `usage`, `settings`, or a `wawp::ErrorKind` name.
    pub kind: &'static str,
    /// What went wrong and what to do, one line.
    pub message: String,
    /// How long to wait before trying again, when Wawp said (429).
    pub retry_after_secs: Option<u64>,
    /// The HTTP status of Wawp's answer, when there was one.
    pub http_status: Option<u16>,
}

impl Failure {
    fn new(exit: u8, kind: &'static str, message: impl ToString) -> Failure {
        // One line, whatever the source said.
        let message = message
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Failure {
            exit,
            kind,
            message,
            retry_after_secs: None,
            http_status: None,
        }
    }

    /// A bad argument (number, code, language, footer, profile name).
    pub fn usage(message: impl ToString) -> Failure {
        Failure::new(USAGE, "usage", message)
    }

    /// A missing or unusable setting (credentials, profile file).
    pub fn settings(message: impl ToString) -> Failure {
        Failure::new(USAGE, "settings", message)
    }

    /// A failed call to Wawp.
    pub fn from_wawp(err: &Error) -> Failure {
        let exit = match err.kind() {
            ErrorKind::Unauthorized
            | ErrorKind::SendCooldown
            | ErrorKind::Rejected
            | ErrorKind::Server => REFUSED,
            ErrorKind::Connection => NETWORK,
            // OutcomeUnknown, Timeout, UnparseableBody, BodyTooLarge, and
            // any kind a later `wawp` adds: nobody can say what happened.
            _ => UNKNOWN,
        };
        let mut failure = Failure::new(exit, err.kind().as_str(), err);
        failure.retry_after_secs = err.retry_after().map(secs_ceil);
        failure.http_status = err.status();
        failure
    }
}

/// Whole seconds, rounded up (a wait of 59.5 s is "60 s").
pub fn secs_ceil(d: std::time::Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn wawp_errors_map_to_the_documented_exit_codes() {
        let cases = [
            (Error::Unauthorized { message: None }, REFUSED),
            (
                Error::SendCooldown {
                    retry_after: Duration::from_millis(59_500),
                },
                REFUSED,
            ),
            (
                Error::Rejected {
                    status: 400,
                    message: "x".into(),
                },
                REFUSED,
            ),
            (
                Error::Server {
                    status: 503,
                    message: None,
                },
                REFUSED,
            ),
            (
                Error::OutcomeUnknown {
                    status: 504,
                    message: None,
                    cause: None,
                },
                UNKNOWN,
            ),
            (Error::Timeout { cause: None }, UNKNOWN),
            (
                Error::UnparseableBody {
                    status: 200,
                    cause: None,
                },
                UNKNOWN,
            ),
            (Error::BodyTooLarge { status: 200 }, UNKNOWN),
            (
                Error::Connection {
                    message: "refused".into(),
                    cause: None,
                },
                NETWORK,
            ),
        ];
        for (err, exit) in cases {
            let failure = Failure::from_wawp(&err);
            assert_eq!(failure.exit, exit, "{err:?}");
            assert_eq!(failure.kind, err.kind().as_str());
            assert!(!failure.message.contains('\n'));
        }
        let cooldown = Failure::from_wawp(&Error::SendCooldown {
            retry_after: Duration::from_millis(59_500),
        });
        assert_eq!(cooldown.retry_after_secs, Some(60));
        assert_eq!(cooldown.http_status, Some(429));
        assert!(cooldown.message.contains("wait 60 s"), "{cooldown:?}");
    }

    #[test]
    fn messages_are_one_line() {
        let failure = Failure::settings("first\nsecond\r\n  third");
        assert_eq!(failure.message, "first second third");
        assert_eq!(failure.exit, USAGE);
    }
}
