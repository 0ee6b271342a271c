//! Checking a code: [`VerifyOtp`] (the request), [`VerifyOutcome`] (what
//! Wawp said) and one attempt.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use secrecy::ExposeSecret;
use tracing::field::Empty;
use wawp_openapi::recorded;
use wawp_openapi::types::VerifyOtpResponse;

use crate::call::{self, Attempt, Done};
use crate::client::Inner;
use crate::response::{self, Answer, Refusal, clamp_retry_after};
use crate::retry::Op;
use crate::summary::truncate;
use crate::untrusted::Redactor;
use crate::{Client, Error, OtpCode, PhoneNumber, Transport};

/// A verify request: set options, then `.await` it.
///
/// Created by [`Client::verify_otp`]. `Debug` does not show the code.
#[derive(Debug)]
#[must_use = "nothing is sent until the request is awaited"]
pub struct VerifyOtp<'a> {
    client: &'a Client,
    phone: &'a PhoneNumber,
    code: &'a OtpCode,
    list_id: Option<i64>,
}

impl<'a> VerifyOtp<'a> {
    pub(crate) fn new(client: &'a Client, phone: &'a PhoneNumber, code: &'a OtpCode) -> Self {
        VerifyOtp {
            client,
            phone,
            code,
            list_id: None,
        }
    }

    /// Adds the verified number to this Wawp contact list.
    pub fn list_id(mut self, list_id: i64) -> Self {
        self.list_id = Some(list_id);
        self
    }
}

impl<'a> IntoFuture for VerifyOtp<'a> {
    type Output = Result<VerifyOutcome, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(run(self))
    }
}

/// Wawp confirmed the code (HTTP 200).
///
/// Wawp does not document this body beyond being JSON, so both fields are
/// whatever it sent, if anything (scrubbed like all server text).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct VerifiedOtp {
    /// The outcome code, when Wawp sent one.
    pub code: Option<String>,
    /// The human-readable outcome, when Wawp sent one.
    pub message: Option<String>,
}

impl VerifiedOtp {
    /// A `VerifiedOtp` as Wawp would answer it, for your own tests.
    pub fn new(code: Option<String>, message: Option<String>) -> Self {
        VerifiedOtp { code, message }
    }
}

/// What Wawp said about a code.
///
/// Wawp documents only success (200), bad credentials (401, an
/// [`Error::Unauthorized`]) and brute-force protection (429: 5 attempts,
/// then 15 minutes). **How it answers a wrong, expired or missing code is
/// not documented upstream.** This client reads a non-429 4xx as follows,
/// and keeps the status and message of anything else in
/// [`VerifyOutcome::Other`]:
///
/// | answer | outcome |
/// |---|---|
/// | `code` `invalid_code`, `wrong_code`, `incorrect_code`; or a message with "incorrect", "wrong", "invalid code" | [`WrongCode`](VerifyOutcome::WrongCode) |
/// | `code` `code_expired`, `expired`, `no_active_code`, `code_not_found`; or a message with "expired", "no active", "not found" | [`NoActiveCode`](VerifyOutcome::NoActiveCode) |
/// | status 429 | [`LockedOut`](VerifyOutcome::LockedOut) |
///
/// These are the answers of the workspace's sandbox (`wawp-sandbox`),
/// which also says "N attempts left" in a wrong code's message: that is
/// where `attempts_left` comes from, when present.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum VerifyOutcome {
    /// The code is right: the number is verified.
    Verified(VerifiedOtp),
    /// The code is wrong; it may be tried again.
    WrongCode {
        /// Tries left before the lockout, when Wawp said.
        attempts_left: Option<u32>,
        /// Wawp's message, when it gave one.
        message: Option<String>,
    },
    /// There is no code to check against: it expired, was already used,
    /// was discarded by a lockout, or was never sent. Send a new one.
    NoActiveCode {
        /// Wawp's message, when it gave one.
        message: Option<String>,
    },
    /// Too many wrong codes: verification for this recipient is locked.
    LockedOut {
        /// How long the lockout lasts, when Wawp said (kept within 1 s and
        /// 1 hour); Wawp documents 15 minutes.
        retry_after: Option<Duration>,
        /// Wawp's message, when it gave one.
        message: Option<String>,
    },
    /// Another 4xx answer this client cannot classify.
    Other {
        /// The HTTP status.
        status: u16,
        /// Wawp's message, when it gave one.
        message: Option<String>,
    },
}

