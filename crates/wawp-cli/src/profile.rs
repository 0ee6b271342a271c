//! Saved credentials: `$XDG_CONFIG_HOME/wawp/profiles.toml` (through
//! `etcetera`), one table per profile. The file is only ever created with
//! mode 0600 (a new file, renamed over the old one), never chmod-ed after,
//! and a symlink in its place is refused, for reading and for writing.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use etcetera::BaseStrategy;
use secrecy::{ExposeSecret, SecretString};

use crate::failure::Failure;

/// The profile used when none is named.
pub const DEFAULT: &str = "default";

/// One profile's credentials. `Debug` never shows the token.
#[derive(Debug)]
pub struct Profile {
    /// The Wawp instance ID.
    pub instance_id: String,
    /// The access token.
    pub access_token: SecretString,
    /// The API's base URL, when not Wawp's production API.
    pub base_url: Option<String>,
}

/// The profile file's path.
pub fn path() -> Result<PathBuf, Failure> {
    let base = etcetera::choose_base_strategy().map_err(|_| {
        Failure::settings(
            "cannot find your home folder to read profiles; set XDG_CONFIG_HOME or use WAWP_INSTANCE_ID and WAWP_ACCESS_TOKEN",
        )
    })?;
    Ok(base.config_dir().join("wawp").join("profiles.toml"))
}

/// Profile names are what can be typed without quoting.
pub fn check_name(name: &str) -> Result<(), Failure> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Failure::usage(
            "invalid profile name: use 1 to 64 letters, digits, - or _",
        ))
    }
}

/// Whether the profile file exists (as a regular file).
fn existing(path: &Path) -> Result<bool, Failure> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(Failure::settings(format!(
            "{} is a symlink; wawp reads and writes profiles only as a regular file: remove the link",
            path.display()
        ))),
        Ok(meta) if !meta.is_file() => Err(Failure::settings(format!(
            "{} is not a regular file",
            path.display()
        ))),
        Ok(_) => Ok(true),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(Failure::settings(format!(
            "cannot read {}: {err}",
            path.display()
        ))),
    }
}

/// The file's tables, or an empty table when there is no file.
fn read_table(path: &Path) -> Result<toml::Table, Failure> {
    if !existing(path)? {
        return Ok(toml::Table::new());
    }
    let text = fs::read_to_string(path)
        .map_err(|err| Failure::settings(format!("cannot read {}: {err}", path.display())))?;
    // The parser's message only: its Display quotes the line, which may
    // hold a token.
    text.parse::<toml::Table>().map_err(|err| {
        Failure::settings(format!(
            "{} is not valid TOML ({}); fix it or remove it and run `wawp login`",
            path.display(),
            err.message()
        ))
    })
}

/// Refuses a profile file others can read, as ssh does for its keys.
#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), Failure> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::symlink_metadata(path)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0o600);
    if mode & 0o077 != 0 {
        return Err(Failure::settings(format!(
            "{} is readable by other users (mode {mode:o}); run: chmod 600 {}",
            path.display(),
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path) -> Result<(), Failure> {
    Ok(())
}

/// Reads profile `name`, or `None` when the file or the profile does not exist.
pub fn load(path: &Path, name: &str) -> Result<Option<Profile>, Failure> {
    check_name(name)?;
    let table = read_table(path)?;
    let Some(entry) = table.get(name) else {
        return Ok(None);
    };
    check_private(path)?;
    let field = |key: &str| entry.get(key).and_then(toml::Value::as_str);
    let missing = |key: &str| {
        Failure::settings(format!(
            "profile {name:?} in {} has no {key}; run: wawp login --profile {name}",
            path.display()
        ))
    };
    Ok(Some(Profile {
        instance_id: field("instance_id")
            .ok_or_else(|| missing("instance_id"))?
            .to_owned(),
        access_token: SecretString::from(
            field("access_token").ok_or_else(|| missing("access_token"))?,
        ),
        base_url: field("base_url").map(str::to_owned),
    }))
}

/// Writes profile `name`, keeping the file's other profiles.
pub fn save(path: &Path, name: &str, profile: &Profile) -> Result<(), Failure> {
    check_name(name)?;
    let mut table = read_table(path)?;
    let mut entry = toml::Table::new();
    entry.insert("instance_id".into(), profile.instance_id.clone().into());
    entry.insert(
        "access_token".into(),
        profile.access_token.expose_secret().into(),
    );
    if let Some(url) = &profile.base_url {
        entry.insert("base_url".into(), url.clone().into());
    }
    table.insert(name.to_owned(), entry.into());

    let failed = |what: &str, err: std::io::Error| {
        Failure::settings(format!("cannot {what} {}: {err}", path.display()))
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir).map_err(|err| failed("create the folder of", err))?;
    let temp = dir.join(format!(".profiles.toml.{}.tmp", std::process::id()));
    let written = write_new_private(&temp, table.to_string().as_bytes())
        .and_then(|()| fs::rename(&temp, path));
    if let Err(err) = written {
        let _ = fs::remove_file(&temp);
        return Err(failed("write", err));
    }
    Ok(())
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

/// Creates `path` (it must not exist) readable by its owner only, from the
/// first byte on.
fn write_new_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(id: &str) -> Profile {
        Profile {
            instance_id: id.into(),
            access_token: SecretString::from("tok-123"),
            base_url: None,
        }
    }

    #[test]
    fn profiles_round_trip_and_keep_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wawp/profiles.toml");
        assert!(load(&path, "default").unwrap().is_none());
        save(&path, "default", &profile("one")).unwrap();
        save(&path, "work", &profile("two")).unwrap();
        let one = load(&path, "default").unwrap().unwrap();
        assert_eq!(one.instance_id, "one");
        assert_eq!(one.access_token.expose_secret(), "tok-123");
        assert_eq!(load(&path, "work").unwrap().unwrap().instance_id, "two");
        assert!(!format!("{one:?}").contains("tok-123"));
    }

    #[test]
    fn bad_names_and_broken_files_are_one_line_errors() {
        assert_eq!(check_name("a b").unwrap_err().exit, 2);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.toml");
        write_new_private(&path, b"[default]\naccess_token = \"tok-123").unwrap();
        let err = load(&path, "default").unwrap_err();
        assert!(!err.message.contains("tok-123"), "{err:?}");
        assert!(err.message.contains("not valid TOML"), "{err:?}");
    }
}
