//! [`Footer`]: text appended to the OTP message.

use std::fmt;
use std::str::FromStr;

/// The longest footer accepted, in UTF-16 code units (see [`Footer`]).
pub const MAX_FOOTER_CHARS: usize = 200;

/// Text appended to the OTP message: one line, visible, at most
/// [`MAX_FOOTER_CHARS`] long.
///
/// Parsing refuses (with a [`FooterReason`]):
/// - blank footers, including ones made only of spaces and invisible marks
///   (U+200B–U+200F, U+061C, U+2060, U+FEFF);
/// - control characters, line and paragraph separators (U+2028, U+2029)
///   and the bidi embedding, override and isolate characters (U+202A–U+202E,
///   U+2066–U+2069) that make text read differently than it is;
/// - more than [`MAX_FOOTER_CHARS`] **UTF-16 code units**. Wawp does not
///   document how it counts; UTF-16 units are how WhatsApp's own APIs (and
///   JavaScript) measure text, and never fewer than the characters, so a
///   footer accepted here also fits a limit counted in characters. An emoji
///   outside the Basic Multilingual Plane counts 2.
///
/// ```
/// use wawp::{Footer, FooterReason};
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
    let reason = if footer.chars().all(|c| c.is_whitespace() || is_invisible(c)) {
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

/// Marks that take no space: alone they make a footer that looks empty.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{061C}' | '\u{2060}' | '\u{FEFF}'
    )
}

fn is_forbidden(c: char) -> bool {
    c.is_control()
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
    /// paragraph separators, or text-direction overrides.
    ControlCharacter,
}

impl fmt::Display for FooterReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FooterReason::Blank => f.write_str(
                "it is empty or only spaces and invisible marks; leave the footer out instead",
            ),
            FooterReason::TooLong { chars, max } => write!(
                f,
                "it is {chars} characters long (UTF-16 units; emoji count 2); keep it to {max} or fewer"
            ),
            FooterReason::ControlCharacter => f.write_str(
                "it contains control, line-separator or text-direction characters (line breaks, tabs, bidi overrides); use plain single-line text",
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
