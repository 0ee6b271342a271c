#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
//! Send and verify WhatsApp one-time passwords through the
//! [Wawp](https://wawp.net) API.
//!
//! - **Types that cannot be wrong**: recipients are [`PhoneNumber`]s (E.164,
//!   checked with libphonenumber by default), codes are [`OtpCode`]s, footers are
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
//!   follows the rule below.
//! - **Body cap**: no answer body is read beyond [`MAX_BODY_BYTES`]; a
//!   larger one fails with [`Error::BodyTooLarge`].
//! - **Proxies**: a loopback base URL never goes through a proxy. For the
//!   real API, `HTTPS_PROXY`/`ALL_PROXY` are used as a `CONNECT` tunnel
//!   only: the proxy sees the host name, never the request.
//! - **Masking**: a [`PhoneNumber`] displays as its country code and at
//!   most its last 4 digits, never more than half of the national number.
//! - **Retries**: only a connection that never opened (send and verify)
//!   is retried, so a retry never sends a second code or spends a verify
//!   attempt; a 503 on send only if you opt in with
//!   [`RetryPolicy::retry_send_on_unavailable`]. Any send failure after the
//!   request may have been written (a cut body, a reset, a timeout,
//!   502/503/504) is [`Error::OutcomeUnknown`], never
//!   [`Error::is_retryable`]. Every call ends by its
//!   [`RetryPolicy::deadline`] (at most [`MAX_DEADLINE`]; configuration
//!   never panics); a 429's `Retry-After` is kept within 1 s and 1 hour.
//!
//! **Server text is data.** Everything the server says (error bodies,
//! `job_id`, success messages, network-library messages) reaches `Display`,
//! `Debug`, logs and your accessors only through one rule. At most 4,096
//! characters are read; percent-encoding (nested), HTML character references and JSON `\u` escapes are decoded
//! *first*; then every control and format character (Unicode Cc, Cf,
//! default-ignorables, bidi controls, tag characters) is dropped, whitespace
//! becomes one space, and only printable ASCII, letters of any script and a
//! few punctuation marks are kept; then whatever could still carry a secret is
//! withheld, compared case-insensitively across separators, markup and the
//! removed invisibles: any 8 letters or digits in a row of the access token
//! (`[redacted]`), the full number (shown masked) or any 5 of its digits in a
//! row, any 4 digits in a row of the code being verified (`[code]`), on send,
//! where the client does not know the code, any run of 6 or more digits, and
//! any base64-looking run that decodes to one of these (`[withheld]`). Why: a
//! server or proxy that echoes a request can do so in any encoding, and
//! listing the forms a secret can take cannot win; so the rule withholds too
//! much rather than too little (a date or a long number in a send's error
//! message goes too). Messages are then cut to 200 characters, a `job_id` to
//! 128 (ending in `…`). The raw body is reachable only through the `raw`
//! feature.
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
//! | `phonenumber` | yes | real per-region validation of [`PhoneNumber`] (libphonenumber); without it, the E.164 shape only (weaker; 101 crates in a one-line consumer's tree instead of 130) |
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
mod failure;
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
