//! The bot's test harness on top of `wawp-testkit`: the bot's users, its
//! configuration for a fake Telegram and a Wawp, the bot started in-process,
//! and the audit rows read back. Every server listens on 127.0.0.1.

#![allow(dead_code, unused_imports)]

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::oneshot;
use wawp_bot::config::{Config, WawpSettings};
use wawp_bot::store::ManualClock;
pub use wawp_testkit::updates::{GROUP_CHAT, unix_now as chrono_now};
pub use wawp_testkit::wawp::{
    ACCESS_TOKEN as WAWP_TOKEN, CountingWawp, INSTANCE_ID as WAWP_INSTANCE, dead_url,
};
pub use wawp_testkit::{BOT_ID, BOT_TOKEN, BOT_USERNAME, FakeTelegram, Fault, Sent};

pub const ADMIN: u64 = 1001;
pub const ADMIN_NAME: &str = "alice";
pub const OTHER_ADMIN: u64 = 1002;
pub const STRANGER: u64 = 6666;
pub const PHONE: &str = "+201098765432";
pub const CHAT_ID: &str = "201098765432";
pub const MASKED: &str = "+20•••••5432";

fn from(user: u64) -> wawp_testkit::updates::From<'static> {
    let name = match user {
        ADMIN => "alice",
        OTHER_ADMIN => "bob",
        _ => "mallory",
    };
    wawp_testkit::updates::From::new(user, name)
}

/// A text message from `user` in a private chat with the bot.
pub fn private_message(user: u64, text: &str) -> Value {
    wawp_testkit::updates::private_message(from(user), text)
}

/// A text message from `user` in a group.
pub fn group_message(user: u64, text: &str) -> Value {
    wawp_testkit::updates::group_message(from(user), text)
}

/// A message with an explicit chat and date.
pub fn message_in(user: u64, chat_id: i64, text: &str, date: i64) -> Value {
    wawp_testkit::updates::message_in(from(user), chat_id, text, date)
}

/// Everything logged so far by any test in this binary.
pub fn captured_logs() -> String {
    wawp_testkit::logs::captured()
}

/// The last code the sandbox "sent" to [`PHONE`].
pub fn last_code(wawp: &CountingWawp) -> String {
    wawp.last_code(CHAT_ID).expect("a code was sent")
}

// ---------------------------------------------------------------- the bot

/// A bot running in-process.
pub struct TestBot {
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), wawp_bot::RunError>>,
    pub clock: Arc<ManualClock>,
    pub db_path: PathBuf,
}

/// A config for the fake Telegram and a Wawp at `wawp_url`.
pub fn config(telegram: &FakeTelegram, wawp_url: &str, db_path: PathBuf) -> Config {
    let mut config = Config::new(
        BOT_TOKEN.into(),
        telegram.url().parse().unwrap(),
        BTreeSet::from([ADMIN, OTHER_ADMIN]),
        WawpSettings::Live {
            instance_id: WAWP_INSTANCE.to_owned(),
            access_token: WAWP_TOKEN.into(),
            base_url: Some(wawp_url.parse().unwrap()),
        },
        wawp_bot::store::StoreTarget::Sqlite(db_path),
    );
    config.poll_timeout = Duration::from_secs(1);
    config
}

impl TestBot {
    /// Starts the bot and waits until it polls.
    pub async fn start(telegram: &FakeTelegram, config: Config) -> TestBot {
        wawp_testkit::logs::capture();
        let clock = Arc::new(ManualClock::new());
        let db_path = match &config.store {
            wawp_bot::store::StoreTarget::Sqlite(path) => path.clone(),
            other => panic!("TestBot runs on SQLite, not {other}"),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let options = wawp_bot::Options {
            clock: clock.clone(),
        };
        let task = tokio::spawn(wawp_bot::run_with(config, options, async {
            let _ = stopped.await;
        }));
        telegram.wait_polling().await;
        TestBot {
            stop: Some(stop),
            task,
            clock,
            db_path,
        }
    }

    /// Whether `run` is still running (it returns only on shutdown or error).
    pub fn is_running(&self) -> bool {
        !self.task.is_finished()
    }

    /// Asks for shutdown (SIGTERM) without waiting for it.
    pub fn request_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Asks for shutdown and waits for `run` to return.
    pub async fn stop(mut self) {
        self.request_stop();
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the bot stops within 10 s")
            .expect("the bot task does not panic")
            .expect("the bot stops without error");
    }
}

/// Every audit row, oldest first, as maps of column name to text.
/// How many inbox rows of a SQLite store are not done yet.
pub fn inbox_open(db_path: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(db_path).unwrap();
    conn.query_row("SELECT count(*) FROM inbox WHERE done = 0", [], |row| {
        row.get(0)
    })
    .unwrap()
}

/// How many replies of a SQLite store's outbox are still queued.
pub fn outbox_open(db_path: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(db_path).unwrap();
    conn.query_row("SELECT count(*) FROM outbox WHERE state = 0", [], |row| {
        row.get(0)
    })
    .unwrap()
}

pub fn audit_rows(db_path: &std::path::Path) -> Vec<HashMap<String, Option<String>>> {
    let conn = rusqlite::Connection::open(db_path).unwrap();
    let mut stmt = conn.prepare("SELECT * FROM audit ORDER BY id").unwrap();
    let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    stmt.query_map([], |row| {
        let mut map = HashMap::new();
        for (i, name) in names.iter().enumerate() {
            let value: rusqlite::types::Value = row.get(i)?;
            let text = match value {
                rusqlite::types::Value::Null => None,
                rusqlite::types::Value::Integer(n) => Some(n.to_string()),
                rusqlite::types::Value::Real(f) => Some(f.to_string()),
                rusqlite::types::Value::Text(t) => Some(t),
                rusqlite::types::Value::Blob(b) => Some(String::from_utf8_lossy(&b).into_owned()),
            };
            map.insert(name.clone(), text);
        }
        Ok(map)
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// One audit row's column.
pub fn col<'a>(row: &'a HashMap<String, Option<String>>, name: &str) -> Option<&'a str> {
    row.get(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_deref()
}

/// A fresh directory and database path for one test.
pub fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.sqlite3");
    (dir, path)
}
