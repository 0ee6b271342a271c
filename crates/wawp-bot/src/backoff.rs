//! The one back-off of the bot: waits that double from a first pause up to a
//! ceiling, and [`until_ok`], which retries a store write until it commits.
//!
//! Every loop that tries again (getting updates, reaching Telegram at start,
//! an update whose handler failed, an outcome or inbox write) counts its
//! tries with [`Backoff`], so the pauses are the same everywhere.

use std::future::Future;
use std::time::Duration;

/// Doubling pauses between tries: `first`, `2 × first`, … up to `max`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Backoff {
    first: Duration,
    max: Duration,
    tries: u32,
}

/// The bot's usual pauses: 500 ms doubling to 30 s.
pub(crate) const FIRST: Duration = Duration::from_millis(500);
/// The longest pause.
pub(crate) const MAX: Duration = Duration::from_secs(30);

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(FIRST, MAX)
    }
}

impl Backoff {
    /// Pauses from `first` doubling to `max`.
    pub(crate) const fn new(first: Duration, max: Duration) -> Backoff {
        Backoff {
            first,
            max,
            tries: 0,
        }
    }

    /// The pause after the `tries`-th failure (1 for the first).
    pub(crate) fn after(&self, tries: u32) -> Duration {
        self.first
            .saturating_mul(1 << tries.saturating_sub(1).min(16))
            .min(self.max)
    }

    /// Counts one more failure and returns the pause before the next try.
    pub(crate) fn next_wait(&mut self) -> Duration {
        self.tries = self.tries.saturating_add(1);
        self.after(self.tries)
    }

    /// Failures counted since the last [`Backoff::reset`].
    pub(crate) fn tries(&self) -> u32 {
        self.tries
    }

    /// Forgets the failures (after a success).
    pub(crate) fn reset(&mut self) {
        self.tries = 0;
    }
}

/// Runs `write` until it succeeds: a store write that must not be lost (an
/// outcome, an inbox row's state). Each failure is logged with `what`
/// (which must hold no secret) and waited out with the bot's back-off,
/// capped at 5 s so that the write lands soon after the store is back.
pub(crate) async fn until_ok<T, E, Fut>(what: &str, mut write: impl FnMut() -> Fut) -> T
where
    E: std::fmt::Display,
    Fut: Future<Output = Result<T, E>>,
{
    let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
    loop {
        match write().await {
            Ok(value) => {
                if backoff.tries() > 0 {
                    tracing::info!(
                        what,
                        tries = backoff.tries() + 1,
                        "store write committed after retries"
                    );
                }
                return value;
            }
            Err(err) => {
                let wait = backoff.next_wait();
                tracing::warn!(what, error = %err, wait_ms = wait.as_millis() as u64, "store write failed; trying again");
                tokio::time::sleep(wait).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_the_ceiling_and_reset() {
        let mut b = Backoff::default();
        assert_eq!(b.next_wait(), Duration::from_millis(500));
        assert_eq!(b.next_wait(), Duration::from_secs(1));
        assert_eq!(b.next_wait(), Duration::from_secs(2));
        for _ in 0..40 {
            b.next_wait();
        }
        assert_eq!(b.next_wait(), MAX);
        b.reset();
        assert_eq!(b.next_wait(), FIRST);
    }

    #[tokio::test(start_paused = true)]
    async fn until_ok_keeps_trying_until_the_write_commits() {
        let mut calls = 0;
        let value = until_ok("test write", || {
            calls += 1;
            let n = calls;
            async move {
                if n < 4 {
                    Err("database is locked")
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(value, 4);
    }
}
