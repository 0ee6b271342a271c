//! Credentials and bad input: every refusal is a JSON answer, and the
//! sandbox keeps serving afterwards.

use reqwest::header::{ALLOW, CONTENT_TYPE};

use crate::common::*;

#[tokio::test]
async fn credentials_are_accepted_in_the_header_the_body_and_the_query() {
    let (sandbox, _clock) = start().await;
    // Header (body without token).
    let mut request = send_request("201000000001");
    request.access_token = None;
    let header = api_with_header(&sandbox, &format!("bearer {TOKEN}"));
    conform_api(
        Op::Send,
        header.send_otp().body(request.clone()).send().await,
    )
    .await
    .sent();
    // Body.
    send(&api(&sandbox), "201000000002").await.sent();
    // Query.
    let answer = api(&sandbox)
        .send_otp_query()
        .access_token(TOKEN)
        .chat_id("201000000003")
        .instance_id(INSTANCE)
        .send()
        .await;
    conform_api(Op::Send, answer).await.sent();
}

#[tokio::test]
async fn missing_or_wrong_credentials_are_401_without_echoing_the_token() {
    let (sandbox, _clock) = start().await;
    let api = api(&sandbox);
    let mut answers = Vec::new();

    let mut no_token = send_request(CHAT);
    no_token.access_token = None;
    answers.push(conform_api(Op::Send, api.send_otp().body(no_token.clone()).send().await).await);
    let mut wrong_token = send_request(CHAT);
    wrong_token.access_token = Some("wrong-token-value".into());
    answers.push(
        conform_api(
            Op::Send,
            api.send_otp().body(wrong_token.clone()).send().await,
        )
        .await,
    );
    let mut wrong_instance = send_request(CHAT);
    wrong_instance.instance_id = "someone-else".into();
    answers.push(
        conform_api(
            Op::Send,
            api.send_otp().body(wrong_instance.clone()).send().await,
        )
        .await,
    );
    answers.push(
        conform_api(
            Op::Send,
            api.send_otp_query()
                .access_token("wrong-token-value")
                .chat_id(CHAT)
                .instance_id(INSTANCE)
                .send()
                .await,
        )
        .await,
    );
    answers.push(
        conform_api(
            Op::Verify,
            api.verify_otp_query()
                .chat_id(CHAT)
                .code("123456")
                .instance_id(INSTANCE)
                .send()
                .await,
        )
        .await,
    );
    // A wrong header token is refused even with the right one in the body.
    let header = api_with_header(&sandbox, "Bearer wrong-token-value");
    answers.push(
        conform_api(
            Op::Send,
            header.send_otp().body(send_request(CHAT)).send().await,
        )
        .await,
    );
    let basic = api_with_header(&sandbox, "Basic dGVzdA==");
    answers.push(
        conform_api(
            Op::Verify,
            basic
                .verify_otp()
                .body(verify_request(CHAT, "123456"))
                .send()
                .await,
        )
        .await,
    );

    for answer in &answers {
        let message = answer.error(401, "unauthorized");
        assert!(!message.contains("wrong-token-value"), "{message}");
    }
    assert!(sandbox.messages().is_empty());
}

#[tokio::test]
async fn credentials_are_checked_before_other_fields() {
    let (sandbox, _clock) = start().await;
    let http = reqwest::Client::new();
    let url = format!("{}/v2/auth/otp/send", sandbox.base_url());
    let response = http.get(&url).send().await.unwrap();
    conform(Some(Op::Send), response)
        .await
        .error(401, "unauthorized");
    let response = http
        .post(&url)
        .json(&serde_json::json!({"lang": "xx"}))
        .send()
        .await
        .unwrap();
    conform(Some(Op::Send), response)
        .await
        .error(401, "unauthorized");
}

