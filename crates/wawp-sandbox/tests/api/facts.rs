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
    assert_eq!(wawp::MAX_FOOTER_CHARS, wawp_sandbox::MAX_FOOTER_CHARS);
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
