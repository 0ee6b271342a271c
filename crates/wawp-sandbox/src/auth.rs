//! Credentials: the instance id and the access token every operation needs.
//!
//! The token is accepted in the three documented places: the
//! `Authorization: Bearer` header, the JSON body's `access_token` (POST) and
//! the `access_token` query parameter (GET). When the header is present it is
//! the one checked. Tokens are compared in constant time.

use std::fmt;

use axum::http::HeaderValue;
use rand::distr::{Alphanumeric, SampleString};
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::server::StartError;

/// The sandbox's instance id and access token.
#[derive(Clone)]
pub(crate) struct Credentials {
    pub(crate) instance_id: String,
    pub(crate) access_token: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("instance_id", &self.instance_id)
            .field("access_token", &"[redacted]")
            .finish()
    }
}

/// A new random instance id (`sandbox_` and 8 characters) or token (32).
pub(crate) fn generate(instance: bool) -> String {
    let mut rng = rand::rng();
    if instance {
        format!(
            "sandbox_{}",
            Alphanumeric.sample_string(&mut rng, 8).to_ascii_lowercase()
        )
    } else {
        Alphanumeric.sample_string(&mut rng, 32)
    }
}

/// Printable ASCII without spaces, 1–256 bytes: what fits in a header and a
/// query string unchanged.
pub(crate) fn check_setting(setting: &'static str, value: &str) -> Result<(), StartError> {
    if value.is_empty() || value.len() > 256 || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(StartError::InvalidCredential { setting });
    }
    Ok(())
}

impl Credentials {
    /// Checks the credentials of one request.
    pub(crate) fn check(
        &self,
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
        if !bool::from(token.ct_eq(self.access_token.as_bytes())) {
            return Err(ApiError::unauthorized("invalid access token"));
        }
        match instance_id {
            None => Err(ApiError::unauthorized(
                "missing instance_id: send it in the JSON body (POST) or the query string (GET)",
            )),
            Some(id) if id != self.instance_id => Err(ApiError::unauthorized(
                "unknown instance_id: it does not match this sandbox's instance",
            )),
            Some(_) => Ok(()),
        }
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
        let header = HeaderValue::from_static("Bearer secret");
        assert!(
            creds()
                .check(Some(&header), Some("inst"), Some("wrong"))
                .is_ok()
        );
        let header = HeaderValue::from_static("bearer wrong");
        assert!(
            creds()
                .check(Some(&header), Some("inst"), Some("secret"))
                .is_err()
        );
        assert!(creds().check(None, Some("inst"), Some("secret")).is_ok());
    }

    #[test]
    fn rejects_missing_wrong_or_oddly_sent_credentials() {
        let c = creds();
        let basic = HeaderValue::from_static("Basic c2VjcmV0");
        let cases = [
            c.check(None, Some("inst"), None),
            c.check(None, Some("inst"), Some("secre")),
            c.check(None, Some("inst"), Some("secrets")),
            c.check(None, None, Some("secret")),
            c.check(None, Some("other"), Some("secret")),
            c.check(Some(&basic), Some("inst"), None),
            c.check(
                Some(&HeaderValue::from_static("Bearer")),
                Some("inst"),
                None,
            ),
        ];
        for (i, result) in cases.into_iter().enumerate() {
            assert_eq!(result.unwrap_err().code(), "unauthorized", "case {i}");
        }
    }

    #[test]
    fn generated_credentials_are_valid_settings_and_differ() {
        let (a, b) = (generate(false), generate(false));
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        check_setting("token", &a).unwrap();
        check_setting("instance id", &generate(true)).unwrap();
        assert!(matches!(
            check_setting("access token", "has space"),
            Err(StartError::InvalidCredential {
                setting: "access token"
            })
        ));
        assert!(check_setting("token", "").is_err());
    }

    #[test]
    fn debug_hides_the_token() {
        assert!(!format!("{:?}", creds()).contains("secret"));
    }
}
