//! A fake Telegram Bot API on 127.0.0.1 that hands admins' `/send`
//! commands to the bot, one at a time per admin, and times each reply.
//! (To be replaced by the fake of `crates/wawp-testkit`, issue 12 item 4.)

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::{Path as UrlPath, State};
use serde_json::{Value, json};
use tokio::sync::Notify;

/// The first admin's Telegram user id; the others follow.
pub const FIRST_ADMIN: i64 = 1001;

/// The fake's state, shared by its handlers and the benchmark.
#[derive(Default)]
pub struct Fake {
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
    admins: usize,
    first_poll: Option<Instant>,
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

impl Fake {
    /// A fake that will hand out `commands` spread over `admins` once
    /// [`Fake::start`] is called.
    pub fn new(commands: usize, admins: usize) -> Fake {
        let fake = Fake::default();
        {
            let mut script = fake.state.lock().unwrap();
            script.expected = commands;
            script.admins = admins;
            for a in 0..admins {
                let share = commands / admins + usize::from(a < commands % admins);
                if share > 0 {
                    script.remaining.insert(FIRST_ADMIN + a as i64, share);
                }
            }
        }
        fake
    }

    /// Queues every admin's first command.
    pub fn start(&self) {
        let mut script = self.state.lock().unwrap();
        let admins: Vec<i64> = script.remaining.keys().copied().collect();
        for admin in admins {
            let left = script.remaining[&admin];
            script.remaining.insert(admin, left - 1);
            script.enqueue(admin);
        }
        self.queued.notify_one();
    }

    /// When the bot first called `getUpdates`, if it has.
    pub fn first_poll(&self) -> Option<Instant> {
        self.state.lock().unwrap().first_poll
    }

    /// Resolves once every command is answered.
    pub async fn finished(&self) {
        self.finished.notified().await
    }

    /// Admins the commands are spread over.
    pub fn admins(&self) -> usize {
        self.state.lock().unwrap().admins
    }

    /// The latencies measured and the replies that matched no command.
    pub fn results(&self) -> (Vec<Duration>, usize) {
        let script = self.state.lock().unwrap();
        (script.latencies.clone(), script.stray_replies)
    }
}

/// Serves the fake on 127.0.0.1; returns its base URL.
pub async fn serve(fake: Arc<Fake>) -> anyhow::Result<String> {
    let app = axum::Router::new()
        .route("/{bot}/{method}", axum::routing::post(bot_api))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let api = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(api)
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
            script.first_poll.get_or_insert_with(Instant::now);
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
