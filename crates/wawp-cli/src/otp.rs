//! `wawp send` and `wawp verify`: check the input, call Wawp (or the
//! dry-run sandbox), report.

use std::io::BufRead;

use wawp::{Footer, Lang, OtpCode, PhoneNumber};
use wawp_cli::args::{SendArgs, VerifyArgs};

use crate::backend::Backend;
use crate::failure::Failure;
use crate::report::Output;

fn phone(input: &str) -> Result<PhoneNumber, Failure> {
    input.parse().map_err(Failure::usage)
}

/// `wawp send`. Returns the exit code.
pub async fn send(args: SendArgs, profile: Option<&str>, out: Output) -> Result<u8, Failure> {
    let phone = phone(&args.phone)?;
    let lang: Lang = args.lang.parse().map_err(Failure::usage)?;
    let footer = match &args.footer {
        Some(text) => Some(
            text.parse::<Footer>()
                .map_err(|err| Failure::usage(format!("--footer: {err}")))?,
        ),
        None => None,
    };
    let backend = Backend::connect(args.sandbox, profile).await?;
    let mut request = backend.client.send_otp(&phone).lang(lang);
    if let Some(footer) = footer {
        request = request.footer(footer);
    }
    let result = request.await;
    if result.is_ok() {
        backend.announce_code(&phone);
    }
    let dry_run = backend.is_dry_run();
    backend.shutdown().await;
    let sent = result.map_err(|err| Failure::from_wawp(&err))?;
    Ok(out.sent(&phone, &sent, dry_run))
}

/// `wawp verify`. Returns the exit code.
pub async fn verify(args: VerifyArgs, profile: Option<&str>, out: Output) -> Result<u8, Failure> {
    let phone = phone(&args.phone)?;
    let code = if args.code == "-" {
        read_code_from_stdin()?
    } else {
        args.code.parse::<OtpCode>().map_err(Failure::usage)?
    };
    let backend = Backend::connect(args.sandbox, profile).await?;
    let mut request = backend.client.verify_otp(&phone, &code);
    if let Some(list_id) = args.list_id {
        request = request.list_id(list_id);
    }
    let result = request.await;
    let dry_run = backend.is_dry_run();
    backend.shutdown().await;
    let outcome = result.map_err(|err| Failure::from_wawp(&err))?;
    Ok(out.verified(&phone, &outcome, dry_run))
}

fn read_code_from_stdin() -> Result<OtpCode, Failure> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|err| Failure::usage(format!("cannot read the code from stdin: {err}")))?;
    line.parse::<OtpCode>().map_err(Failure::usage)
}
