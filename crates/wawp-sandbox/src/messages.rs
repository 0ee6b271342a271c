//! The messages the sandbox "sent": a bounded log, newest last.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use serde::{Serialize, Serializer};
use wawp::Lang;

use crate::clock::millis;

/// One OTP message the sandbox would have delivered over WhatsApp.
///
/// Served as JSON by `GET /_sandbox/messages`, for example
/// `{"chatId":"201234567890","code":"042917","job_id":"send_1f3a9c_1","lang":"ar","footer":null,"sent_at":"2025-01-01T00:00:00.000Z"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentMessage {
    /// The recipient, international digits without `+`.
    #[serde(rename = "chatId")]
    pub chat_id: String,
    /// The 6-digit code.
    pub code: String,
    /// The `job_id` the send answered with.
    pub job_id: String,
    /// The message language.
    #[serde(serialize_with = "lang_code")]
    pub lang: Lang,
    /// The custom footer, if one was given.
    pub footer: Option<String>,
    /// When it was sent, by the sandbox's clock (RFC 3339, UTC, in JSON).
    #[serde(serialize_with = "rfc3339")]
    pub sent_at: SystemTime,
}

fn lang_code<S: Serializer>(lang: &Lang, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(lang.as_str())
}

fn rfc3339<S: Serializer>(time: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_rfc3339(*time))
}

/// `2025-01-01T00:00:00.000Z`; times before 1970 print as the epoch.
pub(crate) fn format_rfc3339(time: SystemTime) -> String {
    let ms = millis(time);
    let (secs, ms) = (ms / 1000, ms % 1000);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's
/// `civil_from_days`, restricted to days ≥ 0).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// The last `capacity` messages, oldest first.
#[derive(Debug)]
pub(crate) struct MessageLog {
    messages: Mutex<VecDeque<SentMessage>>,
    capacity: usize,
}

impl MessageLog {
    pub(crate) fn new(capacity: usize) -> Self {
        MessageLog {
            messages: Mutex::new(VecDeque::new()),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<SentMessage>> {
        // Nothing panics while holding the lock; a poisoned log is still valid.
        self.messages.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn push(&self, message: SentMessage) {
        let dropped = {
            let mut messages = self.lock();
            let dropped = if messages.len() >= self.capacity {
                messages.pop_front()
            } else {
                None
            };
            messages.push_back(message);
            dropped
        };
        // Freed outside the lock.
        drop(dropped);
    }

    /// Every logged message, or those to `chat_id`, oldest first.
    pub(crate) fn list(&self, chat_id: Option<&str>) -> Vec<SentMessage> {
        let messages = self.lock();
        match chat_id {
            None => messages.iter().cloned().collect(),
            Some(chat_id) => messages
                .iter()
                .filter(|m| m.chat_id == chat_id)
                .cloned()
                .collect(),
        }
    }

    /// The code of the newest logged message to `chat_id`.
    pub(crate) fn last_code(&self, chat_id: &str) -> Option<String> {
        self.lock()
            .iter()
            .rev()
            .find(|m| m.chat_id == chat_id)
            .map(|m| m.code.clone())
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn message(chat_id: &str, code: &str) -> SentMessage {
        SentMessage {
            chat_id: chat_id.into(),
            code: code.into(),
            job_id: format!("send_{code}"),
            lang: Lang::Ar,
            footer: None,
            sent_at: UNIX_EPOCH + Duration::from_millis(1_735_689_600_042),
        }
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let at = |ms| format_rfc3339(UNIX_EPOCH + Duration::from_millis(ms));
        assert_eq!(at(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(at(1_735_689_599_999), "2024-12-31T23:59:59.999Z");
        assert_eq!(at(4_107_542_400_000), "2100-03-01T00:00:00.000Z");
    }

    #[test]
    fn serializes_like_the_api_spells_fields() {
        let json = serde_json::to_string(&message("201234567890", "042917")).unwrap();
        assert_eq!(
            json,
            r#"{"chatId":"201234567890","code":"042917","job_id":"send_042917","lang":"ar","footer":null,"sent_at":"2025-01-01T00:00:00.042Z"}"#
        );
    }

    #[test]
    fn keeps_only_the_newest_and_finds_the_last_code() {
        let log = MessageLog::new(2);
        log.push(message("1", "111111"));
        log.push(message("2", "222222"));
        log.push(message("1", "333333"));
        assert_eq!(log.len(), 2);
        assert_eq!(log.last_code("1").as_deref(), Some("333333"));
        assert_eq!(log.list(Some("1")).len(), 1);
        let codes: Vec<_> = log.list(None).into_iter().map(|m| m.code).collect();
        assert_eq!(codes, ["222222", "333333"]);
        assert_eq!(log.last_code("3"), None);
    }
}
