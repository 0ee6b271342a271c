//! Errors name the field and what it needs, never the value that was sent:
//! a phone number or token put in the wrong place must not come back in an
//! answer (or a log line).

use crate::common::*;

const NUMBER: &str = "201234567890";

#[track_caller]
fn no_echo(message: &str) {
    assert!(!message.contains(NUMBER), "echoes the value: {message}");
    assert!(!message.contains("2012345"), "echoes part of it: {message}");
}

async fn post(sandbox: &wawp_sandbox::Sandbox, path: &str, body: &'static str) -> Answer {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", sandbox.base_url()))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    conform(Some(Op::Send), response).await
}

#[tokio::test]
async fn a_number_where_a_string_belongs_is_named_not_echoed() {
    let (sandbox, _clock) = start().await;
    let answer = post(&sandbox, "/v2/auth/otp/send", r#"{"chatId":201234567890}"#).await;
    let message = answer.error(400, "invalid_json");
    assert_eq!(
        message,
        "invalid request body: field \"chatId\": expected a string"
    );

    for (path, body, field, expected) in [
        (
            "/v2/auth/otp/verify",
            r#"{"instance_id":"i","list_id":"201234567890"}"#,
            "list_id",
            "an integer",
        ),
        (
            "/v2/auth/otp/verify",
            r#"{"code":201234567890}"#,
            "code",
            "a string",
        ),
        (
            "/v2/auth/otp/send",
            r#"{"footer":[201234567890]}"#,
            "footer",
            "a string",
        ),
        (
            "/v2/auth/otp/send",
            r#"{"access_token":{"t":201234567890}}"#,
            "access_token",
            "a string",
        ),
    ] {
        let answer = post(&sandbox, path, body).await;
        let message = answer.error(400, "invalid_json");
        no_echo(message);
        assert!(
            message.contains(&format!("\"{field}\"")) && message.contains(expected),
            "{body}: {message}"
        );
    }
}

#[tokio::test]
async fn syntax_errors_give_a_position_not_the_text() {
    let (sandbox, _clock) = start().await;
    for body in [
        r#"{"chatId": 201234567890"#,
        r#"{"chatId": "201234567890",}"#,
        r#"{"chatId": "201234567890"} 201234567890"#,
        r#"[201234567890]"#,
        r#"{"chatId": "201234567890", "chatId": "201234567890"}"#,
    ] {
        let answer = post(&sandbox, "/v2/auth/otp/send", body).await;
        let message = answer.error(400, "invalid_json");
        no_echo(message);
        assert!(message.starts_with("invalid "), "{body}: {message}");
    }
}

#[tokio::test]
async fn query_strings_lang_and_paths_are_not_echoed_either() {
    let (sandbox, _clock) = start().await;
    let http = reqwest::Client::new();
    let base = sandbox.base_url();
    let get = |path: String, query: Vec<(&'static str, &'static str)>| {
        let request = http.get(format!("{base}{path}")).query(&query);
        async move { request.send().await.unwrap() }
    };

    let response = get(
        "/v2/auth/otp/verify".into(),
        vec![("list_id", "201234567890x")],
    )
    .await;
    let answer = conform(Some(Op::Verify), response).await;
    let message = answer.error(400, "invalid_query");
    no_echo(message);
    assert!(
        message.contains("\"list_id\": expected an integer"),
        "{message}"
    );

    let response = get(
        "/v2/auth/otp/send".into(),
        vec![
            ("instance_id", INSTANCE),
            ("access_token", TOKEN),
            ("chatId", CHAT),
            ("lang", NUMBER),
        ],
    )
    .await;
    no_echo(
        conform(Some(Op::Send), response)
            .await
            .error(400, "invalid_lang"),
    );

    let response = get(format!("/v2/auth/otp/{NUMBER}"), vec![]).await;
    no_echo(conform(None, response).await.error(404, "not_found"));

    let response = get("/_sandbox/messages".into(), vec![("limit", NUMBER)]).await;
    no_echo(conform(None, response).await.error(400, "invalid_query"));
}

#[tokio::test]
async fn a_long_method_with_a_number_and_a_token_is_not_echoed() {
    let (sandbox, _clock) = start().await;
    let base = sandbox.base_url();
    // `curl -X GET201234567890test-token-… …`, 200 characters.
    let mut method = format!("GET{NUMBER}{TOKEN}");
    method.extend(std::iter::repeat_n('X', 200 - method.len()));
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    for (path, status, code) in [
        ("/nowhere", 404, "not_found"),
        ("/v2/auth/otp/send", 405, "method_not_allowed"),
        ("/_sandbox/messages", 405, "method_not_allowed"),
    ] {
        let response = reqwest::Client::new()
            .request(method.clone(), format!("{base}{path}"))
            .send()
            .await
            .unwrap();
        let answer = conform(None, response).await;
        let message = answer.error(status, code);
        no_echo(message);
        assert!(!message.contains(TOKEN), "echoes the token: {message}");
        assert!(!message.contains("XXXX"), "echoes the method: {message}");
    }
}
