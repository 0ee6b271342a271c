//! Latency and throughput of one run, with the latency distribution kept
//! at fixed quantiles so that charts can draw it.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Points of the latency distribution kept in a [`Summary`]: the
/// quantiles 0, 1/(N-1), …, 1.
pub const CDF_POINTS: usize = 101;

/// What one scenario run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Latency at the quantiles `i / (CDF_POINTS - 1)`, microseconds
    /// (empty when nothing completed).
    pub cdf_us: Vec<f64>,
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
        let cdf_us = if latencies.is_empty() {
            Vec::new()
        } else {
            (0..CDF_POINTS)
                .map(|i| pick(i as f64 / (CDF_POINTS - 1) as f64))
                .collect()
        };
        Summary {
            requests: latencies.len(),
            errors,
            rps: latencies.len() as f64 / elapsed.as_secs_f64().max(1e-9),
            p50_us: pick(0.50),
            p99_us: pick(0.99),
            cdf_us,
        }
    }

    /// Whether the run is void: an error, or nothing completed.
    pub fn is_void(&self) -> bool {
        self.errors != 0 || self.requests == 0
    }
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
        assert_eq!(s.cdf_us.len(), CDF_POINTS);
        assert_eq!(s.cdf_us[0].round(), 1.0);
        assert_eq!(s.cdf_us[50], s.p50_us);
        assert_eq!(s.cdf_us[CDF_POINTS - 1].round(), 100.0);
        assert!(!s.is_void());
    }

    #[test]
    fn a_run_with_errors_or_nothing_done_is_void() {
        let none = Summary::new(Vec::new(), 0, Duration::from_secs(1));
        assert!(none.is_void() && none.cdf_us.is_empty());
        let failed = Summary::new(vec![Duration::from_micros(5)], 1, Duration::from_secs(1));
        assert!(failed.is_void());
    }
}
