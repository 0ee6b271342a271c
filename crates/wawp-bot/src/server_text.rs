//! Text that comes from Wawp (a job id, an error message) made safe to show:
//! in replies, `/history`, the console, the logs and the CSV export.
//!
//! The bot does not trust the `wawp` crate (or the server) to have cleaned
//! it: [`clean`] drops control and invisible format characters (a newline,
//! an ESC that would drive the terminal, a right-to-left override), turns
//! line breaks and tabs into spaces, and caps the length at
//! [`MAX_CHARS`] characters with an ellipsis. Where the text goes into HTML,
//! the caller escapes the cleaned text as well.

/// The most characters of a server identifier (a job id) ever shown.
pub const MAX_CHARS: usize = 64;

/// The most characters of a server message (why Wawp refused) ever shown.
pub const MAX_MESSAGE_CHARS: usize = 300;

/// Format characters (Unicode `Cf`, plus line and paragraph separators) that
/// change how the text around them is shown.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E007F}')
}

/// `text` cleaned and bounded: control and format characters removed (line
/// breaks and tabs become spaces), at most [`MAX_CHARS`] characters, the
/// last one `…` when it was cut. Reads at most a few characters past the
/// cap, whatever the length of `text`.
pub fn clean(text: &str) -> String {
    clean_to(text, MAX_CHARS)
}

/// [`clean`] with a cap of `max` characters (at least 1).
pub fn clean_to(text: &str, max: usize) -> String {
    let max = max.max(1);
    let mut out = String::with_capacity(text.len().min(max * 4));
    let mut kept = 0;
    let mut chars = text
        .chars()
        .filter(|&c| !is_invisible(c))
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        });
    while let Some(c) = chars.next() {
        if kept == max - 1 {
            if chars.next().is_some() {
                out.push('…');
            } else {
                out.push(c);
            }
            break;
        }
        out.push(c);
        kept += 1;
    }
    out
}

/// [`clean`], then escaped for Telegram's HTML.
pub fn clean_html(text: &str) -> String {
    html_escape::encode_text(&clean(text)).into_owned()
}

/// A server message: [`clean_to`] [`MAX_MESSAGE_CHARS`], escaped for HTML.
pub fn message_html(text: &str) -> String {
    html_escape::encode_text(&clean_to(text, MAX_MESSAGE_CHARS)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_format_characters_are_dropped_and_breaks_become_spaces() {
        assert_eq!(clean("job\n1\u{1b}]0;pwned\u{7}"), "job 1]0;pwned");
        assert_eq!(clean("a\u{202E}b\u{200B}c\td"), "abc d");
    }

    #[test]
    fn long_text_is_cut_to_the_cap_with_an_ellipsis() {
        let long = "x".repeat(60_000);
        let shown = clean(&long);
        assert_eq!(shown.chars().count(), MAX_CHARS);
        assert!(shown.ends_with('…'));
        let exact = "y".repeat(MAX_CHARS);
        assert_eq!(clean(&exact), exact);
    }

    #[test]
    fn html_is_escaped_after_cleaning() {
        assert_eq!(clean_html("<b>&"), "&lt;b&gt;&amp;");
    }
}
