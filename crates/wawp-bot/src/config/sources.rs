//! Layering: flags over the environment over the `--config` file, every
//! value through the same clap `value_parser`, and clap's errors turned
//! into one line that names the setting and never shows its value.
//!
//! The environment is a function given by the caller (`std::env::var_os` in
//! the binary, a map in tests): clap's own `env` lookup is switched off and
//! each value found in the environment or the file becomes the argument's
//! default, which a flag on the command line overrides.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, FromArgMatches};

use super::{Cli, ConfigError};

/// The environment as the caller sees it.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<OsString>;

/// Config-file keys accepted besides the variable names in lower case.
const KEY_ALIASES: &[(&str, &str)] = &[("sandbox", "wawp_bot_sandbox")];

struct Setting {
    long: String,
    env: String,
}

/// Parses `args` (the first is the program name) with `env` and the
/// `--config` file they name.
pub(super) fn parse(args: Vec<OsString>, env: EnvLookup<'_>) -> Result<Cli, ConfigError> {
    let file = match config_path(&args, env) {
        Some(path) if path.to_str().is_some_and(super::parse::looks_like_secret) => {
            return Err(super::invalid(
                "WAWP_BOT_CONFIG",
                super::parse::LOOKS_LIKE_A_SECRET,
            ));
        }
        Some(path) => Some(ConfigFile::read(&path)?),
        None => None,
    };
    let mut settings = Vec::new();
    let mut used_keys = Vec::new();
    let command = Cli::command().mut_args(|arg| {
        let Some(name) = arg.get_env().and_then(|e| e.to_str()).map(str::to_owned) else {
            return arg;
        };
        let key = name.to_ascii_lowercase();
        let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
        let mut arg = arg.env(None::<&str>).help(format!("{help} [env: {name}]"));
        let from_env = env(&name).filter(|v| !v.is_empty());
        let from_file = file.as_ref().and_then(|f| f.value(&key));
        if let Some(value) = from_env.or(from_file) {
            arg = arg.default_value(value).hide_default_value(true);
        }
        settings.push(Setting {
            long: arg.get_long().unwrap_or_default().to_owned(),
            env: name,
        });
        used_keys.push(key);
        arg
    });
    if let Some(file) = &file {
        file.check_keys(&used_keys)?;
    }
    let matches = command
        .try_get_matches_from(args)
        .map_err(|err| render(err, &settings))?;
    let mut cli = Cli::from_arg_matches(&matches).map_err(|err| render(err, &settings))?;
    if let Some(mode) = file.as_ref().and_then(|f| f.exposed_mode) {
        if cli.strict_permissions == Some(true) {
            return Err(super::invalid(
                "WAWP_BOT_CONFIG",
                format!(
                    "the file holds a secret and group or others may read it (mode {mode:o}): chmod 600 it (or run without --strict-permissions)"
                ),
            ));
        }
        cli.config_file_exposed = Some(mode);
    }
    Ok(cli)
}

