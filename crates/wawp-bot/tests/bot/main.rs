//! End to end: the bot in-process, the fake Bot API from `wawp-testkit`, and
//! the Wawp sandbox (or wiremock) for Wawp, all on 127.0.0.1 over real HTTP.

#[path = "../common/mod.rs"]
mod common;

mod commands;
mod faults;
mod history;
mod menu;
mod resilience;
mod shutdown;
mod store_faults;
mod strangers;

use common::*;

pub(crate) async fn setup() -> (FakeTelegram, CountingWawp, TestBot, tempfile::TempDir) {
    let telegram = FakeTelegram::start().await;
    let wawp = CountingWawp::start().await;
    let (dir, db) = temp_db();
    let bot = TestBot::start(&telegram, config(&telegram, &wawp.base_url, db)).await;
    (telegram, wawp, bot, dir)
}

pub(crate) fn bot_db(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("audit.sqlite3")
}
