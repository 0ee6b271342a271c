//! The sandbox keeps its own copy of the provider's facts, so it can catch
//! the client getting them wrong; these tests check that the two copies
//! agree, and that both accept the same phone numbers at the boundaries.

use wawp::{Client, PhoneNumber, RetryPolicy};

use crate::common::*;

#[test]
fn both_copies_list_the_same_languages_in_the_same_order() {
    let client: Vec<&str> = wawp::Lang::DOCUMENTED.iter().map(|l| l.as_str()).collect();
    let sandbox: Vec<&str> = wawp_sandbox::Lang::ALL.iter().map(|l| l.as_str()).collect();
    assert_eq!(client, sandbox);
    assert_eq!(sandbox.len(), 26);
    assert_eq!(wawp_sandbox::Lang::default().as_str(), "en");
}

#[test]
fn both_copies_have_the_same_footer_limit() {
    assert_eq!(
        wawp::footer::MAX_FOOTER_CHARS,
        wawp_sandbox::MAX_FOOTER_CHARS
    );
}

/// Whether the sandbox takes `footer` in a send (to a recipient of its own,
/// so no cooldown gets in the way); panics on any other refusal.
async fn sandbox_takes_footer(api: &wawp_openapi::Client, recipient: usize, footer: &str) -> bool {
    let mut request = send_request(&format!("2010{recipient:08}"));
    request.footer = Some(footer.to_owned());
    let answer = conform_api(Op::Send, api.send_otp().body(request).send().await).await;
    if answer.status == 200 {
        return true;
    }
    answer.error(400, "invalid_footer");
    false
}

/// Checks every `(footer, accepted)` case against both copies: each must
/// give the expected verdict, so agreeing on a wrong one fails too.
async fn both_copies_judge(cases: &[(&str, bool)]) {
    let (sandbox, _clock) = start().await;
    let api = api(&sandbox);
    let mut wrong = Vec::new();
    for (i, &(footer, accepted)) in cases.iter().enumerate() {
        let client = footer.parse::<wawp::Footer>().is_ok();
        let sandbox = sandbox_takes_footer(&api, i, footer).await;
        if (client, sandbox) != (accepted, accepted) {
            let points: Vec<String> = footer
                .chars()
                .map(|c| format!("U+{:04X}", c as u32))
                .collect();
            wrong.push(format!(
                "{}: expected {}, client {}, sandbox {}",
                points.join(" "),
                verdict(accepted),
                verdict(client),
                verdict(sandbox)
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "footer verdicts differ:\n{}",
        wrong.join("\n")
    );
}

fn verdict(accepted: bool) -> &'static str {
    if accepted { "accepted" } else { "refused" }
}

#[tokio::test]
async fn both_copies_refuse_blank_footers_and_bidi_overrides() {
    both_copies_judge(&[
        ("Secured by Wawp", true),
        ("Ac\u{200B}me", true),
        (" ", false),
        ("\u{3000}\u{00A0}", false),
        ("\u{200B}\u{200E}\u{200F}", false),
        ("\u{2060}\u{FEFF}\u{061C}", false),
        ("Acme \u{202E}emca", false),
        ("\u{202A}Acme\u{202C}", false),
        ("\u{2066}Acme\u{2069}", false),
        ("Acme\ttab", false),
        ("Acme\u{2028}", false),
    ])
    .await;
}

/// Issue 20 item 4: characters that show nothing although they are neither
/// spaces nor the zero-width marks above (Hangul fillers, Braille blank,
/// soft hyphen, Mongolian vowel separator, variation selectors), and tag
/// characters, refused anywhere, by both copies.
#[tokio::test]
async fn both_copies_refuse_invisible_fillers_and_tag_characters() {
    both_copies_judge(&[
        ("\u{3164}", false),
        ("\u{115F}\u{1160}", false),
        ("\u{FFA0}", false),
        ("\u{2800}\u{2800}", false),
        ("\u{00AD}", false),
        ("\u{180E}", false),
        ("\u{FE0F}\u{034F}", false),
        ("Acme\u{E0041}\u{E0042}", false),
        ("\u{E0001}Acme", false),
        // Visible text with such a character in it is still text.
        ("Ac\u{00AD}me", true),
        ("\u{2764}\u{FE0F}", true),
    ])
    .await;
}

#[tokio::test]
async fn a_seven_digit_number_the_client_accepts_is_accepted_by_the_sandbox() {
    let (sandbox, _clock) = start().await;
    let client = Client::builder()
        .instance_id(sandbox.instance_id())
        .access_token(sandbox.access_token())
        .base_url(sandbox.base_url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    // Niue: the shortest numbers E.164 has, 7 digits with the country code.
    let niue: PhoneNumber = "+683 4002".parse().expect("the client accepts +683 4002");
    assert_eq!(niue.chat_id(), "6834002");
    client
        .send_otp(&niue)
        .await
        .expect("the sandbox accepts it");
    let code = sandbox.last_code("6834002").unwrap();
    verify(&api(&sandbox), "6834002", &code).await.verified();
}

#[tokio::test]
async fn chat_ids_are_7_to_15_digits() {
    let (sandbox, _clock) = start().await;
    let api = api(&sandbox);
    assert_eq!(wawp_sandbox::MIN_CHAT_ID_DIGITS, 7);
    assert_eq!(wawp_sandbox::MAX_CHAT_ID_DIGITS, 15);
    for ok in ["6834002", "123456789012345"] {
        send(&api, ok).await.sent();
    }
    for bad in ["683400", "1234567890123456"] {
        let message = send(&api, bad)
            .await
            .error(400, "invalid_chat_id")
            .to_owned();
        assert!(message.contains("7 to 15 digits"), "{message}");
    }
}
