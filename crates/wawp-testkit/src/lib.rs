#![deny(missing_docs)]
//! Test fakes for the wawp-rs workspace, in one place (`publish = false`).
//!
//! | module | what |
//! |---|---|
//! | [`telegram`] | [`FakeTelegram`]: a Bot API on 127.0.0.1 that records calls, applies Telegram's documented rules and injects faults |
//! | [`updates`] | Telegram updates as JSON: private and group messages |
//! | [`wawp`] | canned Wawp answer bodies, and the sandbox behind a request counter |
//! | [`logs`] | capture every log line of a test binary |
//! | [`postgres`] | a schema of a test's own on the `WAWP_BOT_TEST_PG` server |
//! | `pty` | a program on a pseudo-terminal: its screen, typed keys, its exit (unix) |
//! | [`wait`] | polling waits with a deadline, and signals to a child process |
//!
//! Every server listens on 127.0.0.1 and is started by the test that uses it.

pub mod logs;
pub mod postgres;
#[cfg(unix)]
pub mod pty;
pub mod telegram;
pub mod updates;
pub mod wait;
pub mod wawp;

pub use telegram::{Call, FakeTelegram, Fault, HandedOut, Sent};

/// The bot token the fake accepts by default (Telegram's shape: id, colon,
/// 35 characters).
pub const BOT_TOKEN: &str = "7000001:AAHfakeTelegramTokenForTests-0123456";
/// The bot's user id (the token's prefix).
pub const BOT_ID: u64 = 7000001;
/// The bot's username.
pub const BOT_USERNAME: &str = "wawp_test_bot";
