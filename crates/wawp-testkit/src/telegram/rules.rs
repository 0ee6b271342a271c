//! Telegram's documented rules for `sendMessage` text: at most 4,096
//! characters after entity parsing, and in HTML mode only the supported tags
//! and entities, properly nested.

/// The longest message text, in characters after entity parsing.
pub const MAX_MESSAGE_CHARS: usize = 4096;

/// The tags Telegram's HTML parse mode accepts.
pub const ALLOWED_TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
];

/// Why Telegram refuses a text: the `description` it answers with.
pub fn check_text(text: &str, parse_mode: Option<&str>) -> Result<(), String> {
    let visible = match parse_mode {
        Some(mode) if mode.eq_ignore_ascii_case("html") => {
            visible_html(text).map_err(|why| format!("Bad Request: can't parse entities: {why}"))?
        }
        _ => text.to_owned(),
    };
    if visible.trim().is_empty() {
        return Err("Bad Request: message text is empty".to_owned());
    }
    // Telegram counts UTF-16 code units.
    if visible.encode_utf16().count() > MAX_MESSAGE_CHARS {
        return Err("Bad Request: message is too long".to_owned());
    }
    Ok(())
}

/// The text a reader sees once the HTML is parsed, or why it cannot be.
pub fn visible_html(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut open: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let end = rest
                    .find('>')
                    .ok_or_else(|| "unclosed start tag".to_owned())?;
                let inner = &rest[1..end];
                rest = &rest[end + 1..];
                if let Some(name) = inner.strip_prefix('/') {
                    let name = name.trim().to_ascii_lowercase();
                    match open.pop() {
                        Some(top) if top == name => {}
                        _ => return Err(format!("unmatched end tag \"{name}\"")),
                    }
                } else {
                    let name: String = inner
                        .split(|c: char| c.is_whitespace())
                        .next()
                        .unwrap_or("")
                        .to_ascii_lowercase();
                    if !ALLOWED_TAGS.contains(&name.as_str()) {
                        return Err(format!("unsupported start tag \"{name}\""));
                    }
                    open.push(name);
                }
            }
            '&' => {
                let end = rest
                    .find(';')
                    .filter(|&e| e <= 10)
                    .ok_or_else(|| "unclosed entity".to_owned())?;
                let name = &rest[1..end];
                let decoded = match name {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "quot" => '"',
                    _ => name
                        .strip_prefix('#')
                        .and_then(|n| match n.strip_prefix(['x', 'X']) {
                            Some(hex) => u32::from_str_radix(hex, 16).ok(),
                            None => n.parse().ok(),
                        })
                        .and_then(char::from_u32)
                        .ok_or_else(|| format!("unsupported entity \"&{name};\""))?,
                };
                out.push(decoded);
                rest = &rest[end + 1..];
            }
            '>' => return Err("unexpected \">\"".to_owned()),
            _ => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if let Some(tag) = open.pop() {
        return Err(format!(
            "can't find end tag corresponding to start tag \"{tag}\""
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_parsed_as_telegram_does() {
        assert_eq!(visible_html("<b>a</b> &lt;b&gt; &amp;").unwrap(), "a <b> &");
        assert_eq!(visible_html("<a href=\"x\">l</a>").unwrap(), "l");
        assert!(visible_html("<b>a").is_err());
        assert!(visible_html("a < b").is_err());
        assert!(visible_html("<div>x</div>").is_err());
        assert!(visible_html("<b><i>x</b></i>").is_err());
        assert!(visible_html("&nbsp;").is_err());
        assert!(visible_html("&am").is_err());
    }

    #[test]
    fn length_counts_visible_characters() {
        let long = format!("<b>{}</b>", "x".repeat(MAX_MESSAGE_CHARS));
        assert!(check_text(&long, Some("HTML")).is_ok());
        assert!(check_text(&"x".repeat(MAX_MESSAGE_CHARS + 1), None).is_err());
        assert!(check_text("<b>", Some("HTML")).is_err());
        assert!(check_text("  ", None).is_err());
    }
}
