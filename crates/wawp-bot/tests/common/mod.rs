//! Test harness: a fake Telegram Bot API server, a request-counting Wawp
//! sandbox, a log capture, and the bot started in-process against them.
//! Every server listens on 127.0.0.1 and is started by the test.

#![allow(dead_code)]

use std::collections::{BTreeSet, HashMap};
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::{Notify, oneshot};
use wawp_bot::config::{Config, WawpSettings};
use wawp_bot::store::ManualClock;

/// The bot token every test uses (Telegram's shape: id, colon, 35 characters).
pub const BOT_TOKEN: &str = "7000001:AAHfakeTelegramTokenForTests-0123456";
/// The bot's user id (the token's prefix).
pub const BOT_ID: u64 = 7000001;
pub const BOT_USERNAME: &str = "wawp_test_bot";
/// Wawp credentials of the sandbox.
pub const WAWP_INSTANCE: &str = "instance-test-1";
pub const WAWP_TOKEN: &str = "wawp-access-token-do-not-leak-42";

pub const ADMIN: u64 = 1001;
pub const ADMIN_NAME: &str = "alice";
pub const OTHER_ADMIN: u64 = 1002;
pub const STRANGER: u64 = 6666;
pub const PHONE: &str = "+201098765432";
pub const CHAT_ID: &str = "201098765432";
pub const MASKED: &str = "+20•••••5432";

// ---------------------------------------------------------------- logs

#[derive(Clone)]
struct Capture;

fn log_buffer() -> &'static Mutex<Vec<u8>> {
    static BUFFER: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();
    BUFFER.get_or_init(Default::default)
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        log_buffer().lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Captures every log line of this test binary (tracing, and teloxide's
/// `log` records), unredacted, at debug level. The test's own fake Wawp
/// (`wawp_sandbox`) logs the codes on purpose and is left out.
pub fn capture_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                std::env::var("WAWP_BOT_TEST_LOG").unwrap_or_else(|_| {
                    "debug,wawp_sandbox=off,hyper=info,hyper_util=info,h2=info,reqwest=info,rustls=info,wiremock=info".into()
                }),
            ))
            .with_ansi(false)
            .without_time()
            .with_writer(|| Capture)
            .try_init();
    });
}

/// Everything logged so far by any test in this binary.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().unwrap()).into_owned()
}

// ---------------------------------------------------------------- fake Telegram

/// A message the bot sent (`sendMessage`).
#[derive(Debug, Clone)]
pub struct Sent {
    pub chat_id: i64,
    pub text: String,
    pub parse_mode: Option<String>,
}

#[derive(Default)]
struct TgState {
    /// Updates not yet confirmed by an offset; `forced` ones are delivered
    /// once whatever the offset (Telegram delivering again).
    queue: Vec<(Value, bool)>,
    sent: Vec<Sent>,
    send_attempts: usize,
    calls: Vec<String>,
    commands: Vec<String>,
    fail_sends_with_429: usize,
    fail_get_updates: usize,
    next_message_id: i64,
}

/// A fake Bot API server: answers getMe, getWebhookInfo, deleteWebhook,
/// setMyCommands, getUpdates (from a queue the test fills) and sendMessage
/// (recording each message). Method names match case-insensitively.
#[derive(Clone)]
pub struct FakeTelegram {
    state: Arc<Mutex<TgState>>,
    notify: Arc<Notify>,
    addr: SocketAddr,
}

