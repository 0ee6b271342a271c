//! Client configuration: [`ClientBuilder`].

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::client::{Client, Inner};
use crate::http::{http_client, parse_base_url};
use crate::{BuildError, MAX_BODY_BYTES, RetryPolicy, Transport};

/// Wawp's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.wawp.net";

/// The default total timeout of one attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The default timeout for opening a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Builds a [`Client`]. Start with [`Client::builder`] or
/// [`ClientBuilder::from_env`].
///
/// ```
/// use std::time::Duration;
/// use wawp::{Client, RetryPolicy, client::Transport};
///
/// let client = Client::builder()
///     .instance_id("MY_INSTANCE")
///     .access_token("my-secret-token")
///     .timeout(Duration::from_secs(10))
///     .retry(RetryPolicy::default().with_max_attempts(2))
///     .build()?;
/// assert!(!format!("{client:?}").contains("my-secret-token"));
///
/// // Plain http is refused unless the host is loopback:
/// let err = Client::builder()
///     .instance_id("MY_INSTANCE")
///     .access_token("my-secret-token")
///     .base_url("http://api.example.com")
///     .build()
///     .unwrap_err();
/// assert!(matches!(err, wawp::error::BuildError::Config { .. }));
/// # let _ = Transport::Post;
/// # Ok::<(), wawp::error::BuildError>(())
/// ```
///
/// # Proxies
///
/// A loopback base URL (a local sandbox) never goes through a proxy, so
/// credentials sent over plain http cannot reach one. For an `https` base
/// URL (the real API) the proxy settings of the environment are honoured:
/// `HTTPS_PROXY` (or `ALL_PROXY`) is used as a `CONNECT` tunnel, through
/// which TLS runs end to end, so the proxy sees the host name only, never
/// the token, the number or the code; `NO_PROXY` applies. `HTTP_PROXY`
/// only concerns `http` URLs, i.e. none that reach a proxy.
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until .build() is called"]
pub struct ClientBuilder {
    instance_id: Option<String>,
    access_token: Option<SecretString>,
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    transport: Transport,
    retry: RetryPolicy,
    #[cfg(feature = "raw")]
    http: Option<reqwest::Client>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            instance_id: None,
            access_token: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            transport: Transport::default(),
            retry: RetryPolicy::default(),
            #[cfg(feature = "raw")]
            http: None,
        }
    }
}

impl ClientBuilder {
    /// A builder with the defaults and no credentials.
    pub fn new() -> Self {
        ClientBuilder::default()
    }

    /// A builder with credentials from the environment:
    /// `WAWP_INSTANCE_ID` and `WAWP_ACCESS_TOKEN` (required) and
    /// `WAWP_BASE_URL` (optional). A variable that is set but empty counts
    /// as missing.
    ///
    /// # Errors
    ///
    /// [`BuildError::MissingEnv`] naming the first missing variable,
    /// [`BuildError::Config`] for a value that is not valid UTF-8.
    pub fn from_env() -> Result<Self, BuildError> {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    pub(crate) fn from_lookup(
        lookup: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Self, BuildError> {
        let get = |name: &'static str| -> Result<Option<String>, BuildError> {
            match lookup(name) {
                None => Ok(None),
                Some(value) => match value.into_string() {
                    Ok(s) if s.trim().is_empty() => Ok(None),
                    Ok(s) => Ok(Some(s)),
                    Err(_) => Err(BuildError::Config {
                        message: format!("{name} is not valid UTF-8"),
                    }),
                },
            }
        };
        let instance_id = get("WAWP_INSTANCE_ID")?.ok_or(BuildError::MissingEnv {
            name: "WAWP_INSTANCE_ID",
        })?;
        let access_token = get("WAWP_ACCESS_TOKEN")?.ok_or(BuildError::MissingEnv {
            name: "WAWP_ACCESS_TOKEN",
        })?;
        let mut builder = ClientBuilder::new()
            .instance_id(instance_id)
            .access_token(access_token);
        if let Some(base_url) = get("WAWP_BASE_URL")? {
            builder = builder.base_url(base_url);
        }
        Ok(builder)
    }

    /// Your Wawp instance ID (required).
    pub fn instance_id(mut self, instance_id: impl Into<String>) -> Self {
        self.instance_id = Some(instance_id.into());
        self
    }

    /// Your Wawp access token (required): a `&str`, a `String` or a
    /// [`secrecy::SecretString`]. Kept in a `SecretString`, so `Debug`
    /// never shows it.
    pub fn access_token(mut self, access_token: impl Into<SecretString>) -> Self {
        self.access_token = Some(access_token.into());
        self
    }

    /// The API's base URL, default [`DEFAULT_BASE_URL`]. Must be `https`,
    /// except for loopback hosts (`127.0.0.0/8`, `::1`, `localhost`), which
    /// may use plain `http` (local sandboxes and tests). A path prefix is
    /// kept; a trailing slash is ignored.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Total time allowed for one attempt, connection included (default
    /// [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed for opening a connection (default
    /// [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How credentials travel (default [`Transport::Post`]).
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }

