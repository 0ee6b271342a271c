//! Commands end to end: sends, verifies, refusals, usage, limits, history.

use std::time::Duration;

use crate::common::*;

use super::{bot_db, setup};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sends_a_code_with_one_wawp_request_and_one_reply() {
    let (telegram, wawp, bot, dir) = setup().await;

    let reply = telegram
        .ask(private_message(
            ADMIN,
            &format!("/send {PHONE} ar Welcome to <Acme>"),
        ))
        .await;

    assert_eq!(wawp.requests(), 1);
    let messages = wawp.state.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].chat_id, CHAT_ID);
    assert_eq!(messages[0].lang.as_str(), wawp::Lang::Ar.as_str());
    assert_eq!(messages[0].footer.as_deref(), Some("Welcome to <Acme>"));
    assert_eq!(reply.chat_id, ADMIN as i64);
    assert_eq!(reply.parse_mode.as_deref(), Some("HTML"));
    let job_id = &messages[0].job_id;
    insta::assert_snapshot!("send_reply", reply.text.replace(job_id, "[job_id]"));

    // Nothing else was sent.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(telegram.sent().len(), 1);

    bot.stop().await;
    let rows = audit_rows(&bot_db(&dir));
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(col(row, "action"), Some("send"));
    assert_eq!(col(row, "outcome"), Some("sent"));
    assert_eq!(col(row, "admin_id"), Some("1001"));
    assert_eq!(col(row, "admin_username"), Some(ADMIN_NAME));
    assert_eq!(col(row, "recipient"), Some(MASKED));
    assert_eq!(col(row, "lang"), Some("ar"));
    assert_eq!(col(row, "job_id"), Some(job_id.as_str()));
    assert_eq!(col(row, "error_kind"), None);
    assert!(col(row, "update_id").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_answers_verified_wrong_code_and_locked_out() {
    let (telegram, wawp, bot, dir) = setup().await;
    telegram
        .ask(private_message(ADMIN, &format!("/send {PHONE}")))
        .await;
    let code = last_code(&wawp);
    let wrong = if code == "000000" { "111111" } else { "000000" };

    let reply = telegram
        .ask(private_message(ADMIN, &format!("/verify {PHONE} {wrong}")))
        .await;
    assert_eq!(
        reply.text,
        "❌ Not verified: The code is incorrect: 4 attempts left"
    );

    let reply = telegram
        .ask(private_message(
            ADMIN,
            &format!("/verify +20 109 876 5432 {code}"),
        ))
        .await;
    assert_eq!(
        reply.text,
        format!("✅ Verified: <b>{MASKED}</b> entered the right code.")
    );

    // Five wrong codes lock a recipient out.
    let other = "+201234567899";
    telegram
        .ask(private_message(ADMIN, &format!("/send {other}")))
        .await;
    let mut replies = Vec::new();
    for _ in 0..5 {
        replies.push(
            telegram
                .ask(private_message(ADMIN, &format!("/verify {other} {wrong}")))
                .await
                .text,
        );
    }
    assert_eq!(
        replies[3],
        "❌ Not verified: The code is incorrect: 1 attempt left"
    );
    let last = &replies[4];
    assert!(
        last.starts_with("🔒 Too many wrong codes for +20•••••7899"),
        "{last}"
    );
    assert!(last.contains("Try again in 15 min"), "{last}");
    assert_eq!(wawp.requests(), 9);

    bot.stop().await;
    let rows = audit_rows(&bot_db(&dir));
    let verifies: Vec<_> = rows
        .iter()
        .filter(|r| col(r, "action") == Some("verify"))
        .collect();
    assert_eq!(verifies.len(), 7);
    assert_eq!(col(verifies[0], "outcome"), Some("failed"));
    assert_eq!(col(verifies[0], "error_kind"), Some("wrong_code"));
    assert_eq!(col(verifies[1], "outcome"), Some("verified"));
    assert_eq!(col(verifies[1], "recipient"), Some(MASKED));
    assert_eq!(col(verifies[6], "error_kind"), Some("locked_out"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_admin_is_refused_once_per_window_audited_and_nothing_is_sent() {
    let (telegram, wawp, bot, dir) = setup().await;

    let reply = telegram
        .ask(private_message(STRANGER, &format!("/send {PHONE}")))
        .await;
    assert!(
        reply.text.starts_with("⛔ Only this bot's admins"),
        "{}",
        reply.text
    );
    assert!(reply.text.contains(&format!("<code>{STRANGER}</code>")));

    // Within the window, more refused commands get no answer and no row.
    telegram.push(private_message(STRANGER, "/history"));
    telegram.push(private_message(
        STRANGER,
        &format!("/verify {PHONE} 123456"),
    ));
    // /whoami works for anyone (and proves the two above were handled).
    let reply = telegram.ask(private_message(STRANGER, "/whoami")).await;
    assert!(
        reply.text.contains(&format!("<code>{STRANGER}</code>")),
        "{}",
        reply.text
    );
    assert_eq!(telegram.sent().len(), 2);

    assert_eq!(wawp.requests(), 0);
    bot.stop().await;
    let rows = audit_rows(&bot_db(&dir));
    let summary: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                col(r, "admin_id"),
                col(r, "action"),
                col(r, "outcome"),
                col(r, "error_kind"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [(
            Some("6666"),
            Some("send"),
            Some("refused"),
            Some("not_admin")
        )]
    );
    assert!(captured_logs().contains("refused an admin command"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_gets_the_same_line_from_everyone_and_the_bot_leaves() {
    let (telegram, wawp, bot, dir) = setup().await;
    let mut texts = Vec::new();
    for (user, text) in [
        (ADMIN, "/whoami".to_owned()),
        (STRANGER, "/whoami".to_owned()),
        (ADMIN, format!("/send@{BOT_USERNAME} {PHONE}")),
        (STRANGER, format!("/send {PHONE}")),
    ] {
        texts.push(telegram.ask(group_message(user, &text)).await.text);
    }
    assert!(texts.iter().all(|t| *t == texts[0]), "{texts:#?}");
    assert_eq!(
        texts[0],
        format!(
            "This bot works only in a private chat: message @{BOT_USERNAME}. Leaving this chat."
        )
    );
    let left = wawp_testkit::wait::until("leaving 4 times", Duration::from_secs(10), || {
        let left = telegram.calls_to("leaveChat");
        (left.len() == 4).then_some(left)
    })
    .await;
    assert_eq!(left[0].params["chat_id"], GROUP_CHAT);

    // Added to a group: it leaves without a word.
    let sent = telegram.sent().len();
    telegram.push(wawp_testkit::updates::added_to_group(
        wawp_testkit::updates::From::new(ADMIN, ADMIN_NAME),
        BOT_ID,
        BOT_USERNAME,
    ));
    wawp_testkit::wait::until("leaving", Duration::from_secs(10), || {
        (telegram.calls_to("leaveChat").len() == 5).then_some(())
    })
    .await;
    assert_eq!(telegram.sent().len(), sent);
    assert_eq!(wawp.requests(), 0);
    bot.stop().await;
    assert!(audit_rows(&bot_db(&dir)).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_followed_by_a_newline_or_a_tab_is_recognised() {
    let (telegram, wawp, bot, _dir) = setup().await;
    let reply = telegram
        .ask(private_message(ADMIN, &format!("/send\n{PHONE}\tar")))
        .await;
    assert!(reply.text.starts_with("✅ Code sent"), "{}", reply.text);
    assert_eq!(
        wawp.state.messages()[0].lang.as_str(),
        wawp::Lang::Ar.as_str()
    );
    let code = last_code(&wawp);
    let reply = telegram
        .ask(private_message(ADMIN, &format!("/verify\t{PHONE}\n{code}")))
        .await;
    assert!(reply.text.starts_with("✅ Verified"), "{}", reply.text);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_arguments_get_the_usage_and_reach_no_wawp() {
    let (telegram, wawp, bot, dir) = setup().await;

    let cases = [
        ("/send", "⚠️ Missing arguments.", "/send &lt;phone&gt;"),
        (
            "/send 01234567890",
            "⚠️ Invalid phone number: start it with + and the country code",
            "/send &lt;phone&gt;",
        ),
        (
            "/send +20 12",
            "⚠️ Invalid phone number: it is not a valid number",
            "/send &lt;phone&gt;",
        ),
        (
            &*format!("/send {PHONE} ee"),
            "⚠️ Wawp does not document the language \"ee\"; /langs lists the codes.",
            "/send &lt;phone&gt;",
        ),
        (
            &*format!("/send {PHONE} english"),
            "⚠️ The language comes after the phone number, as 2 or 3 letters such as en or pt; /langs lists the codes. Nothing was sent.",
            "/send &lt;phone&gt;",
        ),
        (
            &*format!("/verify {PHONE}"),
            "⚠️ Missing arguments.",
            "/verify &lt;phone&gt; &lt;code&gt;",
        ),
        (
            &*format!("/verify {PHONE} 12345"),
            "⚠️ The code is the 6 digits",
            "/verify &lt;phone&gt; &lt;code&gt;",
        ),
        (
            "/history lots",
            "⚠️ The count must be a whole number from 1 to 50.",
            "/history [n]",
        ),
    ];
    for (text, starts, usage) in cases {
        let reply = telegram.ask(private_message(ADMIN, text)).await;
        assert!(reply.text.starts_with(starts), "{text}: {}", reply.text);
        assert!(reply.text.contains(usage), "{text}: {}", reply.text);
        // `/history` never sends anything: it does not say so.
        assert_eq!(
            reply.text.contains("Nothing was sent"),
            !text.starts_with("/history"),
            "{text}: {}",
            reply.text
        );
    }
    // A word that is no language is not repeated: it may be a second phone
    // number typed in the wrong place.
    let reply = telegram
        .ask(private_message(
            ADMIN,
            &format!("/send {PHONE} +201098765432"),
        ))
        .await;
    assert!(
        reply.text.starts_with("⚠️ The language comes after"),
        "{}",
        reply.text
    );
    assert!(!reply.text.contains("1098765432"), "{}", reply.text);
    let reply = telegram
        .ask(private_message(ADMIN, &format!("/send {PHONE} ee")))
        .await;
    // The bad argument is named; the 26 codes are one /langs away.
    assert!(!reply.text.contains("uk"), "{}", reply.text);
    let reply = telegram.ask(private_message(ADMIN, "/langs")).await;
    for lang in wawp::Lang::DOCUMENTED {
        assert!(
            reply
                .text
                .contains(&format!("<code>{}</code>", lang.as_str()))
        );
    }
    // Unknown commands get a pointer to /help.
    let reply = telegram
        .ask(private_message(ADMIN, "/sned +201234567890"))
        .await;
    assert!(reply.text.contains("/help"), "{}", reply.text);

    assert_eq!(wawp.requests(), 0);
    bot.stop().await;
    let kinds: Vec<_> = audit_rows(&bot_db(&dir))
        .iter()
        .map(|r| {
            (
                col(r, "outcome").map(str::to_owned),
                col(r, "error_kind").map(str::to_owned),
            )
        })
        .collect();
    let expected = [
        "missing_arguments",
        "invalid_phone",
        "invalid_phone",
        "invalid_lang",
        "invalid_lang",
        "missing_arguments",
        "invalid_code",
        "invalid_count",
        "invalid_lang",
        "invalid_lang",
    ];
    assert_eq!(kinds.len(), expected.len());
    for ((outcome, kind), expected) in kinds.iter().zip(expected) {
        assert_eq!(outcome.as_deref(), Some("invalid"));
        assert_eq!(kind.as_deref(), Some(expected));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_send_within_the_cooldown_says_when_to_retry() {
    let (telegram, wawp, bot, dir) = setup().await;
    telegram
        .ask(private_message(ADMIN, &format!("/send {PHONE}")))
        .await;
    let reply = telegram
        .ask(private_message(ADMIN, &format!("/send {PHONE}")))
        .await;
    assert!(
        reply
            .text
            .starts_with("⏳ Wawp allows one code per recipient per minute: try again in "),
        "{}",
        reply.text
    );
    let secs: u64 = reply
        .text
        .split("try again in ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((55..=60).contains(&secs), "{secs}");
    assert_eq!(wawp.requests(), 2);

    let reply = telegram.ask(private_message(ADMIN, "/whoami")).await;
    assert!(reply.text.contains("You are an admin"));
    assert!(bot.is_running());
    bot.stop().await;
    let rows = audit_rows(&bot_db(&dir));
    assert_eq!(col(&rows[1], "outcome"), Some("failed"));
    assert_eq!(col(&rows[1], "error_kind"), Some("send_cooldown"));
}
