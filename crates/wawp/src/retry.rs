//! When and how long to wait before trying a call again: [`RetryPolicy`],
//! its limits ([`DEFAULT_DEADLINE`], [`MAX_DEADLINE`]) and the decision for
//! one failed attempt.

use std::time::Duration;

use crate::Error;
pub(crate) use crate::failure::Failure;

/// How the client retries failed calls.
///
/// Only failures where the request provably never reached Wawp are
/// retried, so a retry can never send a second code or use a second verify
/// attempt: a connection that could not be opened (the request never
/// left), for send and verify.
///
/// Once a send request may have been written, any failure (a cut body, a
/// reset, a timeout, HTTP 502/503/504, a body over the cap on those
/// statuses) is [`Error::OutcomeUnknown`] and is *not* retried: a code may
/// have gone out. A 503 on send is retried only when you opt in with
/// [`with_retry_send_on_unavailable`](RetryPolicy::with_retry_send_on_unavailable).
/// A 429 is never retried (waiting out a cooldown is the caller's
/// decision), a verify that reached the server is never repeated (each try
/// uses one of the recipient's 5 attempts), and timeouts are not retried
/// (the request may have arrived).
///
/// Between tries the client waits an exponentially growing delay
/// (`base_delay`, `2 × base_delay`, ...) with random jitter, never more than
/// `max_delay`; a `Retry-After` header on a 503 replaces the computed delay
/// (still capped by `max_delay`).
///
/// The whole call, every attempt and wait included, ends by the
/// [`deadline`](RetryPolicy::with_deadline) (default 30 s): no retry starts
/// whose wait would reach it, and an attempt still running then fails
/// with [`Error::Timeout`] (within 5 ms of it: an attempt that reqwest's own
/// timeout already ends that close to the deadline gets no extra timer).
///
/// ```
/// use std::time::Duration;
/// use wawp::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_base_delay(Duration::from_millis(500))
///     .with_max_delay(Duration::from_secs(10));
/// assert_eq!(patient.max_attempts(), 5);
/// assert_eq!(patient.deadline(), wawp::retry::DEFAULT_DEADLINE);
/// assert_eq!(RetryPolicy::none().max_attempts(), 1);
/// ```
///
/// With the `serde` feature a policy deserializes through the same setters,
/// so `max_attempts: 0` is 1 and a huge `deadline` is capped, as above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(from = "crate::serde_impls::RetryFields")
)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    deadline: Duration,
    #[cfg_attr(feature = "serde", serde(default))]
    retry_send_on_unavailable: bool,
}

/// The default [`RetryPolicy::deadline`].
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);

/// The longest [`RetryPolicy::deadline`] (and delay) kept: one day. A
/// longer one is cut to it rather than overflow a clock.
pub const MAX_DEADLINE: Duration = Duration::from_secs(24 * 3600);

impl Default for RetryPolicy {
    /// 3 attempts in total, 250 ms base delay, 5 s maximum delay, 30 s
    /// deadline for the whole call.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
            deadline: DEFAULT_DEADLINE,
            retry_send_on_unavailable: false,
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
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The delay before the first retry; it doubles for each further one
    /// (at most [`MAX_DEADLINE`]).
    pub fn with_base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay.min(MAX_DEADLINE);
        self
    }

    /// The longest single wait, also the cap for a `Retry-After` header
    /// (at most [`MAX_DEADLINE`]).
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay.min(MAX_DEADLINE);
        self
    }

    /// The longest a whole call may take, all attempts and waits included
    /// (default [`DEFAULT_DEADLINE`]; zero is treated as 1 ms, more than
    /// [`MAX_DEADLINE`] as [`MAX_DEADLINE`]).
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline.clamp(Duration::from_millis(1), MAX_DEADLINE);
        self
    }

    /// Whether a send answered HTTP 503 is tried again (default `false`).
    ///
    /// Wawp itself answers 503 without taking the request on, so a retry
    /// is safe when nothing stands between you and Wawp. A gateway or load
    /// balancer in front of it may instead forward the send, lose Wawp's
    /// answer and reply 503 itself: then the first send went out, a retry
    /// sends a second code (or fails with [`Error::SendCooldown`] while the
    /// recipient already has one). Turn this on only when you know no such
    /// gateway is in the path. Without it (and when retries run out) the
    /// 503 is [`Error::OutcomeUnknown`].
    pub fn with_retry_send_on_unavailable(mut self, retry: bool) -> Self {
        self.retry_send_on_unavailable = retry;
        self
    }

    /// Total attempts per call, the first one included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The delay before the first retry.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The longest single wait.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The longest a whole call may take.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// Whether a send answered HTTP 503 is tried again.
    pub fn retry_send_on_unavailable(&self) -> bool {
        self.retry_send_on_unavailable
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
            || (op == Op::Send
                && self.retry_send_on_unavailable
                && matches!(failure.error, Error::OutcomeUnknown { status: 503, .. }));
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
        let jitter = match jitter_nanos.checked_add(1) {
            Some(range) => random_u64() % range,
            None => random_u64(),
        };
        half + Duration::from_nanos(jitter)
    }
}

