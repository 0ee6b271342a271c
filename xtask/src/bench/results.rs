//! What each mode of `cargo xtask bench` measured, kept as JSON files in
//! `bench/results/` so that BENCHMARKS.md and its charts can be redrawn
//! from them (`--mode render`) and every figure says where it came from.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wawp_bench_report::{
    BotRun, ClientRun, KillRun, PaceRun, Report, SandboxRun, Store, Variant, WebhookRun,
};

use super::plan::Plan;

/// Where and how a measurement was made.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Provenance {
    /// `git describe --always --dirty` of the worktree.
    pub commit: String,
    /// UTC date and time of the measurement.
    pub date: String,
    /// Cores, CPU model and rustc version.
    pub machine: String,
    /// The 1-minute load average before (other work on the machine).
    pub load_before: Option<f64>,
    /// The 1-minute load average after; `None` until finished.
    pub load_after: Option<f64>,
    /// The command that made it.
    pub command: String,
}

impl Provenance {
    /// Describes this machine now; `load_after` is filled in by [`Provenance::finish`].
    pub fn start(root: &Path, command: &str) -> Provenance {
        // Profile overrides in the environment change what was measured.
        let mut overrides: Vec<String> = std::env::vars()
            .filter(|(k, _)| k.starts_with("CARGO_PROFILE_"))
            .map(|(k, v)| format!("{k}={v} "))
            .collect();
        overrides.sort();
        let command = format!("{}{command}", overrides.concat());
        Provenance {
            commit: output(root, "git", &["describe", "--always", "--dirty"]),
            date: output(root, "date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            machine: machine(),
            load_before: load_average(),
            load_after: None,
            command,
        }
    }

    /// Records the load at the end.
    pub fn finish(mut self) -> Provenance {
        self.load_after = load_average();
        self
    }

    /// One line for BENCHMARKS.md.
    pub fn line(&self) -> String {
        let load = |l: Option<f64>| l.map_or("unknown".into(), |l| format!("{l:.1}"));
        format!(
            "`{}` on commit `{}`, {}; {}; load average {} before, {} after",
            self.command,
            self.commit,
            self.date,
            self.machine,
            load(self.load_before),
            load(self.load_after)
        )
    }
}

/// What `--mode figures` measured: every report of every round.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figures {
    /// Where and how.
    pub provenance: Provenance,
    /// The cargo profile of the binaries.
    pub profile: String,
    /// The counts.
    pub plan: Plan,
    /// The stripped size of the `wawp-bot` binary measured, bytes.
    pub bot_size: u64,
    /// `cargo xtask regen` and the incremental dev build after a one-line
    /// edit of openapi.yaml, seconds (absent in smoke runs).
    pub incremental: Option<(f64, f64)>,
    /// Why the PostgreSQL webhook rows were not measured: no server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_postgres: Option<String>,
    /// One entry per round; each holds one report per scenario.
    pub rounds: Vec<Vec<Report>>,
}

impl Figures {
    fn all(&self) -> impl Iterator<Item = &Report> {
        self.rounds.iter().flatten()
    }

    /// The client runs of one row, in round order.
    pub fn client(&self, variant: Variant, in_flight: usize, subscriber: bool) -> Vec<&ClientRun> {
        self.all()
            .filter_map(|r| match r {
                Report::Client(c)
                    if c.variant == variant
                        && c.in_flight == in_flight
                        && c.subscriber == subscriber =>
                {
                    Some(c)
                }
                _ => None,
            })
            .collect()
    }

    /// The sandbox runs with `connections`, in round order.
    pub fn sandbox(&self, connections: usize) -> Vec<&SandboxRun> {
        self.all()
            .filter_map(|r| match r {
                Report::Sandbox(s) if s.connections == connections => Some(s),
                _ => None,
            })
            .collect()
    }

    /// The bot runs with `admins`, in round order.
    pub fn bot(&self, admins: usize) -> Vec<&BotRun> {
        self.all()
            .filter_map(|r| match r {
                Report::Bot(b) if b.admins == admins => Some(b),
                _ => None,
            })
            .collect()
    }

    /// The webhook runs of one row, in round order.
    pub fn webhook(&self, store: Store, replicas: usize, admins: usize) -> Vec<&WebhookRun> {
        self.all()
            .filter_map(|r| match r {
                Report::Webhook(w)
                    if w.store == store && w.replicas == replicas && w.admins == admins =>
                {
                    Some(w)
                }
                _ => None,
            })
            .collect()
    }
}

