//! Unit tests of the untrusted-text rule (the property test is in
//! `tests/it/untrusted.rs`).

use super::*;

const TOKEN: &str = "tok+SECRET/9f8e7d6c5b4a";

fn redactor_for(phone: &PhoneNumber) -> Redactor<'_> {
    Redactor {
        token: TOKEN,
        code: Some("482913"),
        phone,
    }
}

fn scrub(text: &str) -> String {
    let phone: PhoneNumber = "+201234567400".parse().unwrap();
    redactor_for(&phone).scrub(text)
}

#[test]
fn hides_token_code_and_number() {
    assert_eq!(
        scrub("token tok+SECRET/9f8e7d6c5b4a code 482913 for +201234567400 or 201234567400"),
        "token [redacted] code [code] for +20•••••7400 or +20•••••7400"
    );
}

#[test]
fn hides_a_percent_encoded_token() {
    let text = scrub("bad access_token=tok%2BSECRET%2F9f8e7d6c5b4a here");
    assert_eq!(text, "bad access_token=[redacted] here");
}

#[test]
fn withholds_a_token_split_by_markup_or_spaces() {
    for text in [
        "bad token tok+SECRET<b>/9f8e7d6c5b4a</b>",
        "bad token tok+SECRET /9f8e 7d6c5b4a",
    ] {
        let out = scrub(text);
        assert!(out.starts_with("bad token [redacted]"), "{text}: {out}");
        assert!(!out.contains("9f8e"), "{text}: {out}");
    }
}

#[test]
fn hides_numbers_written_with_separators() {
    for (text, expected) in [
        ("to +20 123 456 7400 now", "to +20•••••7400 now"),
        ("to 20-123-456-7400.", "to +20•••••7400."),
        ("to (+20)1234567400!", "to +20•••••7400!"),
        ("to 1234567400 (national)", "to +20•••••7400 (national)"),
        ("to 0123_456_7400", "to +20•••••7400"),
        ("code 482 913 sent", "code [code] sent"),
        ("code 482<b>913</b> sent", "code [code]</b> sent"),
        ("part 45674 of it", "part [withheld] of it"),
    ] {
        assert_eq!(scrub(text), expected, "{text}");
    }
}

#[test]
fn controls_are_dropped_after_decoding() {
    assert_eq!(
        scrub("a%0D%0A2099-01-01 WARN fake%1B[31m%00%07"),
        "a 2099-01-01 WARN fake[31m"
    );
    assert_eq!(scrub("x\u{202E}y\u{E0041}\u{200B}z\u{3164}"), "xyz");
}

#[test]
fn leaves_other_text_alone() {
    for text in [
        "Rate limit exceeded (60 s)",
        "HTTP 502 + 1",
        "100% done",
        "(a) b",
        "The code is incorrect: 4 attempts left",
        "رمز التحقق غير صحيح",
    ] {
        assert_eq!(scrub(text), text);
    }
}

#[test]
fn base64_of_a_secret_is_withheld() {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    for encoded in [
        STANDARD.encode(TOKEN),
        URL_SAFE_NO_PAD.encode("code 482913"),
        STANDARD.encode("201234567400"),
    ] {
        assert_eq!(
            scrub(&format!("see {encoded} there")),
            "see [withheld] there"
        );
    }
}

#[test]
fn long_job_ids_are_cut_and_marked() {
    let phone: PhoneNumber = "+201234567400".parse().unwrap();
    let id = redactor_for(&phone).job_id(&"a".repeat(60_000));
    assert_eq!(id.chars().count(), MAX_JOB_ID_CHARS + 1);
    assert!(id.ends_with('…'));
    assert_eq!(redactor_for(&phone).job_id("send_12_34"), "send_12_34");
}
