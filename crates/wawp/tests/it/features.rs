//! The optional features: `serde` and `raw` (run with
//! `cargo test -p wawp --all-features`).

#[cfg(feature = "serde")]
#[test]
fn checked_types_round_trip_through_serde_and_are_checked_on_the_way_in() {
    use wawp::{Footer, Lang, PhoneNumber, SentOtp, VerifyOutcome};

    let phone: PhoneNumber = "+20 123 456 7890".parse().unwrap();
    let json = serde_json::to_string(&(phone.clone(), Lang::Ar)).unwrap();
    assert_eq!(json, r#"["+201234567890","ar"]"#);
    let back: (PhoneNumber, Lang) = serde_json::from_str(&json).unwrap();
    assert_eq!(back, (phone, Lang::Ar));
    assert!(serde_json::from_str::<Footer>(r#""two\nlines""#).is_err());
    assert!(serde_json::from_str::<PhoneNumber>(r#""0123""#).is_err());
    let sent = SentOtp::new("job", std::time::Duration::from_secs(300), "sent");
    let json = serde_json::to_value(&sent).unwrap();
    assert_eq!(json["job_id"], "job");
    let outcome = VerifyOutcome::WrongCode {
        attempts_left: Some(2),
        message: None,
    };
    let back: VerifyOutcome =
        serde_json::from_value(serde_json::to_value(&outcome).unwrap()).unwrap();
    assert_eq!(back, outcome);
}

/// With the caller's own reqwest client there is no bearer header: the
/// token travels in the POST body, still never in the URL.
#[cfg(feature = "raw")]
#[tokio::test]
async fn an_own_reqwest_client_sends_the_token_in_the_body() {
    use crate::common::*;
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    Mock::given(path(SEND_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(sent_body()))
        .mount(&server)
        .await;
    // reqwest has no crypto provider of its own here: give it one.
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    let own = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .no_proxy()
        .build()
        .unwrap();
    let client = builder(&server, wawp::client::Transport::Post)
        .with_reqwest_client(own)
        .build()
        .unwrap();
    client.send_otp(&phone()).await.unwrap();
    let request = &received(&server).await[0];
    assert!(request.headers.get("authorization").is_none());
    assert!(!request.url.as_str().contains(TOKEN));
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["access_token"], TOKEN);
}

/// A deserialized policy passes the setters' checks: no zero attempts, no
/// deadline that overflows the clock of every call.
#[cfg(feature = "serde")]
#[test]
fn a_deserialized_retry_policy_is_checked_like_a_built_one() {
    use std::time::Duration;
    use wawp::RetryPolicy;

    let json = serde_json::json!({
        "max_attempts": 0,
        "base_delay": {"secs": u64::MAX, "nanos": 0},
        "max_delay": {"secs": 1, "nanos": 0},
        "deadline": {"secs": u64::MAX, "nanos": 999_999_999},
    });
    let policy: RetryPolicy = serde_json::from_value(json).unwrap();
    assert_eq!(policy.max_attempts(), 1);
    assert_eq!(policy.deadline(), wawp::retry::MAX_DEADLINE);
    let zero = serde_json::json!({
        "max_attempts": 3,
        "base_delay": {"secs": 0, "nanos": 0},
        "max_delay": {"secs": 0, "nanos": 0},
        "deadline": {"secs": 0, "nanos": 0},
    });
    let policy: RetryPolicy = serde_json::from_value(zero).unwrap();
    assert_eq!(policy.deadline(), Duration::from_millis(1));
    assert!(!policy.retry_send_on_unavailable());
    let back: RetryPolicy =
        serde_json::from_value(serde_json::to_value(RetryPolicy::default()).unwrap()).unwrap();
    assert_eq!(back, RetryPolicy::default());
}

/// Deserialization errors say what was expected, never the value: a
/// number given as a JSON integer, a token or a number given as a language.
#[cfg(feature = "serde")]
#[test]
fn serde_errors_never_repeat_the_value() {
    use wawp::{Footer, Lang, PhoneNumber, client::Transport};

    let cases = [
        (
            serde_json::from_str::<PhoneNumber>("201234567890").map(drop),
            "1234567",
        ),
        (
            serde_json::from_str::<PhoneNumber>("2.01234567890e11").map(drop),
            "1234567",
        ),
        (
            serde_json::from_str::<Lang>(r#""+201234567890""#).map(drop),
            "1234567",
        ),
        (
            serde_json::from_str::<Lang>(r#""tok_SECRET_9f8e""#).map(drop),
            "SECRET",
        ),
        (
            serde_json::from_str::<Lang>("201234567890").map(drop),
            "1234567",
        ),
        (
            serde_json::from_str::<Footer>("201234567890").map(drop),
            "1234567",
        ),
        (
            serde_json::from_str::<Transport>(r#""tok_SECRET_9f8e""#).map(drop),
            "SECRET",
        ),
        (
            serde_json::from_str::<PhoneNumber>(r#""+20 123 456 78""#).map(drop),
            "456",
        ),
    ];
    for (result, secret) in cases {
        let err = result.unwrap_err().to_string();
        assert!(!err.contains(secret), "{err}");
        assert!(
            err.contains("expected") || err.contains("invalid") || err.contains("use "),
            "{err}"
        );
    }
    assert_eq!(
        serde_json::from_str::<Transport>(r#""query""#).unwrap(),
        Transport::Query
    );
}
