//! Reading answers: short messages from JSON, text or HTML bodies, and
//! `Retry-After`. Messages come out whole: scrub them (`scrub.rs`), then
//! [`truncate`].

use std::time::{Duration, SystemTime};

use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use serde_json::Value;

/// Longest message kept from a body, in characters.
const MAX_MESSAGE_CHARS: usize = 200;

/// The single-line message of an error body, if it has one (not truncated).
pub(crate) fn summarize(body: &[u8], headers: &HeaderMap) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(json) = serde_json::from_str::<Value>(text) {
        return json_message(&json).or_else(|| clean(text));
    }
    let html = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("html"))
        || text.starts_with('<');
    if html {
        html_summary(text)
    } else {
        clean(text)
    }
}

/// The message of a JSON error body: `message`, `error` (string, or object
/// with `message`), `detail`, then `code`.
pub(crate) fn json_message(json: &Value) -> Option<String> {
    let string = |v: &Value| v.as_str().and_then(clean);
    string(&json["message"])
        .or_else(|| string(&json["error"]))
        .or_else(|| string(&json["error"]["message"]))
        .or_else(|| string(&json["detail"]))
        .or_else(|| string(&json["code"]))
}

/// The `<title>`, else the first `<h1>`, else the text of an HTML page.
fn html_summary(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let element = |name: &str| {
        let open = lower.find(&format!("<{name}"))?;
        let start = open + lower[open..].find('>')? + 1;
        let end = start + lower[start..].find(&format!("</{name}"))?;
        clean(&decode_entities(&strip_tags(&html[start..end])))
    };
    element("title")
        .or_else(|| element("h1"))
        .or_else(|| clean(&decode_entities(&strip_tags(&without_scripts(html)))))
}

fn without_scripts(html: &str) -> String {
    let mut out = html.to_owned();
    for name in ["script", "style"] {
        loop {
            let lower = out.to_ascii_lowercase();
            let Some(start) = lower.find(&format!("<{name}")) else {
                break;
            };
            let close = format!("</{name}>");
            let end = lower[start..]
                .find(&close)
                .map_or(out.len(), |i| start + i + close.len());
            out.replace_range(start..end, " ");
        }
    }
    out
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn decode_entities(text: &str) -> String {
    text.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// One line, whitespace and control characters collapsed; `None` if
/// nothing is left.
fn clean(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len().min(4096));
    for word in text.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    (!out.is_empty()).then_some(out)
}

/// At most [`MAX_MESSAGE_CHARS`] characters, with `…` when cut. Only for
/// text that was already scrubbed.
pub(crate) fn truncate(mut text: String) -> String {
    if let Some((cut, _)) = text.char_indices().nth(MAX_MESSAGE_CHARS) {
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// `Retry-After` as delta-seconds or HTTP-date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(content_type: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
        h
    }

    #[test]
    fn json_bodies_give_their_message_field() {
        let h = headers("application/json");
        let s = |b: &str| summarize(b.as_bytes(), &h);
        assert_eq!(
            s(r#"{"code":"invalid_code","message":"The code is incorrect"}"#).as_deref(),
            Some("The code is incorrect")
        );
        assert_eq!(s(r#"{"error":"bad token"}"#).as_deref(), Some("bad token"));
        assert_eq!(
            s(r#"{"error":{"message":"nested"}}"#).as_deref(),
            Some("nested")
        );
        assert_eq!(
            s(r#"{"code":"invalid_code"}"#).as_deref(),
            Some("invalid_code")
        );
        assert_eq!(s(r#"{"x":1}"#).as_deref(), Some(r#"{"x":1}"#));
        assert_eq!(s("  "), None);
    }

    #[test]
    fn text_is_one_trimmed_line_and_truncated() {
        let h = headers("text/plain");
        assert_eq!(
            summarize(b"  Invalid\r\n access_token \t ", &h).as_deref(),
            Some("Invalid access_token")
        );
        let long = truncate(summarize("é".repeat(500).as_bytes(), &h).unwrap());
        assert_eq!(long.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(long.ends_with('…'));
        assert_eq!(truncate("short".to_owned()), "short");
    }

    #[test]
    fn html_is_reduced_to_its_title_or_text() {
        let nginx = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
        assert_eq!(
            summarize(nginx.as_bytes(), &headers("text/html")).as_deref(),
            Some("502 Bad Gateway")
        );
        let h1 = "<!DOCTYPE html><body><h1 class=x>Service &amp; co down</h1></body>";
        assert_eq!(
            summarize(h1.as_bytes(), &HeaderMap::new()).as_deref(),
            Some("Service & co down")
        );
        let plain = "<div><script>var x = 1;</script><p>Try  later</p></div>";
        assert_eq!(
            summarize(plain.as_bytes(), &headers("text/html; charset=utf-8")).as_deref(),
            Some("Try later")
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("42"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(42)));
        let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        h.insert(RETRY_AFTER, HeaderValue::from_str(&date).unwrap());
        let wait = retry_after(&h).unwrap();
        assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }
}
