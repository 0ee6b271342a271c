//! The sandbox's instance id and access token: made up when not given,
//! checked once at start so every request can carry them.

use std::fmt;

use rand::distr::{Alphanumeric, SampleString};

use crate::error::StartError;

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

#[cfg(test)]
mod tests {
    use super::*;

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
        let credentials = Credentials {
            instance_id: "inst".into(),
            access_token: "secret".into(),
        };
        assert!(!format!("{credentials:?}").contains("secret"));
    }
}
