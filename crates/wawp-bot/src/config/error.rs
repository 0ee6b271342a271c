//! Configuration errors: one line that names the setting, never its value.

/// A configuration problem. `Display` is one line without secrets.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required setting has no value.
    #[error("{name} is not set: {hint}")]
    Missing {
        /// The variable name.
        name: &'static str,
        /// What to do.
        hint: &'static str,
    },
    /// A setting's value is unusable.
    #[error("{name} is invalid: {reason}")]
    Invalid {
        /// The variable name (or the flag, for one without a variable).
        name: String,
        /// What is wrong, never the value itself.
        reason: String,
    },
    /// The `--config` file cannot be read or parsed. The path is not
    /// shown (a setting's value never is).
    #[error("the --config file (WAWP_BOT_CONFIG): {reason}")]
    File {
        /// What is wrong.
        reason: String,
    },
    /// The command line itself is wrong.
    #[error("{0}")]
    Usage(String),
    /// `--help` or `--version` was asked for: print this text and exit 0.
    #[error("{0}")]
    Help(String),
}

impl ConfigError {
    /// The process exit code: 0 for `--help`/`--version`, else 2.
    pub fn exit_code(&self) -> u8 {
        match self {
            ConfigError::Help(_) => 0,
            _ => 2,
        }
    }
}

pub(crate) fn invalid(name: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        name: name.to_owned(),
        reason: reason.into(),
    }
}
