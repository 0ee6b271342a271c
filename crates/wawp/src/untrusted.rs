//! Server text is untrusted data: the one rule for what of it (error
//! messages, `job_id`, success messages, network-library messages) may
//! reach `Display`, `Debug`, logs or the caller.
//!
//! In this order:
//!
//! 1. **Bound**: at most [`MAX_INPUT_CHARS`] characters are looked at.
//! 2. **Decode** (`decode.rs`): percent-encoding (nested, up to 6 layers),
//!    HTML character references and JSON `\u` escapes.
//! 3. **Allowlist**: any whitespace becomes one space; every control and
//!    format character (Unicode Cc, Cf, default-ignorables, bidi controls,
//!    the tag block, private use) is dropped; of the rest only printable
//!    ASCII, letters (and their marks) of any script and a few common
//!    punctuation marks ([`EXTRA`]) are kept. Digits other than ASCII are
//!    dropped, so the number cannot hide in another script's digits.
//! 4. **Withhold** what could still carry a secret, compared
//!    case-insensitively with separators, markup tags and removed
//!    invisibles skipped:
//!    - any [`TOKEN_WINDOW`] consecutive letters or digits of the access
//!      token (any prefix, suffix or middle): `[redacted]`;
//!    - the full number (with or without country code): the masked number,
//!      and any other [`NUMBER_WINDOW`] consecutive digits of it:
//!      `[withheld]` (the mask itself shows the last 4);
//!    - any [`CODE_WINDOW`] consecutive digits of the code: `[code]`; on
//!      send, where the client does not know the code, any run of
//!      [`CODE_LEN`] digits or more: `[withheld]`;
//!    - any base64-looking run of [`BASE64_MIN`] or more characters
//!      (letters and digits, or several capitals among small letters) whose
//!      decoding holds one of the above: `[withheld]`.
//!
//! Digits count as consecutive across separators, markup and invisibles
//! (`0123_456_7890`, `482<b>913`). Messages are cut to 200 characters
//! *after* this (`summary::truncate`), a `job_id` to [`MAX_JOB_ID_CHARS`]
//! with a trailing `…`.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

mod plain;

use crate::PhoneNumber;
use crate::chars::is_control_or_format;
use crate::decode::decode_all;

/// The most characters of one server text looked at; a secret cut here is
/// still caught by the windows below.
const MAX_INPUT_CHARS: usize = 4096;
/// The longest `job_id` kept; a longer one is cut and ends with `…`.
pub(crate) const MAX_JOB_ID_CHARS: usize = 128;
/// Letters or digits of the token that may not appear in a row.
const TOKEN_WINDOW: usize = 8;
/// Digits of the number that may not appear in a row (more than the 4 the
/// mask shows).
const NUMBER_WINDOW: usize = 5;
/// Digits of the code that may not appear in a row.
const CODE_WINDOW: usize = 4;
/// The length of a code: on send, where the code is not known, any run of
/// this many digits is withheld.
const CODE_LEN: usize = 6;
/// The shortest run checked as base64 (4 digits of a code encode to 6).
const BASE64_MIN: usize = 6;
/// The most characters (separators, markup) between two digit groups
/// read as one number.
const MAX_GAP: usize = 24;
/// Non-ASCII punctuation kept besides letters.
const EXTRA: &[char] = &[
    '…', '«', '»', '،', '؛', '؟', '–', '—', '‘', '’', '“', '”', '•', '·', '°', '€', '£',
];

/// What replaces a character, by priority (a run of withheld characters
/// shows the highest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mark {
    Keep,
    Other,
    Code,
    Number,
    Token,
}

/// One call's secrets, and the rule applied to server text.
pub(crate) struct Redactor<'a> {
    pub(crate) token: &'a str,
    pub(crate) code: Option<&'a str>,
    pub(crate) phone: &'a PhoneNumber,
}

