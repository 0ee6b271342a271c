//! The [`Client`], how to build one ([`ClientBuilder`], [`Transport`], the
//! defaults) and the request builders its calls return ([`SendOtp`],
//! [`VerifyOtp`]).

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use crate::{BuildError, OtpCode, PhoneNumber, RetryPolicy};

pub use crate::builder::{
    ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT,
};
pub use crate::send::SendOtp;
pub use crate::transport::Transport;
pub use crate::verify::VerifyOtp;

/// The largest answer body read, in bytes (64 KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A Wawp client: credentials, settings and one connection pool.
///
/// Cheap to clone (an [`Arc`] inside), `Send + Sync`: build one and share
/// it. `Debug` shows the settings but never the access token (it is a
/// [`SecretString`]).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = wawp::Client::from_env()?;
/// let phone: wawp::PhoneNumber = "+201234567890".parse()?;
/// let sent = client.send_otp(&phone).await?;
/// println!("sent job {}, valid for {:?}", sent.job_id, sent.expires_in);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    /// The generated client, built once: calls share it (its hooks cap
    /// every body; `wawp_openapi::recorded` keeps each call's record).
    pub(crate) raw: wawp_openapi::Client,
    /// A caller's own client has no bearer header: send the token in the
    /// POST body instead.
    pub(crate) token_in_body: bool,
    pub(crate) base_url: String,
    pub(crate) instance_id: String,
    pub(crate) access_token: SecretString,
    pub(crate) transport: Transport,
    pub(crate) retry: RetryPolicy,
    /// reqwest's timeout of one attempt (`Duration::MAX` when unknown).
    pub(crate) timeout: Duration,
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client configured from `WAWP_INSTANCE_ID`, `WAWP_ACCESS_TOKEN`
    /// (both required) and `WAWP_BASE_URL` (optional), with default
    /// settings otherwise. Use [`ClientBuilder::from_env`] to adjust them.
    ///
    /// # Errors
    ///
    /// [`BuildError::MissingEnv`] for a missing or empty variable,
    /// [`BuildError::Config`] for an invalid value.
    pub fn from_env() -> Result<Client, BuildError> {
        ClientBuilder::from_env()?.build()
    }

    /// Sends a one-time password to `phone` over WhatsApp.
    ///
    /// Set the language and a footer on the returned request, then
    /// `.await` it. Wawp allows one code per recipient every 60 seconds
    /// ([`crate::Error::SendCooldown`]).
    pub fn send_otp<'a>(&'a self, phone: &'a PhoneNumber) -> SendOtp<'a> {
        SendOtp::new(self, phone)
    }

    /// Checks `code`, the 6 digits `phone` received.
    ///
    /// `.await` the returned request for a [`crate::VerifyOutcome`]: verified,
    /// wrong code, no active code, locked out. Each verify that reaches Wawp
    /// uses one of the recipient's 5 attempts, so it is never retried once
    /// sent.
    pub fn verify_otp<'a>(&'a self, phone: &'a PhoneNumber, code: &'a OtpCode) -> VerifyOtp<'a> {
        VerifyOtp::new(self, phone, code)
    }

    /// The generated low-level client this client calls through, sharing
    /// its connection pool, base URL, timeouts, body cap (and, with
    /// [`Transport::Post`], the bearer header). Its errors are not
    /// sanitized: with the query operations they may contain the token.
    ///
    /// Only with the `raw` feature: the generated API is outside this
    /// crate's semver promise.
    #[cfg(feature = "raw")]
    pub fn raw(&self) -> wawp_openapi::Client {
        self.inner.raw.clone()
    }

    /// The configured base URL, without trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The configured transport.
    pub fn transport(&self) -> Transport {
        self.inner.transport
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt;

    #[test]
    fn client_is_cheap_to_share() {
        fn assert_bounds<T: Clone + Send + Sync + fmt::Debug + 'static>() {}
        assert_bounds::<Client>();
        let client = Client::builder()
            .instance_id("i")
            .access_token("t0ken-value")
            .build()
            .unwrap();
        let clone = client.clone();
        assert!(Arc::ptr_eq(&client.inner, &clone.inner));
        assert_eq!(clone.base_url(), "https://api.wawp.net");
        assert_eq!(clone.transport(), Transport::Post);
        let debug = format!("{client:?}");
        assert!(!debug.contains("t0ken-value"), "{debug}");
    }
}
