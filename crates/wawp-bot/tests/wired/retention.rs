//! `--audit-retention-days`: rows older than the retention are deleted when
//! the bot starts (then daily); newer ones stay.

use std::sync::Arc;
use std::time::Duration;

use wawp_bot::store::{Action, Caller, ManualClock, NewEntry, Outcome, Store, StoreTarget};

use crate::common::*;

async fn write_row_at(db: &std::path::Path, at: chrono::DateTime<chrono::Utc>, update_id: u32) {
    let store = Store::open(&StoreTarget::Sqlite(db.to_owned()))
        .await
        .unwrap()
        .with_clock(Arc::new(ManualClock::at(at)));
    let caller = Caller {
        id: ADMIN,
        username: Some(ADMIN_NAME.to_owned()),
    };
    store
        .audit(NewEntry::new(
            Some(update_id),
            caller,
            Action::History,
            Outcome::Invalid,
        ))
        .await
        .unwrap();
    store.close().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_past_the_retention_are_pruned_at_start() {
    let telegram = FakeTelegram::start().await;
    let wawp = CountingWawp::start().await;
    let (_dir, db) = temp_db();
    let now = chrono::Utc::now();
    write_row_at(&db, now - chrono::Duration::days(40), 1).await;
    write_row_at(&db, now - chrono::Duration::days(20), 2).await;
    assert_eq!(audit_rows(&db).len(), 2);

    let mut config = config(&telegram, &wawp.base_url, db.clone());
    config.audit_retention = Some(Duration::from_secs(30 * 86_400));
    let bot = TestBot::start(&telegram, config).await;
    let rows = wawp_testkit::wait::until("the old row pruned", Duration::from_secs(10), || {
        let rows = audit_rows(&db);
        (rows.len() == 1).then_some(rows)
    })
    .await;
    assert_eq!(col(&rows[0], "update_id"), Some("2"), "the newer row stays");
    bot.stop().await;
}
