//! The command menu: clean one-line descriptions, public commands for
//! everyone, the admin commands in each admin's chat once they talk to the
//! bot, registered once ever per admin.

use std::time::Duration;

use serde_json::json;

use crate::common::*;

use super::setup;

fn public() -> serde_json::Value {
    json!([
        {"command": "start", "description": "What this bot does"},
        {"command": "help", "description": "The commands, with examples"},
        {"command": "whoami", "description": "Your Telegram user id"},
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_menu_is_public_by_default_and_complete_in_an_admins_chat_once() {
    let (telegram, wawp, bot, dir) = setup().await;
    let calls = telegram.calls_to("setMyCommands");
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].params,
        json!({"commands": public(), "scope": {"type": "default"}})
    );

    // A stranger's message registers nothing; an admin's first one does.
    telegram.ask(private_message(STRANGER, "/whoami")).await;
    telegram.ask(private_message(ADMIN, "/help")).await;
    telegram.ask(private_message(ADMIN, "/whoami")).await;
    let calls = wawp_testkit::wait::until("the admin menu", Duration::from_secs(10), || {
        let calls = telegram.calls_to("setMyCommands");
        (calls.len() >= 2).then_some(calls)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(telegram.calls_to("setMyCommands").len(), 2, "{calls:#?}");
    let mut admin = public();
    admin.as_array_mut().unwrap().extend([
        json!({"command": "send", "description": "Send a WhatsApp code: /send <phone> [lang [footer]]"}),
        json!({"command": "verify", "description": "Check a code: /verify <phone> <code>"}),
        json!({"command": "history", "description": "The last audit entries: /history [n]"}),
        json!({"command": "langs", "description": "The language codes for /send"}),
    ]);
    assert_eq!(
        calls[1].params,
        json!({"commands": admin, "scope": {"type": "chat", "chat_id": ADMIN}})
    );
    bot.stop().await;

    // Remembered in the store: a restart registers only the default menu.
    let bot = TestBot::start(
        &telegram,
        config(&telegram, &wawp.base_url, dir.path().join("audit.sqlite3")),
    )
    .await;
    telegram.ask(private_message(ADMIN, "/whoami")).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    bot.stop().await;
    let calls = telegram.calls_to("setMyCommands");
    assert_eq!(calls.len(), 3, "{calls:#?}");
    assert_eq!(calls[2].params["scope"], json!({"type": "default"}));
    for call in &calls {
        for command in call.params["commands"].as_array().unwrap() {
            let text = command["description"].as_str().unwrap();
            assert!(!text.contains('\n') && text.len() <= 256, "{text:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_menu_that_cannot_be_registered_is_tolerated() {
    let (telegram, _wawp, bot, _dir) = setup().await;
    telegram.fail(
        "setMyCommands",
        Fault::BadRequest("Bad Request: chat not found".into()),
        1,
    );
    let reply = telegram.ask(private_message(ADMIN, "/whoami")).await;
    assert!(reply.text.contains("You are an admin"), "{}", reply.text);
    wawp_testkit::wait::until("the failure logged", Duration::from_secs(10), || {
        captured_logs()
            .contains("cannot register the admin command menu")
            .then_some(())
    })
    .await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_tells_a_non_admin_how_to_ask_for_access_without_admin_instructions() {
    let (telegram, _wawp, bot, _dir) = setup().await;
    let reply = telegram.ask(private_message(STRANGER, "/start")).await;
    assert!(
        reply.text.contains("To ask for access, send /whoami"),
        "{}",
        reply.text
    );
    for admin_only in ["/send", "/verify", "/history", "WAWP_BOT_ADMINS"] {
        assert!(!reply.text.contains(admin_only), "{}", reply.text);
    }
    let reply = telegram.ask(private_message(ADMIN, "/start")).await;
    for command in ["/send", "/verify", "/history", "/langs"] {
        assert!(reply.text.contains(command), "{}", reply.text);
    }
    bot.stop().await;
}
