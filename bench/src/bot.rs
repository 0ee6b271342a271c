//! The bot end to end: a fake Bot API on 127.0.0.1 hands admins' `/send`
//! commands to `wawp-bot` (in this process, against its in-process sandbox,
//! as `--sandbox` runs it) and times each one from the `getUpdates` answer
//! that carried it to the `sendMessage` that answers it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::{Path as UrlPath, State};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::Notify;
use wawp_bot::Options;
use wawp_bot::config::{Config, WawpSettings};

use crate::stats::{Summary, memory_kib};

/// What one run measured.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Command-to-reply latency; `errors` counts replies that matched no
    /// command and commands never answered.
    pub summary: Summary,
    /// The peak resident set (VmHWM) of the process running the bot, its
    /// sandbox and the fake Bot API, KiB.
    pub peak_rss_kib: u64,
}

const FIRST_ADMIN: i64 = 1001;

#[derive(Default)]
struct Fake {
    state: Mutex<Script>,
    queued: Notify,
    finished: Notify,
}

#[derive(Default)]
struct Script {
    queue: VecDeque<Value>,
    next_update_id: i64,
    next_phone: u64,
    handed_out: HashMap<i64, Instant>,
    remaining: HashMap<i64, usize>,
    latencies: Vec<Duration>,
    stray_replies: usize,
    expected: usize,
}

impl Script {
    fn enqueue(&mut self, admin: i64) {
        let id = self.next_update_id;
        self.next_update_id += 1;
        self.next_phone += 1;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let user = json!({"id": admin, "is_bot": false, "first_name": "Admin", "username": format!("admin{admin}")});
        self.queue.push_back(json!({
            "update_id": id,
            "message": {
                "message_id": id,
                "date": now.as_secs(),
                "chat": {"id": admin, "type": "private", "first_name": "Admin"},
                "from": user,
                "text": format!("/send +2010{:08} en", self.next_phone),
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}]
            }
        }));
    }

    fn done(&self) -> bool {
        self.latencies.len() + self.stray_replies >= self.expected
    }
}

/// Starts the fake and the bot, runs `commands` spread over `admins`.
pub async fn run(commands: usize, admins: usize) -> anyhow::Result<Report> {
    let fake = Arc::new(Fake::default());
    {
        let mut script = fake.state.lock().unwrap();
        script.expected = commands;
        for a in 0..admins {
            let admin = FIRST_ADMIN + a as i64;
            let share = commands / admins + usize::from(a < commands % admins);
            if share > 0 {
                script.remaining.insert(admin, share - 1);
                script.enqueue(admin);
            }
        }
    }
    let app = axum::Router::new()
        .route("/{bot}/{method}", axum::routing::post(bot_api))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let api = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir()?;
    let mut config = Config::new(
        "123456:bench-token".into(),
        api.parse()?,
        (0..admins).map(|a| FIRST_ADMIN as u64 + a as u64).collect(),
        WawpSettings::Sandbox,
        wawp_bot::store::StoreTarget::Sqlite(dir.path().join("audit.sqlite3")),
    );
    config.send_limit = std::num::NonZeroU32::new(10_000).expect("not zero");
    let options = Options::default();
    // The bot gets a multi-threaded runtime of its own, as `wawp-bot` has.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let bot = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a runtime for the bot");
        runtime.block_on(wawp_bot::run_with(config, options, async {
            let _ = stopped.await;
        }))
    });
    let start = Instant::now();
    let outcome = tokio::time::timeout(Duration::from_secs(120), fake.finished.notified()).await;
    let elapsed = start.elapsed();
    let peak = memory_kib(std::process::id()).map(|m| m.0).unwrap_or(0);
    let _ = stop.send(());
    let finished = tokio::task::spawn_blocking(move || bot.join()).await?;
    match finished {
        Ok(Ok(())) => {}
        Ok(Err(e)) => anyhow::bail!("the bot stopped with an error: {e}"),
        Err(_) => anyhow::bail!("the bot panicked"),
    }
    let script = fake.state.lock().unwrap();
    let unanswered = if outcome.is_err() {
        commands.saturating_sub(script.latencies.len())
    } else {
        0
    };
    Ok(Report {
        summary: Summary::new(
            script.latencies.clone(),
            script.stray_replies + unanswered,
            elapsed,
        ),
        peak_rss_kib: peak,
    })
}

fn ok(result: Value) -> Json<Value> {
    Json(json!({"ok": true, "result": result}))
}

async fn bot_api(
    State(fake): State<Arc<Fake>>,
    UrlPath((_bot, method)): UrlPath<(String, String)>,
    body: Option<Json<Value>>,
) -> Json<Value> {
    let body = body.map(|Json(b)| b).unwrap_or(Value::Null);
    match method.to_ascii_lowercase().as_str() {
        "getme" => ok(json!({
            "id": 42, "is_bot": true, "first_name": "Bench", "username": "bench_bot",
            "can_join_groups": false, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false,
            "has_main_web_app": false
        })),
        "getwebhookinfo" => {
            ok(json!({"url": "", "has_custom_certificate": false, "pending_update_count": 0}))
        }
        "getupdates" => ok(get_updates(&fake).await),
        "sendmessage" => {
            let chat = body["chat_id"].as_i64().unwrap_or_default();
            let text = body["text"].clone();
            reply_arrived(&fake, chat);
            ok(json!({
                "message_id": 1, "date": 0,
                "chat": {"id": chat, "type": "private", "first_name": "Admin"},
                "text": text
            }))
        }
        _ => ok(json!(true)),
    }
}

async fn get_updates(fake: &Fake) -> Value {
    loop {
        let notified = fake.queued.notified();
        {
            let mut script = fake.state.lock().unwrap();
            if !script.queue.is_empty() {
                let now = Instant::now();
                let updates: Vec<Value> = script.queue.drain(..).collect();
                for update in &updates {
                    let chat = update["message"]["chat"]["id"].as_i64().unwrap_or_default();
                    script.handed_out.insert(chat, now);
                }
                return Value::Array(updates);
            }
        }
        if tokio::time::timeout(Duration::from_millis(500), notified)
            .await
            .is_err()
        {
            return json!([]);
        }
    }
}

fn reply_arrived(fake: &Fake, chat: i64) {
    let now = Instant::now();
    let mut script = fake.state.lock().unwrap();
    match script.handed_out.remove(&chat) {
        Some(at) => {
            script.latencies.push(now - at);
            let left = script.remaining.get(&chat).copied().unwrap_or(0);
            if left > 0 {
                script.remaining.insert(chat, left - 1);
                script.enqueue(chat);
                fake.queued.notify_one();
            }
        }
        None => script.stray_replies += 1,
    }
    if script.done() {
        fake.finished.notify_one();
    }
}
