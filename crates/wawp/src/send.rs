//! Sending a code: [`SendOtp`] (the request), [`SentOtp`] (the answer) and
//! one attempt.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use secrecy::ExposeSecret;
use tracing::field::Empty;
use wawp_openapi::recorded;
use wawp_openapi::types::SendOtpResponse;

use crate::call::{self, Attempt, Done};
use crate::client::Inner;
use crate::response::{self, Answer};
use crate::retry::Op;
use crate::summary::truncate;
use crate::untrusted::Redactor;
use crate::{Client, Error, Footer, Lang, PhoneNumber, Transport};

/// A send request: set options, then `.await` it.
///
/// Created by [`Client::send_otp`]. Every input is already a checked type,
/// so nothing is validated inside `.await`.
///
/// ```no_run
/// # async fn run(client: wawp::Client, phone: wawp::PhoneNumber) -> Result<(), Box<dyn std::error::Error>> {
/// let sent = client
///     .send_otp(&phone)
///     .lang(wawp::Lang::Fr)
///     .footer("Acme Inc.".parse()?)
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "nothing is sent until the request is awaited"]
pub struct SendOtp<'a> {
    client: &'a Client,
    phone: &'a PhoneNumber,
    lang: Lang,
    footer: Option<Footer>,
}

impl<'a> SendOtp<'a> {
    pub(crate) fn new(client: &'a Client, phone: &'a PhoneNumber) -> Self {
        SendOtp {
            client,
            phone,
            lang: Lang::default(),
            footer: None,
        }
    }

    /// The message language (default [`Lang::En`]).
    pub fn lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }

    /// Text appended to the message (see [`Footer`] for the rules).
    pub fn footer(mut self, footer: Footer) -> Self {
        self.footer = Some(footer);
        self
    }
}

impl<'a> IntoFuture for SendOtp<'a> {
    type Output = Result<SentOtp, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(run(self))
    }
}

/// Wawp accepted the send: the code is on its way.
///
/// `job_id` and `message` are server text, cleaned by the crate's rule for
/// untrusted text like every other (see the crate docs, *Safety*); a
/// `job_id` over 128 characters is cut and ends in `…`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct SentOtp {
    /// Wawp's identifier of the delivery job.
    pub job_id: String,
    /// How long the code stays valid (Wawp says 300 s).
    pub expires_in: Duration,
    /// Wawp's human-readable outcome.
    pub message: String,
}

impl SentOtp {
    /// A `SentOtp` as Wawp would answer it, for your own tests.
    ///
    /// ```
    /// let sent = wawp::SentOtp::new("send_1", std::time::Duration::from_secs(300), "sent");
    /// assert_eq!(sent.job_id, "send_1");
    /// ```
    pub fn new(
        job_id: impl Into<String>,
        expires_in: Duration,
        message: impl Into<String>,
    ) -> Self {
        SentOtp {
            job_id: job_id.into(),
            expires_in,
            message: message.into(),
        }
    }
}

async fn run(req: SendOtp<'_>) -> Result<SentOtp, Error> {
    let inner = &*req.client.inner;
    let span = tracing::info_span!(
        "wawp.send_otp",
        recipient = %req.phone,
        operation = %"send_otp",
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
        code: None,
        phone: req.phone,
    };
    let result = call::run(
        Op::Send,
        inner,
        span.clone(),
        || attempt(inner, &req, &redactor),
        |sent: &SentOtp| Done {
            job_id: Some(&sent.job_id),
            outcome: None,
        },
    )
    .await;
    if result.is_ok() {
        span.in_scope(|| tracing::debug!("wawp: OTP sent"));
    }
    result
}

async fn attempt(inner: &Inner, req: &SendOtp<'_>, redactor: &Redactor<'_>) -> Attempt<SentOtp> {
    let raw = &inner.raw;
    let token = inner.token_in_body.then_some(redactor.token);
    let footer = req.footer.as_ref().map(Footer::as_str);
    let (result, record) = match inner.transport {
        Transport::Post => {
            let call = raw.send_otp().body_map(|body| {
                body.access_token(token.map(str::to_owned))
                    .chat_id(req.phone.chat_id())
                    .footer(footer.map(str::to_owned))
                    .instance_id(inner.instance_id.as_str())
                    .lang(req.lang.as_str())
            });
            recorded(call.send()).await
        }
        Transport::Query => {
            let mut call = raw
                .send_otp_query()
                .access_token(redactor.token)
                .chat_id(req.phone.chat_id())
                .instance_id(inner.instance_id.as_str())
                .lang(req.lang.as_str());
            if let Some(footer) = footer {
                call = call.footer(footer);
            }
            recorded(call.send()).await
        }
    };
    let parse = |bytes: &[u8]| serde_json::from_slice::<SendOtpResponse>(bytes);
    match response::read(result, &record, redactor, parse).await? {
        Answer::Success(status, body) => {
            let expires_in = Duration::try_from_secs_f64(body.expires_in).map_err(|_| {
                Error::UnparseableBody {
                    status,
                    cause: None,
                }
            })?;
            Ok((
                status,
                SentOtp {
                    job_id: redactor.job_id(&body.job_id),
                    expires_in,
                    message: truncate(redactor.scrub(&body.message)),
                },
            ))
        }
        Answer::Refused(refusal) => Err(response::refusal_error(refusal)),
    }
}
