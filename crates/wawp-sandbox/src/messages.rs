//! The messages the sandbox "sent": a bounded log, newest last.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use serde::{Serialize, Serializer};

use crate::lang::Lang;

/// One OTP message the sandbox would have delivered over WhatsApp.
///
/// Served as JSON by `GET /_sandbox/messages`, for example
/// `{"chatId":"201234567890","code":"042917","job_id":"send_1f3a9c_1","lang":"ar","footer":null,"sent_at":"2025-01-01T00:00:00.042Z"}`.
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
    pub lang: Lang,
    /// The custom footer, if one was given.
    pub footer: Option<String>,
    /// When it was sent, by the sandbox's clock (RFC 3339, UTC, to the
    /// millisecond, in JSON).
    #[serde(serialize_with = "rfc3339")]
    pub sent_at: SystemTime,
}

fn rfc3339<S: Serializer>(time: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_rfc3339(*time))
}

/// `2025-01-01T00:00:00.000Z`: UTC, always three fractional digits. A time
/// before 1970 or after 9999 is clamped to those ends, so that the text
/// stays RFC 3339 (four-digit years).
pub(crate) fn format_rfc3339(time: SystemTime) -> String {
    use chrono::{DateTime, SecondsFormat, Utc};
    const LAST_MS: i64 = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
    let ms = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
        .min(LAST_MS);
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The last `capacity` messages, oldest first. Messages are shared
/// (`Arc`), so a reader copies pointers under the lock and serialises after
/// releasing it.
#[derive(Debug)]
pub(crate) struct MessageLog {
    messages: Mutex<VecDeque<Arc<SentMessage>>>,
    capacity: usize,
}

impl MessageLog {
    pub(crate) fn new(capacity: usize) -> Self {
        MessageLog {
            messages: Mutex::new(VecDeque::new()),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<Arc<SentMessage>>> {
        // Nothing panics while holding the lock; a poisoned log is still valid.
        self.messages.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn push(&self, message: SentMessage) {
        let message = Arc::new(message);
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
        let shared: Vec<Arc<SentMessage>> = {
            let messages = self.lock();
            messages
                .iter()
                .filter(|m| chat_id.is_none_or(|chat_id| m.chat_id == chat_id))
                .cloned()
                .collect()
        };
        shared.iter().map(|m| SentMessage::clone(m)).collect()
    }

    /// At most `limit` messages (to `chat_id` if given), newest first. Only
    /// pointers are copied under the lock.
    pub(crate) fn newest(&self, chat_id: Option<&str>, limit: usize) -> Vec<Arc<SentMessage>> {
        let messages = self.lock();
        messages
            .iter()
            .rev()
            .filter(|m| chat_id.is_none_or(|chat_id| m.chat_id == chat_id))
            .take(limit)
            .cloned()
            .collect()
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
        // A ManualClock's latest time still prints.
        assert_eq!(at(18_446_744_073_709), "2554-07-21T23:34:33.709Z");
        // Past year 9999, and before 1970: clamped, still RFC 3339.
        assert_eq!(at(u64::MAX / 1000), "9999-12-31T23:59:59.999Z");
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(format_rfc3339(before), "1970-01-01T00:00:00.000Z");
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

    #[test]
    fn newest_lists_newest_first_up_to_the_limit() {
        let log = MessageLog::new(10);
        for (chat, code) in [("1", "1"), ("2", "2"), ("1", "3"), ("1", "4")] {
            log.push(message(chat, code));
        }
        let codes = |v: Vec<Arc<SentMessage>>| v.iter().map(|m| m.code.clone()).collect::<Vec<_>>();
        assert_eq!(codes(log.newest(None, 2)), ["4", "3"]);
        assert_eq!(codes(log.newest(Some("1"), 10)), ["4", "3", "1"]);
        assert_eq!(codes(log.newest(Some("2"), 10)), ["2"]);
        assert!(log.newest(Some("9"), 10).is_empty());
    }

    #[test]
    fn readers_share_the_logged_messages_instead_of_copying_them() {
        // What `/_sandbox/messages` takes under the lock: pointers to the
        // logged messages; it serialises them after releasing the lock.
        let log = MessageLog::new(10);
        log.push(message("1", "111111"));
        let (a, b) = (log.newest(None, 1), log.newest(None, 1));
        assert!(Arc::ptr_eq(&a[0], &b[0]));
        assert_eq!(Arc::strong_count(&a[0]), 3);
    }
}
