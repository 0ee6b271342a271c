//! The report one `wawp-bench` run prints on stdout (one JSON line) and
//! `cargo xtask bench` reads back: one set of types for both sides, so the
//! two cannot drift apart. Only serde: xtask stays light.

#![deny(missing_docs)]

mod summary;
mod takeover;
mod webhook;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use summary::{CDF_POINTS, Summary};
pub use takeover::{KILL_WAWP_DELAY_MS, KillRun, PaceRun, Tally};
pub use webhook::{Store, UNPACED_REPLY_RATE, UnknownStore, WebhookRun};

/// Which client makes the requests in the client scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// A hand-written reqwest request: the floor.
    Raw,
    /// The generated `wawp_openapi::Client::send_otp`.
    Generated,
    /// `wawp::Client::send_otp`, validation and tracing on.
    Wawp,
}

impl Variant {
    /// Every variant, floor first.
    pub const ALL: [Variant; 3] = [Variant::Raw, Variant::Generated, Variant::Wawp];

    /// The name used on the command line and in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Raw => "raw",
            Variant::Generated => "generated",
            Variant::Wawp => "wawp",
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A variant name that is none of `raw`, `generated`, `wawp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownVariant(pub String);

impl fmt::Display for UnknownVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown client variant {:?}: use raw, generated or wawp",
            self.0
        )
    }
}

impl std::error::Error for UnknownVariant {}

impl FromStr for Variant {
    type Err = UnknownVariant;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Variant::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownVariant(s.to_owned()))
    }
}

/// What one run of one scenario measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "scenario", rename_all = "lowercase")]
pub enum Report {
    /// Client overhead against the floor server.
    Client(ClientRun),
    /// The `wawp-sandbox` binary under load.
    Sandbox(SandboxRun),
    /// The `wawp-bot` binary answering admins' commands.
    Bot(BotRun),
    /// `wawp-bot` replicas in webhook mode on one store.
    Webhook(WebhookRun),
    /// Three replicas, one SIGKILLed under load.
    Kill(KillRun),
    /// Three replicas at the default reply pace against Telegram's limit.
    Pace(PaceRun),
}

/// One run of the client scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientRun {
    /// Which client.
    pub variant: Variant,
    /// Requests in flight at once.
    pub in_flight: usize,
    /// Whether a fmt subscriber at INFO recorded the spans.
    pub subscriber: bool,
    /// Throughput and latency.
    pub summary: Summary,
}

/// One run of the sandbox scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandboxRun {
    /// Keep-alive connections the load came over.
    pub connections: usize,
    /// Throughput and latency of the sends.
    pub summary: Summary,
    /// The sandbox's peak resident set (VmHWM), KiB.
    pub peak_rss_kib: u64,
    /// Its resident set half-way through the run, KiB.
    pub rss_half_kib: u64,
    /// Its resident set at the end of the run, KiB.
    pub rss_end_kib: u64,
}

/// One run of the bot scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotRun {
    /// Admins sending commands at once, each waiting for its reply.
    pub admins: usize,
    /// Command-to-reply latency; `errors` counts replies that matched no
    /// command and commands never answered.
    pub summary: Summary,
    /// From spawning the bot process to its first `getUpdates`, ms.
    pub startup_ms: f64,
    /// The bot process's resident set once started, before any command, KiB.
    pub idle_rss_kib: u64,
    /// The bot process's peak resident set (VmHWM) after the run, KiB.
    pub peak_rss_kib: u64,
    /// Median time of one 4 KiB write + fsync in the bot's database folder
    /// just before the run, µs: each command commits to SQLite twice with
    /// synchronous=FULL, so the disk's fsync bounds the bot's latency.
    pub fsync_p50_us: f64,
}

impl Report {
    /// The throughput and latency part, whatever the scenario.
    pub fn summary(&self) -> &Summary {
        match self {
            Report::Client(r) => &r.summary,
            Report::Sandbox(r) => &r.summary,
            Report::Bot(r) => &r.summary,
            Report::Webhook(r) => &r.summary,
            Report::Kill(r) => &r.summary,
            Report::Pace(r) => &r.summary,
        }
    }

    /// The report as the one JSON line `wawp-bench` prints.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("a report always serialises")
    }

    /// Reads the report from the last line of `wawp-bench`'s stdout.
    pub fn from_stdout(stdout: &str) -> Result<Report, serde_json::Error> {
        serde_json::from_str(stdout.lines().last().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_report_reads_back_as_it_was_printed() {
        let summary = Summary::new(
            vec![Duration::from_micros(10), Duration::from_micros(30)],
            0,
            Duration::from_secs(1),
        );
        let report = Report::Bot(BotRun {
            admins: 3,
            summary,
            startup_ms: 12.5,
            idle_rss_kib: 9000,
            peak_rss_kib: 12000,
            fsync_p50_us: 800.0,
        });
        let stdout = format!("a log line\n{}\n", report.to_line());
        assert_eq!(Report::from_stdout(&stdout).unwrap(), report);
        assert!(report.to_line().starts_with(r#"{"scenario":"bot","#));
    }

    #[test]
    fn a_webhook_report_reads_back_with_its_store() {
        let report = Report::Webhook(WebhookRun {
            store: Store::Postgres,
            replicas: 3,
            admins: 10,
            summary: Summary::new(vec![Duration::from_millis(4)], 0, Duration::from_secs(1)),
            startup_ms: 80.0,
            retries: 2,
        });
        let line = report.to_line();
        assert!(
            line.starts_with(r#"{"scenario":"webhook","store":"postgres","replicas":3,"#),
            "{line}"
        );
        assert_eq!(Report::from_stdout(&line).unwrap(), report);
    }

    #[test]
    fn stores_parse_from_their_names_only() {
        for s in Store::ALL {
            assert_eq!(s.as_str().parse::<Store>().unwrap(), s);
        }
        let err = "mysql".parse::<Store>().unwrap_err();
        assert!(err.to_string().contains("use sqlite or postgres"));
    }

    #[test]
    fn variants_parse_from_their_names_only() {
        for v in Variant::ALL {
            assert_eq!(v.as_str().parse::<Variant>().unwrap(), v);
        }
        let err = "fast".parse::<Variant>().unwrap_err();
        assert!(err.to_string().contains("use raw, generated or wawp"));
    }
}
