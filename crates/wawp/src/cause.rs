//! [`Cause`]: what lies behind an [`crate::Error`] (the network library's
//! error, or where an answer's JSON stopped making sense), kept as its
//! `source()`.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// What lies behind an [`Error`](crate::Error), reached through
/// [`std::error::Error::source`]:
///
/// - for [`Error::Connection`], [`Error::Timeout`] and an
///   [`Error::OutcomeUnknown`] whose connection broke: the network
///   library's error (reqwest's, with the request URL removed: with
///   [`Transport::Query`](crate::client::Transport::Query) the URL holds the
///   token); walk its `source()` chain down to the I/O error;
/// - for [`Error::UnparseableBody`]: where the JSON stopped making sense
///   (`JSON of another shape at line 1 column 12`), never the body's text.
///
/// Cheap to clone. Two causes always compare equal: errors compare by what
/// they say, not by the library's error value.
///
/// [`Error::Connection`]: crate::Error::Connection
/// [`Error::OutcomeUnknown`]: crate::Error::OutcomeUnknown
/// [`Error::Timeout`]: crate::Error::Timeout
/// [`Error::UnparseableBody`]: crate::Error::UnparseableBody
#[derive(Clone)]
pub struct Cause(Repr);

#[derive(Clone)]
enum Repr {
    Network(Arc<reqwest::Error>),
    Body(BodyFault),
}

/// Where a JSON body stopped making sense; serde_json's own message is not
/// kept (it can quote the body).
#[derive(Debug, Clone, Copy)]
struct BodyFault {
    what: &'static str,
    line: usize,
    column: usize,
}

impl Cause {
    /// The error, its URL removed.
    pub(crate) fn new(e: reqwest::Error) -> Self {
        Cause(Repr::Network(Arc::new(e.without_url())))
    }

    /// A JSON body that could not be read: its category and position only.
    pub(crate) fn json(e: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        let what = match e.classify() {
            Category::Io => "the body could not be read",
            Category::Syntax => "not JSON",
            Category::Data => "JSON of another shape",
            Category::Eof => "JSON cut short",
        };
        Cause(Repr::Body(BodyFault {
            what,
            line: e.line(),
            column: e.column(),
        }))
    }

    /// The error and its causes as one line, repeated texts once.
    pub(crate) fn describe(&self) -> String {
        let mut parts = vec![self.to_string()];
        let mut source = self.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            if parts.last() != Some(&text) {
                parts.push(text);
            }
            source = cause.source();
        }
        parts.join(": ")
    }
}

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Network(e) => fmt::Debug::fmt(e, f),
            Repr::Body(fault) => fmt::Debug::fmt(fault, f),
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Network(e) => fmt::Display::fmt(e, f),
            Repr::Body(BodyFault { what, line, column }) => {
                write!(f, "{what} at line {line} column {column}")
            }
        }
    }
}

impl StdError for Cause {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.0 {
            Repr::Network(e) => e.source(),
            Repr::Body(_) => None,
        }
    }
}

impl PartialEq for Cause {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Cause {}
