//! The `value_parser`s: each turns text (from a flag, the environment or the
//! config file) into a typed value, or says what is wrong WITHOUT repeating
//! the text, which may be a secret pasted into the wrong setting.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::num::NonZeroU32;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use secrecy::SecretString;

use crate::store::StoreTarget;

/// The reason given when a path or URL setting holds what looks like a
/// secret (the value itself is never shown).
pub const LOOKS_LIKE_A_SECRET: &str = "it looks like a token or password, not a path or URL: put the secret in its own setting and give the path or URL here";

/// `true` for text that holds a Telegram bot token (`123:ABC…`, 30 or more
/// characters after the colon) or a long random-looking run of letters and
/// digits (32 or more, mixing upper case, lower case and digits, or hex
/// digits with both letters and digits): a secret pasted where a path or URL
/// belongs.
pub fn looks_like_secret(text: &str) -> bool {
    holds_bot_token(text)
        || text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(random_looking)
}

/// A Telegram bot token anywhere in `text`: digits, `:`, 30+ of `A-Za-z0-9_-`.
pub fn holds_bot_token(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        b == b':'
            && i > 0
            && bytes[i - 1].is_ascii_digit()
            && bytes[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b == b'-')
                .count()
                >= 30
    })
}

fn random_looking(run: &str) -> bool {
    if run.len() < 32 {
        return false;
    }
    let has = |f: fn(&u8) -> bool| run.as_bytes().iter().any(f);
    let (upper, lower, digit) = (
        has(u8::is_ascii_uppercase),
        has(u8::is_ascii_lowercase),
        has(u8::is_ascii_digit),
    );
    let hex = run.bytes().all(|b| b.is_ascii_hexdigit());
    let mut distinct: Vec<u8> = run.bytes().collect();
    distinct.sort_unstable();
    distinct.dedup();
    distinct.len() >= 10 && ((upper && lower && digit) || (hex && digit && (upper || lower)))
}

/// `WAWP_BOT_ADMINS`: Telegram user ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admins(pub BTreeSet<u64>);

/// Comma-separated Telegram user ids; at least one.
pub fn admins(text: &str) -> Result<Admins, String> {
    let items: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let mut ids = BTreeSet::new();
    for (n, item) in items.iter().enumerate() {
        match item.parse::<u64>() {
            Ok(id) if id > 0 => {
                ids.insert(id);
            }
            _ => {
                return Err(format!(
                    "item {} of {} is not a Telegram user id: give numbers separated by commas (send /whoami to the bot to learn yours)",
                    n + 1,
                    items.len()
                ));
            }
        }
    }
    if ids.is_empty() {
        return Err("it lists no user id: give the admins' Telegram user ids separated by commas (send /whoami to the bot to learn yours)".into());
    }
    Ok(Admins(ids))
}

/// A bot token: digits, a colon, then letters, digits, `-` and `_`.
pub fn bot_token(text: &str) -> Result<SecretString, String> {
    let token = text.trim();
    let valid = match token.split_once(':') {
        Some((id, secret)) => {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && !secret.is_empty()
                && secret
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }
        None => false,
    };
    if !valid {
        return Err("it does not look like a bot token (digits, a colon, then letters, digits, - and _); copy it again from @BotFather".into());
    }
    Ok(SecretString::from(token.to_owned()))
}

/// Any non-empty secret.
pub fn secret(text: &str) -> Result<SecretString, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("it is empty".into());
    }
    Ok(SecretString::from(text.to_owned()))
}

/// Any non-empty text.
pub fn non_empty(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("it is empty".into());
    }
    Ok(text.to_owned())
}

/// An `http://` or `https://` URL, not a pasted secret.
pub fn http_url(text: &str) -> Result<url::Url, String> {
    if looks_like_secret(text) {
        return Err(LOOKS_LIKE_A_SECRET.into());
    }
    http_url_unchecked(text)
}

