//! How to test your own code against the sandbox: copy this file.
//!
//! `sign_in_*` below stand for your code: it uses the `wawp` client and
//! knows nothing of the sandbox. The tests start a sandbox on 127.0.0.1
//! (a free port), point a client at it, read the code that was "sent"
//! instead of a phone, and move the sandbox's clock instead of sleeping.
//!
//! In your `Cargo.toml`:
//!
//! ```toml
//! [dev-dependencies]
//! wawp-sandbox = { version = "0.1", default-features = false }
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```

use wawp::{Client, ErrorKind, OtpCode, PhoneNumber, RetryPolicy};
use wawp_sandbox::{ManualClock, SEND_COOLDOWN, Sandbox};

// ---- your code ----------------------------------------------------------

/// Step one of your sign-in: send a code to the number the user typed.
async fn sign_in_start(client: &Client, phone: &PhoneNumber) -> Result<(), wawp::Error> {
    client.send_otp(phone).await.map(|_sent| ())
}

/// Step two: whether the code the user typed is the one sent.
async fn sign_in_finish(
    client: &Client,
    phone: &PhoneNumber,
    typed: &str,
) -> Result<bool, wawp::Error> {
    let Ok(code) = typed.trim().parse::<OtpCode>() else {
        return Ok(false);
    };
    Ok(client.verify_otp(phone, &code).await?.is_verified())
}

// ---- your tests ---------------------------------------------------------

/// A sandbox with a clock the test moves, and a client pointed at it.
async fn sandbox_and_client() -> (Sandbox, ManualClock, Client) {
    let clock = ManualClock::new();
    // Listens on 127.0.0.1:0 (a free port) with made-up credentials.
    let sandbox = Sandbox::builder()
        .clock(clock.clone())
        .start()
        .await
        .expect("the sandbox starts");
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .instance_id(sandbox.instance_id())
        .access_token(sandbox.access_token())
        // Answers are immediate and final here; no retries to wait for.
        .retry(RetryPolicy::none())
        .build()
        .expect("a client for the sandbox");
    (sandbox, clock, client)
}

#[tokio::test]
async fn the_code_sent_signs_the_user_in_once() {
    let (sandbox, _clock, client) = sandbox_and_client().await;
    let phone: PhoneNumber = "+20 123 456 7890".parse().unwrap();

    sign_in_start(&client, &phone).await.unwrap();
    // What the user would have received on WhatsApp.
    let code = sandbox.last_code(phone.chat_id()).expect("a code was sent");

    assert!(!sign_in_finish(&client, &phone, "not a code").await.unwrap());
    assert!(sign_in_finish(&client, &phone, &code).await.unwrap());
    // Codes work once.
    assert!(!sign_in_finish(&client, &phone, &code).await.unwrap());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_second_code_waits_for_the_cooldown_without_sleeping() {
    let (sandbox, clock, client) = sandbox_and_client().await;
    let phone: PhoneNumber = "+20 123 456 7890".parse().unwrap();

    sign_in_start(&client, &phone).await.unwrap();
    let err = sign_in_start(&client, &phone).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SendCooldown);

    clock.advance(SEND_COOLDOWN); // a minute passes, instantly
    sign_in_start(&client, &phone).await.unwrap();

    let sent = sandbox.messages();
    assert_eq!(sent.len(), 2);
    // The new code replaced the first one.
    let (first, second) = (&sent[0].code, &sent[1].code);
    if first != second {
        assert!(!sign_in_finish(&client, &phone, first).await.unwrap());
    }
    assert!(sign_in_finish(&client, &phone, second).await.unwrap());
    sandbox.shutdown().await;
}
