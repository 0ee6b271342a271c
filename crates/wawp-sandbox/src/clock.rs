//! Where the sandbox gets the time from.
//!
//! Every rule (60 s send cooldown, 300 s code lifetime, 15 min lockout) reads
//! the time through [`Clock`], so tests can use a [`ManualClock`] and move
//! time forward instead of sleeping.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of wall-clock time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The real time ([`SystemTime::now`]). The default.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that only moves when told to. Clones share the same time, so keep
/// one in the test and give a clone to the sandbox:
///
/// ```
/// use std::time::Duration;
/// use wawp_sandbox::{Clock, ManualClock};
///
/// let clock = ManualClock::new();
/// let shared = clock.clone();
/// let before = shared.now();
/// clock.advance(Duration::from_secs(60));
/// assert_eq!(shared.now().duration_since(before).unwrap(), Duration::from_secs(60));
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    /// Nanoseconds since the Unix epoch.
    nanos: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock stopped at 2025-01-01T00:00:00Z.
    pub fn new() -> Self {
        Self::starting_at(UNIX_EPOCH + Duration::from_secs(1_735_689_600))
    }

    /// A clock stopped at `start` (clamped to the range 1970–2554).
    pub fn starting_at(start: SystemTime) -> Self {
        let nanos = start
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        ManualClock {
            nanos: Arc::new(AtomicU64::new(nanos)),
        }
    }

    /// Moves the time forward by `by`, for this clock and all its clones.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        // fetch_update cannot fail with a closure that always returns Some.
        let _ = self
            .nanos
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
                Some(now.saturating_add(by))
            });
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_nanos(self.nanos.load(Ordering::Acquire))
    }
}

/// Milliseconds since the Unix epoch (0 before it): the unit of the rules.
pub(crate) fn millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
