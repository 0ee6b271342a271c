//! The audit log: one row per `/send`, `/verify` and refused admin command.
//!
//! A row holds who asked (Telegram id and username), what (action, masked
//! recipient, language), and what came of it (outcome, Wawp job id, error
//! kind). It never holds an OTP code, a token, or a full phone number: the
//! types here only take a [`wawp::PhoneNumber`] and store its masked form.
//!
//! A `/send` or `/verify` that reaches Wawp writes its row as `pending` and
//! commits it *before* calling Wawp, then updates it with the outcome before
//! the bot replies: a crash in between leaves a `pending` row, not a gap.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::params;

use crate::db::{Db, DbError};

/// What was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `/send`
    Send,
    /// `/verify`
    Verify,
    /// `/history`
    History,
}

impl Action {
    /// The name stored in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Send => "send",
            Action::Verify => "verify",
            Action::History => "history",
        }
    }
}

/// What came of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Written before calling Wawp; replaced once Wawp answers.
    Pending,
    /// Wawp accepted the send.
    Sent,
    /// Wawp confirmed the code.
    Verified,
    /// Wawp (or the connection to it) failed; `error_kind` says how.
    Failed,
    /// The caller may not use the command here; nothing was sent.
    Refused,
    /// Missing or bad arguments; nothing was sent.
    Invalid,
    /// The admin's per-minute send limit was reached; nothing was sent.
    RateLimited,
    /// The command was older than the configured maximum age; ignored.
    Stale,
}

impl Outcome {
    /// The name stored in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Sent => "sent",
            Outcome::Verified => "verified",
            Outcome::Failed => "failed",
            Outcome::Refused => "refused",
            Outcome::Invalid => "invalid",
            Outcome::RateLimited => "rate_limited",
            Outcome::Stale => "stale",
        }
    }
}

/// Who asked, from the Telegram message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Telegram user id.
    pub id: u64,
    /// Telegram username, without `@`, if the user has one.
    pub username: Option<String>,
}

/// A row to append.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// The Telegram update that carried the command.
    pub update_id: Option<u32>,
    /// Who asked.
    pub caller: Caller,
    /// What was asked for.
    pub action: Action,
    /// The recipient, stored masked.
    pub recipient: Option<wawp::PhoneNumber>,
    /// The message language.
    pub lang: Option<wawp::Lang>,
    /// What came of it.
    pub outcome: Outcome,
    /// Wawp's job id for a send.
    pub job_id: Option<String>,
    /// Why it failed or was refused (`wawp::ErrorKind` names, or the bot's own).
    pub error_kind: Option<String>,
}

impl NewEntry {
    /// A row with no recipient, language, job or error yet.
    pub fn new(
        update_id: Option<u32>,
        caller: Caller,
        action: Action,
        outcome: Outcome,
    ) -> NewEntry {
        NewEntry {
            update_id,
            caller,
            action,
            recipient: None,
            lang: None,
            outcome,
            job_id: None,
            error_kind: None,
        }
    }

    /// Sets the error kind.
    pub fn error_kind(mut self, kind: impl Into<String>) -> NewEntry {
        self.error_kind = Some(kind.into());
        self
    }
}

/// A row read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Row id, increasing.
    pub id: i64,
    /// When the row was written.
    pub at: DateTime<Utc>,
    /// The Telegram update that carried the command.
    pub update_id: Option<u32>,
    /// Who asked.
    pub caller: Caller,
    /// `send`, `verify` or `history`.
    pub action: String,
    /// Masked recipient.
    pub recipient: Option<String>,
    /// Language code.
    pub lang: Option<String>,
    /// See [`Outcome`].
    pub outcome: String,
    /// Wawp's job id.
    pub job_id: Option<String>,
    /// Why it failed or was refused.
    pub error_kind: Option<String>,
}

impl Db {
    /// Appends a row and commits it; returns its id.
    pub async fn audit(&self, entry: NewEntry) -> Result<i64, DbError> {
        let at = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO audit (at, update_id, admin_id, admin_username, action, recipient, lang, outcome, job_id, error_kind)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    at,
                    entry.update_id,
                    entry.caller.id as i64,
                    entry.caller.username,
                    entry.action.as_str(),
                    entry.recipient.as_ref().map(wawp::PhoneNumber::masked),
                    entry.lang.as_ref().map(wawp::Lang::as_str),
                    entry.outcome.as_str(),
                    entry.job_id,
                    entry.error_kind,
                ],
            )?;
            Ok(conn.last_insert_rowid())
        })
        .await
    }

    /// Records the outcome of a `pending` row and commits it.
    pub async fn finish_audit(
        &self,
        id: i64,
        outcome: Outcome,
        job_id: Option<String>,
        error_kind: Option<String>,
    ) -> Result<(), DbError> {
        self.call(move |conn| {
            conn.execute(
                "UPDATE audit SET outcome = ?2, job_id = ?3, error_kind = ?4 WHERE id = ?1",
                params![id, outcome.as_str(), job_id, error_kind],
            )?;
            Ok(())
        })
        .await
    }

    /// The last `n` rows, newest first.
    pub async fn recent_audit(&self, n: u32) -> Result<Vec<Entry>, DbError> {
        self.call(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT id, at, update_id, admin_id, admin_username, action, recipient, lang, outcome, job_id, error_kind
                 FROM audit ORDER BY id DESC LIMIT ?1",
            )?;
            let rows = stmt.query_map([n], |row| {
                let at: String = row.get(1)?;
                Ok(Entry {
                    id: row.get(0)?,
                    at: DateTime::parse_from_rfc3339(&at)
                        .map(|t| t.with_timezone(&Utc))
                        .unwrap_or_default(),
                    update_id: row.get(2)?,
                    caller: Caller {
                        id: row.get::<_, i64>(3)? as u64,
                        username: row.get(4)?,
                    },
                    action: row.get(5)?,
                    recipient: row.get(6)?,
                    lang: row.get(7)?,
                    outcome: row.get(8)?,
                    job_id: row.get(9)?,
                    error_kind: row.get(10)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller() -> Caller {
        Caller {
            id: 42,
            username: Some("alice".into()),
        }
    }

    #[tokio::test]
    async fn rows_store_the_masked_recipient_and_read_back_newest_first() {
        let db = Db::open_in_memory().unwrap();
        let mut entry = NewEntry::new(Some(7), caller(), Action::Send, Outcome::Pending);
        entry.recipient = Some("+201234567890".parse().unwrap());
        entry.lang = Some(wawp::Lang::Ar);
        let id = db.audit(entry).await.unwrap();
        db.finish_audit(id, Outcome::Sent, Some("send_1".into()), None)
            .await
            .unwrap();
        db.audit(
            NewEntry::new(Some(8), caller(), Action::Verify, Outcome::Refused)
                .error_kind("not_admin"),
        )
        .await
        .unwrap();

        let rows = db.recent_audit(10).await.unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].action, "verify");
        assert_eq!(rows[0].error_kind.as_deref(), Some("not_admin"));
        let send = &rows[1];
        assert_eq!(send.outcome, "sent");
        assert_eq!(send.recipient.as_deref(), Some("+20•••••7890"));
        assert_eq!(send.lang.as_deref(), Some("ar"));
        assert_eq!(send.job_id.as_deref(), Some("send_1"));
        assert_eq!(send.caller, caller());
        assert_eq!(db.recent_audit(1).await.unwrap().len(), 1);
    }
}