/// A random number good enough to spread retries (not for secrets):
/// std's `RandomState` is seeded per process from the OS and its keys
/// change with every call; the time and a counter are mixed in as well.
fn random_u64() -> u64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};

    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(now.as_nanos());
    }
    hasher.finish()
}

/// The two operations, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Send,
    Verify,
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
    fn only_unsent_requests_and_opted_in_send_503s_are_retried() {
        let policy = RetryPolicy::default();
        let long = Duration::from_secs(60);
        let unavailable = server(503).for_send();
        assert!(
            matches!(unavailable.error, Error::OutcomeUnknown { status: 503, .. }),
            "{unavailable:?}"
        );
        assert!(policy.next_delay(Op::Send, &unavailable, 1, long).is_none());
        let opted_in = policy.with_retry_send_on_unavailable(true);
        assert!(opted_in.retry_send_on_unavailable());
        assert!(
            opted_in
                .next_delay(Op::Send, &unavailable, 1, long)
                .is_some()
        );
        assert!(
            opted_in
                .next_delay(Op::Verify, &server(503), 1, long)
                .is_none()
        );
        for status in [500, 502, 504] {
            let failure = server(status).for_send();
            assert!(opted_in.next_delay(Op::Send, &failure, 1, long).is_none());
        }
        let refused = Failure {
            not_sent: true,
            ..Failure::from(Error::Connection {
                message: "refused".into(),
                cause: None,
            })
        };
        assert!(policy.next_delay(Op::Verify, &refused, 1, long).is_some());
        assert!(policy.next_delay(Op::Verify, &refused, 3, long).is_none());
    }

    #[test]
    fn no_retry_whose_wait_reaches_the_deadline() {
        let policy = RetryPolicy::default()
            .with_base_delay(Duration::from_secs(4))
            .with_retry_send_on_unavailable(true);
        let failure = server(503).for_send();
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
        assert_eq!(RetryPolicy::default().deadline(), DEFAULT_DEADLINE);
        assert_eq!(
            RetryPolicy::default()
                .with_deadline(Duration::ZERO)
                .deadline(),
            Duration::from_millis(1)
        );
    }

    #[test]
    fn delays_grow_exponentially_within_jitter_and_cap() {
        let policy = RetryPolicy::default()
            .with_base_delay(Duration::from_millis(100))
            .with_max_delay(Duration::from_millis(300));
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
    fn jitter_spreads_delays() {
        let policy = RetryPolicy::default()
            .with_base_delay(Duration::from_secs(1))
            .with_max_delay(Duration::from_secs(1));
        let delays: std::collections::HashSet<Duration> =
            (0..32).map(|_| policy.delay(1, None)).collect();
        // 32 draws from half a second of nanoseconds: all but never equal.
        assert!(delays.len() > 16, "{delays:?}");
    }

    #[test]
    fn retry_after_wins_but_is_capped() {
        let policy = RetryPolicy::default().with_max_delay(Duration::from_secs(2));
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
        assert_eq!(
            RetryPolicy::default().with_max_attempts(0).max_attempts(),
            1
        );
    }

    #[test]
    fn huge_durations_are_capped_not_overflowed() {
        let policy = RetryPolicy::default()
            .with_deadline(Duration::MAX)
            .with_base_delay(Duration::MAX)
            .with_max_delay(Duration::MAX);
        assert_eq!(policy.deadline(), MAX_DEADLINE);
        for attempt in [1, 2, 40, u32::MAX] {
            assert!(policy.delay(attempt, None) <= MAX_DEADLINE);
            assert!(policy.delay(attempt, Some(Duration::MAX)) <= MAX_DEADLINE);
        }
    }
}
