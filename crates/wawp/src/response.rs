//! The generated client's raw result → a value, a refusal (a status with
//! its scrubbed message) or a [`Failure`]; and refusals → typed errors.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, HeaderMap};
use wawp_openapi::types::ErrorBody;
use wawp_openapi::{BodyTooLarge, Record, ResponseValue};

use crate::retry::Failure;
use crate::summary::{self, truncate};
use crate::untrusted::Redactor;
use crate::{Cause, Error, MAX_BODY_BYTES};

type RawError = wawp_openapi::Error<ErrorBody>;

/// Without a usable `Retry-After`, Wawp's documented per-recipient send
/// cooldown.
const DEFAULT_SEND_COOLDOWN: Duration = Duration::from_secs(60);
/// The range a 429's `Retry-After` is kept in: `0`, a past date or a
/// huge value would tell the caller nonsense.
const RETRY_AFTER_RANGE: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(3600));

/// A 429's `Retry-After`, kept within 1 s and 1 hour.
pub(crate) fn clamp_retry_after(wait: Duration) -> Duration {
    wait.clamp(RETRY_AFTER_RANGE.0, RETRY_AFTER_RANGE.1)
}

/// A non-2xx answer, read and scrubbed.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    /// `Retry-After`, as sent (not clamped).
    pub(crate) retry_after: Option<Duration>,
    /// The body's `code` field, when it is JSON with one.
    pub(crate) code: Option<String>,
    /// The message, scrubbed and truncated.
    pub(crate) message: Option<String>,
}

/// What one attempt got back.
pub(crate) enum Answer<T> {
    Success(u16, T),
    Refused(Refusal),
}

/// Reads the generated client's result, with the [`Record`] of what the
/// transport saw.
pub(crate) async fn read<T>(
    result: Result<ResponseValue<T>, RawError>,
    record: &Record,
    redactor: &Redactor<'_>,
    parse: fn(&[u8]) -> Result<T, serde_json::Error>,
) -> Result<Answer<T>, Failure> {
    let message = |text: Option<String>| text.map(|m| truncate(redactor.scrub(&m)));
    let too_large = match &result {
        Err(RawError::ResponseBodyError(e)) => BodyTooLarge::find(e).is_some(),
        Err(_) => record.body_too_large(),
        Ok(_) => false,
    };
    if too_large {
        let status = record.status().map_or(0, |s| s.as_u16());
        return Err(Error::BodyTooLarge { status }.into());
    }
    match result {
        Ok(value) => Ok(Answer::Success(value.status().as_u16(), value.into_inner())),
        Err(RawError::ErrorResponse(value)) => {
            let status = value.status();
            let retry_after = summary::retry_after(value.headers());
            let body = value.into_inner();
            let code = body
                .code
                .as_ref()
                .and_then(|c| c.as_str())
                .map(str::to_owned);
            let text = serde_json::to_value(&body)
                .ok()
                .and_then(|json| summary::json_message(&json));
            Ok(Answer::Refused(Refusal {
                status,
                retry_after,
                code: code.map(|c| truncate(redactor.scrub(&c))),
                message: message(text),
            }))
        }
        Err(RawError::InvalidResponsePayload(bytes, e)) => {
            // The hook saw the status even though the body did not parse.
            let status = record.status().unwrap_or(StatusCode::OK);
            if status.is_success() {
                return Err(Error::UnparseableBody {
                    status: status.as_u16(),
                    cause: Some(Cause::json(&e)),
                }
                .into());
            }
            Ok(Answer::Refused(refusal(
                status,
                record.headers(),
                &bytes,
                redactor,
            )))
        }
        Err(RawError::UnexpectedResponse(response)) => {
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = read_capped(response, redactor).await?;
            if status.is_success() {
                return match parse(&bytes) {
                    Ok(value) => Ok(Answer::Success(status.as_u16(), value)),
                    Err(e) => Err(Error::UnparseableBody {
                        status: status.as_u16(),
                        cause: Some(Cause::json(&e)),
                    }
                    .into()),
                };
            }
            Ok(Answer::Refused(refusal(status, &headers, &bytes, redactor)))
        }
        Err(RawError::CommunicationError(e)) => Err(network_failure(e, redactor, None)),
        Err(RawError::ResponseBodyError(e) | RawError::InvalidUpgrade(e)) => {
            // The answer's head arrived: the request was written.
            let answered = Some(record.status().map_or(0, |s| s.as_u16()));
            Err(network_failure(e, redactor, answered))
        }
        Err(RawError::InvalidRequest(_) | RawError::Custom(_)) => Err(Failure {
            not_sent: true,
            ..Error::Connection {
                message: "the request could not be built from this configuration".to_owned(),
                cause: None,
            }
            .into()
        }),
    }
}

