//! Splitting a long HTML reply into messages Telegram accepts.
//!
//! Telegram refuses a text over 4,096 characters (UTF-16 code units, counted
//! after entity parsing). A reply is cut between lines (each `/history` entry
//! is one line) and, only when a single line is longer than a message, inside
//! that line between characters: never inside a tag or an entity, and the
//! tags open at the cut are closed and opened again in the next message.

/// The longest message text Telegram accepts, in UTF-16 code units after
/// entity parsing.
pub(crate) const MAX_MESSAGE_CHARS: usize = 4096;

/// The parts of `html` in order, each at most `max` visible characters.
pub(crate) fn split_html(html: &str, max: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for line in html.split('\n') {
        let len = visible_len(line);
        let joined = current_len + usize::from(!current.is_empty()) + len;
        if !current.is_empty() && joined <= max {
            current.push('\n');
            current.push_str(line);
            current_len = joined;
            continue;
        }
        if !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        if len <= max {
            current = line.to_owned();
            current_len = len;
        } else {
            let mut pieces = split_line(line, max);
            let last = pieces.pop().unwrap_or_default();
            parts.extend(pieces);
            current_len = visible_len(&last);
            current = last;
        }
    }
    if !current.trim().is_empty() {
        parts.push(current);
    }
    parts.retain(|p| !p.trim().is_empty());
    parts
}

/// One token of HTML: a tag, an entity, or one character.
enum Token<'a> {
    Open { name: &'a str, raw: &'a str },
    Close,
    Text { raw: &'a str, units: usize },
}

fn tokens(html: &str) -> impl Iterator<Item = Token<'_>> {
    let mut rest = html;
    std::iter::from_fn(move || {
        let c = rest.chars().next()?;
        let (token, len) = match c {
            '<' if rest.contains('>') => {
                let end = rest.find('>').unwrap_or(0) + 1;
                let raw = &rest[..end];
                if raw.starts_with("</") {
                    (Token::Close, end)
                } else {
                    let name = raw[1..end - 1]
                        .split(char::is_whitespace)
                        .next()
                        .unwrap_or("");
                    (Token::Open { name, raw }, end)
                }
            }
            '&' if rest.find(';').is_some_and(|e| e <= 10) => {
                let end = rest.find(';').unwrap_or(0) + 1;
                (
                    Token::Text {
                        raw: &rest[..end],
                        units: 1,
                    },
                    end,
                )
            }
            _ => (
                Token::Text {
                    raw: &rest[..c.len_utf8()],
                    units: c.len_utf16(),
                },
                c.len_utf8(),
            ),
        };
        rest = &rest[len..];
        Some(token)
    })
}

/// The characters a reader sees (UTF-16 code units), tags left out and each
/// entity counted as one.
pub(crate) fn visible_len(html: &str) -> usize {
    tokens(html)
        .map(|t| match t {
            Token::Text { units, .. } => units,
            _ => 0,
        })
        .sum()
}

/// Cuts one line longer than `max` between characters, closing the tags open
/// at each cut and opening them again after it.
fn split_line(line: &str, max: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut open: Vec<(&str, &str)> = Vec::new();
    let mut current = String::new();
    let mut len = 0;
    for token in tokens(line) {
        match token {
            Token::Open { name, raw } => {
                open.push((name, raw));
                current.push_str(raw);
            }
            Token::Close => {
                if let Some((name, _)) = open.pop() {
                    current.push_str(&format!("</{name}>"));
                }
            }
            Token::Text { raw, units } => {
                if len + units > max && len > 0 {
                    for (name, _) in open.iter().rev() {
                        current.push_str(&format!("</{name}>"));
                    }
                    pieces.push(std::mem::take(&mut current));
                    for (_, raw) in &open {
                        current.push_str(raw);
                    }
                    len = 0;
                }
                current.push_str(raw);
                len += units;
            }
        }
    }
    pieces.push(current);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use wawp_testkit::telegram::rules::{check_text, visible_html};

    #[test]
    fn short_text_is_one_part() {
        assert_eq!(split_html("<b>hi</b>\nthere", 4096), ["<b>hi</b>\nthere"]);
    }

    #[test]
    fn lines_are_kept_whole_and_every_part_is_accepted() {
        let line = "2026-01-01 · @alice (1001) · send +20•••••5432 · <b>sent</b> · job <code>a&amp;b</code>";
        let text = vec![line; 100].join("\n");
        assert!(visible_len(&text) > 4096);
        let parts = split_html(&text, 4096);
        assert!(parts.len() > 1);
        for part in &parts {
            check_text(part, Some("HTML")).unwrap();
            assert!(part.split('\n').all(|l| l == line), "{part}");
        }
        assert_eq!(parts.join("\n"), text);
    }

    #[test]
    fn a_line_longer_than_a_message_is_cut_outside_tags_and_entities() {
        let text = format!("<b>{}</b> &lt;end&gt;", "é&amp;".repeat(30));
        let parts = split_html(&text, 7);
        assert!(parts.len() > 1);
        let mut seen = String::new();
        for part in &parts {
            check_text(part, Some("HTML")).unwrap();
            assert!(visible_len(part) <= 7, "{part}");
            seen.push_str(&visible_html(part).unwrap());
        }
        assert_eq!(seen, visible_html(&text).unwrap());
    }

    #[test]
    fn visible_length_counts_utf16_units_and_entities_once() {
        assert_eq!(visible_len("<b>a</b>&amp;😀"), 4);
    }
}
