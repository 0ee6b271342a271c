//! Telegram HTML (the subset the Bot API accepts) rendered for a terminal:
//! tags become ANSI styles (or nothing, for plain output), entities are
//! decoded, links show their target. Tags are never shown.

use anstyle::{AnsiColor, Effects, Style};

/// How to show a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Styling {
    /// ANSI styles (stdout is a terminal).
    Ansi,
    /// Plain text (stdout is a pipe or file).
    Plain,
}

/// Renders Telegram HTML `html` as terminal text.
pub fn render_html(html: &str, styling: Styling) -> String {
    let mut out = String::with_capacity(html.len());
    let mut open: Vec<Open> = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        let (text, after) = match rest.find('<') {
            Some(at) => rest.split_at(at),
            None => (rest, ""),
        };
        push_text(&mut out, text, &open, styling);
        rest = after;
        if rest.is_empty() {
            break;
        }
        let starts_tag = rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/');
        let end = rest
            .find('>')
            .filter(|&end| starts_tag && !rest[1..end].contains('<'));
        let Some(end) = end else {
            // A stray '<' (not valid Bot API HTML): show it as text.
            push_text(&mut out, "<", &open, styling);
            rest = &rest[1..];
            continue;
        };
        let tag = Tag::parse(&rest[1..end]);
        rest = &rest[end + 1..];
        match tag {
            Tag::Open(element) => open.push(element),
            Tag::Close(name) => {
                if let Some(at) = open.iter().rposition(|o| o.name == name) {
                    let closed = open.remove(at);
                    if let Some(href) = closed.href {
                        push_text(&mut out, &format!(" ({href})"), &open, styling);
                    }
                }
            }
        }
    }
    out
}

/// An open element: its name, and a link's target when it is worth showing.
#[derive(Debug)]
struct Open {
    name: String,
    href: Option<String>,
    style: Style,
}

enum Tag {
    Open(Open),
    Close(String),
}

impl Tag {
    fn parse(inner: &str) -> Tag {
        let inner = inner.trim();
        if let Some(name) = inner.strip_prefix('/') {
            return Tag::Close(name.trim().to_ascii_lowercase());
        }
        let name_end = inner
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(inner.len());
        let name = inner[..name_end].to_ascii_lowercase();
        let attrs = &inner[name_end..];
        let style = match name.as_str() {
            "b" | "strong" => Style::new().bold(),
            "i" | "em" | "blockquote" => Style::new().italic(),
            "u" | "ins" => Style::new().underline(),
            "s" | "strike" | "del" => Style::new().strikethrough(),
            "code" | "pre" => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
            "a" => Style::new().underline(),
            "tg-spoiler" | "span" => Style::new().dimmed(),
            _ => Style::new(),
        };
        let href = (name == "a")
            .then(|| attribute(attrs, "href"))
            .flatten()
            .map(|href| html_escape::decode_html_entities(&href).into_owned());
        Tag::Open(Open { name, href, style })
    }
}

/// The value of `name="value"` (or single-quoted) in a tag's attributes.
fn attribute(attrs: &str, name: &str) -> Option<String> {
    let at = attrs.find(&format!("{name}="))? + name.len() + 1;
    let value = &attrs[at..];
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &value[1..];
    Some(value[..value.find(quote)?].to_owned())
}

fn push_text(out: &mut String, text: &str, open: &[Open], styling: Styling) {
    if text.is_empty() {
        return;
    }
    // No control character reaches the terminal (an ESC would drive it),
    // even one spelled as an entity; newlines and tabs stay.
    let text: String = html_escape::decode_html_entities(text)
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
        .collect();
    let style = open
        .iter()
        .fold(Style::new(), |acc, o| combine(acc, o.style));
    if styling == Styling::Plain || style == Style::new() {
        out.push_str(&text);
    } else {
        // Styles end before each newline so a line never bleeds into the next.
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            if !line.is_empty() {
                out.push_str(&format!("{}{line}{}", style.render(), style.render_reset()));
            }
        }
    }
}

fn combine(acc: Style, add: Style) -> Style {
    let effects: Effects = acc.get_effects() | add.get_effects();
    acc.effects(effects)
        .fg_color(add.get_fg_color().or(acc.get_fg_color()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_output_drops_tags_and_decodes_entities() {
        let html = "✅ Code sent to <b>+20•••••7890</b>\nJob: <code>job-1</code>\n/send &lt;phone&gt; &amp; more &#39;x&#x27;";
        assert_eq!(
            render_html(html, Styling::Plain),
            "✅ Code sent to +20•••••7890\nJob: job-1\n/send <phone> & more 'x'"
        );
    }

    #[test]
    fn ansi_output_styles_instead_of_tags() {
        let out = render_html("a <b>bold <i>both</i></b> &lt;u&gt;", Styling::Ansi);
        for tag in ["<b>", "<i>", "</i>", "</b>"] {
            assert!(!out.contains(tag), "{out:?}");
        }
        assert!(out.contains("\u{1b}[1mbold \u{1b}[0m"), "{out:?}");
        assert!(out.contains("\u{1b}[1m\u{1b}[3mboth\u{1b}[0m"), "{out:?}");
        assert!(out.ends_with(" <u>"), "{out:?}");
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let html = "job \u{1b}]0;title\u{7} &#27;[2J done\nnext";
        assert_eq!(
            render_html(html, Styling::Plain),
            "job ]0;title &#27;[2J done\nnext"
        );
    }

    #[test]
    fn links_show_their_target() {
        let out = render_html(
            r#"see <a href="https://example.com/?a=1&amp;b=2">docs</a>."#,
            Styling::Plain,
        );
        assert_eq!(out, "see docs (https://example.com/?a=1&b=2).");
    }

    #[test]
    fn broken_markup_is_shown_not_lost() {
        assert_eq!(
            render_html("1 < 2 and </b> x", Styling::Plain),
            "1 < 2 and  x"
        );
        assert_eq!(render_html("a <3", Styling::Plain), "a <3");
        assert_eq!(render_html("a <b>b", Styling::Plain), "a b");
    }
}
