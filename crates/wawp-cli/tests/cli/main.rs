//! The real `wawp` binary against a `wawp-sandbox` started by each test on
//! 127.0.0.1. Every run is checked for the access token on stdout and
//! stderr (`support::run`).

mod dry_run;
#[cfg(unix)]
mod login;
mod otp;
mod settings;
mod support;
