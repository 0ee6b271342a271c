//! Per-admin send limit: at most N sends in any sliding window (one minute),
//! on top of Wawp's own per-recipient cooldown.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A source of the current time, so tests can move it.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> Instant;
}

/// The real monotonic clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock {
    start: Instant,
    offset: Mutex<Duration>,
}

impl ManualClock {
    /// A clock standing at an arbitrary instant.
    pub fn new() -> ManualClock {
        ManualClock {
            start: Instant::now(),
            offset: Mutex::new(Duration::ZERO),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        *self.offset.lock().unwrap_or_else(|p| p.into_inner()) += by;
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start + *self.offset.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A sliding-window limit per key (the admin's Telegram id).
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    clock: Arc<dyn Clock>,
    hits: Mutex<HashMap<u64, VecDeque<Instant>>>,
}

impl RateLimiter {
    /// At most `limit` hits per key in any `window`.
    pub fn new(limit: u32, window: Duration, clock: Arc<dyn Clock>) -> RateLimiter {
        RateLimiter {
            limit,
            window,
            clock,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// The configured limit.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Takes one hit for `key`, or says how long until one is free.
    pub fn try_acquire(&self, key: u64) -> Result<(), Duration> {
        let now = self.clock.now();
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        let window = hits.entry(key).or_default();
        while window
            .front()
            .is_some_and(|&t| now.saturating_duration_since(t) >= self.window)
        {
            window.pop_front();
        }
        if window.len() < self.limit as usize {
            window.push_back(now);
            return Ok(());
        }
        let oldest = *window.front().expect("limit is at least 1");
        Err(self.window - now.saturating_duration_since(oldest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_limit_per_window_then_frees_slots_as_they_age() {
        let clock = Arc::new(ManualClock::new());
        let limiter = RateLimiter::new(2, Duration::from_secs(60), clock.clone());
        assert!(limiter.try_acquire(1).is_ok());
        clock.advance(Duration::from_secs(20));
        assert!(limiter.try_acquire(1).is_ok());
        assert_eq!(limiter.try_acquire(1), Err(Duration::from_secs(40)));
        assert!(
            limiter.try_acquire(2).is_ok(),
            "another admin has their own limit"
        );

        clock.advance(Duration::from_secs(40));
        assert!(
            limiter.try_acquire(1).is_ok(),
            "the first send has aged out"
        );
        assert_eq!(limiter.try_acquire(1), Err(Duration::from_secs(20)));
    }
}
