//! Invalid input fails before any request is made, with a message that
//! says what to fix.

mod common;

use common::*;
use wawp::{Error, ErrorKind, FooterReason, Lang, MAX_FOOTER_CHARS, Transport};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn catch_all_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(sent_body()))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn bad_footers_are_refused_without_a_request() {
    let server = catch_all_server().await;
    let client = client(&server, Transport::Post);
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
    for (footer, reason, hint) in cases {
        let err = client.send_otp(&phone()).footer(footer).await.unwrap_err();
        assert_eq!(err, Error::InvalidFooter { reason });
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains(hint), "{err}");
    }
    assert!(received(&server).await.is_empty());
}

#[tokio::test]
async fn bad_codes_are_refused_without_using_an_attempt() {
    let server = catch_all_server().await;
    let client = client(&server, Transport::Query);
    for code in ["", "12345", "1234567", "12a456", "123 456"] {
        let err = client.verify_otp(&phone(), code).await.unwrap_err();
        assert_eq!(err, Error::InvalidCode, "{code:?}");
        assert!(err.to_string().contains("6 digits"), "{err}");
    }
    assert!(received(&server).await.is_empty());
}

#[tokio::test]
async fn hand_built_language_codes_are_checked() {
    let server = catch_all_server().await;
    let err = client(&server, Transport::Post)
        .send_otp(&phone())
        .lang(Lang::Other("english".into()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidLang(_)), "{err:?}");
    assert!(err.to_string().contains("2- or 3-letter"), "{err}");
    assert!(received(&server).await.is_empty());
}

#[test]
fn parse_errors_convert_with_question_mark() {
    fn parse(input: &str) -> Result<wawp::PhoneNumber, Error> {
        Ok(input.parse()?)
    }
    let err = parse("0123").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("country code"), "{err}");
}
