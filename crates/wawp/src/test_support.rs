//! Helpers shared by the unit tests of the builder's modules.

use crate::{BuildError, Client, ClientBuilder};

/// A builder with valid credentials and nothing else set.
pub(crate) fn builder() -> ClientBuilder {
    ClientBuilder::new()
        .instance_id("INSTANCE")
        .access_token("secret-token-123")
}

/// The message of a [`BuildError::Config`]; panics on anything else.
pub(crate) fn config_message(result: Result<Client, BuildError>) -> String {
    match result {
        Err(BuildError::Config { message }) => message,
        other => panic!("expected BuildError::Config, got {other:?}"),
    }
}