impl VerifyOutcome {
    /// Whether the code was confirmed.
    pub fn is_verified(&self) -> bool {
        matches!(self, VerifyOutcome::Verified(_))
    }

    /// A stable snake_case name, as recorded in traces: `"verified"`,
    /// `"wrong_code"`, `"no_active_code"`, `"locked_out"`, `"other"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            VerifyOutcome::Verified(_) => "verified",
            VerifyOutcome::WrongCode { .. } => "wrong_code",
            VerifyOutcome::NoActiveCode { .. } => "no_active_code",
            VerifyOutcome::LockedOut { .. } => "locked_out",
            VerifyOutcome::Other { .. } => "other",
        }
    }
}

async fn run(req: VerifyOtp<'_>) -> Result<VerifyOutcome, Error> {
    let inner = &*req.client.inner;
    let span = tracing::info_span!(
        "wawp.verify_otp",
        recipient = %req.phone,
        operation = %"verify_otp",
        transport = %inner.transport.as_str(),
        status = Empty,
        latency_ms = Empty,
        attempts = Empty,
        error = Empty,
        job_id = Empty,
        outcome = Empty,
    );
    let redactor = Redactor {
        token: inner.access_token.expose_secret(),
        code: Some(req.code.expose_secret()),
        phone: req.phone,
    };
    let result = call::run(
        Op::Verify,
        inner,
        span.clone(),
        || attempt(inner, &req, &redactor),
        |outcome: &VerifyOutcome| Done {
            job_id: None,
            outcome: Some(outcome.as_str()),
        },
    )
    .await;
    if let Ok(outcome) = &result {
        span.in_scope(|| tracing::debug!(outcome = outcome.as_str(), "wawp: OTP checked"));
    }
    result
}

async fn attempt(
    inner: &Inner,
    req: &VerifyOtp<'_>,
    redactor: &Redactor<'_>,
) -> Attempt<VerifyOutcome> {
    let raw = &inner.raw;
    let token = inner.token_in_body.then_some(redactor.token);
    let code = req.code.expose_secret();
    let (result, record) = match inner.transport {
        Transport::Post => {
            let call = raw.verify_otp().body_map(|body| {
                body.access_token(token.map(str::to_owned))
                    .chat_id(req.phone.chat_id())
                    .code(code)
                    .instance_id(inner.instance_id.as_str())
                    .list_id(req.list_id)
            });
            recorded(call.send()).await
        }
        Transport::Query => {
            let mut call = raw
                .verify_otp_query()
                .access_token(redactor.token)
                .chat_id(req.phone.chat_id())
                .code(code)
                .instance_id(inner.instance_id.as_str());
            if let Some(list_id) = req.list_id {
                call = call.list_id(list_id);
            }
            recorded(call.send()).await
        }
    };
    let parse = |bytes: &[u8]| serde_json::from_slice::<VerifyOtpResponse>(bytes);
    let scrub = |text: Option<String>| text.map(|t| truncate(redactor.scrub(&t)));
    match response::read(result, &record, redactor, parse).await? {
        Answer::Success(status, body) => Ok((
            status,
            VerifyOutcome::Verified(VerifiedOtp {
                code: scrub(body.code),
                message: scrub(body.message),
            }),
        )),
        Answer::Refused(refusal) => {
            let status = refusal.status.as_u16();
            match classify(refusal) {
                Ok(outcome) => Ok((status, outcome)),
                Err(refusal) => Err(response::refusal_error(refusal)),
            }
        }
    }
}

