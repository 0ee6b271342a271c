//! `--mode callgrind`: instructions per call of each client layer, counted
//! by valgrind's callgrind on the client thread only. Each count is the
//! difference between a run of `2n` and one of `n` requests, divided by
//! `n`, so that start-up (e.g. loading libphonenumber's metadata) cancels
//! out. Instruction counts do not depend on machine noise.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use wawp_bench_report::Variant;

use super::plan::{Binaries, CLIENT_ROWS};
use super::results::Provenance;

/// Requests of the shorter run; the longer makes twice as many.
pub const REQUESTS: usize = 2_000;

/// One client row's count.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstructionRow {
    /// Which client.
    pub variant: Variant,
    /// With the fmt subscriber.
    pub subscriber: bool,
    /// Requests in flight.
    pub in_flight: usize,
    /// Instructions executed by the client thread per request.
    pub per_request: f64,
}

/// What `--mode callgrind` measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instructions {
    /// Where and how.
    pub provenance: Provenance,
    /// The cargo profile of the benchmark binary.
    pub profile: String,
    /// Requests of the shorter run.
    pub requests: usize,
    /// One row per client row and in-flight count.
    pub rows: Vec<InstructionRow>,
}

/// Counts every client row at 1 and 64 in flight.
pub fn run(bins: &Binaries, profile: &str, provenance: Provenance) -> Result<Instructions> {
    let scratch = tempfile::tempdir()?;
    let mut rows = Vec::new();
    for in_flight in [1, 64] {
        for (variant, subscriber) in CLIENT_ROWS {
            let mut counts = [0u64; 2];
            for (i, requests) in [REQUESTS, 2 * REQUESTS].into_iter().enumerate() {
                eprintln!(
                    "callgrind: {variant} (subscriber {subscriber}), {in_flight} in flight, {requests} requests…"
                );
                let out = scratch
                    .path()
                    .join(format!("cg-{variant}-{subscriber}-{in_flight}-{requests}"));
                let mut command = Command::new("valgrind");
                command
                    .args(["--tool=callgrind", "--separate-threads=yes"])
                    .arg(format!("--callgrind-out-file={}", out.display()))
                    .arg(&bins.bench)
                    .args(["client", &format!("--variant={variant}")])
                    .arg(format!("--requests={requests}"))
                    .arg(format!("--in-flight={in_flight}"));
                if !subscriber {
                    command.arg("--no-subscriber");
                }
                let output = command
                    .output()
                    .context("cannot run valgrind (apt-get install valgrind)")?;
                if !output.status.success() {
                    bail!(
                        "valgrind failed: {}",
                        String::from_utf8_lossy(&output.stderr)
                    );
                }
                counts[i] = main_thread_total(&out)?;
            }
            rows.push(InstructionRow {
                variant,
                subscriber,
                in_flight,
                per_request: (counts[1] as f64 - counts[0] as f64) / REQUESTS as f64,
            });
        }
    }
    Ok(Instructions {
        provenance: provenance.finish(),
        profile: profile.into(),
        requests: REQUESTS,
        rows,
    })
}

/// The instructions of the main thread (the client's), from the file
/// callgrind writes for thread 1 (`<out>-01`).
fn main_thread_total(out: &Path) -> Result<u64> {
    let path = format!("{}-01", out.display());
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    totals(&text).with_context(|| format!("{path} has no totals line"))
}

/// The `totals:` (or older `summary:`) figure of a callgrind output file.
fn totals(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_totals_line_gives_the_instruction_count() {
        let text = "version: 1\nevents: Ir\nfn=(1) main\n0 5\ntotals: 123456\n";
        assert_eq!(totals(text), Some(123_456));
        assert_eq!(totals("summary: 42\n"), Some(42));
        assert_eq!(totals("events: Ir\n"), None);
    }
}
