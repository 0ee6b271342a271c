//! Inputs are parsed into types at the edge; what parses can be sent, and
//! parse errors say what to fix without repeating the input.

use crate::common::*;
use wawp::{
    Footer, Lang, OtpCode, PhoneNumber, client::Transport, footer::FooterReason,
    footer::MAX_FOOTER_CHARS,
};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[test]
fn parse_errors_say_what_to_fix_without_the_input() {
    let long = "x".repeat(MAX_FOOTER_CHARS + 1);
    let cases = [
        ("   ", FooterReason::Blank, "leave the footer out"),
        ("two\nlines", FooterReason::ControlCharacter, "single-line"),
        (
            long.as_str(),
            FooterReason::TooLong {
                chars: MAX_FOOTER_CHARS + 1,
                max: MAX_FOOTER_CHARS,
            },
            "keep it to 200",
        ),
    ];
    for (input, reason, hint) in cases {
        let err = input.parse::<Footer>().unwrap_err();
        assert_eq!(err.reason(), reason);
        assert!(err.to_string().contains(hint), "{err}");
    }
    for input in ["", "12345", "1234567", "12a456", "123 456"] {
        let err = input.parse::<OtpCode>().unwrap_err();
        assert!(err.to_string().contains("6 digits"), "{err}");
    }
    let err = "english".parse::<Lang>().unwrap_err();
    assert!(err.to_string().contains("2- or 3-letter"), "{err}");
    let err = "0123 456 7890".parse::<PhoneNumber>().unwrap_err();
    assert!(err.to_string().contains("country code"), "{err}");
    assert!(!err.to_string().contains("0123 456"), "{err}");
}

/// The client and the sandbox agree: a valid 7-digit number (Niue) is a
/// recipient, sent as its 7 digits, and shows at most half of its national
/// number.
#[tokio::test]
async fn the_shortest_valid_number_is_sent_and_masked() {
    let server = MockServer::start().await;
    Mock::given(path(SEND_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(sent_body()))
        .mount(&server)
        .await;
    let niue: PhoneNumber = "+683 4002".parse().unwrap();
    let (captured, guard) = capture_tracing();
    client(&server, Transport::Post)
        .send_otp(&niue)
        .await
        .unwrap();
    drop(guard);
    let body: serde_json::Value = serde_json::from_slice(&received(&server).await[0].body).unwrap();
    assert_eq!(body["chatId"], "6834002");
    let logs = captured.text();
    assert!(logs.contains("recipient=+683•••••02"), "{logs}");
    assert!(!logs.contains("4002"), "{logs}");
}
