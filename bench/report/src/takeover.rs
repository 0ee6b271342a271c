//! The reports of the two open-loop scenarios on three webhook replicas:
//! a replica SIGKILLed under load, and the reply pace against Telegram's
//! flood limit.

use serde::{Deserialize, Serialize};

use crate::Summary;

/// How long the SIGKILL row's fake Wawp takes to answer, ms: a real call
/// takes hundreds, so that commands are in a replica's hands when it dies.
pub const KILL_WAWP_DELAY_MS: u64 = 300;

/// What an open-loop load of `/send` commands, one chat each, made of the
/// replicas: counted from the POSTs and the messages the fake Bot API took.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    /// Commands POSTed.
    pub commands: usize,
    /// Commands some replica answered 200 (acknowledged).
    pub acknowledged: usize,
    /// Commands no replica took within the delivery's patience.
    pub undelivered: usize,
    /// POSTs that failed (connection refused or broken, a 5xx) and were
    /// sent again to the next replica, as Telegram would.
    pub redelivered: usize,
    /// Acknowledged commands answered by exactly one message.
    pub answered_once: usize,
    /// Acknowledged commands never answered.
    pub lost: usize,
    /// Messages beyond the first in a command's chat.
    pub duplicate_replies: usize,
    /// Answers saying "outcome unknown" (a command taken over after its
    /// Wawp call had started).
    pub unknown: usize,
}

/// One run of the SIGKILL scenario: commands at a fixed rate, one replica
/// SIGKILLed and restarted `kills` times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KillRun {
    /// `wawp-bot` processes in webhook mode on one PostgreSQL schema.
    pub replicas: usize,
    /// Commands POSTed a second.
    pub per_second: usize,
    /// SIGKILLs (each followed by a restart).
    pub kills: usize,
    /// The counts.
    pub tally: Tally,
    /// Messages to one phone number beyond the first, at the fake Wawp.
    pub duplicate_sends: usize,
    /// Command-to-reply latency of every answered command; `errors` counts
    /// the commands no replica took (the load's failure, not the bot's).
    pub summary: Summary,
    /// Commands acknowledged before a kill and answered after it (those
    /// the dead replica held are among them).
    pub held: usize,
    /// Their 99th percentile latency, ms.
    pub held_p99_ms: f64,
    /// Their longest latency, ms.
    pub held_max_ms: f64,
}

/// One run of the reply-pace scenario: the bot's default `--reply-rate`
/// with three replicas against a fake Bot API applying Telegram's ~30
/// messages a second (429 with `retry_after`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaceRun {
    /// `wawp-bot` processes in webhook mode on one PostgreSQL schema.
    pub replicas: usize,
    /// Commands POSTed a second.
    pub per_second: usize,
    /// The fake's limit, messages a second.
    pub telegram_limit: usize,
    /// The counts (`lost` are the replies dropped).
    pub tally: Tally,
    /// The most messages the fake took in any 1 s window.
    pub max_per_second: usize,
    /// Messages taken over the time from the first to the last, a second.
    pub mean_per_second: f64,
    /// `sendMessage` calls answered 429.
    pub throttled: usize,
    /// Command-to-reply latency; `errors` counts the commands no replica
    /// took.
    pub summary: Summary,
}
