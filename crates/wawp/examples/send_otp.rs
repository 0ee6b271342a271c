//! Sends a one-time password and prints the result as JSON.
//!
//! ```sh
//! export WAWP_INSTANCE_ID=... WAWP_ACCESS_TOKEN=...   # WAWP_BASE_URL optional
//! cargo run -p wawp --example send_otp -- +201234567890 --lang ar --footer "Acme Inc."
//! ```
//!
//! Exit status: 0 sent; 1 Wawp or the network refused; 2 a missing or
//! invalid variable or argument.

use std::process::ExitCode;

use wawp::{Client, ErrorKind, Lang, PhoneNumber};

const USAGE: &str = "usage: send_otp <phone> [--lang xx] [--footer TEXT]";

struct Args {
    phone: PhoneNumber,
    lang: Lang,
    footer: Option<String>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
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
                footer = Some(args.next().ok_or("--footer needs a value")?);
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
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
    let args = match parse_args(std::env::args().skip(1)) {
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
            match err.kind() {
                ErrorKind::InvalidInput | ErrorKind::Config => ExitCode::from(2),
                _ => ExitCode::FAILURE,
            }
        }
    }
}