/// A refusal that is a verify outcome, or back for [`Error`] mapping
/// (401, 5xx, redirects).
fn classify(refusal: Refusal) -> Result<VerifyOutcome, Refusal> {
    let status = refusal.status.as_u16();
    if status == 429 {
        return Ok(VerifyOutcome::LockedOut {
            retry_after: refusal.retry_after.map(clamp_retry_after),
            message: refusal.message,
        });
    }
    if !(400..=499).contains(&status) || status == 401 {
        return Err(refusal);
    }
    let code = refusal
        .code
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let text = refusal
        .message
        .as_deref()
        .unwrap_or_default()
        .to_lowercase();
    let message = refusal.message;
    let wrong = matches!(
        code.as_str(),
        "invalid_code" | "wrong_code" | "incorrect_code"
    ) || ["incorrect", "wrong", "invalid code"]
        .iter()
        .any(|w| text.contains(w));
    let gone = matches!(
        code.as_str(),
        "code_expired" | "expired" | "no_active_code" | "code_not_found"
    ) || ["expired", "no active", "not found"]
        .iter()
        .any(|w| text.contains(w));
    Ok(if gone {
        VerifyOutcome::NoActiveCode { message }
    } else if wrong {
        VerifyOutcome::WrongCode {
            attempts_left: attempts_left(&text),
            message,
        }
    } else {
        VerifyOutcome::Other { status, message }
    })
}

/// `N` in "… N attempts left" / "N attempt remaining".
fn attempts_left(text: &str) -> Option<u32> {
    let at = text.find(" attempt")?;
    let number = text[..at].rsplit(|c: char| !c.is_ascii_digit()).next()?;
    number.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    fn refusal(status: u16, code: Option<&str>, message: Option<&str>) -> Refusal {
        Refusal {
            status: StatusCode::from_u16(status).unwrap(),
            retry_after: Some(Duration::from_secs(900)),
            code: code.map(str::to_owned),
            message: message.map(str::to_owned),
        }
    }

    #[test]
    fn sandbox_and_known_answers_map_to_outcomes() {
        let wrong = classify(refusal(
            400,
            Some("invalid_code"),
            Some("The code is incorrect: 4 attempts left"),
        ))
        .unwrap();
        assert_eq!(
            wrong,
            VerifyOutcome::WrongCode {
                attempts_left: Some(4),
                message: Some("The code is incorrect: 4 attempts left".into())
            }
        );
        for code in ["code_expired", "no_active_code"] {
            let outcome = classify(refusal(400, Some(code), None)).unwrap();
            assert_eq!(outcome, VerifyOutcome::NoActiveCode { message: None });
        }
        let by_text = classify(refusal(400, None, Some("OTP has expired"))).unwrap();
        assert_eq!(by_text.as_str(), "no_active_code");
        let by_text = classify(refusal(422, None, Some("Wrong code"))).unwrap();
        assert_eq!(by_text.as_str(), "wrong_code");
        let locked = classify(refusal(429, Some("locked_out"), None)).unwrap();
        assert_eq!(
            locked,
            VerifyOutcome::LockedOut {
                retry_after: Some(Duration::from_secs(900)),
                message: None
            }
        );
        let other = classify(refusal(400, Some("invalid_chat_id"), Some("bad number"))).unwrap();
        assert_eq!(other.as_str(), "other");
        for status in [401, 500, 503, 302] {
            assert!(classify(refusal(status, None, None)).is_err(), "{status}");
        }
    }

    #[test]
    fn attempts_left_is_read_from_the_message() {
        assert_eq!(
            attempts_left("the code is incorrect: 1 attempt left"),
            Some(1)
        );
        assert_eq!(attempts_left("incorrect (3 attempts remaining)"), Some(3));
        assert_eq!(attempts_left("incorrect"), None);
    }
}