fn http_url_unchecked(text: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(text.trim())
        .map_err(|e| format!("{e}; give a full URL such as https://example.com"))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err("use an http:// or https:// URL such as https://example.com".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL must not hold a user name or password".into());
    }
    Ok(url)
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(host)) => host == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The public webhook URL: https on one of Telegram's ports (443, 80, 88,
/// 8443). A loopback URL (a test against a fake Bot API) may be plain http
/// on any port.
pub fn webhook_url(text: &str) -> Result<url::Url, String> {
    // Its path may well be random (a secret path): only a bot token is refused.
    if holds_bot_token(text) {
        return Err(LOOKS_LIKE_A_SECRET.into());
    }
    let url = http_url_unchecked(text)?;
    if is_loopback(&url) {
        return Ok(url);
    }
    if url.scheme() != "https" {
        return Err("Telegram only calls https:// webhook URLs".into());
    }
    let port = url.port_or_known_default().unwrap_or(443);
    if ![443, 80, 88, 8443].contains(&port) {
        return Err(format!(
            "Telegram only calls webhooks on ports 443, 80, 88 and 8443, not {port}"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("give the URL without a query or fragment".into());
    }
    Ok(url)
}

/// Telegram's `secret_token`: 1-256 characters of `A-Z a-z 0-9 _ -`.
pub fn webhook_secret(text: &str) -> Result<SecretString, String> {
    let len = text.chars().count();
    if !(1..=256).contains(&len) {
        return Err(format!(
            "it has {len} characters; Telegram accepts 1 to 256"
        ));
    }
    if !text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err("use only A-Z, a-z, 0-9, _ and - (Telegram's rule)".into());
    }
    Ok(SecretString::from(text.to_owned()))
}

/// `HOST:PORT` with an IP address, e.g. `127.0.0.1:9090` or `[::1]:9090`.
pub fn socket_addr(text: &str) -> Result<SocketAddr, String> {
    text.trim()
        .parse()
        .map_err(|_| "give an IP address and port such as 127.0.0.1:9090".to_owned())
}

/// The store: a SQLite path or a `postgres://` URL.
pub fn store_target(text: &str) -> Result<StoreTarget, String> {
    let target = StoreTarget::parse(text)?;
    // A PostgreSQL URL holds a password by design; a file path never a secret.
    if matches!(target, StoreTarget::Sqlite(_)) && looks_like_secret(text) {
        return Err(LOOKS_LIKE_A_SECRET.into());
    }
    Ok(target)
}

/// The `--config` path.
pub fn config_path(text: &str) -> Result<std::path::PathBuf, String> {
    if looks_like_secret(text) {
        return Err(LOOKS_LIKE_A_SECRET.into());
    }
    Ok(std::path::PathBuf::from(text))
}

fn number(text: &str, unit: &str, range: std::ops::RangeInclusive<u64>) -> Result<u64, String> {
    let value: u64 = text
        .trim()
        .parse()
        .map_err(|_| format!("it is not a whole number of {unit}"))?;
    if !range.contains(&value) {
        return Err(format!(
            "it is out of range: use {} to {} {unit}",
            range.start(),
            range.end()
        ));
    }
    Ok(value)
}

/// Sends per admin per minute, 1 to 10,000.
pub fn send_limit(text: &str) -> Result<NonZeroU32, String> {
    let n = number(text, "sends per admin per minute", 1..=10_000)?;
    Ok(NonZeroU32::new(n as u32).unwrap_or(NonZeroU32::MIN))
}

/// Replies per second, 1 to 1,000.
pub fn reply_rate(text: &str) -> Result<NonZeroU32, String> {
    let n = number(text, "replies per second", 1..=1_000)?;
    Ok(NonZeroU32::new(n as u32).unwrap_or(NonZeroU32::MIN))
}

/// Seconds, 1 to 86,400.
pub fn max_update_age(text: &str) -> Result<u64, String> {
    number(text, "seconds", 1..=86_400)
}

/// Seconds, 1 to 3,600.
pub fn shutdown_timeout(text: &str) -> Result<u64, String> {
    number(text, "seconds", 1..=3_600)
}

/// Days, 1 to 36,500.
pub fn retention_days(text: &str) -> Result<u32, String> {
    Ok(number(text, "days", 1..=36_500)? as u32)
}

/// `2026-01-31` (UTC midnight) or an RFC 3339 time, in the years 1970 to
/// 9999 (`--since`, `--until`).
pub fn since(text: &str) -> Result<DateTime<Utc>, String> {
    const HINT: &str = "give a date such as 2026-01-31 or a time such as 2026-01-31T12:00:00Z (years 1970 to 9999)";
    let text = text.trim();
    // Exactly four digits of year: chrono would also take `+10000-01-01`.
    let shaped = text.len() >= 10
        && text.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && text.as_bytes()[4] == b'-';
    if !shaped {
        return Err(HINT.into());
    }
    let at = if text.len() == 10 {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(|date| date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
            .map_err(|_| HINT.to_owned())?
    } else {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| HINT.to_owned())?
    };
    if !(1970..=9999).contains(&at.year()) {
        return Err(HINT.into());
    }
    Ok(at)
}
