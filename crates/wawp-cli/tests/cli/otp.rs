//! send and verify against a sandbox: outcomes, JSON fields, exit codes.

use crate::support::{
    HANG, INSTANCE, TOKEN, other_code, run, run_with_stdin, sandbox, wawp, wawp_for,
};

const PHONE: &str = "+201234567890";
const CHAT_ID: &str = "201234567890";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_then_verify_with_the_right_code() {
    let sandbox = sandbox().await;
    let config = tempfile::tempdir().unwrap();

    let sent = run(
        wawp_for(&sandbox, config.path()),
        &["--json", "send", PHONE, "--lang", "ar", "--footer", "Acme"],
    )
    .await;
    assert_eq!(sent.code, 0, "{sent:?}");
    let json = sent.json();
    assert_eq!(json["command"], "send");
    assert_eq!(json["outcome"], "sent");
    assert_eq!(json["exit_code"], 0);
    assert_eq!(json["phone"], PHONE);
    assert_eq!(json["expires_in_secs"], 300);
    assert_eq!(json["dry_run"], false);
    assert!(
        json["job_id"].as_str().is_some_and(|j| !j.is_empty()),
        "{json}"
    );
    assert_eq!(sent.stderr, "", "nothing on stderr when all went well");
    let message = &sandbox.messages()[0];
    assert_eq!(message.footer.as_deref(), Some("Acme"));
    assert_eq!(message.lang.to_string(), "ar");

    let code = sandbox.last_code(CHAT_ID).unwrap();
    let verified = run(
        wawp_for(&sandbox, config.path()),
        &["verify", PHONE, &code, "--json"],
    )
    .await;
    assert_eq!(verified.code, 0, "{verified:?}");
    let json = verified.json();
    assert_eq!(json["command"], "verify");
    assert_eq!(json["outcome"], "verified");
    assert_eq!(json["exit_code"], 0);
    assert_eq!(json["phone"], PHONE);
    assert!(!verified.stdout.contains(&code), "the code is never echoed");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn human_output_masks_the_number_and_reads_the_code_from_stdin() {
    let sandbox = sandbox().await;
    let config = tempfile::tempdir().unwrap();
    let sent = run(
        wawp_for(&sandbox, config.path()),
        &["send", "+20 123 456 7890"],
    )
    .await;
    assert_eq!(sent.code, 0, "{sent:?}");
    assert!(sent.stdout.contains("+20•••••7890"), "{sent:?}");
    assert!(!sent.stdout.contains("1234567890"), "{sent:?}");

    let code = sandbox.last_code(CHAT_ID).unwrap();
    let verified = run_with_stdin(
        wawp_for(&sandbox, config.path()),
        &["verify", PHONE, "-"],
        &format!("{code}\n"),
    )
    .await;
    assert_eq!(verified.code, 0, "{verified:?}");
    assert_eq!(verified.stdout.trim(), "verified +20•••••7890");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_code_or_no_code_is_exit_1() {
    let sandbox = sandbox().await;
    let config = tempfile::tempdir().unwrap();

    let none = run(
        wawp_for(&sandbox, config.path()),
        &["verify", PHONE, "123456"],
    )
    .await;
    assert_eq!(none.code, 1, "{none:?}");
    assert!(
        none.stdout.contains("no active code for +20•••••7890"),
        "{none:?}"
    );

    let sent = run(wawp_for(&sandbox, config.path()), &["send", PHONE]).await;
    assert_eq!(sent.code, 0, "{sent:?}");
    let wrong = other_code(&sandbox.last_code(CHAT_ID).unwrap());
    let run1 = run(
        wawp_for(&sandbox, config.path()),
        &["--json", "verify", PHONE, &wrong],
    )
    .await;
    assert_eq!(run1.code, 1, "{run1:?}");
    let json = run1.json();
    assert_eq!(json["outcome"], "wrong_code");
    assert_eq!(json["exit_code"], 1);
    assert_eq!(json["attempts_left"], 4);
    let human = run(
        wawp_for(&sandbox, config.path()),
        &["verify", PHONE, &wrong],
    )
    .await;
    assert_eq!(human.code, 1, "{human:?}");
    assert!(
        human
            .stdout
            .contains("wrong code for +20•••••7890 (3 attempts left)"),
        "{human:?}"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_exit_2_with_one_line() {
    let config = tempfile::tempdir().unwrap();
    // No credentials needed to be told the input is wrong.
    for (args, says) in [
        (&["send", "12345"][..], "invalid phone number"),
        (
            &["send", PHONE, "--lang", "english"],
            "invalid language code",
        ),
        (&["send", PHONE, "--footer", "two\nlines"], "--footer"),
        (&["verify", PHONE, "12 34"], "invalid code"),
        (&["--json", "send", "+2012"], "invalid phone number"),
    ] {
        let bad = run(wawp(config.path()), args).await;
        assert_eq!(bad.code, 2, "{args:?}: {bad:?}");
        assert!(bad.error_line().contains(says), "{args:?}: {bad:?}");
    }
    let json = run(wawp(config.path()), &["--json", "send", "+2012"])
        .await
        .json();
    assert_eq!(json["outcome"], "error");
    assert_eq!(json["error"], "usage");
    assert_eq!(json["exit_code"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_is_exit_3() {
    let sandbox = sandbox().await;
    let config = tempfile::tempdir().unwrap();
    let mut command = wawp(config.path());
    command
        .env("WAWP_INSTANCE_ID", INSTANCE)
        .env("WAWP_ACCESS_TOKEN", "not-the-token")
        .env("WAWP_BASE_URL", sandbox.base_url());
    let refused = run(command, &["--json", "send", PHONE]).await;
    assert_eq!(refused.code, 3, "{refused:?}");
    assert!(refused.error_line().contains("HTTP 401"), "{refused:?}");
    let json = refused.json();
    assert_eq!(json["error"], "unauthorized");
    assert_eq!(json["http_status"], 401);
    assert!(sandbox.messages().is_empty());
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_send_within_the_cooldown_is_exit_3_with_the_wait() {
    let sandbox = sandbox().await;
    let config = tempfile::tempdir().unwrap();
    let first = run(wawp_for(&sandbox, config.path()), &["send", PHONE]).await;
    assert_eq!(first.code, 0, "{first:?}");
    let again = run(
        wawp_for(&sandbox, config.path()),
        &["--json", "send", PHONE],
    )
    .await;
    assert_eq!(again.code, 3, "{again:?}");
    assert!(again.error_line().contains("wait"), "{again:?}");
    let json = again.json();
    assert_eq!(json["error"], "send_cooldown");
    assert_eq!(json["http_status"], 429);
    let wait = json["retry_after_secs"].as_u64().unwrap();
    assert!((1..=60).contains(&wait), "{json}");
    assert!(
        again.stderr.contains(&format!("wait {wait} s")),
        "{again:?}"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_listening_is_exit_5() {
    let config = tempfile::tempdir().unwrap();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut command = wawp(config.path());
    command
        .env("WAWP_INSTANCE_ID", INSTANCE)
        .env("WAWP_ACCESS_TOKEN", TOKEN)
        .env("WAWP_BASE_URL", format!("http://127.0.0.1:{port}"));
    let down = run(command, &["--json", "send", PHONE]).await;
    assert_eq!(down.code, 5, "{down:?}");
    assert_eq!(down.json()["error"], "connection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lockout_is_exit_1_on_verify_and_exit_3_on_send() {
    let sandbox = sandbox().await;
    let config = tempfile::tempdir().unwrap();
    let sent = run(wawp_for(&sandbox, config.path()), &["send", PHONE]).await;
    assert_eq!(sent.code, 0, "{sent:?}");
    let wrong = other_code(&sandbox.last_code(CHAT_ID).unwrap());
    let mut last = None;
    for _ in 0..6 {
        let tried = run(
            wawp_for(&sandbox, config.path()),
            &["--json", "verify", PHONE, &wrong],
        )
        .await;
        assert_eq!(tried.code, 1, "{tried:?}");
        let json = tried.json();
        if json["outcome"] != "wrong_code" {
            last = Some(json);
            break;
        }
    }
    let locked = last.expect("never locked out");
    assert_eq!(locked["outcome"], "locked_out", "{locked}");
    let wait = locked["retry_after_secs"].as_u64().unwrap();
    assert!((1..=900).contains(&wait), "{locked}");

    let human = run(
        wawp_for(&sandbox, config.path()),
        &["verify", PHONE, &wrong],
    )
    .await;
    assert_eq!(human.code, 1, "{human:?}");
    assert!(
        human.stdout.contains("+20•••••7890 is locked out")
            && human.stdout.contains("try again in"),
        "{human:?}"
    );
    let send = run(wawp_for(&sandbox, config.path()), &["send", PHONE]).await;
    assert_eq!(send.code, 3, "{send:?}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_error_on_send_is_exit_4() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A gateway on 127.0.0.1 that answers every request 504.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let gateway = tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let answer =
                "HTTP/1.1 504 Gateway Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
            let _ = socket.write_all(answer.as_bytes()).await;
            // Drain what is left of the request before closing, so that the
            // close is not a reset the client might read first.
            let mut rest = Vec::new();
            let _ = tokio::time::timeout(HANG, socket.read_to_end(&mut rest)).await;
        }
    });
    let config = tempfile::tempdir().unwrap();
    let mut command = wawp(config.path());
    command
        .env("WAWP_INSTANCE_ID", INSTANCE)
        .env("WAWP_ACCESS_TOKEN", TOKEN)
        .env("WAWP_BASE_URL", url);
    let unknown = run(command, &["--json", "send", PHONE]).await;
    assert_eq!(unknown.code, 4, "{unknown:?}");
    assert!(
        unknown.error_line().contains("a code may have been sent"),
        "{unknown:?}"
    );
    assert_eq!(unknown.json()["error"], "outcome_unknown");
    gateway.abort();
}
