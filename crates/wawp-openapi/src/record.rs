//! The per-call record of what the transport saw: a task-local slot, so one
//! shared client serves concurrent calls without mixing their records.

use std::cell::RefCell;
use std::future::IntoFuture;
use std::pin::pin;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

tokio::task_local! {
    static CURRENT: RefCell<Record>;
}

/// What the transport saw of the last answer of a call run in
/// [`recorded`]: its status, its headers unless it was a success, whether
/// the body cap was hit.
#[derive(Clone, Debug, Default)]
pub struct Record {
    status: Option<StatusCode>,
    headers: HeaderMap,
    body_too_large: bool,
}

impl Record {
    /// The answer's status; `None` when no answer arrived (a connection
    /// failure, a timeout before the headers).
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// The headers of an answer that was not a success (not 2xx), the ones
    /// a refusal is read from; empty for a success and when no answer
    /// arrived.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body was over the cap: refused for its `Content-Length`, or
    /// reading stopped at the cap.
    pub fn body_too_large(&self) -> bool {
        self.body_too_large
    }
}

/// Runs `call` (a generated call, or any future making such calls) and
/// returns its output with the [`Record`] of the last answer it received.
///
/// The record lives in the calling task for the duration of `call` and costs
/// no allocation beyond a copy of a refusal's headers. Calls made outside
/// any `recorded` scope are capped all the same and record nothing; in
/// nested scopes the innermost one gets the record.
pub async fn recorded<F: IntoFuture>(call: F) -> (F::Output, Record) {
    let mut scoped = pin!(CURRENT.scope(RefCell::default(), call.into_future()));
    let output = scoped.as_mut().await;
    let record = scoped
        .as_mut()
        .take_value()
        .map(RefCell::into_inner)
        .unwrap_or_default();
    (output, record)
}

/// Inside [`recorded`]: notes an answer's status and headers.
pub(crate) fn answer(status: StatusCode, headers: &HeaderMap, too_large: bool) {
    let _outside = CURRENT.try_with(|record| {
        let mut record = record.borrow_mut();
        record.status = Some(status);
        // Only a refusal's headers are read (`Retry-After`): copying a
        // success's would cost every call for nothing.
        if status.is_success() {
            record.headers.clear();
        } else {
            record.headers.clone_from(headers);
        }
        record.body_too_large = too_large;
    });
}

/// Inside [`recorded`]: notes that reading stopped at the cap.
pub(crate) fn cap_hit() {
    let _outside = CURRENT.try_with(|record| record.borrow_mut().body_too_large = true);
}
