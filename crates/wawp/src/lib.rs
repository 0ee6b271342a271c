#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
//! Send and verify WhatsApp one-time passwords through the
//! [Wawp](https://wawp.net) API.
//!
//! - **Types that cannot be wrong**: recipients are [`PhoneNumber`]s (E.164,
//!   checked with libphonenumber), codes are [`OtpCode`]s, footers are
//!   [`Footer`]s, languages are [`Lang`]s. Parse them where the input
//!   arrives; a call never fails on bad input.
//! - **Typed answers**: a verify gives a [`VerifyOutcome`] (verified, wrong
//!   code, no active code, locked out); a failure is an [`Error`] with
//!   [`Error::kind`], [`Error::retry_after`] and [`Error::status`].
//!   Configuration problems are a separate [`BuildError`].
//! - **Safe retries**: only what provably never reached Wawp is retried
//!   ([`RetryPolicy`]), within a deadline for the whole call.
//! - **No leaked secrets**: see [Safety](#safety).
//!
//! # Example
//!
//! ```no_run
//! use wawp::{Client, Lang, OtpCode, PhoneNumber, VerifyOutcome};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // WAWP_INSTANCE_ID and WAWP_ACCESS_TOKEN (WAWP_BASE_URL optional).
//! let client = Client::from_env()?;
//! let phone: PhoneNumber = "+20 123 456 7890".parse()?;
//!
//! let sent = client
//!     .send_otp(&phone)
//!     .lang(Lang::Ar)
//!     .footer("Acme Inc.".parse()?)
//!     .await?;
//! println!("code sent to {phone}, valid for {:?}", sent.expires_in);
//!
//! // Later, with the 6 digits the user typed:
//! let code: OtpCode = "123456".parse()?;
//! match client.verify_otp(&phone, &code).await? {
//!     VerifyOutcome::Verified(_) => println!("verified"),
//!     VerifyOutcome::WrongCode { attempts_left, .. } => {
//!         println!("wrong code, {attempts_left:?} attempts left")
//!     }
//!     VerifyOutcome::NoActiveCode { .. } => println!("expired: send a new code"),
//!     VerifyOutcome::LockedOut { retry_after, .. } => println!("locked for {retry_after:?}"),
//!     other => println!("not verified: {other:?}"),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Safety
//!
//! What this crate guarantees, and nothing more:
//!
//! - **Secrets**: the access token, codes and full phone numbers never
//!   appear in `Debug` output, error messages or traces. The token travels
//!   in an `Authorization: Bearer` header ([`Transport::Post`], the
//!   default) and is kept in a `secrecy` type, as are codes. Server text
//!   (error messages, `job_id`, success messages) is scrubbed of the token
//!   (also percent-encoded), the code and the number (also written with
//!   spaces, dashes or brackets) *before* it is cut to 200 characters; a
//!   message that still holds the token in a form that cannot be isolated
//!   (e.g. split by HTML tags) is withheld whole.
//! - **Body cap**: no answer body is read beyond [`MAX_BODY_BYTES`]; a
//!   larger one fails with [`Error::BodyTooLarge`].
//! - **Proxies**: a loopback base URL never goes through a proxy. For the
//!   real API, `HTTPS_PROXY`/`ALL_PROXY` are used as a `CONNECT` tunnel
//!   only: the proxy sees the host name, never the request.
//! - **Masking**: a [`PhoneNumber`] displays as its country code and at
//!   most its last 4 digits, never more than half of the national number.
//! - **Retries**: only a connection that never opened (send and verify)
//!   and a 503 on send are retried, so a retry never sends a second code
//!   or spends a verify attempt; a 502/504 on send is
//!   [`Error::OutcomeUnknown`]. Every call ends by its
//!   [`RetryPolicy::deadline`]; a 429's `Retry-After` is kept within 1 s
//!   and 1 hour.
//!
//! # Tracing
//!
//! Each call runs in one [`tracing`] span, `wawp.send_otp` or
//! `wawp.verify_otp`, with the fields `recipient` (masked, `+20•••••7890`),
//! `operation`, `transport`, and, recorded once at the end, `status`,
//! `latency_ms`, `attempts`, `error` (an [`ErrorKind`] name), `job_id`
//! (send) and `outcome` (verify, a [`VerifyOutcome::as_str`] name).
//!
//! # Features
//!
//! | feature | default | what |
//! |---|---|---|
//! | `rustls-ring` | yes | TLS with rustls and the *ring* provider (as teloxide uses) |
//! | `rustls-aws-lc` | no | rustls with aws-lc-rs instead (wins if both are on) |
//! | `serde` | no | `Serialize`/`Deserialize` for the public data types |
//! | `raw` | no | `Client::raw`, the re-export `wawp::wawp_openapi` and `ClientBuilder::with_reqwest_client`: the generated API, **outside this crate's semver promise** |
//!
//! The provider is handed to reqwest per client, never installed as the
//! process-wide default.

mod builder;

mod call;
mod cause;
mod chars;
mod client;
mod code;
mod decode;
mod error;
mod footer;
mod http;
mod lang;
mod phone;
mod response;
mod retry;
mod send;
#[cfg(feature = "serde")]
mod serde_impls;
mod summary;
#[cfg(test)]
mod test_support;
mod tls;
mod transport;
mod untrusted;
mod verify;

pub use builder::{ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
pub use cause::Cause;
pub use client::Client;
pub use code::{InvalidCode, OtpCode};
pub use error::{BuildError, Error, ErrorKind};
pub use footer::{Footer, FooterReason, InvalidFooter, MAX_FOOTER_CHARS};
pub use lang::{InvalidLang, Lang, OtherLang, documented_codes};
pub use phone::{InvalidPhone, PhoneNumber, PhoneReason};
pub use retry::{DEFAULT_DEADLINE, MAX_DEADLINE, RetryPolicy};
pub use send::{SendOtp, SentOtp};
pub use transport::Transport;
pub use verify::{VerifiedOtp, VerifyOtp, VerifyOutcome};
/// The generated low-level client, as returned by `Client::raw`. Outside
/// this crate's semver promise.
#[cfg(feature = "raw")]
pub use wawp_openapi;

/// The largest answer body read, in bytes (64 KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
