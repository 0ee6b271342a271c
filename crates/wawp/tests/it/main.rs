//! The `wawp` crate's integration tests, one binary: every server is a
//! wiremock on 127.0.0.1 started by the test itself.

mod causes;
mod common;
mod errors;
mod example;
mod features;
mod from_env;
mod hostile;
mod leaks;
mod outcome;
mod requests;
mod retries;
mod server_text;
mod untrusted;
mod validation;
