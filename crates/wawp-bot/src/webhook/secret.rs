//! The webhook's secret token: checked once at start, compared in constant
//! time on every request.

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

/// Telegram's upper bound for `secret_token`.
pub const MAX_SECRET_LEN: usize = 256;

/// The value Telegram sends back in `X-Telegram-Bot-Api-Secret-Token`:
/// 1–256 characters of `A-Z a-z 0-9 _ -`. `Debug` never shows it.
#[derive(Clone, Debug)]
pub struct WebhookSecret(SecretString);

/// Why a webhook secret was refused. The message names the setting and the
/// rule, never the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSecret {
    /// The secret is empty.
    #[error("WAWP_BOT_WEBHOOK_SECRET is empty: set 1 to 256 characters of A-Z, a-z, 0-9, _ and -")]
    Empty,
    /// The secret is longer than Telegram accepts.
    #[error("WAWP_BOT_WEBHOOK_SECRET has {0} characters: Telegram accepts at most 256")]
    TooLong(usize),
    /// The secret holds a character Telegram refuses.
    #[error(
        "WAWP_BOT_WEBHOOK_SECRET holds a character Telegram refuses: use only A-Z, a-z, 0-9, _ and -"
    )]
    BadCharacter,
}

impl WebhookSecret {
    /// Checks `secret` against Telegram's rules for `secret_token`.
    pub fn parse(secret: &str) -> Result<Self, InvalidSecret> {
        if secret.is_empty() {
            return Err(InvalidSecret::Empty);
        }
        if secret.len() > MAX_SECRET_LEN {
            return Err(InvalidSecret::TooLong(secret.chars().count()));
        }
        if !secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(InvalidSecret::BadCharacter);
        }
        Ok(Self(SecretString::from(secret)))
    }

    /// The secret itself, for `setWebhook`.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether `presented` (the header's bytes) is this secret. The time taken
    /// depends neither on the secret's content nor on its length, nor on
    /// where the two first differ.
    pub fn matches(&self, presented: &[u8]) -> bool {
        if presented.len() > MAX_SECRET_LEN {
            return false;
        }
        let expected = self.0.expose_secret().as_bytes();
        let mut ours = [0u8; MAX_SECRET_LEN];
        let mut theirs = [0u8; MAX_SECRET_LEN];
        ours[..expected.len()].copy_from_slice(expected);
        theirs[..presented.len()].copy_from_slice(presented);
        // Both lengths fit in a u16 (≤ 256).
        let same_len = (expected.len() as u16).ct_eq(&(presented.len() as u16));
        let same_bytes = ours.ct_eq(&theirs);
        (same_len & same_bytes).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegram_rules_are_enforced_without_echoing_the_value() {
        assert_eq!(WebhookSecret::parse("").unwrap_err(), InvalidSecret::Empty);
        let long = "a".repeat(257);
        assert_eq!(
            WebhookSecret::parse(&long).unwrap_err(),
            InvalidSecret::TooLong(257)
        );
        let err = WebhookSecret::parse("hunter2 secret!").unwrap_err();
        assert_eq!(err, InvalidSecret::BadCharacter);
        assert!(!err.to_string().contains("hunter2"));
        assert!(WebhookSecret::parse(&"a".repeat(256)).is_ok());
        assert!(WebhookSecret::parse("Ab_9-z").is_ok());
    }

    #[test]
    fn matches_only_the_exact_secret() {
        let secret = WebhookSecret::parse("s3cret_token-1").unwrap();
        assert!(secret.matches(b"s3cret_token-1"));
        assert!(!secret.matches(b"s3cret_token-"));
        assert!(!secret.matches(b"s3cret_token-1\0"));
        assert!(!secret.matches(b"s3cret_token-2"));
        assert!(!secret.matches(b""));
        assert!(!secret.matches(&[b'a'; 300]));
        assert!(!format!("{secret:?}").contains("s3cret"));
    }
}