fn refusal(
    status: StatusCode,
    headers: &HeaderMap,
    bytes: &[u8],
    redactor: &Redactor<'_>,
) -> Refusal {
    let code = serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|json| json["code"].as_str().map(|c| truncate(redactor.scrub(c))));
    Refusal {
        status,
        retry_after: summary::retry_after(headers),
        code,
        message: summary::summarize(bytes, headers).map(|m| truncate(redactor.scrub(&m))),
    }
}

/// The error for a refusal that is not an operation's own outcome: 401,
/// 429 on send, 5xx, redirects and other 4xx. (A send's 502–504 becomes
/// [`Error::OutcomeUnknown`] in [`Failure::for_send`].)
pub(crate) fn refusal_error(refusal: Refusal) -> Failure {
    let Refusal {
        status,
        retry_after,
        message,
        ..
    } = refusal;
    let code = status.as_u16();
    let error = match code {
        401 => Error::Unauthorized { message },
        429 => Error::SendCooldown {
            retry_after: retry_after.map_or(DEFAULT_SEND_COOLDOWN, clamp_retry_after),
        },
        500..=599 => Error::Server {
            status: code,
            message,
        },
        300..=399 => Error::Rejected {
            status: code,
            message: "unexpected redirect (redirects are not followed); check the base URL"
                .to_owned(),
        },
        _ => Error::Rejected {
            status: code,
            message: message
                .unwrap_or_else(|| status.canonical_reason().unwrap_or("no message").to_owned()),
        },
    };
    Failure {
        error,
        not_sent: false,
        answered: None,
        retry_after: if status.is_server_error() {
            retry_after
        } else {
            None
        },
    }
}

/// A transport failure; `answered` is the status when the answer's head
/// had arrived.
fn network_failure(e: reqwest::Error, redactor: &Redactor<'_>, answered: Option<u16>) -> Failure {
    let not_sent = answered.is_none() && e.is_connect();
    let timeout = e.is_timeout();
    let cause = Cause::new(e);
    let error = if timeout {
        Error::Timeout { cause: Some(cause) }
    } else {
        Error::Connection {
            message: truncate(redactor.scrub(&cause.describe())),
            cause: Some(cause),
        }
    };
    Failure {
        error,
        not_sent,
        answered,
        retry_after: None,
    }
}

/// A reqwest error and its causes as one line, without the request URL
/// (which holds the token with [`crate::Transport::Query`]).
pub(crate) fn describe_reqwest(e: reqwest::Error) -> String {
    Cause::new(e).describe()
}

/// The body, at most [`MAX_BODY_BYTES`]: a larger declared length is
/// refused before reading, a longer stream stops at the cap.
async fn read_capped(
    mut response: reqwest::Response,
    redactor: &Redactor<'_>,
) -> Result<Vec<u8>, Failure> {
    let status = response.status().as_u16();
    let too_large = || Failure::from(Error::BodyTooLarge { status });
    let declared = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(too_large());
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(bytes),
            Err(e) if e.is_timeout() => {
                return Err(Error::Timeout {
                    cause: Some(Cause::new(e)),
                }
                .into());
            }
            // A success cut short is no success: on send, a code may be out.
            Err(e) if (200..300).contains(&status) => {
                return Err(network_failure(e, redactor, Some(status)));
            }
            // A refusal cut short still tells what it began with.
            Err(_) => return Ok(bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_kept_in_a_sane_range() {
        assert_eq!(clamp_retry_after(Duration::ZERO), Duration::from_secs(1));
        assert_eq!(
            clamp_retry_after(Duration::from_secs(42)),
            Duration::from_secs(42)
        );
        assert_eq!(
            clamp_retry_after(Duration::from_secs(u64::MAX)),
            Duration::from_secs(3600)
        );
    }
}
