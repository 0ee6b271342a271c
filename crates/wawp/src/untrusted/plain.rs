//! The fast path of the rule for the common answer: plain ASCII words
//! without digits (`Verification code sent successfully`). Such a text is
//! its own result unless a run of it could be part of the token or look
//! like base64; this is checked on the bytes, without the rule's per-
//! character tables. Anything else takes the full rule.

use super::{BASE64_MIN, TOKEN_WINDOW};

/// The text unchanged when the full rule would give it back unchanged;
/// `None` when the full rule has to look.
pub(super) fn unchanged(text: &str, token: &str) -> Option<String> {
    let bytes = text.as_bytes();
    if bytes.len() > super::MAX_INPUT_CHARS || !is_plain(bytes) {
        return None;
    }
    if has_mixed_run(bytes) || may_hold_token(bytes, token)? {
        return None;
    }
    Some(text.to_owned())
}

/// Printable ASCII and single inner spaces only: nothing to decode (`%`,
/// `&`, `\`), no markup (`<`), no digit, nothing the allowed set drops or
/// whitespace folding changes.
fn is_plain(bytes: &[u8]) -> bool {
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if *first == b' ' || *last == b' ' || bytes.windows(2).any(|w| w == b"  ") {
        return false;
    }
    bytes.iter().all(|&b| {
        (b == b' ' || b.is_ascii_graphic())
            && !b.is_ascii_digit()
            && !matches!(b, b'%' | b'&' | b'\\' | b'<')
    })
}

/// A run the full rule would try as base64 (letters with several
/// capitals; digits are already excluded).
fn has_mixed_run(bytes: &[u8]) -> bool {
    let is_b64 = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_');
    bytes.split(|b| !is_b64(b)).any(|run| {
        run.len() >= BASE64_MIN
            && run.iter().filter(|b| b.is_ascii_uppercase()).count() >= 2
            && run.iter().any(u8::is_ascii_lowercase)
    })
}

/// Whether any window of the text's letters (separators skipped, any case)
/// is a window of the token's; `None` for a non-ASCII token (the full rule
/// lowercases it by Unicode's rules).
fn may_hold_token(bytes: &[u8], token: &str) -> Option<bool> {
    if !token.is_ascii() {
        return None;
    }
    // Sized once: a filtered `collect` grows one byte at a time.
    let mut token_letters = Vec::with_capacity(token.len());
    token_letters.extend(
        token
            .bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| b.to_ascii_lowercase()),
    );
    let token = token_letters;
    if token.len() < 4 {
        return Some(false);
    }
    let width = TOKEN_WINDOW.min(token.len());
    let mut letters = Vec::with_capacity(bytes.len());
    letters.extend(
        bytes
            .iter()
            .filter(|b| b.is_ascii_alphanumeric())
            .map(u8::to_ascii_lowercase),
    );
    // The first letters are compared before the windows (most differ there).
    Some(letters.windows(width).any(|w| {
        token
            .windows(width)
            .any(|t| t[0] == w[0] && t[1..] == w[1..])
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_words_take_the_fast_path() {
        let token = "tok_SECRET_9f8e7d6c5b4a";
        let sent = "Verification code sent successfully";
        assert_eq!(unchanged(sent, token).as_deref(), Some(sent));
        for text in [
            "",
            " leading space",
            "two  spaces",
            "tab\there",
            "digits 123",
            "percent %41",
            "entity &amp;",
            "escape \\u0041",
            "<b>markup</b>",
            "accent é",
            "base64 VGhpcyBpcw",
            "echo SECRET9f8e here",
        ] {
            assert_eq!(unchanged(text, token), None, "{text:?}");
        }
        assert_eq!(unchanged(sent, "tøken-with-ümlauts"), None);
    }
}
