//! The per-user budget at receive time (issue 19 item 2): a stranger (not
//! an admin) may have a few updates queued a minute; beyond that their
//! updates are acknowledged and dropped before they reach the inbox, so a
//! flood never queues ahead of the admins. Admins are never limited.
//!
//! Memory stays bounded: one small entry per stranger seen recently, at most
//! [`MAX_STRANGERS`]; an entry whose bucket has refilled is forgotten, and
//! when the table is full of active strangers a new one is dropped too.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Updates a stranger may send back to back.
pub(crate) const BURST: f64 = 5.0;
/// A stranger's budget refills one update per this long.
pub(crate) const REFILL_EVERY: Duration = Duration::from_secs(6);
/// The most strangers tracked at once.
pub(crate) const MAX_STRANGERS: usize = 10_000;

/// Token buckets per stranger.
#[derive(Debug, Default)]
pub(crate) struct StrangerBudget {
    buckets: Mutex<HashMap<u64, (f64, Instant)>>,
}

impl StrangerBudget {
    /// Whether `user`'s update may be queued now (and counts it).
    pub(crate) fn admit(&self, user: u64, now: Instant) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if !buckets.contains_key(&user) && buckets.len() >= MAX_STRANGERS {
            buckets.retain(|_, (tokens, at)| refill(*tokens, *at, now) < BURST);
            if buckets.len() >= MAX_STRANGERS {
                return false;
            }
        }
        let (tokens, at) = buckets.entry(user).or_insert((BURST, now));
        let available = refill(*tokens, *at, now);
        if available < 1.0 {
            *tokens = available;
            *at = now;
            return false;
        }
        *tokens = available - 1.0;
        *at = now;
        true
    }

    /// How many strangers are tracked.
    #[cfg(test)]
    pub(crate) fn tracked(&self) -> usize {
        self.buckets.lock().map(|b| b.len()).unwrap_or_default()
    }
}

fn refill(tokens: f64, at: Instant, now: Instant) -> f64 {
    let gained = now.saturating_duration_since(at).as_secs_f64() / REFILL_EVERY.as_secs_f64();
    (tokens + gained).min(BURST)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stranger_gets_a_burst_then_one_update_per_refill() {
        let budget = StrangerBudget::default();
        let now = Instant::now();
        for _ in 0..5 {
            assert!(budget.admit(1, now));
        }
        assert!(!budget.admit(1, now), "over the burst");
        assert!(
            budget.admit(2, now),
            "another stranger has their own budget"
        );
        assert!(
            budget.admit(1, now + REFILL_EVERY),
            "one more after a refill"
        );
        assert!(!budget.admit(1, now + REFILL_EVERY));
    }

    #[test]
    fn the_table_stays_bounded_and_forgets_idle_strangers() {
        let budget = StrangerBudget::default();
        let now = Instant::now();
        for user in 0..MAX_STRANGERS as u64 {
            assert!(budget.admit(user, now));
        }
        assert!(!budget.admit(u64::MAX, now), "full of active strangers");
        assert_eq!(budget.tracked(), MAX_STRANGERS);
        let later = now + REFILL_EVERY * 2;
        assert!(budget.admit(u64::MAX, later), "idle entries are forgotten");
        assert_eq!(budget.tracked(), 1);
    }
}
