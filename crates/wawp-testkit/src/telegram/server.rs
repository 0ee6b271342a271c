//! The fake's HTTP side: one handler for every method.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Call, FakeTelegram, Fault, HandedOut, Rejected, Sent, rules};

fn ok(result: Value) -> Response {
    axum::Json(json!({"ok": true, "result": result})).into_response()
}

pub(super) async fn method(
    State(fake): State<FakeTelegram>,
    Path((bot, method)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if let Some(token) = &fake.inner.token
        && bot != format!("bot{token}")
    {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"ok": false, "error_code": 401, "description": "Unauthorized"})),
        )
            .into_response();
    }
    let method = method.to_ascii_lowercase();
    let params: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let fault = {
        let mut script = fake.script();
        script.calls.push(Call {
            method: method.clone(),
            params: params.clone(),
            at: Instant::now(),
        });
        if script.down {
            Some(Fault::BadGatewayHtml)
        } else {
            script.faults.get_mut(&method).and_then(VecDeque::pop_front)
        }
    };
    if let Some(fault) = fault {
        match fault.response() {
            Some(response) => return response,
            None => {
                if let Fault::Delay(wait) = fault {
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
    match method.as_str() {
        "getme" => ok(json!({
            "id": fake.inner.bot_id, "is_bot": true, "first_name": "Wawp test",
            "username": fake.inner.bot_username,
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false,
            "has_main_web_app": false
        })),
        "getwebhookinfo" => {
            ok(json!({"url": "", "has_custom_certificate": false, "pending_update_count": 0}))
        }
        "getupdates" => get_updates(&fake, &params).await,
        "sendmessage" => send_message(&fake, &params),
        _ => ok(json!(true)),
    }
}

fn send_message(fake: &FakeTelegram, params: &Value) -> Response {
    let chat_id = params["chat_id"].as_i64().unwrap_or_default();
    let text = params["text"].as_str().unwrap_or_default().to_owned();
    let parse_mode = params["parse_mode"].as_str().map(str::to_owned);
    let now = Instant::now();
    let sent = {
        let mut script = fake.script();
        if let Some(limit) = fake.inner.sends_per_second {
            while script
                .recent_sends
                .front()
                .is_some_and(|&t| now.duration_since(t) >= Duration::from_secs(1))
            {
                script.recent_sends.pop_front();
            }
            if script.recent_sends.len() >= limit {
                drop(script);
                return Fault::TooManyRequests { retry_after: 1 }
                    .response()
                    .expect("a response");
            }
            script.recent_sends.push_back(now);
        }
        if let Err(description) = rules::check_text(&text, parse_mode.as_deref()) {
            script.rejected.push(Rejected {
                chat_id,
                text,
                description: description.clone(),
            });
            drop(script);
            return Fault::BadRequest(description)
                .response()
                .expect("a response");
        }
        let sent = Sent {
            chat_id,
            text: text.clone(),
            parse_mode,
            at: now,
        };
        script.sent.push(sent.clone());
        script.next_message_id += 1;
        (sent, script.next_message_id)
    };
    let callback = fake
        .inner
        .on_send
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    if let Some(callback) = callback {
        callback(&sent.0);
    }
    let chat = if chat_id > 0 {
        json!({"id": chat_id, "type": "private", "first_name": "Someone"})
    } else {
        json!({"id": chat_id, "type": "group", "title": "Support"})
    };
    ok(json!({
        "message_id": 100_000 + sent.1,
        "date": crate::updates::unix_now(),
        "chat": chat,
        "from": {"id": fake.inner.bot_id, "is_bot": true, "first_name": "Wawp test", "username": fake.inner.bot_username},
        "text": text,
    }))
}

async fn get_updates(fake: &FakeTelegram, params: &Value) -> Response {
    let offset = params["offset"].as_i64().unwrap_or(0);
    let limit = params["limit"].as_u64().unwrap_or(100).clamp(1, 100) as usize;
    let wait =
        Duration::from_secs(params["timeout"].as_u64().unwrap_or(0)).min(fake.inner.max_poll_wait);
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let notified = fake.inner.queued.notified();
        {
            let mut script = fake.script();
            if offset > script.confirmed_offset {
                script.confirmed_offset = offset;
            }
            // An offset confirms every update before it.
            let confirmed = script.confirmed_offset;
            script
                .queue
                .retain(|(u, forced)| *forced || u["update_id"].as_i64().unwrap_or(0) >= confirmed);
            let mut batch = Vec::new();
            let mut delivered_forced = Vec::new();
            for (i, (update, forced)) in script.queue.iter().enumerate() {
                if batch.len() == limit {
                    break;
                }
                batch.push(update.clone());
                if *forced {
                    delivered_forced.push(i);
                }
            }
            for i in delivered_forced.into_iter().rev() {
                script.queue.remove(i);
            }
            if !batch.is_empty() {
                let now = Instant::now();
                for update in &batch {
                    script.handed_out.push(HandedOut {
                        update_id: update["update_id"].as_i64().unwrap_or_default(),
                        chat_id: update["message"]["chat"]["id"].as_i64(),
                        at: now,
                    });
                }
                return ok(Value::Array(batch));
            }
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return ok(json!([]));
        }
    }
}
