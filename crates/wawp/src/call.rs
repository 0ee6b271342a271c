//! Running a call: validation, attempts through the generated client,
//! error mapping, retries and tracing.

use std::error::Error as _;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use secrecy::ExposeSecret;
use tracing::field::Empty;
use tracing::{Instrument, Span};
use wawp_openapi::types::{ErrorBody, SendOtpResponse, VerifyOtpResponse};
use wawp_openapi::{Record, ResponseValue};

use crate::body::{self, MAX_BODY_BYTES, Redactor};
use crate::client::Inner;
use crate::otp::{check_code, check_footer, check_lang};
use crate::{Error, ErrorKind, RetryPolicy, SendOtp, SentOtp, Transport, VerifiedOtp, VerifyOtp};

type RawError = wawp_openapi::Error<ErrorBody>;

/// Without `Retry-After`, Wawp's documented per-recipient send cooldown.
const DEFAULT_SEND_COOLDOWN: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Send,
    Verify,
}

/// A failed attempt, with what the retry decision needs.
struct Failure {
    error: Error,
    /// The request certainly never reached the server.
    not_sent: bool,
    /// `Retry-After` of a 5xx.
    retry_after: Option<Duration>,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            error,
            not_sent: false,
            retry_after: None,
        }
    }
}

type Attempt<T> = Result<(u16, T), Failure>;

pub(crate) async fn send(req: SendOtp<'_>) -> Result<SentOtp, Error> {
    let inner = &*req.client.inner;
    let masked = req.phone.masked();
    let span = tracing::info_span!(
        "wawp.send_otp",
        recipient = %masked,
        operation = "send_otp",
        transport = inner.transport.as_str(),
        status = Empty,
        latency_ms = Empty,
        job_id = Empty,
        attempts = Empty,
        error = Empty,
    );
    let started = Instant::now();
    let run = async {
        let lang = check_lang(&req.lang)?;
        if let Some(footer) = &req.footer {
            check_footer(footer)?;
        }
        let redactor = Redactor {
            token: inner.access_token.expose_secret(),
            code: None,
            chat_id: req.phone.chat_id(),
            masked: &masked,
        };
        let mut retrier = Retrier::new(Op::Send, inner.retry);
        loop {
            let outcome = send_once(inner, &req, &lang, &redactor).await;
            match retrier.next(outcome) {
                Step::Done(result) => return Ok((result, retrier.attempts)),
                Step::Wait(delay) => tokio::time::sleep(delay).await,
            }
        }
    };
    let result = match run.instrument(span.clone()).await {
        Ok((result, attempts)) => {
            if let Ok((_, sent)) = &result {
                span.record("job_id", sent.job_id.as_str());
            }
            finish(&span, started, attempts, result)
        }
        Err(validation) => finish(&span, started, 0, Err(validation)),
    };
    if result.is_ok() {
        span.in_scope(|| tracing::debug!("wawp: OTP sent"));
    }
    result
}

async fn send_once(
    inner: &Inner,
    req: &SendOtp<'_>,
    lang: &crate::Lang,
    redactor: &Redactor<'_>,
) -> Attempt<SentOtp> {
    let raw = raw_client(inner);
    let call = async {
        match inner.transport {
            Transport::Post => {
                raw.send_otp()
                    .body_map(|body| {
                        body.chat_id(req.phone.chat_id())
                            .footer(req.footer.clone())
                            .instance_id(inner.instance_id.as_str())
                            .lang(lang.as_str())
                    })
                    .send()
                    .await
            }
            Transport::Query => {
                let mut query = raw
                    .send_otp_query()
                    .access_token(redactor.token)
                    .chat_id(req.phone.chat_id())
                    .instance_id(inner.instance_id.as_str())
                    .lang(lang.as_str());
                if let Some(footer) = req.footer.as_deref() {
                    query = query.footer(footer);
                }
                query.send().await
            }
        }
    };
    let (result, record) = wawp_openapi::recorded(call).await;
    let (status, body) = map_result(Op::Send, result, &record, redactor, |bytes| {
        serde_json::from_slice::<SendOtpResponse>(bytes).ok()
    })
    .await?;
    let expires_in = Duration::try_from_secs_f64(body.expires_in)
        .map_err(|_| Error::UnparseableBody { status })?;
    Ok((
        status,
        SentOtp {
            job_id: body.job_id,
            expires_in,
            message: body.message,
        },
    ))
}

