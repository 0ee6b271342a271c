//! The `wawp::Client` a command calls: built from credentials (a profile
//! or the environment, in the order `--help` gives), or pointed at a
//! sandbox started inside this process for a dry run (`--sandbox`).

use secrecy::{ExposeSecret, SecretString};
use wawp::{Client, PhoneNumber};
use wawp_sandbox::Sandbox;

use crate::failure::Failure;
use crate::profile::{self, Profile};

/// The client, and the sandbox behind it in a dry run.
pub struct Backend {
    /// What the command calls.
    pub client: Client,
    sandbox: Option<Sandbox>,
}

impl Backend {
    /// Credentials from `--profile`, else the environment, else the
    /// "default" profile; or a fresh in-process sandbox when `dry_run`.
    pub async fn connect(dry_run: bool, profile: Option<&str>) -> Result<Backend, Failure> {
        if dry_run {
            let sandbox = start_sandbox(Sandbox::builder()).await?;
            let client = Client::builder()
                .instance_id(sandbox.instance_id())
                .access_token(sandbox.access_token())
                .base_url(sandbox.base_url())
                .build()
                .map_err(Failure::settings)?;
            return Ok(Backend {
                client,
                sandbox: Some(sandbox),
            });
        }
        let creds = resolve(profile)?;
        let mut builder = Client::builder()
            .instance_id(creds.instance_id)
            .access_token(creds.access_token);
        if let Some(url) = creds.base_url {
            builder = builder.base_url(url);
        }
        let client = builder
            .build()
            .map_err(|err| Failure::settings(format!("{} ({})", err, creds.source)))?;
        Ok(Backend {
            client,
            sandbox: None,
        })
    }

    /// Whether this is a dry run.
    pub fn is_dry_run(&self) -> bool {
        self.sandbox.is_some()
    }

    /// In a dry run, says on stderr which code the sandbox "sent" to
    /// `phone`: the point of a dry run, and the only place a code is
    /// ever printed.
    pub fn announce_code(&self, phone: &PhoneNumber) {
        if let Some(code) = self
            .sandbox
            .as_ref()
            .and_then(|s| s.last_code(phone.chat_id()))
        {
            warn!("wawp: dry run: code {code} for {phone} (sandbox; nothing was delivered)");
        }
    }

    /// Stops the sandbox, if any.
    pub async fn shutdown(self) {
        if let Some(sandbox) = self.sandbox {
            sandbox.shutdown().await;
        }
    }
}

/// Starts a sandbox; a failure to listen is a settings problem.
pub async fn start_sandbox(builder: wawp_sandbox::SandboxBuilder) -> Result<Sandbox, Failure> {
    builder
        .start()
        .await
        .map_err(|err| Failure::settings(format!("cannot start the sandbox: {err}")))
}

/// Credentials and where they came from (for messages; never the token).
#[derive(Debug)]
struct Credentials {
    instance_id: String,
    access_token: SecretString,
    base_url: Option<String>,
    source: String,
}

fn env(name: &str) -> Result<Option<String>, Failure> {
    match std::env::var(name) {
        Ok(value) if value.trim().is_empty() => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(Failure::settings(format!("{name} is not valid UTF-8")))
        }
    }
}

fn resolve(profile: Option<&str>) -> Result<Credentials, Failure> {
    if let Some(name) = profile {
        let path = profile::path()?;
        return match profile::load(&path, name)? {
            Some(found) => Ok(from_profile(found, name)),
            None => Err(Failure::settings(format!(
                "no profile {name:?} in {}; save one with: wawp login --profile {name}",
                path.display()
            ))),
        };
    }
    let id = env("WAWP_INSTANCE_ID")?;
    let token = env("WAWP_ACCESS_TOKEN")?;
    match (id, token) {
        (Some(instance_id), Some(token)) => Ok(Credentials {
            instance_id,
            access_token: SecretString::from(token),
            base_url: env("WAWP_BASE_URL")?,
            source: "from WAWP_INSTANCE_ID, WAWP_ACCESS_TOKEN and WAWP_BASE_URL".into(),
        }),
        (Some(_), None) => Err(Failure::settings(
            "WAWP_ACCESS_TOKEN is not set but WAWP_INSTANCE_ID is: set both, or neither to use a profile",
        )),
        (None, Some(_)) => Err(Failure::settings(
            "WAWP_INSTANCE_ID is not set but WAWP_ACCESS_TOKEN is: set both, or neither to use a profile",
        )),
        (None, None) => match profile::load(&profile::path()?, profile::DEFAULT)? {
            Some(found) => Ok(from_profile(found, profile::DEFAULT)),
            None => Err(Failure::settings(
                "no Wawp credentials: set WAWP_INSTANCE_ID and WAWP_ACCESS_TOKEN, run `wawp login`, or try a dry run with --sandbox",
            )),
        },
    }
}

fn from_profile(profile: Profile, name: &str) -> Credentials {
    Credentials {
        instance_id: profile.instance_id,
        access_token: profile.access_token,
        base_url: profile.base_url,
        source: format!("from profile {name:?}"),
    }
}

/// Checks credentials the way a call would use them, without calling.
pub fn check(profile: &Profile) -> Result<(), Failure> {
    let mut builder = Client::builder()
        .instance_id(profile.instance_id.as_str())
        .access_token(profile.access_token.expose_secret());
    if let Some(url) = &profile.base_url {
        builder = builder.base_url(url.as_str());
    }
    builder.build().map(drop).map_err(Failure::settings)
}
