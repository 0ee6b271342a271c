//! When and how long to wait before trying a call again: the policy and
//! the decision for one failed attempt.

use std::time::Duration;

use crate::Error;

/// How the client retries failed calls.
///
/// Only failures where the request provably never reached Wawp's
/// application are retried, so a retry can never send a second code or use
/// a second verify attempt:
///
/// - a connection that could not be opened (the request never left), for
///   send and verify;
/// - HTTP 503 on **send** (the service refused the request unprocessed).
///
/// A 502 or 504 on send is *not* retried: the gateway may have passed the
/// request on, and a code may have gone out; the call fails with
/// [`Error::OutcomeUnknown`] instead. A 429 is never retried (waiting out a
/// cooldown is the caller's decision), a verify that reached the server is
/// never repeated (each try uses one of the recipient's 5 attempts), and
/// timeouts are not retried (the request may have arrived).
///
/// Between tries the client waits an exponentially growing delay
/// (`base_delay`, `2 × base_delay`, ...) with random jitter, never more than
/// `max_delay`; a `Retry-After` header on a 503 replaces the computed delay
/// (still capped by `max_delay`).
///
/// The whole call, every attempt and wait included, ends by the
/// [`deadline`](RetryPolicy::deadline) (default 30 s): no retry starts
/// whose wait would reach it, and an attempt still running then fails
/// with [`Error::Timeout`] (within 5 ms of it: an attempt that reqwest's own
/// timeout already ends that close to the deadline gets no extra timer).
///
/// ```
/// use std::time::Duration;
/// use wawp::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .max_attempts(5)
///     .base_delay(Duration::from_millis(500))
///     .max_delay(Duration::from_secs(10));
/// assert_eq!(patient.attempts(), 5);
/// assert_eq!(RetryPolicy::none().attempts(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    deadline: Duration,
}

/// The default [`RetryPolicy::deadline`].
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);

impl Default for RetryPolicy {
    /// 3 attempts in total, 250 ms base delay, 5 s maximum delay, 30 s
    /// deadline for the whole call.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
            deadline: DEFAULT_DEADLINE,
        }
    }
}

impl RetryPolicy {
    /// Never retry: every call makes exactly one attempt.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Total attempts per call, the first one included (`1` = no retry;
    /// `0` is treated as `1`).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The delay before the first retry; it doubles for each further one.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The longest single wait, also the cap for a `Retry-After` header.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The longest a whole call may take, all attempts and waits included
    /// (default [`DEFAULT_DEADLINE`]; zero is treated as 1 ms).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline.max(Duration::from_millis(1));
        self
    }

    /// Total attempts per call, the first one included.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The longest a whole call may take.
    pub fn total_time(&self) -> Duration {
        self.deadline
    }

    /// Whether to try again after failed attempt number `attempt`
    /// (1-based), and after which wait; `remaining` is the time left
    /// before the deadline.
    pub(crate) fn next_delay(
        &self,
        op: Op,
        failure: &Failure,
        attempt: u32,
        remaining: Duration,
    ) -> Option<Duration> {
        let safe = failure.not_sent
            || (op == Op::Send && matches!(failure.error, Error::Server { status: 503, .. }));
        if !safe || attempt >= self.max_attempts {
            return None;
        }
        let delay = self.delay(attempt, failure.retry_after);
        (delay < remaining).then_some(delay)
    }

    /// The wait after failed attempt number `attempt` (1-based).
    pub(crate) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.max_delay);
        }
        let factor = 1u32 << attempt.saturating_sub(1).min(16);
        let ceiling = self.base_delay.saturating_mul(factor).min(self.max_delay);
        // "Equal jitter": half fixed, half random, so concurrent clients
        // spread out but never retry immediately.
        let half = ceiling / 2;
        let jitter_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(rand::random_range(0..=jitter_nanos))
    }
}

/// The two operations, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Send,
    Verify,
}

/// A failed attempt, with what the retry decision needs.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: Error,
    /// The request certainly never reached the server.
    pub(crate) not_sent: bool,
    /// `Retry-After` of a 5xx.
    pub(crate) retry_after: Option<Duration>,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            error,
            not_sent: false,
            retry_after: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(status: u16) -> Failure {
        Error::Server {
            status,
            message: None,
        }
        .into()
    }

    #[test]
    fn only_unsent_requests_and_send_503s_are_retried() {
        let policy = RetryPolicy::default();
        let long = Duration::from_secs(60);
        assert!(policy.next_delay(Op::Send, &server(503), 1, long).is_some());
        assert!(
            policy
                .next_delay(Op::Verify, &server(503), 1, long)
                .is_none()
        );
        for status in [500, 502, 504] {
            assert!(
                policy
                    .next_delay(Op::Send, &server(status), 1, long)
                    .is_none()
            );
        }
        let refused = Failure {
            not_sent: true,
            ..Failure::from(Error::Connection {
                message: "refused".into(),
            })
        };
        assert!(policy.next_delay(Op::Verify, &refused, 1, long).is_some());
        assert!(policy.next_delay(Op::Verify, &refused, 3, long).is_none());
    }

    #[test]
    fn no_retry_whose_wait_reaches_the_deadline() {
        let policy = RetryPolicy::default().base_delay(Duration::from_secs(4));
        let failure = server(503);
        assert!(
            policy
                .next_delay(Op::Send, &failure, 1, Duration::from_secs(1))
                .is_none()
        );
        assert!(
            policy
                .next_delay(Op::Send, &failure, 1, Duration::from_secs(5))
                .is_some()
        );
        assert_eq!(RetryPolicy::default().total_time(), DEFAULT_DEADLINE);
        assert_eq!(
            RetryPolicy::default().deadline(Duration::ZERO).total_time(),
            Duration::from_millis(1)
        );
    }

    #[test]
    fn delays_grow_exponentially_within_jitter_and_cap() {
        let policy = RetryPolicy::default()
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(300));
        for _ in 0..50 {
            let first = policy.delay(1, None);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let second = policy.delay(2, None);
            assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
            let capped = policy.delay(10, None);
            assert!(capped >= Duration::from_millis(150) && capped <= Duration::from_millis(300));
        }
        assert!(policy.delay(u32::MAX, None) <= Duration::from_millis(300));
    }

    #[test]
    fn retry_after_wins_but_is_capped() {
        let policy = RetryPolicy::default().max_delay(Duration::from_secs(2));
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(1))),
            Duration::from_secs(1)
        );
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(60))),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn zero_attempts_means_one() {
        assert_eq!(RetryPolicy::default().max_attempts(0).attempts(), 1);
    }
}
