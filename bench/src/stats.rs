//! Latency and throughput summaries.

use std::time::Duration;

use serde::Serialize;

/// What one scenario run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Operations completed.
    pub requests: usize,
    /// Operations that failed (a benchmark with failures is void).
    pub errors: usize,
    /// Operations per second over the whole run.
    pub rps: f64,
    /// Median latency, microseconds.
    pub p50_us: f64,
    /// 99th percentile latency, microseconds.
    pub p99_us: f64,
}

impl Summary {
    /// Summarises per-operation latencies measured over `elapsed`.
    pub fn new(mut latencies: Vec<Duration>, errors: usize, elapsed: Duration) -> Self {
        latencies.sort_unstable();
        let pick = |q: f64| -> f64 {
            if latencies.is_empty() {
                return 0.0;
            }
            let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
            latencies[i].as_secs_f64() * 1e6
        };
        Summary {
            requests: latencies.len(),
            errors,
            rps: latencies.len() as f64 / elapsed.as_secs_f64().max(1e-9),
            p50_us: pick(0.50),
            p99_us: pick(0.99),
        }
    }
}

/// The peak and current resident set size of a process, in KiB, from
/// /proc/PID/status (`VmHWM`, `VmRSS`).
pub fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_from_the_sorted_latencies() {
        let latencies = (1..=100).rev().map(Duration::from_micros).collect();
        let s = Summary::new(latencies, 0, Duration::from_secs(2));
        assert_eq!(s.requests, 100);
        assert_eq!(s.rps, 50.0);
        assert_eq!(s.p50_us.round(), 51.0);
        assert_eq!(s.p99_us.round(), 99.0);
    }

    #[test]
    fn this_process_has_a_resident_set() {
        let (peak, now) = memory_kib(std::process::id()).unwrap();
        assert!(peak >= now && now > 0);
    }
}
