//! Credentials of one request: the instance id and the access token every
//! operation needs.
//!
//! The token is accepted in the three documented places: the
//! `Authorization: Bearer` header, the JSON body's `access_token` (POST) and
//! the `access_token` query parameter (GET). When the header is present it is
//! the one checked. Tokens are compared in constant time.

use axum::http::HeaderValue;
use subtle::ConstantTimeEq;

use crate::credentials::Credentials;
use crate::error::ApiError;

/// Checks the credentials of one request against the sandbox's.
pub(crate) fn authorize(
    expected: &Credentials,
    authorization: Option<&HeaderValue>,
    instance_id: Option<&str>,
    access_token: Option<&str>,
) -> Result<(), ApiError> {
    let token = match authorization {
        Some(value) => Some(bearer(value)?),
        None => access_token.map(str::as_bytes),
    };
    let Some(token) = token else {
        return Err(ApiError::unauthorized(
            "missing access token: send \"Authorization: Bearer <access_token>\" (recommended), \
             or access_token in the JSON body (POST) or the query string (GET)",
        ));
    };
    if !bool::from(token.ct_eq(expected.access_token.as_bytes())) {
        return Err(ApiError::unauthorized("invalid access token"));
    }
    match instance_id {
        None => Err(ApiError::unauthorized(
            "missing instance_id: send it in the JSON body (POST) or the query string (GET)",
        )),
        Some(id) if id != expected.instance_id => Err(ApiError::unauthorized(
            "unknown instance_id: it does not match this sandbox's instance",
        )),
        Some(_) => Ok(()),
    }
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer(value: &HeaderValue) -> Result<&[u8], ApiError> {
    let bytes = value.as_bytes();
    match bytes.split_at_checked(7) {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case(b"bearer ") => Ok(token.trim_ascii()),
        _ => Err(ApiError::unauthorized(
            "unsupported Authorization header: use \"Authorization: Bearer <access_token>\"",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials {
            instance_id: "inst".into(),
            access_token: "secret".into(),
        }
    }

    #[test]
    fn header_token_wins_over_body_or_query_token() {
        let c = creds();
        let header = HeaderValue::from_static("Bearer secret");
        assert!(authorize(&c, Some(&header), Some("inst"), Some("wrong")).is_ok());
        let header = HeaderValue::from_static("bearer wrong");
        assert!(authorize(&c, Some(&header), Some("inst"), Some("secret")).is_err());
        assert!(authorize(&c, None, Some("inst"), Some("secret")).is_ok());
    }

    #[test]
    fn rejects_missing_wrong_or_oddly_sent_credentials() {
        let c = creds();
        let basic = HeaderValue::from_static("Basic c2VjcmV0");
        let bare = HeaderValue::from_static("Bearer");
        let cases = [
            authorize(&c, None, Some("inst"), None),
            authorize(&c, None, Some("inst"), Some("secre")),
            authorize(&c, None, Some("inst"), Some("secrets")),
            authorize(&c, None, None, Some("secret")),
            authorize(&c, None, Some("other"), Some("secret")),
            authorize(&c, Some(&basic), Some("inst"), None),
            authorize(&c, Some(&bare), Some("inst"), None),
        ];
        for (i, result) in cases.into_iter().enumerate() {
            assert_eq!(result.unwrap_err().code(), "unauthorized", "case {i}");
        }
    }
}
