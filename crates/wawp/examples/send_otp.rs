//! Sends a one-time password and prints the result as JSON.
//!
//! ```sh
//! export WAWP_INSTANCE_ID=... WAWP_ACCESS_TOKEN=...   # WAWP_BASE_URL optional
//! cargo run -p wawp --example send_otp -- +201234567890 --lang ar --footer "Acme Inc."
//! ```
//!
//! Exit status: 0 sent; 1 Wawp or the network refused; 2 a missing or
//! invalid variable or argument (the argument itself is never repeated: it
//! may be a phone number).

use std::ffi::OsString;
use std::process::ExitCode;

use wawp::{Client, Footer, Lang, PhoneNumber};

const USAGE: &str = "usage: send_otp <phone> [--lang xx] [--footer TEXT]";

struct Args {
    phone: PhoneNumber,
    lang: Lang,
    footer: Option<Footer>,
}

/// The arguments as UTF-8, or which one is not.
fn utf8(args: impl Iterator<Item = OsString>) -> Result<Vec<String>, String> {
    args.enumerate()
        .map(|(i, arg)| {
            arg.into_string().map_err(|_| {
                format!(
                    "argument {} is not valid UTF-8; pass the phone number, language and footer as plain text",
                    i + 1
                )
            })
        })
        .collect()
}

fn parse_args(args: Vec<String>) -> Result<Args, String> {
    let mut args = args.into_iter();
    let mut phone = None;
    let mut lang = Lang::default();
    let mut footer = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--lang" => {
                let code = args.next().ok_or("--lang needs a value, e.g. --lang ar")?;
                lang = code.parse().map_err(|e| format!("{e}"))?;
            }
            "--footer" => {
                let text = args.next().ok_or("--footer needs a value")?;
                footer = Some(text.parse().map_err(|e| format!("{e}"))?);
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            flag if flag.starts_with("--") => return Err("unknown option (see usage)".to_owned()),
            _ if phone.is_none() => {
                phone = Some(arg.parse::<PhoneNumber>().map_err(|e| format!("{e}"))?);
            }
            _ => return Err("only one phone number, please".to_owned()),
        }
    }
    Ok(Args {
        phone: phone.ok_or("the phone number is missing")?,
        lang,
        footer,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match utf8(std::env::args_os().skip(1)).and_then(parse_args) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("send_otp: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(err) => {
            eprintln!("send_otp: {err}");
            return ExitCode::from(2);
        }
    };
    let mut request = client.send_otp(&args.phone).lang(args.lang);
    if let Some(footer) = args.footer {
        request = request.footer(footer);
    }
    match request.await {
        Ok(sent) => {
            let output = serde_json::json!({
                "job_id": sent.job_id,
                "expires_in_secs": sent.expires_in.as_secs(),
                "message": sent.message,
                "recipient": args.phone.masked(),
            });
            println!("{output}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("send_otp: {err}");
            ExitCode::FAILURE
        }
    }
}
