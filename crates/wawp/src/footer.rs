//! [`Footer`]: text appended to the OTP message.

use std::fmt;
use std::str::FromStr;

use crate::chars;

/// The longest footer accepted, in UTF-16 code units (see [`Footer`]).
pub const MAX_FOOTER_CHARS: usize = 200;

/// Text appended to the OTP message: one line, visible, at most
/// [`MAX_FOOTER_CHARS`] long.
///
/// Parsing refuses (with a [`FooterReason`]):
/// - blank footers: no visible character, only Unicode `White_Space`,
///   `Default_Ignorable_Code_Point` (zero-width and bidi marks, U+00AD,
///   the Hangul fillers U+3164, U+115F, U+1160, U+FFA0, ...), the Braille
///   blank U+2800 and U+180E;
/// - control characters, line and paragraph separators (U+2028, U+2029),
///   the bidi embedding, override and isolate characters (U+202A–U+202E,
///   U+2066–U+2069) that make text read differently than it is, and the
///   tag characters (U+E0000–U+E007F) that carry hidden text;
/// - more than [`MAX_FOOTER_CHARS`] **UTF-16 code units**. Wawp does not
///   document how it counts; UTF-16 units are how WhatsApp's own APIs (and
///   JavaScript) measure text, and never fewer than the characters, so a
///   footer accepted here also fits a limit counted in characters. An emoji
///   outside the Basic Multilingual Plane counts 2.
///
/// ```
/// use wawp::{Footer, footer::FooterReason};
///
/// let footer: Footer = "Acme Inc.".parse().unwrap();
/// assert_eq!(footer.as_str(), "Acme Inc.");
/// let err = "\u{200E}\u{200F}".parse::<Footer>().unwrap_err();
/// assert_eq!(err.reason(), FooterReason::Blank);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Footer(String);

impl Footer {
    /// The footer's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Footer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Footer {
    type Err = InvalidFooter;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        check(input)?;
        Ok(Footer(input.to_owned()))
    }
}

impl TryFrom<&str> for Footer {
    type Error = InvalidFooter;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl TryFrom<String> for Footer {
    type Error = InvalidFooter;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        check(&value)?;
        Ok(Footer(value))
    }
}

fn check(footer: &str) -> Result<(), InvalidFooter> {
    let reason = if footer.chars().all(chars::is_blank) {
        FooterReason::Blank
    } else if footer.chars().any(is_forbidden) {
        FooterReason::ControlCharacter
    } else {
        let units = footer.encode_utf16().count();
        if units <= MAX_FOOTER_CHARS {
            return Ok(());
        }
        FooterReason::TooLong {
            chars: units,
            max: MAX_FOOTER_CHARS,
        }
    };
    Err(InvalidFooter { reason })
}

fn is_forbidden(c: char) -> bool {
    c.is_control()
        || chars::is_tag(c)
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// Why a footer was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FooterReason {
    /// Empty, or only spaces and invisible marks.
    Blank,
    /// Longer than [`MAX_FOOTER_CHARS`] UTF-16 code units.
    TooLong {
        /// Its length in UTF-16 code units.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// Contains control characters (line breaks, tabs, ...), line or
    /// paragraph separators, text-direction overrides or hidden tag
    /// characters.
    ControlCharacter,
}

impl fmt::Display for FooterReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FooterReason::Blank => f.write_str(
                "it has no visible character (only spaces, blanks or invisible marks); leave the footer out instead",
            ),
            FooterReason::TooLong { chars, max } => write!(
                f,
                "it is {chars} characters long (UTF-16 units; emoji count 2); keep it to {max} or fewer"
            ),
            FooterReason::ControlCharacter => f.write_str(
                "it contains control, line-separator, text-direction or hidden tag characters (line breaks, tabs, bidi overrides, U+E0000 tags); use plain single-line text",
            ),
        }
    }
}

/// A footer that cannot be sent. The text itself is not repeated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid footer: {reason}")]
pub struct InvalidFooter {
    reason: FooterReason,
}

impl InvalidFooter {
    /// What is wrong with it.
    pub fn reason(&self) -> FooterReason {
        self.reason
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(s: &str) -> FooterReason {
        s.parse::<Footer>().unwrap_err().reason()
    }

    #[test]
    fn footers_are_bounded_single_line_and_not_blank() {
        assert!("Secured by Wawp".parse::<Footer>().is_ok());
        assert!("مؤمن بواسطة واوب".parse::<Footer>().is_ok());
        assert!("é".repeat(MAX_FOOTER_CHARS).parse::<Footer>().is_ok());
        assert!(Footer::try_from("Acme \u{200F}Inc.".to_owned()).is_ok());
        assert_eq!(reason(""), FooterReason::Blank);
        assert_eq!(reason(" \t "), FooterReason::Blank);
        assert_eq!(reason("line\nbreak"), FooterReason::ControlCharacter);
        assert_eq!(reason("nul\0"), FooterReason::ControlCharacter);
        assert_eq!(reason("evil\u{202E}txt"), FooterReason::ControlCharacter);
        let message = "x".repeat(250).parse::<Footer>().unwrap_err().to_string();
        assert!(
            message.contains("250") && message.contains("200"),
            "{message}"
        );
    }

    #[test]
    fn line_and_paragraph_separators_are_refused() {
        assert_eq!(reason("one\u{2028}two"), FooterReason::ControlCharacter);
        assert_eq!(reason("one\u{2029}two"), FooterReason::ControlCharacter);
    }

    #[test]
    fn invisible_only_footers_are_blank() {
        for footer in [
            "\u{200E}",
            "\u{200F}\u{200E}",
            " \u{061C} ",
            "\u{200B}\u{FEFF}",
        ] {
            assert_eq!(reason(footer), FooterReason::Blank, "{footer:?}");
        }
    }

    #[test]
    fn blank_look_alikes_and_hidden_tags_are_refused() {
        for footer in [
            "\u{3164}",
            "\u{3164}\u{3164}",
            "\u{115F}\u{1160}",
            "\u{FFA0}",
            "\u{2800}\u{2800}",
            "\u{00AD}",
            "\u{180E}",
            "\u{3000}\u{2800}\u{00AD}",
            "\u{E0041}\u{E0042}",
        ] {
            assert_eq!(reason(footer), FooterReason::Blank, "{footer:?}");
        }
        assert_eq!(
            reason("Acme\u{E0041}\u{E0042}"),
            FooterReason::ControlCharacter
        );
        assert_eq!(reason("Acme\u{E007F}"), FooterReason::ControlCharacter);
        assert!("Acme\u{2800}Inc".parse::<Footer>().is_ok());
        let message = "\u{3164}".parse::<Footer>().unwrap_err().to_string();
        assert!(message.contains("visible"), "{message}");
    }

    #[test]
    fn the_limit_counts_utf16_units() {
        // 100 emoji are 100 characters but 200 UTF-16 units: at the limit.
        assert!("😀".repeat(100).parse::<Footer>().is_ok());
        assert_eq!(
            reason(&"😀".repeat(101)),
            FooterReason::TooLong {
                chars: 202,
                max: MAX_FOOTER_CHARS
            }
        );
        assert_eq!(
            reason(&"x".repeat(MAX_FOOTER_CHARS + 1)),
            FooterReason::TooLong {
                chars: MAX_FOOTER_CHARS + 1,
                max: MAX_FOOTER_CHARS
            }
        );
    }
}
