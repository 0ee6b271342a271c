//! What a command prints: text for people (the number masked), or with
//! `--json` one object on stdout whose field names are documented in the
//! README and never change meaning.

use serde_json::{Value, json};
use wawp::{PhoneNumber, SentOtp, VerifyOutcome};

use crate::failure::{Failure, NOT_VERIFIED, SUCCESS, secs_ceil};

/// Where and how results are printed.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// One JSON object on stdout instead of text.
    pub json: bool,
    /// The subcommand's name, the `command` field.
    pub command: &'static str,
}

impl Output {
    fn print_json(&self, mut object: Value) {
        if let Value::Object(map) = &mut object {
            map.insert("command".into(), self.command.into());
        }
        say!("{object}");
    }

    /// A code was sent. Returns the exit code.
    pub fn sent(&self, phone: &PhoneNumber, sent: &SentOtp, dry_run: bool) -> u8 {
        if self.json {
            self.print_json(json!({
                "outcome": "sent",
                "exit_code": SUCCESS,
                "phone": phone.e164(),
                "job_id": sent.job_id,
                "expires_in_secs": secs_ceil(sent.expires_in),
                "message": sent.message,
                "dry_run": dry_run,
            }));
        } else {
            let dry = if dry_run { " (dry run)" } else { "" };
            say!(
                "sent a code to {phone}{dry}: job {}, valid for {} s",
                sent.job_id,
                secs_ceil(sent.expires_in)
            );
        }
        SUCCESS
    }

    /// Wawp's verdict on a code. Returns the exit code: 0 when verified, 1
    /// otherwise.
    pub fn verified(&self, phone: &PhoneNumber, outcome: &VerifyOutcome, dry_run: bool) -> u8 {
        let exit = if outcome.is_verified() {
            SUCCESS
        } else {
            NOT_VERIFIED
        };
        let (attempts_left, retry_after, status, message) = match outcome {
            VerifyOutcome::Verified(ok) => (None, None, None, ok.message.clone()),
            VerifyOutcome::WrongCode {
                attempts_left,
                message,
            } => (*attempts_left, None, None, message.clone()),
            VerifyOutcome::NoActiveCode { message } => (None, None, None, message.clone()),
            VerifyOutcome::LockedOut {
                retry_after,
                message,
            } => (None, retry_after.map(secs_ceil), None, message.clone()),
            VerifyOutcome::Other { status, message } => {
                (None, None, Some(*status), message.clone())
            }
            // A later `wawp` may add outcomes: not verified, as far as we know.
            _ => (None, None, None, None),
        };
        if self.json {
            self.print_json(json!({
                "outcome": outcome.as_str(),
                "exit_code": exit,
                "phone": phone.e164(),
                "attempts_left": attempts_left,
                "retry_after_secs": retry_after,
                "http_status": status,
                "message": message,
                "dry_run": dry_run,
            }));
            return exit;
        }
        let text = match outcome {
            VerifyOutcome::Verified(_) => format!("verified {phone}"),
            VerifyOutcome::WrongCode { .. } => {
                let left = attempts_left.map_or(String::new(), |n| format!(" ({n} attempts left)"));
                format!("not verified: wrong code for {phone}{left}")
            }
            VerifyOutcome::NoActiveCode { .. } => format!(
                "not verified: no active code for {phone} (expired, already used, or never sent): send a new one"
            ),
            VerifyOutcome::LockedOut { .. } => {
                let wait = retry_after.map_or(String::new(), |s| format!("; try again in {s} s"));
                format!("not verified: {phone} is locked out after too many wrong codes{wait}")
            }
            _ => format!(
                "not verified: Wawp answered HTTP {}{}",
                status.map_or("?".to_owned(), |s| s.to_string()),
                message.map_or(String::new(), |m| format!(": {m}"))
            ),
        };
        say!("{text}");
        exit
    }

    /// Something else succeeded: `fields` for `--json`, `text` otherwise.
    pub fn done(&self, outcome: &str, fields: Value, text: &str) -> u8 {
        if self.json {
            let mut object = json!({ "outcome": outcome, "exit_code": SUCCESS });
            if let (Value::Object(map), Value::Object(extra)) = (&mut object, fields) {
                map.extend(extra);
            }
            self.print_json(object);
        } else {
            say!("{text}");
        }
        SUCCESS
    }

    /// A failure: one line on stderr, and with `--json` one object on
    /// stdout. Returns the exit code.
    pub fn failed(&self, failure: &Failure) -> u8 {
        warn!("wawp: {}", failure.message);
        if self.json {
            self.print_json(json!({
                "outcome": "error",
                "exit_code": failure.exit,
                "error": failure.kind,
                "message": failure.message,
                "retry_after_secs": failure.retry_after_secs,
                "http_status": failure.http_status,
            }));
        }
        failure.exit
    }
}
