//! The footer rules: the sandbox's own copy of the provider's facts about
//! text appended to the OTP message (the `wawp` client keeps another; a
//! test checks both refuse the same text).
//!
//! A footer is at most [`MAX_FOOTER_CHARS`] characters on one line, has at
//! least one visible character, and carries nothing that hides or reorders
//! text: a reader must see what was sent.

use crate::error::{ApiError, ErrorCode};

/// Longest footer accepted, in Unicode scalar values (Rust `char`s): the
/// sandbox's own copy of the limit the `wawp` client enforces (a test
/// checks they agree). Wawp itself documents no limit.
pub const MAX_FOOTER_CHARS: usize = 200;

/// At most 200 characters, one line, something visible, no tag characters
/// and no bidi controls; empty means none.
pub(crate) fn check(footer: Option<&str>) -> Result<Option<&str>, ApiError> {
    let text = match footer {
        None | Some("") => return Ok(None),
        Some(text) => text,
    };
    let refused = |why: &'static str| Err(ApiError::bad_request(ErrorCode::InvalidFooter, why));
    if text.chars().any(breaks_the_line) {
        return refused(
            "invalid footer: control characters and line or paragraph separators (such as line breaks or tabs) are not allowed",
        );
    }
    if text.chars().any(hides_or_reorders) {
        return refused(
            "invalid footer: tag characters (U+E0000 to U+E007F) and bidirectional controls (U+202A to U+202E, U+2066 to U+2069) are not allowed",
        );
    }
    if text.chars().all(is_invisible) {
        return refused(
            "invalid footer: it needs at least one visible character (spaces, fillers and invisible marks alone are not a footer)",
        );
    }
    if text.chars().count() > MAX_FOOTER_CHARS {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidFooter,
            format!("invalid footer: at most {MAX_FOOTER_CHARS} characters"),
        ));
    }
    Ok(Some(text))
}

/// A line break of any kind, or another control character.
fn breaks_the_line(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Tag characters (invisible, they can smuggle text) and the bidi
/// embedding, override and isolate controls (they make text read
/// differently than it is).
fn hides_or_reorders(c: char) -> bool {
    matches!(
        c,
        '\u{E0000}'..='\u{E007F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// A character that shows nothing: Unicode `White_Space`,
/// `Default_Ignorable_Code_Point` (Unicode 16), and the blanks that are
/// neither but render empty (Braille pattern blank U+2800).
fn is_invisible(c: char) -> bool {
    c.is_whitespace() || is_default_ignorable(c) || c == '\u{2800}'
}

/// Unicode's `Default_Ignorable_Code_Point` (DerivedCoreProperties.txt,
/// Unicode 16.0): soft hyphen, combining grapheme joiner, Arabic letter
/// mark, the Hangul fillers, Khmer inherent vowels, Mongolian variation
/// selectors and vowel separator, zero-width and directional marks, word
/// joiner and invisible operators, variation selectors, BOM, Halfwidth
/// Hangul filler, unassigned specials, shorthand format controls, musical
/// symbol formatting, and the tag and variation selector supplement block.
fn is_default_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(footer: &str) -> Option<&'static str> {
        check(Some(footer)).err().map(|err| err.code())
    }

    #[test]
    fn footers_are_short_single_line_text() {
        assert_eq!(check(Some("")).unwrap(), None);
        let longest = "é".repeat(200);
        assert_eq!(check(Some(&longest)).unwrap(), Some(longest.as_str()));
        for bad in [
            "a".repeat(201),
            "a\nb".into(),
            "a\u{7f}".into(),
            "a\u{2028}b".into(),
            "a\u{2029}b".into(),
        ] {
            assert_eq!(code_of(&bad), Some("invalid_footer"), "{bad:?}");
        }
    }

    #[test]
    fn footers_with_nothing_visible_are_refused() {
        for blank in [
            " ",
            "\u{3000}\u{00A0}",
            "\u{3164}",
            "\u{115F}\u{1160}",
            "\u{FFA0}",
            "\u{2800}\u{2800}",
            "\u{00AD}",
            "\u{180E}",
            "\u{200B}\u{2060}\u{FEFF}",
            "\u{FE0F}",
            "\u{034F} ",
        ] {
            assert_eq!(code_of(blank), Some("invalid_footer"), "{blank:?}");
        }
        // Invisible marks next to visible text are text (a soft hyphen, an
        // emoji's variation selector).
        for ok in [
            "Ac\u{00AD}me",
            "\u{2764}\u{FE0F}",
            "Acme \u{3164}",
            "\u{2801}",
        ] {
            assert_eq!(check(Some(ok)).unwrap(), Some(ok));
        }
    }

    #[test]
    fn tag_characters_and_bidi_controls_are_refused_anywhere() {
        for bad in [
            "Acme\u{E0041}\u{E0042}",
            "\u{E0001}Acme",
            "Acme\u{E007F}",
            "Acme \u{202E}emca",
            "\u{202A}Acme\u{202C}",
            "\u{2066}Acme\u{2069}",
        ] {
            assert_eq!(code_of(bad), Some("invalid_footer"), "{bad:?}");
        }
    }
}
