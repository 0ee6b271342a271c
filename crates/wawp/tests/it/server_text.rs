//! One test per row of issue 20's table about server text: what a hostile
//! server on 127.0.0.1 sends, and what the caller and the log get.

use base64::Engine as _;
use serde_json::json;
use wawp::{Error, SentOtp, client::Transport};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

/// The answer to a send, and the captured log of the call.
async fn send_answered(answer: ResponseTemplate) -> (Result<SentOtp, Error>, String) {
    let server = MockServer::start().await;
    Mock::given(path(SEND_PATH))
        .respond_with(answer)
        .mount(&server)
        .await;
    let (captured, guard) = capture_tracing();
    let result = no_retry_client(&server, Transport::Post)
        .send_otp(&phone())
        .await;
    drop(guard);
    (result, captured.text())
}

fn shown(result: &Result<SentOtp, Error>) -> String {
    match result {
        Ok(sent) => format!("{} {} {sent:?}", sent.job_id, sent.message),
        Err(err) => format!("{err} {err:?}"),
    }
}

#[tokio::test]
async fn percent_encoded_line_breaks_cannot_forge_a_log_line() {
    let body = json!({"message": "a%0D%0A2099-01-01T00:00:00Z WARN fake%1B[31m%00%07"});
    let (result, logs) = send_answered(ResponseTemplate::new(401).set_body_json(body)).await;
    let err = result.unwrap_err();
    let display = err.to_string();
    for text in [&display, &logs] {
        assert!(!text.contains(['\r', '\u{1b}', '\0', '\u{7}']), "{text:?}");
    }
    assert!(!display.contains('\n'), "{display:?}");
    // The forged text is on the same line as the real one.
    let warn = logs.lines().find(|l| l.contains("call failed")).unwrap();
    assert!(warn.contains("WARN fake[31m"), "{warn}");
}

#[tokio::test]
async fn the_token_in_any_disguise_is_withheld() {
    let token = TOKEN;
    let zero_width: String = token.chars().flat_map(|c| [c, '\u{200B}']).collect();
    let soft_hyphen = format!("{}\u{AD}{}", &token[..8], &token[8..]);
    let double_percent = token.replace('_', "%255F");
    let decimal: String = token.chars().map(|c| format!("&#{};", c as u32)).collect();
    let hex = format!("&#x74;{}", &token[1..]);
    let json_escape = format!("\\u0074{}", &token[1..]);
    let base64 = base64::engine::general_purpose::STANDARD.encode(token);
    let prefix = token[..20].to_owned();
    let suffix = token[token.len() - 20..].to_owned();
    for disguised in [
        zero_width,
        soft_hyphen,
        token.to_uppercase(),
        double_percent,
        decimal,
        hex,
        base64,
        prefix,
        suffix,
    ] {
        let body = json!({"message": format!("bad token {disguised} here")});
        let (result, logs) = send_answered(ResponseTemplate::new(401).set_body_json(body)).await;
        let text = format!("{} {logs}", shown(&result)).to_lowercase();
        assert!(!text.contains("secret"), "{disguised}: {text}");
        assert!(!text.contains("9f8e7d6c"), "{disguised}: {text}");
    }
    // `\u` escapes in a body that is not an error body (plain text).
    let (result, logs) = send_answered(
        ResponseTemplate::new(400).set_body_raw(format!("bad {json_escape}"), "text/plain"),
    )
    .await;
    let text = format!("{} {logs}", shown(&result)).to_lowercase();
    assert!(!text.contains("secret"), "{text}");
}

#[tokio::test]
async fn a_token_prefix_in_a_job_id_is_withheld() {
    let body = json!({
        "code": "success",
        "message": "sent",
        "expires_in": 300,
        "job_id": format!("job-{}", &TOKEN[..16]),
    });
    let (result, logs) = send_answered(ResponseTemplate::new(200).set_body_json(body)).await;
    let sent = result.unwrap();
    assert_eq!(sent.job_id, "job-[redacted]");
    assert!(!logs.contains(&TOKEN[..16]), "{logs}");
}

#[tokio::test]
async fn controls_in_a_success_are_removed_and_a_huge_job_id_is_cut() {
    let body = json!({
        "code": "success",
        "message": "sent\u{1b}[2J\u{7}\nINFO forged",
        "expires_in": 300,
        "job_id": format!("job\u{1b}]0;x\u{7}\n{}", "a".repeat(60_000)),
    });
    let (result, logs) = send_answered(ResponseTemplate::new(200).set_body_json(body)).await;
    let sent = result.unwrap();
    assert_eq!(sent.message, "sent[2J INFO forged");
    assert!(sent.job_id.starts_with("job]0;x a"), "{}", sent.job_id);
    assert!(sent.job_id.ends_with('…'), "{}", sent.job_id);
    assert_eq!(sent.job_id.chars().count(), 129);
    assert!(!logs.contains(['\u{1b}', '\u{7}']), "{logs:?}");
}

#[tokio::test]
async fn numbers_and_codes_split_by_separators_or_markup_are_hidden() {
    for (message, expected) in [
        ("to 0123_456_7890 now", "to +20•••••7890 now"),
        ("to 20<b>1234</b>567890", "to +20•••••7890"),
        // On send the client does not know the code: any 6 digits go.
        ("code 482<b>913</b> sent", "code [withheld]</b> sent"),
        ("code 482_913 sent", "code [withheld] sent"),
    ] {
        let body = json!({ "message": message });
        let (result, logs) = send_answered(ResponseTemplate::new(400).set_body_json(body)).await;
        let Err(Error::Rejected { message: got, .. }) = &result else {
            panic!("{result:?}");
        };
        assert_eq!(got, expected, "{message}");
        assert!(
            !logs.contains("1234567890") && !logs.contains("482"),
            "{logs}"
        );
    }
}
