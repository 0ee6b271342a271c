//! Sends a code, then checks the one typed on standard input: the whole
//! loop, against the local sandbox (nothing leaves the machine).
//!
//! ```sh
//! cargo run -p wawp-sandbox        # prints its base URL, instance ID and token
//! export WAWP_BASE_URL=http://127.0.0.1:8080 WAWP_INSTANCE_ID=... WAWP_ACCESS_TOKEN=...
//! cargo run -p wawp --example verify_otp -- +201234567890
//! ```
//!
//! The sandbox logs the code it "sent" only when started with
//! `--log-codes`, or read it from `GET /_sandbox/messages`.
//!
//! Exit status: 0 verified; 1 not verified or Wawp refused; 2 a missing or
//! invalid variable or argument.

use std::io::BufRead;
use std::process::ExitCode;

use wawp::{Client, OtpCode, PhoneNumber, VerifyOutcome};

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("verify_otp: {message}");
    ExitCode::from(2)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Some(arg) = std::env::args_os().nth(1) else {
        return fail("usage: verify_otp <phone>");
    };
    let Some(phone) = arg.to_str() else {
        return fail("the phone number is not valid UTF-8");
    };
    let phone: PhoneNumber = match phone.parse() {
        Ok(phone) => phone,
        Err(err) => return fail(err),
    };
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(err) => return fail(err),
    };

    match client.send_otp(&phone).await {
        Ok(sent) => println!(
            "code sent to {phone} (job {}), valid for {:?}",
            sent.job_id, sent.expires_in
        ),
        Err(err) => {
            eprintln!("verify_otp: {err}");
            return ExitCode::FAILURE;
        }
    }

    let stdin = std::io::stdin();
    loop {
        println!("type the 6-digit code:");
        let mut line = String::new();
        if stdin.lock().read_line(&mut line).unwrap_or(0) == 0 {
            return ExitCode::FAILURE;
        }
        // Parsed before the call: a typo never uses one of the 5 attempts.
        let code: OtpCode = match line.parse() {
            Ok(code) => code,
            Err(err) => {
                println!("{err}");
                continue;
            }
        };
        match client.verify_otp(&phone, &code).await {
            Ok(VerifyOutcome::Verified(_)) => {
                println!("verified {phone}");
                return ExitCode::SUCCESS;
            }
            Ok(VerifyOutcome::WrongCode { attempts_left, .. }) => match attempts_left {
                Some(left) => println!("wrong code, {left} attempts left"),
                None => println!("wrong code"),
            },
            Ok(outcome) => {
                println!("not verified: {}", outcome.as_str());
                return ExitCode::FAILURE;
            }
            Err(err) => {
                eprintln!("verify_otp: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
}
