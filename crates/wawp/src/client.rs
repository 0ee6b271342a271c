//! The [`Client`].

use std::fmt;
use std::sync::Arc;

use secrecy::SecretString;

use crate::{ClientBuilder, Error, PhoneNumber, RetryPolicy, SendOtp, Transport, VerifyOtp};

/// A Wawp client: credentials, settings and one connection pool.
///
/// Cheap to clone (an [`Arc`] inside), `Send + Sync`: build one and share
/// it. `Debug` shows the settings but never the access token.
///
/// ```no_run
/// # async fn run() -> Result<(), wawp::Error> {
/// let client = wawp::Client::from_env()?;
/// let phone: wawp::PhoneNumber = "+201234567890".parse()?;
/// let sent = client.send_otp(&phone).await?;
/// println!("sent job {}, valid for {:?}", sent.job_id, sent.expires_in);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    pub(crate) instance_id: String,
    pub(crate) access_token: SecretString,
    pub(crate) transport: Transport,
    pub(crate) retry: RetryPolicy,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("instance_id", &self.inner.instance_id)
            .field("access_token", &"[redacted]")
            .field("transport", &self.inner.transport)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
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
    /// [`Error::MissingEnv`] for a missing or empty variable,
    /// [`Error::Config`] for an invalid value.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// Sends a one-time password to `phone` over WhatsApp.
    ///
    /// Set the language and a footer on the returned request, then
    /// `.await` it. Wawp allows one code per recipient every 60 seconds
    /// ([`Error::SendCooldown`]).
    pub fn send_otp(&self, phone: &PhoneNumber) -> SendOtp<'_> {
        SendOtp::new(self, phone.clone())
    }

    /// Checks `code`, the 6 digits `phone` received. Surrounding
    /// whitespace is ignored.
    ///
    /// `.await` the returned request. Each verify that reaches Wawp uses
    /// one of the recipient's 5 attempts, so it is never retried once sent.
    /// A wrong or expired code is an error ([`Error::Rejected`], usually
    /// status 400); too many give [`Error::VerifyLockedOut`].
    pub fn verify_otp(&self, phone: &PhoneNumber, code: impl Into<String>) -> VerifyOtp<'_> {
        VerifyOtp::new(self, phone.clone(), code.into())
    }

    /// The generated low-level client, sharing this client's connection
    /// pool, base URL and timeouts (and, with [`Transport::Post`], the
    /// bearer header). Its errors and `Debug` output are not sanitized:
    /// with the query operations they contain the URL and so the token.
    pub fn raw(&self) -> wawp_openapi::Client {
        wawp_openapi::Client::new_with_client(
            &self.inner.base_url,
            self.inner.http.clone(),
            Default::default(),
        )
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
    }
}