/// `--config FILE` / `--config=FILE` on the command line, else `WAWP_BOT_CONFIG`.
fn config_path(args: &[OsString], env: EnvLookup<'_>) -> Option<PathBuf> {
    let mut args = args.iter().skip(1);
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str() else { continue };
        if text == "--" {
            break;
        }
        if text == "--config" {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = text.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    env("WAWP_BOT_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The `--config` TOML file.
struct ConfigFile {
    text: String,
    table: toml::Table,
    /// The file's mode when it holds a secret that group or others may read.
    exposed_mode: Option<u32>,
}

/// Keys whose values are secrets (a PostgreSQL URL holds a password).
const SECRET_KEYS: &[&str] = &[
    "telegram_bot_token",
    "wawp_access_token",
    "wawp_bot_webhook_secret",
];

fn holds_secret(table: &toml::Table) -> bool {
    SECRET_KEYS.iter().any(|key| table.contains_key(*key))
        || table
            .get("wawp_bot_db")
            .and_then(toml::Value::as_str)
            .is_some_and(|db| db.starts_with("postgres"))
}

#[cfg(unix)]
fn group_or_others_may_read(file: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = file.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn group_or_others_may_read(_: &std::fs::Metadata) -> Option<u32> {
    None
}

impl ConfigFile {
    fn read(path: &Path) -> Result<ConfigFile, ConfigError> {
        // The path is not shown: like any setting's value, it could be a
        // pasted secret.
        let cannot_read = |e: std::io::Error| ConfigError::File {
            reason: format!(
                "cannot read it ({}); check the --config path",
                std::io::Error::from(e.kind())
            ),
        };
        let text = std::fs::read_to_string(path).map_err(cannot_read)?;
        let metadata = std::fs::metadata(path).map_err(cannot_read)?;
        let table = text.parse::<toml::Table>().map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            // The message names the problem; the snippet (which may hold a
            // secret) is left out.
            let message = e.message().replace('\n', " ");
            ConfigError::File {
                reason: match line {
                    Some(line) => format!("line {line}: {message}"),
                    None => message,
                },
            }
        })?;
        let exposed_mode = holds_secret(&table)
            .then(|| group_or_others_may_read(&metadata))
            .flatten();
        Ok(ConfigFile {
            text,
            table,
            exposed_mode,
        })
    }

    fn line_of(&self, key: &str) -> usize {
        self.text
            .lines()
            .position(|line| {
                line.trim_start()
                    .strip_prefix(key)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            })
            .map_or(1, |n| n + 1)
    }

    fn raw(&self, key: &str) -> Option<&toml::Value> {
        self.table.get(key).or_else(|| {
            KEY_ALIASES
                .iter()
                .find(|(_, canonical)| *canonical == key)
                .and_then(|(alias, _)| self.table.get(*alias))
        })
    }

    /// The value of `key` as the text a flag would carry.
    fn value(&self, key: &str) -> Option<OsString> {
        let text = match self.raw(key)? {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Array(items) => items
                .iter()
                .map(|item| match item {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    _ => "?".to_owned(),
                })
                .collect::<Vec<_>>()
                .join(","),
            // Left for `check_keys` to report.
            _ => return None,
        };
        Some(text).filter(|t| !t.is_empty()).map(OsString::from)
    }

    /// Every key must be a setting, with a value of a usable type.
    fn check_keys(&self, known: &[String]) -> Result<(), ConfigError> {
        for (key, value) in &self.table {
            let canonical = KEY_ALIASES
                .iter()
                .find(|(alias, _)| alias == key)
                .map_or(key.as_str(), |(_, canonical)| canonical);
            let line = self.line_of(key);
            if !known.iter().any(|k| k == canonical) {
                return Err(ConfigError::File {
                    reason: format!(
                        "line {line}: unknown setting `{key}` (keys are the variable names in lower case, e.g. wawp_bot_admins; see wawp-bot --help)"
                    ),
                });
            }
            if matches!(
                value,
                toml::Value::Float(_) | toml::Value::Datetime(_) | toml::Value::Table(_)
            ) {
                return Err(ConfigError::File {
                    reason: format!(
                        "line {line}: `{key}` must be text, a whole number, true/false or a list"
                    ),
                });
            }
        }
        Ok(())
    }
}

fn context(err: &clap::Error, kind: ContextKind) -> Option<String> {
    match err.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(list) => Some(list.join(", ")),
        _ => None,
    }
}

/// One line for a clap error, naming the setting, never its value.
fn render(err: clap::Error, settings: &[Setting]) -> ConfigError {
    let setting_name = |arg: &str| {
        settings
            .iter()
            .find(|s| {
                arg.strip_prefix("--")
                    .and_then(|rest| rest.strip_prefix(s.long.as_str()))
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '=', '[']))
            })
            .map_or_else(
                || arg.split(' ').next().unwrap_or_default().to_owned(),
                |s| s.env.clone(),
            )
    };
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            ConfigError::Help(err.render().to_string())
        }
        ErrorKind::ValueValidation | ErrorKind::InvalidValue => {
            let arg = context(&err, ContextKind::InvalidArg).unwrap_or_default();
            let reason = match (err.kind(), std::error::Error::source(&err)) {
                (ErrorKind::ValueValidation, Some(source)) => source.to_string(),
                _ => match context(&err, ContextKind::ValidValue) {
                    Some(valid) => format!("use one of: {valid}"),
                    None => "it is empty".to_owned(),
                },
            };
            ConfigError::Invalid {
                name: setting_name(&arg),
                reason: reason.replace('\n', " "),
            }
        }
        ErrorKind::UnknownArgument => {
            let arg = context(&err, ContextKind::InvalidArg).unwrap_or_default();
            let shown = match arg.split_once('=') {
                _ if !arg.starts_with("--") => "an unexpected argument (not shown)".to_owned(),
                Some((flag, _)) => format!("unknown flag {flag}"),
                None => format!("unknown flag {arg}"),
            };
            ConfigError::Usage(format!("{shown}; see wawp-bot --help"))
        }
        ErrorKind::InvalidSubcommand => {
            ConfigError::Usage("unknown command; see wawp-bot --help".into())
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            ConfigError::Usage("a command is missing; see wawp-bot --help".into())
        }
        ErrorKind::MissingRequiredArgument => {
            let args = context(&err, ContextKind::InvalidArg).unwrap_or_default();
            ConfigError::Usage(format!("missing {args}; see wawp-bot --help"))
        }
        _ => {
            let text = err.render().to_string();
            let line = text.lines().next().unwrap_or_default();
            ConfigError::Usage(format!(
                "{}; see wawp-bot --help",
                line.trim_start_matches("error: ")
            ))
        }
    }
}
