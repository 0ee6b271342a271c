//! The response body cap: every body is read through [`Limited`]; a declared
//! length over the cap is refused before anything is read.

use std::fmt;
use std::pin::Pin;
use std::sync::LazyLock;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use reqwest::ResponseBuilderExt as _;

/// The answer's body was larger than the client's cap
/// ([`Settings::with_body_limit`](crate::Settings::with_body_limit)).
///
/// Found in the source chain of the call's error; see [`BodyTooLarge::find`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyTooLarge {
    limit: u64,
    declared: Option<u64>,
}

impl BodyTooLarge {
    /// The cap, in bytes.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The `Content-Length` the answer declared, when it was refused for it
    /// before reading; `None` when reading stopped at the cap.
    pub fn declared_length(&self) -> Option<u64> {
        self.declared
    }

    /// The `BodyTooLarge` in `error` or its sources, if any. Works on a
    /// generated call's [`Error`](crate::Error) as on a `reqwest::Error`.
    pub fn find<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a BodyTooLarge> {
        let mut current = Some(error);
        while let Some(e) = current {
            if let Some(found) = e.downcast_ref::<BodyTooLarge>() {
                return Some(found);
            }
            current = e.source();
        }
        None
    }
}

impl fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.declared {
            Some(length) => write!(
                f,
                "the answer declares a {length}-byte body, over the {}-byte limit; not read",
                self.limit
            ),
            None => write!(
                f,
                "the answer's body exceeds the {}-byte limit; reading stopped there",
                self.limit
            ),
        }
    }
}

impl std::error::Error for BodyTooLarge {}

/// Records `response` and puts its body behind the cap.
pub(crate) fn cap(response: reqwest::Response, limit: u64) -> reqwest::Response {
    let declared = response.content_length().filter(|&length| length > limit);
    crate::record::answer(response.status(), response.headers(), declared.is_some());
    let (mut parts, body) = http::Response::from(response).into_parts();
    parts.extensions.extend(placeholder_url());
    let body = match declared {
        Some(length) => {
            // Dropping the body closes the connection without reading it.
            drop(body);
            reqwest::Body::wrap(Refused(Some(BodyTooLarge {
                limit,
                declared: Some(length),
            })))
        }
        None => reqwest::Body::wrap(Limited::new(body, to_usize(limit)).map_err(move |e| {
            if e.is::<LengthLimitError>() {
                crate::record::cap_hit();
                let too_large: Box<dyn std::error::Error + Send + Sync> = Box::new(BodyTooLarge {
                    limit,
                    declared: None,
                });
                too_large
            } else {
                e
            }
        })),
    };
    reqwest::Response::from(http::Response::from_parts(parts, body))
}

/// The extension that gives the rebuilt response its URL. Without one,
/// reqwest parses a placeholder URL for every response made from an
/// `http::Response` (about 4,000 instructions per call, as much as the rest
/// of this hook); this one is parsed once. It is a placeholder on purpose, as
/// reqwest's own is: the request's URL may carry the access token in its
/// query, and an error's `Display` shows the response's URL.
fn placeholder_url() -> http::Extensions {
    static CARRIED: LazyLock<http::Extensions> = LazyLock::new(|| {
        reqwest::Url::parse("http://no.url.provided.local")
            .ok()
            .and_then(|url| http::Response::builder().url(url).body(()).ok())
            .map(|carrier| carrier.into_parts().0.extensions)
            .unwrap_or_default()
    });
    CARRIED.clone()
}

fn to_usize(limit: u64) -> usize {
    usize::try_from(limit).unwrap_or(usize::MAX)
}

/// A body refused for its declared length: fails on the first read.
struct Refused(Option<BodyTooLarge>);

impl Body for Refused {
    type Data = Bytes;
    type Error = BodyTooLarge;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyTooLarge>>> {
        Poll::Ready(self.0.take().map(Err))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_none()
    }
}
