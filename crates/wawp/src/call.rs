//! The one driver every operation runs through: attempts within the
//! deadline, retries, and the span's fields recorded once at the end.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;
use tracing::field::Value;
use tracing::{Instrument, Span};

use crate::client::Inner;
use crate::retry::{Failure, Op};
use crate::{Error, ErrorKind};

/// How far past the deadline an attempt bounded by reqwest's own timeout
/// may end rather than pay for a timer of its own on every call.
const DEADLINE_SLACK: Duration = Duration::from_millis(5);

/// One attempt's result: the HTTP status and the value, or why it failed.
pub(crate) type Attempt<T> = Result<(u16, T), Failure>;

/// What the end of a call records besides status, latency and attempts.
pub(crate) struct Done<'a> {
    pub(crate) job_id: Option<&'a str>,
    pub(crate) outcome: Option<&'static str>,
}

/// Runs `attempt` until it succeeds, the retry policy says stop or the
/// deadline passes, inside `span`; then records the span's fields (once)
/// and logs a failure.
pub(crate) async fn run<T, F, Fut>(
    op: Op,
    inner: &Inner,
    span: Span,
    mut attempt: F,
    done: impl FnOnce(&T) -> Done<'_>,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Attempt<T>>,
{
    let policy = inner.retry;
    let started = Instant::now();
    // The policy caps its deadline; `checked_add` keeps even a clock near
    // its own end from panicking.
    let deadline = started.checked_add(policy.deadline()).unwrap_or(started);
    let mut attempts = 0u32;
    let result = async {
        loop {
            attempts += 1;
            let remaining = deadline.saturating_duration_since(Instant::now());
            // reqwest's own timeout bounds an attempt; a timer of our own is
            // needed only when the deadline comes first, by more than a few
            // milliseconds (the first attempt under the default settings, a
            // 30 s deadline and a 30 s timeout, needs none).
            let outcome = if remaining.saturating_add(DEADLINE_SLACK) >= inner.timeout {
                attempt().await
            } else {
                tokio::time::timeout(remaining, attempt())
                    .await
                    .unwrap_or_else(|_| Err(Error::Timeout { cause: None }.into()))
            };
            let failure = match outcome {
                Ok(done) => return Ok(done),
                Err(failure) if op == Op::Send => failure.for_send(),
                Err(failure) => failure,
            };
            let remaining = deadline.saturating_duration_since(Instant::now());
            let Some(delay) = policy.next_delay(op, &failure, attempts, remaining) else {
                return Err(failure.error);
            };
            tracing::debug!(
                attempt = attempts,
                delay_ms = millis(delay),
                error = %failure.error.kind().as_str(),
                "wawp: retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }
    .instrument(span.clone())
    .await;
    let latency_ms = millis(started.elapsed());
    match result {
        Ok((status, value)) => {
            record(
                &span,
                Some(status),
                latency_ms,
                attempts,
                None,
                done(&value),
            );
            Ok(value)
        }
        Err(err) => {
            let kind = err.kind();
            let none = Done {
                job_id: None,
                outcome: None,
            };
            record(&span, err.status(), latency_ms, attempts, Some(kind), none);
            span.in_scope(|| match kind {
                // The end user's doing: cooldowns and rejected input.
                ErrorKind::SendCooldown | ErrorKind::Rejected => {
                    tracing::debug!(error = %kind.as_str(), detail = %err, "wawp: call failed");
                }
                // Problems for whoever operates the service.
                _ => tracing::warn!(error = %kind.as_str(), detail = %err, "wawp: call failed"),
            });
            Err(err)
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Records the end-of-call fields in one go (one `on_record` for the
/// subscriber), and nothing at all when no subscriber wants the span.
fn record(
    span: &Span,
    status: Option<u16>,
    latency_ms: u64,
    attempts: u32,
    error: Option<ErrorKind>,
    done: Done<'_>,
) {
    let Some(meta) = span.metadata() else {
        return;
    };
    let fields = meta.fields();
    let (
        Some(f_status),
        Some(f_latency),
        Some(f_attempts),
        Some(f_error),
        Some(f_job),
        Some(f_outcome),
    ) = (
        fields.field("status"),
        fields.field("latency_ms"),
        fields.field("attempts"),
        fields.field("error"),
        fields.field("job_id"),
        fields.field("outcome"),
    )
    else {
        return;
    };
    // Names without anything to escape: written as they are (`%`), not
    // quoted and escaped as `Debug` would.
    let error = error.map(|kind| tracing::field::display(kind.as_str()));
    let values: [(&tracing::field::Field, Option<&dyn Value>); 6] = [
        (&f_status, status.as_ref().map(|v| v as &dyn Value)),
        (&f_latency, Some(&latency_ms as &dyn Value)),
        (&f_attempts, Some(&attempts as &dyn Value)),
        (&f_error, error.as_ref().map(|v| v as &dyn Value)),
        (&f_job, done.job_id.as_ref().map(|v| v as &dyn Value)),
        (&f_outcome, done.outcome.as_ref().map(|v| v as &dyn Value)),
    ];
    span.record_all(&fields.value_set(&values));
}
