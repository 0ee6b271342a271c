//! The store failing: a database held locked by another process. An update
//! that cannot be written to the inbox is not acknowledged (Telegram keeps
//! it); one the bot could neither handle nor answer stays in the inbox and is
//! tried again; the bot recovers by itself.

use std::time::Duration;

use crate::common::*;

use super::{bot_db, setup};

/// Holds SQLite's write lock on `db` until dropped (another process's
/// long transaction).
struct WriteLock(rusqlite::Connection);

impl WriteLock {
    fn take(db: &std::path::Path) -> WriteLock {
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        WriteLock(conn)
    }

    fn release(self) {
        self.0.execute_batch("ROLLBACK").unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_store_acknowledges_nothing_sends_nothing_and_the_bot_recovers() {
    let (telegram, wawp, bot, dir) = setup().await;
    let lock = WriteLock::take(&bot_db(&dir));

    // Each inbox write waits out the store's 5 s busy timeout, then the
    // batch is asked for again: it is not acknowledged meanwhile.
    let send = private_message(ADMIN, &format!("/send {PHONE}"));
    let id = wawp_testkit::updates::update_id(&send);
    telegram.push(send);
    wawp_testkit::wait::until("the inbox write to fail", Duration::from_secs(40), || {
        captured_logs()
            .contains("cannot write updates to the inbox")
            .then_some(())
    })
    .await;
    assert!(telegram.unconfirmed().contains(&id));
    assert!(telegram.sent().is_empty());
    assert_eq!(wawp.requests(), 0, "no code without a committed row");

    lock.release();
    let sent = telegram
        .wait_for_sent_within(1, Duration::from_secs(60))
        .await;
    assert!(sent[0].text.starts_with("✅ Code sent"), "{}", sent[0].text);
    let reply = telegram.ask(private_message(ADMIN, "/whoami")).await;
    assert!(reply.text.contains("You are an admin"), "{}", reply.text);
    assert_eq!(wawp.requests(), 1);
    bot.stop().await;
    let rows = audit_rows(&bot_db(&dir));
    assert_eq!(rows.len(), 1);
    assert_eq!(col(&rows[0], "outcome"), Some("sent"));
    assert!(telegram.unconfirmed().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_telegram_keeps_failing_is_kept_and_delivered_later() {
    let (telegram, wawp, bot, dir) = setup().await;
    // Telegram refuses every reply meanwhile (its answers are not JSON).
    telegram.fail("sendMessage", Fault::BadJson, 1000);

    let update = private_message(ADMIN, "/whoami");
    let id = wawp_testkit::updates::update_id(&update);
    telegram.push(update);
    wawp_testkit::wait::until("the answer to fail", Duration::from_secs(20), || {
        (telegram.send_attempts() >= 4).then_some(())
    })
    .await;
    // Acknowledged and handled; its reply waits in the outbox.
    wawp_testkit::wait::until("the update acknowledged", Duration::from_secs(20), || {
        (!telegram.unconfirmed().contains(&id)).then_some(())
    })
    .await;
    assert_eq!(outbox_open(&bot_db(&dir)), 1);

    // Telegram is back: the same update is answered, once.
    telegram.clear_faults("sendMessage");
    let sent = telegram
        .wait_for_sent_within(1, Duration::from_secs(60))
        .await;
    assert!(
        sent[0].text.contains("You are an admin"),
        "{}",
        sent[0].text
    );
    wawp_testkit::wait::until("the reply recorded", Duration::from_secs(20), || {
        (outbox_open(&bot_db(&dir)) == 0 && inbox_open(&bot_db(&dir)) == 0).then_some(())
    })
    .await;
    bot.stop().await;
    assert_eq!(telegram.sent().len(), 1);
    assert_eq!(wawp.requests(), 0);
}
