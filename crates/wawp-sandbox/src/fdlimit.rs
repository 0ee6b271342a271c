//! The process's open-file limit, read at start so the connection cap stays
//! below it, and the pace of the accept loop's warnings when it runs out
//! anyway (other sockets and files of the process count too).

use std::time::{Duration, Instant};

/// At most one accept-error warning per this long; the others are counted.
pub(crate) const WARN_EVERY: Duration = Duration::from_secs(60);

/// The soft limit on open files (`RLIMIT_NOFILE`), if the system has one.
#[cfg(unix)]
pub(crate) fn open_file_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    if limit.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    Some(limit.rlim_cur)
}

/// No such limit outside Unix.
#[cfg(not(unix))]
pub(crate) fn open_file_limit() -> Option<u64> {
    None
}

/// The connection cap to use: `wanted`, lowered when the open-file limit
/// leaves less room. A reserve (an eighth of the limit, at least 64) is
/// kept for the listener, logs and whatever else the process opens.
pub(crate) fn cap_below(wanted: usize, open_files: Option<u64>) -> usize {
    let Some(limit) = open_files else {
        return wanted;
    };
    let reserve = (limit / 8).max(64);
    let room = usize::try_from(limit.saturating_sub(reserve)).unwrap_or(usize::MAX);
    wanted.min(room).max(1)
}

/// Lets one warning through per [`WARN_EVERY`] and counts the rest.
#[derive(Debug, Default)]
pub(crate) struct WarnPace {
    last: Option<Instant>,
    held_back: u64,
}

impl WarnPace {
    /// `Some(n)` when a warning may be logged now, `n` being how many were
    /// held back since the last one; `None` to stay quiet.
    pub(crate) fn allow(&mut self, now: Instant) -> Option<u64> {
        match self.last {
            Some(last) if now.saturating_duration_since(last) < WARN_EVERY => {
                self.held_back += 1;
                None
            }
            _ => {
                self.last = Some(now);
                Some(std::mem::take(&mut self.held_back))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_below_the_open_file_limit() {
        assert_eq!(cap_below(1024, None), 1024);
        assert_eq!(cap_below(1024, Some(20_000)), 1024);
        // ulimit -n 1024: an eighth kept in reserve.
        assert_eq!(cap_below(1024, Some(1024)), 896);
        assert_eq!(cap_below(1024, Some(256)), 192);
        assert_eq!(cap_below(10, Some(256)), 10);
        // Even a tiny limit leaves one connection.
        assert_eq!(cap_below(1024, Some(16)), 1);
    }

    #[test]
    fn the_limit_of_this_process_is_read() {
        if cfg!(unix) {
            assert!(open_file_limit().is_some_and(|n| n >= 16));
        }
    }

    #[test]
    fn at_most_one_warning_a_minute_with_the_count_held_back() {
        let mut pace = WarnPace::default();
        let t0 = Instant::now();
        assert_eq!(pace.allow(t0), Some(0));
        for ms in 1..=600 {
            assert_eq!(pace.allow(t0 + Duration::from_millis(ms * 99)), None);
        }
        assert_eq!(pace.allow(t0 + WARN_EVERY), Some(600));
        assert_eq!(pace.allow(t0 + WARN_EVERY + Duration::from_secs(1)), None);
        assert_eq!(pace.allow(t0 + 2 * WARN_EVERY), Some(1));
    }
}
