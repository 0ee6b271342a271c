use std::process::ExitCode;

use wawp::{Client, OtpCode, PhoneNumber, VerifyOutcome};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Display, not Debug: "error: Wawp is protecting this recipient
            // from repeated codes (HTTP 429): wait 60 s before sending again".
            eprintln!("error: {err}");
            let mut source = err.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // WAWP_INSTANCE_ID and WAWP_ACCESS_TOKEN (WAWP_BASE_URL optional).
    let client = Client::from_env()?;
    let phone: PhoneNumber = "+20 123 456 7890".parse()?;

    let sent = client.send_otp(&phone).lang(wawp::Lang::Ar).await?;
    println!("code sent to {phone}, valid for {:?}", sent.expires_in);

    let code: OtpCode = "123456".parse()?; // what the user typed
    match client.verify_otp(&phone, &code).await? {
        VerifyOutcome::Verified(_) => println!("verified"),
        VerifyOutcome::WrongCode { attempts_left, .. } => println!("wrong, {attempts_left:?} left"),
        VerifyOutcome::NoActiveCode { .. } => println!("expired: send a new code"),
        VerifyOutcome::LockedOut { retry_after, .. } => println!("locked for {retry_after:?}"),
        other => println!("not verified: {}", other.as_str()),
    }
    Ok(())
}
