//! `Client::from_env` reads the process environment: each case runs in a
//! child process of this test binary, so no test changes the environment
//! of the others.

use crate::common::*;
use wawp::Client;

/// In the child: what `Client::from_env` made of its environment.
#[test]
fn from_env_child() {
    if !is_child() {
        return;
    }
    match Client::from_env() {
        Ok(client) => println!(
            "RESULT:OK {} token_shown={}",
            client.base_url(),
            format!("{client:?}").contains("env-token-123")
        ),
        Err(err) => println!("RESULT:ERR {err}"),
    }
}

fn from_env(envs: &[(&str, &str)]) -> String {
    let out = run_child("from_env::from_env_child", envs);
    let (_, line) = out
        .split_once("RESULT:")
        .unwrap_or_else(|| panic!("no result in:\n{out}"));
    line.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn from_env_names_the_missing_variable_then_builds() {
    if is_child() {
        return;
    }
    let none = [
        ("WAWP_INSTANCE_ID", ""),
        ("WAWP_ACCESS_TOKEN", ""),
        ("WAWP_BASE_URL", ""),
    ];
    let line = from_env(&none);
    assert!(line.contains("WAWP_INSTANCE_ID is not set"), "{line}");
    let line = from_env(&[("WAWP_INSTANCE_ID", "INSTANCE"), ("WAWP_ACCESS_TOKEN", "")]);
    assert!(line.contains("WAWP_ACCESS_TOKEN is not set"), "{line}");
    let ok = [
        ("WAWP_INSTANCE_ID", "INSTANCE"),
        ("WAWP_ACCESS_TOKEN", "env-token-123"),
    ];
    let line = from_env(&[ok[0], ok[1], ("WAWP_BASE_URL", "http://api.example.com")]);
    assert!(
        line.starts_with("ERR invalid client configuration"),
        "{line}"
    );
    let line = from_env(&[ok[0], ok[1], ("WAWP_BASE_URL", "http://127.0.0.1:9/")]);
    assert_eq!(line, "OK http://127.0.0.1:9 token_shown=false");
    let line = from_env(&[ok[0], ok[1], ("WAWP_BASE_URL", "")]);
    assert_eq!(
        line,
        format!("OK {} token_shown=false", wawp::client::DEFAULT_BASE_URL)
    );
}
