#![deny(missing_docs)]
//! A local server that behaves like Wawp's OTP API, for tests, demos and
//! dry runs: the four operations of `openapi.yaml` (GET and POST of
//! `/v2/auth/otp/send` and `/v2/auth/otp/verify`), the same credentials, and
//! the provider's rules: a 60 s cooldown per recipient, 6-digit codes that
//! live 300 s and work once, 5 wrong attempts then a 15-minute lockout.
//!
//! Nothing is delivered: every code "sent" is logged (tracing target
//! `wawp_sandbox::sent`, level info) and readable through
//! [`Sandbox::messages`], [`Sandbox::last_code`] and
//! `GET /_sandbox/messages?chatId=…`.
//!
//! ```no_run
//! # #[tokio::main]
//! # async fn main() -> std::io::Result<()> {
//! use wawp_sandbox::{ManualClock, Sandbox};
//!
//! let clock = ManualClock::new();
//! let sandbox = Sandbox::builder().clock(clock.clone()).start().await?;
//! println!("WAWP_BASE_URL={}", sandbox.base_url());
//! // ... send a code to 201234567890 through the API, then:
//! let code = sandbox.last_code("201234567890");
//! clock.advance(wawp_sandbox::SEND_COOLDOWN); // no sleeping
//! # Ok(())
//! # }
//! ```
//!
//! Contents:
//! - [`server`]: [`Sandbox`] and [`SandboxBuilder`], start and stop.
//! - [`routes`]: the HTTP surface, [`router`] to embed it.
//! - `state`: [`SandboxState`], shared by the handlers and the [`Sandbox`].
//! - [`rules`]: the provider's rules for one recipient.
//! - `store`: recipients' states, sharded and bounded.
//! - [`messages`]: [`SentMessage`] and the bounded message log.
//! - [`clock`]: [`Clock`], [`SystemClock`], [`ManualClock`].
//! - `auth`: credentials in the three documented places.
//! - `validate`: field checks (chat id, lang, footer, code).
//! - `error`: JSON error answers, with the list of error codes.

mod auth;
pub mod clock;
mod error;
pub mod messages;
pub mod routes;
pub mod rules;
pub mod server;
mod state;
mod store;
mod validate;

pub use clock::{Clock, ManualClock, SystemClock};
pub use messages::SentMessage;
pub use routes::{MAX_BODY_BYTES, router};
pub use rules::{CODE_LIFETIME, LOCKOUT, MAX_WRONG_ATTEMPTS, SEND_COOLDOWN};
pub use server::{DEFAULT_MAX_MESSAGES, DEFAULT_MAX_RECIPIENTS, Sandbox, SandboxBuilder};
pub use state::SandboxState;
pub use validate::MAX_FOOTER_CHARS;
