//! `setWebhook` at start. Never `deleteWebhook`: other replicas use it.

use teloxide::prelude::*;
use teloxide::types::AllowedUpdate;
use url::Url;

use super::secret::WebhookSecret;
use crate::telemetry::describe_telegram_error;

/// What `setWebhook` is told besides the URL and the secret.
#[derive(Clone, Debug, Default)]
pub struct RegisterOptions {
    /// The update kinds to receive (`None`: Telegram's default set).
    pub allowed_updates: Option<Vec<AllowedUpdate>>,
    /// Simultaneous HTTPS connections Telegram opens, 1–100 (`None`: 40).
    pub max_connections: Option<u8>,
}

/// `setWebhook` failed. The message holds no URL and no token.
#[derive(Debug, thiserror::Error)]
#[error("setWebhook failed: {description}")]
pub struct RegisterError {
    description: String,
    invalid_token: bool,
}

impl RegisterError {
    /// Telegram rejected the bot token (exit 2, retrying will not help).
    pub fn is_invalid_token(&self) -> bool {
        self.invalid_token
    }
}

/// Points Telegram at `url` with `secret`. Idempotent: every replica calls it
/// at start with the same values, and pending updates are kept
/// (`drop_pending_updates` is never set).
pub async fn register(
    bot: &Bot,
    url: &Url,
    secret: &WebhookSecret,
    options: &RegisterOptions,
) -> Result<(), RegisterError> {
    let mut request = bot
        .set_webhook(url.clone())
        .secret_token(secret.expose().to_owned());
    if let Some(kinds) = &options.allowed_updates {
        request = request.allowed_updates(kinds.clone());
    }
    if let Some(max) = options.max_connections {
        request = request.max_connections(max.clamp(1, 100));
    }
    request.await.map(drop).map_err(|err| RegisterError {
        description: describe_telegram_error(&err),
        invalid_token: matches!(
            err,
            teloxide::RequestError::Api(teloxide::ApiError::InvalidToken)
        ),
    })
}

impl From<RegisterError> for crate::startup::Failure {
    fn from(err: RegisterError) -> Self {
        crate::startup::Failure {
            token_rejected: err.is_invalid_token(),
            description: err.to_string(),
            label: crate::ops::TelegramErrorLabel::Api,
        }
    }
}
