//! Client configuration: [`ClientBuilder`] and [`Transport`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use url::{Host, Url};

use crate::client::{Client, Inner};
use crate::{Error, RetryPolicy};

/// Wawp's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.wawp.net";

/// The default total timeout of one attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The default timeout for opening a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

const USER_AGENT: &str = concat!("wawp-rs/", env!("CARGO_PKG_VERSION"));

/// How credentials and fields travel to Wawp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Transport {
    /// `POST` with a JSON body and the token in an `Authorization: Bearer`
    /// header (marked sensitive). The token never appears in a URL.
    #[default]
    Post,
    /// `GET` with every field, the access token included, in the query
    /// string, as in Wawp's own samples. Tokens in URLs end up in proxy and
    /// server logs: use this only when something in between requires it.
    /// This client still keeps the URL out of its errors and traces.
    Query,
}

impl Transport {
    /// `"post"` or `"query"`, as recorded in traces.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Post => "post",
            Transport::Query => "query",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Builds a [`Client`]. Start with [`Client::builder`] or
/// [`ClientBuilder::from_env`].
///
/// ```
/// use std::time::Duration;
/// use wawp::{Client, RetryPolicy, Transport};
///
/// let client = Client::builder()
///     .instance_id("MY_INSTANCE")
///     .access_token("my-secret-token")
///     .timeout(Duration::from_secs(10))
///     .retry(RetryPolicy::default().max_attempts(2))
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
/// assert_eq!(err.kind(), wawp::ErrorKind::Config);
/// # let _ = Transport::Post;
/// # Ok::<(), wawp::Error>(())
/// ```
#[derive(Clone)]
#[must_use = "a builder does nothing until .build() is called"]
pub struct ClientBuilder {
    instance_id: Option<String>,
    access_token: Option<SecretString>,
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    transport: Transport,
    retry: RetryPolicy,
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
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("instance_id", &self.instance_id)
            .field(
                "access_token",
                &self.access_token.as_ref().map(|_| "[redacted]"),
            )
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("transport", &self.transport)
            .field("retry", &self.retry)
            .finish()
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
    /// [`Error::MissingEnv`] naming the first missing variable,
    /// [`Error::Config`] for a value that is not valid UTF-8.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    pub(crate) fn from_lookup(
        lookup: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Self, Error> {
        let get = |name: &'static str| -> Result<Option<String>, Error> {
            match lookup(name) {
                None => Ok(None),
                Some(value) => match value.into_string() {
                    Ok(s) if s.trim().is_empty() => Ok(None),
                    Ok(s) => Ok(Some(s)),
                    Err(_) => Err(Error::Config {
                        message: format!("{name} is not valid UTF-8"),
                    }),
                },
            }
        };
        let instance_id = get("WAWP_INSTANCE_ID")?.ok_or(Error::MissingEnv {
            name: "WAWP_INSTANCE_ID",
        })?;
        let access_token = get("WAWP_ACCESS_TOKEN")?.ok_or(Error::MissingEnv {
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

    /// Your Wawp access token (required). Kept in a
    /// [`secrecy::SecretString`] and never shown by `Debug`.
    pub fn access_token(mut self, access_token: impl Into<String>) -> Self {
        self.access_token = Some(SecretString::from(access_token.into()));
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

    /// When to retry (default [`RetryPolicy::default`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Checks the configuration and builds the client with its own
    /// connection pool.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when a credential is missing or unusable, the base
    /// URL is invalid or not `https` for a remote host, or a timeout is zero.
    pub fn build(self) -> Result<Client, Error> {
        let config = |message: &str| Error::Config {
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

        let mut headers = HeaderMap::new();
        if self.transport == Transport::Post {
            headers.insert(AUTHORIZATION, bearer);
        }
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .default_headers(headers)
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .https_only(!loopback)
            .build()
            .map_err(|e| Error::Config {
                message: format!(
                    "the HTTP client could not be set up: {}",
                    crate::call::describe_reqwest(e, None)
                ),
            })?;

        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                instance_id,
                access_token,
                transport: self.transport,
                retry: self.retry,
            }),
        })
    }
}

/// Validates a base URL; returns it without trailing slash, and whether
/// its host is loopback.
fn parse_base_url(raw: &str) -> Result<(String, bool), Error> {
    let config = |message: &str| Error::Config {
        message: format!("base URL: {message}"),
    };
    let url = Url::parse(raw.trim()).map_err(|e| {
        config(&format!(
            "not a valid URL ({e}); use the form https://api.wawp.net"
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(config(
            "must not contain credentials; pass the token with .access_token(..)",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(config("must not have a query string or fragment"));
    }
    let loopback = match url.host() {
        Some(Host::Domain(domain)) => {
            domain.eq_ignore_ascii_case("localhost") || domain.eq_ignore_ascii_case("localhost.")
        }
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(config("has no host; use the form https://api.wawp.net")),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(config(
                "must use https:// (plain http is only allowed for loopback hosts: 127.0.0.0/8, ::1, localhost)",
            ));
        }
        _ => return Err(config("must start with https://")),
    }
    Ok((url.as_str().trim_end_matches('/').to_owned(), loopback))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn builder() -> ClientBuilder {
        ClientBuilder::new()
            .instance_id("INSTANCE")
            .access_token("secret-token-123")
    }

    fn config_message(result: Result<Client, Error>) -> String {
        match result {
            Err(Error::Config { message }) => message,
            other => panic!("expected Error::Config, got {other:?}"),
        }
    }

    #[test]
    fn https_is_required_except_for_loopback() {
        for ok in [
            "https://api.wawp.net",
            "https://api.wawp.net/",
            "http://127.0.0.1:8080",
            "http://127.3.4.5",
            "http://[::1]:9000",
            "http://localhost:3000/prefix/",
            "http://LOCALHOST",
        ] {
            builder()
                .base_url(ok)
                .build()
                .unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in [
            "http://api.wawp.net",
            "http://10.0.0.1",
            "http://localhost.evil.com",
            "ftp://api.wawp.net",
        ] {
            let message = config_message(builder().base_url(bad).build());
            assert!(message.contains("https://"), "{bad}: {message}");
        }
    }

    #[test]
    fn base_url_is_normalised_and_keeps_its_prefix() {
        assert_eq!(
            parse_base_url("http://localhost:3000/prefix/").unwrap(),
            ("http://localhost:3000/prefix".to_owned(), true)
        );
        assert_eq!(
            parse_base_url(DEFAULT_BASE_URL).unwrap(),
            ("https://api.wawp.net".to_owned(), false)
        );
    }

    #[test]
    fn base_url_errors_say_what_to_fix_without_echoing_secrets() {
        let message = config_message(
            builder()
                .base_url("https://user:hunter2@api.wawp.net")
                .build(),
        );
        assert!(message.contains("credentials"), "{message}");
        assert!(!message.contains("hunter2"));
        let message = config_message(builder().base_url("https://api.wawp.net/?x=1").build());
        assert!(message.contains("query"), "{message}");
        let message = config_message(builder().base_url("not a url").build());
        assert!(message.contains("https://api.wawp.net"), "{message}");
    }

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
            Error::MissingEnv {
                name: "WAWP_INSTANCE_ID"
            }
        );
        let err = ClientBuilder::from_lookup(env(&[("WAWP_INSTANCE_ID", "i")])).unwrap_err();
        assert_eq!(
            err,
            Error::MissingEnv {
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
            Error::MissingEnv {
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
        assert!(debug.contains("[redacted]"), "{debug}");
        let client = builder.build().unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains("secret-token-123"), "{debug}");
    }
}
