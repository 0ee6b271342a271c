//! `Client::from_env` reads the process environment. One test in its own
//! binary, so changing the environment cannot race other tests.

use wawp::{Client, Error};

#[test]
fn from_env_names_the_missing_variable_then_builds() {
    let vars = ["WAWP_INSTANCE_ID", "WAWP_ACCESS_TOKEN", "WAWP_BASE_URL"];
    // SAFETY: this binary has a single test and no other threads touch the
    // environment.
    unsafe {
        for var in vars {
            std::env::remove_var(var);
        }
    }
    let err = Client::from_env().unwrap_err();
    assert_eq!(
        err,
        Error::MissingEnv {
            name: "WAWP_INSTANCE_ID"
        }
    );
    assert!(err.to_string().contains("WAWP_INSTANCE_ID"), "{err}");

    unsafe { std::env::set_var("WAWP_INSTANCE_ID", "INSTANCE") };
    let err = Client::from_env().unwrap_err();
    assert_eq!(
        err,
        Error::MissingEnv {
            name: "WAWP_ACCESS_TOKEN"
        }
    );

    unsafe {
        std::env::set_var("WAWP_ACCESS_TOKEN", "env-token-123");
        std::env::set_var("WAWP_BASE_URL", "http://api.example.com");
    }
    let err = Client::from_env().unwrap_err();
    assert_eq!(err.kind(), wawp::ErrorKind::Config, "{err}");

    unsafe { std::env::set_var("WAWP_BASE_URL", "http://127.0.0.1:9/") };
    let client = Client::from_env().unwrap();
    assert_eq!(client.base_url(), "http://127.0.0.1:9");
    assert!(!format!("{client:?}").contains("env-token-123"));

    unsafe { std::env::remove_var("WAWP_BASE_URL") };
    assert_eq!(
        Client::from_env().unwrap().base_url(),
        wawp::DEFAULT_BASE_URL
    );
}