impl Redactor<'_> {
    /// The text as the caller may see it (not yet cut to length).
    pub(crate) fn scrub(&self, text: &str) -> String {
        if let Some(same) = plain::unchanged(text, self.token) {
            return same;
        }
        let chars = allowed(&decode_all(bounded(text)));
        let marks = self.marks(&chars, true);
        self.render(&chars, &marks)
    }

    /// A `job_id` as the caller may see it: scrubbed, at most
    /// [`MAX_JOB_ID_CHARS`] characters and `…`.
    pub(crate) fn job_id(&self, text: &str) -> String {
        let mut id = self.scrub(text);
        if let Some((cut, _)) = id.char_indices().nth(MAX_JOB_ID_CHARS) {
            id.truncate(cut);
            id.push('…');
        }
        id
    }

    fn holds_secret(&self, text: &str) -> bool {
        let chars = allowed(&decode_all(bounded(text)));
        self.marks(&chars, false).iter().any(|m| *m != Mark::Keep)
    }

    fn marks(&self, chars: &[char], base64: bool) -> Vec<Mark> {
        let mut marks = vec![Mark::Keep; chars.len()];
        let in_tag = tags(chars);
        if base64 {
            self.mark_base64(chars, &mut marks);
        }
        self.mark_token(chars, &in_tag, &mut marks);
        self.mark_digits(chars, &in_tag, &mut marks);
        marks
    }

    fn mark_token(&self, chars: &[char], in_tag: &[bool], marks: &mut [Mark]) {
        let mut token: Vec<char> = Vec::with_capacity(self.token.len());
        token.extend(
            self.token
                .chars()
                .filter(|c| c.is_alphanumeric())
                .map(lower),
        );
        if token.len() < 4 {
            return;
        }
        let width = TOKEN_WINDOW.min(token.len());
        // Sized once: pushing one by one regrows on every call.
        let (mut at, mut letters) = (
            Vec::with_capacity(chars.len()),
            Vec::with_capacity(chars.len()),
        );
        for (i, c) in chars.iter().enumerate() {
            if c.is_alphanumeric() && !in_tag[i] {
                at.push(i);
                letters.push(lower(*c));
            }
        }
        for (start, window) in letters.windows(width).enumerate() {
            if token
                .windows(width)
                .any(|t| t[0] == window[0] && t[1..] == window[1..])
            {
                fill(marks, at[start], at[start + width - 1], Mark::Token);
            }
        }
    }

    fn mark_digits(&self, chars: &[char], in_tag: &[bool], marks: &mut [Mark]) {
        if !chars.iter().any(char::is_ascii_digit) {
            return;
        }
        let chat_id = self.phone.chat_id();
        let national = self.phone.national();
        for run in digit_runs(chars, in_tag) {
            let mut digits = String::with_capacity(run.len());
            digits.extend(run.iter().map(|&i| chars[i]));
            let span = |from: usize, len: usize| (run[from], run[from + len - 1]);
            for full in [chat_id, national] {
                for (from, _) in digits.match_indices(full) {
                    let (first, last) = span(from, full.len());
                    // A leading `+` or `(` belongs to the number.
                    let first = (0..first)
                        .rev()
                        .take_while(|&i| matches!(chars[i], '+' | '('))
                        .last()
                        .unwrap_or(first);
                    fill(marks, first, last, Mark::Number);
                }
            }
            // On send the code is not known: any run as long as a code
            // could be one.
            if self.code.is_none() && digits.len() >= CODE_LEN {
                fill(marks, run[0], run[run.len() - 1], Mark::Other);
            }
            for (secret, width, mark) in [
                (Some(chat_id), NUMBER_WINDOW, Mark::Other),
                (self.code, CODE_WINDOW, Mark::Code),
            ] {
                let Some(secret) = secret.filter(|s| !s.is_empty()) else {
                    continue;
                };
                let width = width.min(secret.len());
                for from in 0..digits.len().saturating_sub(width - 1) {
                    if secret.contains(&digits[from..from + width]) {
                        let (first, last) = span(from, width);
                        fill(marks, first, last, mark);
                    }
                }
            }
        }
    }

    fn mark_base64(&self, chars: &[char], marks: &mut [Mark]) {
        let is_b64 = |c: &char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_');
        let mut start = 0;
        while start < chars.len() {
            let len = chars[start..].iter().take_while(|c| is_b64(c)).count();
            if len >= BASE64_MIN && mixed(&chars[start..start + len]) {
                let run: String = chars[start..start + len].iter().collect();
                if (0..4).any(|skip| {
                    base64_text(&run[skip..]).is_some_and(|text| self.holds_secret(&text))
                }) {
                    let padding = chars[start + len..]
                        .iter()
                        .take_while(|&&c| c == '=')
                        .count();
                    fill(marks, start, start + len + padding - 1, Mark::Other);
                }
            }
            start += len.max(1);
        }
    }

    fn render(&self, chars: &[char], marks: &[Mark]) -> String {
        let mut out = String::with_capacity(chars.len());
        let mut i = 0;
        while i < chars.len() {
            if marks[i] == Mark::Keep {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            let mut label = Mark::Keep;
            while i < chars.len() && marks[i] != Mark::Keep {
                label = label.max(marks[i]);
                i += 1;
            }
            match label {
                Mark::Token => out.push_str("[redacted]"),
                Mark::Number => out.push_str(&self.phone.to_string()),
                Mark::Code => out.push_str("[code]"),
                Mark::Other | Mark::Keep => out.push_str("[withheld]"),
            }
        }
        out
    }
}

