//! The provider's rules for one recipient, as a small state machine.
//!
//! - **Send**: one code per recipient every [`SEND_COOLDOWN`]; a new code
//!   replaces the previous one and restores the attempts. While the recipient
//!   is locked out, sending is refused too (429 `locked_out`).
//! - **Verify**: a code is good for [`CODE_LIFETIME`] and for one successful
//!   verify. Each wrong code uses one of [`MAX_WRONG_ATTEMPTS`]; the wrong
//!   attempt that uses the last one is itself answered with the lockout
//!   (429 `locked_out`, `Retry-After: 900`), and so is every verify or send
//!   for that recipient until [`LOCKOUT`] has passed. The lockout discards
//!   the code. Expired, missing or malformed codes use no attempt.
//!
//! Times are milliseconds since the Unix epoch (see `clock::millis`).

use std::time::Duration;

/// How long a recipient must wait between two sends.
pub const SEND_COOLDOWN: Duration = Duration::from_secs(60);
/// How long an issued code stays valid (the `expires_in` of a send).
pub const CODE_LIFETIME: Duration = Duration::from_secs(300);
/// Wrong codes allowed before the recipient is locked out.
pub const MAX_WRONG_ATTEMPTS: u8 = 5;
/// How long a lockout lasts.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// How long after its last send a recipient's state is kept at most. Longer
/// than every rule above, so forgetting it changes no answer except that an
/// expired code is then reported as `no_active_code`.
pub const RETENTION: Duration = Duration::from_secs(60 * 60);

const fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

const COOLDOWN_MS: u64 = ms(SEND_COOLDOWN);
const LIFETIME_MS: u64 = ms(CODE_LIFETIME);
const LOCKOUT_MS: u64 = ms(LOCKOUT);
pub(crate) const RETENTION_MS: u64 = ms(RETENTION);

/// What the rules say about a send. `T` is what an issued send carries
/// beyond the rules (the job id, once the sandbox has made one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SendOutcome<T = ()> {
    /// The code was issued.
    Issued(T),
    /// Too soon after the previous send.
    CoolingDown { retry_after: u64 },
    /// The recipient is locked out.
    LockedOut { retry_after: u64 },
}

/// What the rules say about a verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VerifyOutcome {
    /// Right code, now consumed.
    Verified,
    /// Wrong code, `attempts_left` (≥ 1) remain.
    Wrong { attempts_left: u8 },
    /// Locked out (possibly by this very attempt).
    LockedOut { retry_after: u64 },
    /// The code's lifetime is over.
    Expired,
    /// No code to check: none sent, already used, or discarded by a lockout.
    NoActiveCode,
}

/// One recipient's state.
#[derive(Debug, Clone)]
pub(crate) struct Recipient {
    /// The active code and when it expires.
    code: Option<(u32, u64)>,
    wrong_attempts: u8,
    /// 0 when not locked.
    locked_until: u64,
    sent_at: u64,
    /// Position in the store's eviction order.
    pub(crate) seq: u64,
}

/// Whole seconds until `until`, rounded up, at least 1: a `Retry-After`.
fn retry_after(now: u64, until: u64) -> u64 {
    until.saturating_sub(now).div_ceil(1000).max(1)
}

impl Recipient {
    /// A recipient who was just sent `code`.
    pub(crate) fn issued(code: u32, now: u64, seq: u64) -> Self {
        Recipient {
            code: Some((code, now.saturating_add(LIFETIME_MS))),
            wrong_attempts: 0,
            locked_until: 0,
            sent_at: now,
            seq,
        }
    }

    /// Whether the state is old enough to be dropped.
    pub(crate) fn forgotten(&self, now: u64) -> bool {
        now >= self.sent_at.saturating_add(RETENTION_MS)
    }

    /// Ends a lockout whose time is over; reports a running one.
    fn lockout(&mut self, now: u64) -> Option<u64> {
        if self.locked_until == 0 {
            None
        } else if now < self.locked_until {
            Some(retry_after(now, self.locked_until))
        } else {
            self.locked_until = 0;
            self.wrong_attempts = 0;
            None
        }
    }

    /// A send to this recipient: issues `code` if the rules allow it.
    pub(crate) fn send(&mut self, code: u32, now: u64) -> SendOutcome {
        if let Some(retry_after) = self.lockout(now) {
            return SendOutcome::LockedOut { retry_after };
        }
        let cooldown_until = self.sent_at.saturating_add(COOLDOWN_MS);
        if now < cooldown_until {
            return SendOutcome::CoolingDown {
                retry_after: retry_after(now, cooldown_until),
            };
        }
        let seq = self.seq;
        *self = Recipient::issued(code, now, seq);
        SendOutcome::Issued(())
    }

