//! How the bot reaches Wawp: the `wawp` client, pointed either at Wawp or at
//! an in-process `wawp-sandbox` (`--sandbox`, a dry run).

use std::time::Duration;

use secrecy::ExposeSecret;

use crate::config::{Config, WawpSettings};

/// How long one Wawp call may take before the admin is told it timed out.
pub const WAWP_TIMEOUT: Duration = Duration::from_secs(15);

/// What the handlers call: the client, and in sandbox mode where its codes are.
#[derive(Clone)]
pub struct Wawp {
    /// The client.
    pub client: wawp::Client,
    /// In sandbox mode, where the codes "sent" can be read.
    pub sandbox: Option<SandboxCodes>,
}

impl Wawp {
    /// Whether this is a dry run against the in-process sandbox.
    pub fn is_dry_run(&self) -> bool {
        self.sandbox.is_some()
    }
}

/// The Wawp handle and, in sandbox mode, the sandbox serving it.
pub struct Backend {
    /// What the handlers use.
    pub wawp: Wawp,
    /// The in-process sandbox, when `--sandbox`.
    pub sandbox: Option<wawp_sandbox::Sandbox>,
}

/// Wawp could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The client rejected its settings.
    #[error("the Wawp settings are invalid: {0}")]
    Client(#[from] wawp::error::BuildError),
    /// The sandbox could not start.
    #[error("cannot start the sandbox: {0}")]
    Sandbox(#[from] std::io::Error),
}

impl Backend {
    /// Builds the client (starting the sandbox first in sandbox mode).
    pub async fn connect(config: &Config) -> Result<Backend, BackendError> {
        match &config.wawp {
            WawpSettings::Live {
                instance_id,
                access_token,
                base_url,
            } => {
                let mut builder = wawp::Client::builder()
                    .instance_id(instance_id.as_str())
                    .access_token(access_token.expose_secret())
                    .timeout(WAWP_TIMEOUT);
                if let Some(url) = base_url {
                    builder = builder.base_url(url.as_str());
                }
                Ok(Backend {
                    wawp: Wawp {
                        client: builder.build()?,
                        sandbox: None,
                    },
                    sandbox: None,
                })
            }
            WawpSettings::Sandbox => {
                let sandbox = wawp_sandbox::Sandbox::builder()
                    .start()
                    .await
                    .map_err(std::io::Error::from)?;
                let client = wawp::Client::builder()
                    .instance_id(sandbox.instance_id())
                    .access_token(sandbox.access_token())
                    .base_url(sandbox.base_url())
                    .timeout(WAWP_TIMEOUT)
                    .build()?;
                tracing::warn!(
                    base_url = %sandbox.base_url(),
                    "SANDBOX MODE: a dry run, no WhatsApp message leaves this machine; codes are logged (target wawp_bot::sandbox)"
                );
                Ok(Backend {
                    wawp: Wawp {
                        client,
                        sandbox: Some(SandboxCodes(sandbox.state().clone())),
                    },
                    sandbox: Some(sandbox),
                })
            }
        }
    }

    /// Stops the sandbox, if any.
    pub async fn shutdown(self) {
        if let Some(sandbox) = self.sandbox {
            sandbox.shutdown().await;
        }
    }
}

/// In sandbox mode, where the codes "sent" can be read.
#[derive(Clone)]
pub struct SandboxCodes(wawp_sandbox::SandboxState);

impl SandboxCodes {
    /// Logs the code just "sent" to `phone`: the point of a dry run. The
    /// phone is masked; only sandbox codes are ever logged.
    pub fn log_last_code(&self, phone: &wawp::PhoneNumber) {
        if let Some(code) = self.0.last_code(phone.chat_id()) {
            tracing::info!(target: "wawp_bot::sandbox", recipient = %phone, %code, "sandbox code (dry run, nothing was delivered)");
        }
    }
}