#[tokio::test]
async fn missing_required_fields_are_400() {
    let (sandbox, _clock) = start().await;
    let http = reqwest::Client::new();
    let base = sandbox.base_url();
    let creds = [("instance_id", INSTANCE), ("access_token", TOKEN)];
    let response = http
        .get(format!("{base}/v2/auth/otp/send"))
        .query(&creds)
        .send()
        .await
        .unwrap();
    let answer = conform(Some(Op::Send), response).await;
    assert_eq!(
        answer.error(400, "missing_field"),
        "missing field \"chatId\""
    );
    let response = http
        .post(format!("{base}/v2/auth/otp/verify"))
        .json(&serde_json::json!({"instance_id": INSTANCE, "access_token": TOKEN, "chatId": CHAT}))
        .send()
        .await
        .unwrap();
    let answer = conform(Some(Op::Verify), response).await;
    assert_eq!(answer.error(400, "missing_field"), "missing field \"code\"");
}

#[tokio::test]
async fn invalid_chat_ids_are_400() {
    let (sandbox, _clock) = start().await;
    let api = api(&sandbox);
    for chat in [
        "+201234567890",
        "0201234567890",
        "20 1234 567890",
        "1234567",
        "1234567890123456",
        "",
    ] {
        let message = send(&api, chat)
            .await
            .error(400, "invalid_chat_id")
            .to_owned();
        assert!(message.contains("201234567890"), "{message}");
        verify(&api, chat, "123456")
            .await
            .error(400, "invalid_chat_id");
    }
}

#[tokio::test]
async fn unsupported_langs_are_400_with_the_documented_list() {
    let (sandbox, _clock) = start().await;
    let mut request = send_request(CHAT);
    request.lang = "xx".into();
    let answer = conform_api(
        Op::Send,
        api(&sandbox).send_otp().body(request.clone()).send().await,
    )
    .await;
    assert_eq!(
        answer.error(400, "invalid_lang"),
        format!(
            "unsupported lang \"xx\"; use one of: {}",
            wawp::documented_codes()
        )
    );
    request.lang = "AR".into();
    let answer = conform_api(
        Op::Send,
        api(&sandbox).send_otp().body(request.clone()).send().await,
    )
    .await;
    answer.error(400, "invalid_lang");
}

#[tokio::test]
async fn footers_are_short_single_lines() {
    let (sandbox, _clock) = start().await;
    let api = api(&sandbox);
    let mut request = send_request(CHAT);
    request.footer = Some("ü".repeat(201));
    let answer = conform_api(Op::Send, api.send_otp().body(request.clone()).send().await).await;
    assert!(answer.error(400, "invalid_footer").contains("200"));
    request.footer = Some("line one\nline two".into());
    let answer = conform_api(Op::Send, api.send_otp().body(request.clone()).send().await).await;
    answer.error(400, "invalid_footer");
    request.footer = Some("ü".repeat(200));
    conform_api(Op::Send, api.send_otp().body(request.clone()).send().await)
        .await
        .sent();
    assert_eq!(sandbox.messages()[0].footer, request.footer);
}

#[tokio::test]
async fn bodies_over_16_kib_are_413() {
    let (sandbox, _clock) = start().await;
    // Through the generated client: a huge footer.
    let mut request = send_request(CHAT);
    request.footer = Some("x".repeat(17 * 1024));
    let answer = conform_api(
        Op::Send,
        api(&sandbox).send_otp().body(request.clone()).send().await,
    )
    .await;
    assert!(answer.error(413, "payload_too_large").contains("16 KiB"));

    // Streamed (chunked, no Content-Length), through a bare hyper client.
    let chunks: Vec<_> = (0..3).map(|_| Ok(vec![b' '; 10_000])).collect();
    let body = axum::body::Body::from_stream(Chunks(chunks.into_iter()));
    let request = axum::http::Request::post("/v2/auth/otp/verify")
        .header("host", "127.0.0.1")
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .unwrap();
    let stream = tokio::net::TcpStream::connect(sandbox.local_addr())
        .await
        .unwrap();
    let io = hyper_util::rt::TokioIo::new(stream);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await.unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = http_body_util::BodyExt::collect(body)
        .await
        .unwrap()
        .to_bytes();
    let response = reqwest::Response::from(axum::http::Response::from_parts(parts, bytes.to_vec()));
    conform(Some(Op::Verify), response)
        .await
        .error(413, "payload_too_large");
    assert!(sandbox.messages().is_empty());
}

