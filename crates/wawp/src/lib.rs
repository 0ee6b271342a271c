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
//! `examples/quickstart.rs`: `main` reports a failure with its `Display`
//! text and `source()` chain (a `main` returning `Result` would print
//! `Debug`).
//!
//! ```no_run
#![doc = include_str!("../examples/quickstart.rs")]
//! ```
//!
//! Other settings: a footer, the language, retries:
//!
//! ```no_run
//! use std::time::Duration;
//! use wawp::{Client, Lang, RetryPolicy};
//!
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder()
//!     .instance_id("your-instance")
//!     .access_token("your-token")
//!     .retry(RetryPolicy::default().with_deadline(Duration::from_secs(10)))
//!     .build()?;
//! let phone = "+201234567890".parse()?;
//! let request = client.send_otp(&phone).lang(Lang::Fr).footer("Acme Inc.".parse()?);
//! # drop(request);
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
//!   [`RetryPolicy::with_retry_send_on_unavailable`]. Any send failure after the
//!   request may have been written (a cut body, a reset, a timeout,
//!   502/503/504) is [`Error::OutcomeUnknown`], never
//!   [`Error::is_retryable`]. Every call ends by its
//!   [`RetryPolicy::deadline`] (at most [`MAX_DEADLINE`](retry::MAX_DEADLINE); configuration
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

//! # Contents
//!
//! The types most calls need are at the root; the rest lives in the
//! module named after what it is about:
//!
//! | module | what |
//! |---|---|
//! | [`client`] | [`Client`], [`ClientBuilder`], the request builders, [`Transport`], defaults and the body cap |
//! | [`phone`] | [`PhoneNumber`] and why a number is refused |
//! | [`code`] | [`OtpCode`] and why a code is refused |
//! | [`footer`] | [`Footer`], its length limit and why a footer is refused |
//! | [`lang`] | [`Lang`], codes outside the documented list |
//! | [`outcome`] | what a call gives back: [`SentOtp`], [`VerifiedOtp`], [`VerifyOutcome`] |
//! | [`error`] | [`Error`], [`ErrorKind`], [`BuildError`], the network [`Cause`] |
//! | [`retry`] | [`RetryPolicy`] and its limits |

mod builder;
mod call;
mod cause;
mod chars;
pub mod client;
pub mod code;
mod decode;
pub mod error;
mod failure;
pub mod footer;
mod http;
pub mod lang;
pub mod phone;
mod response;
pub mod retry;
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

/// What a call gives back: [`SentOtp`] for a send, [`VerifyOutcome`] (with
/// [`VerifiedOtp`] when the code was right) for a verify.
pub mod outcome {
    pub use crate::send::SentOtp;
    pub use crate::verify::{VerifiedOtp, VerifyOutcome};
}

pub use client::{Client, ClientBuilder};
pub use code::OtpCode;
pub use error::{Error, ErrorKind};
pub use footer::Footer;
pub use lang::Lang;
pub use outcome::{SentOtp, VerifiedOtp, VerifyOutcome};
pub use phone::PhoneNumber;
pub use retry::RetryPolicy;
/// The generated low-level client, as returned by `Client::raw`. Outside
/// this crate's semver promise.
#[cfg(feature = "raw")]
pub use wawp_openapi;

// Inside the crate, the secondary items by their short names too.
pub(crate) use cause::Cause;
pub(crate) use client::MAX_BODY_BYTES;
pub(crate) use error::BuildError;
pub(crate) use transport::Transport;
