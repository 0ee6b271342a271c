//! The HTTP side of a client: the base URL check and the reqwest client
//! this crate sets up.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use url::{Host, Url};

use crate::BuildError;

const USER_AGENT: &str = concat!("wawp-rs/", env!("CARGO_PKG_VERSION"));

/// The client this crate sets up: its TLS provider, https only (except
/// loopback), no redirects, no proxy for loopback, timeouts.
pub(crate) fn http_client(
    timeout: Duration,
    connect_timeout: Duration,
    bearer: Option<HeaderValue>,
    loopback: bool,
) -> Result<reqwest::Client, String> {
    let mut headers = HeaderMap::new();
    if let Some(bearer) = bearer {
        headers.insert(AUTHORIZATION, bearer);
    }
    let mut builder = reqwest::Client::builder()
        .tls_backend_preconfigured(crate::tls::client_config()?)
        .user_agent(USER_AGENT)
        .default_headers(headers)
        .timeout(timeout)
        .connect_timeout(connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .https_only(!loopback);
    if loopback {
        // Plain http with a bearer header must never reach a proxy.
        builder = builder.no_proxy();
    }
    builder.build().map_err(crate::response::describe_reqwest)
}

/// Validates a base URL; returns it without trailing slash, and whether
/// its host is loopback.
pub(crate) fn parse_base_url(raw: &str) -> Result<(String, bool), BuildError> {
    let config = |message: &str| BuildError::Config {
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
    use crate::client::DEFAULT_BASE_URL;

    use crate::test_support::{builder, config_message};

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
}
