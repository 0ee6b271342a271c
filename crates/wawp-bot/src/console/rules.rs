//! Telegram's `sendMessage` rules, applied by the console endpoint so that
//! a reply Telegram would refuse is refused in the console too (and said so)
//! instead of being shown as if it had been delivered.

/// Telegram's limit on a message's text, in UTF-16 code units after entity
/// parsing.
pub const MAX_MESSAGE_LEN: usize = 4096;

/// The tags Telegram's HTML parse mode accepts.
const TAGS: &[&str] = &[
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

/// Checks `text` as Telegram would; `Err` is the Bot API's description.
pub fn check_message(text: &str, html: bool) -> Result<(), String> {
    let shown = if html {
        check_html(text).map_err(|why| format!("Bad Request: can't parse entities: {why}"))?
    } else {
        text.to_owned()
    };
    let len = shown.encode_utf16().count();
    if shown.trim().is_empty() {
        return Err("Bad Request: message text is empty".into());
    }
    if len > MAX_MESSAGE_LEN {
        return Err(format!(
            "Bad Request: message is too long ({len} characters; at most {MAX_MESSAGE_LEN})"
        ));
    }
    Ok(())
}

/// Parses Telegram HTML strictly; `Ok` is the text without markup.
fn check_html(html: &str) -> Result<String, String> {
    let mut open: Vec<&str> = Vec::new();
    let mut text = String::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        text.push_str(&html_escape::decode_html_entities(&rest[..at]));
        let offset = html.len() - rest.len() + at;
        let after = &rest[at + 1..];
        let end = after
            .find('>')
            .filter(|&end| !after[..end].contains('<'))
            .ok_or_else(|| format!("unexpected character '<' at byte offset {offset}"))?;
        let tag = after[..end].trim();
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim();
            match open.pop() {
                Some(top) if top.eq_ignore_ascii_case(name) => {}
                _ => {
                    return Err(format!(
                        "unexpected end tag \"{name}\" at byte offset {offset}"
                    ));
                }
            }
        } else {
            let name = tag
                .split(|c: char| c.is_whitespace() || c == '/')
                .next()
                .unwrap_or("");
            if !TAGS.iter().any(|t| t.eq_ignore_ascii_case(name)) {
                return Err(format!(
                    "unsupported start tag \"{name}\" at byte offset {offset}"
                ));
            }
            open.push(name);
        }
        rest = &after[end + 1..];
    }
    text.push_str(&html_escape::decode_html_entities(rest));
    match open.pop() {
        Some(name) => Err(format!(
            "can't find end tag corresponding to start tag \"{name}\""
        )),
        None => Ok(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bots_html_passes() {
        let html = "✅ Code sent to <b>+20•••••7890</b>\n<a href=\"https://x.test/?a=1&amp;b\">x</a> &lt;phone&gt; <code>1</code>";
        assert_eq!(check_message(html, true), Ok(()));
    }

    #[test]
    fn malformed_html_is_refused_like_telegram_does() {
        for (html, why) in [
            (
                "a <b>b",
                "can't find end tag corresponding to start tag \"b\"",
            ),
            ("1 < 2", "unexpected character '<' at byte offset 2"),
            ("<b>x</i>", "unexpected end tag \"i\""),
            ("<br>", "unsupported start tag \"br\""),
        ] {
            let err = check_message(html, true).unwrap_err();
            assert!(
                err.starts_with("Bad Request: can't parse entities: "),
                "{err}"
            );
            assert!(err.contains(why), "{html}: {err}");
        }
    }

    #[test]
    fn the_length_counts_text_not_markup() {
        let at_limit = format!("<b>{}</b>", "x".repeat(MAX_MESSAGE_LEN));
        assert_eq!(check_message(&at_limit, true), Ok(()));
        let entities = "&amp;".repeat(MAX_MESSAGE_LEN);
        assert_eq!(check_message(&entities, true), Ok(()));
        let over = "x".repeat(MAX_MESSAGE_LEN + 1);
        let err = check_message(&over, false).unwrap_err();
        assert!(err.starts_with("Bad Request: message is too long"), "{err}");
        assert_eq!(
            check_message("<b> </b>", true),
            Err("Bad Request: message text is empty".into())
        );
    }
}