    /// When to retry, and the deadline of a whole call (default
    /// [`RetryPolicy::default`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Uses your own `reqwest` 0.13 client instead of the one this builder
    /// would set up; `timeout` and `connect_timeout` are then yours to set
    /// on it. With [`Transport::Post`] the access token then travels in
    /// the JSON body (Wawp accepts it there) instead of a bearer header, so
    /// it is still never in a URL.
    ///
    /// **This drops guarantees this crate otherwise gives**, because they
    /// are settings of the client it builds:
    /// - *https only*: plain http is refused for remote hosts only through
    ///   the base URL check; your client may still follow a redirect to
    ///   http unless you forbid it;
    /// - *no redirects*: a redirect could carry the request (and the
    ///   bearer header, depending on your policy) elsewhere;
    /// - *no proxy on loopback*: your client's proxy settings apply, even
    ///   for a plain-http sandbox;
    /// - *the TLS provider* chosen by this crate's features;
    /// - *timeouts*: without your own, a call is bounded by the
    ///   [`RetryPolicy::deadline`] only.
    ///
    /// The body cap, scrubbing of server text and the retry rules still
    /// apply. Only with the `raw` feature (outside the semver promise).
    #[cfg(feature = "raw")]
    pub fn with_reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Checks the configuration and builds the client with its own
    /// connection pool.
    ///
    /// # Errors
    ///
    /// [`BuildError::Config`] when a credential is missing or unusable, the
    /// base URL is invalid or not `https` for a remote host, a timeout is
    /// zero, or TLS cannot be set up.
    pub fn build(self) -> Result<Client, BuildError> {
        let config = |message: &str| BuildError::Config {
            message: message.to_owned(),
        };
        let instance_id = self
            .instance_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                config("the instance ID is missing: call .instance_id(..) or set WAWP_INSTANCE_ID")
            })?
            .to_owned();
        if instance_id.chars().any(char::is_control) {
            return Err(config("the instance ID contains control characters"));
        }
        let access_token = self
            .access_token
            .as_ref()
            .map(|t| t.expose_secret().trim())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                config(
                    "the access token is missing: call .access_token(..) or set WAWP_ACCESS_TOKEN",
                )
            })?;
        let mut bearer =
            HeaderValue::from_str(&format!("Bearer {access_token}")).map_err(|_| {
                config("the access token contains characters that cannot be sent in an HTTP header")
            })?;
        bearer.set_sensitive(true);
        let access_token = SecretString::from(access_token.to_owned());

        let (base_url, loopback) = parse_base_url(&self.base_url)?;
        if self.timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(config("timeouts must be greater than zero"));
        }

        let bearer = (self.transport == Transport::Post).then_some(bearer);
        #[cfg(feature = "raw")]
        let own = self.http.clone();
        #[cfg(not(feature = "raw"))]
        let own: Option<reqwest::Client> = None;
        let token_in_body = own.is_some() && bearer.is_some();
        // A caller's client has timeouts of its own (or none): the deadline
        // then always needs a timer of ours.
        let attempt_timeout = if own.is_some() {
            Duration::MAX
        } else {
            self.timeout
        };
        let http = match own {
            Some(client) => client,
            None => http_client(self.timeout, self.connect_timeout, bearer, loopback).map_err(
                |message| BuildError::Config {
                    message: format!("the HTTP client could not be set up: {message}"),
                },
            )?,
        };

        let settings = wawp_openapi::Settings::default().with_body_limit(MAX_BODY_BYTES as u64);
        let raw = wawp_openapi::Client::new_with_client(&base_url, http, settings);
        Ok(Client {
            inner: Arc::new(Inner {
                raw,
                token_in_body,
                base_url,
                instance_id,
                access_token,
                transport: self.transport,
                retry: self.retry,
                timeout: attempt_timeout,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    use crate::test_support::{builder, config_message};

    #[test]
    fn missing_or_blank_credentials_are_config_errors() {
        let message = config_message(ClientBuilder::new().access_token("t").build());
        assert!(message.contains("instance ID"), "{message}");
        let message = config_message(ClientBuilder::new().instance_id("i").build());
        assert!(message.contains("access token"), "{message}");
        let message = config_message(
            ClientBuilder::new()
                .instance_id("i")
                .access_token("  ")
                .build(),
        );
        assert!(message.contains("access token"), "{message}");
        let message = config_message(
            ClientBuilder::new()
                .instance_id("i")
                .access_token("bad\ntoken")
                .build(),
        );
        assert!(message.contains("HTTP header"), "{message}");
        assert!(!message.contains("bad\ntoken"));
    }

    #[test]
    fn zero_timeouts_are_refused() {
        let message = config_message(builder().timeout(Duration::ZERO).build());
        assert!(message.contains("timeout"), "{message}");
    }

    #[test]
    fn env_lookup_requires_both_credentials() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsString::from(*v))
            }
        };
        let err = ClientBuilder::from_lookup(env(&[])).unwrap_err();
        assert_eq!(
            err,
            BuildError::MissingEnv {
                name: "WAWP_INSTANCE_ID"
            }
        );
        let err = ClientBuilder::from_lookup(env(&[("WAWP_INSTANCE_ID", "i")])).unwrap_err();
        assert_eq!(
            err,
            BuildError::MissingEnv {
                name: "WAWP_ACCESS_TOKEN"
            }
        );
        let err = ClientBuilder::from_lookup(env(&[
            ("WAWP_INSTANCE_ID", "i"),
            ("WAWP_ACCESS_TOKEN", ""),
        ]))
        .unwrap_err();
        assert_eq!(
            err,
            BuildError::MissingEnv {
                name: "WAWP_ACCESS_TOKEN"
            }
        );
        let builder = ClientBuilder::from_lookup(env(&[
            ("WAWP_INSTANCE_ID", "i"),
            ("WAWP_ACCESS_TOKEN", "t"),
            ("WAWP_BASE_URL", "http://127.0.0.1:1"),
        ]))
        .unwrap();
        assert_eq!(builder.base_url, "http://127.0.0.1:1");
        let builder = ClientBuilder::from_lookup(env(&[
            ("WAWP_INSTANCE_ID", "i"),
            ("WAWP_ACCESS_TOKEN", "t"),
        ]))
        .unwrap();
        assert_eq!(builder.base_url, DEFAULT_BASE_URL);
    }

    #[test]
    fn debug_redacts_the_token() {
        let builder = builder();
        let debug = format!("{builder:?}");
        assert!(!debug.contains("secret-token-123"), "{debug}");
        assert!(debug.contains("REDACTED"), "{debug}");
        let client = builder.build().unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains("secret-token-123"), "{debug}");
    }
}
