#![deny(missing_docs)]
//! `wawp-bot`: a Telegram admin bot with which authorised support admins send
//! and verify WhatsApp OTPs through Wawp, with a SQLite audit log.
//!
//! | module | what |
//! |---|---|
//! | [`config`] | flags, environment, `--config` file; one-line errors |
//! | [`app`] | [`run`]: start, poll, shut down |
//! | [`handlers`] | the dptree handler tree and its endpoints |
//! | [`commands`] | the commands and their argument parsing |
//! | [`reply`] | the reply texts (HTML, escaped) |
//! | [`backend`] | the `wawp` client, or the in-process sandbox |
//! | [`db`] | SQLite: durability, migrations, blocking calls |
//! | [`audit`] | the audit log |
//! | [`dedup`] | exactly-once handling of updates |
//! | [`ratelimit`] | per-admin send limit |
//! | [`shutdown`] | SIGINT/SIGTERM |
//! | [`telemetry`] | logging without secrets |

pub mod app;
pub mod audit;
pub mod backend;
pub mod commands;
pub mod config;
pub mod db;
pub mod dedup;
pub mod handlers;
pub mod ratelimit;
pub mod reply;
pub mod shutdown;
pub mod standby;
pub mod telemetry;
pub mod webhook;

pub use app::{Options, RunError, run, run_with};
pub use config::{Cli, Config, ConfigError};