/// What `--mode takeover` measured (and `--mode figures` after its
/// rounds): the open-loop rows on three replicas, SIGKILL and reply pace.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpenLoop {
    /// Where and how.
    pub provenance: Provenance,
    /// The cargo profile of the binaries.
    pub profile: String,
    /// The counts.
    pub plan: Plan,
    /// Why nothing was measured: no PostgreSQL server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_postgres: Option<String>,
    /// One entry per round; each holds one report per row.
    pub rounds: Vec<Vec<Report>>,
}

impl OpenLoop {
    /// The SIGKILL runs, in round order.
    pub fn kill(&self) -> Vec<&KillRun> {
        self.rounds
            .iter()
            .flatten()
            .filter_map(|r| match r {
                Report::Kill(k) => Some(k),
                _ => None,
            })
            .collect()
    }

    /// The reply-pace runs, in round order.
    pub fn pace(&self) -> Vec<&PaceRun> {
        self.rounds
            .iter()
            .flatten()
            .filter_map(|r| match r {
                Report::Pace(p) => Some(p),
                _ => None,
            })
            .collect()
    }
}

/// The folder of the result files.
pub fn dir(root: &Path) -> PathBuf {
    root.join("bench/results")
}

/// Writes `value` as pretty JSON to `bench/results/<name>.json`.
pub fn save<T: Serialize>(root: &Path, name: &str, value: &T) -> Result<()> {
    let dir = dir(root);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(value)?;
    std::fs::write(&path, text + "\n").with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// Reads `bench/results/<name>.json`, `None` when it does not exist.
pub fn load<T: DeserializeOwned>(root: &Path, name: &str) -> Result<Option<T>> {
    let path = dir(root).join(format!("{name}.json"));
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .with_context(|| format!("{} does not parse; re-measure it", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn output(root: &Path, program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into())
}

fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let rustc = output(Path::new("."), "rustc", &["--version"]);
    format!("{cores} cores, {cpu}; {rustc}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_figures_still_read_so_render_mode_works() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        if let Some(figures) = load::<Figures>(&root, "figures").unwrap() {
            assert!(!figures.rounds.is_empty());
        }
    }
}

/// Made-up figures for tests.
#[cfg(test)]
pub fn sample(plan: Plan) -> Figures {
    inner::sample(plan)
}

#[cfg(test)]
mod inner {
    use std::time::Duration;

    use wawp_bench_report::{BotRun, ClientRun, Report, SandboxRun, Summary, WebhookRun};

    use super::super::plan::{CLIENT_ROWS, Plan, WEBHOOK_ROWS};
    use super::{Figures, Provenance};

    fn summary(us: u64) -> Summary {
        Summary::new(
            vec![Duration::from_micros(us); 10],
            0,
            Duration::from_millis(1),
        )
    }

    /// One round of made-up figures for `plan`.
    pub(super) fn sample(plan: Plan) -> Figures {
        let mut round = Vec::new();
        for &in_flight in &plan.in_flight {
            for (variant, subscriber) in CLIENT_ROWS {
                round.push(Report::Client(ClientRun {
                    variant,
                    in_flight,
                    subscriber,
                    summary: summary(100),
                }));
            }
        }
        for &connections in &plan.connections {
            round.push(Report::Sandbox(SandboxRun {
                connections,
                summary: summary(500),
                peak_rss_kib: 3000,
                rss_half_kib: 2000,
                rss_end_kib: 2100,
            }));
        }
        for &admins in &plan.admins {
            round.push(Report::Bot(BotRun {
                admins,
                summary: summary(4000),
                startup_ms: 30.0,
                idle_rss_kib: 10_000,
                peak_rss_kib: 20_000,
                fsync_p50_us: 900.0,
            }));
        }
        for &admins in &plan.webhook_admins {
            for (store, replicas) in WEBHOOK_ROWS {
                // Three replicas are three times as fast: ratios of 1 and 3.
                round.push(Report::Webhook(WebhookRun {
                    store,
                    replicas,
                    admins,
                    summary: Summary::new(
                        vec![Duration::from_micros(6000); 12],
                        0,
                        Duration::from_millis(12 / replicas as u64),
                    ),
                    startup_ms: 40.0,
                    retries: 0,
                }));
            }
        }
        Figures {
            provenance: Provenance::start(std::path::Path::new("."), "test"),
            profile: "release".into(),
            plan,
            bot_size: 9 * 1024 * 1024,
            incremental: None,
            no_postgres: None,
            rounds: vec![round],
        }
    }
}
