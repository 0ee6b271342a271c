#![deny(missing_docs)]
//! A local server that behaves like Wawp's OTP API, for tests, demos and
//! dry runs: the four operations of `openapi.yaml` (GET and POST of
//! `/v2/auth/otp/send` and `/v2/auth/otp/verify`), the same credentials, and
//! the provider's rules: a 60 s cooldown per recipient, 6-digit codes that
//! live 300 s and work once, 5 wrong attempts then a 15-minute lockout.
//!
//! Nothing is delivered: every code "sent" is readable through
//! [`Sandbox::messages`], [`Sandbox::last_code`] and
//! `GET /_sandbox/messages?chatId=…` (newest first, at most `limit`: default
//! 100, up to 1,000). Codes are logged only when asked for
//! ([`SandboxBuilder::log_codes`], `--log-codes`); otherwise a send is a
//! debug-level log line without the code or the number.
//!
//! The sandbox is an independent test oracle: it keeps its own copy of the
//! provider's facts ([`Lang`], [`MAX_FOOTER_CHARS`], chat ids of 7 to 15
//! digits) and does not depend on the `wawp` client it is used to test.
//! Every error answer is JSON (`{"code","message"}`) naming what to fix,
//! never repeating a value the request sent; which statuses it gives and
//! why is listed in the crate README.
//!
//! It serves connections itself (hyper's HTTP/1 connections with a timer):
//! a request's head must arrive within [`SandboxBuilder::header_read_timeout`]
//! (default 10 s; also the idle keep-alive timeout), the whole request within
//! [`SandboxBuilder::request_timeout`] (default 10 s, body included), a head
//! is at most [`MAX_HEAD_BYTES`] (else 431), and at most
//! [`SandboxBuilder::max_connections`] (default 1,024, kept below the
//! open-file limit) are open at once. Near that cap the oldest idle
//! connection is closed for each new one, so idle sockets cannot shut out a
//! client that sends requests.
//!
//! # In your own tests
//!
//! Add `wawp-sandbox = { version = "0.1", default-features = false }` to
//! your dev-dependencies (without the CLI's clap and tracing-subscriber),
//! then in a Tokio test:
//!
//! - **start** one: [`Sandbox::builder`]`()…`[`start`](SandboxBuilder::start)
//!   listens on `127.0.0.1:0` (a free port) by default, in the current
//!   runtime, with made-up credentials unless you give them;
//! - **point your client at it**: [`Sandbox::base_url`],
//!   [`Sandbox::instance_id`], [`Sandbox::access_token`];
//! - **read the codes sent** instead of a phone: [`Sandbox::last_code`]
//!   (by chat id, digits only) and [`Sandbox::messages`] (oldest first);
//! - **control the clock**: give it a [`ManualClock`] and
//!   [`advance`](ManualClock::advance) past [`SEND_COOLDOWN`],
//!   [`CODE_LIFETIME`] or [`LOCKOUT`] instead of sleeping;
//! - **stop it** with [`Sandbox::shutdown`] (dropping it stops it too).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), wawp_sandbox::StartError> {
//! use wawp_sandbox::{ManualClock, Sandbox};
//!
//! let clock = ManualClock::new();
//! let sandbox = Sandbox::builder().clock(clock.clone()).start().await?;
//! // WAWP_BASE_URL, WAWP_INSTANCE_ID, WAWP_ACCESS_TOKEN for your client:
//! let (url, id, token) = (sandbox.base_url(), sandbox.instance_id(), sandbox.access_token());
//! # let _ = (url, id, token);
//! // ... your code sends a code to 201234567890 through the API, then:
//! let code = sandbox.last_code("201234567890"); // Some("042917") after a send
//! # assert_eq!(code, None);
//! clock.advance(wawp_sandbox::SEND_COOLDOWN); // the next send is allowed: no sleeping
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! A complete example, your own function using the `wawp` client tested
//! against the sandbox, is the crate's `tests/in_your_tests.rs`.
//!
//! Contents:
//! - [`server`]: [`Sandbox`] and [`SandboxBuilder`], start and stop.
//! - `serve`: the accept loop, its timeouts and connection cap.
//! - `conns`: the open connections, idle or busy, oldest idle closed first.
//! - `fdlimit`: the open-file limit and the pace of accept warnings.
//! - [`routes`]: the HTTP surface, [`router`] to embed it.
//! - `extract`: JSON and query extractors whose errors never echo input.
//! - `inspect`: `/_sandbox/messages` and `/_sandbox/health`.
//! - `state`: [`SandboxState`], shared by the handlers and the [`Sandbox`].
//! - [`rules`]: the provider's rules for one recipient.
//! - `store`: recipients' states, sharded and bounded.
//! - [`messages`]: [`SentMessage`] and the bounded message log.
//! - [`clock`]: [`Clock`], [`SystemClock`], [`ManualClock`].
//! - `lang`: [`Lang`], the documented languages.
//! - `auth`: a request's credentials, in the three documented places.
//! - `credentials`: the sandbox's own, made up or checked at start.
//! - `validate`: field checks (chat id, lang, code).
//! - `footer`: the footer rules (length, one line, something visible, no
//!   tag characters or bidi controls).
//! - `error`: [`StartError`] and the JSON error answers, with the list of
//!   error codes.

mod auth;
pub mod clock;
mod conns;
mod credentials;
mod error;
mod extract;
mod fdlimit;
mod footer;
mod inspect;
mod lang;
pub mod messages;
pub mod routes;
pub mod rules;
mod serve;
pub mod server;
mod state;
mod store;
mod validate;

pub use clock::{Clock, ManualClock, SystemClock};
pub use footer::MAX_FOOTER_CHARS;
pub use inspect::{DEFAULT_MESSAGES_LIMIT, MAX_MESSAGES_LIMIT};
pub use lang::Lang;
pub use messages::SentMessage;
pub use routes::{MAX_BODY_BYTES, router};
pub use rules::{CODE_LIFETIME, LOCKOUT, MAX_WRONG_ATTEMPTS, SEND_COOLDOWN};
pub use serve::{
    DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT, MAX_HEAD_BYTES,
};
pub use server::{
    DEFAULT_MAX_MESSAGES, DEFAULT_MAX_RECIPIENTS, Sandbox, SandboxBuilder, StartError,
};
pub use state::SandboxState;
pub use validate::{MAX_CHAT_ID_DIGITS, MIN_CHAT_ID_DIGITS};
