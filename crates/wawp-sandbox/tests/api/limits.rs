//! Memory stays bounded: recipients and messages are capped.

use crate::common::*;

#[tokio::test]
async fn the_recipient_cap_evicts_the_oldest_recipient() {
    let (sandbox, _clock) = start_with(|b| b.max_recipients(2)).await;
    let api = api(&sandbox);
    let (a, b, c) = ("201000000001", "201000000002", "201000000003");
    for chat in [a, b, c] {
        send(&api, chat).await.sent();
    }
    assert_eq!(sandbox.state().recipients(), 2);
    // `a` was forgotten: its code is gone and it can be sent to at once.
    verify(&api, a, &sandbox.last_code(a).unwrap())
        .await
        .error(400, "no_active_code");
    send(&api, a).await.sent();
    // That evicted `b`, the oldest now; `c` is still cooling down.
    send(&api, b).await.sent();
    send(&api, c).await.sent();
    send(&api, c).await.error(429, "rate_limited");

    let health: serde_json::Value = reqwest::get(format!("{}/_sandbox/health", sandbox.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["recipients"], 2, "{health}");
}

#[tokio::test]
async fn the_message_log_keeps_the_newest_messages() {
    let (sandbox, _clock) = start_with(|b| b.max_messages(3)).await;
    let api = api(&sandbox);
    let chats: Vec<String> = (1..=5).map(|i| format!("20100000000{i}")).collect();
    for chat in &chats {
        send(&api, chat).await.sent();
    }
    let kept: Vec<_> = sandbox.messages().into_iter().map(|m| m.chat_id).collect();
    assert_eq!(kept, &chats[2..]);
    assert_eq!(sandbox.last_code(&chats[0]), None);
    assert_eq!(messages_endpoint(&sandbox, None).await.len(), 3);
    assert!(
        messages_endpoint(&sandbox, Some(&chats[0]))
            .await
            .is_empty()
    );
    // The code still works: the log is only a window on what was sent.
    assert!(sandbox.last_code(&chats[4]).is_some());
}

/// `GET /_sandbox/messages` with `query`.
async fn messages_with(
    sandbox: &wawp_sandbox::Sandbox,
    query: &[(&str, &str)],
) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}/_sandbox/messages", sandbox.base_url()))
        .query(query)
        .send()
        .await
        .unwrap()
}

async fn chat_ids(response: reqwest::Response) -> Vec<String> {
    assert_eq!(response.status(), 200);
    let messages: Vec<serde_json::Value> = response.json().await.unwrap();
    messages
        .iter()
        .map(|m| m["chatId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_message_endpoint_answers_newest_first_and_at_most_limit() {
    let (sandbox, clock) = start().await;
    let api = api(&sandbox);
    let chats: Vec<String> = (0..105).map(|i| format!("2010000{i:05}")).collect();
    for chat in &chats {
        send(&api, chat).await.sent();
    }
    let newest_first: Vec<String> = chats.iter().rev().cloned().collect();

    // No limit: the newest 100 (the default).
    let listed = chat_ids(messages_with(&sandbox, &[]).await).await;
    assert_eq!(listed.len(), wawp_sandbox::DEFAULT_MESSAGES_LIMIT);
    assert_eq!(listed, newest_first[..100]);
    let listed = chat_ids(messages_with(&sandbox, &[("limit", "3")]).await).await;
    assert_eq!(listed, newest_first[..3]);
    let listed = chat_ids(messages_with(&sandbox, &[("limit", "1000")]).await).await;
    assert_eq!(listed, newest_first);

    // One recipient, newest first, limited too.
    let again = &chats[7];
    clock.advance(wawp_sandbox::SEND_COOLDOWN);
    send(&api, again).await.sent();
    let response = messages_with(&sandbox, &[("chatId", again.as_str())]).await;
    let messages: Vec<serde_json::Value> = response.json().await.unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(
        messages[0]["code"].as_str(),
        sandbox.last_code(again).as_deref()
    );
    let listed =
        chat_ids(messages_with(&sandbox, &[("chatId", again.as_str()), ("limit", "1")]).await)
            .await;
    assert_eq!(listed, std::slice::from_ref(again));
}

#[tokio::test]
async fn a_limit_outside_1_to_1000_is_400() {
    let (sandbox, _clock) = start().await;
    for limit in ["0", "1001", "-1", "many", "18446744073709551616"] {
        let answer = conform(None, messages_with(&sandbox, &[("limit", limit)]).await).await;
        let message = answer.error(400, "invalid_query");
        assert!(message.contains("\"limit\""), "{limit}: {message}");
        assert!(message.contains("1 to 1000"), "{limit}: {message}");
    }
}
