//! The sandbox through the `wawp` crate's client: what a bot's `--sandbox`
//! mode does.

use std::time::Duration;

use wawp::{
    Client, ErrorKind, Lang, OtpCode, PhoneNumber, RetryPolicy, VerifyOutcome, client::Transport,
};

use crate::common::*;

fn client(sandbox: &wawp_sandbox::Sandbox, transport: Transport) -> Client {
    Client::builder()
        .instance_id(sandbox.instance_id())
        .access_token(sandbox.access_token())
        .base_url(sandbox.base_url())
        .transport(transport)
        .retry(RetryPolicy::none())
        .build()
        .expect("client for the sandbox")
}

#[tokio::test]
async fn the_wawp_client_sends_and_verifies_in_both_transports() {
    let (sandbox, _clock) = start().await;
    for (transport, number) in [
        (Transport::Post, "+20 123 456 7890"),
        (Transport::Query, "+1 650 253 0000"),
    ] {
        let client = client(&sandbox, transport);
        let phone: PhoneNumber = number.parse().unwrap();
        let sent = client.send_otp(&phone).lang(Lang::Ar).await.unwrap();
        assert_eq!(sent.expires_in, Duration::from_secs(300));
        let message = sandbox.messages().pop().unwrap();
        assert_eq!(message.chat_id, phone.chat_id());
        assert_eq!(
            (message.lang.as_str(), &message.job_id),
            (Lang::Ar.as_str(), &sent.job_id)
        );
        let code: OtpCode = sandbox.last_code(phone.chat_id()).unwrap().parse().unwrap();
        let outcome = client.verify_otp(&phone, &code).await.unwrap();
        assert!(outcome.is_verified(), "{outcome:?}");
        // The code is used up: nothing left to check against.
        let outcome = client.verify_otp(&phone, &code).await.unwrap();
        assert!(
            matches!(outcome, VerifyOutcome::NoActiveCode { .. }),
            "{outcome:?}"
        );
    }
}

#[tokio::test]
async fn the_wawp_client_sees_cooldowns_wrong_codes_and_lockouts() {
    let (sandbox, _clock) = start().await;
    let client = client(&sandbox, Transport::Post);
    let phone: PhoneNumber = "+201234567890".parse().unwrap();
    client.send_otp(&phone).await.unwrap();

    let err = client.send_otp(&phone).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SendCooldown, "{err}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));

    let code = sandbox.last_code(phone.chat_id()).unwrap();
    let wrong_code: OtpCode = wrong(&code).parse().unwrap();
    for left in (1..=4).rev() {
        let outcome = client.verify_otp(&phone, &wrong_code).await.unwrap();
        assert!(
            matches!(outcome, VerifyOutcome::WrongCode { attempts_left: Some(n), .. } if n == left),
            "{outcome:?}"
        );
    }
    let outcome = client.verify_otp(&phone, &wrong_code).await.unwrap();
    assert!(
        matches!(
            outcome,
            VerifyOutcome::LockedOut {
                retry_after: Some(d),
                ..
            } if d == Duration::from_secs(900)
        ),
        "{outcome:?}"
    );

    // Never sent to this number: no active code.
    let other: PhoneNumber = "+1 650 253 0000".parse().unwrap();
    let outcome = client.verify_otp(&other, &wrong_code).await.unwrap();
    assert!(
        matches!(outcome, VerifyOutcome::NoActiveCode { .. }),
        "{outcome:?}"
    );

    let bad = Client::builder()
        .instance_id(sandbox.instance_id())
        .access_token("not-the-token")
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    let err = bad.send_otp(&phone).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized, "{err}");
}

#[tokio::test]
async fn the_wawp_client_sees_an_expired_code_as_no_active_code() {
    let (sandbox, clock) = start().await;
    let client = client(&sandbox, Transport::Post);
    let phone: PhoneNumber = "+201234567890".parse().unwrap();
    client.send_otp(&phone).await.unwrap();
    let code: OtpCode = sandbox.last_code(phone.chat_id()).unwrap().parse().unwrap();
    clock.advance(Duration::from_secs(301));
    let outcome = client.verify_otp(&phone, &code).await.unwrap();
    assert!(
        matches!(outcome, VerifyOutcome::NoActiveCode { .. }),
        "{outcome:?}"
    );
}
