//! Recipients' states: a sharded map with bounded size.
//!
//! Keys are chat ids as numbers (valid ones are 8–15 digits without a leading
//! zero, so the number is unique). Each shard is a `Mutex<HashMap>` locked for
//! a few hash-map operations, never across an `.await`.
//!
//! Memory is bounded: a shard holds at most `capacity / shards` recipients.
//! A send to a new recipient first drops recipients forgotten under the
//! retention rule, then, if the shard is still full, the one whose last send
//! is oldest. Small capacities (< 1024) use one shard, so eviction is exactly
//! oldest-first; larger ones use 16 shards and eviction is oldest-first per
//! shard.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::rules::{Recipient, SendOutcome, VerifyOutcome};

const SHARDS: usize = 16;
const SHARDED_FROM: usize = 1024;
/// Forgotten recipients dropped per send, at most (amortized cleanup).
const SWEEP_PER_SEND: usize = 2;

#[derive(Debug)]
pub(crate) struct Store {
    shards: Box<[Mutex<Shard>]>,
}

#[derive(Debug)]
struct Shard {
    recipients: HashMap<u64, Recipient>,
    /// `(key, seq)` in send order. An entry is current while the recipient's
    /// `seq` matches; stale ones are skipped and compacted away.
    order: VecDeque<(u64, u64)>,
    next_seq: u64,
    capacity: usize,
}

impl Store {
    pub(crate) fn new(max_recipients: usize) -> Self {
        let max_recipients = max_recipients.max(1);
        let shards = if max_recipients < SHARDED_FROM {
            1
        } else {
            SHARDS
        };
        let capacity = max_recipients / shards;
        Store {
            shards: (0..shards)
                .map(|_| {
                    Mutex::new(Shard {
                        recipients: HashMap::new(),
                        order: VecDeque::new(),
                        next_seq: 0,
                        capacity,
                    })
                })
                .collect(),
        }
    }

    fn shard(&self, key: u64) -> MutexGuard<'_, Shard> {
        // Fibonacci hashing spreads consecutive numbers over the shards.
        let index = if self.shards.len() == 1 {
            0
        } else {
            (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SHARDS.trailing_zeros())) as usize
        };
        // Nothing panics while a shard is locked; a poisoned one is valid.
        self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// A send of `code` to `key` at `now`.
    pub(crate) fn send(&self, key: u64, code: u32, now: u64) -> SendOutcome {
        self.shard(key).send(key, code, now)
    }

    /// A verify of `code` for `key` at `now`.
    pub(crate) fn verify(&self, key: u64, code: u32, now: u64) -> VerifyOutcome {
        self.shard(key).verify(key, code, now)
    }

    /// How many recipients are tracked.
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                s.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .recipients
                    .len()
            })
            .sum()
    }
}

impl Shard {
    fn send(&mut self, key: u64, code: u32, now: u64) -> SendOutcome {
        self.sweep(now);
        if let Some(recipient) = self.recipients.get_mut(&key)
            && !recipient.forgotten(now)
        {
            let outcome = recipient.send(code, now);
            if outcome == SendOutcome::Issued(()) {
                let seq = self.next_seq;
                recipient.seq = seq;
                self.push_order(key, seq);
            }
            return outcome;
        }
        if self.recipients.remove(&key).is_none() {
            while self.recipients.len() >= self.capacity && self.evict_oldest() {}
        }
        let seq = self.next_seq;
        self.recipients
            .insert(key, Recipient::issued(code, now, seq));
        self.push_order(key, seq);
        SendOutcome::Issued(())
    }

    fn verify(&mut self, key: u64, code: u32, now: u64) -> VerifyOutcome {
        match self.recipients.get_mut(&key) {
            None => VerifyOutcome::NoActiveCode,
            Some(recipient) if recipient.forgotten(now) => {
                self.recipients.remove(&key);
                VerifyOutcome::NoActiveCode
            }
            Some(recipient) => recipient.verify(code, now),
        }
    }

    fn is_current(&self, (key, seq): (u64, u64)) -> bool {
        self.recipients.get(&key).is_some_and(|r| r.seq == seq)
    }

    fn push_order(&mut self, key: u64, seq: u64) {
        self.next_seq += 1;
        self.order.push_back((key, seq));
        if self.order.len() > 2 * self.capacity + 16 {
            let recipients = &self.recipients;
            self.order
                .retain(|&(key, seq)| recipients.get(&key).is_some_and(|r| r.seq == seq));
        }
    }

    /// Drops the recipient whose last send is oldest; false if none is left.
    fn evict_oldest(&mut self) -> bool {
        while let Some(entry) = self.order.pop_front() {
            if self.is_current(entry) {
                self.recipients.remove(&entry.0);
                return true;
            }
        }
        false
    }

    /// Drops a few forgotten recipients (and stale entries) from the front.
    fn sweep(&mut self, now: u64) {
        for _ in 0..SWEEP_PER_SEND {
            let Some(&entry) = self.order.front() else {
                return;
            };
            match self.recipients.get(&entry.0) {
                Some(r) if r.seq == entry.1 => {
                    if !r.forgotten(now) {
                        return;
                    }
                    self.recipients.remove(&entry.0);
                }
                _ => {}
            }
            self.order.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RETENTION_MS;

    #[test]
    fn a_full_store_forgets_the_oldest_sender() {
        let store = Store::new(2);
        for key in [1, 2, 3] {
            assert_eq!(store.send(key, 0, 0), SendOutcome::Issued(()));
        }
        assert_eq!(store.len(), 2);
        // 1 was evicted: no cooldown for it any more. 2 is now the oldest.
        assert_eq!(store.send(1, 0, 1), SendOutcome::Issued(()));
        assert_eq!(store.verify(2, 0, 1), VerifyOutcome::NoActiveCode);
        assert!(matches!(
            store.send(3, 0, 1),
            SendOutcome::CoolingDown { .. }
        ));
    }

    #[test]
    fn order_stays_bounded_when_one_recipient_sends_forever() {
        let store = Store::new(4);
        for minute in 0..1000 {
            store.send(1, 0, minute * 60_000);
        }
        let shard = store.shard(1);
        assert!(shard.order.len() <= 2 * 4 + 16, "{}", shard.order.len());
    }

    #[test]
    fn forgotten_recipients_are_swept_by_later_sends() {
        let store = Store::new(100);
        for key in 0..10 {
            store.send(key, 0, 0);
        }
        for key in 10..20 {
            store.send(key, 0, RETENTION_MS);
        }
        assert_eq!(store.len(), 10);
    }

    #[test]
    fn large_stores_are_sharded_and_still_capped() {
        let store = Store::new(4096);
        assert_eq!(store.shards.len(), SHARDS);
        for key in 0..10_000 {
            store.send(201_000_000_000 + key, 0, 0);
        }
        assert!(store.len() <= 4096);
        assert!(store.len() > 3500, "{}", store.len());
    }
}