fn bounded(text: &str) -> &str {
    match text.char_indices().nth(MAX_INPUT_CHARS) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}

fn lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Steps 3 of the rule: one-space whitespace, no control or format
/// character, only the safe printable set.
fn allowed(text: &str) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(text.len());
    for c in text.chars() {
        if c.is_whitespace() {
            if out.last().is_some_and(|&last| last != ' ') {
                out.push(' ');
            }
        } else if is_control_or_format(c) {
            continue;
        } else if c.is_ascii_graphic() || EXTRA.contains(&c) || (!c.is_ascii() && c.is_alphabetic())
        {
            out.push(c);
        }
    }
    while out.last() == Some(&' ') {
        out.pop();
    }
    out
}

/// Which characters are inside a markup tag (`<b>`, `</span>`).
fn tags(chars: &[char]) -> Vec<bool> {
    let mut in_tag = vec![false; chars.len()];
    if !chars.contains(&'<') {
        return in_tag;
    }
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '<'
            && let Some(len) = chars[i..].iter().take(64).position(|&c| c == '>')
        {
            in_tag[i..=i + len].fill(true);
            i += len;
        }
        i += 1;
    }
    in_tag
}

/// The positions of ASCII digits, grouped into numbers: groups separated
/// only by non-alphanumeric characters or markup (at most [`MAX_GAP`]) are
/// one number.
fn digit_runs(chars: &[char], in_tag: &[bool]) -> Vec<Vec<usize>> {
    let mut runs: Vec<Vec<usize>> = Vec::new();
    let mut last: Option<usize> = None;
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_digit() && !in_tag[i] {
            let joined = last.is_some_and(|l| {
                i - l <= MAX_GAP + 1 && (l + 1..i).all(|j| in_tag[j] || !chars[j].is_alphanumeric())
            });
            match runs.last_mut() {
                Some(run) if joined => run.push(i),
                _ => runs.push(vec![i]),
            }
            last = Some(i);
        }
    }
    runs
}

/// Whether a run looks like base64 of text: letters and digits, or
/// several capitals among small letters. A plain word ("Verification"),
/// a number or a capitalised name is not decoded.
fn mixed(run: &[char]) -> bool {
    let upper = run.iter().filter(|c| c.is_ascii_uppercase()).count();
    let lower = run.iter().any(char::is_ascii_lowercase);
    let digit = run.iter().any(char::is_ascii_digit);
    (digit && (upper > 0 || lower)) || (upper >= 2 && lower)
}

fn fill(marks: &mut [Mark], first: usize, last: usize, mark: Mark) {
    for m in &mut marks[first..=last] {
        *m = (*m).max(mark);
    }
}

/// The text a base64 (standard or URL-safe, padded or not) run decodes
/// to, if it decodes. Decoded on the stack; a `String` only for text.
fn base64_text(run: &str) -> Option<String> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    // Short runs (identifiers, codes) on the stack, long ones on the heap.
    const SMALL: usize = 64;
    let (mut small_in, mut small_out) = ([0u8; SMALL], [0u8; SMALL / 4 * 3]);
    let (mut large_in, mut large_out) = (Vec::new(), Vec::new());
    let (standard, bytes): (&mut [u8], &mut [u8]) = if run.len() <= SMALL {
        (&mut small_in[..run.len()], &mut small_out[..])
    } else {
        large_in.resize(run.len(), 0);
        large_out.resize(run.len() / 4 * 3 + 3, 0);
        (&mut large_in[..], &mut large_out[..])
    };
    for (slot, b) in standard.iter_mut().zip(run.bytes()) {
        *slot = match b {
            b'-' => b'+',
            b'_' => b'/',
            b => b,
        };
    }
    let len = standard.len() - usize::from(standard.len() % 4 == 1);
    let decoded = LENIENT.decode_slice(&standard[..len], bytes).ok()?;
    let bytes = &bytes[..decoded];
    // Text, perhaps after a few misaligned bytes; not random bytes (a plain
    // identifier decodes to those). Counted as `from_utf8_lossy` would
    // write it: one U+FFFD per invalid sequence.
    let (mut broken, mut alnum) = (0, 0);
    for chunk in bytes.utf8_chunks() {
        alnum += chunk
            .valid()
            .bytes()
            .filter(u8::is_ascii_alphanumeric)
            .count();
        broken += usize::from(!chunk.invalid().is_empty());
    }
    (broken <= 3 + decoded / 8 && alnum >= CODE_WINDOW)
        .then(|| String::from_utf8_lossy(bytes).into_owned())
}

#[cfg(test)]
#[path = "untrusted_tests.rs"]
mod tests;
