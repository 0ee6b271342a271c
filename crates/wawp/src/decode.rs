//! Undoing the encodings a server may wrap text in, before the untrusted
//! text rule (`untrusted.rs`) looks at it: percent-encoding (repeatedly),
//! HTML character references and JSON `\u` escapes.

use std::borrow::Cow;

/// At most this many rounds of decoding (`%2525…` nests one per round).
const ROUNDS: usize = 6;

/// The text with every layer of encoding this module knows undone, up to
/// [`ROUNDS`] nested layers. Decoded control characters stay in: removing
/// them is the caller's next step.
pub(crate) fn decode_all(text: &str) -> Cow<'_, str> {
    if !text.contains(['%', '&', '\\']) {
        return Cow::Borrowed(text);
    }
    let mut text = text.to_owned();
    for _ in 0..ROUNDS {
        let next = json_escapes(&html_entities(&percent(&text)));
        if next == text {
            break;
        }
        text = next;
    }
    Cow::Owned(text)
}

fn percent(text: &str) -> Cow<'_, str> {
    if text.contains('%') {
        percent_encoding::percent_decode_str(text).decode_utf8_lossy()
    } else {
        Cow::Borrowed(text)
    }
}

/// `&#95;`, `&#x5f;` (the `;` optional, as browsers read them) and the
/// common named references.
fn html_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match entity(rest) {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character of the reference at the start of `text`, and its length.
fn entity(text: &str) -> Option<(char, usize)> {
    let Some(body) = text.strip_prefix("&#") else {
        return named(text);
    };
    let (digits, radix, skip) = match body.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16, 3),
        None => (body, 10, 2),
    };
    let len = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len())
        .min(8);
    let value = u32::from_str_radix(digits.get(..len)?, radix).ok()?;
    let c = char::from_u32(value).unwrap_or('\u{FFFD}');
    let semicolon = usize::from(digits[len..].starts_with(';'));
    Some((c, skip + len + semicolon))
}

fn named(text: &str) -> Option<(char, usize)> {
    const NAMES: [(&str, char); 9] = [
        ("&amp;", '&'),
        ("&lt;", '<'),
        ("&gt;", '>'),
        ("&quot;", '"'),
        ("&apos;", '\''),
        ("&nbsp;", ' '),
        ("&shy;", '\u{AD}'),
        ("&zwj;", '\u{200D}'),
        ("&zwnj;", '\u{200C}'),
    ];
    NAMES.iter().find_map(|(name, c)| {
        text.get(..name.len())
            .filter(|head| head.eq_ignore_ascii_case(name))
            .map(|_| (*c, name.len()))
    })
}

/// JSON string escapes (`\u0074`, surrogate pairs, `\n`, `\/`, ...) left in
/// text that was not itself a JSON string.
fn json_escapes(text: &str) -> String {
    if !text.contains('\\') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let simple = match chars.peek() {
            Some('n') => Some('\n'),
            Some('r') => Some('\r'),
            Some('t') => Some('\t'),
            Some('b') => Some('\u{8}'),
            Some('f') => Some('\u{c}'),
            Some('/') => Some('/'),
            Some('"') => Some('"'),
            Some('\\') => Some('\\'),
            _ => None,
        };
        if let Some(simple) = simple {
            chars.next();
            out.push(simple);
            continue;
        }
        let rest: String = chars.clone().take(11).collect();
        match unicode_escape(&rest) {
            Some((decoded, used)) => {
                out.push(decoded);
                for _ in 0..used {
                    chars.next();
                }
            }
            None => out.push('\\'),
        }
    }
    out
}

/// `u0074` or a surrogate pair `ud83d\ude00` at the start of `rest` (the
/// backslash already read): the character and the characters used.
fn unicode_escape(rest: &str) -> Option<(char, usize)> {
    let hex4 = |s: &str| -> Option<u32> {
        let digits = s.strip_prefix(['u', 'U'])?.get(..4)?;
        u32::from_str_radix(digits, 16).ok()
    };
    let first = hex4(rest)?;
    if (0xD800..0xDC00).contains(&first) {
        if let Some(second) = rest
            .get(5..)
            .and_then(|r| r.strip_prefix('\\'))
            .and_then(hex4)
            && (0xDC00..0xE000).contains(&second)
        {
            let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            return Some((char::from_u32(c)?, 11));
        }
        return Some(('\u{FFFD}', 5));
    }
    Some((char::from_u32(first).unwrap_or('\u{FFFD}'), 5))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layer_is_undone() {
        assert_eq!(decode_all("tok%255F1"), "tok_1");
        assert_eq!(
            decode_all("tok&#95;1 &#x74;ok &#116 &AMP;"),
            "tok_1 tok t &"
        );
        assert_eq!(decode_all(r"\u0074ok \ud83d\ude00 a\nb"), "tok 😀 a\nb");
        assert_eq!(decode_all("a%0D%0Ab%1B[31m"), "a\r\nb\u{1b}[31m");
        assert_eq!(decode_all("%26%2395%3B"), "_");
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for text in ["100% done", "a & b", "C:\\path", "&#;", "&#xZZ", r"\u12"] {
            assert_eq!(decode_all(text), text);
        }
    }
}
