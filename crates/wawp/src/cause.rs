//! [`Cause`]: the network library's error behind an [`crate::Error`],
//! kept as its `source()`.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// The underlying network error of an [`Error::Connection`] or of an
/// [`Error::OutcomeUnknown`] whose connection broke (reqwest's, with the
/// request URL removed: with
/// [`crate::Transport::Query`] the URL holds the token). Reach it through
/// [`std::error::Error::source`] to walk the chain down to the I/O error.
///
/// Cheap to clone. Two causes always compare equal: errors compare by what
/// they say, not by the library's error value.
///
/// [`Error::Connection`]: crate::Error::Connection
/// [`Error::OutcomeUnknown`]: crate::Error::OutcomeUnknown
#[derive(Clone)]
pub struct Cause(Arc<reqwest::Error>);

impl Cause {
    /// The error, its URL removed.
    pub(crate) fn new(e: reqwest::Error) -> Self {
        Cause(Arc::new(e.without_url()))
    }

    /// The error and its causes as one line, repeated texts once.
    pub(crate) fn describe(&self) -> String {
        let mut parts = vec![self.0.to_string()];
        let mut source = self.0.source();
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
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl StdError for Cause {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0.source()
    }
}

impl PartialEq for Cause {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Cause {}
