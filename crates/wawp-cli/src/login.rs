//! `wawp login`: asks for the credentials (the token without echo) and
//! saves them as a profile.

use std::io::{BufRead, IsTerminal, Write};

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use wawp_cli::args::LoginArgs;

use crate::backend;
use crate::failure::Failure;
use crate::profile::{self, Profile};
use crate::report::Output;

/// `wawp login`. Returns the exit code.
pub fn run(args: LoginArgs, profile: Option<&str>, out: Output) -> Result<u8, Failure> {
    let name = profile.unwrap_or(profile::DEFAULT);
    profile::check_name(name)?;
    let path = profile::path()?;
    let terminal = std::io::stdin().is_terminal();

    let instance_id = match args.instance_id {
        Some(id) => id,
        None if terminal => {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "Wawp instance ID: ").and_then(|()| stderr.flush());
            read_line()?
        }
        None => {
            return Err(Failure::usage(
                "stdin is not a terminal: give --instance-id, and the token on stdin",
            ));
        }
    };
    let token = if terminal {
        rpassword::prompt_password("Wawp access token (not shown as you type): ")
            .map(SecretString::from)
            .map_err(|err| Failure::usage(format!("cannot read the token: {err}")))?
    } else {
        SecretString::from(read_line()?)
    };
    if token.expose_secret().trim().is_empty() {
        return Err(Failure::usage("the access token is empty; nothing saved"));
    }
    let token = SecretString::from(token.expose_secret().trim());
    let saved = Profile {
        instance_id: instance_id.trim().to_owned(),
        access_token: token,
        base_url: args.base_url,
    };
    backend::check(&saved)?;
    profile::save(&path, name, &saved)?;
    let text = format!(
        "saved profile {name:?} in {} (readable by you only); use it with --profile {name}{}",
        path.display(),
        if name == profile::DEFAULT {
            " or without any flag once WAWP_INSTANCE_ID and WAWP_ACCESS_TOKEN are unset"
        } else {
            ""
        }
    );
    Ok(out.done(
        "saved",
        json!({ "profile": name, "path": path.display().to_string() }),
        &text,
    ))
}

fn read_line() -> Result<String, Failure> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|err| Failure::usage(format!("cannot read stdin: {err}")))?;
    Ok(line.trim().to_owned())
}