pub(crate) async fn verify(req: VerifyOtp<'_>) -> Result<VerifiedOtp, Error> {
    let inner = &*req.client.inner;
    let masked = req.phone.masked();
    let span = tracing::info_span!(
        "wawp.verify_otp",
        recipient = %masked,
        operation = "verify_otp",
        transport = inner.transport.as_str(),
        status = Empty,
        latency_ms = Empty,
        attempts = Empty,
        error = Empty,
    );
    let started = Instant::now();
    let run = async {
        let code = check_code(&req.code)?;
        let redactor = Redactor {
            token: inner.access_token.expose_secret(),
            code: Some(code),
            chat_id: req.phone.chat_id(),
            masked: &masked,
        };
        let mut retrier = Retrier::new(Op::Verify, inner.retry);
        loop {
            let outcome = verify_once(inner, &req, code, &redactor).await;
            match retrier.next(outcome) {
                Step::Done(result) => return Ok((result, retrier.attempts)),
                Step::Wait(delay) => tokio::time::sleep(delay).await,
            }
        }
    };
    let result = match run.instrument(span.clone()).await {
        Ok((result, attempts)) => finish(&span, started, attempts, result),
        Err(validation) => finish(&span, started, 0, Err(validation)),
    };
    if result.is_ok() {
        span.in_scope(|| tracing::debug!("wawp: OTP verified"));
    }
    result
}

async fn verify_once(
    inner: &Inner,
    req: &VerifyOtp<'_>,
    code: &str,
    redactor: &Redactor<'_>,
) -> Attempt<VerifiedOtp> {
    let raw = raw_client(inner);
    let call = async {
        match inner.transport {
            Transport::Post => {
                raw.verify_otp()
                    .body_map(|body| {
                        body.chat_id(req.phone.chat_id())
                            .code(code)
                            .instance_id(inner.instance_id.as_str())
                            .list_id(req.list_id)
                    })
                    .send()
                    .await
            }
            Transport::Query => {
                let mut query = raw
                    .verify_otp_query()
                    .access_token(redactor.token)
                    .chat_id(req.phone.chat_id())
                    .code(code)
                    .instance_id(inner.instance_id.as_str());
                if let Some(list_id) = req.list_id {
                    query = query.list_id(list_id);
                }
                query.send().await
            }
        }
    };
    let (result, record) = wawp_openapi::recorded(call).await;
    let (status, body) = map_result(Op::Verify, result, &record, redactor, |bytes| {
        serde_json::from_slice::<VerifyOtpResponse>(bytes).ok()
    })
    .await?;
    Ok((
        status,
        VerifiedOtp {
            code: body.code,
            message: body.message,
        },
    ))
}

/// Records the outcome on the span and logs failures.
fn finish<T>(
    span: &Span,
    started: Instant,
    attempts: u32,
    result: Result<(u16, T), Error>,
) -> Result<T, Error> {
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    span.record("latency_ms", latency_ms);
    span.record("attempts", attempts);
    match result {
        Ok((status, value)) => {
            span.record("status", status);
            Ok(value)
        }
        Err(err) => {
            if let Some(status) = err.status() {
                span.record("status", status);
            }
            let kind = err.kind();
            span.record("error", kind.as_str());
            span.in_scope(|| match kind {
                // Problems for whoever operates the service.
                ErrorKind::Unauthorized
                | ErrorKind::Server
                | ErrorKind::UnparseableBody
                | ErrorKind::Connection
                | ErrorKind::Timeout => {
                    tracing::warn!(error = kind.as_str(), detail = %err, "wawp: call failed");
                }
                // The end user's doing: wrong input, cooldowns, wrong codes.
                _ => tracing::debug!(error = kind.as_str(), detail = %err, "wawp: call failed"),
            });
            Err(err)
        }
    }
}

enum Step<T> {
    Done(Result<(u16, T), Error>),
    Wait(Duration),
}

/// Counts attempts and decides whether a failure may be tried again.
struct Retrier {
    op: Op,
    policy: RetryPolicy,
    attempts: u32,
}

impl Retrier {
    fn new(op: Op, policy: RetryPolicy) -> Self {
        Retrier {
            op,
            policy,
            attempts: 0,
        }
    }

    fn next<T>(&mut self, outcome: Attempt<T>) -> Step<T> {
        self.attempts += 1;
        let failure = match outcome {
            Ok(done) => return Step::Done(Ok(done)),
            Err(failure) => failure,
        };
        // A verify that reached the server used one of the recipient's
        // attempts: only a connection that never opened is safe to repeat.
        let safe = failure.not_sent
            || (self.op == Op::Send
                && matches!(
                    failure.error,
                    Error::Server {
                        status: 502..=504,
                        ..
                    }
                ));
        if !safe || self.attempts >= self.policy.attempts() {
            return Step::Done(Err(failure.error));
        }
        let delay = self.policy.delay(self.attempts, failure.retry_after);
        tracing::debug!(
            attempt = self.attempts,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            error = failure.error.kind().as_str(),
            "wawp: retrying"
        );
        Step::Wait(delay)
    }
}

