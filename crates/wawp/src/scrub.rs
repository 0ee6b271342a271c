//! Removing what must never leave the client from server-provided and
//! network-library text: the access token, the code being verified and the
//! full recipient number.

use std::borrow::Cow;

use crate::PhoneNumber;

/// What replaces a whole message that still held a secret in a form the
/// replacements below could not isolate (e.g. a token split by markup).
pub(crate) const WITHHELD: &str = "[message withheld: it repeated a secret]";

/// Characters that may separate the digits of a written phone number.
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '(' | ')' | '+' | '/' | '\u{a0}')
}

/// Scrubs one call's secrets out of text.
pub(crate) struct Redactor<'a> {
    pub(crate) token: &'a str,
    pub(crate) code: Option<&'a str>,
    pub(crate) phone: &'a PhoneNumber,
}

impl Redactor<'_> {
    /// The text with the token, the code and the number replaced. Runs on
    /// the whole text: truncate only afterwards, or a secret cut in half
    /// survives as a prefix.
    pub(crate) fn scrub(&self, text: &str) -> String {
        // A token echoed from a URL is percent-encoded (`tok%2B…`).
        let text: Cow<'_, str> = if text.contains('%') {
            percent_encoding::percent_decode_str(text).decode_utf8_lossy()
        } else {
            Cow::Borrowed(text)
        };
        // Very short values would mangle ordinary words and are not worth
        // hiding; real tokens are long.
        let text = if self.token.len() >= 4 && text.contains(self.token) {
            Cow::Owned(text.replace(self.token, "[redacted]"))
        } else {
            text
        };
        let text = self.scrub_digit_runs(text);
        if self.still_holds_a_secret(&text) {
            return WITHHELD.to_owned();
        }
        text.into_owned()
    }

    /// Replaces each run of digits and separators that holds the number
    /// (or the code). Text without a digit comes back as it was, unread
    /// twice and uncopied: the common case of a server message.
    fn scrub_digit_runs<'t>(&self, text: Cow<'t, str>) -> Cow<'t, str> {
        if !text.bytes().any(|b| b.is_ascii_digit()) {
            return text;
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = &*text;
        while let Some(start) = rest.find(|c: char| c.is_ascii_digit() || c == '+' || c == '(') {
            let run_len = rest[start..]
                .find(|c: char| !(c.is_ascii_digit() || is_separator(c)))
                .unwrap_or(rest.len() - start);
            let run = &rest[start..start + run_len];
            // Separators after the last digit are not part of the number.
            let end = run.rfind(|c: char| c.is_ascii_digit()).map_or(0, |i| i + 1);
            let (number, tail) = run.split_at(end);
            out.push_str(&rest[..start]);
            out.push_str(&self.replace_number(number));
            out.push_str(tail);
            rest = &rest[start + run_len..];
            if run_len == 0 {
                // A lone '+' or '(' not followed by a digit: step over it.
                let c = rest.chars().next().unwrap_or_default();
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        out.push_str(rest);
        Cow::Owned(out)
    }

    fn replace_number<'r>(&self, run: &'r str) -> Cow<'r, str> {
        // Too few digits to hold the number or the code: nothing to collect.
        let count = run.bytes().filter(u8::is_ascii_digit).count();
        let shortest = self
            .phone
            .national()
            .len()
            .min(self.code.map_or(usize::MAX, str::len));
        if count < shortest {
            return Cow::Borrowed(run);
        }
        let digits: String = run.chars().filter(char::is_ascii_digit).collect();
        if digits.contains(self.phone.chat_id()) || digits.contains(self.phone.national()) {
            Cow::Owned(self.phone.to_string())
        } else if self.code.is_some_and(|code| digits.contains(code)) {
            Cow::Borrowed("[code]")
        } else {
            Cow::Borrowed(run)
        }
    }

    /// Whether the token survives once whitespace and markup tags are
    /// removed (`tok<b>en</b>`, `tok en`), or the full number survives once
    /// everything but digits is.
    fn still_holds_a_secret(&self, text: &str) -> bool {
        if self.token.len() >= 4 && squeezed(text).contains(self.token) {
            return true;
        }
        let chat_id = self.phone.chat_id();
        if text.bytes().filter(u8::is_ascii_digit).count() < chat_id.len() {
            return false;
        }
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        digits.contains(chat_id)
    }
}

/// The text without markup tags and whitespace; borrowed when it has
/// neither (an identifier such as a `job_id`).
fn squeezed(text: &str) -> Cow<'_, str> {
    if !text
        .bytes()
        .any(|b| b == b'<' || b.is_ascii_whitespace() || !b.is_ascii())
    {
        return Cow::Borrowed(text);
    }
    let mut squeezed = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if in_tag || c.is_whitespace() => {}
            _ => squeezed.push(c),
        }
    }
    Cow::Owned(squeezed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "tok+SECRET/9f8e7d6c5b4a";

    fn scrub(text: &str) -> String {
        let phone: PhoneNumber = "+201234567400".parse().unwrap();
        Redactor {
            token: TOKEN,
            code: Some("482913"),
            phone: &phone,
        }
        .scrub(text)
    }

    #[test]
    fn hides_token_code_and_number() {
        assert_eq!(
            scrub("token tok+SECRET/9f8e7d6c5b4a code 482913 for +201234567400 or 201234567400"),
            "token [redacted] code [code] for +20•••••7400 or +20•••••7400"
        );
    }

    #[test]
    fn hides_a_percent_encoded_token() {
        let text = scrub("bad access_token=tok%2BSECRET%2F9f8e7d6c5b4a here");
        assert_eq!(text, "bad access_token=[redacted] here");
    }

    #[test]
    fn withholds_a_token_split_by_markup() {
        for text in [
            "bad token tok+SECRET<b>/9f8e7d6c5b4a</b>",
            "bad token tok+SECRET /9f8e 7d6c5b4a",
        ] {
            assert_eq!(scrub(text), WITHHELD, "{text}");
        }
    }

    #[test]
    fn hides_numbers_written_with_separators() {
        for (text, expected) in [
            ("to +20 123 456 7400 now", "to +20•••••7400 now"),
            ("to 20-123-456-7400.", "to +20•••••7400."),
            ("to (+20)1234567400!", "to +20•••••7400!"),
            ("to 1234567400 (national)", "to +20•••••7400 (national)"),
            ("code 482 913 sent", "code [code] sent"),
        ] {
            assert_eq!(scrub(text), expected, "{text}");
        }
    }

    #[test]
    fn leaves_other_text_alone() {
        for text in [
            "Rate limit exceeded (60 s)",
            "HTTP 502 + 1",
            "100% done",
            "(a) b",
        ] {
            assert_eq!(scrub(text), text);
        }
    }
}
