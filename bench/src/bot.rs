//! The bot end to end: a fake Bot API on 127.0.0.1 hands admins' `/send`
//! commands to the real `wawp-bot --sandbox` binary and times each one from
//! the `getUpdates` answer that carried it to the `sendMessage` that answers it.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::{Path as UrlPath, State};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::stats::{Summary, memory_kib};

/// What one run measured.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Command-to-reply latency; `errors` counts replies that matched no
    /// command and commands never answered.
    pub summary: Summary,
    /// The bot's peak resident set (VmHWM), KiB.
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
pub async fn run(binary: &Path, commands: usize, admins: usize) -> anyhow::Result<Report> {
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

    let dir = std::env::temp_dir().join(format!("wawp-bench-bot-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let admin_ids: Vec<String> = (0..admins)
        .map(|a| (FIRST_ADMIN + a as i64).to_string())
        .collect();
    let mut child = Command::new(binary)
        .arg("--sandbox")
        .env_clear()
        .env("TELEGRAM_BOT_TOKEN", "123456:bench-token")
        .env("TELEGRAM_API_URL", &api)
        .env("WAWP_BOT_ADMINS", admin_ids.join(","))
        .env("WAWP_BOT_DB", dir.join("audit.sqlite3"))
        .env("WAWP_BOT_SEND_LIMIT", "1000000")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot start {}: {e}", binary.display()))?;
    let pid = child.id();
    let start = Instant::now();
    let finished = fake.finished.notified();
    let outcome = tokio::time::timeout(Duration::from_secs(120), finished).await;
    let elapsed = start.elapsed();
    let peak = memory_kib(pid).map(|m| m.0).unwrap_or(0);
    let exited = child.try_wait()?;
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(status) = exited {
        anyhow::bail!("wawp-bot exited early: {status}");
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