/// Turns the generated client's result into a value or a [`Failure`].
async fn map_result<T>(
    op: Op,
    result: Result<ResponseValue<T>, RawError>,
    record: &Record,
    redactor: &Redactor<'_>,
    parse: fn(&[u8]) -> Option<T>,
) -> Attempt<T> {
    let scrub = |message: Option<String>| message.map(|m| redactor.scrub(&m));
    match result {
        Ok(value) => Ok((value.status().as_u16(), value.into_inner())),
        Err(RawError::ErrorResponse(value)) => {
            let status = value.status();
            let headers = value.headers().clone();
            let message = serde_json::to_value(value.into_inner())
                .ok()
                .and_then(|json| body::json_message(&json));
            Err(status_failure(op, status, &headers, scrub(message)))
        }
        Err(RawError::InvalidResponsePayload(bytes, _)) => {
            // The hooks recorded the status even though the body did not parse.
            let status = record.status().unwrap_or(StatusCode::OK);
            let headers = record.headers();
            if status.is_success() {
                Err(Error::UnparseableBody {
                    status: status.as_u16(),
                }
                .into())
            } else {
                let message = body::summarize(&bytes, headers);
                Err(status_failure(op, status, headers, scrub(message)))
            }
        }
        Err(RawError::UnexpectedResponse(response)) => {
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = read_capped(response).await;
            if status.is_success() {
                parse(&bytes)
                    .map(|value| (status.as_u16(), value))
                    .ok_or_else(|| {
                        Error::UnparseableBody {
                            status: status.as_u16(),
                        }
                        .into()
                    })
            } else {
                let message = body::summarize(&bytes, &headers);
                Err(status_failure(op, status, &headers, scrub(message)))
            }
        }
        Err(RawError::CommunicationError(e)) => Err(network_failure(e, redactor, true)),
        Err(RawError::ResponseBodyError(_)) if record.body_too_large() => {
            // Over the cap: keep the status-based mapping until `wawp` has a
            // typed "body too large" error.
            let status = record.status().unwrap_or(StatusCode::OK);
            if status.is_success() {
                Err(Error::UnparseableBody {
                    status: status.as_u16(),
                }
                .into())
            } else {
                let message = Some("the answer's body is over the size limit".to_owned());
                Err(status_failure(op, status, record.headers(), message))
            }
        }
        Err(RawError::ResponseBodyError(e) | RawError::InvalidUpgrade(e)) => {
            Err(network_failure(e, redactor, false))
        }
        Err(RawError::InvalidRequest(_) | RawError::Custom(_)) => Err(Error::Config {
            message: "the request could not be built from this configuration".to_owned(),
        }
        .into()),
    }
}

fn status_failure(
    op: Op,
    status: StatusCode,
    headers: &HeaderMap,
    message: Option<String>,
) -> Failure {
    let code = status.as_u16();
    let retry_after = body::retry_after(headers);
    let error = match code {
        401 => Error::Unauthorized { message },
        429 => match op {
            Op::Send => Error::SendCooldown {
                retry_after: retry_after.unwrap_or(DEFAULT_SEND_COOLDOWN),
            },
            Op::Verify => Error::VerifyLockedOut {
                retry_after,
                message,
            },
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
        retry_after: if status.is_server_error() {
            retry_after
        } else {
            None
        },
    }
}

fn network_failure(e: reqwest::Error, redactor: &Redactor<'_>, before_response: bool) -> Failure {
    let not_sent = before_response && e.is_connect();
    let error = if e.is_timeout() {
        Error::Timeout
    } else {
        Error::Connection {
            message: describe_reqwest(e, Some(redactor)),
        }
    };
    Failure {
        error,
        not_sent,
        retry_after: None,
    }
}

/// A reqwest error and its causes as one line, without the request URL
/// (which holds the token with [`Transport::Query`]).
pub(crate) fn describe_reqwest(e: reqwest::Error, redactor: Option<&Redactor<'_>>) -> String {
    let e = e.without_url();
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = cause.source();
    }
    let text = parts.join(": ");
    match redactor {
        Some(r) => r.scrub(&text),
        None => text,
    }
}

async fn read_capped(mut response: reqwest::Response) -> Vec<u8> {
    let mut bytes = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = MAX_BODY_BYTES - bytes.len();
        bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if bytes.len() >= MAX_BODY_BYTES {
            break;
        }
    }
    bytes
}

/// The generated client with the body cap. Still built per call: the `wawp`
/// branch moves it into `Inner`, built once per `Client`.
fn raw_client(inner: &Inner) -> wawp_openapi::Client {
    let settings = wawp_openapi::Settings::default().with_body_limit(MAX_BODY_BYTES as u64);
    wawp_openapi::Client::new_with_client(&inner.base_url, inner.http.clone(), settings)
}
