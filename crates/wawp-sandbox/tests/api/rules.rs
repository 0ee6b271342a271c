//! The provider's rules, with time moved by a manual clock (no sleeping).

use std::time::Duration;

use crate::common::*;
use wawp_sandbox::{CODE_LIFETIME, LOCKOUT, SEND_COOLDOWN};

#[tokio::test]
async fn a_second_send_within_60_s_is_429_with_retry_after() {
    let (sandbox, clock) = start().await;
    let api = api(&sandbox);
    send(&api, CHAT).await.sent();
    let first = sandbox.last_code(CHAT).unwrap();

    let answer = send(&api, CHAT).await;
    let message = answer.error(429, "rate_limited");
    assert_eq!(answer.retry_after, Some(60));
    assert!(message.contains("60"), "{message}");

    clock.advance(Duration::from_millis(59_500));
    let answer = send(&api, CHAT).await;
    answer.error(429, "rate_limited");
    assert_eq!(answer.retry_after, Some(1));
    // Refused sends deliver nothing.
    assert_eq!(sandbox.messages().len(), 1);

    clock.advance(Duration::from_millis(500));
    send(&api, CHAT).await.sent();
    let second = sandbox.last_code(CHAT).unwrap();
    assert_eq!(sandbox.messages().len(), 2);
    // The new code replaces the old one.
    if first != second {
        verify(&api, CHAT, &first).await.error(400, "invalid_code");
    }
    verify(&api, CHAT, &second).await.verified();

    // Other recipients are not affected by this one's cooldown.
    send(&api, "201111111111").await.sent();
}

#[tokio::test]
async fn a_code_expires_after_300_s() {
    let (sandbox, clock) = start().await;
    let api = api(&sandbox);
    let (early, late) = ("201000000001", "201000000002");
    send(&api, early).await.sent();
    send(&api, late).await.sent();

    clock.advance(CODE_LIFETIME - Duration::from_secs(1));
    verify(&api, early, &sandbox.last_code(early).unwrap())
        .await
        .verified();
    clock.advance(Duration::from_secs(1));
    let message = verify(&api, late, &sandbox.last_code(late).unwrap())
        .await
        .error(400, "code_expired")
        .to_owned();
    assert!(message.contains("expired"), "{message}");
    // A new code works again.
    send(&api, late).await.sent();
    verify(&api, late, &sandbox.last_code(late).unwrap())
        .await
        .verified();
}

#[tokio::test]
async fn five_wrong_codes_lock_the_recipient_out_for_15_minutes() {
    let (sandbox, clock) = start().await;
    let api = api(&sandbox);
    send(&api, CHAT).await.sent();
    let code = sandbox.last_code(CHAT).unwrap();
    let bad = wrong(&code);

    for left in ["4 attempts", "3 attempts", "2 attempts", "1 attempt"] {
        let answer = verify(&api, CHAT, &bad).await;
        assert_eq!(
            answer.error(400, "invalid_code"),
            format!("The code is incorrect: {left} left")
        );
    }
    // The 5th wrong attempt is itself answered with the lockout.
    let answer = verify(&api, CHAT, &bad).await;
    answer.error(429, "locked_out");
    assert_eq!(answer.retry_after, Some(900));

    // Locked: even the right code, and sending a new one.
    let answer = verify(&api, CHAT, &code).await;
    answer.error(429, "locked_out");
    assert_eq!(answer.retry_after, Some(900));
    clock.advance(SEND_COOLDOWN);
    let answer = send(&api, CHAT).await;
    answer.error(429, "locked_out");
    assert_eq!(answer.retry_after, Some(840));

    clock.advance(LOCKOUT - SEND_COOLDOWN - Duration::from_secs(1));
    let answer = verify(&api, CHAT, &code).await;
    answer.error(429, "locked_out");
    assert_eq!(answer.retry_after, Some(1));

    // After the lockout the old code is gone; a new one works.
    clock.advance(Duration::from_secs(1));
    verify(&api, CHAT, &code).await.error(400, "no_active_code");
    send(&api, CHAT).await.sent();
    verify(&api, CHAT, &sandbox.last_code(CHAT).unwrap())
        .await
        .verified();
}

#[tokio::test]
async fn a_right_code_after_a_few_wrong_ones_still_works() {
    let (sandbox, _clock) = start().await;
    let api = api(&sandbox);
    send(&api, CHAT).await.sent();
    let code = sandbox.last_code(CHAT).unwrap();
    for _ in 0..4 {
        verify(&api, CHAT, &wrong(&code))
            .await
            .error(400, "invalid_code");
    }
    verify(&api, CHAT, &code).await.verified();
}

#[tokio::test]
async fn codes_are_single_use() {
    let (sandbox, _clock) = start().await;
    let api = api(&sandbox);
    send(&api, CHAT).await.sent();
    let code = sandbox.last_code(CHAT).unwrap();
    verify(&api, CHAT, &code).await.verified();
    verify(&api, CHAT, &code).await.error(400, "no_active_code");
    // The log still shows the code that was sent.
    assert_eq!(sandbox.last_code(CHAT), Some(code));
}

#[tokio::test]
async fn verifying_without_a_code_sent_is_no_active_code() {
    let (sandbox, _clock) = start().await;
    let message = verify(&api(&sandbox), CHAT, "123456")
        .await
        .error(400, "no_active_code")
        .to_owned();
    assert!(message.contains("send one first"), "{message}");
}

#[tokio::test]
async fn malformed_codes_are_refused_without_using_attempts() {
    let (sandbox, _clock) = start().await;
    let api = api(&sandbox);
    send(&api, CHAT).await.sent();
    for bad in ["12345", "1234567", "12a456", "", " 123456", "１２３４５６"] {
        for _ in 0..2 {
            let message = verify(&api, CHAT, bad)
                .await
                .error(400, "invalid_code")
                .to_owned();
            assert!(message.contains("6 digits"), "{bad:?}: {message}");
        }
    }
    verify(&api, CHAT, &sandbox.last_code(CHAT).unwrap())
        .await
        .verified();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sends_to_one_recipient_issue_exactly_one_code() {
    let (sandbox, _clock) = start().await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let api = api(&sandbox);
        tasks.spawn(async move { send(&api, CHAT).await });
    }
    let answers = tasks.join_all().await;
    let ok = answers.iter().filter(|a| a.status == 200).count();
    assert_eq!(ok, 1, "{answers:?}");
    for answer in answers.iter().filter(|a| a.status != 200) {
        answer.error(429, "rate_limited");
    }
    assert_eq!(sandbox.messages().len(), 1);
}
