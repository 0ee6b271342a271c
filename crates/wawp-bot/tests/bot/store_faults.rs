//! The audit store failing: a database held locked by another process. The
//! bot answers that nothing was done, keeps an update it could neither handle
//! nor answer, and recovers by itself.

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
async fn a_locked_audit_log_is_reported_nothing_is_sent_and_the_bot_recovers() {
    let (telegram, wawp, bot, dir) = setup().await;
    let lock = WriteLock::take(&bot_db(&dir));

    // Each write waits out the store's 5 s busy timeout.
    telegram.push(private_message(ADMIN, &format!("/send {PHONE}")));
    let reply = telegram
        .wait_for_sent_within(1, Duration::from_secs(40))
        .await[0]
        .clone();
    assert!(
        reply
            .text
            .starts_with("⚠️ The audit log cannot be written right now, so nothing was done."),
        "{}",
        reply.text
    );
    // Commands that need no audit row still work.
    let reply = telegram.ask(private_message(ADMIN, "/whoami")).await;
    assert!(reply.text.contains("You are an admin"), "{}", reply.text);
    assert_eq!(
        wawp.requests(),
        0,
        "no code without a committed pending row"
    );

    lock.release();
    let reply = telegram
        .ask(private_message(ADMIN, &format!("/send {PHONE}")))
        .await;
    assert!(reply.text.starts_with("✅ Code sent"), "{}", reply.text);
    assert_eq!(wawp.requests(), 1);
    bot.stop().await;
    let rows = audit_rows(&bot_db(&dir));
    assert_eq!(rows.len(), 1);
    assert_eq!(col(&rows[0], "outcome"), Some("sent"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_neither_handled_nor_answered_is_kept_and_handled_later() {
    let (telegram, wawp, bot, dir) = setup().await;
    let lock = WriteLock::take(&bot_db(&dir));
    // Telegram refuses every reply meanwhile (its answers are not JSON).
    telegram.fail("sendMessage", Fault::BadJson, 1000);

    let update = private_message(ADMIN, &format!("/send {PHONE}"));
    let id = wawp_testkit::updates::update_id(&update);
    telegram.push(update);
    wawp_testkit::wait::until("the answer to fail", Duration::from_secs(20), || {
        (telegram.send_attempts() >= 4).then_some(())
    })
    .await;
    // Neither handled nor answered: not confirmed to Telegram.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(telegram.unconfirmed().contains(&id));
    assert_eq!(wawp.requests(), 0);

    // Both come back: the same update is handled, once.
    lock.release();
    telegram.clear_faults("sendMessage");
    let sent = telegram
        .wait_for_sent_within(1, Duration::from_secs(60))
        .await;
    assert!(sent[0].text.starts_with("✅ Code sent"), "{}", sent[0].text);
    assert_eq!(wawp.requests(), 1);
    wawp_testkit::wait::until("the update confirmed", Duration::from_secs(10), || {
        telegram.unconfirmed().is_empty().then_some(())
    })
    .await;
    bot.stop().await;
    assert_eq!(audit_rows(&bot_db(&dir)).len(), 1);
}
