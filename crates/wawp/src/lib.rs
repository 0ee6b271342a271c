#![deny(missing_docs)]
//! Send and verify WhatsApp one-time passwords through the
//! [Wawp](https://wawp.net) API.
//!
//! - **Validated input**: recipients are [`PhoneNumber`]s (E.164, checked
//!   with libphonenumber), languages are [`Lang`]s, footers and codes are
//!   checked before anything is sent.
//! - **Typed errors**: every answer maps to an [`Error`] variant — a send
//!   cooldown, a verify lockout, a wrong code, bad credentials, a server or
//!   network failure — with [`Error::kind`], [`Error::retry_after`] and
//!   [`Error::status`].
//! - **Safe retries**: only what cannot cost a recipient anything
//!   ([`RetryPolicy`]); a verify that reached the server is never repeated.
//! - **No leaked secrets**: the access token travels in an
//!   `Authorization: Bearer` header by default ([`Transport`]) and never
//!   appears in `Debug`, error messages or traces; neither do codes or full
//!   phone numbers.
//!
//! # Example
//!
//! ```no_run
//! use wawp::{Client, ErrorKind, Lang, PhoneNumber};
//!
//! # async fn run() -> Result<(), wawp::Error> {
//! // WAWP_INSTANCE_ID and WAWP_ACCESS_TOKEN (WAWP_BASE_URL optional).
//! let client = Client::from_env()?;
//! let phone: PhoneNumber = "+20 123 456 7890".parse()?;
//!
//! let sent = client
//!     .send_otp(&phone)
//!     .lang(Lang::Ar)
//!     .footer("Acme Inc.")
//!     .await?;
//! println!("code sent to {phone}, valid for {:?}", sent.expires_in);
//!
//! // Later, with the 6 digits the user typed:
//! match client.verify_otp(&phone, "123456").await {
//!     Ok(_) => println!("verified"),
//!     Err(err) if err.kind() == ErrorKind::Rejected => println!("wrong code: {err}"),
//!     Err(err) if err.kind() == ErrorKind::VerifyLockedOut => {
//!         println!("locked, retry after {:?}", err.retry_after())
//!     }
//!     Err(err) => return Err(err),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Tracing
//!
//! Each call runs in one [`tracing`] span, `wawp.send_otp` or
//! `wawp.verify_otp`, with the fields `recipient` (masked, `+20•••••7890`),
//! `operation`, `transport`, and, once done, `status`, `latency_ms`,
//! `attempts`, `error` (an [`ErrorKind`] name) and `job_id` (send).
//!
//! # Crate layout
//!
//! | item | what |
//! |---|---|
//! | [`Client`], [`ClientBuilder`], [`Transport`] | configuration and the connection pool |
//! | [`SendOtp`], [`VerifyOtp`], [`SentOtp`], [`VerifiedOtp`] | the two operations |
//! | [`PhoneNumber`], [`Lang`] | validated input |
//! | [`Error`], [`ErrorKind`], [`FooterReason`] | what went wrong |
//! | [`RetryPolicy`] | when to try again |
//! | [`Client::raw`] | the generated low-level client ([`wawp_openapi`]) |

mod body;
mod builder;
mod call;
mod client;
mod error;
mod lang;
mod otp;
mod phone;
mod retry;

pub use builder::{
    ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, Transport,
};
pub use client::Client;
pub use error::{Error, ErrorKind, FooterReason};
pub use lang::{InvalidLang, Lang, documented_codes};
pub use otp::{MAX_FOOTER_CHARS, SendOtp, SentOtp, VerifiedOtp, VerifyOtp};
pub use phone::{InvalidPhone, PhoneNumber, PhoneReason};
pub use retry::RetryPolicy;
/// The generated low-level client, as returned by [`Client::raw`].
pub use wawp_openapi;
