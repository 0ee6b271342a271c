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
