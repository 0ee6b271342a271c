//! The messages and kinds of [`super::Error`].

use super::*;

#[test]
fn kinds_have_the_documented_names() {
    let cases = [
        (Error::Unauthorized { message: None }, "unauthorized"),
        (
            Error::SendCooldown {
                retry_after: Duration::from_secs(1),
            },
            "send_cooldown",
        ),
        (
            Error::Rejected {
                status: 400,
                message: "x".into(),
            },
            "rejected",
        ),
        (
            Error::Server {
                status: 500,
                message: None,
            },
            "server",
        ),
        (
            Error::OutcomeUnknown {
                status: 502,
                message: None,
                cause: None,
            },
            "outcome_unknown",
        ),
        (Error::Timeout { cause: None }, "timeout"),
        (
            Error::Connection {
                message: "x".into(),
                cause: None,
            },
            "connection",
        ),
        (
            Error::UnparseableBody {
                status: 200,
                cause: None,
            },
            "unparseable_body",
        ),
        (Error::BodyTooLarge { status: 200 }, "body_too_large"),
    ];
    for (err, name) in cases {
        assert_eq!(err.kind().as_str(), name, "{err:?}");
        assert_eq!(err.kind().to_string(), name);
    }
}

#[test]
fn outcome_unknown_says_a_code_may_have_been_sent() {
    let err = Error::OutcomeUnknown {
        status: 504,
        message: None,
        cause: None,
    };
    assert!(
        err.to_string().contains("a code may have been sent"),
        "{err}"
    );
    assert_eq!(err.status(), Some(504));
    assert!(!err.is_retryable());
    let no_answer = Error::OutcomeUnknown {
        status: 0,
        message: None,
        cause: None,
    };
    assert_eq!(no_answer.status(), None);
    let text = no_answer.to_string();
    assert!(text.contains("no answer came back"), "{text}");
    assert!(!text.contains("HTTP 0"), "{text}");
    assert!(!no_answer.is_retryable());
}

#[test]
fn cooldown_message_rounds_up_and_tells_how_long() {
    let err = Error::SendCooldown {
        retry_after: Duration::from_millis(59_500),
    };
    assert!(err.to_string().contains("wait 60 s"), "{err}");
}

#[test]
fn errors_are_send_sync_static() {
    fn assert_bounds<T: std::error::Error + Send + Sync + 'static>() {}
    assert_bounds::<Error>();
    assert_bounds::<BuildError>();
}