impl FakeTelegram {
    pub async fn start() -> FakeTelegram {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let fake = FakeTelegram {
            state: Arc::default(),
            notify: Arc::default(),
            addr,
        };
        let app = Router::new()
            .route(
                "/{bot}/{method}",
                axum::routing::post(tg_method).get(tg_method),
            )
            .with_state(fake.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        fake
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Queues an update for `getUpdates`.
    pub fn push(&self, update: Value) {
        self.state.lock().unwrap().queue.push((update, false));
        self.notify.notify_waiters();
    }

    /// Delivers `update` again, whatever offset the bot has confirmed
    /// (what Telegram does when a bot restarts before confirming).
    pub fn redeliver(&self, update: Value) {
        self.state.lock().unwrap().queue.push((update, true));
        self.notify.notify_waiters();
    }

    pub fn sent(&self) -> Vec<Sent> {
        self.state.lock().unwrap().sent.clone()
    }

    pub fn send_attempts(&self) -> usize {
        self.state.lock().unwrap().send_attempts
    }

    pub fn calls(&self) -> Vec<String> {
        self.state.lock().unwrap().calls.clone()
    }

    pub fn registered_commands(&self) -> Vec<String> {
        self.state.lock().unwrap().commands.clone()
    }

    /// The next `n` sendMessage calls get a 429 with retry_after 1.
    pub fn fail_sends_with_429(&self, n: usize) {
        self.state.lock().unwrap().fail_sends_with_429 = n;
    }

    /// The next `n` getUpdates calls get a 409 Conflict (another instance
    /// polling). Not a 5xx: teloxide waits 10 s after any 5xx answer.
    pub fn fail_get_updates(&self, n: usize) {
        self.state.lock().unwrap().fail_get_updates = n;
    }

    /// Waits until the bot has sent `n` messages in total; returns them all.
    pub async fn wait_for_sent(&self, n: usize) -> Vec<Sent> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let sent = self.sent();
            if sent.len() >= n {
                return sent;
            }
            if Instant::now() >= deadline {
                let log = std::env::temp_dir().join("wawp-bot-test-log.txt");
                std::fs::write(&log, captured_logs()).ok();
                panic!(
                    "timed out waiting for {n} replies; got {sent:#?}; calls: {:?}; logs in {}",
                    self.calls(),
                    log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Pushes `update` and waits for the one reply it gets.
    pub async fn ask(&self, update: Value) -> Sent {
        let before = self.sent().len();
        self.push(update);
        self.wait_for_sent(before + 1).await[before].clone()
    }

    /// Waits until the bot has started polling.
    pub async fn wait_polling(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.calls().iter().any(|c| c == "getupdates") {
            assert!(
                Instant::now() < deadline,
                "the bot never polled; calls: {:?}",
                self.calls()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

fn ok(result: Value) -> Response {
    axum::Json(json!({"ok": true, "result": result})).into_response()
}

fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "Wawp test", "username": BOT_USERNAME})
}

async fn tg_method(
    State(fake): State<FakeTelegram>,
    Path((bot, method)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if bot != format!("bot{BOT_TOKEN}") {
        return (
            axum::http::StatusCode::UNAUTHORIZED,
            axum::Json(json!({"ok": false, "error_code": 401, "description": "Unauthorized"})),
        )
            .into_response();
    }
    let method = method.to_ascii_lowercase();
    let params: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    fake.state.lock().unwrap().calls.push(method.clone());
    match method.as_str() {
        "getme" => ok(json!({
            "id": BOT_ID, "is_bot": true, "first_name": "Wawp test", "username": BOT_USERNAME,
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false,
            "has_main_web_app": false
        })),
        "getwebhookinfo" => {
            ok(json!({"url": "", "has_custom_certificate": false, "pending_update_count": 0}))
        }
        "deletewebhook" => ok(json!(true)),
        "setmycommands" => {
            let names = params["commands"]
                .as_array()
                .map(|c| {
                    c.iter()
                        .filter_map(|c| c["command"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            fake.state.lock().unwrap().commands = names;
            ok(json!(true))
        }
        "getupdates" => get_updates(&fake, &params).await,
        "sendmessage" => {
            let mut state = fake.state.lock().unwrap();
            state.send_attempts += 1;
            if state.fail_sends_with_429 > 0 {
                state.fail_sends_with_429 -= 1;
                return (
                    axum::http::StatusCode::TOO_MANY_REQUESTS,
                    axum::Json(json!({
                        "ok": false, "error_code": 429,
                        "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1}
                    })),
                )
                    .into_response();
            }
            let chat_id = params["chat_id"].as_i64().unwrap_or_default();
            let text = params["text"].as_str().unwrap_or_default().to_owned();
            state.sent.push(Sent {
                chat_id,
                text: text.clone(),
                parse_mode: params["parse_mode"].as_str().map(str::to_owned),
            });
            state.next_message_id += 1;
            let chat = if chat_id > 0 {
                json!({"id": chat_id, "type": "private", "first_name": "Someone"})
            } else {
                json!({"id": chat_id, "type": "group", "title": "Support"})
            };
            ok(json!({
                "message_id": 100_000 + state.next_message_id,
                "date": chrono_now(),
                "chat": chat,
                "from": bot_user(),
                "text": text,
            }))
        }
        _ => ok(json!(true)),
    }
}

async fn get_updates(fake: &FakeTelegram, params: &Value) -> Response {
    let offset = params["offset"].as_i64().unwrap_or(0);
    let limit = params["limit"].as_u64().unwrap_or(100) as usize;
    // Long poll, but briefly: keeps the tests fast and shutdown quick.
    let wait = Duration::from_secs(params["timeout"].as_u64().unwrap_or(0))
        .min(Duration::from_millis(200));
    let deadline = tokio::time::Instant::now() + wait;
    {
        let mut state = fake.state.lock().unwrap();
        if state.fail_get_updates > 0 {
            state.fail_get_updates -= 1;
            return (
                axum::http::StatusCode::CONFLICT,
                axum::Json(json!({
                    "ok": false, "error_code": 409,
                    "description": "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
                })),
            )
                .into_response();
        }
    }
    loop {
        let notified = fake.notify.notified();
        {
            let mut state = fake.state.lock().unwrap();
            // An offset confirms every update before it.
            state
                .queue
                .retain(|(u, forced)| *forced || u["update_id"].as_i64().unwrap_or(0) >= offset);
            let mut batch = Vec::new();
            let mut delivered_forced = Vec::new();
            for (i, (update, forced)) in state.queue.iter().enumerate() {
                if batch.len() == limit {
                    break;
                }
                batch.push(update.clone());
                if *forced {
                    delivered_forced.push(i);
                }
            }
            for i in delivered_forced.into_iter().rev() {
                state.queue.remove(i);
            }
            if !batch.is_empty() {
                return ok(Value::Array(batch));
            }
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return ok(json!([]));
        }
    }
}

pub fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

// ---------------------------------------------------------------- updates

static NEXT_UPDATE: AtomicUsize = AtomicUsize::new(1);

/// A fresh update id (unique in this test binary).
pub fn next_update_id() -> i64 {
    NEXT_UPDATE.fetch_add(1, Ordering::Relaxed) as i64
}

/// A text message from `user` in a private chat with the bot.
pub fn private_message(user: u64, text: &str) -> Value {
    message_in(user, user as i64, text, chrono_now())
}

/// A text message from `user` in a group.
pub fn group_message(user: u64, text: &str) -> Value {
    message_in(user, -100_200_300, text, chrono_now())
}

/// A message with an explicit chat and date.
pub fn message_in(user: u64, chat_id: i64, text: &str, date: i64) -> Value {
    let id = next_update_id();
    let username = match user {
        ADMIN => "alice",
        OTHER_ADMIN => "bob",
        _ => "mallory",
    };
    let chat = if chat_id > 0 {
        json!({"id": chat_id, "type": "private", "first_name": username, "username": username})
    } else {
        json!({"id": chat_id, "type": "group", "title": "Support"})
    };
    json!({
        "update_id": id,
        "message": {
            "message_id": id,
            "date": date,
            "chat": chat,
            "from": {"id": user, "is_bot": false, "first_name": username, "username": username},
            "text": text,
        }
    })
}

// ---------------------------------------------------------------- Wawp

/// The sandbox's router behind a counter of every HTTP request.
pub struct CountingWawp {
    pub state: wawp_sandbox::SandboxState,
    pub requests: Arc<AtomicUsize>,
    pub base_url: String,
}

impl CountingWawp {
    pub async fn start() -> CountingWawp {
        let state = wawp_sandbox::Sandbox::builder()
            .instance_id(WAWP_INSTANCE)
            .access_token(WAWP_TOKEN)
            .build_state()
            .unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        let app = wawp_sandbox::router(state.clone()).layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                counter.fetch_add(1, Ordering::SeqCst);
                next.run(req)
            },
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        CountingWawp {
            state,
            requests,
            base_url,
        }
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn last_code(&self) -> String {
        self.state.last_code(CHAT_ID).expect("a code was sent")
    }
}

/// A base URL where nothing listens (connection refused).
pub async fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
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
        capture_logs();
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

    /// Asks for shutdown and waits for `run` to return.
    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the bot stops within 10 s")
            .expect("the bot task does not panic")
            .expect("the bot stops without error");
    }
}

/// Every audit row, oldest first, as maps of column name to text.
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