    /// A verify of `code` for this recipient.
    pub(crate) fn verify(&mut self, code: u32, now: u64) -> VerifyOutcome {
        if let Some(retry_after) = self.lockout(now) {
            return VerifyOutcome::LockedOut { retry_after };
        }
        let Some((expected, expires_at)) = self.code else {
            return VerifyOutcome::NoActiveCode;
        };
        if now >= expires_at {
            return VerifyOutcome::Expired;
        }
        if code == expected {
            self.code = None;
            self.wrong_attempts = 0;
            return VerifyOutcome::Verified;
        }
        self.wrong_attempts += 1;
        if self.wrong_attempts >= MAX_WRONG_ATTEMPTS {
            self.code = None;
            self.locked_until = now.saturating_add(LOCKOUT_MS);
            return VerifyOutcome::LockedOut {
                retry_after: retry_after(now, self.locked_until),
            };
        }
        VerifyOutcome::Wrong {
            attempts_left: MAX_WRONG_ATTEMPTS - self.wrong_attempts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_000_000;

    #[test]
    fn cooldown_counts_from_the_last_send_and_rounds_retry_after_up() {
        let mut r = Recipient::issued(1, T0, 0);
        assert_eq!(
            r.send(2, T0 + 1),
            SendOutcome::CoolingDown { retry_after: 60 }
        );
        assert_eq!(
            r.send(2, T0 + 59_999),
            SendOutcome::CoolingDown { retry_after: 1 }
        );
        assert_eq!(r.send(2, T0 + 60_000), SendOutcome::Issued(()));
        assert_eq!(
            r.verify(1, T0 + 60_001),
            VerifyOutcome::Wrong { attempts_left: 4 }
        );
        assert_eq!(r.verify(2, T0 + 60_002), VerifyOutcome::Verified);
    }

    #[test]
    fn code_expires_exactly_at_its_lifetime() {
        let mut r = Recipient::issued(7, T0, 0);
        assert_eq!(r.verify(7, T0 + 300_000), VerifyOutcome::Expired);
        let mut r = Recipient::issued(7, T0, 0);
        assert_eq!(r.verify(7, T0 + 299_999), VerifyOutcome::Verified);
        assert_eq!(r.verify(7, T0 + 299_999), VerifyOutcome::NoActiveCode);
    }

    #[test]
    fn fifth_wrong_attempt_locks_for_fifteen_minutes_then_attempts_reset() {
        let mut r = Recipient::issued(7, T0, 0);
        for left in (1..=4).rev() {
            assert_eq!(
                r.verify(8, T0),
                VerifyOutcome::Wrong {
                    attempts_left: left
                }
            );
        }
        assert_eq!(
            r.verify(8, T0),
            VerifyOutcome::LockedOut { retry_after: 900 }
        );
        // The right code does not help during the lockout, nor does a send.
        assert_eq!(
            r.verify(7, T0 + 1),
            VerifyOutcome::LockedOut { retry_after: 900 }
        );
        assert_eq!(
            r.send(9, T0 + 899_001),
            SendOutcome::LockedOut { retry_after: 1 }
        );
        // Afterwards the old code is gone and a new one gets 5 attempts.
        assert_eq!(r.verify(7, T0 + 900_000), VerifyOutcome::NoActiveCode);
        assert_eq!(r.send(9, T0 + 900_000), SendOutcome::Issued(()));
        assert_eq!(
            r.verify(8, T0 + 900_001),
            VerifyOutcome::Wrong { attempts_left: 4 }
        );
    }

    #[test]
    fn a_new_code_restores_the_attempts() {
        let mut r = Recipient::issued(7, T0, 0);
        for _ in 0..4 {
            r.verify(8, T0);
        }
        assert_eq!(r.send(9, T0 + 60_000), SendOutcome::Issued(()));
        assert_eq!(
            r.verify(8, T0 + 60_000),
            VerifyOutcome::Wrong { attempts_left: 4 }
        );
    }

    #[test]
    fn state_is_forgotten_an_hour_after_the_last_send() {
        let r = Recipient::issued(7, T0, 0);
        assert!(!r.forgotten(T0 + RETENTION_MS - 1));
        assert!(r.forgotten(T0 + RETENTION_MS));
    }
}
