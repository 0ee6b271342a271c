//! The webhook scenario's report: `wawp-bot` replicas in webhook mode on
//! one store.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Summary;

/// The `--reply-rate` the throughput rows give the bot: its TOTAL reply
/// pace over all replicas (one budget in the store), the highest the bot
/// accepts, above the commands/s measured, so that the pace does not set
/// their figures (the default, 22/s, would).
pub const UNPACED_REPLY_RATE: u32 = 1_000;

/// The store the replicas of a webhook run share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Store {
    /// One SQLite file (WAL, synchronous=FULL) in a temporary folder.
    Sqlite,
    /// A fresh schema on a PostgreSQL server.
    Postgres,
}

impl Store {
    /// Every store, SQLite first.
    pub const ALL: [Store; 2] = [Store::Sqlite, Store::Postgres];

    /// The name used on the command line and in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Store::Sqlite => "sqlite",
            Store::Postgres => "postgres",
        }
    }

    /// The name shown in BENCHMARKS.md.
    pub fn title(self) -> &'static str {
        match self {
            Store::Sqlite => "SQLite",
            Store::Postgres => "PostgreSQL",
        }
    }
}

impl fmt::Display for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A store name that is neither `sqlite` nor `postgres`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStore(pub String);

impl fmt::Display for UnknownStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown store {:?}: use sqlite or postgres", self.0)
    }
}

impl std::error::Error for UnknownStore {}

impl FromStr for Store {
    type Err = UnknownStore;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Store::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownStore(s.to_owned()))
    }
}

/// One run of the webhook scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookRun {
    /// The store all replicas share.
    pub store: Store,
    /// `wawp-bot` processes in webhook mode.
    pub replicas: usize,
    /// Admins sending commands at once, each waiting for its reply.
    pub admins: usize,
    /// From the start of the POST of a command to the `sendMessage`
    /// answering it; `errors` counts deliveries that failed (not 200 after
    /// the retries), commands never answered, replies that matched no
    /// command and messages the fake Bot API refused.
    pub summary: Summary,
    /// From spawning the replicas to the last one's `setWebhook`, ms.
    pub startup_ms: f64,
    /// POSTs answered 503 ("try again") and delivered again.
    pub retries: usize,
}
