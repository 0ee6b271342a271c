//! The send → read code → verify flow, in every form the spec offers.

use crate::common::*;

#[tokio::test]
async fn send_read_the_code_and_verify_with_a_bearer_header() {
    let (sandbox, _clock) = start().await;
    let api = api_with_header(&sandbox, &format!("Bearer {TOKEN}"));
    let mut request = send_request(CHAT);
    request.access_token = None;
    request.lang = "ar".into();
    request.footer = Some("Secured by Wawp".into());

    let answer = conform_api(Op::Send, api.send_otp().body(request.clone()).send().await).await;
    let sent = answer.sent();
    assert_eq!(sent.code, "success");
    assert_eq!(sent.message, "Verification code sent successfully");
    assert_eq!(sent.expires_in, 300.0);
    assert!(sent.job_id.starts_with("send_"), "{}", sent.job_id);

    // The code, from the HTTP message log and from the library.
    let listed = messages_endpoint(&sandbox, Some(CHAT)).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let message = &listed[0];
    assert_eq!(message["chatId"], CHAT);
    assert_eq!(message["job_id"], sent.job_id.as_str());
    assert_eq!(message["lang"], "ar");
    assert_eq!(message["footer"], "Secured by Wawp");
    assert_eq!(message["sent_at"], "2025-01-01T00:00:00.000Z");
    let code = message["code"].as_str().unwrap().to_owned();
    assert!(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "{code}"
    );
    assert_eq!(sandbox.last_code(CHAT).as_deref(), Some(code.as_str()));
    assert_eq!(sandbox.messages()[0].job_id, sent.job_id);

    let mut request = verify_request(CHAT, &code);
    request.access_token = None;
    let answer = conform_api(
        Op::Verify,
        api.verify_otp().body(request.clone()).send().await,
    )
    .await;
    let verified = answer.verified();
    assert_eq!(verified.code.as_deref(), Some("success"));
    assert_eq!(verified.message.as_deref(), Some("Code verified"));
}

#[tokio::test]
async fn get_forms_carry_credentials_and_fields_in_the_query() {
    let (sandbox, _clock) = start().await;
    let api = api(&sandbox);
    let answer = conform_api(
        Op::Send,
        api.send_otp_query()
            .access_token(TOKEN)
            .chat_id(CHAT)
            .footer("Acme")
            .instance_id(INSTANCE)
            .lang("fr")
            .send()
            .await,
    )
    .await;
    answer.sent();
    let message = &sandbox.messages()[0];
    assert_eq!(
        (message.lang.as_str(), message.footer.as_deref()),
        ("fr", Some("Acme"))
    );

    let code = sandbox.last_code(CHAT).unwrap();
    let answer = conform_api(
        Op::Verify,
        api.verify_otp_query()
            .access_token(TOKEN)
            .chat_id(CHAT)
            .code(&code)
            .instance_id(INSTANCE)
            .list_id(45)
            .send()
            .await,
    )
    .await;
    answer.verified();
}

#[tokio::test]
async fn lang_defaults_to_en_and_every_documented_code_is_accepted() {
    let (sandbox, _clock) = start().await;
    let api = api(&sandbox);
    let answer = conform_api(
        Op::Send,
        api.send_otp_query()
            .access_token(TOKEN)
            .chat_id(CHAT)
            .instance_id(INSTANCE)
            .send()
            .await,
    )
    .await;
    answer.sent();
    assert_eq!(sandbox.messages()[0].lang, wawp::Lang::En);

    for (i, lang) in wawp::Lang::DOCUMENTED.into_iter().enumerate() {
        let chat = format!("2010000000{i:02}");
        let mut request = send_request(&chat);
        request.lang = lang.as_str().into();
        conform_api(Op::Send, api.send_otp().body(request.clone()).send().await)
            .await
            .sent();
        assert_eq!(sandbox.messages().last().unwrap().lang, lang);
    }
}

#[tokio::test]
async fn job_ids_are_unique_and_messages_are_listed_in_send_order() {
    let (sandbox, _clock) = start().await;
    let api = api(&sandbox);
    let mut job_ids = Vec::new();
    for i in 0..30 {
        let answer = send(&api, &format!("4915100000{i:03}")).await;
        job_ids.push(answer.sent().job_id.clone());
    }
    let logged: Vec<_> = sandbox.messages().into_iter().map(|m| m.job_id).collect();
    assert_eq!(logged, job_ids);
    let mut unique = job_ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), job_ids.len());
    assert_eq!(messages_endpoint(&sandbox, None).await.len(), 30);
}

#[tokio::test]
async fn a_sandbox_shuts_down_and_its_port_stops_answering() {
    let (sandbox, _clock) = start().await;
    let url = format!("{}/_sandbox/health", sandbox.base_url());
    let health: serde_json::Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    sandbox.shutdown().await;
    assert!(reqwest::get(&url).await.is_err());
}
