#![deny(missing_docs)]
//! `wawp-bot`: a Telegram admin bot with which authorised support admins send
//! and verify WhatsApp OTPs through Wawp, with a SQLite audit log.
//!
//! The store is the queue: receive → inbox → worker pool → the core
//! (`service`, `handlers`) → Wawp → outbox → sender → Telegram (see
//! ARCHITECTURE.md).
//!
//! # Modules
//!
//! | module | what |
//! |---|---|
//! | [`config`] | flags, environment, `--config` file; one-line errors |
//! | [`app`] | [`run`]: wires receiving, the worker pool and the sender; shuts down |
//! | `error` | [`RunError`]: the errors of the modules below `app` (start-up, ops, polling, webhook), wrapped by `app` alone; its exit code |
//! | `inbox` | receiving: every update written to the store before it is acknowledged |
//! | `worker` | the one worker pool: inbox rows leased, a chat's in order, admins first |
//! | `budget` | strangers' small per-user budget at receive time (bounded memory) |
//! | `backoff` | the one back-off, and store writes retried until they commit |
//! | `listener` | long polling that acknowledges only updates in the inbox |
//! | `polling` | long polling alone, or as the leader of PostgreSQL replicas |
//! | `service` | the core: `Service::handle(update)`, through the handler tree; no transport |
//! | `handlers` | the dptree handler tree and its endpoints |
//! | `commands` | the commands and their argument parsing |
//! | `reply` | the reply texts (HTML, escaped) |
//! | [`server_text`] | Wawp's text (job ids) cleaned and bounded before it is shown |
//! | `menu` | the command menu: public by default, admin commands in admins' chats |
//! | `delivery` | replies split to fit, written to the outbox; the sender sends them within one budget for all replicas (admins first), retried until accepted |
//! | `backend` | the `wawp` client, or the in-process sandbox |
//! | [`store`] | SQLite or PostgreSQL: audit log, inbox, outbox, reply budget, update claims, send limits |
//! | [`shutdown`] | SIGINT/SIGTERM |
//! | `stop` | the stop shared by every task (a `CancellationToken`) |
//! | [`standby`] | PostgreSQL + long polling: one replica polls, the others stand by |
//! | `startup` | reaching Telegram at start, with back-off |
//! | `upkeep` | `--audit-retention-days`: old audit rows pruned daily |
//! | [`telemetry`] | logging without secrets |
//! | [`ops`] | `--metrics-listen`: health, readiness, Prometheus metrics |
//! | [`webhook`] | `--webhook-url`: updates posted by Telegram, in the inbox before 200 |
//! | [`console`] | `--console`: talk to the bot from the terminal |
//!
//! # Errors
//!
//! [`run`] returns a [`RunError`]: one line without secrets, and
//! [`RunError::exit_code`] (2 for a setting to fix, 1 otherwise). Each module
//! below `app` has its own error, which `app` alone wraps: [`StartError`]
//! (Telegram refused the token at start), [`ops::OpsError`]
//! (`--metrics-listen`), [`PollError`] (long polling with PostgreSQL
//! replicas: a lost or unavailable lease, or bad database settings) and
//! [`webhook::ServeError`] (webhook mode). Each says whether it is a setting
//! to fix (`is_setting`).

pub mod accept;
pub mod app;
pub(crate) mod backend;
mod backoff;
mod budget;
pub(crate) mod commands;
pub mod config;
pub mod console;
pub(crate) mod delivery;
pub(crate) mod error;
pub(crate) mod handlers;
mod inbox;
mod listener;
pub(crate) mod menu;
pub mod ops;
mod polling;
pub(crate) mod reply;
pub mod server_text;
mod service;
pub mod shutdown;
pub mod standby;
mod startup;
mod stop;
pub mod store;
pub mod telemetry;
mod upkeep;
pub mod webhook;
mod worker;

pub use app::{Options, RunError, run, run_with};
pub use config::{Cli, Config, ConfigError};
pub use polling::PollError;
pub use startup::StartError;