/// A stream of ready chunks.
struct Chunks(std::vec::IntoIter<Result<Vec<u8>, std::io::Error>>);

impl futures_core::Stream for Chunks {
    type Item = Result<Vec<u8>, std::io::Error>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.0.next())
    }
}

#[tokio::test]
async fn unreadable_bodies_are_400_or_415_in_json() {
    let (sandbox, _clock) = start().await;
    let http = reqwest::Client::new();
    let url = format!("{}/v2/auth/otp/send", sandbox.base_url());
    let post = |body: &'static str, content_type: Option<&'static str>| {
        let mut request = http.post(&url).body(body);
        if let Some(content_type) = content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        async move { conform(Some(Op::Send), request.send().await.unwrap()).await }
    };
    let json = Some("application/json");

    let answer = post(r#"{"instance_id": "#, json).await;
    assert!(
        answer
            .error(400, "invalid_json")
            .starts_with("invalid JSON body: ")
    );
    post("", json).await.error(400, "invalid_json");
    post("[]", json).await.error(400, "invalid_json");
    let answer = post(r#"{"instance_id": 42}"#, json).await;
    assert!(
        answer
            .error(400, "invalid_json")
            .contains("expected a string")
    );
    post(r#"{"chatId": 201234567890}"#, json)
        .await
        .error(400, "invalid_json");

    let answer = post(r#"{"instance_id": "x"}"#, Some("text/plain")).await;
    assert!(
        answer
            .error(415, "unsupported_media_type")
            .contains("application/json")
    );
    post(r#"{"instance_id": "x"}"#, None)
        .await
        .error(415, "unsupported_media_type");
    post("instance_id=x", Some("application/x-www-form-urlencoded"))
        .await
        .error(415, "unsupported_media_type");
    // charset and +json variants are JSON.
    post("{}", Some("application/json; charset=utf-8"))
        .await
        .error(401, "unauthorized");

    // Bad query strings.
    let response = http
        .get(format!("{}/v2/auth/otp/verify", sandbox.base_url()))
        .query(&[("chatId", CHAT), ("list_id", "forty-five")])
        .send()
        .await
        .unwrap();
    conform(Some(Op::Verify), response)
        .await
        .error(400, "invalid_query");
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_json() {
    let (sandbox, _clock) = start().await;
    let http = reqwest::Client::new();
    let base = sandbox.base_url();

    for path in [
        "/",
        "/v2/auth/otp",
        "/v2/auth/otp/send/",
        "/v1/auth/otp/send",
    ] {
        let response = http.get(format!("{base}{path}")).send().await.unwrap();
        let message = conform(None, response)
            .await
            .error(404, "not_found")
            .to_owned();
        assert!(message.contains("/v2/auth/otp/send"), "{message}");
    }

    let response = http
        .delete(format!("{base}/v2/auth/otp/send"))
        .send()
        .await
        .unwrap();
    let allow = response.headers().get(ALLOW).cloned();
    conform(Some(Op::Send), response)
        .await
        .error(405, "method_not_allowed");
    let allow = allow.expect("405 carries Allow");
    let allow = allow.to_str().unwrap();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");

    // HEAD would run the GET handler and send a code: refused.
    let response = http
        .head(format!("{base}/v2/auth/otp/send"))
        .query(&[
            ("instance_id", INSTANCE),
            ("access_token", TOKEN),
            ("chatId", CHAT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers().get(ALLOW).unwrap(), "GET,POST");
    assert!(sandbox.messages().is_empty());

    let response = http
        .post(format!("{base}/_sandbox/messages"))
        .send()
        .await
        .unwrap();
    conform(None, response)
        .await
        .error(405, "method_not_allowed");

    // Still serving.
    send(&api(&sandbox), CHAT).await.sent();
}
