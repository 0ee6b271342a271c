//! [`Transport`]: how credentials and fields travel.

use std::fmt;

/// How credentials and fields travel to Wawp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum Transport {
    /// `POST` with a JSON body and the token in an `Authorization: Bearer`
    /// header (marked sensitive). The token never appears in a URL.
    #[default]
    Post,
    /// `GET` with every field, the access token included, in the query
    /// string, as in Wawp's own samples. Tokens in URLs end up in proxy and
    /// server logs: use this only when something in between requires it.
    /// This client still keeps the URL out of its errors and traces.
    Query,
}

impl Transport {
    /// `"post"` or `"query"`, as recorded in traces.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Post => "post",
            Transport::Query => "query",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
